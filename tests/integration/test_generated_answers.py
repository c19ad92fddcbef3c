"""Generated answers (PLANBOT_LLM) against a scripted OpenAI-compatible chat service on a real socket.

No model runs on this machine, so tests.scripted_llm plays one: a real HTTP server speaking the chat
protocol (plain and streamed), its replies scripted per test. The service, the passages and the check are real.
"""

from __future__ import annotations

import time
from itertools import pairwise

import pytest

from bot.service import Planbot
from planbot.settings import Settings
from tests.chat_server import free_port
from tests.scripted_llm import MODEL, VISION


@pytest.fixture(scope="module")
def llm_bot(seeds_home, embedder, llm) -> Planbot:
    return Planbot(Settings(home=seeds_home, llm=f"openai:{llm.url}", llm_timeout=2, llm_retries=0), embedder)


@pytest.fixture(autouse=True)
def _fresh(llm):
    llm.requests.clear()
    llm.reply("Tidak ada jawaban.")
    llm.piece_chars, llm.piece_delay_s = 7, 0.01


def test_a_faithful_answer_is_kept_with_the_prompt_the_model_got(llm, llm_bot):
    llm.reply(VISION)
    answer = llm_bot.ask("Apa visi Kota Bekasi?")
    assert answer.answer == VISION and not answer.abstained
    assert answer.generated == VISION and answer.llm_model == MODEL  # the first model /v1/models lists
    assert [(c["citations"], c["kept"]) for c in answer.checked] == [([1], True)]
    assert "Bekasi Maju, Sejahtera dan Ihsan" in answer.extractive and answer.extractive != answer.answer
    body = llm.requests[-1]
    assert body["model"] == MODEL and body["stream"] is True
    system, user = body["messages"][0]["content"], body["messages"][1]["content"]
    assert "bahasa Indonesia" in system and "[1]" in system and "katakan demikian" in system
    assert answer.citations[0].text.split()[0] in system and "[2] " in system  # the numbered passages
    assert user == "Apa visi Kota Bekasi?"
    d = answer.as_dict()
    assert d["dropped"] == 0 and d["checked"][0]["kept"] and d["generated"] == VISION


def test_a_sentence_with_an_invented_figure_is_dropped_and_counted(llm, llm_bot):
    llm.reply(f"{VISION} Visi ini didukung anggaran Rp 750 miliar per tahun [1].")
    answer = llm_bot.ask("Apa visi Kota Bekasi?")
    assert answer.answer == VISION
    kept, dropped = answer.checked
    assert kept["kept"] and not dropped["kept"] and "750" in dropped["why"]
    assert answer.as_dict()["dropped"] == 1


def test_a_citation_to_a_passage_that_does_not_exist_is_dropped(llm, llm_bot):
    llm.reply(f"{VISION} Bekasi Maju menggambarkan kota yang dinamis, inovatif dan kreatif [9].")
    answer = llm_bot.ask("Apa visi Kota Bekasi?")
    assert answer.answer == VISION
    assert answer.checked[1]["citations"] == [9] and "[9], which does not exist" in answer.checked[1]["why"]


def test_an_english_question_is_answered_in_english(llm, llm_bot):
    reply = "The vision of Kota Bekasi for 2013–2018 is “Bekasi Maju, Sejahtera dan Ihsan” [1]."
    llm.reply(lambda messages: reply if "Answer in English" in messages[0]["content"] else VISION)
    answer = llm_bot.ask("What is the vision of Kota Bekasi?")
    assert answer.language == "en" and answer.answer == reply
    assert llm.requests[-1]["messages"][1]["content"] == "What is the vision of Kota Bekasi?"


def test_a_followup_sends_both_the_question_asked_and_the_rewritten_one(llm, llm_bot):
    llm.reply(VISION)
    llm_bot.ask("Apa visi Kota Bekasi?", asked_as="Bagaimana dengan Kota Bekasi?")
    user = llm.requests[-1]["messages"][1]["content"]
    assert "Bagaimana dengan Kota Bekasi?" in user and "Apa visi Kota Bekasi?" in user


def test_nothing_supported_gives_the_extractive_answer_with_a_note(llm, llm_bot):
    llm.reply("Kota Bekasi akan membangun bandara internasional baru [1]. Semua warga mendapat rumah gratis.")
    answer = llm_bot.ask("Apa visi Kota Bekasi?")
    assert not any(c["kept"] for c in answer.checked)
    assert answer.answer.startswith(answer.extractive) and "tidak didukung kutipan" in answer.answer


def test_a_not_found_decision_is_never_sent_to_the_model(llm, llm_bot):
    llm.reply("Jumlah penduduk Kota Metro adalah 170.000 jiwa [1].")
    answer = llm_bot.ask("Berapa jumlah penduduk Kota Metro?")
    assert answer.abstained and not llm.requests and answer.generated is None
    assert "generated" not in answer.as_dict()


def test_streaming_that_arrives_in_pieces_is_joined(llm, llm_bot):
    llm.piece_chars, llm.piece_delay_s = 3, 0.02  # ~30 chunks, each flushed on its own
    llm.reply(VISION)
    answer = llm_bot.ask("Apa visi Kota Bekasi?")
    assert answer.answer == VISION and llm.requests[-1]["stream"] is True


def test_a_plain_request_when_streaming_is_off(seeds_home, embedder, llm):
    bot = Planbot(Settings(home=seeds_home, llm=f"openai:{llm.url}", llm_stream=False, llm_model="other-model"),
                  embedder)
    llm.reply(VISION)
    answer = bot.ask("Apa visi Kota Bekasi?")
    assert answer.answer == VISION and answer.llm_model == "other-model"
    assert llm.requests[-1]["stream"] is False and llm.requests[-1]["model"] == "other-model"


def test_a_slow_service_gives_the_extractive_answer_with_a_short_note(llm, llm_bot):
    llm.reply(VISION)
    llm.delay_s = 4.0  # past llm_timeout=2
    started = time.monotonic()
    answer = llm_bot.ask("Apa visi Kota Bekasi?")
    assert time.monotonic() - started < 3.5
    assert answer.answer == f"{answer.extractive}\n\n{answer.llm_note}" and not answer.abstained
    assert "tidak menjawab (timed out)" in answer.llm_note and answer.generated is None
    assert answer.as_dict()["llm_note"] == answer.llm_note


def test_a_stream_that_trickles_past_the_timeout_is_cut_off(llm, llm_bot):
    llm.piece_chars, llm.piece_delay_s = 4, 0.3  # ~25 pieces, 7 s in all, past llm_timeout=2
    llm.reply(VISION)
    started = time.monotonic()
    answer = llm_bot.ask("Apa visi Kota Bekasi?")
    assert time.monotonic() - started < 4.5
    assert answer.generated is None and "tidak menjawab (timed out)" in answer.llm_note


def test_a_service_that_is_down_gives_the_extractive_answer_with_a_short_note(seeds_home, embedder):
    bot = Planbot(Settings(home=seeds_home, llm=f"openai:http://127.0.0.1:{free_port()}/v1", llm_timeout=2),
                  embedder)
    answer = bot.ask("What is the vision of Kota Bekasi?")
    assert "Bekasi Maju, Sejahtera dan Ihsan" in answer.answer and not answer.abstained
    assert answer.llm_note == "Note: the language model did not answer (unavailable); this is the quoted answer."


def test_a_failing_service_gives_the_extractive_answer(llm, llm_bot):
    llm.reply(VISION)
    llm.status = 500
    answer = llm_bot.ask("Apa visi Kota Bekasi?")
    assert answer.generated is None and "tidak menjawab (unavailable)" in answer.llm_note


# Planbot.ask_stream: the text as it arrives, then the checked answer in its place.

def test_ask_stream_yields_the_text_as_it_arrives_then_the_checked_answer(llm, llm_bot):
    llm.piece_chars, llm.piece_delay_s = 10, 0.02
    invented = " Visi ini didukung anggaran Rp 750 miliar per tahun [1]."
    llm.reply(VISION + invented)
    *texts, answer = list(llm_bot.ask_stream("Apa visi Kota Bekasi?"))
    assert len(texts) >= 5 and all(isinstance(t, str) for t in texts)
    assert all(b.startswith(a) for a, b in pairwise(texts))  # the text so far, growing
    assert texts[-1] == VISION + invented  # the unchecked text is what streamed
    assert answer.answer == VISION and answer.as_dict()["dropped"] == 1  # the checked one replaces it
    assert answer.generated == VISION + invented and llm.requests[-1]["stream"] is True


def test_ask_stream_never_sends_a_refusal_to_the_model(llm, llm_bot):
    llm.reply("Jumlah penduduk Kota Metro adalah 170.000 jiwa [1].")
    updates = list(llm_bot.ask_stream("Berapa jumlah penduduk Kota Metro?"))
    assert len(updates) == 1 and updates[0].abstained and not llm.requests


def test_ask_stream_cut_off_mid_answer_ends_with_the_extractive_answer(llm, llm_bot):
    llm.piece_chars, llm.piece_delay_s = 4, 0.3  # past llm_timeout=2
    llm.reply(VISION)
    *texts, answer = list(llm_bot.ask_stream("Apa visi Kota Bekasi?"))
    assert texts and answer.generated is None and "tidak menjawab (timed out)" in answer.llm_note
    assert answer.answer == f"{answer.extractive}\n\n{answer.llm_note}"


def test_ask_stream_without_a_model_gives_the_extractive_answer_only(bot):
    updates = list(bot.ask_stream("Apa visi Kota Bekasi?"))
    assert len(updates) == 1 and "Bekasi Maju, Sejahtera dan Ihsan" in updates[0].answer


def test_ask_stream_with_streaming_off_gives_the_whole_text_once_then_the_answer(seeds_home, embedder, llm):
    bot = Planbot(Settings(home=seeds_home, llm=f"openai:{llm.url}", llm_stream=False), embedder)
    llm.reply(VISION)
    updates = list(bot.ask_stream("Apa visi Kota Bekasi?"))
    assert updates[0] == VISION and updates[1].answer == VISION and len(updates) == 2
    assert llm.requests[-1]["stream"] is False
