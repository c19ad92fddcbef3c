"""PDF to one text string per page, with scanned, encrypted, damaged and garbled PDFs detected."""

from __future__ import annotations

import logging
import os
import re
import shutil
import subprocess
import tempfile
import unicodedata
from concurrent.futures import ThreadPoolExecutor
from functools import lru_cache, partial
from pathlib import Path

from ingest.formats import RawDocument
from ingest.formats.limits import DEFAULT_LIMITS, FormatLimits
from ingest.formats.pdf_tables import pages_with_tables
from ingest.formats.registry import Format, ReadOptions, register
from planbot.errors import UnreadableDocument

ENCRYPTED = "encrypted PDF: remove the password and ingest again"
NO_TEXT_LAYER = "scanned PDF with no text layer: needs OCR (enable with PLANBOT_OCR=1 or --ocr)"
ENCRYPTED_AES = (
    "encrypted PDF (AES): opening it needs the Python package cryptography (pip install cryptography), "
    "or remove the encryption and ingest again"
)
GARBLED = "garbled text layer (broken font encoding): the text is not readable language"
OCR_INSTALL = "apt-get install tesseract-ocr tesseract-ocr-ind poppler-utils"
MIN_CHARS_PER_PAGE = 20  # below this average (non-space characters per page) a PDF has no real text layer
OCR_DPI = 300
OCR_PAGE_TIMEOUT_S = 300
OCR_PSM = "4"  # one column of variable-size text: keeps "Menimbang : a. bahwa ..." and table rows on one line

# Very common Indonesian and English function words: real prose is full of them, garbled text is not.
_INDONESIAN_FUNCTION_WORDS = (
    "yang dan di ke dari untuk dengan dalam pada ini itu atau oleh adalah akan tidak juga sebagai serta "
    "bagi tersebut dapat telah agar secara maka jika karena tentang antara sesuai melalui terhadap ada para"
)
_ENGLISH_FUNCTION_WORDS = "the of and to in a an is are was be for on that with by as at this it from or not"
FUNCTION_WORDS = frozenset(f"{_INDONESIAN_FUNCTION_WORDS} {_ENGLISH_FUNCTION_WORDS}".split())
_WORD = re.compile(r"[^\W\d_]+")
_VOWELS = set("aeiouyAEIOUY")
_MICROSOFT_TITLE = re.compile(r"^Microsoft (?:Word|PowerPoint|Excel) - ", re.IGNORECASE)

log = logging.getLogger(__name__)


def read_pdf(
    path: Path, *, ocr: bool = False, max_pages: int | None = None, limits: FormatLimits = DEFAULT_LIMITS,
    tables: bool = True,
) -> RawDocument:
    """Text of each page (pages[n-1] is page n); raises UnreadableDocument naming what is wrong.

    A PDF with more pages than limits.pdf_max_pages is refused before any page is extracted. With `tables`,
    ruled tables on pages of the text layer that look tabular are written as HTML table markup
    (pdf_tables.py); pages read by OCR stay plain text.
    """
    check_pdf_bytes(path)
    reader = _open(path)
    count = _page_count(path, reader, limits)
    numbers = list(range(1, min(count, max_pages or count) + 1))
    warnings: list[str] = []
    pages = [_page_text(reader, n, warnings) for n in numbers]
    problem = text_layer_problem(pages)
    if problem and not ocr:
        raise UnreadableDocument(str(path), problem)
    if problem:
        pages = ocr_pages(path, numbers, warnings)
        if not has_text_layer(pages):
            raise UnreadableDocument(str(path), "OCR found no text on the pages")
    else:
        _warn_empty_pages(pages, warnings)
        if tables:
            pages, _ = pages_with_tables(path, pages, warnings)
    return RawDocument(format="pdf", pages=pages, paginated=True, title=_title(reader), warnings=warnings)


def check_pdf_bytes(path: Path) -> None:
    """Raise for a file that is empty, has no %PDF header, or has lost its end (no %%EOF)."""
    try:
        size = path.stat().st_size
        with path.open("rb") as fh:
            head = fh.read(1024)
            fh.seek(max(0, size - 8192))
            tail = fh.read()
    except OSError as exc:
        raise UnreadableDocument(str(path), f"cannot read the file ({exc.strerror or exc})") from exc
    if size == 0:
        raise UnreadableDocument(str(path), "truncated or damaged PDF: the file is empty (0 bytes)")
    if b"%PDF-" not in head:
        raise UnreadableDocument(
            str(path), "truncated or damaged PDF: no %PDF header, the content is not a PDF"
        )
    if b"%%EOF" not in tail:
        raise UnreadableDocument(
            str(path), "truncated or damaged PDF: the end of the file is missing (no %%EOF)"
        )


def _open(path: Path):
    """A pypdf reader, decrypted with the empty password when the PDF is only owner-protected."""
    from pypdf import PdfReader
    from pypdf.errors import DependencyError, FileNotDecryptedError, PdfReadError

    try:
        reader = PdfReader(str(path))
        if reader.is_encrypted and not reader.decrypt(""):
            raise UnreadableDocument(str(path), ENCRYPTED)
    except DependencyError as exc:
        raise UnreadableDocument(str(path), ENCRYPTED_AES) from exc
    except FileNotDecryptedError as exc:
        raise UnreadableDocument(str(path), ENCRYPTED) from exc
    except PdfReadError as exc:
        reason = f"truncated or damaged PDF: the file structure cannot be read ({_short(exc)})"
        raise UnreadableDocument(str(path), reason) from exc
    except UnreadableDocument:
        raise
    except Exception as exc:  # pypdf raises assorted errors on broken files
        raise UnreadableDocument(
            str(path), "truncated or damaged PDF: the file structure cannot be read"
        ) from exc
    return reader


def _page_count(path: Path, reader, limits: FormatLimits = DEFAULT_LIMITS) -> int:
    """Number of pages; a PDF whose page tree cannot be read, or that has none, is damaged.

    The declared count (/Pages /Count) is checked against the limit first, for free; the page tree is then
    walked with pypdf's own entry limit set from ours, so a tree holding more pages than it declares is
    stopped there too, before a page is parsed.
    """
    from pypdf import apply_configuration
    from pypdf.errors import FileNotDecryptedError, LimitReachedError

    limit = limits.pdf_max_pages
    declared = _declared_pages(reader)
    if declared > limit:
        raise limits.refuse(path, "pdf_max_pages", f"the PDF has {declared:,} pages", f"{limit:,} pages")
    try:
        # tree entries are pages plus the nodes that group them: at most about two per page
        with apply_configuration(page_tree_maximum_entries=2 * limit + 100):
            count = len(reader.pages)
    except FileNotDecryptedError as exc:
        raise UnreadableDocument(str(path), ENCRYPTED) from exc
    except LimitReachedError as exc:
        if "page tree entry" not in str(exc):
            raise UnreadableDocument(str(path), f"truncated or damaged PDF: {_short(exc)}") from exc
        found = f"the PDF's page tree holds more than {limit:,} pages"
        raise limits.refuse(path, "pdf_max_pages", found, f"{limit:,} pages") from exc
    except Exception as exc:  # broken page tree
        raise UnreadableDocument(str(path), "truncated or damaged PDF: the page tree cannot be read") from exc
    if count > limit:
        raise limits.refuse(path, "pdf_max_pages", f"the PDF has {count:,} pages", f"{limit:,} pages")
    if count == 0:
        raise UnreadableDocument(str(path), "truncated or damaged PDF: it has no pages")
    return count


def _declared_pages(reader) -> int:
    """/Count of the root page node, 0 when missing or not a number (the page tree walk decides then)."""
    try:
        count = reader.root_object["/Pages"].get_object().get("/Count", 0)
        return int(count) if isinstance(count, (int, float)) else 0
    except Exception:  # noqa: BLE001 - a broken root is reported by the page tree walk
        return 0


def _page_text(reader, number: int, warnings: list[str]) -> str:
    """Extracted text of page `number` (1-based), line breaks kept; "" with a warning when it fails."""
    try:
        text = reader.pages[number - 1].extract_text() or ""
    except Exception as exc:  # noqa: BLE001 - one broken page should not lose the whole document
        log.debug("page %d: text extraction failed: %r", number, exc)
        warnings.append(f"page {number}: text could not be extracted")
        return ""
    lines = [line.rstrip() for line in text.replace("\x00", "").replace("\r\n", "\n").split("\n")]
    return "\n".join(lines).strip("\n")


def _short(exc: Exception) -> str:
    """First line of an exception message, at most 80 characters."""
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return text[:80]


def _title(reader) -> str | None:
    """Metadata title, without "Microsoft Word - " and file extensions; None when absent or meaningless."""
    try:
        title = (reader.metadata.title or "") if reader.metadata else ""
    except Exception:  # noqa: BLE001 - a broken info dictionary only loses the title
        return None
    title = _MICROSOFT_TITLE.sub("", str(title)).strip()
    title = re.sub(r"\.(docx?|pptx?|xlsx?|pdf)$", "", title, flags=re.IGNORECASE).strip()
    return title if len(title) > 1 and title.lower() not in {"untitled", "judul"} else None


def has_text_layer(pages: list[str]) -> bool:
    """True when the pages hold on average at least MIN_CHARS_PER_PAGE non-space characters."""
    chars = sum(len(re.sub(r"\s", "", page)) for page in pages)
    return chars >= MIN_CHARS_PER_PAGE * max(len(pages), 1)


def text_layer_problem(pages: list[str]) -> str | None:
    """The reason the extracted pages cannot be used (no text layer, garbled), or None when they can."""
    if not has_text_layer(pages):
        return NO_TEXT_LAYER
    if not looks_like_language("\n".join(pages)):
        return GARBLED
    return None


def looks_like_language(text: str, *, min_words: int = 30) -> bool:
    """True when text reads as human language (Indonesian/English), False for broken-encoding garbage.

    Four checks, each explainable on its own:
    1. at most 5% of the non-space characters are replacement, control, private-use or unassigned characters;
    2. letters are 20-70% vowels (real words are pronounceable);
    3. at most 30% of the letters are in "words" over 18 letters (broken encodings glue words together);
    4. at least 2% of the words are very common function words (yang, dan, di, the, of, ...).
    Texts with fewer than `min_words` words only get check 1.
    """
    chars = [c for c in text if not c.isspace()]
    if chars and bad_char_share(chars) > 0.05:
        return False
    words = _WORD.findall(text)
    if len(words) < min_words:
        return True
    letters = sum(len(w) for w in words)
    vowels = sum(c in _VOWELS for w in words for c in w) / letters
    glued = sum(len(w) for w in words if len(w) > 18) / letters
    function = sum(w.lower() in FUNCTION_WORDS for w in words) / len(words)
    return 0.2 <= vowels <= 0.7 and glued <= 0.3 and function >= 0.02


def bad_char_share(chars: list[str]) -> float:
    """Share of characters that are U+FFFD, control, private-use, surrogate or unassigned."""
    bad = sum(c == "\ufffd" or unicodedata.category(c) in ("Cc", "Co", "Cs", "Cn") for c in chars)
    return bad / max(len(chars), 1)


def _warn_empty_pages(pages: list[str], warnings: list[str]) -> None:
    """A warning naming the pages without text (images only), when some but not all are empty."""
    empty = [n for n, page in enumerate(pages, start=1) if not page.strip()]
    if empty:
        warnings.append(
            f"{len(empty)} of {len(pages)} pages have no text layer (images only?): {_ranges(empty)}"
        )


def _ranges(numbers: list[int]) -> str:
    """[1, 2, 3, 7] -> "1-3, 7"."""
    spans: list[list[int]] = []
    for n in numbers:
        if spans and n == spans[-1][1] + 1:
            spans[-1][1] = n
        else:
            spans.append([n, n])
    return ", ".join(f"{a}-{b}" if a != b else str(a) for a, b in spans)


# --- OCR -------------------------------------------------------------------------------------------------


def ocr_pages(path: Path, numbers: list[int], warnings: list[str]) -> list[str]:
    """OCR text of the given pages with tesseract (ind+eng), rendering pages with pdftoppm or pypdf."""
    if shutil.which("tesseract") is None:
        raise UnreadableDocument(str(path), f"OCR needs tesseract, which is not installed: {OCR_INSTALL}")
    langs = ocr_languages()
    if "ind" not in langs:
        warnings.append(f"tesseract has no Indonesian model; OCR used {langs} ({OCR_INSTALL})")
    render = _render_pdftoppm if shutil.which("pdftoppm") else _render_pypdf
    with tempfile.TemporaryDirectory(prefix="planbot-ocr-") as tmp:
        work = partial(_ocr_page, path, tmp=Path(tmp), render=render, langs=langs)
        with ThreadPoolExecutor(max_workers=max(1, min(4, os.cpu_count() or 1))) as pool:
            pages = list(pool.map(work, numbers))
    warnings.append(f"text from OCR (tesseract {langs}): check names and figures against the original")
    return pages


@lru_cache(maxsize=1)
def ocr_languages() -> str:
    """ "ind+eng" when both tesseract models are installed, else whichever are."""
    try:
        cmd = ["tesseract", "--list-langs"]
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=30, check=False).stdout
    except (OSError, subprocess.SubprocessError):
        return "eng"
    installed = set(out.split())
    chosen = [lang for lang in ("ind", "eng") if lang in installed]
    return "+".join(chosen) or "eng"


def _ocr_page(path: Path, number: int, tmp: Path, render, langs: str) -> str:
    """OCR text of one page; "" when the page has no image."""
    image = render(path, number, tmp)
    if image is None:
        return ""
    cmd = ["tesseract", str(image), "stdout", "-l", langs, "--psm", OCR_PSM]
    env = dict(os.environ, OMP_THREAD_LIMIT="1")
    try:
        done = subprocess.run(
            cmd, capture_output=True, text=True, timeout=OCR_PAGE_TIMEOUT_S, env=env, check=False
        )
    except subprocess.TimeoutExpired as exc:
        raise UnreadableDocument(str(path), f"OCR of page {number} took over {OCR_PAGE_TIMEOUT_S} s") from exc
    if done.returncode != 0:
        raise UnreadableDocument(str(path), f"OCR failed on page {number}: {_last_line(done.stderr)}")
    return "\n".join(line.rstrip() for line in done.stdout.splitlines()).strip("\n")


def _render_pdftoppm(path: Path, number: int, tmp: Path) -> Path | None:
    """Page `number` rendered to a grayscale PNG with poppler's pdftoppm."""
    prefix = tmp / f"page-{number}"
    cmd = [
        "pdftoppm",
        "-r",
        str(OCR_DPI),
        "-gray",
        "-png",
        "-singlefile",
        "-f",
        str(number),
        "-l",
        str(number),
    ]
    cmd += [str(path), str(prefix)]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=OCR_PAGE_TIMEOUT_S, check=False)
    image = prefix.with_suffix(".png")
    if done.returncode != 0 or not image.exists():
        raise UnreadableDocument(str(path), f"cannot render page {number} for OCR: {_last_line(done.stderr)}")
    return image


def _render_pypdf(path: Path, number: int, tmp: Path) -> Path | None:
    """The largest image embedded in page `number` (a scan is one full-page image), via pypdf."""
    from pypdf import PdfReader

    try:
        images = list(PdfReader(str(path)).pages[number - 1].images)
    except Exception as exc:  # unsupported image filters and the like
        raise UnreadableDocument(str(path), f"cannot extract the image of page {number} for OCR") from exc
    if not images:
        return None
    largest = max(images, key=lambda im: len(im.data))
    target = tmp / f"page-{number}{Path(largest.name).suffix or '.png'}"
    target.write_bytes(largest.data)
    return target


def _last_line(stderr: str) -> str:
    """Last non-empty line of a tool's stderr, shortened."""
    lines = [line.strip() for line in (stderr or "").splitlines() if line.strip()]
    return lines[-1][:120] if lines else "unknown error"


def _read(path: Path, options: ReadOptions) -> RawDocument:
    return read_pdf(path, ocr=options.ocr, limits=options.limits, tables=options.pdf_tables)


register(Format("pdf", (".pdf",), _read, frozenset({"pdf"}), content="pdf", upload=(".pdf",), order=40))
