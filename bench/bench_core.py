"""Core benchmark: ingest throughput, warm ask latency and peak memory, printed and written to a file.

Usage: python bench/bench_core.py [--dki] [--out bench/results/core.json]
--dki also ingests ../shared/corpus/dki_jakarta when present (about 1M model tokens: many minutes).
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.service import Planbot  # noqa: E402
from index.embedders import make_embedder  # noqa: E402
from index.indexer import Indexer  # noqa: E402
from planbot.offline import set_offline_env  # noqa: E402
from planbot.settings import Settings  # noqa: E402

QUESTIONS = [
    "which mission covers sanitation?", "Apa visi Kota Bekasi?", "Apa saja program kerja Misi 3 Kota Metro?",
    "What will the city do about slum areas?", "Apa misi kelima Kota Bekasi?", "What are Lubuklinggau's priority programs?",
    "Bagaimana Kota Metro menangani sampah?", "Apa visi Kota Bandung?",
]


def model_speed(embedder, texts: list[str]) -> float:
    """Tokens per second of the embedding model alone on these texts."""
    start = time.perf_counter()
    embedder.get_text_embedding_batch(texts)
    return sum(embedder.token_count(t) for t in texts) / (time.perf_counter() - start)


def bench_corpus(name: str, path: Path, embedder) -> dict:
    home = Path(tempfile.mkdtemp(prefix=f"planbot-bench-{name}-"))
    settings = Settings(home=home)
    report = Indexer(settings, embedder).ingest([path], progress=True)
    out = {
        "corpus": name, "documents": len(report.new), "chunks": report.chunks_embedded,
        "tokens": report.tokens_embedded, "seconds": round(report.seconds, 2),
        "embed_seconds": round(report.embed_seconds, 2),
        "tokens_per_s": round(report.tokens_embedded / report.seconds, 1),
        "chunks_per_s": round(report.chunks_embedded / report.seconds, 2),
        "share_outside_model": round(1 - report.embed_seconds / report.seconds, 3),
    }
    bot = Planbot(settings, embedder)
    for q in QUESTIONS:  # warm-up
        bot.ask(q)
    latencies = []
    for _ in range(5):
        for q in QUESTIONS:
            latencies.append(bot.ask(q).latency_ms)
    latencies.sort()
    out["ask_p50_ms"] = round(statistics.median(latencies), 1)
    out["ask_p95_ms"] = round(latencies[int(0.95 * (len(latencies) - 1))], 1)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--dki", action="store_true")
    parser.add_argument("--out", default=str(ROOT / "bench" / "results" / "core.json"))
    args = parser.parse_args()
    set_offline_env()
    embedder = make_embedder(Settings())
    sample = [p.read_text(encoding="utf-8")[i : i + 1200] for p in sorted((ROOT / "seeds").glob("*.txt")) for i in (0, 1200)]
    results = {"model_tokens_per_s": round(model_speed(embedder, sample), 1), "runs": []}
    results["runs"].append(bench_corpus("seeds", ROOT / "seeds", embedder))
    dki = ROOT.parent / "shared" / "corpus" / "dki_jakarta"
    if args.dki and dki.is_dir():
        results["runs"].append(bench_corpus("dki_jakarta", dki, embedder))
    results["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(results, indent=2) + "\n")
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
