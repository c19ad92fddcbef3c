"""Generated answers: the prompt for a chat model and the checked answer it gives (PLANBOT_LLM).

Planbot decides first: a refusal or a "not found" is never sent to a model. The model gets the question (and,
for a follow-up, the question as rewritten to stand alone), the passages Planbot selected, numbered as its
citations, and the instruction to answer in the question's language, briefly, with [n] after every sentence,
and to say so when the passages do not answer. Every sentence it writes is checked (bot.citation_check); the
answer shown is the kept sentences, or the extractive answer with a short note when none is kept or the model
is down or slow.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass, field

from bot.citation_check import Checked, CitationChecker, kept_answer
from bot.llm_client import ChatClient
from bot.records import Answer, Citation
from planbot.errors import LLMServiceError

log = logging.getLogger(__name__)

MAX_PASSAGE_CHARS = 1500

INSTRUCTIONS = {
    "id": (
        "Anda menjawab pertanyaan tentang dokumen rencana pembangunan daerah di Indonesia. Jawab HANYA dari "
        "kutipan bernomor di bawah. Jawab dalam bahasa Indonesia, singkat (paling banyak 4 kalimat). Setelah "
        "setiap kalimat tulis nomor kutipan yang mendukungnya, misalnya [1] atau [1][2]. Salin angka, tanggal "
        "dan nama persis seperti dalam kutipan. Jika kutipan tidak menjawab pertanyaan, katakan demikian."
    ),
    "en": (
        "You answer questions about Indonesian regional development plans. Answer ONLY from the numbered "
        "passages below. Answer in English, briefly (at most 4 sentences). After every sentence write the "
        "number of the passage that supports it, e.g. [1] or [1][2]. Copy figures, dates and names exactly as "
        "the passages give them. If the passages do not answer the question, say so."
    ),
}

NOTES = {
    "down": {"id": "Catatan: model bahasa tidak menjawab ({why}); ini jawaban kutipan.",
             "en": "Note: the language model did not answer ({why}); this is the quoted answer."},
    "none_kept": {"id": "Catatan: jawaban model bahasa tidak didukung kutipan; ini jawaban kutipan.",
                  "en": "Note: the language model's answer was not supported by the passages; this is the quoted "
                        "answer."},
}


@dataclass
class Generated:
    """A generated answer after its check (or the reason there is none)."""

    text: str | None  # the kept sentences; None when none was kept or the model failed
    raw: str | None = None  # what the model wrote
    checked: list[Checked] = field(default_factory=list)
    model: str | None = None
    note: str | None = None  # shown under the extractive answer when it stands in

    @property
    def dropped(self) -> int:
        return sum(1 for c in self.checked if not c.kept)


def passage_block(citations: list[Citation]) -> str:
    """The passages as the model sees them: '[n] title — section\\ntext'."""
    parts = []
    for c in citations:
        head = f"[{c.n}] {c.title}" + (f" — {c.section}" if c.section else "")
        text = " ".join(c.text.split())
        parts.append(f"{head}\n{text[:MAX_PASSAGE_CHARS]}")
    return "\n\n".join(parts)


def messages_for(question: str, language: str, citations: list[Citation], asked_as: str | None = None) -> list[dict]:
    """The chat messages for one question: instructions and passages, then the question."""
    language = language if language in INSTRUCTIONS else "id"
    system = f"{INSTRUCTIONS[language]}\n\n{passage_block(citations)}"
    if asked_as and asked_as.strip() != question.strip():
        label = ("Pertanyaan (lanjutan percakapan)", "Dipahami sebagai") if language == "id" else (
            "Question (a follow-up)", "Understood as")
        user = f"{label[0]}: {asked_as}\n{label[1]}: {question}"
    else:
        user = question
    return [{"role": "system", "content": system}, {"role": "user", "content": user}]


def generate(client: ChatClient, checker: CitationChecker, answer: Answer, asked_as: str | None = None) -> Generated:
    """Ask the model, check every sentence; never raises for a model that is down, slow or wrong."""
    messages = messages_for(answer.question, answer.language, answer.citations, asked_as)
    try:
        model = client.model
        raw = client.complete(messages)
    except LLMServiceError as exc:
        log.warning("chat model unavailable, extractive answer shown: %s", exc)
        why = "timed out" if "within" in str(exc) else "unavailable"
        return Generated(None, note=NOTES["down"][_lang(answer.language)].format(why=why))
    return checked_generated(checker, answer, raw, model)


def generate_stream(client: ChatClient, checker: CitationChecker, answer: Answer,
                    asked_as: str | None = None) -> Iterator[str | Generated]:
    """Like generate, streamed: the model's text so far (str) as its pieces arrive, then the checked Generated.

    The streamed text is shown before the check; the Generated that ends the stream replaces it (dropped
    sentences gone). A model that fails or is slow mid-answer ends the stream with the extractive fallback."""
    messages = messages_for(answer.question, answer.language, answer.citations, asked_as)
    so_far = ""
    try:
        model = client.model
        for piece in client.pieces(messages):  # PLANBOT_LLM_STREAM=false: one piece, the whole reply
            so_far += piece
            yield so_far
    except LLMServiceError as exc:
        log.warning("chat model unavailable, extractive answer shown: %s", exc)
        why = "timed out" if "within" in str(exc) else "unavailable"
        yield Generated(None, note=NOTES["down"][_lang(answer.language)].format(why=why))
        return
    yield checked_generated(checker, answer, so_far, model)


def checked_generated(checker: CitationChecker, answer: Answer, raw: str, model: str) -> Generated:
    """The model's whole reply after the per-sentence check."""
    checked = checker.check(raw, [c.text for c in answer.citations])
    kept = kept_answer(checked)
    if not kept:
        return Generated(None, raw, checked, model, NOTES["none_kept"][_lang(answer.language)])
    return Generated(kept, raw, checked, model)


def apply(answer: Answer, generated: Generated) -> Answer:
    """The answer to show: the kept generated sentences, or the extractive one with the note."""
    answer.generated = generated.raw
    answer.checked = [c.as_dict() for c in generated.checked]
    answer.llm_model = generated.model
    answer.llm_note = generated.note
    answer.extractive = answer.answer
    if generated.text:
        answer.answer = generated.text
    elif generated.note:
        answer.answer = f"{answer.answer}\n\n{generated.note}"
    return answer


def _lang(language: str) -> str:
    return language if language in ("id", "en") else "id"
