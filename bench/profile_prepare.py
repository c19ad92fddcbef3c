"""Profile the part of ingest outside the embedding model for one file: read, clean, chunk, plan structure,
plus the second token count the indexer does for its report. Prints the top cProfile entries.

Usage: python bench/profile_prepare.py FILE [--top 30]
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from index.embedders import make_embedder
from ingest.chunking import StructureChunker, embed_text
from ingest.pipeline import Preparer, SourceFile
from planbot.offline import set_offline_env
from planbot.settings import Settings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("file", type=Path)
    parser.add_argument("--top", type=int, default=30)
    args = parser.parse_args()
    set_offline_env()
    settings = Settings()
    embedder = make_embedder(settings)
    chunker = StructureChunker(token_counter=embedder.token_count, max_tokens=settings.chunk_tokens)
    preparer = Preparer(chunker, max_file_mb=settings.max_file_mb, ocr=False, settings_key="profile")
    path = args.file.resolve()
    source = SourceFile(path, path.parent)
    profile = cProfile.Profile()
    t0 = time.perf_counter()
    profile.enable()
    prepared = preparer.prepare(source, preparer.version(source))
    t1 = time.perf_counter()
    texts = [embed_text(n.text, n.metadata) for n in prepared.nodes]
    tokens = sum(embedder.token_count(t) for t in texts)
    profile.disable()
    t2 = time.perf_counter()
    print(f"{path.name}: {len(prepared.nodes)} chunks, {tokens} tokens, {len(prepared.plan)} plan items; "
          f"prepare {t1 - t0:.2f}s, report token count {t2 - t1:.2f}s")
    pstats.Stats(profile).sort_stats("cumulative").print_stats(args.top)


if __name__ == "__main__":
    main()
