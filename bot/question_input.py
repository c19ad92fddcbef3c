"""What a user typed, made into a question: one cleaning shared by the API, the chat page and the service."""

from __future__ import annotations

import re

from planbot.errors import PlanbotError

# Characters with no width that keyboards, copy-paste and some editors slip in: they are not whitespace to
# str.split(), so a question of only these would otherwise reach retrieval as a non-empty question.
ZERO_WIDTH = "\u200b\u200c\u200d\u2060\ufeff"
_ZERO_WIDTH = re.compile(f"[{ZERO_WIDTH}]")
EMPTY_QUESTION = "the question is empty: ask something about the plans, e.g. 'Apa visi Kota Bekasi?'"


def clean_question(text: str | None) -> str:
    """The question without zero-width characters, its whitespace collapsed to single spaces ('' if none left)."""
    return " ".join(_ZERO_WIDTH.sub("", text or "").split())


def require_question(text: str | None) -> str:
    """The cleaned question; PlanbotError(EMPTY_QUESTION) when nothing is left of it."""
    question = clean_question(text)
    if not question:
        raise PlanbotError(EMPTY_QUESTION)
    return question
