"""The pure parts of the chat server's hardening (issue 11): login throttle, CSV escaping, question cleaning,
plan-row checks and the plan tab's source link. The HTTP side is in tests/integration/test_security_api.py."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from bot.plan import PlanRow
from bot.plan_csv import spreadsheet_safe, write_plan_csv
from bot.question_input import EMPTY_QUESTION, clean_question, require_question
from bot.web import render
from bot.web.limits import is_json
from bot.web.plans import row_span, write_csv
from bot.web.throttle import LoginThrottle, retry_after
from planbot.errors import PlanbotError


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_the_throttle_lets_a_few_failures_through_then_doubles_the_wait():
    clock = Clock()
    t = LoginThrottle(free_failures=3, first_delay_s=1, max_delay_s=8, clock=clock)
    assert [t.failed("a") for _ in range(3)] == [0, 0, 0] and t.wait_s("a") == 0
    assert t.failed("a") == 1 and t.wait_s("a") == 1
    assert t.wait_s("b") == 0  # another client is not affected
    clock.now += 1
    assert t.wait_s("a") == 0
    assert [t.failed("a") for _ in range(4)] == [2, 4, 8, 8]  # doubling, capped
    t.succeeded("a")
    assert t.wait_s("a") == 0 and t.failed("a") == 0  # a right password clears the record


def test_the_throttle_forgets_old_failures():
    clock = Clock()
    t = LoginThrottle(free_failures=1, clock=clock)
    t.failed("a")
    clock.now += 2 * 60 * 60
    assert t.failed("a") == 0


def test_retry_after_is_whole_seconds_at_least_one():
    assert [retry_after(w) for w in (0.01, 1.0, 1.2)] == [1, 1, 2]


@pytest.mark.parametrize("value, expected", [
    ("=1+1", "'=1+1"), ("+62 811", "'+62 811"), ("-5 persen", "'-5 persen"), ("@SUM(A1)", "'@SUM(A1)"),
    ("\tx", "'\tx"), ("\rx", "'\rx"), ("Misi 1 = maju", "Misi 1 = maju"), ("", ""), (3, 3), (None, None),
])
def test_spreadsheet_safe(value, expected):
    assert spreadsheet_safe(value) == expected


def test_the_plan_tab_csv_and_the_cli_csv_escape_the_same_way(tmp_path: Path):
    row = PlanRow(kind="mission", number=1, parent=None, text='=HYPERLINK("http://x.invalid")', start=3, end=30,
                  doc_id="d.md", region="-Kota", title="@Rencana", period=None)
    tab = write_csv([row], tmp_path / "plan.csv").read_bytes().decode("utf-8-sig")
    out = io.StringIO()
    write_plan_csv([row.as_dict()], out)
    assert tab == out.getvalue()
    cells = next(csv.DictReader(io.StringIO(tab)))
    assert cells["text"] == "'=HYPERLINK(\"http://x.invalid\")" and cells["region"] == "'-Kota"
    assert cells["title"] == "'@Rencana" and cells["number"] == "1" and cells["period"] == ""


@pytest.mark.parametrize("text", ["\u200b", "\u200c\u200d", "\ufeff", "\u2060", " \u200b\n\u2060 ", "", None])
def test_a_question_of_zero_width_characters_is_empty(text):
    assert clean_question(text) == ""
    with pytest.raises(PlanbotError, match="empty") as err:
        require_question(text)
    assert str(err.value) == EMPTY_QUESTION


def test_cleaning_keeps_the_words_and_drops_invisible_characters():
    assert clean_question("\ufeffApa  vi\u200bsi\nKota Metro?\u2060") == "Apa visi Kota Metro?"


@pytest.mark.parametrize("row", [None, "x", {"doc_id": "d"}, ["a"] * 3, ["a"] * 10,
                                 ["r", "k", 1, "", "t", "", "T", "d.md", "1e999", 2],
                                 ["r", "k", 1, "", "t", "", "T", ["d.md"], 0, 2],
                                 ["r", "k", 1, "", "t", "", "T", "d\ud800", 0, 2]])
def test_a_crafted_plan_row_gets_a_clear_message(row):
    with pytest.raises(PlanbotError, match="select a row"):
        row_span(row)


def test_a_plan_row_gives_its_span():
    assert row_span(["r", "k", 1, "", "t", "", "T", "a&b #1.md", "3", 9]) == ("a&b #1.md", 3, 9)


def test_the_source_link_is_url_encoded_then_html_escaped():
    src = {"doc_id": "a&b #1.md", "title": "T", "region": None, "start": 3, "end": 9, "text": "x", "before": "",
           "after": ""}
    html = render.plan_source(src)
    href = html.split('href="')[1].split('"')[0]
    assert "&amp;start=3" in href and "#" not in href
    query = parse_qs(urlsplit(href.replace("&amp;", "&")).query)
    assert query == {"doc_id": ["a&b #1.md"], "start": ["3"], "end": ["9"]}


@pytest.mark.parametrize("content_type, ok", [
    ("application/json", True), ("application/json; charset=utf-8", True), ("application/vnd.api+json", True),
    ("text/plain", False), ("application/x-www-form-urlencoded", False), ("multipart/form-data; boundary=x", False),
])
def test_is_json(content_type, ok):
    assert is_json(content_type) is ok
