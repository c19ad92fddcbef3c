"""Document metadata: from a corpus's catalog.toml, else inferred from the text.

catalog.toml sits in an ingested folder; each entry is keyed by the file's path relative to that folder:

    ["RPJMD_2025-2029.md"]
    title = "Peraturan Daerah Provinsi DKI Jakarta Nomor 2 Tahun 2025 tentang RPJMD Tahun 2025-2029"
    region = "Provinsi DKI Jakarta"   # "Kota X", "Kabupaten X" or "Provinsi X"; spellings are normalised
    period = "2025-2029"              # "YYYY" or "YYYY-YYYY"
    agency = "Pemerintah Provinsi DKI Jakarta"
    doc_type = "RPJMD"                # RPJPD, RPJMD, RKPD, Renstra, Renja, APBD, Perda, Visi dan Misi, ...

Fields the catalog gives win; the others are inferred from the text (`infer_metadata`).
"""

from __future__ import annotations

import re
import tomllib
from collections import Counter
from dataclasses import replace
from pathlib import Path

from ingest.regions import RegionMention, find_regions, normalise_region
from ingest.title_page import doc_type_of, period_of, plain_line, read_title_page, title_case, title_groups
from planbot.errors import ConfigError

CATALOG_NAME = "catalog.toml"
FIELDS = ("title", "region", "period", "agency", "doc_type")
_PERIOD_FORMAT = re.compile(r"((?:19|20)\d\d)(?:\s*[-–—]\s*((?:19|20)\d\d))?")
_TITLE_PAGE_CHARS = 3000  # where the title page's own region mentions are looked for
_BODY_CHARS = 200_000  # where region mentions are counted when the title page names none
# An agency on a title page: "DINAS KESEHATAN KABUPATEN X", "Badan Perencanaan ... (Bappeda) Provinsi X".
_AGENCY = re.compile(
    r"\b(?i:Dinas|Badan|Sekretariat|Inspektorat|Satuan|Kantor|Biro|Kecamatan|Kelurahan|Rumah\s+Sakit"
    r"|RSUD|UPTD?)"
    r"\b(?:[ \t]+(?:[A-Z][\w'’&-]*|dan|serta|DAN|SERTA|\([^)\n]{1,30}\))){0,10}?"
    r"(?=[ \t]+(?i:Provinsi|Kota|Kabupaten)\b)"
)
# File names and converter names that PDF and DOCX properties carry instead of a title.
_NOT_A_TITLE = re.compile(
    r"^(?:microsoft\s+\w+\s*-|untitled\b|judul\b)|\.(?:docx?|pdf|xlsx?|pptx?)$", re.IGNORECASE
)


def _field(path: Path, name: str, key: str, value: object) -> str:
    """One catalog value, checked: a non-empty string (a period may be a number); normalised."""
    where = f"{path}: entry {name!r}, field {key!r}"
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise ConfigError(f'{where} must be text, e.g. {key} = "..."; got {type(value).__name__}')
    text = " ".join(str(value).split())
    if not text:
        raise ConfigError(f"{where} is empty; give a value or remove the field")
    if key == "period":
        m = _PERIOD_FORMAT.fullmatch(text)
        if not m or (m.group(2) and int(m.group(2)) < int(m.group(1))):
            raise ConfigError(f'{where} is {text!r}; write a year or a range like "2025-2029"')
        return f"{m.group(1)}-{m.group(2)}" if m.group(2) else m.group(1)
    if key == "region":
        return normalise_region(text)
    return text


def load_catalog(root: Path) -> dict[str, dict[str, str]]:
    """Entries of root/catalog.toml keyed by path relative to root ({} when there is none); raises
    ConfigError naming the file, the entry and the field when something is wrong."""
    path = root / CATALOG_NAME
    if not path.is_file():
        return {}
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: not valid TOML ({exc}); fix the file or remove it") from exc
    entries = {}
    for name, entry in data.items():
        if not isinstance(entry, dict):
            raise ConfigError(f'{path}: entry {name!r} must be a table like ["{name}"] with title = ...')
        unknown = set(entry) - set(FIELDS)
        if unknown:
            raise ConfigError(
                f"{path}: entry {name!r} has unknown fields {sorted(unknown)}; allowed: {FIELDS}"
            )
        entries[name] = {k: _field(path, name, k, v) for k, v in entry.items()}
    return entries


def document_region(text: str) -> str | None:
    """The region a document belongs to: the government that issues it on its title page ("Gubernur X",
    "Pemerintah Kota X"), else the most specific region its title page names, else the region its text
    names far more often than any other."""
    head = _folded(find_regions(text[:_TITLE_PAGE_CHARS]))
    for pool in ([m for m in head if m.issuer], head):
        if pool:
            return _most_named(pool)
    mentions = _folded(find_regions(text[:_BODY_CHARS]))
    counts = Counter(m.region for m in mentions).most_common(2)
    if counts and counts[0][1] >= 2 and (len(counts) == 1 or counts[0][1] >= 2 * counts[1][1]):
        return counts[0][0]
    return None


def _folded(mentions: list[RegionMention]) -> list[RegionMention]:
    """A name and its longer or shorter variant counted as one, the one written more often (then first):
    "Kota Metro" over a run-on "Kota Metro Berpendidikan", "Kabupaten Hulu Sungai Selatan" over a name cut
    by a line break, "Kabupaten Hulu Sungai"."""
    counts = Counter(m.region for m in mentions)
    first: dict[str, int] = {}
    for m in mentions:
        first.setdefault(m.region, m.start)
    rank = {r: (counts[r], -first[r]) for r in counts}
    out = []
    for m in mentions:
        variants = [n for n in counts if n.startswith(m.region + " ") or m.region.startswith(n + " ")]
        best = max(variants, key=rank.get, default=m.region)
        out.append(replace(m, region=best) if rank[best] > rank[m.region] else m)
    return out


def _most_named(mentions: list[RegionMention]) -> str:
    """Among mentions, a city or regency before its province, then the most named, then the first."""
    order = {"Kota": 0, "Kabupaten": 0, "Provinsi": 1}
    counts = Counter(m.region for m in mentions)
    first = {}
    for m in mentions:
        first.setdefault(m.region, (order[m.level], -counts[m.region], m.start))
    return min(first, key=first.get)


def document_agency(text: str, region: str | None) -> str | None:
    """The agency on the title page ("Dinas Kesehatan Kabupaten X"), else the region's government."""
    head = " ".join(plain_line(line) for line in text[:_TITLE_PAGE_CHARS].split("\n"))
    for where in [*title_groups(text), head]:
        for m in _AGENCY.finditer(where):
            if not m.group()[0].isupper():
                continue  # "badan" in a sentence, not an agency's name
            place = find_regions(where[m.end() :].lstrip()[:120])
            if place and place[0].start == 0:
                name = re.sub(r"\s*\([^)]*\)", "", title_case(m.group())).strip()
                return f"{name} {place[0].region}"
    return f"Pemerintah {region}" if region else None


def infer_metadata(
    text: str, file_name: str, title: str | None = None, known: dict[str, str] | None = None
) -> dict[str, str]:
    """Title, region, period, agency and document type read from the text where they are clear.

    `title` is the file's own title (HTML <title>, PDF or DOCX properties): used when the title page names
    no plan type and no regulation. `known` holds the catalog's fields: they win, and a known region is the
    one whose government is the default agency."""
    known = known or {}
    page = read_title_page(text)
    if title and (_NOT_A_TITLE.search(title.strip()) or len(title.split()) < 2 and len(title) < 8):
        title = None
    meta: dict[str, str] = {}
    region = known.get("region") or page.issuer or document_region(text)
    if page.title and (page.doc_type or not title):
        meta["title"] = page.title
    elif title and title.strip():
        meta["title"] = " ".join(title.split())
    elif page.title:
        meta["title"] = page.title
    else:
        meta["title"] = Path(file_name).stem.replace("_", " ").replace("-", " ")
    if region:
        meta["region"] = region
    period = page.period or period_of(meta["title"])
    if period:
        meta["period"] = period
    doc_type = page.doc_type or doc_type_of(meta["title"])
    if doc_type:
        meta["doc_type"] = doc_type
    agency = f"Pemerintah {page.issuer}" if page.issuer else document_agency(text, region)
    if agency:
        meta["agency"] = agency
    return {**meta, **known}
