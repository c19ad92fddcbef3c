"""Planbot at scale: a synthetic collection of N chunks on a `chroma run` server, then the chat process measured.

    python bench/bench_scale.py --chunks 100000            # writes bench/results/scale-100k.json
    python bench/bench_scale.py --chunks 1000000           # writes bench/results/scale-1m.json
    python bench/bench_scale.py --chunks 1000000 --home DIR --keep   # build once into DIR, keep it
    python bench/bench_scale.py --chunks 1000000 --home DIR --reuse  # measure an earlier build again
    python bench/bench_scale.py --chunks 1000000 --home DIR --reuse --asks-only  # its saved BM25 kept: asks only

Build: texts drawn from the DKI corpus's word frequencies (sentences, ~200 words a chunk), grouped into
documents of 100-300 chunks across many regions, with the metadata real chunks carry; vectors from a seeded
generator that keeps clusters (K centroids, vector = centroid + noise, normalised, the model's 384 dims),
written straight to the server in the store's largest batch; each document committed to the manifest as the
indexer does (pending, then committed with its words), so the service sees committed documents.

Measure, each in a fresh process (its peak RSS is the chat process's own): start-up with the BM25 index built
from scratch (Planbot(settings)), start-up with it saved (loaded), then warm asks of the DKI eval questions
with the real embedding model: p50/p95, resident memory after warm-up and the peak.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from itertools import pairwise
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench._common import machine, percentiles, process_peak_rss_mb, write

DKI = ROOT.parent / "shared" / "corpus" / "dki_jakarta"
QUESTIONS = ROOT / "evals" / "sets" / "dki.jsonl"
CHROMA = Path(sys.executable).parent / "chroma"
DIM = 384
CENTROIDS = 256
NOISE = 1.0  # the noise's expected norm beside the centroid's 1: chunks of a cluster at cosine ~0.5
WORDS_PER_CHUNK = (140, 260)
CHUNKS_PER_DOC = (100, 300)
ASKS = 50
ROUNDS = 2
REGIONS = (
    "Provinsi DKI Jakarta", "Kota Bekasi", "Kota Bandung", "Kota Metro", "Kota Lubuklinggau", "Kota Surabaya",
    "Kota Semarang", "Kota Medan", "Kota Makassar", "Kota Palembang", "Kota Depok", "Kota Tangerang",
    "Kota Bogor", "Kota Malang", "Kota Padang", "Kota Denpasar", "Kota Pontianak", "Kota Manado",
    "Kota Balikpapan", "Kota Samarinda", "Kota Jambi", "Kota Pekanbaru", "Kota Banjarmasin", "Kota Kupang",
    "Kota Mataram", "Kota Ambon", "Kota Jayapura", "Kota Cirebon", "Kota Tegal", "Kota Kediri",
    "Kabupaten Bogor", "Kabupaten Bandung", "Kabupaten Sleman", "Kabupaten Gowa", "Kabupaten Badung",
    "Kabupaten Banyuwangi", "Kabupaten Sidoarjo", "Kabupaten Kutai Kartanegara", "Kabupaten Deli Serdang",
    "Kabupaten Malang",
)
DOC_TYPES = (("RPJMD", "2025-2029"), ("RPJPD", "2025-2045"), ("RKPD", "2025"), ("RENSTRA", "2025-2029"))


# ---------------------------------------------------------------- the synthetic collection

def dki_words() -> tuple[np.ndarray, np.ndarray]:
    """The DKI corpus's words (as written) and their frequencies."""
    counts: Counter[str] = Counter()
    for path in sorted(DKI.glob("*.md")):
        text = re.sub(r"<[^>]*>", " ", path.read_text(encoding="utf-8"))  # the tables' HTML tags are not words
        counts.update(re.findall(r"[A-Za-z][A-Za-z-]*|\d+(?:[.,]\d+)*", text))
    vocab, freq = zip(*counts.most_common())
    return np.array(vocab, dtype=object), np.array(freq, dtype=np.float64) / sum(freq)


class Generator:
    """Seeded chunk texts and clustered vectors: the same N gives the same collection."""

    def __init__(self, seed: int = 14):
        self.rng = np.random.default_rng(seed)
        self.vocab, p = dki_words()
        self.cdf = np.cumsum(p)
        self.cdf[-1] = 1.0
        centroids = self.rng.standard_normal((CENTROIDS, DIM)).astype(np.float32)
        self.centroids = centroids / np.linalg.norm(centroids, axis=1, keepdims=True)

    def texts(self, count: int) -> list[str]:
        """`count` chunks: sentences of 8-24 words drawn by the corpus's word frequencies."""
        sizes = self.rng.integers(*WORDS_PER_CHUNK, size=count)
        picked = self.vocab[np.searchsorted(self.cdf, self.rng.random(int(sizes.sum())))]
        out, at = [], 0
        for n in sizes:
            words, at = picked[at : at + n], at + n
            cuts = np.cumsum(self.rng.integers(8, 25, size=n // 8 + 1))
            cuts = [0, *cuts[cuts < n].tolist(), n]
            out.append(" ".join(" ".join(words[a:b]).capitalize() + "." for a, b in pairwise(cuts)))
        return out

    def vectors(self, n: int, topics: np.ndarray) -> np.ndarray:
        """n unit vectors near the document's topic centroids."""
        centre = self.centroids[self.rng.choice(topics, size=n)]
        noisy = centre + NOISE * self.rng.standard_normal((n, DIM)).astype(np.float32) / np.sqrt(DIM)
        return noisy / np.linalg.norm(noisy, axis=1, keepdims=True)


def documents(gen: Generator, total: int) -> Iterator[dict]:
    """Synthetic documents (id, metadata, chunk texts with offsets, vectors) until `total` chunks."""
    made, n = 0, 0
    while made < total:
        size = min(int(gen.rng.integers(*CHUNKS_PER_DOC)), total - made)
        region = REGIONS[n % len(REGIONS)]
        doc_type, period = DOC_TYPES[(n // len(REGIONS)) % len(DOC_TYPES)]
        doc_id = f"synthetic/{doc_type}_{region.replace(' ', '_')}_{n:06d}.md"
        version = f"{n:016x}{'0' * 48}"
        meta = {"title": f"{doc_type} {region} {period} ({n})", "region": region, "period": period,
                "doc_type": doc_type, "doc_id": doc_id, "source": doc_id, "format": "md"}
        texts = gen.texts(size)
        starts = np.cumsum([0] + [len(t) + 2 for t in texts[:-1]]).tolist()
        chunks = [{**meta, "section": f"BAB {1 + i // 40}", "start": s, "end": s + len(t), "doc_version": version}
                  for i, (s, t) in enumerate(zip(starts, texts))]
        ids = [f"{doc_id.encode().hex()[:24]}{i:05d}-{version[:16]}" for i in range(size)]
        topics = gen.rng.choice(CENTROIDS, size=4, replace=False)
        yield {"doc_id": doc_id, "version": version, "meta": meta, "ids": ids, "texts": texts, "chunks": chunks,
               "vectors": gen.vectors(size, topics), "text": "\n\n".join(texts)}
        made += size
        n += 1


def build(settings, total: int) -> dict:
    """Write `total` synthetic chunks to the store and commit their documents to the manifest."""
    from index.embedders import E5_MODEL_NAME
    from index.lexical import WORDS_VERSION, document_words
    from index.manifest import Manifest
    from index.store import make_store

    store = make_store(settings, E5_MODEL_NAME, DIM)  # the default model's collection, as the service opens it
    manifest = Manifest(settings.manifest_path, settings.collection)
    gen = Generator()
    started, written, docs, batch = time.perf_counter(), 0, 0, []
    store_s = manifest_s = 0.0

    def upsert(docs: list[dict]) -> list[dict]:
        nonlocal store_s
        t0 = time.perf_counter()
        store.upsert([i for d in docs for i in d["ids"]], [t for d in docs for t in d["texts"]],
                     [c for d in docs for c in d["chunks"]], np.concatenate([d["vectors"] for d in docs]).tolist())
        store_s += time.perf_counter() - t0
        return docs

    def commit(docs: list[dict]) -> None:
        nonlocal manifest_s
        t0 = time.perf_counter()
        for d in docs:
            manifest.commit(d["doc_id"], d["doc_id"], d["version"], d["ids"], d["meta"], d["text"],
                            words=(WORDS_VERSION, document_words(d["text"], d["meta"])))
        manifest_s += time.perf_counter() - t0

    with ThreadPoolExecutor(1) as writer:  # the server writes one batch while the next is generated
        in_flight = None
        for doc in documents(gen, total):
            batch.append(doc)
            docs += 1
            written += len(doc["ids"])
            if sum(len(d["ids"]) for d in batch) >= store.max_batch or written == total:
                for d in batch:  # pending before any of its chunks reach the store, as the indexer does
                    manifest.begin(d["doc_id"], d["doc_id"], d["version"], d["ids"], d["meta"], d["text"])
                if in_flight is not None:
                    commit(in_flight.result())
                in_flight, batch = writer.submit(upsert, batch), []
                print(f"  {written:,} chunks, {time.perf_counter() - started:.0f}s", flush=True)
        if in_flight is not None:
            commit(in_flight.result())
    manifest.close()
    return {"chunks": written, "documents": docs, "build_s": round(time.perf_counter() - started, 1),
            "build_store_s": round(store_s, 1), "build_manifest_s": round(manifest_s, 1),
            "store_count": store.count()}


# ---------------------------------------------------------------- the chat process, in a process of its own

def _rss_mb() -> float:
    with open("/proc/self/status") as fh:
        return next(int(line.split()[1]) / 1024 for line in fh if line.startswith("VmRSS:"))


def questions() -> list[str]:
    """The DKI eval set's questions (only the questions), the first ASKS of them."""
    lines = QUESTIONS.read_text(encoding="utf-8").splitlines()
    return [json.loads(line)["question"] for line in lines if line.strip()][:ASKS]


def measure(asks: bool) -> dict:
    """In this process: Planbot(settings) start-up, then (asks) warm ask latency and memory."""
    from bot.service import Planbot
    from planbot.settings import Settings

    t0 = time.perf_counter()
    bot = Planbot(Settings())
    out = {"startup_s": round(time.perf_counter() - t0, 2), "rss_after_startup_mb": round(_rss_mb(), 1),
           "chunks": bot.manifest.chunk_count()}
    if asks:
        qs = questions()
        first = [bot.ask(q).latency_ms for q in qs]  # warm-up: what a fresh process's first asks cost
        out["first_ask_ms"] = round(first[0], 1)
        out["warmup_p95_ms"] = percentiles(first)["ask_p95_ms"]
        out["warmup_max_ms"] = round(max(first), 1)
        latencies = [bot.ask(q).latency_ms for _ in range(ROUNDS) for q in qs]
        out.update(percentiles(latencies))
        out["rss_after_warmup_mb"] = round(_rss_mb(), 1)
    out["peak_rss_mb"] = process_peak_rss_mb()
    return out


def in_process(home: Path, url: str, asks: bool) -> dict:
    """measure() in a fresh Python process pointed at this home and server."""
    env = {**os.environ, "PLANBOT_HOME": str(home), "PLANBOT_CHROMA_URL": url, "PLANBOT_LEXICAL": "bm25s",
           "HF_HUB_OFFLINE": "1", "ANONYMIZED_TELEMETRY": "False", "PYTHONPATH": str(ROOT)}
    args = [sys.executable, __file__, "--measure"] + (["--asks"] if asks else [])
    proc = subprocess.run(args, env=env, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise RuntimeError(f"measure exited {proc.returncode}:\n{proc.stderr[-3000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def lexical_disk_mb(home: Path) -> float:
    return round(sum(f.stat().st_size for f in (home / "lexical").rglob("*") if f.is_file()) / 2**20, 1)


def run(total: int, home: Path, reuse: bool, asks_only: bool = False) -> dict:
    """Build (unless reused) against a fresh `chroma run` server on the home's data, then measure."""
    from planbot.settings import Settings
    from tests.chat_server import free_port, server_process

    home.mkdir(parents=True, exist_ok=True)
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    cmd = [str(CHROMA), "run", "--path", str(home / "chroma-server"), "--port", str(port), "--host", "127.0.0.1"]
    env = {**os.environ, "ANONYMIZED_TELEMETRY": "False"}
    out: dict = {"machine": machine(), "home": str(home)}
    with server_process(cmd, f"{url}/api/v2/heartbeat", home / "chroma.log", env, name="chroma run", timeout_s=300):
        if not reuse:
            out["collection"] = build(Settings(home=home, chroma_url=url, lexical="bm25s"), total)
            print(json.dumps(out["collection"]), flush=True)
        if not asks_only:
            shutil.rmtree(home / "lexical", ignore_errors=True)
            out["bm25_build"] = in_process(home, url, asks=False)  # start-up that builds BM25 from the store
            out["lexical_disk_mb"] = lexical_disk_mb(home)
        out["bm25_load"] = in_process(home, url, asks=True)  # start-up that loads it, then warm asks
    out["machine_after"] = machine()
    out["disk_mb"] = round(sum(f.stat().st_size for f in home.rglob("*") if f.is_file()) / 2**20, 1)
    return out


def table(results: dict) -> str:
    """The figures as a Markdown row (the README's table)."""
    lo = results["bm25_load"]
    b = results.get("bm25_build") or {"startup_s": float("nan"), "peak_rss_mb": float("nan")}  # --asks-only, none before
    return (f"| {lo['chunks']:,} | {lo['ask_p50_ms']:.0f} | {lo['ask_p95_ms']:.0f} | {lo['startup_s']:.1f} | "
            f"{b['startup_s']:.1f} | {lo['rss_after_warmup_mb']:,.0f} | {lo['peak_rss_mb']:,.0f} | "
            f"{b['peak_rss_mb']:,.0f} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--chunks", type=int, default=100_000)
    parser.add_argument("--home", help="Build into (or, with --reuse, measure) this folder; default a fresh temp.")
    parser.add_argument("--keep", action="store_true", help="Keep the home (and the server's data) afterwards.")
    parser.add_argument("--reuse", action="store_true", help="Measure an earlier build in --home again.")
    parser.add_argument("--asks-only", action="store_true",
                        help="With --reuse: keep the saved BM25 index (no rebuild), measure start-up and asks only.")
    parser.add_argument("--out", help="Default bench/results/scale-100k.json (or -1m, ...).")
    parser.add_argument("--measure", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--asks", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        print(json.dumps(measure(args.asks)))
        return
    home = Path(args.home) if args.home else Path(tempfile.mkdtemp(prefix="planbot-scale-"))
    label = f"{args.chunks // 1_000_000}m" if args.chunks >= 1_000_000 else f"{args.chunks // 1000}k"
    out = Path(args.out or ROOT / "bench" / "results" / f"scale-{label}.json")
    try:
        results = run(args.chunks, home, args.reuse, args.asks_only and args.reuse)
    finally:
        if not (args.keep or args.reuse):
            shutil.rmtree(home, ignore_errors=True)
    if args.reuse and out.is_file():  # the build's figures (and with --asks-only the BM25 build's) from before
        earlier = json.loads(out.read_text())
        kept = ("collection", "bm25_build", "lexical_disk_mb") if args.asks_only else ("collection",)
        results = {**{key: earlier.get(key) for key in kept}, **results}
    write(results, str(out))
    print("| chunks | ask p50 ms | ask p95 ms | start-up s (BM25 loaded) | start-up s (BM25 built) | "
          "RSS after warm-up MB | peak RSS MB | peak RSS building BM25 MB |")
    print("|---|---|---|---|---|---|---|---|")
    print(table(results))


if __name__ == "__main__":
    main()
