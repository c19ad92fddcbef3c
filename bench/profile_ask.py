"""Profile warm asks over an existing index: per-question latency and the top cProfile entries.

Usage: python bench/profile_ask.py HOME [--dki] [--rounds 2] [--top 40]
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import statistics
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.bench_core import DKI_QUESTIONS, QUESTIONS
from bot.service import Planbot
from index.embedders import make_embedder
from planbot.offline import set_offline_env
from planbot.settings import Settings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("home", type=Path)
    parser.add_argument("--dki", action="store_true")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--top", type=int, default=40)
    args = parser.parse_args()
    set_offline_env()
    questions = DKI_QUESTIONS if args.dki else QUESTIONS
    embedder = make_embedder(Settings())
    bot = Planbot(Settings(home=args.home), embedder)
    for q in questions:
        bot.ask(q)
    per_q: dict[str, list[float]] = {q: [] for q in questions}
    profile = cProfile.Profile()
    profile.enable()
    for _ in range(args.rounds):
        for q in questions:
            per_q[q].append(bot.ask(q).latency_ms)
    profile.disable()
    for q, ms in sorted(per_q.items(), key=lambda kv: -statistics.median(kv[1])):
        print(f"{statistics.median(ms):8.1f} ms  {q}")
    pstats.Stats(profile).sort_stats("cumulative").print_stats(args.top)
    pstats.Stats(profile).sort_stats("tottime").print_stats(20)


if __name__ == "__main__":
    main()
