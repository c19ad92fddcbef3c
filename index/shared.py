"""Several `planbot ingest` machines sharing one collection on a Chroma server (PLANBOT_SHARED_INGEST=true).

Each machine keeps its own manifest and BM25 under its PLANBOT_HOME; what they share lives on the server
beside the chunks, in two small collections:

  `<collection>__claims`     who is writing which document version: a claim is the record
                             `<doc_id>@<version>#<attempt>`, added with the claimant's id. Chroma ignores an add
                             of an id it holds, so of several machines adding one id the first wins, and the `get`
                             after the add tells each whether it won. A claim lasts PLANBOT_CLAIM_LEASE_S seconds,
                             renewed by its holder's heartbeat while it works; the claim of a machine that died
                             expires, and the next machine takes the document over by adding attempt + 1.
  `<collection>__documents`  the committed documents, one record each (id: doc_id): version hash, source,
                             who committed it, and what a manifest needs to show it (chunk ids, metadata, text,
                             plan items). One upsert of this record, after the version's chunks are in the store,
                             is the commit point across machines.

Every machine's manifest is a copy of the registry, brought up to date at the start and end of each ingest
and, in the chat service, before a question at most every PLANBOT_SHARED_SYNC_S seconds. Chunks no record
names and no live claim covers (a superseded version, a dead writer's) are deleted by the next ingest's sweep.
"""

from __future__ import annotations

import json
import logging
import os
import socket
import threading
import time
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from planbot.errors import ConfigError, StoreUnavailable
from planbot.settings import Settings

if TYPE_CHECKING:
    from index.chroma import ChromaRecords
    from index.manifest import Manifest

log = logging.getLogger(__name__)

CLAIMS, DOCUMENTS = "__claims", "__documents"


def claim_id(doc_id: str, version: str, attempt: int) -> str:
    return f"{doc_id}@{version}#{attempt}"


def version_key(chunk_id: str) -> str | None:
    """The version part of a store id (index.indexer.stored_id: `<content id>-<version[:16]>`); None for ids
    written before version scoping."""
    return chunk_id.split("-", 1)[1] if "-" in chunk_id else None


@dataclass(frozen=True)
class Claim:
    """One attempt at writing one document version."""

    id: str
    doc_id: str
    version: str
    attempt: int
    owner: str
    host: str
    pid: int
    expires_at: float
    done: bool

    @classmethod
    def of(cls, id: str, meta: dict[str, Any]) -> Claim:
        return cls(id, str(meta.get("doc_id", "")), str(meta.get("version", "")), int(meta.get("attempt", 0)),
                   str(meta.get("owner", "")), str(meta.get("host", "?")), int(meta.get("pid", 0)),
                   float(meta.get("expires_at", 0.0)), bool(meta.get("done", False)))

    def live(self, now: float) -> bool:
        """Held by a worker still at it: not finished (committed or given up) and not expired."""
        return not self.done and self.expires_at > now

    @property
    def who(self) -> str:
        return f"{self.host} (pid {self.pid})"


def decide(claims: Iterable[Claim], owner: str, now: float) -> tuple[str, Claim | None, int]:
    """What a worker does about a document version, given its claims: ("own", claim, n) when the latest
    attempt is this worker's and live; ("busy", claim, n) when another worker's live claim holds it; else
    ("try", latest or None, n): add attempt n (the first, or one past a finished or expired attempt)."""
    latest = max(claims, key=lambda c: c.attempt, default=None)
    if latest is None:
        return "try", None, 0
    if latest.live(now):
        return ("own" if latest.owner == owner else "busy"), latest, latest.attempt
    return "try", latest, latest.attempt + 1


def orphans(store_ids: Iterable[str], named: set[str], live_versions: set[str]) -> list[str]:
    """Store ids that no committed record names and no live claim is writing (by the id's version part)."""
    return [i for i in store_ids if i not in named and version_key(i) not in live_versions]


@dataclass(frozen=True)
class Committed:
    """A document as the registry holds it."""

    doc_id: str
    hash: str
    source: str
    host: str
    chunk_ids: list[str]
    metadata: dict
    text: str
    plan: list[tuple]

    @classmethod
    def of(cls, doc_id: str, meta: dict[str, Any], payload: str) -> Committed:
        body = json.loads(payload)
        return cls(doc_id, str(meta["hash"]), str(meta.get("source", "")), str(meta.get("host", "?")),
                   body["chunk_ids"], body["metadata"], body["text"], [tuple(p) for p in body["plan"]])


def apply(manifest: Manifest, record: Committed) -> None:
    """Make the manifest show this committed version (its old chunks forgotten here: the store's copies are
    the sweep's to delete, as another machine may be reading them)."""
    from index.lexical import WORDS_VERSION, document_words

    retired = manifest.commit(record.doc_id, record.source, record.hash, record.chunk_ids, record.metadata,
                              record.text, record.plan,
                              words=(WORDS_VERSION, document_words(record.text, record.metadata)))
    manifest.clear_retired(retired)


class SharedIngest:
    """This process's view of the shared registry: claims it holds (kept alive by a heartbeat), commits,
    syncs a manifest, finds orphans."""

    def __init__(self, settings: Settings):
        if not settings.chroma_url:
            raise ConfigError("PLANBOT_SHARED_INGEST needs a Chroma server every machine reaches: set "
                              "PLANBOT_CHROMA_URL=http://host:port (see README, Running at scale)")
        from index.chroma import ChromaRecords, collection_exists

        self.settings = settings
        self.lease = settings.claim_lease_s
        names = (settings.collection + CLAIMS, settings.collection + DOCUMENTS)
        self.fresh = not collection_exists(settings, names[1])  # no machine has committed into it yet
        self.claims: ChromaRecords = ChromaRecords(settings, names[0])
        self.docs: ChromaRecords = ChromaRecords(settings, names[1])
        self.owner = uuid.uuid4().hex
        self.host = socket.gethostname()
        self._held: dict[str, Claim] = {}
        self._held_lock = threading.Lock()
        self._stop = threading.Event()
        self._heartbeat: threading.Thread | None = None

    # claims

    def _claims_of(self, doc_id: str, version: str) -> list[Claim]:
        return [Claim.of(i, m) for i, m in self.claims.metadata({"doc_id": doc_id, "version": version}).items()]

    def claim(self, doc_id: str, version: str) -> tuple[bool, str]:
        """(True, "") when this process now holds the document version, else (False, why not: another
        worker's live claim, or the version is committed already)."""
        for _ in range(5):  # a takeover race lost to a third worker: look again
            action, latest, attempt = decide(self._claims_of(doc_id, version), self.owner, time.time())
            if action == "busy":
                return False, f"being ingested by {latest.who}"
            if action == "try":
                cid = claim_id(doc_id, version, attempt)
                meta = self._claim_meta(doc_id, version, attempt)
                if self.claims.add_new(cid, meta).get("owner") != self.owner:
                    continue
                latest = Claim.of(cid, meta)
            with self._held_lock:
                self._held[doc_id] = latest
            self._start_heartbeat()
            done = self.committed_hash(doc_id)
            if done is not None and done[0] == version:  # committed by another worker before this claim
                self.release(doc_id)
                return False, f"already committed by {done[1]}"
            return True, ""
        return False, "being ingested by another worker (claims changed too fast)"

    def _claim_meta(self, doc_id: str, version: str, attempt: int) -> dict[str, Any]:
        return {"doc_id": doc_id, "version": version, "attempt": attempt, "owner": self.owner, "host": self.host,
                "pid": os.getpid(), "home": str(self.settings.home), "expires_at": time.time() + self.lease,
                "done": False}

    def holds(self, doc_id: str) -> bool:
        """Whether this process's claim on the document is still the latest and live on the server."""
        with self._held_lock:
            held = self._held.get(doc_id)
        if held is None:
            return False
        action, latest, _ = decide(self._claims_of(doc_id, held.version), self.owner, time.time())
        return action == "own" and latest is not None and latest.id == held.id

    def release(self, doc_id: str) -> None:
        """Finish this process's claim on the document (committed, or given up: another may take it now)."""
        with self._held_lock:
            held = self._held.pop(doc_id, None)
        if held is not None:
            self.claims.update(held.id, {"done": True, "expires_at": 0.0})

    def _start_heartbeat(self) -> None:
        if self._heartbeat is None or not self._heartbeat.is_alive():
            self._stop.clear()
            self._heartbeat = threading.Thread(target=self._renew_loop, name="claim-heartbeat", daemon=True)
            self._heartbeat.start()

    def _renew_loop(self) -> None:
        while not self._stop.wait(self.lease / 3):
            with self._held_lock:
                held = list(self._held.values())
            for claim in held:
                try:
                    self.claims.update(claim.id, {"expires_at": time.time() + self.lease})
                except StoreUnavailable as exc:  # the server is back for the next beat, or the lease ends
                    log.warning("could not renew the claim on %s: %s", claim.doc_id, exc)

    # the registry of committed documents

    def committed_hash(self, doc_id: str) -> tuple[str, str] | None:
        """(version hash, who committed it) of the document's committed record."""
        meta = self.docs.metadata_of([doc_id]).get(doc_id)
        if meta is None:
            return None
        return str(meta.get("hash", "")), str(meta.get("host", "?"))

    def commit(self, doc_id: str, source: str, version: str, chunk_ids: list[str], metadata: dict, text: str,
               plan: list[tuple]) -> bool:
        """Publish the version (its chunks already in the store) if this process still holds its claim;
        False when the claim was lost (expired and taken over): then nothing is published."""
        if not self.holds(doc_id):
            self.release(doc_id)
            return False
        payload = json.dumps({"chunk_ids": chunk_ids, "metadata": metadata, "text": text, "plan": plan},
                             ensure_ascii=False)
        self.docs.upsert(doc_id, {"hash": version, "source": source, "host": self.host, "pid": os.getpid(),
                                  "home": str(self.settings.home), "committed_at": time.time()}, payload)
        self.release(doc_id)
        return True

    def sync(self, manifest: Manifest) -> int:
        """Bring the manifest's committed documents to what the registry holds; how many changed.

        Documents with a version pending here (an ingest of this data dir at work) are left to it."""
        remote = {doc_id: str(m.get("hash", "")) for doc_id, m in self.docs.metadata().items()}
        local = {d.doc_id: (d.hash, d.pending) for d in manifest.documents(text=False)}
        changed = sorted(d for d, h in remote.items() if local.get(d, ("", False))[0] != h)
        for doc_id, (meta, payload) in self.docs.texts(changed).items():
            apply(manifest, Committed.of(doc_id, meta, payload))
        gone = [d for d, (h, pending) in local.items() if h and not pending and d not in remote]
        for doc_id in gone:  # the registry was dropped (--rebuild on some machine)
            manifest.clear_retired(manifest.remove(doc_id))
        return len(changed) + len(gone)

    def orphans(self, store_ids: list[str], manifest: Manifest) -> list[str]:
        """Of these store ids (read first), those no committed record names and no live claim is writing.

        The live claims are read before the records (synced into the manifest, whose visible chunks are then
        exactly the records' ones), so a chunk written and committed meanwhile is seen as claimed or as named:
        its writer claimed before writing it and committed its record before finishing the claim."""
        now = time.time()
        claims = (Claim.of(i, m) for i, m in self.claims.metadata({"done": False}).items())
        live = {c.version[:16] for c in claims if c.live(now)}
        self.sync(manifest)
        return orphans(store_ids, manifest.visible_chunk_ids(), live)

    def drop(self) -> None:
        """Forget every claim and committed record (with --rebuild: every machine starts over)."""
        self.docs.drop()
        self.claims.drop()

    def close(self) -> None:
        self._stop.set()
        if self._heartbeat is not None:
            self._heartbeat.join(timeout=5)
        for doc_id in list(self._held):
            try:
                self.release(doc_id)
            except StoreUnavailable:
                pass
        self.claims.close()
        self.docs.close()


_synced: dict[int, float] = {}


def sync_shared(settings: Settings, manifest: Manifest) -> bool:
    """The chat service's hook: bring its manifest up to the shared registry (other machines' commits), at
    most every PLANBOT_SHARED_SYNC_S seconds; True when that changed it (its own writes do not change the
    manifest's generation()). A no-op unless PLANBOT_SHARED_INGEST. Skipped while an ingest of
    this data dir holds its lock (it syncs itself); a server that does not answer is logged, not raised (the
    question is answered from what this machine has)."""
    if not settings.shared_ingest or time.monotonic() - _synced.get(id(manifest), -1e9) < settings.shared_sync_s:
        return False
    from filelock import FileLock, Timeout

    from index.locking import lock_path

    _synced[id(manifest)] = time.monotonic()
    lock = FileLock(str(lock_path(settings)))
    try:
        lock.acquire(timeout=0)
    except Timeout:
        return False
    try:
        from index.chroma import collection_exists

        if not collection_exists(settings, settings.collection + DOCUMENTS):
            return False  # no machine has committed into the collection yet
        shared = SharedIngest(settings)
        try:
            return shared.sync(manifest) > 0
        finally:
            shared.close()
    except StoreUnavailable as exc:
        log.warning("shared registry not read: %s", exc)
        return False
    finally:
        lock.release()
