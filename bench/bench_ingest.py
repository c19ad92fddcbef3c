"""Ingest benchmark for any folder or files (the PDF corpus by default): throughput, share of time outside
the embedding model, per-file timing and outcome, whole-process peak memory.

Usage:
  python bench/bench_ingest.py [PATH ...] [--name pdf] [--ocr] [--profile] [--out bench/results/ingest-pdf.json]
PATH defaults to ../shared/corpus/pdf. --ocr runs tesseract on PDFs with no text layer (slow: time it on the
scanned file alone). --profile adds the top cProfile entries by cumulative time.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench._common import RssSampler, machine, process_peak_rss_mb, write
from index.embedders import make_embedder
from index.indexer import Indexer
from planbot.offline import set_offline_env
from planbot.settings import Settings

PDF = ROOT.parent / "shared" / "corpus" / "pdf"


def model_speed_on(store, embedder, limit: int = 24) -> float | None:
    """Tokens/s of the model alone on chunks this ingest produced: the ceiling ingest is compared with."""
    ids = store.all_ids()[:limit]
    texts = [c.text for c in store.get(ids)]
    if not texts:
        return None
    t0 = time.perf_counter()
    embedder.get_text_embedding_batch(texts)
    return round(sum(embedder.token_count(t) for t in texts) / (time.perf_counter() - t0), 1)


def top_profile(profile: cProfile.Profile, n: int = 25) -> list[str]:
    buf = io.StringIO()
    pstats.Stats(profile, stream=buf).sort_stats("cumulative").print_stats(n)
    return [line.rstrip() for line in buf.getvalue().splitlines() if line.strip()]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("paths", nargs="*", type=Path, default=[PDF])
    parser.add_argument("--name", default="pdf")
    parser.add_argument("--ocr", action="store_true")
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--out", default=None)
    args = parser.parse_args()
    set_offline_env()
    out_path = args.out or str(ROOT / "bench" / "results" / f"ingest-{args.name}{'-ocr' if args.ocr else ''}.json")
    embedder = make_embedder(Settings())
    settings = Settings(home=Path(tempfile.mkdtemp(prefix=f"planbot-bench-{args.name}-")), ocr=args.ocr)
    indexer = Indexer(settings, embedder)

    per_file: list[dict] = []
    last = [time.perf_counter()]

    def on_file(doc_id: str, status: str) -> None:
        now = time.perf_counter()
        per_file.append({"doc_id": doc_id, "status": status, "seconds": round(now - last[0], 2)})
        last[0] = now

    results: dict = {"name": args.name, "paths": [str(p) for p in args.paths], "ocr": args.ocr,
                     "machine_before": machine()}
    profile = cProfile.Profile() if args.profile else None
    with RssSampler() as rss:
        last[0] = time.perf_counter()
        if profile:
            profile.enable()
        report = indexer.ingest(args.paths, progress=False, on_file=on_file)
        if profile:
            profile.disable()
    reasons = dict(report.failed)
    for f in per_file:
        if f["doc_id"] in reasons or f["status"] == "failed":
            f["reason"] = next((r for s, r in report.failed if s.endswith(f["doc_id"]) or f["doc_id"] in s), None)
    chunks = indexer.store.count()
    results.update({
        "machine_after": machine(),
        "documents_ok": len(report.new) + len(report.updated), "failed": [{"source": s, "reason": r} for s, r in report.failed],
        "warnings": [{"source": s, "warning": w} for s, w in report.warnings],
        "per_file": per_file, "chunks": chunks, "tokens": report.tokens_embedded,
        "seconds": round(report.seconds, 2), "embed_seconds": round(report.embed_seconds, 2),
        "tokens_per_s": round(report.tokens_embedded / report.seconds, 1) if report.seconds else None,
        "chunks_per_s": round(report.chunks_embedded / report.seconds, 2) if report.seconds else None,
        "share_outside_model": round(1 - report.embed_seconds / report.seconds, 3) if report.seconds else None,
        "ingest_peak_rss_mb": rss.peak_mb,
    })
    results["model_tokens_per_s_same_chunks"] = model_speed_on(indexer.store, embedder)
    if results["model_tokens_per_s_same_chunks"] and results["tokens_per_s"]:
        results["ingest_vs_model"] = round(results["tokens_per_s"] / results["model_tokens_per_s_same_chunks"], 3)
    results["peak_rss_mb"] = process_peak_rss_mb()
    if profile:
        results["profile_top"] = top_profile(profile)
    write(results, out_path)


if __name__ == "__main__":
    main()
