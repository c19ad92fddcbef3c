"""Core benchmark: ingest throughput, warm ask latency and peak memory, printed and written to a file.

Usage: python bench/bench_core.py [--dki] [--only-dki] [--out bench/results/core.json]
--dki also ingests ../shared/corpus/dki_jakarta when present (about 1M model tokens: many minutes);
--only-dki skips seeds, so the process peak memory is the DKI run's own.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench._common import RssSampler, machine, percentiles, process_peak_rss_mb, write
from bot.service import Planbot
from index.embedders import make_embedder
from index.indexer import Indexer
from planbot.offline import set_offline_env
from planbot.settings import Settings

QUESTIONS = [
    "which mission covers sanitation?", "Apa visi Kota Bekasi?", "Apa saja program kerja Misi 3 Kota Metro?",
    "What will the city do about slum areas?", "Apa misi kelima Kota Bekasi?", "What are Lubuklinggau's priority programs?",
    "Bagaimana Kota Metro menangani sampah?", "Apa visi Kota Bandung?",
]

# About DKI Jakarta, Indonesian and English, rotated so no answer comes from a warm per-question cache.
DKI_QUESTIONS = [
    "Apa visi RPJMD Jakarta 2025-2029?", "What is Jakarta's vision for 2045?",
    "Apa misi pembangunan Jakarta dalam RPJMD?", "How will Jakarta reduce flooding?",
    "Bagaimana penanganan banjir di Jakarta?", "What are the targets for clean water supply?",
    "Berapa target angka kemiskinan Jakarta?", "How does Jakarta plan to handle waste?",
    "Apa prioritas pembangunan RKPD 2025?", "What are the transport programs in Jakarta?",
    "Bagaimana strategi penurunan stunting?", "What does Jakarta plan for air pollution?",
    "Apa arah kebijakan Jakarta sebagai kota global?", "How will Jakarta improve public health services?",
    "Apa isi Peraturan Daerah Nomor 1 Tahun 2025?", "What is the regional budget (APBD) for 2025?",
    "Bagaimana rencana penyediaan perumahan layak?", "What are Jakarta's education targets?",
    "Apa tugas Bappeda Provinsi DKI Jakarta?", "How will land subsidence be addressed?",
]


def model_speed(embedder, texts: list[str]) -> float:
    """Tokens per second of the embedding model alone on these texts."""
    start = time.perf_counter()
    embedder.get_text_embedding_batch(texts)
    return sum(embedder.token_count(t) for t in texts) / (time.perf_counter() - start)


def bench_ingest(name: str, path: Path, embedder) -> tuple[dict, Settings]:
    """Ingest a corpus into a fresh home; the home is kept so asks can be re-measured later (--ask-home)."""
    home = Path(tempfile.mkdtemp(prefix=f"planbot-bench-{name}-"))
    settings = Settings(home=home)
    load_before = machine()
    with RssSampler() as ingest_rss:
        report = Indexer(settings, embedder).ingest([path], progress=True)
    out = {
        "corpus": name, "home": str(home), "machine_before": load_before, "machine_after_ingest": machine(),
        "documents": len(report.new), "failed": [list(f) for f in report.failed], "chunks": report.chunks_embedded,
        "tokens": report.tokens_embedded, "seconds": round(report.seconds, 2),
        "embed_seconds": round(report.embed_seconds, 2),
        "tokens_per_s": round(report.tokens_embedded / report.seconds, 1),
        "chunks_per_s": round(report.chunks_embedded / report.seconds, 2),
        "share_outside_model": round(1 - report.embed_seconds / report.seconds, 3),
        "ingest_peak_rss_mb": ingest_rss.peak_mb,
    }
    return out, settings


def bench_ask(settings: Settings, embedder, questions: list[str], rounds: int = 5) -> dict:
    """Warm ask latency: one warm-up pass over the questions, then `rounds` timed passes."""
    out: dict = {}
    with RssSampler() as ask_rss:
        t0 = time.perf_counter()
        bot = Planbot(settings, embedder)
        out["bot_load_seconds"] = round(time.perf_counter() - t0, 2)
        for q in questions:  # warm-up
            bot.ask(q)
        latencies = [bot.ask(q).latency_ms for _ in range(rounds) for q in questions]
    out.update(percentiles(latencies))
    out["ask_peak_rss_mb"] = ask_rss.peak_mb
    out["machine_after_ask"] = machine()
    return out


def bench_corpus(name: str, path: Path, embedder, questions: list[str], save=None) -> dict:
    out, settings = bench_ingest(name, path, embedder)
    if save:
        save(out)  # a long ingest's figures survive a failure in the ask phase
    try:
        out.update(bench_ask(settings, embedder, questions))
    except Exception as exc:  # noqa: BLE001 - keep the ingest figures; re-run the asks with --ask-home
        out["ask_error"] = f"{type(exc).__name__}: {exc}"
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--dki", action="store_true")
    parser.add_argument("--only-dki", action="store_true")
    parser.add_argument("--ask-home", help="Only measure asks over this existing index (a kept bench home).")
    parser.add_argument("--out", default=str(ROOT / "bench" / "results" / "core.json"))
    args = parser.parse_args()
    set_offline_env()
    embedder = make_embedder(Settings())
    if args.ask_home:
        questions = DKI_QUESTIONS if args.only_dki else QUESTIONS
        results = {"machine": machine(), "home": args.ask_home, **bench_ask(Settings(home=args.ask_home), embedder, questions)}
        results["peak_rss_mb"] = process_peak_rss_mb()
        write(results, args.out)
        return
    sample = [p.read_text(encoding="utf-8")[i : i + 1200] for p in sorted((ROOT / "seeds").glob("*.txt")) for i in (0, 1200)]
    results = {"machine": machine(), "model_tokens_per_s": round(model_speed(embedder, sample), 1), "runs": []}
    if not args.only_dki:
        results["runs"].append(bench_corpus("seeds", ROOT / "seeds", embedder, QUESTIONS))
    dki = ROOT.parent / "shared" / "corpus" / "dki_jakarta"
    if (args.dki or args.only_dki) and dki.is_dir():
        def save(partial: dict) -> None:
            write({**results, "runs": [*results["runs"], partial], "peak_rss_mb": process_peak_rss_mb()}, args.out)

        results["runs"].append(bench_corpus("dki_jakarta", dki, embedder, DKI_QUESTIONS, save))
    results["model_tokens_per_s_after"] = round(model_speed(embedder, sample), 1)
    results["peak_rss_mb"] = process_peak_rss_mb()  # whole process, kernel high-water mark (VmHWM)
    write(results, args.out)


if __name__ == "__main__":
    main()
