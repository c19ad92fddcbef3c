"""Load bench of the chat server: N concurrent clients POSTing /api/ask for a bounded time.

Usage: python bench/bench_load.py [--clients 16] [--duration 30] [--home DIR] [--out bench/results/load.json]
Starts `planbot chat` as a subprocess on a free port over an index of seeds/ (built in a temporary folder
unless --home names one), warms it up, then runs the clients. Prints throughput, p50/p95/p99 latency and
the error count, and writes them with the machine's core count and load average (the machine may be shared).
Target: zero errors and p95 under 1 s with 16 clients.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from tests.chat_server import chat_server
from tests.conftest import cli_env

PLANBOT = str(Path(sys.executable).with_name("planbot"))
QUESTIONS = [
    "Which mission covers sanitation?", "Apa visi Kota Bekasi?", "Apa saja program kerja Misi 3 Kota Metro?",
    "What will the city do about slum areas?", "Apa misi kelima Kota Bekasi?", "What are Lubuklinggau's priority programs?",
    "Bagaimana Kota Metro menangani sampah?", "Apa visi Kota Bandung?", "Apa misi ketiga Kota Metro?",
    "What is the vision of Kota Metro?", "Siapa yang menjalankan penerangan jalan umum di Kota Metro?",
    "How will Kota Metro improve health services?",
]


def pct(xs: list[float], q: float) -> float:
    return round(xs[min(len(xs) - 1, round(q * (len(xs) - 1)))], 1) if xs else 0.0


def run_clients(url: str, clients: int, duration: float) -> tuple[list[float], list[str], float]:
    """Each client asks the next question as soon as its last answer arrives, until the time is up."""
    latencies: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()
    start_gate = threading.Barrier(clients)

    def client(i: int) -> None:
        with httpx.Client(base_url=url, timeout=60) as http:
            n = i
            start_gate.wait()
            while time.monotonic() < stop_at:
                q = QUESTIONS[n % len(QUESTIONS)]
                n += clients
                t0 = time.perf_counter()
                try:
                    r = http.post("/api/ask", json={"question": q})
                    ok = r.status_code == 200 and "answer" in r.json()
                    err = None if ok else f"HTTP {r.status_code}: {r.text[:200]}"
                except httpx.HTTPError as exc:
                    err = f"{type(exc).__name__}: {exc}"
                ms = (time.perf_counter() - t0) * 1000
                with lock:
                    (errors.append(err) if err else latencies.append(ms))

    stop_at = time.monotonic() + duration
    started = time.monotonic()
    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return latencies, errors, time.monotonic() - started


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--clients", type=int, default=16)
    ap.add_argument("--duration", type=float, default=30.0, help="Seconds of load.")
    ap.add_argument("--home", type=Path, default=None, help="An existing index (default: ingest seeds/ into a temp dir).")
    ap.add_argument("--out", default=str(ROOT / "bench" / "results" / "load.json"))
    args = ap.parse_args()

    with tempfile.TemporaryDirectory(prefix="planbot-load-") as tmp:
        home = args.home
        if home is None:
            home = Path(tmp) / "home"
            subprocess.run([PLANBOT, "ingest", "--json"], check=True, env=cli_env(home), stdout=subprocess.DEVNULL)
        with chat_server(home, Path(tmp) / "server.log") as url:
            with httpx.Client(base_url=url, timeout=60) as http:
                for q in QUESTIONS:  # warm-up: first-use costs (caches, lazy imports) are not load
                    http.post("/api/ask", json={"question": q}).raise_for_status()
            load_before = os.getloadavg()
            latencies, errors, elapsed = run_clients(url, args.clients, args.duration)
            load_after = os.getloadavg()

    xs = sorted(latencies)
    results = {
        "bench": "load: concurrent POST /api/ask against `planbot chat` (seeds index)",
        "clients": args.clients,
        "duration_s": round(elapsed, 1),
        "requests_ok": len(xs),
        "errors": len(errors),
        "error_samples": errors[:5],
        "throughput_rps": round(len(xs) / elapsed, 2) if elapsed else 0.0,
        "latency_ms": {
            "p50": round(statistics.median(xs), 1) if xs else 0.0,
            "p95": pct(xs, 0.95), "p99": pct(xs, 0.99), "max": round(xs[-1], 1) if xs else 0.0,
        },
        "target": {"errors": 0, "p95_ms_below": 1000},
        "met_target": not errors and bool(xs) and pct(xs, 0.95) < 1000,
        "machine": {"cores": os.cpu_count(), "loadavg_before": [round(x, 2) for x in load_before],
                    "loadavg_after": [round(x, 2) for x in load_after]},
    }
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n")
    lat = results["latency_ms"]
    print(f"{args.clients} clients, {results['duration_s']} s: {results['throughput_rps']} req/s, "
          f"p50 {lat['p50']} ms, p95 {lat['p95']} ms, p99 {lat['p99']} ms, {len(errors)} errors -> {args.out}")
    for e in errors[:5]:
        print(f"  error: {e}")


if __name__ == "__main__":
    main()
