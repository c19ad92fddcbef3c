"""The lexical index's backends side by side: Planbot's builtin BM25 and the bm25s library (PLANBOT_LEXICAL).

    python bench/bench_lexical.py [--sets dki,seeds,tydiqa] [--scales 100000,1000000] [--queries 200]

1. Quality of BM25 alone on the eval suite's questions (hit@1, hit@5, MRR by evals/metrics.py over the first
   5 passages, as the suite's `bm25` baseline retrieves them: the question as asked, no filter), read from the
   newest finished cached index of each set (artifacts/eval-cache/<set>-<key>/, copied first so nothing in the
   cache is written), and each backend's build, save, load (a fresh process), memory and search latency there.
2. Synthetic scale: 100,000 and 1,000,000 chunks whose terms are drawn from the DKI corpus's analysed terms
   (their frequencies and the chunks' lengths), the same input to both backends; build, save, load, memory
   (RSS after minus before, and the peak while building) and search latency of the DKI questions.

Every build and every load runs in a process of its own, so memory is that backend's alone; the analyzer's
time (the same for both) is reported apart. Writes bench/results/lexical.json and prints a table.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

BACKENDS = ("builtin", "bm25s")
K = 5


def _rss_mb() -> float:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def _pct(xs: list[float], p: float) -> float:
    xs = sorted(xs)
    return round(xs[min(len(xs) - 1, round(p / 100 * (len(xs) - 1)))], 3) if xs else 0.0


# ---------------------------------------------------------------- workers (one process per build / load)

def _read_input(path: Path):
    """(ids, terms, regions, doc_ids) from a corpus file: JSON (a set's chunks) or .npz (synthetic)."""
    if path.suffix == ".npz":
        import numpy as np

        data = np.load(path, allow_pickle=False)
        vocab = np.array(json.loads(str(data["vocab"])), dtype=object)
        flat, offsets = data["flat"], data["offsets"].tolist()
        terms = [vocab[flat[offsets[i]:offsets[i + 1]]].tolist() for i in range(len(offsets) - 1)]
        n = len(terms)
        ids = [f"c{i:07d}" for i in range(n)]
        regions = [f"region-{i % 6}" for i in range(n)]
        doc_ids = [f"doc-{i // 200}" for i in range(n)]
        del flat, offsets, data
        return ids, terms, regions, doc_ids
    data = json.loads(path.read_text(encoding="utf-8"))
    return data["ids"], [t.split() for t in data["terms"]], data["regions"], data["doc_ids"]


def worker_build(backend: str, corpus: Path, out: Path) -> dict:
    import threading

    from index.lexical import backend_class

    if backend == "bm25s":
        import bm25s  # noqa: F401  (the library's import is not the index's memory or build time)
    ids, terms, regions, doc_ids = _read_input(corpus)
    gc.collect()
    before = _rss_mb()
    peak = [before]
    stop = threading.Event()

    def sample() -> None:
        while not stop.is_set():
            peak[0] = max(peak[0], _rss_mb())
            stop.wait(0.05)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    started = time.perf_counter()
    index = backend_class(backend).build(ids, terms, regions, doc_ids)
    build_s = time.perf_counter() - started
    stop.set()
    sampler.join()
    del terms
    gc.collect()
    after = _rss_mb()
    started = time.perf_counter()
    index.save(out)
    save_s = time.perf_counter() - started
    disk = sum(f.stat().st_size for f in out.rglob("*") if f.is_file()) if out.is_dir() else out.stat().st_size
    return {"build_s": round(build_s, 2), "build_rss_mb": round(after - before, 1),
            "build_peak_mb": round(max(peak[0], after) - before, 1), "save_s": round(save_s, 2),
            "disk_mb": round(disk / 2**20, 1), "chunks": len(ids)}


def worker_load(backend: str, saved: Path, fingerprint_of: Path, queries: Path) -> dict:
    from index.lexical import analyze, backend_class  # imported before the baseline: not the index's memory
    from index.store import Filter

    if backend == "bm25s":
        import bm25s  # noqa: F401
    expected = json.loads(fingerprint_of.read_text())["fingerprint"]
    qs = json.loads(queries.read_text(encoding="utf-8"))
    analyze("warm the stemmer")
    gc.collect()
    before = _rss_mb()
    started = time.perf_counter()
    index = backend_class(backend).load(saved, expected)
    load_s = time.perf_counter() - started
    assert index is not None, "the saved index did not load"
    loaded = _rss_mb()
    for q in qs[:3]:
        index.search(q, K)  # first touches (page faults of a memory-mapped index) are not the steady state
    times, filtered = [], []
    for q in qs:
        t = time.perf_counter()
        index.search(q, 4 * K)
        times.append((time.perf_counter() - t) * 1000)
    region = Filter.of(region=_a_region(index))
    for q in qs:
        t = time.perf_counter()
        index.search(q, 4 * K, region)
        filtered.append((time.perf_counter() - t) * 1000)
    return {"load_s": round(load_s, 3), "load_rss_mb": round(loaded - before, 1),
            "rss_after_search_mb": round(_rss_mb() - before, 1),
            "search_p50_ms": _pct(times, 50), "search_p95_ms": _pct(times, 95),
            "search_region_p50_ms": _pct(filtered, 50), "search_region_p95_ms": _pct(filtered, 95),
            "searches": len(qs)}


def _a_region(index) -> str:
    regions = getattr(index, "_regions", None)
    if regions is None:
        regions = sorted(set(index.regions.tolist()))
    return regions[0] if len(regions) else ""


MEM_LIMIT_GB = 14.0  # a worker's address space: the machine is shared, a backend that needs more fails alone


def _limit_memory() -> None:
    import resource

    limit = int(MEM_LIMIT_GB * 2**30)
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


def run_worker(args: list[str], timeout: float) -> dict:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    try:
        proc = subprocess.run([sys.executable, __file__, "--worker", *args], capture_output=True, text=True,
                              timeout=timeout, env=env, check=False, preexec_fn=_limit_memory)
    except subprocess.TimeoutExpired:
        return {"error": f"did not finish in {timeout:.0f} s"}
    if proc.returncode != 0:
        return {"error": f"exit {proc.returncode}: {proc.stderr.strip().splitlines()[-1] if proc.stderr.strip() else ''}"}
    return json.loads(proc.stdout.strip().splitlines()[-1])


def measure(backend: str, corpus: Path, queries: Path, work: Path, timeout: float) -> dict:
    from index.lexical import fingerprint

    saved = work / f"{backend}.{'json' if backend == 'builtin' else 'bm25s'}"
    out = run_worker(["build", backend, str(corpus), str(saved)], timeout)
    if "error" in out:
        return {"error": f"build: {out['error']}"}
    ids, *_ = _read_input(corpus) if corpus.suffix != ".npz" else ([f"c{i:07d}" for i in range(out["chunks"])],)
    fp = work / "fingerprint.json"
    fp.write_text(json.dumps({"fingerprint": fingerprint(ids)}))
    loaded = run_worker(["load", backend, str(saved), str(fp), str(queries)], timeout)
    out.update({"error": f"load: {loaded['error']}"} if "error" in loaded else loaded)
    shutil.rmtree(saved, ignore_errors=True) if saved.is_dir() else saved.unlink(missing_ok=True)
    return out


# ---------------------------------------------------------------- the eval sets

def newest_build(cache: Path, label: str, files: list[str]) -> Path | None:
    from evals.cache import MARKER

    builds = []
    for marker in cache.glob(f"{label}-*/{MARKER}"):
        try:
            if json.loads(marker.read_text(encoding="utf-8")).get("files") == files:
                builds.append(marker)
        except (OSError, ValueError):
            pass
    return max(builds, key=lambda m: m.stat().st_mtime).parent if builds else None


def eval_set(spec, cache: Path, work: Path, embedder, timeout: float) -> dict:
    from llama_index.core.schema import QueryBundle

    from bot.citations import citation_of
    from evals.cache import COLLECTION, corpus_digests
    from evals.metrics import Outcome, summarize
    from evals.suite import prepare
    from index.indexer import build_lexical
    from index.lexical import analyze
    from index.manifest import Manifest
    from index.search import HybridRetriever
    from index.store import make_store
    from ingest.chunking import embed_text
    from planbot.settings import Settings

    prepared = prepare(spec, "full", work)
    files = sorted(name for name, _ in corpus_digests(prepared.corpus))
    source = newest_build(cache, spec.index_label, files)
    if source is None:
        return {"skipped": f"no finished cached index of {spec.index_label} in {cache}"}
    home = work / f"home-{spec.name}"
    shutil.copytree(source, home, ignore=shutil.ignore_patterns("lexical", "*.lock", "*.owner"))
    settings = Settings(home=home, collection=COLLECTION)
    store = make_store(settings, embedder.model_name, embedder.dim, create=False)
    manifest = Manifest(settings.manifest_path, settings.collection)
    visible = manifest.visible_chunk_ids()
    chunks = store.get(sorted(visible))
    started = time.perf_counter()
    terms = [analyze(embed_text(c.text, c.metadata)) for c in chunks]
    analyze_s = time.perf_counter() - started
    corpus = work / f"{spec.name}.json"
    corpus.write_text(json.dumps({"ids": [c.id for c in chunks], "terms": [" ".join(t) for t in terms],
                                  "regions": [c.metadata.get("region", "") for c in chunks],
                                  "doc_ids": [c.metadata.get("doc_id", "") for c in chunks]}, ensure_ascii=False))
    queries = work / f"{spec.name}-queries.json"
    questions = [" ".join(i.question.split()) for i in prepared.items]
    queries.write_text(json.dumps(questions, ensure_ascii=False))
    out = {"source": str(source), "chunks": len(chunks), "questions": len(prepared.items),
           "answerable": sum(i.answerable for i in prepared.items), "analyze_s": round(analyze_s, 2), "backends": {}}
    for backend in BACKENDS:
        lexical = build_lexical(store, manifest, backend)
        outcomes = []
        for item in prepared.items:  # the suite's bm25 baseline: the question as asked, the first K passages
            q = " ".join(item.question.split())
            hits = HybridRetriever(store, lexical, None, manifest.visible, mode="lexical", top_k=K).retrieve(QueryBundle(q))
            cites = [citation_of(n, h) for n, h in enumerate(hits, 1)]
            outcomes.append(Outcome(item, [c.text for c in cites], cites[0].text if cites else "", False, 0.0,
                                    composed=False))
        m = summarize(outcomes)
        row = {"hit@1": round(m["hit@1"], 4), "hit@5": round(m["hit@5"], 4), "mrr": round(m["mrr"], 4)}
        row.update(measure(backend, corpus, queries, work, timeout))
        out["backends"][backend] = row
    store.close()
    manifest.close()
    return out


# ---------------------------------------------------------------- synthetic scale

def synthetic(n: int, dki_corpus: Path, work: Path, seed: int = 14):
    """n chunks of terms drawn from the DKI chunks' analysed terms (unigram frequencies, chunk lengths)."""
    from collections import Counter

    import numpy as np

    data = json.loads(dki_corpus.read_text(encoding="utf-8"))
    docs = [t.split() for t in data["terms"]]
    counts = Counter(w for d in docs for w in d)
    vocab = sorted(counts)
    p = np.array([counts[w] for w in vocab], dtype=np.float64)
    p /= p.sum()
    rng = np.random.default_rng(seed)
    lengths = rng.choice(np.array([len(d) for d in docs if d]), size=n)
    offsets = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)
    flat = rng.choice(len(vocab), size=int(offsets[-1]), p=p).astype(np.int32)
    path = work / f"synthetic-{n}.npz"
    np.savez(path, flat=flat, offsets=offsets, vocab=np.array(json.dumps(vocab, ensure_ascii=False)))
    return path, {"chunks": n, "terms": int(offsets[-1]), "mean_terms_per_chunk": round(float(lengths.mean()), 1),
                  "vocabulary": len(vocab)}


# ---------------------------------------------------------------- report

def table(results: dict) -> str:
    cols = ["hit@1", "hit@5", "mrr", "build_s", "build_rss_mb", "build_peak_mb", "save_s", "disk_mb", "load_s",
            "load_rss_mb", "rss_after_search_mb", "search_p50_ms", "search_p95_ms", "search_region_p95_ms"]
    head = ["corpus", "backend", *cols, "note"]
    rows = []
    for name, s in {**results["sets"], **{f"synthetic-{k}": v for k, v in results["synthetic"].items()}}.items():
        if "skipped" in s:
            rows.append([name, "-", s["skipped"]])
            continue
        for backend, m in s["backends"].items():
            rows.append([name, backend, *[m.get(c, "") for c in cols], m.get("error", "")])
    widths = [max(len(str(r[i])) for r in [head, *rows] if i < len(r)) for i in range(len(head))]
    line = lambda r: "  ".join(str(x).ljust(w) for x, w in zip(r, widths))
    return "\n".join([line(head), *(line(r) for r in rows)])


def main() -> None:
    global MEM_LIMIT_GB
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sets", default="dki,seeds,tydiqa")
    ap.add_argument("--scales", default="100000,1000000")
    ap.add_argument("--cache", type=Path, default=ROOT / "artifacts" / "eval-cache")
    ap.add_argument("--suite", type=Path, default=ROOT / "evals" / "suite.toml")
    ap.add_argument("--timeout", type=float, default=900, help="Seconds one build or load may take.")
    ap.add_argument("--mem-limit-gb", type=float, default=MEM_LIMIT_GB, help="Address space of one worker.")
    ap.add_argument("--table", type=Path, help="Only print the table of a results file written before.")
    ap.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "lexical.json")
    args = ap.parse_args()
    MEM_LIMIT_GB = args.mem_limit_gb
    if args.table:
        print(table(json.loads(args.table.read_text(encoding="utf-8"))))
        return

    from bench._common import machine
    from evals.suite import load_suite
    from index.embedders import make_embedder
    from planbot.offline import set_offline_env
    from planbot.settings import Settings

    set_offline_env()
    import bm25s

    results = {"machine": machine(), "bm25s": bm25s.__version__, "k": K, "worker_mem_limit_gb": MEM_LIMIT_GB,
               "sets": {}, "synthetic": {}}
    embedder = make_embedder(Settings())
    specs = {s.name: s for s in load_suite(args.suite)}
    with tempfile.TemporaryDirectory(prefix="bench-lexical-") as tmp:
        work = Path(tmp)
        for name in [s for s in args.sets.split(",") if s]:
            print(f"set {name} ...", file=sys.stderr, flush=True)
            results["sets"][name] = eval_set(specs[name], args.cache, work, embedder, args.timeout)
        dki = work / "dki.json"
        for n in [int(x) for x in args.scales.split(",") if x]:
            if not dki.is_file():
                results["synthetic"][str(n)] = {"skipped": "needs the dki set's chunks (--sets dki)"}
                continue
            print(f"synthetic {n} ...", file=sys.stderr, flush=True)
            corpus, shape = synthetic(n, dki, work)
            queries = work / "dki-queries.json"
            row = {**shape, "backends": {}}
            for backend in BACKENDS:
                row["backends"][backend] = measure(backend, corpus, queries, work, args.timeout)
                print(f"  {backend}: {row['backends'][backend]}", file=sys.stderr, flush=True)
            corpus.unlink()
            results["synthetic"][str(n)] = row
    results["machine_after"] = machine()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n")
    print(table(results))


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--worker":
        kind, rest = sys.argv[2], sys.argv[3:]
        if kind == "build":
            result = worker_build(rest[0], Path(rest[1]), Path(rest[2]))
        else:
            result = worker_load(rest[0], Path(rest[1]), Path(rest[2]), Path(rest[3]))
        print(json.dumps(result))
    else:
        main()
