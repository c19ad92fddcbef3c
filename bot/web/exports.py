"""Where the plan tab writes its CSV exports: one temp folder per process, never one per export.

The folder (<tmp>/planbot-csv-<pid>-<random>) is removed when the process exits normally (Ctrl-C). A server
stopped by SIGTERM exits without running exit code (uvicorn re-raises the signal after its shutdown), so
each new folder first removes those of processes that are gone. Inside it, an export older than KEEP_S is
deleted by the next one: Gradio copies the file it is given into its own cache at once.
"""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
import threading
import time
from pathlib import Path

PREFIX = "planbot-csv-"
KEEP_S = 600
CSV_NAME = "planbot-plan.csv"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError, ValueError):
        return True  # another user's process (or not a pid): leave its folder alone
    return True


def remove_orphans(tmp: Path) -> None:
    """Delete export folders of this user's processes that no longer run."""
    for old in tmp.glob(f"{PREFIX}*-*"):
        pid = old.name[len(PREFIX):].split("-", 1)[0]
        try:
            mine = old.is_dir() and not old.is_symlink() and old.stat().st_uid == os.getuid()
        except OSError:
            continue
        if mine and pid.isdigit() and int(pid) != os.getpid() and not _alive(int(pid)):
            shutil.rmtree(old, ignore_errors=True)


class CsvExports:
    """Fresh paths for CSV exports, all in this process's one folder (created on the first export)."""

    def __init__(self) -> None:
        self._folder: Path | None = None
        self._lock = threading.Lock()

    def folder(self) -> Path:
        with self._lock:
            if self._folder is None or not self._folder.is_dir():
                tmp = Path(tempfile.gettempdir())
                remove_orphans(tmp)
                self._folder = Path(tempfile.mkdtemp(prefix=f"{PREFIX}{os.getpid()}-", dir=tmp))
                atexit.register(shutil.rmtree, self._folder, ignore_errors=True)
            return self._folder

    def path(self, name: str = CSV_NAME) -> Path:
        """A new path for a CSV called `name` (its own subfolder, so the download keeps that name); older
        exports than KEEP_S are deleted first."""
        folder, now = self.folder(), time.time()
        for old in folder.iterdir():
            try:
                if now - old.stat().st_mtime > KEEP_S:
                    shutil.rmtree(old, ignore_errors=True)
            except OSError:
                pass  # removed by a concurrent export
        return Path(tempfile.mkdtemp(dir=folder)) / name
