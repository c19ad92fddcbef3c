"""The performance framework in a plan's tables: goals and targets, their indicators, programs and budgets.

An RPJMD's "Tujuan dan Sasaran" table, its IKU table and its program tables give, row by row, a goal or
program, a performance indicator with its unit, the baseline (kondisi awal), a target for each year, the
final value (kondisi akhir), yearly indicative budgets and the responsible agency. A table is read as such a
framework when its column labels name an indicator column and at least one year or baseline column (or a
goal, program or affair column and a money column: a budget table); each row then yields an `indicator`
item (and the goal, program or affair it serves, once per table), with its values in `fields` and its span
in the text.

Column roles come from the labels' words (planbot.language.FRAMEWORK_COLUMNS), forgiving OCR slips; values
are checked against their role (a budget is a number, an agency is not), so a column shifted by a bad
conversion does not put a figure where a name belongs.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from difflib import SequenceMatcher
from functools import lru_cache

from ingest.tables import Table, find_tables, row_cells
from planbot.language import (
    AFFAIR_WORDS,
    BUDGET_LABEL_WORDS,
    FRAMEWORK_COLUMNS,
    OUTTURN_LABEL_WORDS,
    PROGRAM_WORDS,
    TARGET_LABEL_WORDS,
)

_YEAR = re.compile(r"(?<!\d)((?:19|20)\d\d)(?!\d)")
_LETTERS = re.compile(r"[^a-z]+")
_WORDS = re.compile(r"[a-z]+")
_FIGURE = re.compile(r"^[^A-Za-z]*\d[^A-Za-z]*$|^[\d.,\s%()*+\-–]+[A-Za-z]{0,8}\)?$")
MIN_FUZZY_PHRASE = 6  # shorter phrases ("no", "opd", "unit") must be whole words of the label
_NAME_EDGES = " \t,;:"  # trimmed from an indicator's or goal's name ("... oleh aparat negara,")
MAX_VALUE_CHARS = 30  # a longer cell under a year or baseline column is a remark, not a value
MAX_NAME_CHARS = 400  # an indicator or goal cell longer than this is prose, not a name
MIN_GOAL_WORDS = 3  # a shorter cell ("SASARAN", "Program Penataan") does not name a goal to match across tables
LEAD_CHARS, LEAD_LINES = 600, 3  # how far above a table a "Misi 1:" line still leads it
_MISSION_LEAD = re.compile(r"^\s*(?:misi|mission)\s+(\d{1,2})\s*[:.\-–]", re.IGNORECASE)
_GOAL_LABEL = re.compile(r"^\s*(?:tujuan|sasaran|goal|objective)\s*[\d.]*\s*:\s*")


def _fuzzy_ratio(word: str) -> float:
    """One OCR slip forgiven, not two: a letter changed in "Awal" ("Awat", ratio 0.75) or "Urusan" ("Umusan",
    0.83), a letter added in "Kinerja" ("Kinerjia", 0.93); "Indikatif" is not "Indikator" (0.78 < 0.89)."""
    return 1 - 1 / len(word) - 1e-9


@dataclass(frozen=True)
class Columns:
    """What each column of a framework table holds."""

    roles: dict[int, str]  # column -> code | goal | indicator | unit | baseline | final | agency | budget
    years: dict[int, tuple[str, str]]  # column -> (year, "target" | "budget" | "outturn" | "value")

    def first(self, role: str) -> int | None:
        return min((c for c, r in self.roles.items() if r == role), default=None)


@dataclass
class FrameworkRow:
    """One row of a framework table: the indicator and its values, with the row's span."""

    start: int
    end: int
    caption: str
    code: str = ""
    goal: str = ""
    indicator: str = ""
    unit: str = ""
    baseline: str = ""
    final: str = ""
    agency: str = ""
    budget: str = ""  # a total with no year ("Pagu Indikatif (Rp)")
    targets: dict[str, str] = field(default_factory=dict)
    budgets: dict[str, str] = field(default_factory=dict)
    outturns: dict[str, str] = field(default_factory=dict)
    values: dict[str, str] = field(default_factory=dict)

    def fields(self) -> dict:
        """The non-empty values, for PlanItem.fields (JSON)."""
        out = {"table": self.caption, "row": [self.start, self.end]}
        for name in ("code", "goal", "unit", "baseline", "final", "agency", "budget"):
            if getattr(self, name):
                out[name] = getattr(self, name)
        for name in ("targets", "budgets", "outturns", "values"):
            if getattr(self, name):
                out[name] = dict(getattr(self, name))
        return out


@lru_cache(maxsize=4096)
def _phrase_in(phrase: str, label: str) -> bool:
    """True when the label holds the phrase: whole words for short phrases; else with the label's spaces
    removed ("KondisiAwalRPJMD"), or word by word forgiving an OCR slip in each ("Kondisi Awat")."""
    words = _WORDS.findall(label)
    key = phrase.replace(" ", "")
    if len(key) < MIN_FUZZY_PHRASE:
        return key in words
    if key in _LETTERS.sub("", label):
        return True
    return all(
        any(abs(len(w) - len(p)) <= 2 and SequenceMatcher(None, w, p).ratio() >= _fuzzy_ratio(p) for w in words)
        for p in phrase.split()
    )


def column_roles(labels: list[str]) -> Columns:
    """Role of each column from its label; year columns get (year, what the year's value is)."""
    roles: dict[int, str] = {}
    years: dict[int, tuple[str, str]] = {}
    for c, label in enumerate(labels):
        low = label.lower()
        words = set(_WORDS.findall(low))
        role = next((r for r, phrases in FRAMEWORK_COLUMNS if any(_phrase_in(p, low) for p in phrases)), None)
        if role == "final" and words & BUDGET_LABEL_WORDS:
            role = "budget"  # "Kondisi Akhir RPJMD Rp": the period's total budget, not the indicator's final value
        year = _YEAR.search(label)
        if role in ("agency", "baseline", "final") or (role and not year):
            roles[c] = role
        elif year:
            if words & BUDGET_LABEL_WORDS:
                what = "budget"
            elif words & TARGET_LABEL_WORDS:
                what = "target"
            elif words & OUTTURN_LABEL_WORDS:
                what = "outturn"
            else:
                what = "value"
            years[c] = (year.group(1), what)
    return _measured_goals(Columns(roles, years))


def _measured_goals(columns: Columns) -> Columns:
    """A table with no indicator column whose one name column is a goal column with a baseline or yearly
    targets beside it ("Sasaran Pembangunan | Baseline (2023) | Target 2025"): its goals are stated as what is
    measured ("Rasio PDB Pariwisata (%)"), so they are read as indicators. A budget beside them funds goals."""
    has = list(columns.roles.values())
    budgets = "budget" in has or any(what == "budget" for _, what in columns.years.values())
    measured = "baseline" in has or any(what == "target" for _, what in columns.years.values())
    if "indicator" in has or has.count("goal") != 1 or budgets or not measured:
        return columns
    return Columns({c: "indicator" if r == "goal" else r for c, r in columns.roles.items()}, columns.years)


def is_framework(columns: Columns) -> bool:
    """An indicator column and a year or baseline column (the table measures something over time), or a goal,
    program or affair column and a budget column (the table funds them)."""
    has = set(columns.roles.values())
    budgets = "budget" in has or any(what == "budget" for _, what in columns.years.values())
    return ("indicator" in has and (bool(columns.years) or "baseline" in has)) or ("goal" in has and budgets)


def _is_figure(value: str) -> bool:
    return bool(_FIGURE.match(value.strip()))


def _is_value(value: str) -> bool:
    """A target, baseline or final value: a figure, or a short grade ("A", "AA (90,10)", "WTP")."""
    return bool(value) and len(value) <= MAX_VALUE_CHARS and (_is_figure(value) or value[0].isupper())


def _is_name(value: str) -> bool:
    return bool(value) and not _is_figure(value) and len(value) <= MAX_NAME_CHARS


def framework_rows(table: Table) -> list[FrameworkRow]:
    """The rows of a framework table (none for other tables)."""
    columns = column_roles(table.labels)
    if not is_framework(columns):
        return []
    agency_col = columns.first("agency")
    out = []
    for i in range(table.header_rows, len(table.rows)):
        grid_row = table.grid.rows[i]
        values = {c: (p.cell.text if p is not None else "") for c, p in enumerate(grid_row)}
        if not row_cells(grid_row, table.labels, table.grid.width):
            continue  # a header-like row repeated inside the table
        row = FrameworkRow(table.rows[i].start, table.rows[i].end, table.caption)
        for c, role in columns.roles.items():
            value = values.get(c, "").strip()
            if not value or role == "agency":
                continue
            if role in ("indicator", "goal"):
                value = value.strip(_NAME_EDGES)
                if not _is_name(value):
                    continue
            if role in ("baseline", "final") and not _is_value(value):
                continue
            if role == "budget" and not _is_figure(value):
                continue
            if not getattr(row, role):
                setattr(row, role, value)
        for c, (year, what) in columns.years.items():
            value = values.get(c, "").strip()
            if not (_is_figure(value) if what == "budget" else _is_value(value)):
                continue
            book = {"target": row.targets, "budget": row.budgets, "outturn": row.outturns, "value": row.values}[what]
            book.setdefault(year, value)
        if agency_col is not None:  # the agency: the first name at or right of its column (shifted columns)
            row.agency = next(
                (v.strip() for c, v in sorted(values.items()) if c >= agency_col and _is_name(v.strip())), ""
            )
        if row.indicator and (row.targets or row.baseline or row.values or row.outturns) or not row.indicator and row.goal and (row.budget or row.budgets):
            out.append(row)
    return out


def _span_of(text: str, value: str, start: int, end: int) -> tuple[int, int]:
    """Where the cell's value is written inside the row; the row's span when not written verbatim."""
    at = text.find(value, start, end)
    return (at, at + len(value)) if at >= 0 else (start, end)


def goal_kind(goal: str) -> str:
    """What a goal cell names: a "program" ("PROGRAM PENGELOLAAN PENDIDIKAN ..."), an "affair" ("Urusan
    Pemerintahan Bidang Pendidikan") or a "goal" (a tujuan or sasaran)."""
    first = _WORDS.match(goal.lower())
    word = first.group(0) if first else ""
    return "program" if word in PROGRAM_WORDS else "affair" if word in AFFAIR_WORDS else "goal"


def _goal_key(cell: str) -> str:
    """A goal's name for matching across tables: its words, lowercased, without a "Tujuan 3:" label."""
    return " ".join(_WORDS.findall(_GOAL_LABEL.sub("", cell.lower())))


def _lead_lines(text: str, table: Table) -> list[str]:
    """The last few lines before a table (its caption excluded): where a plan writes "Misi 1: ..." and
    "Tujuan 1: ..." above the table that lists the mission's goals."""
    before = text[max(0, (table.caption_start or table.start) - LEAD_CHARS):table.caption_start or table.start]
    return [line.strip() for line in before.splitlines() if line.strip()][-LEAD_LINES:]


def missions_of_goals(text: str, tables: list[Table]) -> dict[str, int]:
    """The goals a table files under a mission: a table led by "Misi 3: ..." (in its first row or in the lines
    just above it) names, in its cells and in a "Tujuan 3: ..." line above, the goals and targets (tujuan,
    sasaran) that serve mission 3 (an RPJMD's priority-program tables); the same goal in a framework table then
    gets mission 3 as its parent."""
    found: dict[str, int] = {}
    for table in tables:
        cells = [c.text for row in table.rows for c in row.cells]
        lines = _lead_lines(text, table)
        lead = next((m for m in (_MISSION_LEAD.match(c) for c in [*lines, *cells[:3]]) if m), None)
        if lead is None:
            continue
        for cell in [*lines, *cells]:
            key = _goal_key(cell)
            if len(key.split()) >= MIN_GOAL_WORDS and not _MISSION_LEAD.match(cell):
                found.setdefault(key, int(lead.group(1)))
    return found


def _missions_by_number(items: list) -> list:
    """Goals of one table without a mission get the one mission that the table's linked goals numbered alike
    serve ("1.b" that of "1" and "1.a"; "4.1" that of "4.2": goals are numbered by mission)."""
    by_top: dict[str, set[str]] = {}
    for i in items:
        if i.kind == "goal" and i.parent and i.fields.get("code"):
            by_top.setdefault(i.fields["code"].split(".")[0], set()).add(i.parent)
    out = []
    for i in items:
        served = by_top.get(i.fields.get("code", "").split(".")[0], set()) if i.kind == "goal" else set()
        out.append(replace(i, parent=next(iter(served))) if not i.parent and len(served) == 1 else i)
    return out


def extract_framework(text: str) -> list:
    """Goal, program and indicator items of every framework table in the text, in document order."""
    from ingest.structure import PlanItem

    items = []
    tables = find_tables(text)
    missions = missions_of_goals(text, tables)
    for table in tables:
        seen_goals: set[tuple[str, str]] = set()
        goal_ref = None  # the last goal of the table: the programs below it serve it
        parent = None
        found = []
        for row in framework_rows(table):
            if row.goal and (row.code, row.goal) not in seen_goals:
                seen_goals.add((row.code, row.goal))
                kind = goal_kind(row.goal)
                ref = f"{kind} {row.code}" if row.code else kind
                keep = ("table", "row", "code", "agency", "budget", "budgets") if kind != "goal" else (
                    "table", "row", "code")
                goal_fields = {k: v for k, v in row.fields().items() if k in keep}
                s, e = _span_of(text, row.goal, row.start, row.end)
                mission = missions.get(_goal_key(row.goal)) if kind == "goal" else None
                found.append(PlanItem(kind, None, goal_ref if kind != "goal" else f"mission {mission}" if mission else None,
                                      row.goal, s, e, fields=goal_fields))
                parent = ref
                if kind == "goal":
                    goal_ref = ref
            if row.indicator:
                s, e = _span_of(text, row.indicator, row.start, row.end)
                found.append(PlanItem("indicator", None, parent, row.indicator, s, e, fields=row.fields()))
        items += _missions_by_number(found)
    return items
