"""The pure parts of the shared-ingest protocol (index/shared.py): who may write a document version, and
which store ids the sweep may delete. The protocol against a real `chroma run` server with real processes
is tests/integration/test_shared_ingest.py."""

from __future__ import annotations

import pytest

from index.indexer import stored_id
from index.shared import Claim, claim_id, decide, orphans, version_key
from planbot.errors import ConfigError
from planbot.settings import Settings

NOW = 1_000.0


def claim(attempt: int, owner: str, *, expires_at: float = NOW + 60, done: bool = False) -> Claim:
    return Claim(claim_id("doc.md", "v1", attempt), "doc.md", "v1", attempt, owner, "host", 7, expires_at, done)


def test_no_claim_yet_means_try_the_first_attempt():
    assert decide([], "me", NOW) == ("try", None, 0)


def test_a_live_claim_of_another_worker_makes_the_document_busy():
    other = claim(0, "other")
    assert decide([other], "me", NOW) == ("busy", other, 0)
    assert other.who == "host (pid 7)"


def test_a_live_claim_of_this_worker_is_its_own():
    mine = claim(0, "me")
    assert decide([mine], "me", NOW) == ("own", mine, 0)


@pytest.mark.parametrize("latest", [claim(1, "other", expires_at=NOW - 1), claim(1, "other", done=True),
                                    claim(1, "me", expires_at=NOW)])
def test_an_expired_or_finished_latest_attempt_is_taken_over_with_the_next(latest):
    older = claim(0, "dead", expires_at=NOW - 100)
    assert decide([older, latest], "me", NOW) == ("try", latest, 2)


def test_only_the_latest_attempt_counts():
    """A live claim on an old attempt does not hold the document once a later attempt exists."""
    stale_but_live, latest = claim(0, "slow"), claim(1, "me")
    assert decide([latest, stale_but_live], "me", NOW) == ("own", latest, 1)


def test_claim_ids_name_document_version_and_attempt():
    assert claim_id("uploads/a b.md", "abc", 3) == "uploads/a b.md@abc#3"


def test_the_version_key_of_a_store_id_is_the_versions_prefix():
    version = "0123456789abcdef" + "f" * 48
    assert version_key(stored_id("nodeid", version)) == version[:16]
    assert version_key("legacyid") is None  # written before ids were version-scoped


def test_orphans_are_ids_neither_named_nor_being_written():
    live = "a" * 16
    ids = ["n1-" + "b" * 16, "n2-" + "b" * 16, "n3-" + live, "n4-" + "c" * 16, "legacy"]
    named = {"n1-" + "b" * 16}
    assert orphans(ids, named, {live}) == ["n2-" + "b" * 16, "n4-" + "c" * 16, "legacy"]


def test_shared_ingest_without_a_chroma_server_is_a_config_error_saying_what_to_set(tmp_path):
    from index.shared import SharedIngest

    with pytest.raises(ConfigError, match="PLANBOT_CHROMA_URL=http://host:port"):
        SharedIngest(Settings(home=tmp_path, shared_ingest=True))


def test_prune_is_refused_in_shared_mode_with_the_reason(tmp_path, embedder):
    from index.indexer import Indexer

    indexer = Indexer(Settings(home=tmp_path, shared_ingest=True, chroma_url="http://127.0.0.1:9"), embedder,
                      check_model=False)
    with pytest.raises(ConfigError, match="--prune is refused with PLANBOT_SHARED_INGEST"):
        indexer.ingest([tmp_path], prune=True, progress=False)
