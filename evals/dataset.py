"""Reading and checking a qa.jsonl file."""

from __future__ import annotations

import json
from pathlib import Path

from evals.kinds import question_kind
from evals.metrics import QAItem
from planbot.errors import PlanbotError

FIELDS = {"id": str, "lang": str, "question": str, "answerable": bool, "evidence": list, "answer_keywords": list}


def load_dataset(path: Path) -> list[QAItem]:
    """Questions of a qa.jsonl file; a malformed line is an error naming the line and the field.

    Optional fields: `kind` (else inferred from the question word), `doc` (the file name, or names, that
    answer it: how a suite's fast profile picks the questions of a document subset) and `answer_figure` (the exact
    figure a table question's answer must give, as the document writes it: evals.metrics.figure_metrics).
    """
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise PlanbotError(f"cannot read the dataset {path}: {exc.strerror or exc}") from exc
    items, seen = [], set()
    for no, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            raise PlanbotError(f"{path}:{no}: not valid JSON ({exc.msg})") from exc
        for field, kind in FIELDS.items():
            if not isinstance(obj.get(field), kind):
                raise PlanbotError(f"{path}:{no}: field {field!r} must be a {kind.__name__}")
        if obj["lang"] not in ("id", "en"):
            raise PlanbotError(f"{path}:{no}: field 'lang' must be \"id\" or \"en\"")
        if obj["id"] in seen:
            raise PlanbotError(f"{path}:{no}: duplicate id {obj['id']!r}")
        if obj["answerable"] and not obj["evidence"]:
            raise PlanbotError(f"{path}:{no}: an answerable question needs at least one evidence string")
        kind, docs = obj.get("kind") or question_kind(obj["question"]), obj.get("doc") or []
        docs = [docs] if isinstance(docs, str) else docs
        if not isinstance(kind, str) or not isinstance(docs, list) or not all(isinstance(d, str) for d in docs):
            raise PlanbotError(f"{path}:{no}: optional fields 'kind' (a string) and 'doc' (a file name or a list) are malformed")
        figure = obj.get("answer_figure")
        if figure is not None and (not isinstance(figure, str) or not figure.strip() or not obj["answerable"]):
            raise PlanbotError(f"{path}:{no}: optional field 'answer_figure' must be a non-empty string, on an "
                               "answerable question")
        seen.add(obj["id"])
        items.append(QAItem(obj["id"], obj["lang"], obj["question"], obj["answerable"], tuple(obj["evidence"]),
                            tuple(obj["answer_keywords"]), kind, tuple(docs), figure))
    if not items:
        raise PlanbotError(f"{path}: no questions")
    return items
