"""Ingest and ask work with every non-loopback connection refused."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

from tests.conftest import SEEDS, cli_env

GUARD = textwrap.dedent(
    """
    import socket, os
    _real_connect = socket.socket.connect
    _log = os.environ["PLANBOT_TEST_NET_LOG"]

    def _guarded(self, address):
        host = address[0] if isinstance(address, tuple) else str(address)
        if self.family == socket.AF_UNIX or host in ("127.0.0.1", "::1", "localhost") or host.startswith("127."):
            return _real_connect(self, address)
        with open(_log, "a") as fh:
            fh.write(f"{host}\\n")
        raise ConnectionRefusedError(f"network disabled in this test: {host}")

    socket.socket.connect = _guarded
    socket.socket.connect_ex = lambda self, address: (_guarded(self, address), 0)[1]
    _real_getaddrinfo = socket.getaddrinfo

    def _no_dns(host, *args, **kwargs):
        if host in (None, "localhost") or str(host).startswith("127.") or host == "::1":
            return _real_getaddrinfo(host, *args, **kwargs)
        with open(_log, "a") as fh:
            fh.write(f"dns:{host}\\n")
        raise socket.gaierror(f"network disabled in this test: {host}")

    socket.getaddrinfo = _no_dns
    """
)


def test_ingest_and_ask_with_network_refused(tmp_path):
    guard_dir = tmp_path / "guard"
    guard_dir.mkdir()
    (guard_dir / "sitecustomize.py").write_text(GUARD)
    log = tmp_path / "net.log"
    env = cli_env(tmp_path / "home", PYTHONPATH=str(guard_dir), PLANBOT_TEST_NET_LOG=str(log))
    for key in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE", "ANONYMIZED_TELEMETRY", "GRADIO_ANALYTICS_ENABLED"):
        env.pop(key, None)  # Planbot must set these itself
    ingest = subprocess.run([sys.executable, "-m", "bot", "ingest", str(SEEDS)], env=env, capture_output=True, text=True, timeout=300)
    assert ingest.returncode == 0, ingest.stderr
    ask = subprocess.run(
        [sys.executable, "-m", "bot", "ask", "which mission covers sanitation?", "--json"],
        env=env, capture_output=True, text=True, timeout=300,
    )
    assert ask.returncode == 0, ask.stderr
    assert "Sanitasi Total Berbasis Masyarakat" in json.loads(ask.stdout)["citations"][0]["text"]
    attempts = log.read_text().split() if log.exists() else []
    assert attempts == [], f"tried to reach the network: {attempts}"
