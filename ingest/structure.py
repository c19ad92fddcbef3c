"""Plan structure of a cleaned document: vision, pillars, missions, commitments, programs, affairs.

A pure function over the text from ``ingest.cleaning.clean_text``. Every item is a span of that text
(``text[item.start:item.end] == item.text``) found by a few named patterns that recur in Indonesian
RPJMD / Renstra / visi-misi documents; anything not clearly there is left out rather than guessed.

Patterns, strongest first:
  * vision statements after an intro ("Visi ... adalah", "yaitu", "yakni") or under a "Visi" heading:
    quoted (curly or straight, possibly bold), bold, on the next line, or an inline Title Case phrase;
  * pillars: "pokok-pokok visi tersebut adalah :" followed by a numbered list of short titles;
  * mission lists: a line introducing missions ("misi ... sebagai berikut :", "ditetapkan 5 (lima) misi")
    or a "Misi" heading, followed by a numbered or bulleted list (items may carry "**Misi 1** :" labels
    and explanation paragraphs between them; the item is the numbered line only);
  * "Misi 3 : ..." labelled lines, and a "Misi 3" heading followed by its (quoted) statement;
  * commitments ("Komitmen perwujudan Misi 3 ... :"), programs ("Program Kerja :") and affairs
    ("Urusan yang mengampu pelaksanaan Misi 3 : A; B; dan C.") with their mission as parent;
  * "N program prioritas ... antara lain a, b, ... dan z." comma lists;
  * weaker, used only to fill gaps: missions listed inline in one sentence ("misinya adalah mewujudkan
    A, meningkatkan B serta meningkatkan C.") and ordinal references ("misi keempat, Meningkatkan ...").
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field

from ingest.chunking import table_lines
from ingest.framework import extract_framework
from planbot.language import ORDINALS

KINDS = (
    "vision",
    "vision_pillar",
    "mission",
    "commitment",
    "program",
    "affair",
    "agency_vision",
    "agency_mission",
    "goal",
    "indicator",
)


@dataclass(frozen=True)
class PlanItem:
    """One plan element found in a document's cleaned text.

    kind: one of KINDS. number: its number in its list (Misi 3 -> 3), None when unnumbered.
    parent: the item it belongs to as "<kind> <number>" ("mission 3") or "vision"; None at top level.
    text: exactly text[start:end] of the input, without quotes, list markers, labels or trailing ';' (an item
    read from a table cell not written verbatim in the markup spans its whole row instead).
    fields: what a table row says of the item (ingest.framework: unit, baseline, targets by year, budgets,
    agency, the table's caption and the row's span); None for items read from running text.
    """

    kind: str
    number: int | None
    parent: str | None
    text: str
    start: int
    end: int
    fields: dict | None = field(default=None, kw_only=True, compare=False)


# ---------------------------------------------------------------------------------------------- patterns

# Words that make a vision/mission an agency's (Dinas/Badan/SKPD...) rather than the region's.
_AGENCY = re.compile(
    r"\b(?:dinas|badan|kantor|satuan|satpol|inspektorat|sekretariat|skpd|opd|perangkat\s+daerah|kecamatan|"
    r"kelurahan|biro|bagian|rsud|rumah\s+sakit|upt|uptd)\b",
    re.IGNORECASE,
)
# A list item line: "1. x", "1.x", "1) x", "(1) x", "a. x", "- x", "• x" (also as a heading: "# 1. x").
_ITEM = re.compile(
    r"^[ \t]*(?:#{1,6}[ \t]+)?(?:(?P<bullet>[-•▪●◦*])[ \t]+"
    r"|(?P<open>\()?(?P<num>\d{1,2}|[a-z](?=[.)][ \t]))(?P<sep>[.)])(?:[ \t]+|(?<=\d[.)])(?=[^\W\d_])))"
    r"(?P<body>\S.*)$"
)
# "**Misi 3** :" label at the start of a mission line or list item.
_MISSION_LABEL = re.compile(
    r"^(?:\*\*)?[ \t]*misi[ \t]+(?P<num>\d{1,2})[ \t]*(?:\*\*)?[ \t]*[:.\-–—][ \t]*", re.IGNORECASE
)
# A heading naming a vision or mission: "VISI KOTA METRO", "### Misi", "**Misi 3**", "3.2.2 Misi Kepala".
_HEADING = re.compile(
    r"^[ \t]*(?:#{1,6}[ \t]*)?(?:(?:[IVX]+|\d+)(?:\.\d+)*\.?[ \t]*)?(?:\*\*)?[ \t]*(?P<kw>visi|misi)\b"
    r"(?P<owner>[^\n:*]{0,80}?)[ \t]*(?:\*\*)?[ \t]*:?[ \t]*$",
    re.IGNORECASE,
)
# "Visi : Terwujudnya ..." / "**VISI KABUPATEN X** : “...”": a vision label, its statement on the same line.
_VISION_LABEL = re.compile(
    r"^[ \t]*(?:#{1,6}[ \t]*)?(?:\*\*)?[ \t]*visi\b(?P<owner>[^\n:*“\"]{0,80}?)[ \t]*(?:\*\*)?[ \t]*:"
    r"[ \t]*(?=\S)",
    re.IGNORECASE | re.MULTILINE,
)
_OWNER_WORD = re.compile(r"^(?:[A-Z0-9&][\w&.,()'/-]*|dan|yang|di|ke|&|-)$")
# "Visi ... adalah" / "yaitu" / "yakni" / "ialah" (optionally "sebagai berikut", ":").
_VISION_KEY = re.compile(r"\bvisi(?:nya)?\b", re.IGNORECASE)
_INTRO_VERB = re.compile(
    r"\b(?:adalah|yaitu|yakni|ialah)\b(?:[ \t]+sebagai[ \t]+berikut)?[ \t]*:?|\bsebagai[ \t]+berikut[ \t]*:",
    re.IGNORECASE,
)
# A line introducing a list of missions, "misi" in its last sentence: "ditetapkan 5 (lima) misi, yaitu :".
_MISSION_INTRO = re.compile(
    r"\bmisi(?:nya)?\b[^.\n]{0,150}?\b(?:berikut|yaitu|yakni|adalah|ialah|meliputi|antara\s+lain|terdiri\s+(?:dari|atas))\b"
    r"[^.\n]{0,25}?(?::|berikut\.?)[ \t]*$",
    re.IGNORECASE,
)
_PILLAR_INTRO = re.compile(
    r"\b(?:pokok(?:[- ]pokok)?|pilar(?:[- ]pilar)?)[ \t]+visi\b[^\n]*:[ \t]*$", re.IGNORECASE
)
_COMMITMENT_INTRO = re.compile(
    r"^[ \t]*(?:\*\*)?komitmen\b[^\n]*?\bmisi[ \t]+(?P<num>\d{1,2})\b[^\n]*:[ \t]*(?:\*\*)?[ \t]*$",
    re.IGNORECASE,
)
_PROGRAM_INTRO = re.compile(
    r"^[ \t]*(?:#{1,6}[ \t]*)?(?:\*\*)?[ \t]*program"
    r"(?:[ \t]+(?:kerja|prioritas|unggulan|strategis|pembangunan|utama))?"
    r"(?:[ \t]+misi[ \t]+(?P<num>\d{1,2}))?[ \t]*(?:\*\*)?[ \t]*:[ \t]*(?:\*\*)?[ \t]*$",
    re.IGNORECASE,
)
_AFFAIR_LINE = re.compile(
    r"^[ \t]*(?:\*\*)?urusan\b(?P<intro>[^\n:]{0,160}?)(?:\bmisi[ \t]+(?P<num>\d{1,2}))?"
    r"[ \t]*(?:\*\*)?[ \t]*:"
    r"[ \t]*(?P<body>[^\n]*)$",
    re.IGNORECASE,
)
# "Ke-12 program tersebut antara lain a, b, c dan d." / "program prioritas yaitu ...".
_PROGRAM_SENTENCE = re.compile(
    r"\bprogram(?:[ \t]+(?:prioritas|unggulan|kerja|strategis|tersebut))+[ \t]*,?[ \t]*"
    r"(?:antara[ \t]+lain|yaitu|yakni|meliputi|adalah|terdiri[ \t]+(?:dari|atas))[ \t]*:?[ \t]*"
    r"(?P<body>[^\n]+?)(?=\.(?:\s|$)|\n|$)",
    re.IGNORECASE,
)
# A me- verb that starts a mission ("mewujudkan", "meningkatkan", "membangun"...).
_MISSION_VERB = (
    r"(?:me(?:m|n|ng|ny)?[a-z]+(?:kan|i)"
    r"|membangun|menjaga|mendorong|memperkuat|mempercepat|memperluas|membina|menata)"
)
_NOT_VERBS = {"memadai", "mengenai", "menengah"}  # me- words that are not mission verbs
_WORD_AT = re.compile(r"\w+")
_INLINE_MISSIONS = re.compile(
    r"\bmisi(?:nya)?\b(?P<owner>[^.\n:;]{0,80}?)\b(?:adalah|yaitu|yakni|ialah)[ \t]+:?[ \t]*"
    r"(?P<body>" + _MISSION_VERB + r"\b[^\n]+?)(?=\.(?:\s|$)|\n|$)",
    re.IGNORECASE,
)
_INLINE_SPLIT = re.compile(
    r"(?:[ \t]*,[ \t]*(?:(?:dan|serta)[ \t]+)?|[ \t]+(?:dan|serta)[ \t]+)(?=" + _MISSION_VERB + r"\b)",
    re.IGNORECASE,
)
_ORDINAL_MISSION = re.compile(
    r"\bmisi[ \t]+(?P<ord>" + "|".join(ORDINALS) + r"|ke-?\d{1,2})\b[ \t]*[,:]?\s*"
    r"(?:(?:yaitu|yakni|adalah|ialah)\s+)?(?:\*\*)?"
    r"(?P<body>(?-i:Me)[a-z]+\b[^\n.;:*]*?)(?=\s+(?:yaitu|yakni|dan[ \t]+misi|serta[ \t]+misi)\b|[.;:\n*]|$)",
    re.IGNORECASE,
)
# Lines that end a list: markdown headings, "3.2.2 ..." section numbers, short ALL-CAPS headings, "BAB".
_SECTION_BREAK = re.compile(r"^[ \t]*(?:#{1,6}[ \t]|(?:[IVX]+|\d+)(?:\.\d+)+\.?[ \t]*\S|BAB[ \t]+[IVX\d]+\b)")
_WORD = re.compile(r"[ \t]*(?P<w>[^\s,.;:]+)(?P<p>[,.;:]?)")
# Lowercase words that may sit inside a Title Case statement ("Kota Metro yang Sehat dan Sejahtera").
_CONNECTORS = frozenset({
    "dan", "yang", "di", "ke", "serta", "untuk", "dengan", "menuju", "&", "sebagai", "dalam", "bagi",
    "melalui",
})  # fmt: skip
_SENTENCE_BREAK = re.compile(r"[.!?][ \t]+[A-Z]")
_OPEN_QUOTES = {"“": "”", '"': '"', "‘": "’”", "'": "'", "«": "»", "„": "”“"}
_EDGE_QUOTES = "“”‘’\"'«»„"
# Owners that make a statement someone else's: the nation's (dropped) or another plan's (ranked lower).
_NATIONAL = re.compile(r"\b(?:indonesia|nasional|presiden|rpjmn|rpjpn|asta\s+cita)\b", re.IGNORECASE)
_OTHER_PLAN = re.compile(r"\b(?:rtrw|rpjpd|rpjp|jangka\s+panjang|tata\s+ruang)\b", re.IGNORECASE)
_MAX_INTRO_CHARS = 1500  # longer lines (tables, run-on OCR) never introduce a list
_MAX_LIST_GAP = 4000  # characters of explanation allowed between two items of one list
_CONTEXT_REACH = 6000  # how far back a "Misi 3" heading still owns a program list
_SECTION_REACH = 20000  # how far back a heading still names the section a statement is in


# ---------------------------------------------------------------------------------------------- helpers


@dataclass
class _Group:
    """Items found together (one list, one statement) and how well their place fits (0 best)."""

    rank: int
    items: list[PlanItem]


class _Doc:
    """The text with its line offsets and heading lines."""

    def __init__(self, text: str):
        self.text = text
        self.starts = [0] + [m.end() for m in re.finditer(r"\n", text)]
        self.ends = [s - 1 for s in self.starts[1:]] + [len(text)]
        in_table = table_lines([self.line(i) for i in range(len(self.starts))])
        self.heading_lines = [
            i for i in range(len(self.starts)) if not in_table[i] and _is_heading_line(self.line(i))
        ]  # a table cell never names a section

    def section_rank(self, i: int, keyword: str) -> int:
        """0 when the nearest heading above line i names the keyword ('Misi', 'VISI DAN MISI'); else 1."""
        k = bisect.bisect_right(self.heading_lines, i) - 1
        if k < 0 or self.starts[i] - self.starts[self.heading_lines[k]] > _SECTION_REACH:
            return 1
        return 0 if re.search(rf"\b{keyword}\b", self.line(self.heading_lines[k]), re.IGNORECASE) else 1

    def line(self, i: int) -> str:
        """Line i without its newline."""
        return self.text[self.starts[i] : self.ends[i]]

    def index(self, pos: int) -> int:
        """Index of the line holding position pos."""
        return bisect.bisect_right(self.starts, pos) - 1

    def next_nonblank(self, i: int, max_blank: int = 2) -> int | None:
        """Index of the first non-blank line at or after i, crossing at most max_blank blank lines."""
        blanks = 0
        while i < len(self.starts):
            if self.line(i).strip():
                return i
            blanks += 1
            if blanks > max_blank:
                return None
            i += 1
        return None


def _strip_emphasis_edges(text: str, s: int, e: int) -> tuple[int, int]:
    """Drop '**'/'*' at the span's edges when they are unbalanced inside it or wrap all of it."""
    for marker in ("**", "*"):
        span = text[s:e]
        if len(span) <= 2 * len(marker):
            continue
        count = span.count(marker) if marker == "**" else len(re.findall(r"(?<!\*)\*(?!\*)", span))
        head, tail = span.startswith(marker), span.endswith(marker)
        if head and tail and count == 2:
            return s + len(marker), e - len(marker)
        if head and count % 2:
            return s + len(marker), e
        if tail and count % 2:
            return s, e - len(marker)
    return s, e


def _closes_inner_quote(span: str) -> bool:
    """True when the span's last character closes a quote opened inside it ('Kota “Global”')."""
    last = span[-1]
    if last in "\"'":
        return span.count(last) % 2 == 0
    return any(
        opener in span for opener, closers in _OPEN_QUOTES.items() if last in closers and opener != last
    )


def _trim(text: str, s: int, e: int) -> tuple[int, int] | None:
    """Narrow a span past whitespace, edge quotes, unbalanced emphasis and trailing ';,.:'."""
    while True:
        before = (s, e)
        while s < e and text[s].isspace():
            s += 1
        while e > s and text[e - 1].isspace():
            e -= 1
        s, e = _strip_emphasis_edges(text, s, e)
        if s < e and text[s] in _EDGE_QUOTES:
            s += 1
        if s < e and (
            text[e - 1] in ";,.:" or text[e - 1] in _EDGE_QUOTES and not _closes_inner_quote(text[s:e])
        ):
            e -= 1
        if (s, e) == before:
            break
    return (s, e) if e > s and re.search(r"\w", text[s:e]) else None


def _item(text: str, kind: str, number: int | None, parent: str | None, s: int, e: int) -> PlanItem | None:
    """A PlanItem for the trimmed span, or None when nothing is left."""
    span = _trim(text, s, e)
    if span is None:
        return None
    return PlanItem(kind, number, parent, text[span[0] : span[1]], span[0], span[1])


def _is_agency(owner: str) -> bool:
    """True when the words right after 'Visi'/'Misi' name an agency (Dinas, Badan, SKPD...)."""
    first_words = " ".join(owner.split()[:4])
    return bool(_AGENCY.search(first_words))


def _heading(line: str, keyword: str) -> tuple[str, int | None] | None:
    """(owner, number) when the line is a 'Visi'/'Misi' heading for that keyword, else None."""
    m = _HEADING.match(line)
    if not m or m.group("kw").lower() != keyword:
        return None
    owner = m.group("owner").strip()
    if re.search(r"\b(?:visi|misi)\b", owner, re.IGNORECASE):
        return None  # "VISI & MISI", "VISI DAN MISI ...": a title, not a statement's heading
    if re.fullmatch(r"\d{1,2}", owner):
        return "", int(owner)
    if owner and not all(_OWNER_WORD.match(w) for w in owner.split()):
        return None
    if re.search(r"\d+$", owner) and not re.search(r"\d{4}$", owner):
        return None  # table-of-contents line ending in a page number
    return owner, None


def _is_statement(line: str) -> bool:
    """True when a line reads as one short statement (a vision or mission), not prose or a heading."""
    bare = line.strip().lstrip("#").strip().strip("*").strip()
    if not 8 <= len(bare) <= 350 or bare.endswith(":") or _ITEM.match(line):
        return False
    if re.match(r"^(?:[IVX]+|\d+)(?:\.\d+)+", bare) or re.search(
        r"\b(?:visi|misi)(?:nya)?\b", bare, re.IGNORECASE
    ):
        return False  # a section number, or prose about the vision/mission rather than the statement
    return not _SENTENCE_BREAK.search(bare.rstrip(".”\"'’* "))


def _reads_as_statement(line: str) -> bool:
    """True when a plain line reads as a plan statement: mostly Title Case, or 'Terwujudnya...'/'Me...kan'."""
    words = re.findall(r"[^\W\d_][\w'-]*", line)
    if not words:
        return False
    if re.fullmatch(r"(?i)ter\w+nya|" + _MISSION_VERB, words[0]):
        return True
    content = [w for w in words if w.lower() not in _CONNECTORS]
    capitals = sum(1 for w in content if w[0].isupper())
    return bool(content) and capitals / len(content) >= 0.6


def _is_decorated(line: str) -> bool:
    """True when a line is set off as a statement: a markdown heading, bold, or opening with a quote."""
    bare = line.lstrip()
    return bare.startswith(("#", "**")) or bare[:1] in _OPEN_QUOTES


def _line_statement(doc: _Doc, i: int, *, decorated_only: bool = False) -> tuple[int, int] | None:
    """Span of the statement on line i (quoted, bold, heading or plain), without its decoration."""
    line = doc.line(i)
    if decorated_only and not _is_decorated(line):
        return None
    k = doc.starts[i] + len(line) - len(line.lstrip().lstrip("#").lstrip().lstrip("*").lstrip())
    if k < doc.ends[i] and doc.text[k] in _OPEN_QUOTES:
        quoted = _quoted(doc.text, k, whole_line=True)
        if quoted:
            return quoted
    if not _is_statement(line) or not (_is_decorated(line) or _reads_as_statement(line)):
        return None
    s = doc.starts[i] + len(line) - len(line.lstrip().lstrip("#"))
    return _trim(doc.text, s, doc.ends[i if line.lstrip().startswith("#") else _wrapped_end(doc, i)])


def _quoted(text: str, pos: int, *, whole_line: bool) -> tuple[int, int] | None:
    """Span inside the quotes opening at pos (closing within one paragraph); whole_line: must end its line."""
    closers = _OPEN_QUOTES.get(text[pos])
    if closers is None:
        return None
    for j in range(pos + 1, min(len(text), pos + 500)):
        if text[j] in closers:
            line_end = text.find("\n", j)
            if whole_line and text[j + 1 : line_end if line_end >= 0 else len(text)].strip(" .,;*"):
                return None  # the quote covers only part of the line
            return _trim(text, pos + 1, j)
        if text.startswith("\n\n", j):
            return None
    return None


def _title_phrase(text: str, pos: int) -> tuple[int, int] | None:
    """An inline Title Case phrase at pos ('Metropolis Madani.'), cut at its sentence end or last comma."""
    end, last_comma = pos, None
    for m in _WORD.finditer(text, pos, min(len(text), pos + 400)):
        word, punct = m.group("w"), m.group("p")
        if m.start() != end:
            break  # a newline or a character that is neither word nor punctuation
        if not (word[0].isupper() or word[0].isdigit() or word.lower() in _CONNECTORS) or (
            punct == "." and re.fullmatch(r"[A-Z][a-z]?", word)  # "Dr.", "H.": a name, not a vision
        ):
            if last_comma is None:
                return None
            end = last_comma
            break
        end = m.end()
        if punct == ",":
            last_comma = m.start("p")
        elif punct:
            end = m.start("p")
            break
    span = _trim(text, pos, end)
    if span is None or not 2 <= len(text[span[0] : span[1]].split()) <= 25:
        return None
    return span


def _statement_after(doc: _Doc, pos: int) -> tuple[int, int] | None:
    """The statement after an intro or heading ending at pos: inline (quoted, bold, Title Case) or below."""
    text, i = doc.text, doc.index(pos)
    k = pos
    while k < doc.ends[i] and text[k] in " \t:":
        k += 1
    if k >= doc.ends[i]:
        return _statement_below(doc, i + 1)
    if text.startswith("**", k):
        close = text.find("**", k + 2, doc.ends[i])
        if close <= k + 2:
            return None
        if text[k + 2] in _OPEN_QUOTES:
            return _quoted(text, k + 2, whole_line=False)
        return _trim(text, k + 2, close)
    while k < doc.ends[i] and text[k] == "*":
        k += 1
    if k < doc.ends[i] and text[k] in _OPEN_QUOTES:
        return _quoted(text, k, whole_line=False)
    return _title_phrase(text, k)


def _label_statement(doc: _Doc, pos: int) -> tuple[int, int] | None:
    """The statement after a 'Visi :' label on the same line: quoted, bold, or the rest of the line."""
    i = doc.index(pos)
    rest = doc.text[pos : doc.ends[i]]
    if rest.lstrip("* ")[:1] in _OPEN_QUOTES or rest.startswith("**"):
        return _statement_after(doc, pos)
    if not _is_statement(rest) or not _reads_as_statement(rest):
        return None
    return _trim(doc.text, pos, doc.ends[i])


def _statement_below(doc: _Doc, i: int) -> tuple[int, int] | None:
    """The statement on the next non-blank line, or on the one after a line of prose when set off as such."""
    first = doc.next_nonblank(i, max_blank=1)
    if first is None:
        return None
    span = _line_statement(doc, first)
    if span or _ITEM.match(doc.line(first)) or _is_decorated(doc.line(first)):
        return span
    second = doc.next_nonblank(first + 1, max_blank=1)
    return _line_statement(doc, second, decorated_only=True) if second is not None else None


def _scan_list(doc: _Doc, i: int, *, min_items: int = 2) -> list[tuple[int | None, int, int, str]]:
    """Items of the list starting at the first non-blank line at/after i: (number, start, end, body).

    Numbered items must run 1, 2, 3... in one marker style; prose between items is allowed when it
    separates the first two (explained lists), and ends a compact list.
    """
    first = doc.next_nonblank(i, max_blank=2)
    if first is None:
        return []
    m = _ITEM.match(doc.line(first))
    if not m or (m.group("num") and _number(m) != 1):
        return []
    style = _style(m)
    items: list[tuple[int | None, int, int, str]] = []
    explained: bool | None = None  # decided when the second item is met
    prose_since_item = False
    j = first - 1
    while j + 1 < len(doc.starts):
        j += 1
        line = doc.line(j)
        if not line.strip():
            continue
        m = _ITEM.match(line)
        if m:
            expected = len(items) + 1
            number = _number(m) if m.group("num") else expected
            if _style(m) == style and number == expected:
                if expected == 2:
                    explained = prose_since_item
                last = _wrapped_end(doc, j)
                items.append((number, doc.starts[j] + m.start("body"), doc.ends[last], m.group("body")))
                prose_since_item = False
                j = last
                continue
            if m.group("num") or explained is not True:
                break  # a numbered line out of sequence, or a foreign bullet in a compact list
            continue  # a bullet inside an explanation
        if explained is False or len(style) == 1 and style not in ".)":
            break  # compact lists and bulleted lists end at the first prose line
        if _SECTION_BREAK.match(line) or _is_caps_heading(line) or _is_intro(line):
            break
        if doc.starts[j] - items[-1][2] > _MAX_LIST_GAP:
            break
        prose_since_item = True
    return items if len(items) >= min_items else []


def _wrapped_end(doc: _Doc, i: int, max_lines: int = 4) -> int:
    """Last line of the statement starting on line i, following the lines it was hard-wrapped onto."""
    last = i
    while (
        last + 1 < len(doc.starts) and last - i < max_lines and _continues(doc.line(last), doc.line(last + 1))
    ):
        last += 1
    return last


def _continues(prev: str, line: str) -> bool:
    """True when line carries on prev's unfinished statement rather than starting something new."""
    prev, bare = prev.rstrip().rstrip("*").rstrip(), line.strip()
    if not prev or not bare or prev.endswith((".", ";", ":", "!", "?", "”", '"')) or bare.endswith(":"):
        return False
    if (
        _ITEM.match(line)
        or bare.startswith("#")
        or re.match(r"[\"“‘']?\s*(?:visi|misi)\b", bare, re.IGNORECASE)
    ):
        return False
    if bare[0].islower() or prev.endswith(",") or prev.rsplit(None, 1)[-1].lower() in _CONNECTORS:
        return True  # "... Pendidikan dan" / "... SEHAT," go on, whatever the next line looks like
    return len(bare) <= 60 and not bare.endswith(".") and not _is_heading_line(line)


def _style(m: re.Match[str]) -> str:
    """Marker style of an item: the bullet; '.', ')', '()' for numbers; 'a.', 'a)', 'a()' for letters."""
    if m.group("bullet"):
        return m.group("bullet")
    return ("a" if m.group("num").isalpha() else "") + (m.group("open") or "") + m.group("sep")


def _number(m: re.Match[str]) -> int:
    """The item's number: 3 for '3.', 3 for 'c.'."""
    num = m.group("num")
    return ord(num) - ord("a") + 1 if num.isalpha() else int(num)


def _is_heading_line(line: str) -> bool:
    """A heading: markdown '#', a section number, a short ALL-CAPS line, or a 'Visi'/'Misi' heading."""
    if not line.strip():
        return False
    return (
        bool(_SECTION_BREAK.match(line))
        or _is_caps_heading(line)
        or any(_heading(line, kw) is not None for kw in ("visi", "misi"))
    )


def _is_caps_heading(line: str) -> bool:
    """A short line in capitals ('MISI KOTA METRO'), read as a heading."""
    if len(line) > 120:
        return False
    bare = line.strip().strip("*#").strip()
    letters = sum(1 for c in bare if c.isalpha())
    return 4 <= letters and bare.upper() == bare and len(bare) <= 100 and not bare.endswith((".", ","))


def _is_intro(line: str) -> bool:
    """A line that introduces a new list (ending with ':') short enough to be a label, or a known intro."""
    stripped = line.strip().rstrip("*").strip()
    if not stripped.endswith(":"):
        return False
    return len(stripped) <= 60 or any(
        p.search(line) for p in (_MISSION_INTRO, _PILLAR_INTRO, _COMMITMENT_INTRO, _PROGRAM_INTRO)
    )


def _list_items(doc: _Doc, i: int, kind: str, parent: str | None) -> list[PlanItem]:
    """PlanItems for the list after line i; mission items drop their 'Misi N :' label and take its number."""
    found = []
    for number, s, e, body in _scan_list(doc, i):
        if kind in ("mission", "agency_mission"):
            label = _MISSION_LABEL.match(body)
            if label:
                number, s = int(label.group("num")), s + label.end()
        item = _item(doc.text, kind, number, parent, s, e)
        if item:
            found.append(item)
    return found


# ---------------------------------------------------------------------------------------------- finders


def _visions(doc: _Doc) -> list[_Group]:
    """Vision statements: after 'Visi ... adalah/yaitu/yakni' or under a 'Visi' heading."""
    groups = []
    for key in _VISION_KEY.finditer(doc.text):
        i = doc.index(key.start())
        window = doc.text[key.end() : min(doc.ends[i], key.end() + 250)]
        cut = re.search(r"(?<![A-Z])[.!?](?=\s)|[“\"]", window)
        window = window[: cut.start()] if cut else window
        for verb in _INTRO_VERB.finditer(window):
            owner = window[: verb.start()]
            if re.search(r"\b(?:pokok|pilar|misi)\b", owner, re.IGNORECASE):
                break
            span = _statement_after(doc, key.end() + verb.end())
            if span:
                rank = _owner_rank(owner)
                if rank is not None:
                    kind = "agency_vision" if _is_agency(owner) else "vision"
                    item = PlanItem(kind, None, None, doc.text[span[0] : span[1]], *span)
                    groups.append(_Group(rank + doc.section_rank(i, "visi"), [item]))
                break
    for label in _VISION_LABEL.finditer(doc.text):
        owner, i = label.group("owner").strip(), doc.index(label.start())
        if not all(_OWNER_WORD.match(w) for w in owner.split()) or _owner_rank(owner) is None:
            continue
        span = _label_statement(doc, label.end())
        if span:
            kind = "agency_vision" if _is_agency(owner) else "vision"
            item = PlanItem(kind, None, None, doc.text[span[0] : span[1]], *span)
            groups.append(_Group(_owner_rank(owner) + doc.section_rank(i, "visi"), [item]))
    for i in doc.heading_lines:
        head = _heading(doc.line(i), "visi")
        if head is None or head[1] is not None or _owner_rank(head[0]) is None:
            continue
        span = _statement_after(doc, doc.ends[i])
        if span:
            kind = "agency_vision" if _is_agency(head[0]) else "vision"
            item = PlanItem(kind, None, None, doc.text[span[0] : span[1]], *span)
            groups.append(_Group(_owner_rank(head[0]), [item]))
    return groups


def _pillars(doc: _Doc) -> list[PlanItem]:
    """Vision pillars: the numbered titles after 'pokok-pokok visi tersebut adalah :'."""
    found = []
    for i in range(len(doc.starts)):
        line = doc.line(i)
        if len(line) <= _MAX_INTRO_CHARS and _PILLAR_INTRO.search(line):
            found += _list_items(doc, i + 1, "vision_pillar", "vision")
    return found


def _mission_groups(doc: _Doc) -> list[_Group]:
    """Missions from lists after intros or 'Misi' headings, 'Misi N :' lines and 'Misi N' headings."""
    groups = []
    for i in range(len(doc.starts)):
        line = doc.line(i)
        if len(line) > _MAX_INTRO_CHARS or ("isi" not in line and "ISI" not in line):
            continue
        bare = line.strip().lstrip("#").strip()
        label = _MISSION_LABEL.match(bare)
        if label and bare[label.end() :].strip() and not _ITEM.match(line):
            s = doc.starts[i] + len(line.rstrip()) - len(bare[label.end() :].rstrip())
            item = _item(doc.text, "mission", int(label.group("num")), None, s, doc.ends[i])
            if item:
                groups.append(_Group(doc.section_rank(i, "misi"), [item]))
            continue
        head = _heading(line, "misi")
        if head is not None:
            owner, number = head
            if number is not None:
                span = _statement_after(doc, doc.ends[i]) if number <= 30 else None
                if span:
                    groups.append(
                        _Group(0, [PlanItem("mission", number, None, doc.text[span[0] : span[1]], *span)])
                    )
            elif _owner_rank(owner) is not None:
                kind = "agency_mission" if _is_agency(owner) else "mission"
                groups.append(_Group(_owner_rank(owner), _list_items(doc, i + 1, kind, None)))
            continue
        if _MISSION_INTRO.search(line) and not _COMMITMENT_INTRO.match(line) and not _AFFAIR_LINE.match(line):
            key = re.search(r"\bmisi(?:nya)?\b", line, re.IGNORECASE)
            owner = line[key.end() :] if key else ""
            rank = _owner_rank(owner, context=line)
            if rank is not None:
                kind = "agency_mission" if _is_agency(owner) else "mission"
                groups.append(_Group(rank + doc.section_rank(i, "misi"), _list_items(doc, i + 1, kind, None)))
    return [g for g in groups if g.items]


def _owner_rank(owner: str, context: str = "") -> int | None:
    """None for the nation's statement ('visi Indonesia', 'misi Presiden'); 2 for another plan's; else 0."""
    first_words = " ".join(owner.split()[:3])
    if _NATIONAL.search(first_words):
        return None
    return 2 if _OTHER_PLAN.search(first_words) or _OTHER_PLAN.search(context) else 0


def _context_parent(doc: _Doc, pos: int) -> str | None:
    """The mission a list at pos belongs to: the nearest 'Misi N' heading or commitment intro above it."""
    i = doc.index(pos) - 1
    while i >= 0 and pos - doc.starts[i] <= _CONTEXT_REACH:
        line = doc.line(i)
        head = _heading(line, "misi")
        if head is not None:
            return f"mission {head[1]}" if head[1] is not None else None
        commitment = _COMMITMENT_INTRO.match(line)
        if commitment:
            return f"mission {int(commitment.group('num'))}"
        if _SECTION_BREAK.match(line) or _MISSION_INTRO.search(line) or _PILLAR_INTRO.search(line):
            return None
        i -= 1
    return None


def _commitments_programs_affairs(doc: _Doc) -> list[PlanItem]:
    """Commitments, program lists and affairs that belong to a mission."""
    found = []
    for i in range(len(doc.starts)):
        line = doc.line(i)
        if len(line) > _MAX_INTRO_CHARS:
            continue
        commitment = _COMMITMENT_INTRO.match(line)
        if commitment:
            found += _list_items(doc, i + 1, "commitment", f"mission {int(commitment.group('num'))}")
            continue
        program = _PROGRAM_INTRO.match(line)
        if program:
            num = program.group("num")
            parent = f"mission {int(num)}" if num else _context_parent(doc, doc.starts[i])
            found += _list_items(doc, i + 1, "program", parent)
            continue
        affair = _AFFAIR_LINE.match(line)
        if affair and (
            affair.group("num")
            or re.search(r"\b(?:mengampu|pengampu)\b", affair.group("intro"), re.IGNORECASE)
        ):
            num = affair.group("num")
            parent = f"mission {int(num)}" if num else _context_parent(doc, doc.starts[i])
            if affair.group("body").strip():
                found += _affairs(doc.text, doc.starts[i] + affair.start("body"), doc.ends[i], parent)
            else:
                found += _list_items(doc, i + 1, "affair", parent)
    return found


def _affairs(text: str, s: int, e: int, parent: str | None) -> list[PlanItem]:
    """Affairs from 'A; B; C; dan D.' (or a comma list with a final ', dan')."""
    body = text[s:e]
    sep = ";" if ";" in body else ","
    pieces, pos = [], s
    for part in body.split(sep):
        pieces.append((pos, pos + len(part)))
        pos += len(part) + 1
    if len(pieces) < 2:
        return []
    found = []
    for n, (ps, pe) in enumerate(pieces, 1):
        lead = re.match(r"\s*(?:(?:dan|serta)\s+)?(?:urusan\s+)?", text[ps:pe], re.IGNORECASE)
        item = _item(text, "affair", n, parent, ps + lead.end(), pe)
        if item:
            found.append(item)
    return found


def _program_sentences(doc: _Doc) -> list[PlanItem]:
    """Programs from 'N program prioritas ... antara lain a, b, ... dan z.'."""
    found = []
    for m in _PROGRAM_SENTENCE.finditer(doc.text):
        spans = _split_comma_list(doc.text, m.start("body"), m.end("body"))
        if len(spans) < 3 or any(len(doc.text[s:e].split()) > 10 for s, e in spans):
            continue
        for n, (s, e) in enumerate(spans, 1):
            item = _item(doc.text, "program", n, None, s, e)
            if item:
                found.append(item)
    return found


def _split_comma_list(text: str, s: int, e: int) -> list[tuple[int, int]]:
    """Spans of 'a, b, c dan d': commas, then the last 'dan'/'serta'; codes ('S2') rejoin the item before."""
    spans: list[tuple[int, int]] = []
    pos = s
    for part in text[s:e].split(","):
        ps, pe = pos, pos + len(part)
        pos = pe + 1
        bare = part.strip()
        if spans and re.fullmatch(r"[A-Z]{1,2}\d{0,2}|\d{1,3}", bare):
            spans[-1] = (spans[-1][0], pe)  # "beasiswa S1, S2, S3"
            continue
        lead = re.match(r"\s*(?:(?:dan|serta)\s+)?", part, re.IGNORECASE)
        spans.append((ps + lead.end(), pe))
    if spans:
        ls, le = spans[-1]
        last = list(re.finditer(r"\s(?:dan|serta)\s", text[ls:le], re.IGNORECASE))
        if last:
            cut = last[-1]
            spans[-1:] = [(ls, ls + cut.start()), (ls + cut.end(), le)]
    return [(a, b) for a, b in spans if text[a:b].strip()]


def _inline_missions(doc: _Doc) -> list[PlanItem]:
    """Missions listed in one sentence: 'misinya adalah mewujudkan A, meningkatkan B serta meningkatkan C'."""
    found = []
    for m in _INLINE_MISSIONS.finditer(doc.text):
        s, e = m.span("body")
        cuts = [c for c in _INLINE_SPLIT.finditer(doc.text, s, e) if _verb_at(doc.text, c.end())]
        if not cuts:
            continue
        bounds = [s] + [c.end() for c in cuts]
        ends = [c.start() for c in cuts] + [e]
        kind = "agency_mission" if _is_agency(m.group("owner")) else "mission"
        items = [_item(doc.text, kind, n, None, a, b) for n, (a, b) in enumerate(zip(bounds, ends), 1)]
        if all(items):
            found += items
    return found


def _verb_at(text: str, pos: int) -> bool:
    """True when a mission verb (not an adjective such as 'memadai') starts at pos."""
    word = _WORD_AT.match(text, pos)
    return bool(word) and word.group().lower() not in _NOT_VERBS


def _ordinal_missions(doc: _Doc) -> list[PlanItem]:
    """Missions named by ordinal in prose: 'misi keempat, Meningkatkan ... yaitu'."""
    found = []
    for m in _ORDINAL_MISSION.finditer(doc.text):
        ordinal = m.group("ord").lower()
        number = ORDINALS.get(ordinal) or int(re.sub(r"\D", "", ordinal))
        item = _item(doc.text, "mission", number, None, *m.span("body"))
        if item and len(item.text.split()) >= 3:
            found.append(item)
    return found


# ---------------------------------------------------------------------------------------------- entry


def _best(groups: list[_Group]) -> list[PlanItem]:
    """Per kind, the items of the best-ranked groups: visions one (the first), missions one per number."""
    out: list[PlanItem] = []
    for kind in KINDS:
        mine = [g for g in groups if g.items and g.items[0].kind == kind]
        if not mine:
            continue
        top = min(g.rank for g in mine)
        items = sorted((it for g in mine if g.rank == top for it in g.items), key=lambda it: it.start)
        if kind in ("vision", "agency_vision"):
            out.append(items[0])
            continue
        seen: set[int | None] = set()
        for item in items:
            if item.number is None or item.number not in seen:
                seen.add(item.number)
                out.append(item)
    return out


def _fill_missions(missions: list[PlanItem], weak: list[PlanItem]) -> list[PlanItem]:
    """Missions plus the weak finds whose (kind, number) is still missing."""
    have = {(it.kind, it.number) for it in missions}
    added = []
    for item in weak:
        if (item.kind, item.number) not in have:
            have.add((item.kind, item.number))
            added.append(item)
    return missions + added


def extract_plan(text: str, framework: bool = True) -> list[PlanItem]:
    """Plan items found in a document's cleaned text, in document order; what cannot be parsed is absent.
    framework=False leaves out the performance framework read from tables (indicators, goals, programs)."""
    if not text or not text.strip():
        return []
    doc = _Doc(text)
    chosen = _best(_visions(doc) + _mission_groups(doc))
    missions = [it for it in chosen if it.kind in ("mission", "agency_mission")]
    weak = _ordinal_missions(doc) if missions else _inline_missions(doc) + _ordinal_missions(doc)
    chosen = [it for it in chosen if it not in missions] + _fill_missions(missions, weak)
    rest = _pillars(doc) + _commitments_programs_affairs(doc) + _program_sentences(doc)
    unique = {(it.kind, it.start): it for it in rest + chosen}
    table_items = extract_framework(text) if framework else []
    return sorted([*unique.values(), *table_items], key=lambda it: (it.start, it.end))
