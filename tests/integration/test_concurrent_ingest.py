"""Two `planbot ingest` at once on the same embedded store: the second waits on the lock (and says so), a
third told not to wait fails with a clear IndexBusy message, and the store ends exactly as one ingest leaves it.

Uses the four small DKI Jakarta files of tests/integration/conftest.py (an ingest of them takes ~75 s, so
the runs really overlap).
"""

from __future__ import annotations

import re
import time

import pytest

from index.locking import ingest_running
from planbot.settings import Settings
from tests.integration.store_state import assert_same, popen, run, snapshot

pytestmark = pytest.mark.slow


def test_two_ingests_at_once_serialise_and_store_one_copy(tmp_path, dki_corpus, dki_clean, embedder):
    _, reference, _ = dki_clean
    home = tmp_path / "home"
    first, second = popen(home, "ingest", str(dki_corpus)), popen(home, "ingest", str(dki_corpus))
    deadline = time.monotonic() + 120
    while not ingest_running(Settings(home=home)) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert ingest_running(Settings(home=home)), "neither ingest took the lock"

    busy = run(home, "ingest", str(dki_corpus), "--wait", "0", check=False)
    assert busy.returncode == 1 and "Traceback" not in busy.stderr
    holder = re.search(r"another ingest \(pid (\d+)\) is still writing collection 'planbot'", busy.stderr)
    assert holder, busy.stderr
    assert int(holder.group(1)) in (first.pid, second.pid)

    outs = {p.pid: p.communicate(timeout=600) for p in (first, second)}
    assert first.returncode == 0 and second.returncode == 0, outs
    summaries = sorted(out.strip().splitlines()[-1] for out, _ in outs.values())
    assert summaries[0].startswith("0 new, 0 updated, 4 unchanged, 0 failed"), summaries
    assert summaries[1].startswith("4 new, 0 updated, 0 unchanged, 0 failed"), summaries
    waiters = [(pid, err) for pid, (_, err) in outs.items() if "waiting for another ingest" in err]
    assert len(waiters) == 1, outs
    waiter_pid, err = waiters[0]
    other = first.pid if waiter_pid == second.pid else second.pid
    assert f"waiting for another ingest (pid {other}) to finish" in err
    assert int(holder.group(1)) == other
    assert "Traceback" not in err

    assert not ingest_running(Settings(home=home)), "the lock is still held after both exited"
    assert_same(snapshot(home, embedder), reference)
