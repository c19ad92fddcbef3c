"""The chat page's question queue (bot.web.app.ChatFlow over a Conversation), with a stand-in for the bot:
every question is kept and answered in the order asked, also one sent while an answer is arriving."""

from __future__ import annotations

import copy
from types import SimpleNamespace

import gradio as gr
import pytest

from bot.web.app import (
    MAX_WAITING,
    ChatFlow,
    Conversation,
    extractive_updates,
    generated_updates,
    updates_for,
)
from bot.web.feedback import FeedbackStore
from planbot.errors import PlanbotError


class FakeBot:
    corpus = SimpleNamespace(regions=["Kota Metro", "Kota Bekasi"], titles=["RPJMD Kota Metro"])

    def __init__(self):
        self.asked: list[str] = []

    def ask(self, question: str, *, region=None, doc_id=None, asked_as=None):
        self.asked.append(question)
        if region == "Atlantis":
            raise PlanbotError("unknown region 'Atlantis'")
        answer = {"answer": f"Jawaban: {question} [1]", "abstained": False,
                  "citations": [{"n": 1, "title": "RPJMD <Metro>", "text": "isi", "score": 0.5, "highlights": []}]}
        return SimpleNamespace(as_dict=lambda: answer)


@pytest.fixture
def flow(tmp_path) -> ChatFlow:
    return ChatFlow(FakeBot(), FeedbackStore(tmp_path / "feedback.jsonl"))


def questions_in(html: str) -> list[str]:
    return [part.split("</div>", 1)[0] for part in html.split('<div class="q-text">')[1:]]


def test_a_question_sent_while_an_answer_is_arriving_is_answered_next(flow):
    conv = Conversation()
    html, box = flow.enqueue("Apa misi ketiga Kota Metro?", "Semua / All", "Semua / All", conv)
    assert box == gr.skip() and 'class="msg user queued"' in html  # the page emptied the box as it sent it
    updates = flow.answer_waiting(conv)
    first = next(updates)  # the first question is being searched ...
    assert 'class="msg bot streaming thinking"' in first and "Searching the documents" in first
    html, box = flow.enqueue("Dan program kerjanya?", "Semua / All", "Semua / All", conv)  # ... when this comes
    assert box == gr.skip() and 'class="msg user queued"' in html and "Waiting its turn" in html
    rest = list(updates)
    final = rest[-1]
    assert questions_in(final) == ["Apa misi ketiga Kota Metro?", "Dan program kerjanya?"]
    # read as a follow-up of the first, which was answered before it
    assert flow.bot.asked == ["Apa misi ketiga Kota Metro?", "program kerja Misi 3 Kota Metro?"]
    assert 'id="src-1-1"' in final and 'id="src-2-1"' in final
    assert "streaming" not in final and "queued" not in final
    assert [t["question"] for t in conv.turns] == ["Apa misi ketiga Kota Metro?", "Dan program kerjanya?"]


def test_questions_are_answered_in_the_order_asked_and_an_error_does_not_stop_the_rest(flow):
    conv = Conversation()
    flow.enqueue("Apa visi Kota Metro?", "Semua / All", "Semua / All", conv)
    flow.enqueue("Apa visi?", "Atlantis", "Semua / All", conv)
    flow.enqueue("Apa visi Kota Bekasi?", "Kota Bekasi", "Semua / All", conv)
    *_, final = flow.answer_waiting(conv)
    assert questions_in(final) == ["Apa visi Kota Metro?", "Apa visi?", "Apa visi Kota Bekasi?"]
    assert "unknown region" in conv.turns[1]["error"] and 'class="msg bot error"' in final
    assert conv.turns[2]["answer"]["answer"].startswith("Jawaban: Apa visi Kota Bekasi?")
    assert 'id="src-3-1"' in final


def test_a_run_with_nothing_waiting_leaves_the_log_as_it_is(flow):
    assert list(flow.answer_waiting(Conversation())) == [gr.skip()]


def test_empty_and_too_many_questions_are_refused_visibly(flow):
    conv = Conversation()
    html, box = flow.enqueue(" \u200b ", "Semua / All", "Semua / All", conv)
    assert "the question is empty" in html and box == gr.skip() and not conv.waiting
    for i in range(MAX_WAITING):
        flow.enqueue(f"Pertanyaan {i}", "Semua / All", "Semua / All", conv)
    html, box = flow.enqueue("Satu lagi", "Semua / All", "Semua / All", conv)
    assert "already waiting" in html and box == "Satu lagi"  # kept in the box to send later
    assert len(conv.waiting) == MAX_WAITING


def test_streamed_text_is_shown_as_it_arrives_through_the_answer_updates_hook(tmp_path):
    def streamed(bot, question, *, region, doc_id, asked_as=None):
        yield "Misi 3"
        yield "Misi 3, Kota <Metro>"
        yield bot.ask(question, region=region, doc_id=doc_id).as_dict()

    flow = ChatFlow(FakeBot(), FeedbackStore(tmp_path / "f.jsonl"), streamed)
    conv = Conversation()
    flow.enqueue("Apa misi ketiga Kota Metro?", "Semua / All", "Semua / All", conv)
    updates = list(flow.answer_waiting(conv))
    assert "thinking" in updates[0]
    assert 'class="msg bot streaming"' in updates[2] and "Misi 3, Kota &lt;Metro&gt;" in updates[2]
    assert "Jawaban:" in updates[-1] and "streaming" not in updates[-1]


def test_a_new_chat_drops_the_answer_still_arriving(flow):
    conv = Conversation()
    flow.enqueue("Apa visi Kota Metro?", "Semua / All", "Semua / All", conv)
    updates = flow.answer_waiting(conv)
    next(updates)
    assert "Apa visi Kota Metro?" not in flow.new_chat(conv)
    *_, final = updates
    assert conv.turns == [] and "Apa visi Kota Metro?" not in final


def test_each_page_gets_its_own_conversation():
    state = gr.State(Conversation)
    one, two = copy.deepcopy(state.value()), copy.deepcopy(state.value())
    one.add("q", None, None)
    assert list(two.waiting) == [] and one.lock is not two.lock


def test_the_gradio_client_endpoint_answers_one_question(flow):
    html, box = flow.ask_api("Apa visi Kota Bekasi?", "Kota Bekasi", "Semua / All")
    assert box == "" and "Jawaban: Apa visi Kota Bekasi?" in html and 'class="src-card" id="src-1-1"' in html
    html, _ = flow.ask_api("\u200b", "Semua / All", "Semua / All")
    assert "the question is empty" in html


class StreamingBot(FakeBot):
    llm = object()  # a chat model is configured

    def ask_stream(self, question: str, *, region=None, doc_id=None, asked_as=None):
        yield "Misi 3 [1]. Anggaran"
        yield "Misi 3 [1]. Anggaran Rp 9 triliun."
        yield self.ask(question, region=region, doc_id=doc_id)


def test_with_a_chat_model_the_page_streams_the_generated_text_then_the_checked_answer(tmp_path):
    bot = StreamingBot()
    assert updates_for(bot) is generated_updates and updates_for(FakeBot()) is extractive_updates
    flow = ChatFlow(bot, FeedbackStore(tmp_path / "f.jsonl"), updates_for(bot))
    conv = Conversation()
    flow.enqueue("Apa misi ketiga Kota Metro?", "Semua / All", "Semua / All", conv)
    updates = list(flow.answer_waiting(conv))
    assert "Rp 9 triliun" in updates[2] and 'class="msg bot streaming"' in updates[2]
    assert "Jawaban:" in updates[-1] and "triliun" not in updates[-1]  # the checked answer replaced the text
