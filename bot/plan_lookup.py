"""Finding plan rows for staff (the Plans tab and `planbot plan`): by region, kind and a search that forgives
OCR typos, and an indicator's values written out ("persen · awal 17,2 · 2025: 15,8 · ... · akhir 12,3")."""

from __future__ import annotations

import re
from collections.abc import Iterable

from bot.plan import PlanRow
from bot.terms import one_slip

_WORD = re.compile(r"\w+")


def _word_matches(needle: str, words: Iterable[str]) -> bool:
    return any(w.startswith(needle) or one_slip(needle, w) for w in words)


def search_matches(search: str, *texts: str) -> bool:
    """True when one of the texts holds every word of the search: as a word start, or, for words of five
    letters or more, with one OCR slip (a letter added, dropped or changed: bot.terms.one_slip)."""
    needles = _WORD.findall(search.lower())
    if not needles:
        return True
    for text in texts:
        words = _WORD.findall(text.lower())
        if all(_word_matches(n, words) for n in needles):
            return True
    return False


def filter_rows(rows: list[PlanRow], *, region: str | None = None, kind: str | None = None,
                search: str | None = None) -> list[PlanRow]:
    """Rows of a region and kind whose text, parent, label ("mission 3") or table values match the search."""
    out = []
    for r in rows:
        if region and r.region != region or kind and r.kind != kind:
            continue
        label = f"{r.kind} {r.number}" if r.number is not None else r.kind
        goal = (r.fields or {}).get("goal", "")
        if not search or search_matches(search, r.text, r.parent or "", label, goal):
            out.append(r)
    return out


def values_text(fields: dict | None, language: str = "id") -> str:
    """An indicator's or program's values on one line: unit, baseline, targets by year, final, budgets, agency."""
    if not fields:
        return ""
    words = {"id": ("awal", "akhir", "pagu", "oleh"), "en": ("baseline", "final", "budget", "by")}[language]
    parts = []
    if fields.get("unit"):
        parts.append(fields["unit"])
    if fields.get("baseline"):
        parts.append(f"{words[0]} {fields['baseline']}")
    for book in ("targets", "values", "outturns"):
        parts.extend(f"{year}: {value}" for year, value in sorted((fields.get(book) or {}).items()))
    if fields.get("final"):
        parts.append(f"{words[1]} {fields['final']}")
    budgets = fields.get("budgets") or {}
    if budgets:
        parts.append(f"{words[2]} " + ", ".join(f"{y}: {v}" for y, v in sorted(budgets.items())))
    if fields.get("agency"):
        parts.append(f"{words[3]} {fields['agency']}")
    return " · ".join(parts)
