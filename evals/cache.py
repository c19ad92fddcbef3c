"""One index per eval corpus, built once and reused: keyed by the corpus's contents, the settings that shape
the index and the code that turns files into chunks and BM25 terms."""

from __future__ import annotations

import hashlib
import json
import shutil
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from ingest.catalog import CATALOG_NAME
from ingest.pipeline import discover
from planbot.errors import PlanbotError
from planbot.settings import PROJECT_ROOT, Settings

COLLECTION = "eval"
MARKER = "eval-cache.json"
# The code that decides what a file becomes in the index: reading, cleaning, metadata, chunking, BM25 terms.
CODE_PATHS = ("ingest", "index/lexical.py", "planbot/language.py")
KEEP_BUILDS = 3  # finished builds kept per corpus: the ones used last (a checkout of older code may want one)


def corpus_digests(paths: Iterable[Path]) -> list[tuple[str, str]]:
    """(name, sha1) of every file an ingest of these paths reads, catalog.toml beside them included; a name
    is relative to its corpus folder, so the same files elsewhere give the same digests."""
    sources, missing = discover(paths)
    if missing:
        raise PlanbotError(f"corpus path not found: {', '.join(p for p, _ in missing)}")
    files = {(s.doc_id, s.path) for s in sources}
    files |= {(CATALOG_NAME, s.root / CATALOG_NAME) for s in sources if (s.root / CATALOG_NAME).is_file()}
    return sorted((name, hashlib.sha1(f.read_bytes()).hexdigest()) for name, f in files)


def code_version(root: Path = PROJECT_ROOT, paths: Iterable[str] = CODE_PATHS) -> str:
    """sha1 over the source files of the ingest code (a change there means a new index)."""
    h = hashlib.sha1()
    for rel in paths:
        p = root / rel
        for f in sorted(p.rglob("*.py")) if p.is_dir() else [p]:
            if f.is_file():
                h.update(f.relative_to(root).as_posix().encode() + b"\0" + f.read_bytes() + b"\0")
    return h.hexdigest()


def index_settings(settings: Settings) -> dict[str, object]:
    """The settings that change what an ingest stores."""
    return {"embedding": settings.embedding, "chunk_tokens": settings.chunk_tokens, "ocr": settings.ocr}


def cache_key(digests: Iterable[tuple[str, str]], settings: Mapping[str, object], code: str) -> str:
    """Hash of the files' names and contents, the index settings and the code version."""
    h = hashlib.sha256()
    for name, digest in sorted(digests):
        h.update(f"{name}\0{digest}\n".encode())
    h.update(json.dumps(dict(settings), sort_keys=True, default=str).encode() + b"\n" + code.encode())
    return h.hexdigest()


def _finished_builds(cache_root: Path, label: str, files: list[str]) -> list[Path]:
    """The finished cached indexes of the same files (any key), the one finished or used last first."""
    builds = []
    for marker in cache_root.glob(f"{label}-*/{MARKER}"):
        try:
            same = json.loads(marker.read_text(encoding="utf-8")).get("files") == files
            finished = marker.stat().st_mtime
        except (OSError, ValueError):
            continue
        if same:
            builds.append((finished, marker.parent))
    return [home for _, home in sorted(builds, reverse=True)]


def _latest_build(cache_root: Path, label: str, home: Path, files: list[str]) -> Path | None:
    """The most recently finished cached index of the same files (under another key), if any."""
    return next((b for b in _finished_builds(cache_root, label, files) if b != home), None)


def _prune_builds(cache_root: Path, label: str, files: list[str], keep: int = KEEP_BUILDS) -> list[Path]:
    """Remove the finished builds of the same files beyond the `keep` used last (each is a whole index: a
    corpus like DKI's takes about 130 MB per build of new ingest code); unfinished ones, which a run may still
    be writing, stay. Returns the folders removed."""
    old = _finished_builds(cache_root, label, files)[keep:]
    for home in old:
        shutil.rmtree(home, ignore_errors=True)
    return old


@dataclass
class CachedIndex:
    """Where a corpus's index lives and whether this run built it."""

    home: Path
    key: str
    hit: bool
    report: dict = field(default_factory=dict)
    seconds: float = 0.0

    def as_dict(self) -> dict:
        return {"home": str(self.home), "key": self.key, "hit": self.hit, "seconds": round(self.seconds, 1),
                "ingest": self.report}


def cached_index(label: str, paths: list[Path], base: Settings, embedder, cache_root: Path,
                 progress: bool = False) -> CachedIndex:
    """The index of `paths` under cache_root/<label>-<key>/, ingested only when no finished one is there."""
    from index.indexer import Indexer

    settings = base.model_copy(update={"collection": COLLECTION})
    digests = corpus_digests(paths)
    files = sorted(name for name, _ in digests)
    key = cache_key(digests, index_settings(settings), code_version())
    home = Path(cache_root) / f"{label}-{key[:16]}"
    marker = home / MARKER
    if marker.is_file():
        marker.touch()  # used now: pruning keeps the builds used last
        return CachedIndex(home, key, True)
    started = time.perf_counter()
    seed = _latest_build(Path(cache_root), label, home, files)
    if seed is not None and not home.exists():
        # Start from the newest finished build of the same corpus: the indexer keeps the embedding of every
        # chunk whose text is unchanged, so a code change that leaves the chunks alone embeds nothing again.
        shutil.copytree(seed, home, ignore=shutil.ignore_patterns(MARKER, "*.lock", "*.owner"))
    # the key in every file's version: each file is read and chunked again by this code, not kept from the seed
    indexer = Indexer(settings.model_copy(update={"home": home}), embedder, version_salt=key[:16])
    report = indexer.ingest(paths, progress=progress)
    seconds = time.perf_counter() - started
    out = CachedIndex(home, key, False, report.as_dict(), seconds)
    marker.write_text(json.dumps({**out.as_dict(), "files": files, "finished": time.time()}, indent=1),
                      encoding="utf-8")
    _prune_builds(Path(cache_root), label, files)
    return out
