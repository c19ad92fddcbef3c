"""HTML for answers and source cards; every piece of document or user text is escaped first.

Gradio's Chatbot renders Markdown and has its own sanitizer; rendering here and showing the result in a
gr.HTML keeps control of what reaches the page: text goes through html.escape, and only the markup this
module writes (marks, [n] anchors, cards) is HTML. A document holding "<script>" shows those characters.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from html import escape
from urllib.parse import urlencode

_MARKER = re.compile(r"\[(\d{1,3})\]")

LABELS = {
    "sources": "Sumber / Sources",
    "not_found": "Tidak ditemukan / Not found",
    "coverage": "Cakupan dokumen / What the documents cover",
    "understood": "dipahami sebagai / understood as",
    "score": "skor",
    "helpful": "Membantu? / Helpful?",
    "error": "Tidak bisa dijawab / Cannot answer",
    "thinking": "Mencari di dokumen… / Searching the documents…",
    "checked": "kalimat lolos pemeriksaan kutipan / sentences kept by the citation check",
    "queued": "Menunggu giliran / Waiting its turn",
    "open_card": "Buka / Open",
}


def card_id(turn: int, n: int) -> str:
    """The element id of source card n of a turn; the [n] anchors of that turn point at it."""
    return f"src-{turn}-{n}"


def highlighted(text: str, spans: Iterable[Sequence[int]]) -> str:
    """Escaped text with the given [start, end) character spans wrapped in <mark> (overlaps merged)."""
    merged: list[list[int]] = []
    for start, end in sorted((max(0, int(a)), min(len(text), int(b))) for a, b in spans):
        if start >= end:
            continue
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    out, pos = [], 0
    for start, end in merged:
        out.append(escape(text[pos:start]))
        out.append(f'<mark class="support">{escape(text[start:end])}</mark>')
        pos = end
    out.append(escape(text[pos:]))
    return "".join(out)


def linked_markers(text: str, turn: int, count: int) -> str:
    """Escaped answer text whose [n] markers (n within the citations) link to their source cards."""

    def link(m: re.Match) -> str:
        n = int(m.group(1))
        if not 1 <= n <= count:
            return m.group(0)
        return f'<a class="cite" href="#{card_id(turn, n)}" data-target="{card_id(turn, n)}">[{n}]</a>'

    return _MARKER.sub(link, escape(text))


def source_card(turn: int, citation: dict) -> str:
    """One numbered card, folded: its summary line shows the number, title, score, region, section and page;
    opened (by a click on it or on its [n] in the answer) it shows the passage with the supporting sentences
    marked. Folded cards keep a phone's page short and the question box near the answer."""
    n = citation["n"]
    meta = [citation.get("region"), citation.get("section"), f"hal. {citation['page']}" if citation.get("page") else None]
    where = " · ".join(escape(str(m)) for m in meta if m)
    return (
        f'<details class="src-card" id="{card_id(turn, n)}"><summary>'
        f'<span class="src-head"><span class="src-n">[{n}]</span> '
        f'<span class="src-title">{escape(citation.get("title") or citation.get("source") or "")}</span>'
        f'<span class="src-score">{LABELS["score"]} {float(citation.get("score") or 0):.3f}</span></span>'
        + (f'<span class="src-meta">{where}</span>' if where else "")
        + "</summary>"
        + (table_text(citation) if citation.get("rows") else
           f'<div class="src-text">{highlighted(citation.get("text") or "", citation.get("highlights") or [])}</div>')
        + "</details>"
    )


def table_text(citation: dict) -> str:
    """A cited table piece as a table: its caption, one column per label (in order of first use), one line
    per row, the quoted rows marked; every cell escaped."""
    rows = citation["rows"]
    labels: list[str] = []
    for row in rows:
        labels.extend(label for label, _ in row["cells"] if label not in labels)
    marked = [(int(a), int(b)) for a, b in citation.get("highlights") or []]
    head = "".join(f"<th>{escape(label)}</th>" for label in labels)
    body = []
    for row in rows:
        by_label = dict(row["cells"])
        cls = ' class="support"' if any(a < row["end"] and row["start"] < b for a, b in marked) else ""
        body.append(f"<tr{cls}>" + "".join(f"<td>{escape(by_label.get(label, ''))}</td>" for label in labels) + "</tr>")
    caption = f"<caption>{escape(citation['table_caption'])}</caption>" if citation.get("table_caption") else ""
    return (f'<div class="src-table"><table>{caption}<thead><tr>{head}</tr></thead>'
            f'<tbody>{"".join(body)}</tbody></table></div>')


def coverage(regions: Sequence[str], titles: Sequence[str]) -> str:
    """What the corpus covers, listed under a not-found answer."""
    items = "".join(f"<li>{escape(t)}</li>" for t in titles)
    return (
        f'<div class="coverage"><div class="coverage-head">{LABELS["coverage"]}</div>'
        f'<div class="coverage-regions">{escape(", ".join(regions)) or "-"}</div><ul>{items}</ul></div>'
    )


def feedback_bar(answer_id: str) -> str:
    """Thumbs up/down for one answer; the page script sends the rating with the answer's id."""
    aid = escape(answer_id, quote=True)
    return (
        f'<div class="feedback" data-answer="{aid}"><span>{LABELS["helpful"]}</span>'
        f'<button type="button" class="fb fb-up" data-answer="{aid}" data-rating="up" title="Membantu / Helpful">👍 Ya / Yes</button>'
        f'<button type="button" class="fb fb-down" data-answer="{aid}" data-rating="down" '
        f'title="Tidak membantu / Not helpful">👎 Tidak / No</button><span class="fb-done"></span></div>'
    )


def question_block(question: str, asked: str | None = None, *, queued: bool = False) -> str:
    """The user's question (escaped), with the rewritten question when a follow-up was rewritten; a queued
    question (asked while an earlier one is being answered) says it waits its turn."""
    extra = ""
    if asked and asked != question:
        extra = f'<div class="asked">{LABELS["understood"]}: <q>{escape(asked)}</q></div>'
    if queued:
        return (f'<div class="msg user queued"><div class="q-text">{escape(question)}</div>'
                f'<div class="queued-note">{LABELS["queued"]}</div></div>')
    return f'<div class="msg user"><div class="q-text">{escape(question)}</div>{extra}</div>'


def answer_block(turn: int, answer: dict, *, regions: Sequence[str] = (), titles: Sequence[str] = (),
                 answer_id: str | None = None, partial: str | None = None) -> str:
    """The bot's reply for a turn: answer text with linked markers and source cards, or a not-found notice.

    partial: the text that has arrived so far (no cards yet), "" while the documents are searched (a visible
    "searching" state); None renders the finished answer.
    """
    if partial == "":
        return (f'<div class="msg bot streaming thinking" role="status"><div class="answer-text">'
                f'{LABELS["thinking"]}<span class="dots" aria-hidden="true"><i></i><i></i><i></i></span></div></div>')
    if partial is not None:
        return f'<div class="msg bot streaming"><div class="answer-text">{escape(partial)}<span class="caret">▍</span></div></div>'
    citations = answer.get("citations") or []
    if answer.get("abstained"):
        return (
            f'<div class="msg bot abstained"><div class="abstain-head"><span class="icon" aria-hidden="true">🔍</span> '
            f'{LABELS["not_found"]}</div><div class="answer-text">{escape(answer.get("answer") or "")}</div>'
            f"{coverage(regions, titles)}{feedback_bar(answer_id) if answer_id else ''}</div>"
        )
    cards = "".join(source_card(turn, c) for c in citations)
    sources = f'<div class="sources"><div class="sources-head">{LABELS["sources"]}</div>{cards}</div>' if cards else ""
    text, short = answer.get("answer") or "", ""
    if answer.get("short_answer") and text.startswith(answer["short_answer"]):
        text = text[len(answer["short_answer"]):].lstrip("\n")
        short = f'<div class="short-answer">{linked_markers(answer["short_answer"], turn, len(citations))}</div>'
    checked = answer.get("checked") or []
    if checked:  # PLANBOT_LLM: the model wrote the answer; say how much of it the check kept
        kept = sum(1 for c in checked if c.get("kept"))
        model = escape(str(answer.get("llm_model") or ""))
        checked_note = f'<div class="checked-note">{model}: {kept}/{len(checked)} {LABELS["checked"]}</div>'
    else:
        checked_note = ""
    return (
        f'<div class="msg bot answered">{short}<div class="answer-text">'
        f'{linked_markers(text, turn, len(citations))}</div>{checked_note}'
        f"{sources}{feedback_bar(answer_id) if answer_id else ''}</div>"
    )


def error_block(message: str) -> str:
    """A question the service refused (empty, too long, unknown region): the reason, escaped."""
    return (
        f'<div class="msg bot error"><div class="abstain-head"><span class="icon" aria-hidden="true">⚠️</span> '
        f'{LABELS["error"]}</div><div class="answer-text">{escape(message)}</div></div>'
    )


def passage(text: str, start: int, end: int, *, context: int = 400) -> str:
    """A document passage around [start, end) with that span marked (for the plan browser)."""
    lo, hi = max(0, start - context), min(len(text), end + context)
    before, item, after = text[lo:start], text[start:end], text[end:hi]
    return (
        f'<div class="src-text passage">{"…" if lo > 0 else ""}{escape(before)}'
        f'<mark class="support">{escape(item)}</mark>{escape(after)}{"…" if hi < len(text) else ""}</div>'
    )


def source_url(doc_id: str, start: int, end: int) -> str:
    """The /api/source address of a span, its query URL-encoded (a doc_id may hold &, # or spaces)."""
    return "/api/source?" + urlencode({"doc_id": doc_id, "start": int(start), "end": int(end)})


def plan_source(src: dict, chart: str = "") -> str:
    """A plan row's source passage (from bot.web.plans.source_text): title, region, span, JSON link, text; for
    an indicator read from a table, the chart of its values (bot.web.chart) in place of the text."""
    link = escape(source_url(src["doc_id"], src["start"], src["end"]), quote=True)
    head = (f'<div class="src-head"><span class="src-title">{escape(src["title"])}</span>'
            f'<span class="src-score">{escape(src["region"] or "")} · {src["start"]}..{src["end"]}'
            f' · <a href="{link}" target="_blank">JSON</a></span></div>')
    if chart:  # a table row: its values charted and listed stand for the row's markup
        return f'<div class="plan-source">{head}{chart}</div>'
    text = src["before"] + src["text"] + src["after"]
    body = passage(text, len(src["before"]), len(src["before"]) + len(src["text"]), context=len(text))
    return f'<div class="plan-source">{head}{body}</div>'


CSS = """
#chat-log { display: flex; flex-direction: column; gap: 10px; }
#chat-log .msg { border-radius: 10px; padding: 10px 14px; line-height: 1.5; }
#chat-log .msg.user { align-self: flex-end; max-width: 85%; background: #e8f0fe; color: #0b2a5b; }
#chat-log .msg.user .asked { font-size: 0.85em; color: #50607a; margin-top: 4px; }
#chat-log .msg.bot { background: #f6f8fa; border: 1px solid #d0d7de; color: #1f2328; }
#chat-log .answer-text { white-space: pre-wrap; }
#chat-log .short-answer { font-size: 1.15em; font-weight: 600; margin-bottom: 6px; }
#chat-log a.cite { font-weight: 600; text-decoration: none; color: #0a58ca; padding: 0 1px; }
#chat-log .checked-note { font-size: 0.8em; color: #666; margin-top: 4px; }
#chat-log .msg.abstained { background: #fff8e1; border: 1px solid #f0b429; border-left: 6px solid #f0b429; color: #5c3c00; }
#chat-log .msg.error { background: #fdecea; border: 1px solid #e5534b; border-left: 6px solid #e5534b; color: #67060c; }
#chat-log .abstain-head { font-weight: 700; margin-bottom: 4px; }
#chat-log .coverage { margin-top: 8px; font-size: 0.92em; }
#chat-log .coverage-head, #chat-log .sources-head { font-weight: 700; margin: 8px 0 4px; }
#chat-log .src-card { border: 1px solid #d0d7de; border-radius: 8px; padding: 6px 10px; margin: 6px 0; background: #fff;
  scroll-margin-top: 80px; scroll-margin-bottom: 140px; }
#chat-log .src-card:target, #chat-log .src-card.targeted { outline: 3px solid #0a58ca; background: #eef4ff; }
#chat-log .src-card > summary { display: block; cursor: pointer; list-style: none; font-size: 0.95em; }
#chat-log .src-card > summary::-webkit-details-marker { display: none; }
#chat-log .src-card > summary .src-head::after { content: "▸"; color: #57606a; margin-left: 2px; }
#chat-log .src-card[open] > summary .src-head::after { content: "▾"; }
#chat-log .src-card .src-meta { display: block; }
#chat-log .src-head { display: flex; gap: 6px; align-items: baseline; }
#chat-log .src-n { font-weight: 700; color: #0a58ca; }
#chat-log .src-title { font-weight: 600; flex: 1; }
#chat-log .src-score { font-size: 0.8em; color: #57606a; white-space: nowrap; }
#chat-log .src-meta { font-size: 0.85em; color: #57606a; }
.src-text { white-space: pre-wrap; font-size: 0.92em; margin-top: 4px; max-height: 18em; overflow-y: auto; }
mark.support { background: #fff3a3; color: inherit; padding: 0 1px; }
.indicator-chart { margin: 6px 0; display: flex; flex-wrap: wrap; gap: 12px; align-items: flex-start; }
.indicator-chart figcaption { width: 100%; font-weight: 600; }
.indicator-values { font-size: 0.88em; border-collapse: collapse; }
.indicator-values th, .indicator-values td { border: 1px solid #d0d7de; padding: 2px 8px; text-align: left; }
.indicator-values caption { caption-side: bottom; font-size: 0.85em; color: #57606a; text-align: left; }
.src-table { max-height: 18em; overflow: auto; margin-top: 4px; font-size: 0.88em; }
.src-table table { border-collapse: collapse; }
.src-table caption { text-align: left; font-weight: 600; padding-bottom: 2px; }
.src-table th, .src-table td { border: 1px solid #d0d0d0; padding: 2px 6px; vertical-align: top; }
.src-table tr.support td { background: #fff3a3; }
#chat-log .feedback { margin-top: 8px; font-size: 0.9em; display: flex; gap: 6px; align-items: center; }
#chat-log .fb { border: 1px solid #d0d7de; border-radius: 6px; background: #fff; cursor: pointer; padding: 1px 8px; }
#chat-log .fb.chosen { background: #dafbe1; border-color: #2da44e; }
#chat-log .caret { animation: blink 1s steps(2) infinite; }
@keyframes blink { 50% { opacity: 0; } }
#chat-log .msg.bot.thinking { color: #57606a; font-style: italic; }
#chat-log .dots i { display: inline-block; width: 5px; height: 5px; margin-left: 4px; border-radius: 50%;
  background: currentColor; animation: blink 1.2s infinite; vertical-align: middle; }
#chat-log .dots i:nth-child(2) { animation-delay: 0.2s; }
#chat-log .dots i:nth-child(3) { animation-delay: 0.4s; }
#chat-log .msg.user.queued { opacity: 0.75; border: 1px dashed #8aa4d6; }
#chat-log .queued-note { font-size: 0.8em; color: #50607a; margin-top: 2px; }
/* The question box stays at the bottom of the window while the chat above it scrolls (phones above all).
   Gradio's container hides its overflow, which would make it the sticky bar's scroller: clip instead. */
.gradio-container { overflow: clip !important; }
#ask-bar { position: sticky; bottom: 0; z-index: 20; background: var(--background-fill-primary, #fff);
  padding: 6px 0; box-shadow: 0 -6px 8px -6px rgba(0, 0, 0, 0.18); flex-wrap: nowrap; align-items: flex-end; }
#ask-bar #ask { white-space: nowrap; }
@media (max-width: 640px) {
  #ask-bar #question label > span:first-child, #ask-bar #question [data-testid="block-info"] { display: none; }
  #ask-bar { align-items: stretch; }
  #ask-bar #question { min-width: 0 !important; }
  #ask-bar #ask { flex: 0 0 auto !important; min-width: 0 !important; width: auto !important; padding: 0 12px; }
  #chat-log .msg { padding: 8px 10px; }
  #chat-log .src-card > summary { font-size: 0.9em; }
  .src-text, .src-table { max-height: 14em; }
}
#plan-passage .passage { max-height: 24em; }
"""
