"""The DKI Jakarta development set (evals/sets/dki.jsonl) checked against the documents it was written from.

The shape checks run everywhere; the checks against ../shared/corpus/dki_jakarta skip when that folder is absent.
Evidence and keywords are matched the way evals.metrics matches them (normalize_for_match on both sides, then a
substring test), on the raw file and on the text ingest keeps after cleaning, so a string that no passage could
ever contain fails here. Each document is normalised once (relevant() would redo it for every string).
"""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path

import pytest

from evals.dataset import load_dataset
from evals.metrics import keyword_recall, relevant
from ingest.cleaning import clean_text, normalize_for_match

ROOT = Path(__file__).resolve().parents[2]
SET = ROOT / "evals" / "sets" / "dki.jsonl"
CORPUS = ROOT.parent / "shared" / "corpus" / "dki_jakarta"
DOCS = (
    "RPJMD_2025-2029.md", "RPJPD_2025-2045.md", "RKPD_2025.md", "PERDA_NO.1_TAHUN_2025.md",
    "PERDA_NO.2_TAHUN_2025.md", "PERDA_NO.3_TAHUN_2025.md", "basis_pengetahuan_bappeda_dki_jakarta.md",
)
ANSWERABLE_KINDS = {"number", "table", "date", "name", "list", "explain", "plan_item"}
UNANSWERABLE_KINDS = {"out_of_scope", "personal", "projection", "manipulative", "false_premise"}
MAX_OCCURRENCES = 6  # an evidence string that many passages contain says nothing about retrieval

needs_corpus = pytest.mark.skipif(not CORPUS.is_dir(), reason="shared corpus not present (../shared/corpus/dki_jakarta)")


@pytest.fixture(scope="module")
def rows() -> list[dict]:
    return [json.loads(line) for line in SET.read_text(encoding="utf-8").splitlines() if line.strip()]


@pytest.fixture(scope="module")
def docs() -> dict[str, tuple[str, str]]:
    """Each document's raw text and the text ingest keeps after cleaning, both normalised for matching."""
    texts = {name: (CORPUS / name).read_text(encoding="utf-8") for name in DOCS}
    return {name: (normalize_for_match(text), normalize_for_match(clean_text(text))) for name, text in texts.items()}


def found(needle: str, normalised_text: str) -> bool:
    """evals.metrics.relevant / keyword_recall for one string, on a text normalised beforehand."""
    return normalize_for_match(needle) in normalised_text


def test_matching_here_is_the_metrics_matching():
    text = "Target **Prevalensi  Stunting**\npada 2027: 14,2 persen"
    for needle in ("prevalensi stunting pada 2027", "14,2", "PREVALENSI_STUNTING", "15,8"):
        assert found(needle, normalize_for_match(text)) == relevant(text, [needle]) == (keyword_recall(text, [needle]) == 1)


def test_the_eval_loader_reads_the_set_with_its_kinds_and_documents(rows):
    items = load_dataset(SET)
    assert len(items) == len(rows) >= 80
    assert {i.id for i in items} == {r["id"] for r in rows}
    by_id = {i.id: i for i in items}
    for r in rows:
        assert by_id[r["id"]].kind == r["kind"]
        assert by_id[r["id"]].docs == ((r["doc"],) if r["doc"] else ())


def test_counts_languages_and_kinds(rows):
    ids = Counter(r["id"] for r in rows)
    assert not [i for i, n in ids.items() if n > 1], "duplicate ids"
    assert all(re.fullmatch(r"dki-[a-z0-9-]+-(id|en)", r["id"]) and r["id"].endswith(r["lang"]) for r in rows)
    langs = Counter(r["lang"] for r in rows)
    assert set(langs) == {"id", "en"}
    assert 0.25 <= langs["en"] / len(rows) <= 0.45, f"English share {langs['en']}/{len(rows)}"
    unanswerable = [r for r in rows if not r["answerable"]]
    assert len(unanswerable) >= 20
    assert {r["lang"] for r in unanswerable} == {"id", "en"}
    kinds = Counter(r["kind"] for r in rows)
    assert set(kinds) <= ANSWERABLE_KINDS | UNANSWERABLE_KINDS, set(kinds) - ANSWERABLE_KINDS - UNANSWERABLE_KINDS
    assert set(kinds) >= UNANSWERABLE_KINDS | ANSWERABLE_KINDS, "every kind has questions"
    assert kinds["table"] >= 15
    for r in rows:
        assert (r["kind"] in ANSWERABLE_KINDS) == r["answerable"], r["id"]


def test_each_question_is_well_formed_and_every_document_is_asked_about(rows):
    for r in rows:
        if not r["answerable"]:
            assert r["doc"] is None and r["evidence"] == [] and r["answer_keywords"] == [], r["id"]
            continue
        assert r["doc"] in DOCS, r["id"]
        assert 1 <= len(r["evidence"]) <= 3 and 1 <= len(r["answer_keywords"]) <= 4, r["id"]
        for e in r["evidence"]:
            assert 10 <= len(e) <= 120 and "<" not in e and ">" not in e, (r["id"], e)
        assert all(k.strip() for k in r["answer_keywords"]), r["id"]
    per_doc = Counter(r["doc"] for r in rows if r["answerable"])
    assert set(per_doc) == set(DOCS)
    assert per_doc["RPJMD_2025-2029.md"] >= 20 and per_doc["RKPD_2025.md"] >= 20


@needs_corpus
def test_every_evidence_string_is_verbatim_in_its_document(rows, docs):
    missing = [
        (r["id"], e, which)
        for r in rows if r["answerable"]
        for e in r["evidence"]
        for which, text in zip(("raw", "cleaned"), docs[r["doc"]], strict=True)
        if not found(e, text)
    ]
    assert not missing, "evidence not found in its document: " + "; ".join(map(str, missing))


@needs_corpus
def test_every_answer_keyword_is_in_its_document(rows, docs):
    missing = [
        (r["id"], k)
        for r in rows if r["answerable"]
        for k in r["answer_keywords"]
        if not found(k, docs[r["doc"]][1])
    ]
    assert not missing, "answer keywords not found in their document: " + "; ".join(map(str, missing))


@needs_corpus
def test_evidence_strings_are_specific(rows, docs):
    corpus = [raw for raw, _ in docs.values()]
    common = []
    for r in rows:
        for e in r["evidence"]:
            n = sum(text.count(normalize_for_match(e)) for text in corpus)
            if n > MAX_OCCURRENCES:
                common.append((r["id"], e, n))
    assert not common, f"evidence found more than {MAX_OCCURRENCES} times in the corpus: {common}"


def test_questions_are_not_copied_into_the_code_or_word_lists(rows):
    """The set measures the pipeline; no question, and no long evidence string, may live in its sources."""
    long_strings = [r["question"] for r in rows] + [e for r in rows for e in r["evidence"] if len(e) >= 30]
    needles = {normalize_for_match(s) for s in long_strings}
    copied = []
    for folder in ("planbot", "bot", "index", "ingest"):
        for path in (ROOT / folder).rglob("*"):
            if path.suffix not in {".py", ".toml", ".txt", ".json", ".yaml", ".yml"} or not path.is_file():
                continue
            text = normalize_for_match(path.read_text(encoding="utf-8", errors="ignore"))
            copied += [(str(path.relative_to(ROOT)), s) for s in needles if s in text]
    assert not copied, f"questions or evidence copied into the sources: {copied}"
