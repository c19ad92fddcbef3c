"""The indicator chart of the Plans tab: values read as plan tables write them, drawn safely."""

from __future__ import annotations

import re

from bot.web.chart import indicator_chart, value_range
from planbot.language import numbers_in, read_number


def test_numbers_as_plan_tables_write_them():
    assert read_number("14,2") == 14.2 and read_number("1.273.358") == 1273358
    assert read_number("3.679,36") == 3679.36 and read_number("2,332,494") == 2332494
    assert read_number("4.53") == 4.53 and read_number("1.250") == 1250
    assert numbers_in("5,00-5,30") == [5.0, 5.3]


def test_a_value_is_a_point_or_a_range_and_a_remark_in_parentheses_is_not_the_value():
    assert value_range("15,8") == (15.8, 15.8)
    assert value_range("5,00-5,30") == (5.0, 5.3)
    assert value_range("55,96 (2023)") == (55.96, 55.96)
    assert value_range("A (82,14)") == (82.14, 82.14)
    assert value_range("A") is None


def test_the_chart_has_a_point_per_value_and_the_values_table_escaped():
    fields = {"unit": "persen", "baseline": "17,2", "final": "12,3", "table": "Tabel <III.2>",
              "targets": {"2025": "15,8", "2026": "15", "2027": "14,2", "2028": "A"}}
    html = indicator_chart("Prevalensi <b>Stunting</b>", fields)
    assert "<b>" not in html and "Prevalensi &lt;b&gt;Stunting&lt;/b&gt; (persen)" in html
    assert len(re.findall(r'<circle class="point"', html)) == 4  # baseline and three years; "A" has no number
    assert "<th>2028</th><td>A</td>" in html and "<th>akhir</th><td>12,3</td>" in html
    assert "<caption>Tabel &lt;III.2&gt;</caption>" in html
    ys = [float(y) for y in re.findall(r'<circle class="point" cx="[\d.]+" cy="([\d.]+)"', html)]
    assert ys == sorted(ys)  # falling targets are drawn lower year by year (SVG y grows downwards)


def test_no_chart_without_values():
    assert indicator_chart("Misi 1", None) == "" and indicator_chart("X", {"unit": "persen"}) == ""
