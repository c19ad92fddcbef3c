"""Plain text and markdown files: UTF-8, else Windows-1252/Latin-1 with a warning; binary content refused."""

from __future__ import annotations

from pathlib import Path

from ingest.formats import RawDocument
from ingest.formats.registry import Format, ReadOptions, register
from planbot.errors import UnreadableDocument

MAX_LINE_CHARS = 100_000


def read_text(path: Path, fmt: str = "txt") -> RawDocument:
    """A .txt or .md file as one page; raises UnreadableDocument for binary content, one giant line or no text."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise UnreadableDocument(str(path), f"cannot read the file ({exc.strerror or exc})") from exc
    if b"\x00" in data[:65536]:
        raise UnreadableDocument(str(path), "binary content, not text")
    warnings = []
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = data.decode("cp1252")
        except UnicodeDecodeError:
            text = data.decode("latin-1")
        warnings.append("not UTF-8: decoded as Windows-1252/Latin-1")
    longest = max((len(line) for line in text.split("\n")), default=0)
    if longest > MAX_LINE_CHARS:
        raise UnreadableDocument(
            str(path), f"a single line of {longest:,} characters: not prose (limit {MAX_LINE_CHARS:,} per line)"
        )
    if not text.strip():
        raise UnreadableDocument(str(path), "no text (only whitespace)")
    return RawDocument(format=fmt, pages=[text], paginated=False, warnings=warnings)


def _read_txt(path: Path, options: ReadOptions) -> RawDocument:
    return read_text(path, "txt")


def _read_md(path: Path, options: ReadOptions) -> RawDocument:
    return read_text(path, "md")


# Text files may hold HTML (a saved page named .txt is still readable text).
register(Format("txt", (".txt",), _read_txt, frozenset({"text", "html"}), content="text", upload=(".txt",), order=10))
register(Format("md", (".md", ".markdown"), _read_md, frozenset({"text", "html"}), content="text", upload=(".md",),
                order=20))
