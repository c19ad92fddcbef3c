"""`planbot ingest --watch`: re-ingest folders when their files are created, changed, moved or deleted.

The watcher never holds the ingest lock while it waits: only each re-ingest takes it, so `planbot ask`
and the chat keep reading (and a manual `planbot ingest` can run) between changes. Events are
debounced: an editor's save burst (temp file, rename, chmod) becomes one re-ingest once the folder has
been quiet for `debounce` seconds. Each re-ingest is an ordinary ingest of the watched paths (unchanged
files are skipped by their hash) that also removes the documents of deleted files under them.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from watchdog.events import (
    EVENT_TYPE_CLOSED,
    EVENT_TYPE_CREATED,
    EVENT_TYPE_DELETED,
    EVENT_TYPE_MODIFIED,
    EVENT_TYPE_MOVED,
    FileSystemEvent,
    FileSystemEventHandler,
)
from watchdog.observers import Observer

from index.indexer import Indexer, IngestReport
from ingest.catalog import CATALOG_NAME
from ingest.readers import is_supported
from planbot.errors import PlanbotError

# "opened", "closed_no_write" and "attrib" change no content; reading a file must not trigger an ingest.
CONTENT_EVENTS = {EVENT_TYPE_CREATED, EVENT_TYPE_MODIFIED, EVENT_TYPE_DELETED, EVENT_TYPE_MOVED, EVENT_TYPE_CLOSED}


@dataclass(frozen=True)
class Target:
    """One watched path: a folder (recursive) or a single file (its parent watched, only it counted)."""

    path: Path
    is_file: bool

    @property
    def watch_dir(self) -> Path:
        return self.path.parent if self.is_file else self.path


class ChangeFeed(FileSystemEventHandler):
    """Collects relevant file events from watchdog's thread; the main thread waits on it."""

    def __init__(self, targets: Sequence[Target]):
        self.targets = list(targets)
        self._cond = threading.Condition()
        self._changed: set[str] = set()
        self._last = 0.0

    def on_any_event(self, event: FileSystemEvent) -> None:
        if event.event_type not in CONTENT_EVENTS:
            return
        if event.is_directory and event.event_type in (EVENT_TYPE_MODIFIED, EVENT_TYPE_CLOSED):
            return  # a folder's mtime changes with every file in it; the file's own event counts
        paths = [os.fsdecode(p) for p in (event.src_path, getattr(event, "dest_path", "")) if p]
        hits = [p for p in paths if self.relevant(Path(p), event.is_directory)]
        if hits:
            with self._cond:
                self._changed.update(hits)
                self._last = time.monotonic()
                self._cond.notify_all()

    def relevant(self, path: Path, is_directory: bool) -> bool:
        """Does this path hold (or is it) a file the ingest would read?"""
        for target in self.targets:
            if target.is_file:
                if path == target.path:
                    return True
                continue
            try:
                rel = path.relative_to(target.path)
            except ValueError:
                continue
            if any(part.startswith(".") for part in rel.parts):
                return False  # hidden files and folders are never ingested (editor swap files, .planbot)
            return is_directory or is_supported(path) or path.name == CATALOG_NAME
        return False

    def wait(self, debounce: float, poll: float = 0.5) -> list[str]:
        """Block until something changed and then stayed quiet for `debounce` seconds; the changed paths.

        Waits in short slices so SIGINT/SIGTERM handlers run promptly in the main thread.
        """
        with self._cond:
            while True:
                if self._changed:
                    quiet = time.monotonic() - self._last
                    if quiet >= debounce:
                        changed, self._changed = sorted(self._changed), set()
                        return changed
                    self._cond.wait(min(poll, debounce - quiet))
                else:
                    self._cond.wait(poll)


def targets_of(paths: Sequence[Path]) -> list[Target]:
    """What to watch for each path given to ingest; a missing path is watched as a folder once it exists."""
    out = []
    for p in paths:
        p = Path(p).resolve()
        out.append(Target(p, p.is_file()))
    return out


def watch(
    indexer: Indexer,
    paths: Sequence[Path],
    *,
    debounce: float = 1.0,
    prune: bool = False,
    wait: float = 600,
    on_report: Callable[[IngestReport, list[str]], None],
    on_error: Callable[[PlanbotError], None],
    on_ready: Callable[[list[Path]], None] | None = None,
    on_wait: Callable[[int | None], None] | None = None,
) -> None:
    """Ingest the paths, then re-ingest them after every burst of changes, until KeyboardInterrupt.

    The observer starts before the first ingest, so a change made while it runs is not missed. Errors
    of the first ingest propagate (nothing to watch for); later ones are reported and retried on the
    next change.
    """
    targets = targets_of(paths)
    missing = [t.watch_dir for t in targets if not t.watch_dir.is_dir()]
    if missing:
        raise PlanbotError(f"cannot watch {missing[0]}: no such folder")
    feed = ChangeFeed(targets)
    observer = Observer()
    for target in targets:
        observer.schedule(feed, str(target.watch_dir), recursive=not target.is_file)
    observer.start()
    scope = [t.path for t in targets]
    try:
        on_report(indexer.ingest(paths, prune=prune, prune_within=scope, progress=False, wait=wait,
                                 on_wait=on_wait), [])
        if on_ready:
            on_ready(scope)
        while True:
            changed = feed.wait(debounce)
            try:
                report = indexer.ingest(paths, prune=True, prune_within=scope, progress=False, wait=wait,
                                        on_wait=on_wait)
            except PlanbotError as exc:
                on_error(exc)
                continue
            on_report(report, changed)
    finally:
        observer.stop()
        observer.join(timeout=5)
