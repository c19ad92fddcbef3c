"""Plan structure end to end: extracted at ingest, listed by `planbot plan`, used by answers."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys

from tests.conftest import cli_env


def plan(home, *args):
    proc = subprocess.run([sys.executable, "-m", "bot", "plan", *args], env=cli_env(home), capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def test_plan_lists_metro_misi_3_programs_as_json_and_csv(seeds_home):
    rows = json.loads(plan(seeds_home, "--region", "Kota Metro", "--kind", "program", "--json"))
    assert [r["text"] for r in rows][:1] == ["Revitalisasi Stadion Tejosari"]
    assert len(rows) == 6 and all(r["parent"] == "mission 3" for r in rows)
    table = list(csv.DictReader(io.StringIO(plan(seeds_home, "--search", "Sanitasi Total", "--csv"))))
    assert len(table) == 1 and table[0]["kind"] == "commitment" and table[0]["number"] == "5"


def test_sanitation_answer_names_misi_3_and_its_commitment(bot):
    answer = bot.ask("which mission covers sanitation?")
    assert not answer.abstained
    assert "Commitment 5 (under Mission 3)" in answer.answer and "Mission 3, Kota Metro" in answer.answer
    assert "Mengembangkan Sanitasi Total Berbasis Masyarakat" in answer.answer
    first = answer.citations[0]
    assert "Sanitasi Total Berbasis Masyarakat" in first.text and first.section == "MISI > Misi 3"


def test_numbered_mission_question_is_answered_from_the_structure(bot):
    answer = bot.ask("Apa misi kelima Kota Bekasi?")
    assert "Misi 5" in answer.answer and "Mewujudkan Kehidupan Masyarakat yang anam" in answer.answer
    assert answer.citations[0].region == "Kota Bekasi"
    assert answer.plan_items[0]["kind"] == "mission" and answer.plan_items[0]["number"] == 5
