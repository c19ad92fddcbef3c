"""The chat page (Gradio Blocks) and the one FastAPI app that serves it beside /api.

One Planbot per process is shared by every request: the model and the indexes load once. The Gradio
queue runs up to CONCURRENCY events at a time (its default is 1, which would serialise all users).
Answers and cards are rendered by bot.web.render into a gr.HTML so every document and user string is
escaped; the [n] anchors and the thumbs buttons are handled by a small delegated click script.

Asking is two events: `enqueue` adds the question to the session's Conversation at once (the input is never
blocked, so a question sent while an answer is arriving is kept), then `answer_waiting` answers the waiting
questions in order. The answer is shown when it is ready, with a "searching" state until then; the text
updates come from an `answer_updates` generator: extractive_updates, or with PLANBOT_LLM generated_updates,
which shows the model's text as it arrives and then the checked answer in its place.
"""

from __future__ import annotations

import copy
import logging
import threading
import uuid
from collections import deque
from collections.abc import Callable, Iterator
from html import escape
from pathlib import Path

import gradio as gr
from fastapi import FastAPI

from bot.plan_lookup import filter_rows
from bot.question_input import EMPTY_QUESTION, clean_question
from bot.web import compare, render
from bot.web.api import mount_api
from bot.web.chart import indicator_chart
from bot.web.documents import (
    DOC_COLUMNS,
    FAILURE_COLUMNS,
    document_rows,
    failure_rows,
    ingest_upload,
    only_uploaded_files,
    upload_folder,
)
from bot.web.exports import CsvExports
from bot.web.feedback import FeedbackStore
from bot.web.followup import rewrite
from bot.web.openai_api import mount_openai
from bot.web.plans import PLAN_COLUMNS, row_span, source_text, table, write_csv
from bot.web.throttle import LoginThrottle, LoginThrottleMiddleware
from ingest.formats.registry import upload_extensions
from ingest.structure import KINDS
from planbot.errors import ConfigError, PlanbotError
from planbot.settings import Settings

logger = logging.getLogger(__name__)

CONCURRENCY = 8
MAX_WAITING = 5  # questions of one page waiting for their turn; more are refused until some are answered
TOO_MANY_WAITING = (f"{MAX_WAITING} pertanyaan sudah menunggu; tunggu jawabannya dulu / "
                    f"{MAX_WAITING} questions are already waiting: wait for their answers first")
ALL = "Semua / All"
EXAMPLES = [
    "Which mission covers sanitation?",
    "Apa saja program kerja Misi 3 Kota Metro?",
    "Apa visi Kota Bekasi?",
    "What are Lubuklinggau's priority programs?",
    "Apa misi ketiga Kota Metro?",
    "How will Kota Metro manage waste?",
]

# Delegated clicks on the chat log: [n] anchors target their card; thumbs send a rating to the server.
CHAT_JS = """
element.addEventListener('click', async (ev) => {
  const cite = ev.target.closest('a.cite');
  if (cite) {
    const card = document.getElementById(cite.dataset.target);
    if (card) {
      document.querySelectorAll('.src-card.targeted').forEach((c) => c.classList.remove('targeted'));
      card.open = true;  // cards are folded <details>: [n] opens its card
      card.classList.add('targeted');
      setTimeout(() => card.scrollIntoView({block: 'center'}), 0);
    }
    return;
  }
  const fb = ev.target.closest('button.fb');
  if (fb) {
    ev.preventDefault();
    const bar = fb.closest('.feedback');
    const done = bar.querySelector('.fb-done');
    try {
      const res = await server.rate({answer_id: fb.dataset.answer, rating: fb.dataset.rating});
      bar.querySelectorAll('button.fb').forEach((b) => b.classList.toggle('chosen', b === fb));
      done.textContent = res && res.ok ? 'Terima kasih / Thanks' : (res && res.error) || 'error';
    } catch (err) {
      done.textContent = String(err);
    }
  }
});
"""


# Empties the question box the moment a question is sent (its value still goes to the server): the next question
# can be typed at once, and no reply from the server empties the box under it.
SEND_JS = """(question, region, doc, conv) => {
  const box = document.querySelector('#question textarea');
  if (box) { box.value = ''; box.dispatchEvent(new Event('input', {bubbles: true})); }
  return [question, region, doc, conv];
}"""


def _welcome(bot) -> str:
    regions = ", ".join(bot.corpus.regions) or "-"
    return (
        '<div class="msg bot intro"><div class="answer-text">Halo! Tanyakan tentang visi, misi dan program '
        "rencana pembangunan daerah (RPJMD, Renstra). Hello! Ask about the visions, missions and programs of "
        f"the regional development plans.</div><div class=\"src-meta\">Wilayah / Regions: {escape(regions)}"
        f" · {len(bot.corpus.titles)} dokumen / documents</div></div>"
    )


class Conversation:
    """One page's chat, held in a gr.State: Gradio hands every event of a session this same object, so the
    question events add to `waiting` while the answering event works through it, in the order asked.

    turns: the answered turns (question, asked, and answer and id, or error); current: the turn being answered
    (question, asked, partial: the text shown so far); epoch: bumped by a new chat, so that an answer still
    arriving for the old chat is dropped.
    """

    def __init__(self, turns: list[dict] | None = None, waiting: list[dict] | None = None):
        self.turns: list[dict] = list(turns or [])
        self.waiting: deque[dict] = deque(waiting or [])
        self.current: dict | None = None
        self.epoch = 0
        self.lock = threading.Lock()

    def __deepcopy__(self, memo) -> Conversation:  # gr.State copies its value for each session; a lock cannot be
        return Conversation(copy.deepcopy(self.turns, memo), copy.deepcopy(list(self.waiting), memo))

    def add(self, question: str, region: str | None, doc_id: str | None) -> bool:
        """Queue a question behind those already waiting; False when MAX_WAITING are waiting."""
        with self.lock:
            if len(self.waiting) >= MAX_WAITING:
                return False
            self.waiting.append({"question": question, "region": region, "doc_id": doc_id})
            return True

    def clear(self) -> None:
        with self.lock:
            self.turns, self.current = [], None
            self.waiting.clear()
            self.epoch += 1


AnswerUpdates = Callable[..., Iterator[str | dict]]


def extractive_updates(bot, question: str, *, region: str | None, doc_id: str | None,
                       asked_as: str | None = None) -> Iterator[str | dict]:
    """The answer to one (rewritten) question as the page shows it: the text so far (a str) any number of times,
    then the finished answer (a dict, Answer.as_dict()). The extractive answer is ready all at once, so only the
    finished answer comes; a generated answer can yield its text as its tokens arrive, then the answer.
    asked_as: the user's own words when the question was rewritten from a follow-up (a model sees both)."""
    yield bot.ask(question, region=region, doc_id=doc_id, asked_as=asked_as).as_dict()


def generated_updates(bot, question: str, *, region: str | None, doc_id: str | None,
                      asked_as: str | None = None) -> Iterator[str | dict]:
    """The answer with PLANBOT_LLM: the model's text so far as its tokens arrive (after Planbot decided to
    answer), then the checked answer, which replaces it (dropped sentences gone, citations shown)."""
    for update in bot.ask_stream(question, region=region, doc_id=doc_id, asked_as=asked_as):
        yield update if isinstance(update, str) else update.as_dict()


def updates_for(bot) -> AnswerUpdates:
    """The page's answer_updates: streamed generated answers when a chat model is configured, else extractive."""
    return generated_updates if getattr(bot, "llm", None) is not None else extractive_updates


def chat_log(bot, conv: Conversation) -> str:
    """The whole conversation as HTML: answered turns, the turn being answered (searching, or the text so far)
    and the questions waiting their turn."""
    parts = [_welcome(bot)]
    regions, titles = bot.corpus.regions, bot.corpus.titles
    with conv.lock:
        turns, current, waiting = list(conv.turns), dict(conv.current) if conv.current else None, list(conv.waiting)
    for i, t in enumerate(turns, start=1):
        parts.append(render.question_block(t["question"], t.get("asked")))
        if t.get("error"):
            parts.append(render.error_block(t["error"]))
        else:
            parts.append(render.answer_block(i, t["answer"], regions=regions, titles=titles, answer_id=t.get("id")))
    if current:
        parts.append(render.question_block(current["question"], current.get("asked")))
        parts.append(render.answer_block(len(turns) + 1, {}, partial=current.get("partial") or ""))
    parts.extend(render.question_block(w["question"], queued=True) for w in waiting)
    return "".join(parts)


def _choice(value: str | None) -> str | None:
    return None if not value or value == ALL else value


def _doc_choices(bot) -> list[tuple[str, str]]:
    docs = [(f"{d.metadata.get('title') or d.doc_id} ({d.doc_id})", d.doc_id) for d in bot.manifest.summaries() if d.chunks]
    return [(ALL, ALL), *docs]


class ChatFlow:
    """The chat's events over one page's Conversation: `enqueue` takes a question at once (also while an answer
    is arriving), `answer_waiting` answers the waiting questions in the order they were asked, each shown while
    it is searched (and as its text arrives, for a streamed answer), then with its answer and cards."""

    def __init__(self, bot, feedback: FeedbackStore, answer_updates: AnswerUpdates = extractive_updates):
        self.bot, self.feedback, self.answer_updates = bot, feedback, answer_updates

    def enqueue(self, question: str, region_choice: str, doc_choice: str, conv: Conversation):
        """Keep the question in line (shown at once, answered by answer_waiting). The page emptied the box when
        it was sent (SEND_JS), so the box is left alone, whatever is typed there now, unless the question is
        refused for too many waiting: then it goes back in the box, to send later."""
        question = clean_question(question)
        if not question:  # shown, not kept: the next update of the log clears it
            return chat_log(self.bot, conv) + render.error_block(EMPTY_QUESTION), gr.skip()
        if not conv.add(question, _choice(region_choice), _choice(doc_choice)):
            return chat_log(self.bot, conv) + render.error_block(TOO_MANY_WAITING), question
        return chat_log(self.bot, conv), gr.skip()

    def answer_one(self, conv: Conversation, item: dict):
        """Answer one waiting question: the log while it is searched and as its text arrives, then with it."""
        with conv.lock:
            epoch = conv.epoch
            history = [t.get("asked") or t["question"] for t in conv.turns]
        asked = rewrite(item["question"], history, self.bot.corpus.regions, region_filter=item["region"]).question
        turn = {"question": item["question"], "asked": asked}
        conv.current = {**turn, "partial": ""}
        yield chat_log(self.bot, conv)
        try:
            answer = None
            asked_as = item["question"] if asked != item["question"] else None
            for update in self.answer_updates(self.bot, asked, region=item["region"], doc_id=item["doc_id"],
                                              asked_as=asked_as):
                if isinstance(update, str):
                    conv.current = {**turn, "partial": update}
                    yield chat_log(self.bot, conv)
                else:
                    answer = update
            if answer is None:
                raise PlanbotError("no answer came back")
            answer_id = uuid.uuid4().hex
            self.feedback.remember_answer(answer_id, item["question"], answer)
            turn.update(answer=answer, id=answer_id)
        except PlanbotError as exc:
            turn["error"] = str(exc)
        except Exception as exc:  # the questions behind this one are still answered
            logger.exception("answering %r failed", item["question"])
            turn["error"] = f"{type(exc).__name__}: {exc}"
        with conv.lock:
            if conv.epoch == epoch:  # not after a new chat
                conv.turns.append(turn)
            conv.current = None
        yield chat_log(self.bot, conv)

    def answer_waiting(self, conv: Conversation):
        """Answer the page's waiting questions one after another, in the order they were asked."""
        shown = False
        try:
            while True:
                with conv.lock:
                    item = conv.waiting.popleft() if conv.waiting else None
                if item is None:
                    break
                for html in self.answer_one(conv, item):
                    shown = True
                    yield html
        finally:
            conv.current = None
        if not shown:  # another run of this event answered them; leave the log (and any notice on it) as it is
            yield gr.skip()

    def ask_api(self, question: str, region: str = ALL, document: str = ALL) -> tuple[str, str]:
        """One question answered on its own (no conversation), for Gradio clients: the chat log HTML with its
        answer, and the emptied question box (the shape the page's ask event had)."""
        conv = Conversation()
        question = clean_question(question)
        if not question:
            return chat_log(self.bot, conv) + render.error_block(EMPTY_QUESTION), ""
        conv.add(question, _choice(region), _choice(document))
        *_, html = self.answer_waiting(conv)  # the last update holds the answer
        return html, ""

    def new_chat(self, conv: Conversation):
        conv.clear()
        return chat_log(self.bot, conv)


def build_blocks(bot, feedback: FeedbackStore, *, login: bool = False,
                 answer_updates: AnswerUpdates | None = None) -> gr.Blocks:
    """The page: chat, plans browser for staff, documents with upload.

    With a login, the chat's region and document filters get their choices when the page loads: their
    choices at build time are listed in the API description that Gradio embeds in the page before login.
    answer_updates(bot, question, region=, doc_id=) gives each answer's text updates, then the answer (by
    default streamed generated answers with PLANBOT_LLM, else extractive ones: updates_for).
    """
    exports = CsvExports()  # one temp folder for all CSV exports of this process
    flow = ChatFlow(bot, feedback, answer_updates or updates_for(bot))

    def rate(payload: dict) -> dict:
        try:
            entry = feedback.record(str(payload.get("answer_id", "")), str(payload.get("rating", "")))
        except PlanbotError as exc:
            return {"ok": False, "error": str(exc)}
        return {"ok": True, "rating": entry["rating"]}

    def plan_view(region_choice: str, kind_choice: str, search: str):
        rows = filter_rows(bot.plan_rows, region=_choice(region_choice), kind=_choice(kind_choice), search=search)
        return table(rows), f"{len(rows)} butir / items"

    def plan_export(region_choice: str, kind_choice: str, search: str):
        rows = filter_rows(bot.plan_rows, region=_choice(region_choice), kind=_choice(kind_choice), search=search)
        return str(write_csv(rows, exports.path()))

    def plan_source(evt: gr.SelectData):
        if not evt.row_value:
            return ""
        try:
            doc_id, start, end = row_span(evt.row_value)
            item = next((r for r in bot.plan_rows if (r.doc_id, r.start, r.end) == (doc_id, start, end)), None)
            if item is not None and item.fields:  # a table row: cite the whole row, chart its values
                src = source_text(bot, doc_id, *item.fields["row"])
                return render.plan_source(src, chart=indicator_chart(item.text, item.fields))
            src = source_text(bot, doc_id, start, end)
        except (LookupError, PlanbotError) as exc:
            return render.error_block(exc.args[0] if exc.args else str(exc))
        return render.plan_source(src)

    def upload(path: str | None, progress=gr.Progress()):  # noqa: B008 (how Gradio injects progress)
        """Ingest a file uploaded through the page; any other path an event names is refused (and logged)."""
        if not path:
            status = '<div class="upload-error">Pilih berkas dulu / Choose a file first.</div>'
            return status, *_refresh_outputs()
        progress(0.05, desc="Memeriksa / Checking")
        name = Path(path).name
        try:
            progress(0.2, desc=f"Mengindeks / Ingesting {name}")
            result = ingest_upload(bot, Path(path), folder=upload_folder(),
                                   on_file=lambda doc, st: progress(0.9, desc=f"{doc}: {st}"))
        except PlanbotError as exc:
            status = f'<div class="upload-error">Gagal / Failed — {escape(str(exc))}</div>'
            return status, *_refresh_outputs()
        progress(1.0, desc="Selesai / Done")
        css = "upload-ok" if result.ok else "upload-error"
        status = f'<div class="{css}">{escape(result.message)}</div>'
        return status, *_refresh_outputs()

    def _filter_choices():
        """The filters' choices as the corpus is now (also after an ingest by another process)."""
        regions = [ALL, *bot.corpus.regions]
        return gr.Dropdown(choices=regions), gr.Dropdown(choices=_doc_choices(bot)), gr.Dropdown(choices=regions)

    def _refresh_outputs():
        regions = [ALL, *bot.corpus.regions]
        return (
            document_rows(bot), failure_rows(bot), gr.Dropdown(choices=regions), gr.Dropdown(choices=_doc_choices(bot)),
            gr.Dropdown(choices=regions), table(bot.plan_rows),
        )

    regions = [ALL, *bot.corpus.regions]
    with gr.Blocks(title="Planbot — Tanya rencana daerah", analytics_enabled=False) as demo:
        gr.Markdown("# Planbot\nTanya jawab rencana pembangunan daerah, dengan sumber · "
                    "Questions and answers on regional development plans, with sources")
        with gr.Tabs():
            with gr.Tab("Obrolan / Chat", id="chat"):
                conv = gr.State(Conversation)  # a callable: a new Conversation for each page load
                with gr.Row():
                    region = gr.Dropdown([ALL] if login else regions, value=ALL, label="Wilayah / Region",
                                         elem_id="region-filter", allow_custom_value=login)
                    doc = gr.Dropdown([(ALL, ALL)] if login else _doc_choices(bot), value=ALL,
                                      label="Dokumen / Document", elem_id="doc-filter", allow_custom_value=login)
                log = gr.HTML(chat_log(bot, Conversation()), elem_id="chat-log", js_on_load=CHAT_JS, server_functions=[rate],
                              apply_default_css=False, padding=False)
                with gr.Row(elem_id="ask-bar"):  # kept in reach at the bottom (render.CSS)
                    question = gr.Textbox(label="Pertanyaan / Question", placeholder="Apa visi Kota Bekasi?",
                                          elem_id="question", scale=5, max_length=2000)
                    ask = gr.Button("Tanya / Ask", variant="primary", elem_id="ask", scale=1, min_width=72)
                clear = gr.Button("Percakapan baru / New chat", size="sm", elem_id="new-chat")
                gr.Examples(EXAMPLES, inputs=[question], label="Contoh pertanyaan / Example questions")
            with gr.Tab("Rencana / Plans", id="plans"):
                gr.Markdown("Struktur rencana: visi, misi, tujuan, indikator dan targetnya, program dan pagu, urusan · "
                            "The plans' structure. Pilih baris untuk melihat sumbernya / select a row to see its source.")
                with gr.Row():
                    plan_region = gr.Dropdown(regions, value=ALL, label="Wilayah / Region", elem_id="plan-region")
                    plan_kind = gr.Dropdown([ALL, *KINDS], value=ALL, label="Jenis / Kind", elem_id="plan-kind")
                    plan_search = gr.Textbox(label="Cari / Search", elem_id="plan-search")
                with gr.Row():
                    plan_go = gr.Button("Cari / Search", variant="primary", elem_id="plan-go")
                    plan_csv = gr.Button("Ekspor CSV / Export CSV", elem_id="plan-export")
                plan_count = gr.Markdown(f"{len(bot.plan_rows)} butir / items", elem_id="plan-count")
                plan_table = gr.Dataframe(table(bot.plan_rows), headers=PLAN_COLUMNS, interactive=False,
                                          elem_id="plan-table", wrap=True, max_height=520,
                                          column_widths=["9%", "9%", "5%", "8%", "40%", "15%", "8%", "3%", "3%"])
                plan_passage = gr.HTML("", elem_id="plan-passage", js_on_load=None)
                plan_file = gr.File(label="CSV", elem_id="plan-file", interactive=False)
                compare.build(bot, exports, demo, login=login)
            with gr.Tab("Dokumen / Documents", id="documents"):
                gr.Markdown(f"Unggah / Upload: {', '.join(upload_extensions())} (maks. / max {bot.settings.max_file_mb:g} MB)")
                with gr.Row():
                    file = only_uploaded_files(gr.File(label="Unggah dokumen / Upload a document",
                                                       file_types=list(upload_extensions()), type="filepath",
                                                       elem_id="upload-file"))
                    with gr.Column():
                        upload_go = gr.Button("Unggah & indeks / Upload & ingest", variant="primary", elem_id="upload-go")
                        upload_status = gr.HTML("", elem_id="upload-status", js_on_load=None)
                docs_table = gr.Dataframe(document_rows(bot), headers=DOC_COLUMNS, interactive=False,
                                          label="Dokumen terindeks / Ingested documents", elem_id="docs-table")
                fail_table = gr.Dataframe(failure_rows(bot), headers=FAILURE_COLUMNS, interactive=False,
                                          label="Gagal / Failed", elem_id="failures-table")

        # Every question is taken ("multiple": also while an answer is arriving), in order (one at a time, quick);
        # then the waiting ones are answered. A second answering run while one is going waits for it to end
        # ("always_last") and then finds the questions that came in too late for the first.
        gr.on([ask.click, question.submit], flow.enqueue, inputs=[question, region, doc, conv], outputs=[log, question],
              js=SEND_JS, trigger_mode="multiple", concurrency_limit=1, concurrency_id="enqueue",
              show_progress="hidden", api_visibility="private").then(
            flow.answer_waiting, inputs=[conv], outputs=[log], trigger_mode="always_last", concurrency_limit=CONCURRENCY,
            concurrency_id="answer", show_progress="hidden", api_visibility="private")
        gr.api(flow.ask_api, api_name="ask", concurrency_limit=CONCURRENCY, concurrency_id="answer")
        clear.click(flow.new_chat, inputs=[conv], outputs=[log], api_visibility="private")
        gr.on([plan_go.click, plan_search.submit, plan_region.change, plan_kind.change], plan_view,
              inputs=[plan_region, plan_kind, plan_search], outputs=[plan_table, plan_count], api_visibility="private")
        plan_csv.click(plan_export, inputs=[plan_region, plan_kind, plan_search], outputs=[plan_file],
                       api_visibility="private")
        plan_table.select(plan_source, outputs=[plan_passage], api_visibility="private")
        upload_go.click(upload, inputs=[file], outputs=[upload_status, docs_table, fail_table, region, doc,
                                                        plan_region, plan_table],
                        api_visibility="private", concurrency_limit=1)
        demo.load(_filter_choices, outputs=[region, doc, plan_region], api_visibility="private")
    demo.queue(default_concurrency_limit=CONCURRENCY)
    return demo


def create_app(settings: Settings, bot=None) -> FastAPI:
    """FastAPI with /api/* and the Gradio page at /, over one shared Planbot."""
    from bot.service import Planbot

    if bool(settings.auth_user) != bool(settings.auth_password and settings.auth_password.get_secret_value()):
        raise ConfigError("set both PLANBOT_AUTH_USER and PLANBOT_AUTH_PASSWORD for a login, or neither for none")
    bot = bot or Planbot(settings)
    feedback = FeedbackStore(Path(settings.home) / "feedback.jsonl")
    auth = None
    if settings.auth_user and settings.auth_password:
        auth = (settings.auth_user, settings.auth_password.get_secret_value())
    # No docs or OpenAPI of the outer app nor of Gradio's; the API's own are at /api/docs, behind the login.
    app = FastAPI(title="Planbot", docs_url=None, redoc_url=None, openapi_url=None)
    throttle = LoginThrottle()  # shared by the page's login form and /api's basic auth
    app.add_middleware(LoginThrottleMiddleware, throttle=throttle)
    mount_api(app, bot, settings, throttle)
    mount_openai(app, bot, settings, throttle)  # Planbot as a model for Open WebUI, LibreChat, OpenAI clients
    app.state.bot = bot
    app.state.feedback = feedback
    demo = build_blocks(bot, feedback, login=auth is not None)
    return gr.mount_gradio_app(
        app, demo, path="/", auth=auth, auth_message="Planbot", css=render.CSS + compare.CSS, ssr_mode=False,
        footer_links=["api", "settings"], run_history=False, show_error=True,
        max_file_size=int(settings.max_file_mb * 1024 * 1024) + 1, app_kwargs={"openapi_url": None},
    )


def serve(settings: Settings, host: str = "127.0.0.1", port: int = 7860) -> None:
    """Run the app on one uvicorn server (blocking until Ctrl-C)."""
    import uvicorn

    app = create_app(settings)
    print(f"Planbot chat: http://{host}:{port}/  (API: http://{host}:{port}/api/ask; as an OpenAI model: "
          f"http://{host}:{port}/v1; Ctrl-C to stop)", flush=True)
    uvicorn.run(app, host=host, port=port, log_level="warning", access_log=False)
