"""The development sets in ../shared/devsets (TyDiQA-GoldP-id, IDK-MRC) -> a corpus folder plus a qa.jsonl.

Each passage is its own file, named from its first words and a hash of its text (the same name in the full
set and in any subset); each question gets the sentence around its answer as evidence, the answer text as
its keyword and a coarse kind from its question word. A subset of n questions is chosen by a hash of their
ids (stable, independent of file order) and brings only its own passages.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

from evals.squad import SourceDoc, read_json, sentence_around, write_set
from planbot.errors import PlanbotError

NAME_WORDS = 6


def passage_name(context: str) -> str:
    """A deterministic file name (without .txt) for a passage: its first words and a hash of its text."""
    words = re.findall(r"[a-z0-9]+", context.lower())[:NAME_WORDS]
    digest = hashlib.sha1(context.encode("utf-8")).hexdigest()[:10]
    return "-".join([*words, digest])


def _question_rank(qid: str) -> str:
    return hashlib.sha1(qid.encode("utf-8")).hexdigest()


def load_devset(source: Path) -> list[dict]:
    """The passages of a devset file: a list of {"context", "qas": [...]} (the format in its README)."""
    data = read_json(source)
    if not isinstance(data, list) or not all(isinstance(p, dict) and isinstance(p.get("context"), str) for p in data):
        raise PlanbotError(f"{source}: expected a list of {{\"context\": ..., \"qas\": [...]}} passages")
    for p in data:
        for qa in p.get("qas", []):
            if not isinstance(qa, dict) or not {"id", "question"} <= set(qa):
                raise PlanbotError(f"{source}: every question needs an 'id' and a 'question' (got {str(qa)[:120]})")
    return data


def subset(passages: list[dict], questions: int | None) -> list[dict]:
    """The passages of `questions` questions chosen by a hash of their ids (all of them when None)."""
    if questions is None:
        return passages
    ids = sorted((qa["id"] for p in passages for qa in p.get("qas", [])), key=_question_rank)
    keep = set(ids[:questions])
    out = []
    for p in passages:
        qas = [qa for qa in p.get("qas", []) if qa["id"] in keep]
        if qas:
            out.append({**p, "qas": qas})
    return out


def convert_devset(source: Path, out_dir: Path, *, lang: str = "id", questions: int | None = None) -> tuple[Path, Path, int]:
    """Write out_dir/corpus/*.txt (one file per passage) and out_dir/qa.jsonl; paths and question count."""
    passages = subset(load_devset(source), questions)
    # The same passage listed twice writes one file (same name, same text) and keeps both question groups.
    docs = [SourceDoc(passage_name(p["context"]), p["context"] + "\n", [p]) for p in passages]
    corpus = Path(out_dir) / "corpus"
    if corpus.is_dir():  # a rerun with another subset: no stale passages left in the corpus
        for old in corpus.glob("*.txt"):
            old.unlink()
    return write_set(docs, out_dir, lang, sentence_around)
