"""Document metadata: from a corpus's catalog.toml, else inferred from the text."""

from __future__ import annotations

import re
import tomllib
from collections import Counter
from pathlib import Path

from planbot.errors import ConfigError

CATALOG_NAME = "catalog.toml"
FIELDS = ("title", "region", "period", "agency", "doc_type")
_REGION = re.compile(
    r"\b(Kota|Kabupaten|Kab\.|Provinsi|DKI)\s+((?:[A-Z][A-Za-z]+)(?:\s+(?!Tahun\b|Dan\b)[A-Z][a-z]+)?)"
)
_PERIOD = re.compile(r"\b((?:19|20)\d\d)\s*[-–—]\s*((?:19|20)\d\d)\b")
_HEADING = re.compile(r"^\s*#{1,6}\s+(.+)$|^\s*([A-Z][A-Z0-9 &,.\-]{6,80})\s*$", re.MULTILINE)


def load_catalog(root: Path) -> dict[str, dict[str, str]]:
    """Entries of root/catalog.toml keyed by path relative to root ({} when there is none)."""
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
            raise ConfigError(f"{path}: entry {name!r} must be a table like [\"{name}\"] with title = ...")
        unknown = set(entry) - set(FIELDS)
        if unknown:
            raise ConfigError(f"{path}: entry {name!r} has unknown fields {sorted(unknown)}; allowed: {FIELDS}")
        entries[name] = {k: str(v) for k, v in entry.items()}
    return entries


def infer_metadata(text: str, file_name: str, title: str | None = None) -> dict[str, str]:
    """Title, region and period read from the text where they are clear."""
    meta: dict[str, str] = {}
    heading = _HEADING.search(text[:3000])
    if title:
        meta["title"] = title.strip()
    elif heading:
        meta["title"] = (heading.group(1) or heading.group(2)).strip("*# ").strip()
    else:
        meta["title"] = Path(file_name).stem.replace("_", " ").replace("-", " ")
    regions = Counter(
        f"{'Kabupaten' if kind == 'Kab.' else kind} {name}" for kind, name in _REGION.findall(text[:200_000])
    )
    if regions:
        (top, n), *rest = regions.most_common(2)
        if n >= 2 and (not rest or n >= 2 * rest[0][1]):
            meta["region"] = top
    period = _PERIOD.search(text[:20_000])
    if period:
        meta["period"] = f"{period.group(1)}-{period.group(2)}"
    return meta
