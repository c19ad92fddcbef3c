"""The DKI table set (evals/sets/dki_tables.jsonl) checked against the documents it was written from.

As in test_dki_set.py: shape checks everywhere, checks against ../shared/corpus/dki_jakarta skip when it is absent.
A table question's evidence is the label cell of the row that answers it; its answer_figure must stand in a cell
of a row that holds that label, so the figure metric asks for what the row says.
"""

from __future__ import annotations

import html
import json
import re
from collections import Counter
from pathlib import Path

import pytest

from evals.dataset import load_dataset
from evals.metrics import figure_in
from ingest.cleaning import clean_text, normalize_for_match

ROOT = Path(__file__).resolve().parents[2]
SET = ROOT / "evals" / "sets" / "dki_tables.jsonl"
CORPUS = ROOT.parent / "shared" / "corpus" / "dki_jakarta"
DOCS = ("RPJMD_2025-2029.md", "RPJPD_2025-2045.md", "RKPD_2025.md")
FIGURE_KINDS = {"table_target", "table_baseline", "table_budget"}  # the answer is a figure of the row
WORD_KINDS = {"table_unit", "table_indicator", "table_agency"}  # the answer is a cell's words
UNANSWERABLE_KINDS = {"out_of_scope", "projection", "false_premise"}
MAX_OCCURRENCES = 6

needs_corpus = pytest.mark.skipif(not CORPUS.is_dir(), reason="shared corpus not present (../shared/corpus/dki_jakarta)")


@pytest.fixture(scope="module")
def rows() -> list[dict]:
    return [json.loads(line) for line in SET.read_text(encoding="utf-8").splitlines() if line.strip()]


@pytest.fixture(scope="module")
def docs() -> dict[str, tuple[str, str, list[list[str]]]]:
    """Each document normalised raw and after cleaning, and its HTML table rows as lists of normalised cells."""
    out = {}
    for name in DOCS:
        text = (CORPUS / name).read_text(encoding="utf-8")
        rows = [[normalize_for_match(html.unescape(re.sub(r"<[^>]+>", " ", cell)))
                 for cell in re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", tr, flags=re.DOTALL)]
                for tr in re.findall(r"<tr>(.*?)</tr>", text, flags=re.DOTALL)]
        out[name] = (normalize_for_match(text), normalize_for_match(clean_text(text)), rows)
    return out


def test_the_loader_reads_kinds_documents_and_figures(rows):
    items = {i.id: i for i in load_dataset(SET)}
    assert len(items) == len(rows) >= 48
    for r in rows:
        assert items[r["id"]].kind == r["kind"] and items[r["id"]].figure == r.get("answer_figure"), r["id"]


def test_counts_languages_and_kinds(rows):
    assert all(re.fullmatch(r"dki-tables-[a-z0-9-]+-(id|en)", r["id"]) and r["id"].endswith(r["lang"]) for r in rows)
    langs = Counter(r["lang"] for r in rows)
    assert 0.30 <= langs["en"] / len(rows) <= 0.45, f"English share {langs['en']}/{len(rows)}"
    kinds = Counter(r["kind"] for r in rows)
    assert set(kinds) == FIGURE_KINDS | WORD_KINDS | UNANSWERABLE_KINDS, kinds
    assert all(kinds[k] >= 4 for k in FIGURE_KINDS | WORD_KINDS), kinds
    unanswerable = [r for r in rows if not r["answerable"]]
    assert len(unanswerable) >= 10 and {r["lang"] for r in unanswerable} == {"id", "en"}
    for r in rows:
        assert (r["kind"] in UNANSWERABLE_KINDS) != r["answerable"], r["id"]


def test_each_question_is_well_formed(rows):
    for r in rows:
        if not r["answerable"]:
            assert r["doc"] is None and r["evidence"] == [] and r["answer_keywords"] == [], r["id"]
            assert "answer_figure" not in r, r["id"]
            continue
        assert r["doc"] in DOCS and 1 <= len(r["evidence"]) <= 3 and 1 <= len(r["answer_keywords"]) <= 4, r["id"]
        assert all(10 <= len(e) <= 120 and "<" not in e and ">" not in e for e in r["evidence"]), r["id"]
        if r["kind"] in FIGURE_KINDS:  # the figure is the keyword, and the metric finds it where it stands
            assert r["answer_keywords"] == [r["answer_figure"]], r["id"]
            assert figure_in(f"Target: {r['answer_figure']} [1].", r["answer_figure"]), r["id"]
        else:
            assert "answer_figure" not in r, r["id"]


@needs_corpus
def test_evidence_is_verbatim_and_specific(rows, docs):
    problems = []
    for r in (r for r in rows if r["answerable"]):
        for e in r["evidence"]:
            needle = normalize_for_match(e)
            if needle not in docs[r["doc"]][0] or needle not in docs[r["doc"]][1]:
                problems.append((r["id"], e, "not in its document, raw and cleaned"))
            n = sum(raw.count(needle) for raw, _, _ in docs.values())
            if n > MAX_OCCURRENCES:
                problems.append((r["id"], e, f"{n} times in the corpus"))
    assert not problems, problems


@needs_corpus
def test_the_answer_stands_in_a_row_that_holds_the_evidence(rows, docs):
    """The label cell and the figure (or the unit, indicator or agency words) are cells of one table row."""
    missing = []
    for r in (r for r in rows if r["answerable"]):
        wanted = normalize_for_match(r.get("answer_figure") or r["answer_keywords"][0])
        labels = [normalize_for_match(e) for e in r["evidence"]]
        if not any(any(lb in c for lb in labels for c in cells) and any(wanted in c for c in cells)
                   for cells in docs[r["doc"]][2]):
            missing.append((r["id"], wanted))
    assert not missing, f"no row holds both the evidence and the answer: {missing}"


def test_questions_are_not_copied_into_the_code_or_word_lists(rows):
    needles = {normalize_for_match(s) for s in [r["question"] for r in rows]
               + [e for r in rows for e in r["evidence"] if len(e) >= 30]}
    copied = []
    for folder in ("planbot", "bot", "index", "ingest"):
        for path in (ROOT / folder).rglob("*"):
            if path.suffix in {".py", ".toml", ".txt", ".json", ".yaml", ".yml", ".tsv"} and path.is_file():
                text = normalize_for_match(path.read_text(encoding="utf-8", errors="ignore"))
                copied += [(str(path.relative_to(ROOT)), s) for s in needles if s in text]
    assert not copied, f"questions or evidence copied into the sources: {copied}"
