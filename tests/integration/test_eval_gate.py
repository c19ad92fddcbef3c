"""The eval over evals/qa.jsonl and seeds/ is a CI gate: no metric may fall below evals/thresholds.toml."""

from __future__ import annotations

import json
import subprocess
import sys

from evals.harness import check_thresholds, evaluate
from tests.conftest import ROOT, cli_env

DATASET = ROOT / "evals" / "qa.jsonl"
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
    assert lines[1] == {"id": "a2", "lang": "id", "question": "Berapa anggaran?", "answerable": False, "evidence": [], "answer_keywords": []}
