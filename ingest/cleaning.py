"""Text repair and cleaning: mojibake, Unicode, hard wraps, web boilerplate, markdown emphasis."""

from __future__ import annotations

import re
import statistics
import unicodedata

import ftfy

# Lines that web pages append to articles; they are never plan content.
_BOILERPLATE = re.compile(
    r"^\s*(silah?kan\s+login\s+untuk\s+berkomentar\.?|login\s+untuk\s+berkomentar\.?|"
    r"baca\s+juga\s*:.*|share\s+this\s*:?.*|bagikan\s*:?|tags?\s*:.*|"
    r"copyright\s+©.*|©\s*\d{4}.*|all\s+rights\s+reserved\.?)\s*$",
    re.IGNORECASE,
)
# A line that starts a list item or a heading: never glued to the line before it.
LIST_MARKER = re.compile(r"^\s*(?:[-•*▪●◦]\s+|\(?\d{1,3}[.)]\s+|\(?[a-z][.)]\s+|[ivx]{1,4}[.)]\s+)")
_HEADING_LIKE = re.compile(r"^\s*(#{1,6}\s|\d+(?:\.\d+)+\.?\s+\S)")
_TERMINAL = re.compile(r"[.:;!?\"”’')\]]\s*$")
_EMPHASIS = [
    (re.compile(r"\*\*(.+?)\*\*", re.DOTALL), r"\1"),
    (re.compile(r"__(.+?)__", re.DOTALL), r"\1"),
    (re.compile(r"(?<![\w*])\*(?!\s)(.+?)(?<!\s)\*(?![\w*])", re.DOTALL), r"\1"),
    (re.compile(r"(?<![\w_])_(?!\s)(.+?)(?<!\s)_(?![\w_])", re.DOTALL), r"\1"),
    (re.compile(r"`([^`]*)`"), r"\1"),
]


# UTF-8 curly quotes (E2 80 9C / E2 80 9D) read as cp1252 whose C1 bytes were then dropped leave a lone
# "â" where the quote was: too lossy for ftfy to detect, but unambiguous at a word boundary.
_STRIPPED_OPEN_QUOTE = re.compile(r"(?:(?<=^)|(?<=[\s(\[]))â(?=[A-Za-z])", re.MULTILINE)
_STRIPPED_CLOSE_QUOTE = re.compile(r"(?<=[\w.,!?])â(?=[\s,.;:)]|$)", re.MULTILINE)


def repair(text: str) -> str:
    """Fix mojibake and odd Unicode (ftfy), normalise to NFC, unify line endings."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = ftfy.fix_text(text, normalization="NFC", uncurl_quotes=False)
    if text.count("â") and not re.search(r"[àáãäåèéêëìíîïòóôõöùúûü]", text):
        text = _STRIPPED_CLOSE_QUOTE.sub("\u201d", _STRIPPED_OPEN_QUOTE.sub("\u201c", text))
    text = unicodedata.normalize("NFC", text)
    return text.replace("\u00a0", " ").replace("\ufeff", "")


def drop_boilerplate(text: str) -> str:
    """Remove web boilerplate lines such as 'Silahkan LOGIN untuk berkomentar.'."""
    return "\n".join(line for line in text.split("\n") if not _BOILERPLATE.match(line))


def _wrap_width(lines: list[str]) -> int | None:
    """The column a hard-wrapped text breaks at, or None when the text is not hard-wrapped."""
    lengths = [len(line.rstrip()) for line in lines if line.strip()]
    if len(lengths) < 8:
        return None
    width = sorted(lengths)[int(len(lengths) * 0.9) - 1]
    if width > 140 or width < 30:
        return None
    near = sum(1 for n in lengths if 0.6 * width <= n <= 1.1 * width)
    unterminated = sum(1 for line in lines if line.strip() and not _TERMINAL.search(line))
    if near / len(lengths) < 0.5 or unterminated / len(lengths) < 0.4:
        return None
    return width


def _starts_block(line: str) -> bool:
    return bool(LIST_MARKER.match(line) or _HEADING_LIKE.match(line))


def unwrap(text: str) -> str:
    """Join hard-wrapped lines (PDF extraction) into paragraphs, leaving list items and headings alone."""
    lines = text.split("\n")
    width = _wrap_width(lines)
    if width is None:
        return text
    out: list[str] = []
    for line in lines:
        prev = out[-1] if out else ""
        joinable = (
            prev.strip()
            and line.strip()
            and not _starts_block(line)
            and (
                line.lstrip()[:1].islower()
                or prev.rstrip().endswith(",")
                or (len(prev.rstrip()) >= 0.8 * width and not re.search(r"[.!?:]\s*$", prev))
            )
        )
        if joinable:
            joiner = "" if prev.endswith("-") and line.lstrip()[:1].islower() else " "
            out[-1] = prev.rstrip().removesuffix("-" if joiner == "" else "") + joiner + line.strip()
        else:
            out.append(line)
    return "\n".join(out)


def clean_text(text: str) -> str:
    """Display text of a document: repaired, boilerplate dropped, hard wraps undone, blank runs squeezed."""
    text = unwrap(drop_boilerplate(repair(text)))
    text = "\n".join(line.rstrip() for line in text.split("\n"))
    text = re.sub(r"\n{3,}", "\n\n", text)
    return text.strip("\n")


def strip_emphasis(text: str) -> str:
    """Remove markdown emphasis markers (** * __ _ `) for indexing and matching."""
    for pattern, repl in _EMPHASIS:
        text = pattern.sub(repl, text)
    return text


def normalize_for_match(text: str) -> str:
    """Lowercase, emphasis removed, whitespace collapsed: how evidence strings are matched."""
    text = strip_emphasis(text).replace("*", "").replace("`", "").replace("_", " ")
    return re.sub(r"\s+", " ", text).strip().lower()


def median_line_length(text: str) -> float:
    """Median length of non-blank lines (for diagnostics)."""
    lengths = [len(line) for line in text.split("\n") if line.strip()]
    return statistics.median(lengths) if lengths else 0.0
