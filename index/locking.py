"""The per-collection ingest lock, readable without importing the indexer (so `planbot status` stays quick).

An OS file lock (flock via filelock): a killed holder releases it at once, so a crash never leaves a
stale lock behind. Beside it, the holder writes its pid so a waiting ingest can say whom it waits for.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

from planbot.settings import Settings


def lock_path(settings: Settings) -> Path:
    return settings.home / f"{settings.collection}.ingest.lock"


def owner_path(settings: Settings) -> Path:
    return settings.home / f"{settings.collection}.ingest.owner"


def write_owner(settings: Settings) -> None:
    """Record this process as the lock holder (atomically: a reader never sees half a file)."""
    path = owner_path(settings)
    tmp = path.with_name(f"{path.name}.{os.getpid()}")
    tmp.write_text(json.dumps({"pid": os.getpid(), "since": time.time()}))
    tmp.replace(path)


def clear_owner(settings: Settings) -> None:
    """Forget the holder (called by the holder just before it releases the lock)."""
    if lock_owner(settings) == os.getpid():
        owner_path(settings).unlink(missing_ok=True)


def lock_owner(settings: Settings) -> int | None:
    """Pid of the live process that holds the ingest lock, when it wrote one (a killed holder's pid is None)."""
    try:
        pid = int(json.loads(owner_path(settings).read_text())["pid"])
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return pid if _alive(pid) else None


def wait_for_owner(settings: Settings, seconds: float = 1.0) -> int | None:
    """The holder's pid; a holder that has just taken the lock writes it a moment later."""
    deadline = time.monotonic() + seconds
    while (pid := lock_owner(settings)) is None and time.monotonic() < deadline:
        time.sleep(0.05)
    return pid


def ingest_running(settings: Settings) -> bool:
    """True while an ingest holds the collection's lock: its pending documents are being written, not stuck.

    Read from the holder's pid file, never by taking the lock, so asking cannot make an ingest wait.
    """
    return lock_owner(settings) is not None


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
