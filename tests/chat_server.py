"""A real `planbot chat` server process for the API and browser tests (started once, killed at the end)."""

from __future__ import annotations

import base64
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.conftest import cli_env

PLANBOT = [str(Path(sys.executable).with_name("planbot"))]
START_TIMEOUT_S = 180


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def copy_home(src: Path, dst: Path) -> Path:
    """A private copy of an index (for servers whose tests ingest uploads into it)."""
    shutil.copytree(src, dst, ignore=shutil.ignore_patterns("*.lock"))
    return dst


@contextmanager
def server_process(cmd: list[str], ready_url: str, log: Path, env: dict[str, str], *, name: str,
                   timeout_s: float = START_TIMEOUT_S, headers: dict[str, str] | None = None) -> Iterator[None]:
    """Run a server process until the block ends; enter once `ready_url` answers 200 (logs go to `log`)."""
    with log.open("w") as out:
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, env=env)
    try:
        deadline = time.monotonic() + timeout_s
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"{name} exited {proc.returncode}:\n{log.read_text()[-3000:]}")
            try:
                with urllib.request.urlopen(urllib.request.Request(ready_url, headers=headers or {}), timeout=3) as r:
                    if r.status == 200:
                        break
            except (OSError, urllib.error.URLError):
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"{name} was not ready in {timeout_s:g}s:\n{log.read_text()[-3000:]}")
            time.sleep(0.3)
        yield
    finally:
        stop(proc)


def stop(proc: subprocess.Popen, sig: int = signal.SIGTERM) -> None:
    """Send sig (SIGTERM by default) and wait; kill it if it is still running after 20 s."""
    if proc.poll() is None:
        proc.send_signal(sig)
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


@contextmanager
def chat_server(home: Path, log: Path, **env: str) -> Iterator[str]:
    """`planbot chat` on a free loopback port; yields its base URL once /api/health answers."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    headers = {}
    if env.get("PLANBOT_AUTH_USER"):
        token = base64.b64encode(f"{env['PLANBOT_AUTH_USER']}:{env.get('PLANBOT_AUTH_PASSWORD', '')}".encode())
        headers["Authorization"] = "Basic " + token.decode()
    with server_process([*PLANBOT, "chat", "--port", str(port)], f"{url}/api/health", log, cli_env(home, **env),
                        name="planbot chat", headers=headers):
        yield url
