"""SQuAD-2.0-style JSON -> a corpus folder (one text file per article) plus a qa.jsonl.

The question lines are written by `question_lines` and the files by `write_set`, which the development
sets (evals/devsets.py: one file per passage) share.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from evals.kinds import question_kind
from planbot.errors import PlanbotError

CONTEXT_WORDS = 4
# A sentence ends at . ! ? (closing quotes or brackets may follow) before white space, or at a line break.
_SENTENCE_END = re.compile(r"[.!?]+[\"'\u201d\u2019)\]]*(?=\s)|\n")
_INITIAL = re.compile(r"(?:^|\s)[A-Z][a-z]?$")  # "M." or "Dr." before the stop: a name, not a sentence end

Evidence = Callable[[str, int, str], str]


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:60] or "article"


def answer_start(context: str, start: int, answer: str) -> int | None:
    """Where the answer text stands: the given offset, else its nearest occurrence (None when absent)."""
    if context[start:start + len(answer)] == answer:
        return start
    found = [m.start() for m in re.finditer(re.escape(answer), context)]
    return min(found, key=lambda at: abs(at - start)) if found else None


def evidence_around(context: str, start: int, answer: str, words: int = CONTEXT_WORDS) -> str:
    """The answer span widened to whole words, with a few words on each side."""
    end = start + len(answer)
    while start > 0 and not context[start - 1].isspace():
        start -= 1
    while end < len(context) and not context[end].isspace():
        end += 1
    before = context[:start].split()[-words:]
    after = context[end:].split()[:words]
    return " ".join([*before, " ".join(context[start:end].split()), *after])


def sentence_around(context: str, start: int, answer: str) -> str:
    """The sentence (or sentences) holding the answer span, verbatim from the context."""
    end = start + len(answer)
    begin, stop = 0, len(context)
    for m in _SENTENCE_END.finditer(context):
        if m.group() != "\n" and _INITIAL.search(context[max(0, m.start() - 3):m.start()]):
            continue
        if m.end() <= start:
            begin = m.end()
        elif m.start() >= end:
            stop = m.end() if m.group() != "\n" else m.start()
            break
    return context[begin:stop].strip()


@dataclass(frozen=True)
class SourceDoc:
    """One corpus file: its name (without .txt), its text, and the paragraphs whose questions it answers."""

    name: str
    text: str
    paragraphs: list[dict]


def question_lines(paragraph: dict, lang: str, evidence: Evidence) -> list[dict]:
    """The qa.jsonl lines of one SQuAD paragraph: the first answer as keyword, evidence from every answer."""
    context, lines = paragraph["context"], []
    for qa in paragraph.get("qas", []):
        impossible = bool(qa.get("is_impossible")) or not qa.get("answers")
        answers = [] if impossible else qa["answers"]
        spans = [(answer_start(context, a["answer_start"], a["text"]), a["text"]) for a in answers]
        lines.append({
            "id": str(qa["id"]), "lang": lang, "question": qa["question"], "answerable": not impossible,
            "evidence": sorted({evidence(context, at, text) for at, text in spans if at is not None}),
            "answer_keywords": [answers[0]["text"]] if answers else [],
            "kind": question_kind(qa["question"]),
        })
    return lines


def write_set(docs: Iterable[SourceDoc], out_dir: Path, lang: str, evidence: Evidence) -> tuple[Path, Path, int]:
    """Write out_dir/corpus/<name>.txt for each document and out_dir/qa.jsonl for their questions."""
    corpus = Path(out_dir) / "corpus"
    corpus.mkdir(parents=True, exist_ok=True)
    lines = []
    for doc in docs:
        (corpus / f"{doc.name}.txt").write_text(doc.text, encoding="utf-8")
        for p in doc.paragraphs:
            lines += [x for x in question_lines(p, lang, evidence) if x["evidence"] or not x["answerable"]]
    qa_path = Path(out_dir) / "qa.jsonl"
    qa_path.write_text("".join(json.dumps(x, ensure_ascii=False) + "\n" for x in lines), encoding="utf-8")
    return corpus, qa_path, len(lines)


def read_json(source: Path) -> object:
    """A JSON file, or a PlanbotError naming it."""
    try:
        return json.loads(Path(source).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise PlanbotError(f"cannot read {source}: {exc}") from exc


def convert_squad(source: Path, out_dir: Path, lang: str = "en") -> tuple[Path, Path, int]:
    """Write out_dir/corpus/*.txt and out_dir/qa.jsonl; returns their paths and the question count."""
    data = read_json(source)
    articles = data.get("data") if isinstance(data, dict) else None
    if not isinstance(articles, list):
        raise PlanbotError(f"{source}: expected a SQuAD object with a 'data' list of articles")
    docs, names = [], set()
    for ai, article in enumerate(articles):
        title = article.get("title") or f"article {ai + 1}"
        name = _slug(title)
        while name in names:
            name += "-x"
        names.add(name)
        paragraphs = article.get("paragraphs", [])
        text = f"# {title}\n\n" + "\n\n".join(p["context"] for p in paragraphs) + "\n"
        docs.append(SourceDoc(name, text, paragraphs))
    return write_set(docs, out_dir, lang, evidence_around)
