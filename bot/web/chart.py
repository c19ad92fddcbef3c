"""A small chart of an indicator's baseline and yearly targets (inline SVG), with the row's values beside it.

Staff would rather look than read a row of twelve numbers. The chart is drawn from the values the plan
table states (PlanItem.fields): a point per year, a range ("5,00-5,30") as a bar between its ends, grades
without a number ("A") left off the chart but kept in the table beside it. Every text is escaped.
"""

from __future__ import annotations

import re
from html import escape

from planbot.language import numbers_in

WIDTH, HEIGHT = 420, 180
PAD_LEFT, PAD_RIGHT, PAD_TOP, PAD_BOTTOM = 56, 16, 14, 28
_PARENS = re.compile(r"\([^)]*\)")


def value_range(value: str) -> tuple[float, float] | None:
    """Low and high of a written value ("15,8" -> (15.8, 15.8); "5,00-5,30" -> (5.0, 5.3)); None when it holds
    no number. A remark in parentheses ("55,96 (2023)") is read only when nothing else holds a number."""
    outside = _PARENS.sub(" ", value)
    numbers = numbers_in(outside) or numbers_in(value)
    if not numbers:
        return None
    return min(numbers[:2]), max(numbers[:2])


def series(fields: dict, language: str = "id") -> list[tuple[str, str, tuple[float, float] | None]]:
    """(label, written value, range) for the baseline, then each year's target (or value), then the final one."""
    out = []
    if fields.get("baseline"):
        out.append(("awal" if language == "id" else "baseline", fields["baseline"], value_range(fields["baseline"])))
    yearly = fields.get("targets") or fields.get("values") or fields.get("outturns") or {}
    for year, value in sorted(yearly.items()):
        out.append((year, value, value_range(value)))
    return out


def _fmt(x: float) -> str:
    text = f"{x:,.2f}".rstrip("0").rstrip(".")
    return text.replace(",", " ").replace(".", ",").replace(" ", ".")


def svg(points: list[tuple[str, str, tuple[float, float] | None]], title: str) -> str:
    """The chart: one column per point, a dot at each value (a bar for a range), the line through mid-points."""
    plotted = [(i, r) for i, (_, _, r) in enumerate(points) if r is not None]
    if len(plotted) < 2:
        return ""
    lo = min(r[0] for _, r in plotted)
    hi = max(r[1] for _, r in plotted)
    if hi == lo:
        lo, hi = lo - 1, hi + 1
    gridlines = (lo, (lo + hi) / 2, hi)  # at the lowest, middle and highest value drawn
    span = hi - lo
    lo, hi = lo - span * 0.1, hi + span * 0.1
    inner_w = WIDTH - PAD_LEFT - PAD_RIGHT
    inner_h = HEIGHT - PAD_TOP - PAD_BOTTOM
    step = inner_w / max(len(points) - 1, 1)

    def x(i: int) -> float:
        return PAD_LEFT + i * step

    def y(v: float) -> float:
        return PAD_TOP + (hi - v) / (hi - lo) * inner_h

    opening = (f'<svg class="indicator-svg" role="img" viewBox="0 0 {WIDTH} {HEIGHT}" width="{WIDTH}" '
               f'height="{HEIGHT}" xmlns="http://www.w3.org/2000/svg"><title>{escape(title)}</title>')
    parts = [opening]
    for v in gridlines:
        parts.append(f'<line x1="{PAD_LEFT}" x2="{WIDTH - PAD_RIGHT}" y1="{y(v):.1f}" y2="{y(v):.1f}" '
                     'stroke="#d0d7de" stroke-width="1"/>')
        parts.append(f'<text x="{PAD_LEFT - 6}" y="{y(v) + 4:.1f}" font-size="11" text-anchor="end" '
                     f'fill="#57606a">{escape(_fmt(v))}</text>')
    line = " ".join(f"{x(i):.1f},{y((r[0] + r[1]) / 2):.1f}" for i, r in plotted)
    parts.append(f'<polyline points="{line}" fill="none" stroke="#0a58ca" stroke-width="2"/>')
    for i, (label, written, r) in enumerate(points):
        parts.append(f'<text x="{x(i):.1f}" y="{HEIGHT - 8}" font-size="11" text-anchor="middle" '
                     f'fill="#1f2328">{escape(label)}</text>')
        if r is None:
            continue
        if r[1] > r[0]:
            parts.append(f'<line x1="{x(i):.1f}" x2="{x(i):.1f}" y1="{y(r[0]):.1f}" y2="{y(r[1]):.1f}" '
                         'stroke="#0a58ca" stroke-width="6" stroke-linecap="round" opacity="0.45"/>')
        colour = "#57606a" if i == 0 and label in ("awal", "baseline") else "#0a58ca"
        parts.append(f'<circle class="point" cx="{x(i):.1f}" cy="{y((r[0] + r[1]) / 2):.1f}" r="4" '
                     f'fill="{colour}"><title>{escape(label)}: {escape(written)}</title></circle>')
    parts.append("</svg>")
    return "".join(parts)


def indicator_chart(name: str, fields: dict | None, language: str = "id") -> str:
    """The chart and the row's values as a table, for an indicator row; "" when the row has no values."""
    if not fields:
        return ""
    points = series(fields, language)
    if not points:
        return ""
    unit = fields.get("unit", "")
    title = f"{name} ({unit})" if unit else name
    cells = "".join(f"<tr><th>{escape(label)}</th><td>{escape(written)}</td></tr>" for label, written, _ in points)
    if fields.get("final"):
        cells += f"<tr><th>{'akhir' if language == 'id' else 'final'}</th><td>{escape(fields['final'])}</td></tr>"
    caption = escape(fields.get("table", ""))
    return (f'<figure class="indicator-chart"><figcaption>{escape(title)}</figcaption>{svg(points, title)}'
            f'<table class="indicator-values"><caption>{caption}</caption>{cells}</table></figure>')
