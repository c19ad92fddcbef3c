"""What the bot answers over seeds/, one test per kind of question (real index, real model)."""

from __future__ import annotations

import pytest


def quoted(answer) -> str:
    return " ".join(answer.answer.split())


def test_lubuklinggau_priority_programs_are_listed_as_the_source_gives_them(bot):
    answer = bot.ask("What are Lubuklinggau's priority programs?")
    text = quoted(answer)
    assert not answer.abstained and answer.citations[0].region == "Kota Lubuklinggau"
    # the article says "12 program prioritas ... antara lain" and names eleven: eleven, none invented
    programs = [p for p in answer.plan_items if p["kind"] == "program"]
    assert len(programs) == 11 and programs[2]["text"] == "pencegahan korupsi"
    assert "Program 3, Kota Lubuklinggau: “pencegahan korupsi” [1]" in text
    assert "layanan berbasis android" in text


def test_housing_office_missions_come_from_the_agency_document(bot):
    answer = bot.ask("Apa saja misi Dinas Perumahan dan Kawasan Permukiman Kota Metro?")
    missions = [p for p in answer.plan_items if p["kind"] == "agency_mission"]
    assert [m["number"] for m in missions] == [1, 2, 3, 4]
    assert "Misi dinas 2, Kota Metro: “Penyehatan lingkungan perumahan dan permukiman”" in quoted(answer)
    assert all(c.title.startswith("Visi dan Misi Dinas Perumahan") for c in answer.citations[:2])


def test_misi_3_programs_cite_the_misi_3_passage(bot):
    answer = bot.ask("Apa saja program kerja Misi 3 Kota Metro?")
    text = quoted(answer)
    assert "Program 1 (bagian dari Misi 3), Kota Metro: “Revitalisasi Stadion Tejosari” [1]" in text
    assert "Peningkatan infrastruktur penerangan lingkungan" in text
    assert answer.citations[0].section == "MISI > Misi 3"


def test_vision_pillars_are_listed_with_the_vision(bot):
    answer = bot.ask("Sebutkan 4 pokok visi Kota Metro.")
    text = quoted(answer)
    for pillar in ("Kota Metro Berpendidikan", "Kota Metro Sehat", "Kota Metro Sejahtera", "Kota Metro Berbudaya"):
        assert f"“{pillar}”" in text
    assert "4 pokok visi yang akan menjadi inti" in answer.citations[0].text


def test_a_question_about_a_missions_meaning_quotes_the_explanation_too(bot):
    answer = bot.ask("Apa makna misi kelima Kota Bekasi?")
    text = quoted(answer)
    assert "Misi 5, Kota Bekasi" in text
    assert "penanggulangan bencana" in text  # the sentence that says what the mission means


@pytest.mark.parametrize("question, says", [("Apa misi ketujuh Kota Metro?", "memuat 5 misi"),
                                            ("What is mission 9 of Kota Bekasi?", "lists 5 missions")])
def test_a_mission_number_the_plan_does_not_have_is_not_found_with_what_it_has(bot, question, says):
    answer = bot.ask(question)
    assert answer.abstained and not answer.citations
    assert says in answer.answer
    assert bot.ask(question.replace("ketujuh", "kelima").replace("9", "5")).abstained is False


def test_a_list_introduced_inline_is_quoted_whole(bot):
    answer = bot.ask("Sebutkan prinsip Good Governance yang menjadi dasar misi pertama Kota Bekasi.")
    text = quoted(answer)
    for principle in ("(1) Partisipasi Masyarakat;", "(2) Tegaknya supremasi hukum;", "(10) Profesionalisme."):
        assert principle in text


def test_a_list_that_continues_in_the_next_chunk_is_quoted(bot):
    answer = bot.ask("Apa saja faktor penghambat pencapaian visi misi bagi kecamatan di Kota Bekasi?")
    text = quoted(answer)
    assert "Plafon Anggaran SKPD Kecamatan yang terbatas" in text
    assert "Inovasi Manajemen Pelayanan" not in text  # that one is a supporting factor, not an obstacle


def test_which_cities_question_quotes_each_city(bot):
    answer = bot.ask("Which cities have a mission about good governance?")
    quoted_regions = {c.region for c in answer.citations if c.highlights}
    assert {"Kota Metro", "Kota Bekasi"} <= quoted_regions
    assert "Tata Kelola Pemerintahan yang Baik" in quoted(answer)


def test_comparing_visions_names_each_citys_vision(bot):
    answer = bot.ask("Bandingkan visi Kota Metro dan visi Kota Lubuklinggau.")
    text = quoted(answer)
    assert "Berpendidikan, Sehat, Sejahtera" in text and "Metropolis Madani" in text


def test_an_english_question_with_general_words_is_not_refused(bot):
    answer = bot.ask("What does the acronym GEMERLANG stand for?")
    assert not answer.abstained and "Generasi Emas Metro Cemerlang" in quoted(answer)


def test_lowercase_kota_in_a_question_is_no_unknown_place(bot):
    answer = bot.ask("Apakah dinas perumahan Kota Metro punya rencana untuk taman kota dan kuburan?")
    assert not answer.abstained and "taman-taman" in quoted(answer)


@pytest.mark.parametrize("question", [
    "Berapa jumlah penduduk Kota Lubuklinggau?",
    "How many employees work at Metro's housing and settlement office?",
    "Berapa target indeks pembangunan manusia Kota Metro tahun 2026?",
])
def test_counting_questions_abstain_when_no_passage_counts_that_thing(bot, question):
    answer = bot.ask(question)
    assert answer.abstained and answer.citations == []


def test_counting_question_is_answered_when_the_count_is_there(bot):
    answer = bot.ask("How many good governance principles does Bekasi's first mission rest on?")
    assert not answer.abstained and "10 (sepuluh) prinsip Good Governance" in quoted(answer)


def test_a_question_naming_a_plan_type_is_answered_from_that_plan(bot):
    """Regression: "visi ... dalam RPJMD" was answered from whichever document quoted the vision first; the
    plan type the question names now decides which document's passages come first (a preference, not a
    filter: other documents' passages follow when the named one has too few)."""
    from bot.question import read_question

    assert bot.documents_named(read_question("Apa visi Kota Metro dalam RPJMD 2021-2026?")) == {
        "000_17d2c2306983f87c.txt"}
    assert bot.documents_named(read_question("Apa visi Kota Metro?")) is None
    answer = bot.ask("Apa misi Kota Metro dalam RPJMD?")
    assert not answer.abstained
    assert answer.citations[0].doc_id == "000_17d2c2306983f87c.txt"
    renstra = bot.ask("Apa misi dalam Renstra Dinas Perumahan dan Kawasan Permukiman Kota Metro?")
    assert renstra.citations[0].doc_id in {"002_6c3c559c2f5a9bed.txt", "003_68827eb2284742d1.txt"}


def test_calibrated_decision_answers_and_refuses_with_its_probability(seeds_home, embedder):
    """PLANBOT_ABSTENTION=calibrated: the logistic model fitted by evals/fit_abstention.py decides, and the
    answer carries the signals it read and its probability."""
    from bot.service import Planbot
    from planbot.settings import Settings

    bot = Planbot(Settings(home=seeds_home, abstention="calibrated"), embedder)
    kept = bot.ask("Apa visi Kota Bekasi?")
    assert not kept.abstained and kept.confidence > bot.decider.threshold
    refused = bot.ask("How do I bake bread?")
    assert refused.abstained and refused.confidence < bot.decider.threshold
    assert refused.signals and set(refused.signals) >= {"dense_top", "lex_piece", "rule_question"}


def test_when_a_named_regulation_was_enacted_is_read_from_its_closing_formula(dki_clean, embedder):
    """Over real Perda texts: the date (and signer, when asked) from the closing formula of the regulation the
    question names, cited, in either language; a regulation the corpus does not hold is not answered so."""
    from bot.service import Planbot
    from planbot.settings import Settings

    bot = Planbot(Settings(home=dki_clean[0]), embedder)
    revised = bot.ask("Kapan Perda tentang perubahan APBD 2025 ditetapkan?")
    assert revised.short_answer == "22 September 2025 [1]" and not revised.abstained
    assert revised.citations[0].doc_id == "PERDA_NO.3_TAHUN_2025.md" and "Ditetapkan di Jakarta" in revised.citations[0].text
    plan = bot.ask("When was the regulation on the 2025-2029 medium-term development plan promulgated, and who signed it?")
    assert plan.short_answer.startswith("29 Agustus 2025, Marullah Matali [")
    other = bot.ask("Kapan RPJPD 2025-2045 ditetapkan?")  # no RPJPD here: not the date of another Perda
    assert not (other.short_answer or "").startswith(("22 September 2025", "29 Agustus 2025")), other.answer
