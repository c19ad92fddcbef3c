"""Conversion debris in text: image links, phrases repeated over and over, stray CJK, punctuation runs.

A PDF-to-markdown converter leaves these in the text. They stay in the chunk text (citations quote the
source as it is); they are only kept out of what the embedding model and the lexical index see.
"""

from __future__ import annotations

import re

# ![alt](target) and <img ...> tags.
_IMAGE = re.compile(r"!\[[^\]\n]{0,500}\]\([^)\n]{0,2000}\)|<img\b[^<>]{0,2000}>", re.IGNORECASE)
# Words and punctuation groups: the units a repeated phrase is made of.
_TOKEN = re.compile(r"\w+|[^\w\s]+")
MIN_REPEATS = 4
MAX_PHRASE_WORDS = 6
# Han, kana, hangul and their punctuation and full-width forms.
_CJK_CHARS = "\u3000-\u303f\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff\uff00-\uffef"
_CJK_RUN = re.compile(f"[{_CJK_CHARS}]+")
_LATIN_LETTER = re.compile(r"[A-Za-z\u00c0-\u024f]")
# Four or more punctuation marks in a row (single spaces between allowed): dot leaders, rules, "- - - -".
_PUNCT_RUN = re.compile(r"[^\w\s](?: ?[^\w\s]){3,}")


def debris_spans(text: str) -> list[tuple[int, int]]:
    """Sorted, non-overlapping (start, end) spans of debris in the text."""
    spans = [m.span() for m in _IMAGE.finditer(text)]
    spans += _repeat_spans(text)
    spans += _cjk_spans(text)
    spans += [m.span() for m in _PUNCT_RUN.finditer(text)]
    return _merge(spans)


def strip_debris(text: str) -> tuple[str, int]:
    """The text without its debris (each span replaced by a space where it joined two words), and how many
    characters were dropped."""
    spans = debris_spans(text)
    if not spans:
        return text, 0
    out, pos, dropped = [], 0, 0
    for a, b in spans:
        out.append(text[pos:a])
        if a > 0 and b < len(text) and not text[a - 1].isspace() and not text[b].isspace():
            out.append(" ")
        dropped += b - a
        pos = b
    out.append(text[pos:])
    return "".join(out), dropped


def _repeat_spans(text: str) -> list[tuple[int, int]]:
    """Runs of MIN_REPEATS or more copies of one phrase of 1..MAX_PHRASE_WORDS words: all but the first copy."""
    tokens = [(m.start(), m.end()) for m in _TOKEN.finditer(text)]
    # Words compare case-insensitively; any punctuation group matches any other ("(jakarta),(jakarta),").
    words = [w.casefold() if (w := text[a:b])[0].isalnum() or w[0] == "_" else "" for a, b in tokens]
    n = len(words)
    spans: list[tuple[int, int]] = []
    i = 0
    while i < n:
        found = 0
        for period in range(1, 2 * MAX_PHRASE_WORDS + 1):
            if i + period * MIN_REPEATS > n:
                break
            if not words[i] or words[i + period] != words[i]:
                continue
            unit = words[i : i + period]
            if sum(1 for w in unit if w) > MAX_PHRASE_WORDS or not any(w[:1].isalpha() for w in unit):
                continue
            copies = 1
            while words[i + copies * period : i + (copies + 1) * period] == unit:
                copies += 1
            if copies >= MIN_REPEATS:
                found = period * copies
                spans.append((tokens[i + period][0], tokens[i + found - 1][1]))
                break
        i += found or 1
    return spans


def _cjk_spans(text: str) -> list[tuple[int, int]]:
    """CJK runs glued to a Latin letter, in a text written mostly in Latin script."""
    runs = list(_CJK_RUN.finditer(text))
    if not runs:
        return []
    cjk = sum(m.end() - m.start() for m in runs)
    if len(_LATIN_LETTER.findall(text)) < 2 * cjk:
        return []
    spans = []
    for m in runs:
        a, b = m.span()
        before = text[a - 1] if a else ""
        after = text[b] if b < len(text) else ""
        if _LATIN_LETTER.match(before) or _LATIN_LETTER.match(after):
            spans.append((a, b))
    return spans


def _merge(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for a, b in sorted(spans):
        if merged and a <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], b))
        else:
            merged.append((a, b))
    return merged
