"""Shared bench helpers: whole-process memory, machine load, and writing results."""

from __future__ import annotations

import json
import os
import statistics
import threading
import time
from pathlib import Path
from typing import Self


def _status_kb(field: str) -> int:
    """A field of /proc/self/status in kB (VmRSS now, VmHWM the kernel's peak RSS of this process)."""
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


class RssSampler:
    """Samples this process's resident memory in a thread, so each phase gets its own peak.

    The kernel's VmHWM is the true whole-process peak but only one number for the whole run; the
    sampler tells which phase (ingest, ask) reached it.
    """

    def __init__(self, every: float = 0.1):
        self.every = every
        self.peak_kb = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak_kb = max(self.peak_kb, _status_kb("VmRSS"))
            self._stop.wait(self.every)

    def __enter__(self) -> Self:
        self.peak_kb = _status_kb("VmRSS")
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()
        self.peak_kb = max(self.peak_kb, _status_kb("VmRSS"))

    @property
    def peak_mb(self) -> float:
        return round(self.peak_kb / 1024, 1)


def process_peak_rss_mb() -> float:
    """Peak resident memory of the whole process since it started (kernel high-water mark)."""
    return round(_status_kb("VmHWM") / 1024, 1)


def machine() -> dict:
    """Cores and load average: the machine is shared, so figures must say how busy it was."""
    return {"cores": os.cpu_count(), "loadavg": [round(x, 2) for x in os.getloadavg()]}


def percentiles(latencies: list[float]) -> dict:
    xs = sorted(latencies)
    return {
        "ask_p50_ms": round(statistics.median(xs), 1),
        "ask_p95_ms": round(xs[int(0.95 * (len(xs) - 1))], 1),
        "ask_max_ms": round(xs[-1], 1),
        "asks": len(xs),
    }


def write(results: dict, out: str) -> None:
    Path(out).parent.mkdir(parents=True, exist_ok=True)
    Path(out).write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n")
    print(json.dumps(results, indent=2, ensure_ascii=False))


def now() -> float:
    return time.perf_counter()
