"""SQuAD-2.0-style JSON -> a corpus folder (one text file per article) plus a qa.jsonl."""

from __future__ import annotations

import json
import re
from pathlib import Path

from planbot.errors import PlanbotError

CONTEXT_WORDS = 4


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:60] or "article"


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


def convert_squad(source: Path, out_dir: Path, lang: str = "en") -> tuple[Path, Path, int]:
    """Write out_dir/corpus/*.txt and out_dir/qa.jsonl; returns their paths and the question count."""
    try:
        data = json.loads(Path(source).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise PlanbotError(f"cannot read SQuAD JSON {source}: {exc}") from exc
    articles = data.get("data") if isinstance(data, dict) else None
    if not isinstance(articles, list):
        raise PlanbotError(f"{source}: expected a SQuAD object with a 'data' list of articles")
    corpus = out_dir / "corpus"
    corpus.mkdir(parents=True, exist_ok=True)
    lines, names = [], set()
    for ai, article in enumerate(articles):
        title = article.get("title") or f"article {ai + 1}"
        name = _slug(title)
        while name in names:
            name += "-x"
        names.add(name)
        paragraphs = article.get("paragraphs", [])
        (corpus / f"{name}.txt").write_text(
            f"# {title}\n\n" + "\n\n".join(p["context"] for p in paragraphs) + "\n", encoding="utf-8"
        )
        for p in paragraphs:
            for qa in p.get("qas", []):
                impossible = bool(qa.get("is_impossible")) or not qa.get("answers")
                answers = [] if impossible else qa["answers"]
                evidence = sorted({evidence_around(p["context"], a["answer_start"], a["text"]) for a in answers})
                lines.append({
                    "id": str(qa["id"]), "lang": lang, "question": qa["question"], "answerable": not impossible,
                    "evidence": evidence, "answer_keywords": sorted({a["text"] for a in answers})[:1],
                })
    qa_path = out_dir / "qa.jsonl"
    qa_path.write_text("".join(json.dumps(x, ensure_ascii=False) + "\n" for x in lines), encoding="utf-8")
    return corpus, qa_path, len(lines)
