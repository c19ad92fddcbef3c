"""Indonesian region names: one canonical form ("Provinsi DKI Jakarta", "Kabupaten Hulu Sungai Selatan").

The one place where region names are read from text and normalised; `bot.terms` matches questions against
the same forms. The province table is general knowledge (the 38 provinces, in Statistics Indonesia's names,
with their official long forms and usual abbreviations); cities and regencies are read from the text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# Canonical province name (after "Provinsi ") -> other ways documents write it.
PROVINCES: dict[str, tuple[str, ...]] = {
    "Aceh": ("Nanggroe Aceh Darussalam", "NAD"),
    "Sumatera Utara": ("Sumut", "Sumatra Utara"),
    "Sumatera Barat": ("Sumbar", "Sumatra Barat"),
    "Riau": (),
    "Jambi": (),
    "Sumatera Selatan": ("Sumsel", "Sumatra Selatan"),
    "Bengkulu": (),
    "Lampung": (),
    "Kepulauan Bangka Belitung": ("Bangka Belitung", "Babel"),
    "Kepulauan Riau": ("Kepri",),
    "DKI Jakarta": (
        "Daerah Khusus Ibukota Jakarta", "Daerah Khusus Ibu Kota Jakarta", "Daerah Khusus Jakarta",
        "DK Jakarta",
        "Jakarta",
    ),
    "Jawa Barat": ("Jabar",),
    "Jawa Tengah": ("Jateng",),
    "DI Yogyakarta": ("Daerah Istimewa Yogyakarta", "DIY", "Yogyakarta"),
    "Jawa Timur": ("Jatim",),
    "Banten": (),
    "Bali": (),
    "Nusa Tenggara Barat": ("NTB",),
    "Nusa Tenggara Timur": ("NTT",),
    "Kalimantan Barat": ("Kalbar",),
    "Kalimantan Tengah": ("Kalteng",),
    "Kalimantan Selatan": ("Kalsel",),
    "Kalimantan Timur": ("Kaltim",),
    "Kalimantan Utara": ("Kaltara",),
    "Sulawesi Utara": ("Sulut",),
    "Sulawesi Tengah": ("Sulteng",),
    "Sulawesi Selatan": ("Sulsel",),
    "Sulawesi Tenggara": ("Sultra",),
    "Gorontalo": (),
    "Sulawesi Barat": ("Sulbar",),
    "Maluku": (),
    "Maluku Utara": ("Malut",),
    "Papua Barat": (),
    "Papua Barat Daya": (),
    "Papua": (),
    "Papua Selatan": (),
    "Papua Tengah": (),
    "Papua Pegunungan": (),
}  # fmt: skip
# Province forms distinctive enough to name the province without the word "Provinsi" before them.
_STANDALONE = ("DKI Jakarta", "Daerah Khusus Ibukota Jakarta", "Daerah Khusus Ibu Kota Jakarta",
               "Daerah Khusus Jakarta", "Daerah Istimewa Yogyakarta", "DI Yogyakarta",
               "Nanggroe Aceh Darussalam")  # fmt: skip

# Words that say what kind of place a region is, not which one ("Kota Metro" is named by "metro").
REGION_PREFIXES = frozenset(
    {
        "kota",
        "kabupaten",
        "kab",
        "provinsi",
        "prov",
        "dki",
        "di",
        "administrasi",
        "city",
        "regency",
        "province",
        "of",
    }
)

_LETTER = r"[^\W\d_]"
# A word of a place name: "Metro", "Hulu", "Orléans", "Pangkal-Pinang", "Ma'rang", "HULU", "DKI".
_NAME_WORD = rf"{_LETTER}[\w'’\-]*"
# Words that end a place name: what follows a name on a title page or in a sentence, not part of it.
_NAME_STOP = frozenset(
    """
    tahun nomor no dan atau yang tentang periode provinsi kota kabupaten kab prov dinas badan kantor
    pemerintah pemerintahan kepala wakil sekretariat sekretaris kecamatan kelurahan desa rencana dalam di
    ke dari untuk
    pada sebagai serta oleh dengan bagi adalah yaitu merupakan memiliki menjadi telah akan tersebut ini itu
    perangkat bupati gubernur walikota wali dprd rpjmd rpjpd rkpd renstra renja apbd perda pergub
    perbup perwali visi misi laporan anggaran bidang urusan program kegiatan nasional indonesia republik
    """.split()
)  # fmt: skip
_KIND = re.compile(
    rf"(?<!{_LETTER})(?P<kind>Pemerintah(?:an)?\s+(?:Provinsi|Kota|Kabupaten)|Provinsi|Prov\.|Kabupaten"
    rf"|Kab\.|Kota|Gubernur|Bupati|Wali\s?[Kk]ota)\s+",
    re.IGNORECASE,
)
_WORD_AT = re.compile(rf"[ \t]*(?P<w>{_NAME_WORD})")


@dataclass(frozen=True)
class RegionMention:
    """A region named in a text: its canonical name, level, where, and whether it names the issuer."""

    region: str
    level: str  # "Provinsi" | "Kabupaten" | "Kota"
    start: int
    end: int
    issuer: bool  # written as its government or head: "Pemerintah Kota X", "Gubernur X", "Bupati X"


def _key(name: str) -> str:
    return " ".join(name.lower().replace("ibu kota", "ibukota").split())


_PROVINCE_BY_ALIAS = {_key(a): c for c, aliases in PROVINCES.items() for a in (c, *aliases)}
_LONGEST_ALIAS = max(len(a.split()) for a in _PROVINCE_BY_ALIAS)
_STANDALONE_RE = re.compile(
    r"(?<!\w)(?:" + "|".join(re.escape(a).replace(r"\ ", r"\s+") for a in _STANDALONE) + r")(?!\w)",
    re.IGNORECASE,
)


def title_word(word: str) -> str:
    """'HULU' -> 'Hulu', 'PANGKAL-PINANG' -> 'Pangkal-Pinang'; mixed-case words stay as written."""
    if word.upper() != word:
        return word
    return "-".join(p[:1].upper() + p[1:].lower() for p in word.split("-"))


def province(name: str) -> str | None:
    """The canonical province for a written name ('Daerah Khusus Ibukota Jakarta' -> 'DKI Jakarta')."""
    return _PROVINCE_BY_ALIAS.get(_key(name))


def normalise_region(name: str) -> str:
    """One spelling per region: 'Provinsi Daerah Khusus Ibukota Jakarta' and 'DKI Jakarta' -> 'Provinsi
    DKI Jakarta', 'Kab. Bogor' -> 'Kabupaten Bogor', 'KOTA METRO' -> 'Kota Metro'; others as written."""
    words = name.split()
    if not words:
        return ""
    head = words[0].lower().rstrip(".")
    level = {"provinsi": "Provinsi", "prov": "Provinsi", "kabupaten": "Kabupaten", "kab": "Kabupaten",
             "kota": "Kota"}.get(head)  # fmt: skip
    rest = words[1:] if level else words
    known = province(" ".join(rest))
    if known and level in (None, "Provinsi"):
        return f"Provinsi {known}"
    if level is None:
        return " ".join(words)
    return " ".join([level, *(title_word(w) for w in rest)])


def _name_words(
    text: str, pos: int, limit: int = 6, stops: frozenset[str] = _NAME_STOP
) -> list[tuple[str, int]]:
    """The capitalised words of a place name starting at pos, with the end of each; stops at line ends,
    punctuation, lowercase words, stop words and (in mixed case) acronyms."""
    out: list[tuple[str, int]] = []
    caps = None
    while len(out) < limit:
        m = _WORD_AT.match(text, pos)
        if not m:
            break
        w = m.group("w")
        bare = w.rstrip("'’-")
        if not bare[:1].isupper() or bare.lower() in stops:
            break
        is_caps = bare.upper() == bare and len(bare) > 1
        if caps is None:
            caps = is_caps
        elif is_caps and not caps:
            break  # "Kota Metro RPJMD": an acronym after a mixed-case name is not part of it
        out.append((bare, m.start("w") + len(bare)))
        pos = m.end()
    return out


def _resolve(kind: str, text: str, pos: int) -> tuple[str, str, int] | None:
    """(canonical region, level, end offset) for the name written at pos after a kind word."""
    kind = " ".join(kind.lower().split())
    issuer_level = {"gubernur": "Provinsi", "bupati": "Kabupaten"}.get(kind)
    if kind.startswith("wali"):
        issuer_level = "Kota"
    level = issuer_level or (
        "Provinsi" if kind.startswith("prov") else "Kota" if kind == "kota" else "Kabupaten"
    )
    if level == "Provinsi":
        loose = _name_words(text, pos, _LONGEST_ALIAS, frozenset())  # "DI Yogyakarta", "Daerah Khusus ..."
        for n in range(len(loose), 0, -1):
            known = province(" ".join(w for w, _ in loose[:n]))
            if known:
                return f"Provinsi {known}", level, loose[n - 1][1]
        if issuer_level:
            return None  # "Gubernur Bank Indonesia": only a known province makes a governor's title a place
    words = _name_words(text, pos)[: 3 if level == "Provinsi" else 4]
    if not words:
        return None
    return f"{level} {' '.join(title_word(w) for w, _ in words)}", level, words[-1][1]


def find_regions(text: str) -> list[RegionMention]:
    """Every region the text names, in order, canonical and never cut short at a capital or an accent."""
    found: list[RegionMention] = []
    taken: list[tuple[int, int]] = []
    for m in _KIND.finditer(text):
        kind_word = m.group("kind")
        if not kind_word[:1].isupper():
            continue  # "kota" in prose ("menjadi kota global") is a noun, not a name
        first = kind_word.split()[0].lower()
        resolved = _resolve(
            kind_word.split()[-1] if first.startswith("pemerintah") else kind_word, text, m.end()
        )
        if resolved is None:
            continue
        region, level, end = resolved
        issuer = first in ("pemerintah", "gubernur", "bupati", "wali", "walikota")
        found.append(RegionMention(region, level, m.start(), end, issuer))
        taken.append((m.start(), end))
    for m in _STANDALONE_RE.finditer(text):
        if any(a <= m.start() < b for a, b in taken):
            continue
        known = province(m.group())
        if known:
            found.append(RegionMention(f"Provinsi {known}", "Provinsi", m.start(), m.end(), False))
    return sorted(found, key=lambda r: r.start)
