"""What a document's title page says: its title, its type (RPJMD, RKPD, Perda...) and its period.

Indonesian plans open with a title page ("RENCANA STRATEGIS / DINAS KESEHATAN / KABUPATEN X / TAHUN
2021-2026") and, when a regulation adopts them, its heading block ("PERATURAN DAERAH PROVINSI X / NOMOR 2
TAHUN 2025 / TENTANG / RENCANA PEMBANGUNAN JANGKA MENENGAH DAERAH TAHUN 2025-2029"). Both are read here
from the cleaned text; the first markdown heading of a converted PDF is often only a cover word ("RPJMD").
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ingest.regions import find_regions
from planbot.language import DOC_TYPES

HEAD_CHARS = 6000  # how far into a document its title page and a regulation's heading block may reach

# A regulation's form as written on its heading block -> (short type, form in a title).
_FORMS = {"daerah": ("Perda", "Peraturan Daerah"), "gubernur": ("Pergub", "Peraturan Gubernur"),
          "bupati": ("Perbup", "Peraturan Bupati"), "walikota": ("Perwali", "Peraturan Wali Kota"),
          "wali kota": ("Perwali", "Peraturan Wali Kota")}  # fmt: skip
# Words kept in capitals when a title in capitals is set in title case.
ACRONYMS = frozenset(
    """
    DKI DI DIY NAD NTB NTT RI NKRI DPRD DPR RPJMD RPJPD RPJMN RPJPN RKPD RKP RTRW APBD APBN KUA PPAS LKPJ LPPD
    LKJIP SKPD OPD BUMD UPT UPTD RSUD SDM SDGS TIK II III IV VI VII VIII IX XI XII
    """.split()
)  # fmt: skip
_SMALL = frozenset("dan atau di ke dari yang untuk tentang pada dalam serta atas bagi dengan oleh sebagai "
                   "terhadap "
                   "per".split())  # fmt: skip
_RANGE = re.compile(r"(?<!\d)((?:19|20)\d\d)\s*[-–—/]\s*((?:19|20)\d\d)(?!\d)")
_ONE_YEAR = re.compile(
    r"\btahun\s+(?:anggaran\s+)?((?:19|20)\d\d)"  # "Tahun 2025", "Tahun Anggaran 2024"
    r"(?!\s*[-–—/]\s*\d)(?!\d)",
    re.IGNORECASE,
)
_MARKUP = re.compile(r"!\[[^\]]*\](?:\([^)]*\))?|<[^>]{0,200}>|^[ \t]*#{1,6}[ \t]*|\*\*|__|`")
# Front matter that opens many documents but is not their title.
_FRONT_MATTER = re.compile(
    r"^(?:daftar\s+(?:isi|tabel|gambar|grafik|lampiran|singkatan)|kata\s+pengantar|sambutan\b.*|lampiran|"
    r"halaman\s+(?:judul|pengesahan)|table\s+of\s+contents|contents|foreword|preface)$",
    re.IGNORECASE,
)
# Bullets and private-use glyphs (a PDF's Symbol-font bullets) before a line's first word.
_LEAD = re.compile(r"^[^\w(\"“‘'\[]+")
_STOP_BLOCK = re.compile(
    r"^(?:dengan\s+rahmat|menimbang|mengingat|memperhatikan|bahwa|memutuskan)\b", re.IGNORECASE
)
_REGULATION = re.compile(
    r"^PERATURAN\s+(?P<form>DAERAH|GUBERNUR|BUPATI|WALI\s?KOTA)\b\s*(?P<issuer>.*?)\s*"
    r"\bNO(?:MOR|\.)?\s*:?\s*(?P<number>[\w./-]+)\s+TAHUN\s+(?P<year>(?:19|20)\d\d)\s+"
    r"TENTANG\s*:?\s*(?P<subject>.+)$",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class TitlePage:
    """What the title page gives: title, type, period, and the issuing region of a regulation."""

    title: str | None = None
    doc_type: str | None = None
    period: str | None = None
    issuer: str | None = None


def plain_line(line: str) -> str:
    """A line without markdown heading marks, emphasis, images, HTML tags; spaces collapsed."""
    text = " ".join(_MARKUP.sub(" ", line).split())
    return _LEAD.sub("", text).strip(" *#|")


def title_case(text: str) -> str:
    """'RENCANA KERJA PEMERINTAH DAERAH TAHUN 2025' -> 'Rencana Kerja Pemerintah Daerah Tahun 2025';
    acronyms (DKI, RPJMD) stay in capitals; text already in mixed case is left as written."""
    if not _in_capitals(text):
        return text
    out = []
    for i, word in enumerate(text.split()):
        core = word.strip("()[],.:;\"'")
        if core.upper() in ACRONYMS:
            out.append(word)
        elif i and all(p in _SMALL for p in core.lower().split("/")):
            out.append(word.lower())
        elif "/" in core and all(len(p) <= 2 for p in core.split("/")):
            out.append(word)  # "K/L", "S1/S2"
        else:
            out.append("-".join(_capitalise(p) for p in word.split("-")))
    return " ".join(out)


def _capitalise(word: str) -> str:
    """'(RENSTRA)' -> '(Renstra)': the first letter up, the rest down."""
    lower = word.lower()
    i = next((k for k, c in enumerate(lower) if c.isalpha()), 0)
    return lower[:i] + lower[i : i + 1].upper() + lower[i + 1 :]


def doc_type_of(text: str) -> str | None:
    """The plan or report type a title names (RPJMD, RKPD, Renstra, APBD, ...), or None."""
    return next((name for name, pattern in DOC_TYPES if pattern.search(text)), None)


def period_of(text: str) -> str | None:
    """'Tahun 2025-2029' -> '2025-2029'; 'Tahun Anggaran 2024' -> '2024'; else None."""
    for m in _RANGE.finditer(text):
        a, b = int(m.group(1)), int(m.group(2))
        if a < b <= a + 30:
            return f"{a}-{b}"
    one = _ONE_YEAR.search(text)
    return one.group(1) if one else None


def _head_lines(text: str) -> list[str]:
    """Plain lines of the title page: up to HEAD_CHARS, stopping where the regulation's body starts."""
    return [plain_line(line) for line in text[:HEAD_CHARS].split("\n")]


def _regulation(lines: list[str]) -> TitlePage | None:
    """The heading block 'PERATURAN <form> <issuer> NOMOR n TAHUN y TENTANG <subject>' at a line's start."""
    for i, line in enumerate(lines):
        if not re.match(r"PERATURAN\s+(?:DAERAH|GUBERNUR|BUPATI|WALI\s?KOTA)\b", line, re.IGNORECASE):
            continue
        block = []
        for nxt in lines[i : i + 14]:
            if block and (_STOP_BLOCK.match(nxt) or len(nxt) > 250):
                break
            if nxt:
                block.append(nxt)
        m = _REGULATION.match(" ".join(block))
        if not m:
            continue
        subject = re.split(r"\s+(?:GUBERNUR|BUPATI|WALI\s?KOTA|WALIKOTA)\b[^,]*,\s*$", m.group("subject"))[0]
        subject = title_case(subject.strip(" ,.:"))
        form = " ".join(m.group("form").lower().split())
        short, long_form = _FORMS[form]
        issuer_text = m.group("issuer")
        regions = find_regions(f"{m.group('form')} {issuer_text}" if form != "daerah" else issuer_text)
        issuer = regions[0].region if regions else None
        if issuer is None:
            where = title_case(issuer_text)
        elif form == "daerah":
            where = issuer
        else:
            where = issuer.split(" ", 1)[1]  # "Peraturan Gubernur DKI Jakarta", "Peraturan Bupati Bogor"
        title = " ".join(
            x
            for x in (long_form, where, f"Nomor {m.group('number')} Tahun {m.group('year')} tentang", subject)
            if x
        )
        return TitlePage(title, doc_type_of(subject) or short, period_of(subject), issuer)
    return None


def _is_title_line(line: str) -> bool:
    """A short line set as a title: no sentence end, few words, not a list item."""
    words = line.split()
    return (
        0 < len(words) <= 14
        and len(line) <= 120
        and not re.search(r"[.;:,!?]$", line)
        and not re.match(r"^(?:[-•*]|\d{1,2}[.)]|[a-z][.)])\s", line)
        and any(c.isalpha() for c in line)
    )


def _in_capitals(line: str) -> bool:
    letters = [c for c in line if c.isalpha()]
    return bool(letters) and sum(c.isupper() for c in letters) / len(letters) >= 0.8


def _title_groups(lines: list[str]) -> list[str]:
    """Runs of adjacent title lines at the top of the document, each joined into one string."""
    groups, current = [], []
    for line in lines:
        if sum(c.isalpha() for c in line) < 2:  # blank, a page number ("1", "ii"), a year alone
            if current:
                groups.append(" ".join(current))
                current = []
            continue
        if not _is_title_line(line):
            break
        if current and _in_capitals(line) != _in_capitals(current[0]):
            groups.append(" ".join(current))  # "VISI KOTA X" over its statement: a title, then its text
            current = []
        current.append(line)
    if current:
        groups.append(" ".join(current))
    return [g for g in groups if not _FRONT_MATTER.match(g)]


def title_groups(text: str) -> list[str]:
    """The title page's groups of title lines, each joined into one string ("RENCANA STRATEGIS DINAS X")."""
    return _title_groups(_head_lines(text))


def read_title_page(text: str) -> TitlePage:
    """Title, type and period from the title page: a regulation's heading block first, else the group of
    title lines that says most (plan type, region, period)."""
    lines = _head_lines(text)
    regulation = _regulation(lines)
    if regulation:
        return regulation
    groups = _title_groups(lines)
    if not groups:
        return TitlePage()
    # The most telling group: it names a plan type, a region and a period ("RENCANA STRATEGIS DINAS X KOTA Y
    # 2017-2022" beats a cover word "RENSTRA"); the first one on a tie.
    chosen = max(groups, key=lambda g: bool(doc_type_of(g)) + bool(find_regions(g)) + bool(period_of(g)))
    title = title_case(chosen)
    return TitlePage(title, doc_type_of(title), period_of(title))
