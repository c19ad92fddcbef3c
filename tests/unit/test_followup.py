"""The rule-based rewrite of follow-up questions in a chat (no model: plain rules over the history)."""

from __future__ import annotations

import pytest

from bot.web.followup import history_questions, is_followup, rewrite

REGIONS = ("Kota Metro", "Kota Bekasi", "Kota Lubuklinggau")


def test_programs_of_the_mission_asked_before():
    r = rewrite("Dan program kerjanya?", ["Apa misi ketiga Kota Metro?"], REGIONS)
    assert r.question == "program kerja Misi 3 Kota Metro?"
    assert r.carried_region == "Kota Metro" and r.carried_subject == "Misi 3" and r.changed


def test_a_chain_of_follow_ups_keeps_the_context():
    first = rewrite("Dan program kerjanya?", ["Apa misi ketiga Kota Metro?"], REGIONS).question
    r = rewrite("Lalu komitmennya?", ["Apa misi ketiga Kota Metro?", first], REGIONS)
    assert r.question == "komitmen Misi 3 Kota Metro?"


def test_english_follow_up():
    r = rewrite("What about its programs?", ["What is the third mission of Kota Metro?"], REGIONS)
    assert r.question == "programs of mission 3 of Kota Metro?"


def test_what_about_another_region_repeats_the_last_question_there():
    assert rewrite("Bagaimana dengan Kota Bekasi?", ["Apa visi Kota Metro?"], REGIONS).question == "Apa visi Kota Bekasi?"
    assert rewrite("What about Bekasi?", ["What is the vision of Kota Metro?"], REGIONS).question == (
        "What is the vision of Kota Bekasi?")


def test_short_question_without_region_gets_the_last_region():
    assert rewrite("Misi keempat?", ["Apa misi ketiga Kota Metro?"], REGIONS).question == "Misi keempat Kota Metro?"
    assert rewrite("Apa visi?", ["Apa misi ketiga Kota Metro?"], REGIONS).question == "Apa visi Kota Metro?"


def test_a_region_filter_wins_over_the_conversation():
    r = rewrite("Apa visi?", ["Apa misi ketiga Kota Metro?"], REGIONS, region_filter="Kota Bekasi")
    assert r.question == "Apa visi?" and not r.changed


@pytest.mark.parametrize("question", [
    "Which mission covers sanitation?",
    "Apa saja program kerja Misi 3 Kota Metro?",
    "Apa visi Kota Bekasi?",
    "What are Lubuklinggau's priority programs?",
])
def test_standalone_questions_pass_unchanged(question):
    assert rewrite(question, ["Apa misi ketiga Kota Metro?"], REGIONS).question == question
    assert not is_followup(question, REGIONS)


def test_no_history_no_rewrite():
    assert rewrite("Dan program kerjanya?", [], REGIONS).question == "Dan program kerjanya?"


def test_history_as_strings_or_turns():
    turns = [{"role": "user", "content": " Apa  misi ketiga Kota Metro? "}, {"role": "assistant", "content": "Misi 3"},
             "Dan program kerjanya?", {"content": "tanpa peran"}, {"role": "user", "content": ""}]
    assert history_questions(turns) == ["Apa misi ketiga Kota Metro?", "Dan program kerjanya?", "tanpa peran"]
    assert rewrite("Dan program kerjanya?", turns[:2], REGIONS).question == "program kerja Misi 3 Kota Metro?"


def test_words_that_merely_end_in_nya_are_not_possessives():
    # "hanya" (only) is not "han" + "-nya"; a full question with a region is no follow-up
    assert rewrite("Apakah hanya Kota Bekasi punya visi Ihsan?", ["Apa misi ketiga Kota Metro?"], REGIONS).question == (
        "Apakah hanya Kota Bekasi punya visi Ihsan?")
