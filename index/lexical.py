"""A BM25 index suited to Indonesian: lowercased, punctuation and stop words dropped, Sastrawi stems.

The analyzer (`words`, `analyze`) is Planbot's own and shared by every backend. The lexical index is a
seam like the vector store's: `LexicalBackend` (build, save/load with a fingerprint of the chunk ids,
search within a Filter, idf, vocabulary), chosen by PLANBOT_LEXICAL: `builtin` (LexicalIndex below, a
hand-written BM25 saved as JSON) or `bm25s` (index/lexical_bm25s.py, the bm25s library's sparse matrix
saved as .npy files and memory-mapped on load).
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import re
import tempfile
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Protocol, runtime_checkable

import numpy as np

from index.store import Filter
from planbot.language import STOPWORDS

if TYPE_CHECKING:
    from planbot.settings import Settings

# Figures stay whole ("14,2", "2.939.374.456.267,00"), and "Rp" is split from the amount it precedes.
# Letters: Latin with its accents ("orléans", "wrocław", "nguyễn"); other scripts are left out of the terms.
_L = "0-9a-zß-öø-ɏḀ-ỿ"
_WORD = re.compile(rf"rp(?=\d)|\d+(?:[.,]\d+)*(?![{_L}])|[{_L}]+(?:-[{_L}]+)*")
FORMAT_VERSION = 3


@lru_cache(maxsize=1)
def _stemmer():
    from Sastrawi.Stemmer.StemmerFactory import StemmerFactory

    return StemmerFactory().create_stemmer()


@lru_cache(maxsize=200_000)
def stem(word: str) -> str:
    """Sastrawi stem of one lowercase word (numbers and short words unchanged)."""
    if len(word) <= 3 or not word.isalpha():
        return word
    return _stemmer().stem(word) or word


def words(text: str) -> list[str]:
    """Lowercase word tokens (hyphenated compounds split into their parts too)."""
    out = []
    for w in _WORD.findall(text.lower()):
        if "-" in w:
            parts = w.split("-")
            # reduplication (kota-kota) counts once
            out.extend(dict.fromkeys(parts))
        else:
            out.append(w)
    return out


WORDS_VERSION = "1"  # raise when `words` changes: the words manifests stored with documents are read afresh


def document_words(text: str, metadata: dict) -> set[str]:
    """The distinct words of a document's text and metadata values (the corpus profile's vocabulary)."""
    return set(words(text)) | set(words(" ".join(str(v) for v in metadata.values())))


def analyze(text: str) -> list[str]:
    """Index terms of a text: words without stop words, stemmed."""
    return [stem(w) for w in words(text) if w not in STOPWORDS]


def fingerprint(ids: Iterable[str]) -> str:
    """A digest of a set of chunk ids: the lexical index matches the store when they agree."""
    return sorted_fingerprint(sorted(ids))


def sorted_fingerprint(ids: Iterable[str]) -> str:
    """`fingerprint` of ids already in sorted order, read as they come (a million need not be held at once)."""
    digest = hashlib.sha1()
    for n, chunk_id in enumerate(ids):
        digest.update((f"\n{chunk_id}" if n else chunk_id).encode())
    return digest.hexdigest()


K1, B = 1.2, 0.75  # BM25 parameters of every backend


@runtime_checkable
class LexicalBackend(Protocol):
    """A BM25 index over analysed chunk texts (terms from `analyze`), with region and document filters."""

    vocabulary: frozenset[str]

    @classmethod
    def build(cls, ids: Sequence[str], terms: Sequence[Sequence[str]], regions: Sequence[str],
              doc_ids: Sequence[str]) -> LexicalBackend: ...

    @classmethod
    def load(cls, path: Path, expected_fingerprint: str) -> LexicalBackend | None:
        """The saved index, or None when it is missing, unreadable or its chunk ids' fingerprint differs."""
        ...

    def save(self, path: Path) -> None:
        """Write the index atomically (a reader never sees half of it)."""
        ...

    def search(self, query: str, k: int, filter: Filter | None = None) -> list[tuple[str, float]]:
        """Top-k (chunk id, BM25 score), only chunks with a positive score within the filter."""
        ...

    @property
    def max_idf(self) -> float: ...

    def idf(self, term: str) -> float: ...

    def __len__(self) -> int: ...


BACKENDS = ("builtin", "bm25s")


def backend_class(name: str) -> type:
    """The LexicalBackend class named by PLANBOT_LEXICAL."""
    if name == "bm25s":
        from index.lexical_bm25s import Bm25sIndex

        return Bm25sIndex
    if name == "builtin":
        return LexicalIndex
    raise ValueError(f"unknown lexical backend {name!r}; choose one of {BACKENDS}")


def lexical_path(settings: Settings) -> Path:
    """Where the collection's lexical index is saved: a JSON file (builtin) or a folder (bm25s)."""
    if settings.lexical == "builtin":
        return settings.lexical_dir / f"{settings.collection}.json"
    return settings.lexical_dir / f"{settings.collection}.{settings.lexical}"


def remove_lexical(settings: Settings) -> None:
    """Delete the collection's saved lexical index, whichever backend wrote it."""
    import shutil

    for name in BACKENDS:
        path = lexical_path(settings.model_copy(update={"lexical": name}))
        if path.is_dir():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)


def _idf(n: int, df: int) -> float:
    return math.log(1 + (n - df + 0.5) / (df + 0.5))


class LexicalIndex:
    """BM25 (k1=1.2, b=0.75) over analysed chunk texts, with region and document filters: the builtin backend."""

    def __init__(self, ids: Sequence[str], terms: Sequence[Sequence[str]], regions: Sequence[str], doc_ids: Sequence[str]):
        self.ids = list(ids)
        self.terms = [list(t) for t in terms]
        self.regions = np.array(regions, dtype=object)
        self.doc_ids = np.array(doc_ids, dtype=object)
        self._build()

    @classmethod
    def build(cls, ids: Sequence[str], terms: Sequence[Sequence[str]], regions: Sequence[str],
              doc_ids: Sequence[str]) -> LexicalIndex:
        return cls(ids, terms, regions, doc_ids)

    def _build(self, k1: float = K1, b: float = B) -> None:
        n = len(self.ids)
        lengths = np.array([len(t) for t in self.terms], dtype=np.float32)
        avg = float(lengths.mean()) if n else 1.0
        postings: dict[str, list[tuple[int, int]]] = defaultdict(list)
        for i, terms in enumerate(self.terms):
            for term, tf in Counter(terms).items():
                postings[term].append((i, tf))
        self._postings: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        norm = k1 * (1 - b + b * lengths / max(avg, 1e-9))
        for term, plist in postings.items():
            idx = np.fromiter((p[0] for p in plist), dtype=np.int32, count=len(plist))
            tf = np.fromiter((p[1] for p in plist), dtype=np.float32, count=len(plist))
            idf = _idf(n, len(plist))
            self._postings[term] = (idx, (idf * tf * (k1 + 1) / (tf + norm[idx])).astype(np.float32))
        self.vocabulary = frozenset(self._postings)
        self._idf = {t: _idf(n, len(p)) for t, p in postings.items()}
        self._max_idf = math.log(1 + (n + 0.5) / 0.5) if n else 1.0

    @property
    def max_idf(self) -> float:
        """The IDF of a term no chunk has (the largest there is)."""
        return self._max_idf

    def idf(self, term: str) -> float:
        """Inverse document frequency of an analysed term (unseen terms get the largest)."""
        return self._idf.get(term, self._max_idf)

    def __len__(self) -> int:
        return len(self.ids)

    def search(self, query: str, k: int, filter: Filter | None = None) -> list[tuple[str, float]]:
        """Top-k (chunk id, BM25 score) for the query; only chunks with a positive score (and in the filters)."""
        if not self.ids:
            return []
        scores = np.zeros(len(self.ids), dtype=np.float32)
        for term in set(analyze(query)):
            hit = self._postings.get(term)
            if hit is not None:
                scores[hit[0]] += hit[1]
        if filter and filter.region:
            scores[self.regions != filter.region] = 0
        if filter and filter.doc_id:
            scores[self.doc_ids != filter.doc_id] = 0
        if filter and filter.doc_ids:
            scores[~np.isin(self.doc_ids, list(filter.doc_ids))] = 0
        top = np.argsort(-scores)[:k]
        return [(self.ids[i], float(scores[i])) for i in top if scores[i] > 0]

    def save(self, path: Path) -> None:
        """Write the index atomically (a reader never sees half a file)."""
        path.parent.mkdir(parents=True, exist_ok=True)
        data = {
            "format": FORMAT_VERSION,
            "fingerprint": fingerprint(self.ids),
            "ids": self.ids,
            "terms": [" ".join(t) for t in self.terms],
            "regions": list(self.regions),
            "doc_ids": list(self.doc_ids),
        }
        # A temp name of this writer's own: an ingest and a reader rebuilding a stale index may save at once.
        fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        tmp = Path(tmp_name)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                fh.write(json.dumps(data, ensure_ascii=False))
                fh.flush()
                os.fsync(fh.fileno())
            tmp.replace(path)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise

    @classmethod
    def load(cls, path: Path, expected_fingerprint: str) -> LexicalIndex | None:
        """The saved index, or None when it is missing, unreadable or out of step with the store."""
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        if data.get("format") != FORMAT_VERSION or data.get("fingerprint") != expected_fingerprint:
            return None
        return cls(data["ids"], [t.split() for t in data["terms"]], data["regions"], data["doc_ids"])
