"""The eval over evals/qa.jsonl and seeds/ is a CI gate: no metric may fall below evals/thresholds.toml.

The suite (evals/suite.toml) runs its fast profile here too: every set beside the naive baselines.
"""

from __future__ import annotations

import json
import subprocess
import sys

from evals.harness import check_thresholds, evaluate
from tests.conftest import ROOT, SHARED, cli_env

DATASET = ROOT / "evals" / "qa.jsonl"
SUITE = ROOT / "evals" / "suite.toml"
THRESHOLDS = ROOT / "evals" / "thresholds.toml"


def test_eval_meets_thresholds(bot):
    run = evaluate(bot, DATASET, compare=False, progress=False)
    misses = check_thresholds(run.metrics["all"], THRESHOLDS)
    assert not misses, f"eval fell below evals/thresholds.toml: {misses}\nfailures: {run.failures[:10]}"
    assert run.metrics["all"]["questions"] >= 80 and {"id", "en"} <= set(run.metrics)


def test_eval_cli_writes_records_report_and_plot(seeds_home, tmp_path):
    out, report = tmp_path / "results.jsonl", tmp_path / "report.md"
    proc = subprocess.run(
        [sys.executable, "-m", "bot", "eval", "--dataset", str(DATASET), "--output", str(out), "--report", str(report),
         "--thresholds", str(THRESHOLDS), "--json"],
        env=cli_env(seeds_home), capture_output=True, text=True, timeout=600,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    metrics = json.loads(proc.stdout)
    assert set(metrics["by_retriever"]) == {"hybrid", "dense", "lexical"}
    records = [json.loads(line) for line in out.read_text().splitlines()]
    assert len(records) == len(DATASET.read_text().splitlines())
    assert {"id", "question", "answer", "abstained", "language", "citations", "latency_ms"} <= set(records[0])
    text = report.read_text()
    assert "| hit@3 |" in text and "## Failures" in text and "dense" in text and "lexical" in text
    assert report.with_suffix(".png").stat().st_size > 5000


def test_squad_converter_makes_a_corpus_and_questions(tmp_path):
    squad = {"data": [{"title": "Kota Contoh", "paragraphs": [{
        "context": "Visi Kota Contoh adalah Kota Contoh yang Hijau dan Sejahtera bagi semua warga.",
        "qas": [
            {"id": "a1", "question": "Apa visi Kota Contoh?", "is_impossible": False,
             "answers": [{"text": "Kota Contoh yang Hijau", "answer_start": 24}]},
            {"id": "a2", "question": "Berapa anggaran?", "is_impossible": True, "answers": []},
        ]}]}]}
    src = tmp_path / "squad.json"
    src.write_text(json.dumps(squad))
    from evals.squad import convert_squad

    corpus, qa, n = convert_squad(src, tmp_path / "out", "id")
    lines = [json.loads(x) for x in qa.read_text().splitlines()]
    assert n == 2 and (corpus / "kota-contoh.txt").exists()
    assert lines[0]["evidence"] == ["Visi Kota Contoh adalah Kota Contoh yang Hijau dan Sejahtera bagi semua"]
    assert lines[0]["answerable"] and lines[0]["answer_keywords"] == ["Kota Contoh yang Hijau"]
    assert lines[1] == {"id": "a2", "lang": "id", "question": "Berapa anggaran?", "answerable": False, "evidence": [],
                        "answer_keywords": [], "kind": "number"}


TINY_DEVSET = [
    {"context": "Herpetologi adalah cabang zoologi yang mempelajari reptil. Reptil berdarah dingin dan bersisik.",
     "qas": [{"id": "h1", "question": "Apa nama ilmu yang mempelajari reptil?", "is_impossible": False,
              "answers": [{"text": "Herpetologi", "answer_start": 0}]},
             {"id": "h1-unans", "question": "Siapa penemu herpetologi?", "is_impossible": True, "answers": []}]},
    {"context": "Candi Borobudur terletak di Magelang, Jawa Tengah. Candi ini dibangun pada abad ke-9.",
     "qas": [{"id": "b1", "question": "Di mana letak Candi Borobudur?", "is_impossible": False,
              "answers": [{"text": "Magelang, Jawa Tengah", "answer_start": 28}]}]},
]


def test_suite_indexes_each_corpus_once_and_reports_every_retriever(tmp_path):
    """A second `planbot eval --suite` run reuses the cached index: nothing is embedded or written again."""
    (tmp_path / "dev.json").write_text(json.dumps(TINY_DEVSET), encoding="utf-8")
    suite = tmp_path / "suite.toml"
    suite.write_text('[[set]]\nname = "tiny"\ndevset = "dev.json"\n\n'
                     '[[set]]\nname = "absent"\nquestions = "sets/absent.jsonl"\ncorpus = "docs"\n', encoding="utf-8")
    cache, out = tmp_path / "cache", tmp_path / "run.json"

    def run():
        proc = subprocess.run(
            [sys.executable, "-m", "bot", "eval", "--suite", str(suite), "--cache", str(cache), "--output", str(out)],
            env=cli_env(tmp_path / "home"), capture_output=True, text=True, timeout=600,
        )
        assert proc.returncode == 0, proc.stderr[-2000:]
        return proc, json.loads(out.read_text(encoding="utf-8"))

    proc, first = run()
    tiny, absent = first["sets"]
    assert absent["status"] == "skipped" and "absent.jsonl not found" in absent["reason"]
    assert "| absent | skipped:" in proc.stdout
    assert not tiny["cache"]["hit"] and tiny["cache"]["ingest"]["chunks_embedded"] == 2
    assert tiny["questions"] == 3 and tiny["evidence_reachable"] == 1.0
    for retriever in ("planbot", "bm25", "dense"):
        assert f"| tiny | all | {'**planbot**' if retriever == 'planbot' else retriever} | 3 |" in proc.stdout
        assert set(tiny["figures"][retriever]) == {"all", "kind:other", "kind:name", "kind:place"}  # one language
    assert len(tiny["records"]) == 9 and {r["retriever"] for r in tiny["records"]} == {"planbot", "bm25", "dense"}
    for baseline in ("bm25", "dense"):  # naive: never refuse, the right passage first on this tiny corpus
        m = tiny["figures"][baseline]["all"]
        assert m["hit@1"] == 1.0 and m["answerable_wrongly_abstained"] == m["unanswerable_abstained"] == 0.0
    homes = sorted(cache.glob("tiny-*"))
    assert len(homes) == 1 and homes[0].name.endswith(tiny["cache"]["key"][:16])

    proc, second = run()
    assert second["sets"][0]["cache"] == {**tiny["cache"], "hit": True, "seconds": 0.0, "ingest": {}}
    assert "index reused" in proc.stdout and "index reused" in proc.stderr
    assert sorted(cache.glob("tiny-*")) == homes and second["sets"][0]["chunks"] == tiny["chunks"]
    for retriever in ("planbot", "bm25", "dense"):
        assert ({k: v for k, v in second["sets"][0]["figures"][retriever]["all"].items() if "latency" not in k}
                == {k: v for k, v in tiny["figures"][retriever]["all"].items() if "latency" not in k})


def test_fast_suite_runs_every_set_beside_the_naive_baselines(embedder, tmp_path):
    """The CI profile of evals/suite.toml: seeds, TyDiQA-id and IDK-MRC subsets, DKI documents when present; the
    DKI table set (fast = false) is skipped."""
    from evals.suite import format_table, run_suite
    from planbot.settings import Settings

    run = run_suite(SUITE, profile="fast", settings=Settings(home=tmp_path / "home"), embedder=embedder,
                    cache_root=tmp_path / "cache", progress=False, log=lambda _: None)
    table = format_table(run)
    sets = {s["name"]: s for s in run.sets}
    assert list(sets) == ["seeds", "tydiqa", "idkmrc", "dki", "dki_tables"]
    assert sets["dki_tables"]["status"] == "skipped" and "fast" in sets["dki_tables"]["reason"]  # full profile only
    assert sets["seeds"]["status"] == "ran" and sets["seeds"]["questions"] >= 80
    if not (SHARED / "devsets").is_dir():
        return
    assert sets["tydiqa"]["questions"] == sets["idkmrc"]["questions"] == 100
    assert sets["tydiqa"]["unanswerable"] == 0 and 30 <= sets["idkmrc"]["unanswerable"] <= 70
    expected_dki = (ROOT / "evals" / "sets" / "dki.jsonl").is_file() and (SHARED / "corpus" / "dki_jakarta").is_dir()
    assert sets["dki"]["status"] == ("ran" if expected_dki else "skipped"), sets["dki"].get("reason")
    for s in run.sets:
        if s["status"] != "ran":
            continue
        assert len(s["records"]) == 3 * s["questions"]
        for baseline in ("bm25", "dense"):  # the naive pipelines never refuse
            m = s["figures"][baseline]["all"]
            assert m["answerable_wrongly_abstained"] == 0.0 and m["unanswerable_abstained"] == 0.0
        assert f"| {s['name']} | all | **planbot** |" in table
    for name in ("tydiqa", "idkmrc"):  # every answer's sentence survives ingest whole: hit@k can reach 1
        assert sets[name]["evidence_reachable"] == 1.0
        for baseline in ("bm25", "dense"):  # the index itself is sound: the naive retrievers find the passage
            assert sets[name]["figures"][baseline]["all"]["hit@5"] >= 0.9, (name, baseline)


def test_a_cache_build_seeded_from_an_older_one_reads_every_file_again_and_embeds_nothing(tmp_path, seeds_corpus,
                                                                                          embedder):
    """An eval index copied from a build made by other ingest code (evals.cache) must hold what this code makes
    of the files, not the copy's chunks: a new version salt re-reads and re-chunks every file, and chunks whose
    text is unchanged keep their vectors."""
    from index.indexer import Indexer
    from planbot.settings import Settings

    settings = Settings(home=tmp_path / "home", collection="eval")
    first = Indexer(settings, embedder).ingest([seeds_corpus], progress=False)
    indexer = Indexer(settings, embedder, version_salt="new-code")
    again = indexer.ingest([seeds_corpus], progress=False)
    assert sorted(again.updated) == sorted(first.new) and not again.unchanged
    assert again.tokens_embedded == 0 and again.chunks_embedded == 0 and again.chunks_reused > 0
    assert indexer.store.count() == indexer.manifest.chunk_count()  # the old versions' rows are gone
    assert Indexer(settings, embedder, version_salt="new-code").ingest([seeds_corpus], progress=False).unchanged
