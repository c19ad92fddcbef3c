"""Fixtures shared by the ingest-safety tests: four small real DKI Jakarta files and one clean build of them.

A full build of ../shared/corpus/dki_jakarta (1.35 M model tokens) took 71 minutes on this 2-core machine
(bench/results/dki.json), and a kill test needs it twice, past CI's 90 minutes; so the crash and
concurrency tests use its four smallest files (PERDA_NO.1/2/3_TAHUN_2025.md and
basis_pengetahuan_bappeda_dki_jakarta.md, ~67 KB, 128 chunks, about 75 s to build on 2 shared cores).
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import CORPUS, SEEDS
from tests.integration.store_state import Snapshot, run, snapshot
from tests.scripted_llm import ScriptedLLM, scripted_llm

DKI = CORPUS / "dki_jakarta"
DKI_FILES = [
    "PERDA_NO.1_TAHUN_2025.md",
    "PERDA_NO.2_TAHUN_2025.md",
    "PERDA_NO.3_TAHUN_2025.md",
    "basis_pengetahuan_bappeda_dki_jakarta.md",
]


@pytest.fixture(scope="session")
def dki_corpus(tmp_path_factory) -> Path:
    """A private copy of the four files (tests change one and put it back)."""
    if not DKI.is_dir():
        pytest.skip("shared corpus not present (../shared/corpus/dki_jakarta)")
    root = tmp_path_factory.mktemp("dki") / "dki_jakarta"
    root.mkdir()
    for name in DKI_FILES:
        (root / name).write_bytes((DKI / name).read_bytes())
    return root


@pytest.fixture(scope="session")
def dki_clean(tmp_path_factory, dki_corpus, embedder) -> tuple[Path, Snapshot, float]:
    """One clean, uninterrupted `planbot ingest` of dki_corpus: its home, what it stores, its wall time."""
    home = tmp_path_factory.mktemp("clean-home")
    started = time.monotonic()
    out = run(home, "ingest", str(dki_corpus)).stdout
    wall = time.monotonic() - started
    assert "4 new, 0 updated, 0 unchanged, 0 failed" in out
    snap = snapshot(home, embedder)
    assert len(snap.store) == len(snap.visible) > 100
    return home, snap, wall


@pytest.fixture(scope="module")
def seeds_corpus(tmp_path_factory) -> Path:
    """A module's own copy of seeds/ (so its tests may ingest it by path without touching the repository)."""
    root = tmp_path_factory.mktemp("seeds-corpus") / "plans"
    shutil.copytree(SEEDS, root)
    return root


@pytest.fixture(scope="module")
def llm() -> Iterator[ScriptedLLM]:
    """A scripted OpenAI-protocol chat server for one test module (tests set its replies)."""
    with scripted_llm() as server:
        yield server
