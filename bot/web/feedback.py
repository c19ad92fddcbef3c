"""Thumbs up/down on answers, appended to <home>/feedback.jsonl for whoever evaluates the bot.

One JSON object a line (timestamp, question, answer, citations, rating) so the file can be read with
`jq` or pandas while the server keeps appending; a lock keeps concurrent ratings from interleaving.
"""

from __future__ import annotations

import json
import threading
from collections import OrderedDict
from datetime import UTC, datetime
from pathlib import Path

from planbot.errors import PlanbotError

RATINGS = ("up", "down")


class FeedbackStore:
    """Remembers recent answers by id (the page only sends the id) and appends ratings to a JSONL file."""

    def __init__(self, path: Path, *, remember: int = 2000):
        self.path = path
        self.remember = remember
        self._answers: OrderedDict[str, dict] = OrderedDict()
        self._lock = threading.Lock()

    def remember_answer(self, answer_id: str, question: str, answer: dict) -> None:
        """Keep an answer (as_dict) so a later rating can be recorded with its question, text and citations."""
        with self._lock:
            self._answers[answer_id] = {"question": question, "answer": answer}
            while len(self._answers) > self.remember:
                self._answers.popitem(last=False)

    def record(self, answer_id: str, rating: str) -> dict:
        """Append one rating line; raises PlanbotError for an unknown answer or rating."""
        if rating not in RATINGS:
            raise PlanbotError(f"rating must be one of {', '.join(RATINGS)}, not {rating!r}")
        with self._lock:
            kept = self._answers.get(answer_id)
        if kept is None:
            raise PlanbotError("that answer is no longer known to the server; ask again to rate it")
        answer = kept["answer"]
        entry = {
            "timestamp": datetime.now(UTC).isoformat(timespec="seconds"),
            "answer_id": answer_id,
            "question": kept["question"],
            "asked_as": answer.get("question"),
            "answer": answer.get("answer"),
            "abstained": answer.get("abstained"),
            "citations": [{"n": c["n"], "source": c.get("source"), "section": c.get("section")}
                          for c in answer.get("citations") or []],
            "rating": rating,
        }
        line = json.dumps(entry, ensure_ascii=False) + "\n"
        with self._lock:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self.path.open("a", encoding="utf-8") as fh:
                fh.write(line)
        return entry


def read_feedback(path: Path) -> list[dict]:
    """Every rating in the file, oldest first (an evaluator's view)."""
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
