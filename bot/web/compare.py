"""The compare view of the Plans tab: pick two or more regions or documents and a theme, see their plan items
side by side (one column each, rows by kind, every cell cited and its source a click away), export as CSV.

Every document string is escaped (html.escape via bot.web.render); CSV cells are spreadsheet-safe.
"""

from __future__ import annotations

import csv
from html import escape
from pathlib import Path

import gradio as gr

from bot.compare import NO_DOCUMENTS, NOT_FOUND, Comparison, Item
from bot.plan_csv import spreadsheet_safe
from bot.web import render
from ingest.structure import KINDS
from planbot.errors import PlanbotError

CSV_NAME = "planbot-compare.csv"
CSV_FIELDS = ["theme", "column", "region", "kind", "label", "number", "parent", "text", "citation", "title",
              "doc_id", "start", "end"]
REGION, DOC = "region:", "doc:"
KIND_NAMES = {
    "vision": "Visi / Vision", "agency_vision": "Visi dinas / Agency vision", "vision_pillar": "Pokok visi / Vision pillar",
    "mission": "Misi / Mission", "agency_mission": "Misi dinas / Agency mission", "commitment": "Komitmen / Commitment",
    "program": "Program", "affair": "Urusan / Affair", "indicator": "Indikator / Indicator", "goal": "Tujuan / Goal",
    "passage": "Kutipan / Passage",
}
CSS = """
#compare-table .cmp-wrap { overflow-x: auto; }
#compare-table table.cmp { border-collapse: collapse; width: 100%; table-layout: fixed; font-size: 0.92em; }
#compare-table .cmp th, #compare-table .cmp td { border: 1px solid #d0d7de; padding: 6px 8px; vertical-align: top; }
#compare-table .cmp thead th { background: #f6f8fa; text-align: left; }
#compare-table .cmp th.cmp-kind { width: 11em; background: #f6f8fa; text-align: left; font-weight: 600; }
#compare-table .cmp .cmp-label { font-weight: 600; color: #50607a; margin-right: 4px; }
#compare-table .cmp a.cmp-cite { font-weight: 600; text-decoration: none; color: #0a58ca; margin-left: 2px; }
#compare-table .cmp td.cmp-none { color: #7a5c00; background: #fff8e1; font-style: italic; }
#compare-table .cmp details.cmp-src summary { cursor: pointer; font-size: 0.85em; color: #57606a; }
#compare-table .cmp .src-text { max-height: 12em; }
#compare-table .cmp-theme { margin-bottom: 6px; }
"""


def choices(bot) -> list[tuple[str, str]]:
    """What can be compared: each region (all its documents), then each ingested document."""
    regions = [(f"{r} (semua dokumen / all documents)", f"{REGION}{r}") for r in bot.corpus.regions]
    docs = [(f"{d.metadata.get('title') or d.doc_id} ({d.doc_id})", f"{DOC}{d.doc_id}")
            for d in bot.manifest.summaries() if d.chunks]
    return regions + docs


def chosen(values: object) -> tuple[list[str], list[str]]:
    """(regions, doc_ids) of the dropdown's values; PlanbotError for anything the page could not have sent."""
    if isinstance(values, str):
        values = [values]
    if not isinstance(values, (list, tuple)):
        raise PlanbotError("choose two or more regions or documents to compare")
    regions, docs = [], []
    for v in values:
        if isinstance(v, str) and v.startswith(REGION):
            regions.append(v[len(REGION):])
        elif isinstance(v, str) and v.startswith(DOC):
            docs.append(v[len(DOC):])
        else:
            raise PlanbotError("choose the regions or documents from the list")
    return list(dict.fromkeys(regions)), list(dict.fromkeys(docs))


def _cell(item: Item, result: Comparison) -> str:
    """One item: its label, its text, its [n] linking to the source span, and the cited passage (marked)."""
    c = result.citations[item.citation - 1]
    link = escape(render.source_url(item.doc_id, item.start, item.end), quote=True) if item.start is not None else "#"
    where = f"{c.title}" + (f" · {c.section}" if c.section else "")
    if item.start is not None and c.start is not None:  # the item marked, with the text around it
        source = render.passage(c.text, item.start - c.start, item.end - c.start, context=300)
    else:
        source = f'<div class="src-text">{render.highlighted(c.text, [])}</div>'
    label = "" if item.kind == "passage" else f'<span class="cmp-label">{escape(item.label)}</span>'
    return (
        f'<div class="cmp-item">{label}<span class="cmp-text">{escape(item.text)}</span>'
        f'<a class="cmp-cite" href="{link}" target="_blank" title="{escape(where, quote=True)}">[{item.citation}]</a>'
        f'<details class="cmp-src"><summary>Sumber / Source [{item.citation}]: {escape(where)}</summary>'
        f"{source}</details></div>"
    )


def table_html(result: Comparison) -> str:
    """The comparison as an HTML table: a column per section, rows by kind of item; empty sections say so."""
    sections = result.sections
    kinds = [k for k in (*KINDS, *sorted({i.kind for s in sections for i in s.items} - {*KINDS, "passage"}), "passage")
             if any(i.kind == k for s in sections for i in s.items)]
    head = '<th class="cmp-kind">Jenis / Kind</th>' + "".join(
        f'<th class="cmp-col">{escape(s.name)}{f" <small>({escape(s.region)})</small>" if s.region and s.region != s.name else ""}</th>'
        for s in sections)
    body = []
    if any(not s.items for s in sections):
        cells = "".join(
            '<td class="cmp-none">' + escape((NOT_FOUND if s.known else NO_DOCUMENTS)["id"]) + " / "
            + escape((NOT_FOUND if s.known else NO_DOCUMENTS)["en"]) + "</td>" if not s.items else "<td></td>"
            for s in sections)
        body.append(f'<tr class="cmp-row-none"><th class="cmp-kind">—</th>{cells}</tr>')
    for kind in kinds:
        by_section = [[i for i in s.items if i.kind == kind] for s in sections]
        for n in range(max(len(x) for x in by_section)):
            cells = "".join(f"<td>{_cell(x[n], result)}</td>" if n < len(x) else "<td></td>" for x in by_section)
            name = escape(KIND_NAMES.get(kind, kind)) if n == 0 else ""
            body.append(f'<tr data-kind="{escape(kind, quote=True)}"><th class="cmp-kind">{name}</th>{cells}</tr>')
    theme = f'<div class="cmp-theme">Tema / Theme: <b>{escape(result.theme.text)}</b></div>'
    return (f'{theme}<div class="cmp-wrap"><table class="cmp"><thead><tr>{head}</tr></thead>'
            f'<tbody>{"".join(body)}</tbody></table></div>')


def write_csv(result: Comparison, path: Path) -> Path:
    """The comparison as CSV: one line per cited item, one per empty column (UTF-8 with BOM; formulas escaped)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8-sig") as fh:
        writer = csv.writer(fh)
        writer.writerow(CSV_FIELDS)
        for s in result.sections:
            lines = [{"kind": i.kind, "label": i.label, "number": i.number, "parent": i.parent, "text": i.text,
                      "citation": i.citation, "title": i.title, "doc_id": i.doc_id, "start": i.start, "end": i.end}
                     for i in s.items]
            if not lines:
                lines = [{"kind": "none", "text": (NOT_FOUND if s.known else NO_DOCUMENTS)["en"], "doc_id": ";".join(s.doc_ids)}]
            for line in lines:
                row = {"theme": result.theme.text, "column": s.name, "region": s.region, **line}
                writer.writerow([spreadsheet_safe("" if row.get(f) is None else row.get(f)) for f in CSV_FIELDS])
    return path


def run(bot, exports, values: object, theme: str | None) -> tuple[str, str | None]:
    """The compare button: (the table's HTML or the reason there is none, the CSV's path or None)."""
    try:
        regions, docs = chosen(values or [])
        result = bot.compare(" ".join((theme or "").split())[:200], regions=regions, doc_ids=docs)
    except PlanbotError as exc:
        return render.error_block(str(exc)), None
    return table_html(result), str(write_csv(result, exports.path(CSV_NAME)))


def build(bot, exports, demo: gr.Blocks, *, login: bool = False) -> None:
    """The compare view's components and events, inside the Plans tab of `demo`."""
    built = [] if login else choices(bot)  # with a login, the choices come when the page loads
    gr.Markdown("### Bandingkan rencana / Compare plans\nPilih dua atau lebih wilayah atau dokumen, lalu ketik "
                "tema · Pick two or more regions or documents and type a theme (e.g. sanitasi, misi infrastruktur).")
    with gr.Row():
        picked = gr.Dropdown(built, value=[], multiselect=True, scale=3,
                             label="Wilayah atau dokumen / Regions or documents", elem_id="compare-docs")
        theme = gr.Textbox(label="Tema / Theme", placeholder="sanitasi", elem_id="compare-theme", scale=2,
                           max_length=200)
        go = gr.Button("Bandingkan / Compare", variant="primary", elem_id="compare-go", scale=1)
    table = gr.HTML("", elem_id="compare-table")
    file = gr.File(label="CSV", elem_id="compare-file", interactive=False)
    gr.on([go.click, theme.submit], lambda values, text: run(bot, exports, values, text), inputs=[picked, theme],
          outputs=[table, file], api_visibility="private")

    def refresh():  # documents ingested since the page was built (another process, an upload); else unchanged
        now = choices(bot)
        return gr.skip() if now == built else gr.Dropdown(choices=now)

    demo.load(refresh, outputs=[picked], api_visibility="private")
