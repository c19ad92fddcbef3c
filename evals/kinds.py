"""The coarse kind of answer a question asks for, as the eval table slices it: name, date, number, place, other.

Read with the bot's own question reader (bot.question, over the cues in planbot.language), so the eval holds no
second list of question words.
"""

from __future__ import annotations

from bot.question import question_kind as _reader_kind

KINDS = ("name", "date", "number", "place", "other")
_COARSE = {"who": "name", "when": "date", "how_much": "number", "where": "place"}


def question_kind(question: str) -> str:
    """'name' (siapa, who), 'date' (kapan, tahun berapa), 'number' (berapa), 'place' (di mana), else 'other'."""
    return _COARSE.get(_reader_kind(question), "other")
