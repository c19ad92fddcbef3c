"""Ingest time with and without the table-aware additions, same run, same process (issue 13's must-show:
ingest time on the DKI corpus grows by at most 20%).

"With" is ingest as it is (PLANBOT_TABLE_ROWS=true): a table piece is embedded and indexed as its caption and
one readable line per row, and the performance framework is read from plan tables. "Without"
(PLANBOT_TABLE_ROWS=false) embeds a table piece as its text stands and reads no framework: ingest as it was
before the table additions. Both ingest the same documents into fresh temporary homes with one embedder, in
alternating order (with, without, without, with, ...) so drift in the machine's load falls on both alike;
the figures are the medians over the repeats, and the ratio is with / without. On a shared machine the
model's speed swings with the load, so the summary also gives a load-adjusted ratio: each setting's median
time outside the model plus its tokens at the model speed pooled over all runs.

Usage:
  python bench/bench_table_ingest.py [--files NAME ...] [--cut FILE --cut-chars N] [--repeat 3] [--full]
      [--prepare-only] [--out bench/results/table-ingest-<set>.json]
The default set is the three PERDA files, basis_pengetahuan and RPJMD_2025-2029.md cut to its first 100,000
characters (at a paragraph boundary outside a table; six tables): a few minutes here. --full ingests all
seven files whole (about 1.35M model tokens per ingest, two ingests per repeat: from 45 minutes to hours
here, depending on the load; use --repeat 1).

--prepare-only skips the embedding model and the store: each file is read, cleaned, chunked, its plan (and
framework) read and its chunks' embedded text built and counted, as the indexer does; the model's speed is
then measured on a sample of those texts, and each setting's ingest time estimated as its time outside the
model plus its tokens at that speed. With --full it gives the whole corpus's figures in minutes.
"""

from __future__ import annotations

import argparse
import re
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench._common import machine, process_peak_rss_mb, write
from index.embedders import make_embedder
from index.indexer import Indexer, settings_key
from ingest.chunking import StructureChunker, embed_text
from ingest.pipeline import Preparer, discover
from planbot.offline import set_offline_env
from planbot.settings import Settings

DKI = ROOT.parent / "shared" / "corpus" / "dki_jakarta"
DEFAULT_FILES = ["PERDA_NO.1_TAHUN_2025.md", "PERDA_NO.2_TAHUN_2025.md", "PERDA_NO.3_TAHUN_2025.md",
                 "basis_pengetahuan_bappeda_dki_jakarta.md"]
DEFAULT_CUT = "RPJMD_2025-2029.md"
DEFAULT_CUT_CHARS = 100_000
_TABLE = re.compile(r"<table\b.*?</table\s*>", re.IGNORECASE | re.DOTALL)


def cut_text(text: str, chars: int) -> str:
    """The text's first `chars` characters, extended to the next blank line outside any table."""
    if len(text) <= chars:
        return text
    end = chars
    for m in _TABLE.finditer(text):
        if m.start() < end < m.end():
            end = m.end()
            break
    blank = text.find("\n\n", end)
    return text[: blank if blank >= 0 else len(text)]


def corpus(folder: Path, files: list[str], cut: str | None, cut_chars: int) -> tuple[Path, dict]:
    """A temporary folder holding the chosen files (the cut one shortened), and what it holds."""
    out = Path(tempfile.mkdtemp(prefix="planbot-bench-tables-corpus-"))
    sizes: dict[str, int] = {}
    for name in files:
        text = (folder / name).read_text(encoding="utf-8")
        if name == cut:
            text = cut_text(text, cut_chars)
        (out / name).write_text(text, encoding="utf-8")
        spans = [m.end() - m.start() for m in _TABLE.finditer(text)]
        sizes[name] = {"chars": len(text), "tables": len(spans), "table_chars": sum(spans)}
    return out, sizes


def ingest_once(path: Path, embedder, table_rows: bool) -> dict:
    """One ingest of the folder into a fresh home; the home is removed afterwards."""
    home = Path(tempfile.mkdtemp(prefix=f"planbot-bench-tables-{'with' if table_rows else 'without'}-"))
    try:
        settings = Settings(home=home, table_rows=table_rows)
        indexer = Indexer(settings, embedder)
        t0 = time.perf_counter()
        report = indexer.ingest([path], progress=False)
        wall = time.perf_counter() - t0
        plan = indexer.manifest.plan_items()
        return {
            "table_rows": table_rows, "seconds": round(report.seconds, 2), "wall_seconds": round(wall, 2),
            "embed_seconds": round(report.embed_seconds, 2),
            "outside_model_seconds": round(report.seconds - report.embed_seconds, 2),
            "tokens": report.tokens_embedded, "chunks": report.chunks_embedded,
            "documents": len(report.new), "failed": [list(f) for f in report.failed],
            "indicators": sum(1 for p in plan if p.get("kind") == "indicator"), "plan_items": len(plan),
            "loadavg_after": machine()["loadavg"],
        }
    finally:
        shutil.rmtree(home, ignore_errors=True)


def prepare_once(path: Path, embedder, table_rows: bool, sample: list[str]) -> dict:
    """Read, clean, chunk, plan and build the embedded text of every file, as an ingest does before the
    model; a few embedded texts are kept in sample (for the model's speed)."""
    settings = Settings(table_rows=table_rows)
    chunker = StructureChunker(token_counter=embedder.token_count, max_tokens=settings.chunk_tokens,
                               table_rows=table_rows)
    preparer = Preparer(chunker, max_file_mb=settings.max_file_mb, ocr=False, table_rows=table_rows,
                        settings_key=settings_key(settings, embedder.model_name))
    sources, _ = discover([path])
    tokens = chunks = indicators = plan_items = 0
    t0 = time.perf_counter()
    for source in sources:
        prepared = preparer.prepare(source, preparer.version(source))
        texts = [embed_text(n.text, n.metadata) for n in prepared.nodes]
        tokens += sum(embedder.token_count(t) for t in texts)
        chunks += len(texts)
        plan_items += len(prepared.plan)
        indicators += sum(1 for item in prepared.plan if item.kind == "indicator")
        sample.extend(texts[:: max(1, len(texts) // 8)][:8])
    seconds = time.perf_counter() - t0
    return {"table_rows": table_rows, "outside_model_seconds": round(seconds, 2), "tokens": tokens,
            "chunks": chunks, "indicators": indicators, "plan_items": plan_items,
            "loadavg_after": machine()["loadavg"]}


def estimate(runs: list[dict], model_tokens_per_s: float) -> dict:
    """Medians per setting, and ingest seconds estimated as time outside the model plus tokens at its speed."""
    out: dict = {"model_tokens_per_s": round(model_tokens_per_s, 1)}
    for name, flag in (("with", True), ("without", False)):
        mine = [r for r in runs if r["table_rows"] is flag]
        out[name] = {k: median_of(mine, k) for k in ("outside_model_seconds", "tokens", "chunks", "indicators")}
        out[name]["estimated_seconds"] = round(out[name]["outside_model_seconds"]
                                               + out[name]["tokens"] / model_tokens_per_s, 1)
    w, wo = out["with"], out["without"]
    out["ratio"] = {k: round(w[k] / wo[k], 3) if wo[k] else None
                    for k in ("estimated_seconds", "outside_model_seconds", "tokens", "chunks")}
    out["growth_pct"] = round(100 * (out["ratio"]["estimated_seconds"] - 1), 1)
    out["within_20pct"] = out["growth_pct"] <= 20
    return out


def median_of(runs: list[dict], key: str) -> float:
    value = statistics.median(r[key] for r in runs)
    return int(value) if float(value).is_integer() else round(value, 2)


def summary(runs: list[dict]) -> dict:
    out: dict = {}
    for name, flag in (("with", True), ("without", False)):
        mine = [r for r in runs if r["table_rows"] is flag]
        out[name] = {k: median_of(mine, k) for k in ("seconds", "embed_seconds", "outside_model_seconds", "tokens",
                                                     "chunks", "indicators")}
        out[name]["seconds_all"] = [r["seconds"] for r in mine]
    w, wo = out["with"], out["without"]
    out["ratio"] = {k: round(w[k] / wo[k], 3) if wo[k] else None
                    for k in ("seconds", "embed_seconds", "outside_model_seconds", "tokens", "chunks")}
    rate = sum(r["tokens"] for r in runs) / max(sum(r["embed_seconds"] for r in runs), 1e-9)
    adjusted = {k: out[k]["outside_model_seconds"] + out[k]["tokens"] / rate for k in ("with", "without")}
    out["pooled_model_tokens_per_s"] = round(rate, 1)
    out["load_adjusted_seconds"] = {k: round(v, 2) for k, v in adjusted.items()}
    out["ratio"]["load_adjusted_seconds"] = round(adjusted["with"] / adjusted["without"], 3)
    out["growth_pct"] = round(100 * (out["ratio"]["seconds"] - 1), 1) if out["ratio"]["seconds"] else None
    out["within_20pct"] = out["growth_pct"] is not None and out["growth_pct"] <= 20
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", type=Path, default=DKI, help="The DKI corpus folder.")
    parser.add_argument("--files", nargs="+", default=None, help="Files of the corpus ingested whole.")
    parser.add_argument("--cut", default=None, help=f"A file ingested cut short (default {DEFAULT_CUT}).")
    parser.add_argument("--cut-chars", type=int, default=DEFAULT_CUT_CHARS)
    parser.add_argument("--full", action="store_true", help="All seven files, whole.")
    parser.add_argument("--repeat", type=int, default=3, help="Ingests per setting, in alternating order.")
    parser.add_argument("--prepare-only", action="store_true",
                        help="No model, no store: time outside the model and tokens, ingest time estimated.")
    parser.add_argument("--out", default=None, help="Default bench/results/table-ingest-<set>.json.")
    args = parser.parse_args()
    if not args.corpus.is_dir():
        sys.exit(f"no corpus at {args.corpus}")
    set_offline_env()
    if args.full:
        files, cut = sorted(p.name for p in args.corpus.glob("*.md")), None
    else:
        cut = args.cut if args.cut is not None else (None if args.files else DEFAULT_CUT)
        files = list(dict.fromkeys([*(args.files or DEFAULT_FILES), *([cut] if cut else [])]))
    name = ("full" if args.full else "subset") + ("-prepare" if args.prepare_only else "")
    out_path = args.out or str(ROOT / "bench" / "results" / f"table-ingest-{name}.json")
    folder, sizes = corpus(args.corpus, files, cut, args.cut_chars)
    results: dict = {"set": name, "files": sizes, "cut": cut and {"file": cut, "chars": args.cut_chars},
                     "machine_before": machine(), "runs": []}
    try:
        embedder = make_embedder(Settings())
        embedder.get_text_embedding_batch(["pemanasan model"])  # load the model before the first timed ingest
        order = [(k % 2 == 0) != (k // 2 % 2 == 1) for k in range(2 * args.repeat)]  # T F F T T F ...
        if args.prepare_only:
            sample: list[str] = []
            for table_rows in order:
                run = prepare_once(folder, embedder, table_rows, sample)
                results["runs"].append(run)
                print(f"table_rows={str(table_rows).lower():5} {run['outside_model_seconds']:8.2f} s outside the "
                      f"model  {run['tokens']:>8} tokens  {run['chunks']:>5} chunks  {run['indicators']:>4} "
                      f"indicators  load {run['loadavg_after']}", flush=True)
            t0 = time.perf_counter()
            embedder.get_text_embedding_batch(sample)
            rate = sum(embedder.token_count(t) for t in sample) / (time.perf_counter() - t0)
            results["summary"] = estimate(results["runs"], rate)
            results["machine_after"] = machine()
            results["peak_rss_mb"] = process_peak_rss_mb()
            write(results, out_path)
            s = results["summary"]
            print(f"with/without (estimated at {s['model_tokens_per_s']} model tokens/s): ingest seconds "
                  f"x{s['ratio']['estimated_seconds']} ({s['growth_pct']:+}%), tokens x{s['ratio']['tokens']}, "
                  f"chunks x{s['ratio']['chunks']}, outside the model x{s['ratio']['outside_model_seconds']}")
            return
        for table_rows in order:
            run = ingest_once(folder, embedder, table_rows)
            results["runs"].append(run)
            print(f"table_rows={str(table_rows).lower():5} {run['seconds']:8.2f} s  {run['tokens']:>8} tokens  "
                  f"{run['chunks']:>5} chunks  {run['indicators']:>4} indicators  load {run['loadavg_after']}",
                  flush=True)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    results["summary"] = summary(results["runs"])
    results["machine_after"] = machine()
    results["peak_rss_mb"] = process_peak_rss_mb()
    write(results, out_path)
    s = results["summary"]
    print(f"with/without: seconds x{s['ratio']['seconds']} ({s['growth_pct']:+}%), load-adjusted "
          f"x{s['ratio']['load_adjusted_seconds']}, tokens x{s['ratio']['tokens']}, chunks x{s['ratio']['chunks']}, "
          f"outside the model x{s['ratio']['outside_model_seconds']} (medians of {args.repeat}; shared machine: "
          "see loadavg)")


if __name__ == "__main__":
    main()
