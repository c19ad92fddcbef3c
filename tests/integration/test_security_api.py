"""Issue 11, items 5-8: what `planbot chat` refuses, hides and escapes, over HTTP against real server processes.

Each test pins a bug of the server before the fix: non-JSON bodies, lone surrogates and huge bodies gave
500s or echoed the input back; unknown /api routes answered without an "error" key; before a login the page
listed every region and document id and /api/docs answered; wrong passwords were never slowed down; plan rows
starting with "=" reached spreadsheets as formulas; the plan tab's JSON link broke on a doc_id with "&" or
"#"; a crafted plan-table row got Python's raw error text; a question of zero-width characters was answered.
"""

from __future__ import annotations

import csv
import io
import json
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.chat_server import chat_server, copy_home
from tests.integration.store_state import run

USER, PASSWORD = "staf", "rahasia-123"
AUTH = {"PLANBOT_AUTH_USER": USER, "PLANBOT_AUTH_PASSWORD": PASSWORD}
ODD_DOC = "rencana&kota #1.md"  # a file name with the characters a query string gives meaning to
FORMULAS = ['=HYPERLINK("http://example.invalid/?x","klik") pembangunan sanitasi kota',
            "-1+1 peningkatan layanan air bersih", "@SUM(1) penguatan pendidikan dasar",
            "+cmd penataan ruang terbuka hijau"]
PLAN_TEXT = "# Visi dan Misi Kota Contoh 2025-2029\n\n## Visi\n\n\"Kota Contoh yang Maju dan Sejahtera\"\n\n" \
            "## Misi\n\nMisi Kota Contoh adalah:\n\n" + "".join(f"{i}. {m}\n" for i, m in enumerate(FORMULAS, 1))
MARK = "penanda-masukan-42"  # a string that must never come back in an error
ZERO_WIDTH = ["\u200b", "\u200c\u200d", "\ufeff", "\u2060", " \u200b \u2060 "]


# ---------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def tiny_home(tmp_path_factory, embedder) -> Path:
    """A real index of one small plan whose missions start with =, -, @ and + and whose doc_id holds & and #."""
    from index.indexer import Indexer
    from planbot.settings import Settings

    corpus = tmp_path_factory.mktemp("tiny-corpus")
    (corpus / ODD_DOC).write_text(PLAN_TEXT, encoding="utf-8")
    (corpus / "catalog.toml").write_text(f'["{ODD_DOC}"]\ntitle = "=Rencana Kota Contoh"\nregion = "Kota Contoh"\n'
                                         'period = "2025-2029"\n', encoding="utf-8")
    home = tmp_path_factory.mktemp("tiny") / "home"
    report = Indexer(Settings(home=home), embedder).ingest([corpus], progress=False)
    assert not report.failed, report.failed
    return home


@pytest.fixture(scope="module")
def open_url(tiny_home, tmp_path_factory) -> Iterator[str]:
    """`planbot chat` without a login, on a copy of the tiny index."""
    home = copy_home(tiny_home, tmp_path_factory.mktemp("open") / "home")
    with chat_server(home, home.parent / "server.log") as url:
        yield url


@pytest.fixture(scope="module")
def client(open_url) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=open_url, timeout=120) as c:
        yield c


@pytest.fixture(scope="module")
def auth_server(seeds_home, tmp_path_factory) -> Iterator[tuple[str, Path]]:
    """`planbot chat` with a login, on a copy of the seeds index: its URL and its home."""
    home = copy_home(seeds_home, tmp_path_factory.mktemp("auth") / "home")
    with chat_server(home, home.parent / "server.log", **AUTH) as url:
        yield url, home


def corpus_names(home: Path) -> list[str]:
    """Every region, title and doc_id of an index: what must not be visible before a login."""
    from index.manifest import Manifest
    from planbot.settings import Settings

    settings = Settings(home=home)
    docs = [d for d in Manifest(settings.manifest_path, settings.collection).documents() if d.chunk_ids]
    names = {d.doc_id for d in docs} | {d.metadata.get("region") for d in docs} | {d.metadata.get("title") for d in docs}
    return sorted(n for n in names if n)


def gradio_event(c: httpx.Client, api_name: str, data: list, event_data: dict | None = None) -> dict:
    """Run one event of the page through Gradio's queue, as the browser does; its process_completed message."""
    config = c.get("/config").raise_for_status().json()
    dep = next(d for d in config["dependencies"] if d.get("api_name") == api_name)
    session = uuid.uuid4().hex[:12]
    joined = c.post("/gradio_api/queue/join", json={
        "data": data, "event_data": event_data, "fn_index": dep["id"], "trigger_id": dep["targets"][0][0],
        "session_hash": session})
    assert joined.status_code == 200, joined.text
    with c.stream("GET", "/gradio_api/queue/data", params={"session_hash": session}) as stream:
        for line in stream.iter_lines():
            if line.startswith("data:"):
                msg = json.loads(line[5:])
                if msg.get("msg") == "process_completed":
                    return msg
    raise AssertionError(f"no result for {api_name}")


def assert_short_error(r: httpx.Response, status: int | tuple[int, ...], *, not_echoing: str = "") -> dict:
    """A JSON {"error": ...} of the given status, short, with no stack trace and none of the caller's input."""
    assert r.status_code in ((status,) if isinstance(status, int) else status), (r.status_code, r.text[:300])
    body = r.json()
    assert isinstance(body.get("error"), str) and body["error"], body
    assert len(r.content) < 1000 and "Traceback" not in r.text and "detail" not in body
    if not_echoing:
        assert not_echoing not in r.text
    return body


# ---------------------------------------------------------------- item 5: bodies the API cannot read


def test_a_text_plain_body_gets_415_not_500(client):
    r = client.post("/api/ask", content=f"Apa visi {MARK}?", headers={"content-type": "text/plain"})
    assert "JSON" in assert_short_error(r, 415, not_echoing=MARK)["error"]


def test_a_form_encoded_body_as_curl_sends_by_default_gets_415(client):
    r = client.post("/api/ask", content='{"question": "Apa visi?"}',
                    headers={"content-type": "application/x-www-form-urlencoded"})
    assert "Content-Type: application/json" in assert_short_error(r, 415)["error"]


def test_malformed_json_gets_400_naming_the_problem(client):
    r = client.post("/api/ask", content=f'{{"question": "Apa visi {MARK}?", ', headers={"content-type": "application/json"})
    assert "not valid JSON" in assert_short_error(r, 400, not_echoing=MARK)["error"]


def test_a_json_body_that_is_not_an_object_gets_422(client):
    r = client.post("/api/ask", json=[f"Apa visi {MARK}?"])
    assert "JSON object" in assert_short_error(r, 422, not_echoing=MARK)["error"]


@pytest.mark.parametrize("field", ["question", "history", "region"])
def test_a_lone_surrogate_gets_a_clear_400(client, field):
    payload = {"question": "Apa visi?"}
    raw = json.dumps(payload)[:-1] + {"question": ', "k": 2, "question": "apa \\ud800 visi"}',
                                      "history": ', "history": ["\\ud800"]}', "region": ', "region": "\\udc00"}'}[field]
    r = client.post("/api/ask", content=raw, headers={"content-type": "application/json"})
    body = assert_short_error(r, 400)
    assert "not valid Unicode" in body["error"] and body["error"].startswith(field)


def test_a_1_mb_question_is_refused_with_413_in_a_short_answer(client):
    question = "sanitasi " * 120_000  # ~1 MB
    r = client.post("/api/ask", json={"question": question})
    assert "64 KB" in assert_short_error(r, 413, not_echoing="sanitasi")["error"]


def test_a_100_kb_body_is_refused_with_413_even_when_each_field_is_valid(client):
    history = ["Apa visi Kota Contoh?"] * 5000  # ~125 KB of valid earlier questions
    assert_short_error(client.post("/api/ask", json={"question": "Apa misinya?", "history": history}), 413)


def test_a_chunked_body_without_length_is_cut_off_at_the_limit(client):
    def chunks():
        yield b'{"question": "Apa visi?", "history": ['
        for _ in range(2000):
            yield b'"' + b"x" * 100 + b'",'
        yield b'"x"]}'

    r = client.post("/api/ask", content=chunks(), headers={"content-type": "application/json"})
    assert_short_error(r, 413)


@pytest.mark.parametrize("method, path, status", [
    ("GET", "/api/nope", 404), ("POST", "/api/v2/ask", 404), ("GET", "/api", 404),
    ("GET", "/api/ask", 405), ("DELETE", "/api/health", 405),
])
def test_every_api_error_has_the_error_key(client, method, path, status):
    r = client.request(method, path)
    body = assert_short_error(r, status)
    if status == 404:
        assert "POST /api/ask" in body["error"]
    else:
        assert r.headers["allow"] in body["error"]


@pytest.mark.parametrize("params, status, words", [
    ({"doc_id": ODD_DOC, "start": -1, "end": 5}, 422, "start"),
    ({"doc_id": ODD_DOC, "start": "abc", "end": 5}, 422, "start"),
    ({"start": 0, "end": 5}, 422, "doc_id"),
    ({"doc_id": ODD_DOC, "start": 9, "end": 3}, 400, "outside"),
    ({"doc_id": "x" * 5000, "start": 0, "end": 1}, 422, "doc_id"),
    ({"doc_id": "tidak-ada-" + "y" * 300, "start": 0, "end": 1}, 404, "no ingested document"),
])
def test_bad_source_parameters_get_a_clear_error_that_does_not_echo(client, params, status, words):
    r = client.get("/api/source", params=params)
    assert words in assert_short_error(r, status, not_echoing=str(params.get("doc_id", ""))[-40:])["error"]


# ---------------------------------------------------------------- item 8: zero-width questions, plan tab


@pytest.mark.parametrize("question", ZERO_WIDTH)
def test_a_question_of_zero_width_characters_is_empty_on_the_api(client, question):
    body = assert_short_error(client.post("/api/ask", json={"question": question}), 400)
    assert "empty" in body["error"]
    assert body["error"] == assert_short_error(client.post("/api/ask", json={"question": "  "}), 400)["error"]


def test_a_question_of_zero_width_characters_is_empty_in_the_chat_page(open_url):
    from gradio_client import Client

    result = Client(open_url, verbose=False, download_files=False).predict(
        "\u200b\u2060\ufeff", "Semua / All", "Semua / All", api_name="/ask")
    html = result[0] if isinstance(result, (list, tuple)) else result
    assert "the question is empty" in html  # the words /api/ask answers with
    assert "abstained" not in html and "answered" not in html


def test_the_plan_tab_json_link_is_url_encoded_and_works(client, tiny_home):
    from index.manifest import Manifest
    from planbot.settings import Settings

    settings = Settings(home=tiny_home)
    item = next(i for i in Manifest(settings.manifest_path, settings.collection).plan_items() if i["kind"] == "mission")
    row = ["Kota Contoh", "mission", item["number"], "", item["text"], "", "=Rencana Kota Contoh", ODD_DOC,
           item["start"], item["end"]]
    msg = gradio_event(client, "plan_source", [], {"index": [1, 0], "value": "Kota Contoh", "row_value": row,
                                                   "col_value": [], "selected": True})
    html = msg["output"]["data"][0]
    href = html.split('href="')[1].split('"')[0].replace("&amp;", "&")
    assert "doc_id=rencana%26kota+%231.md" in href
    r = client.get(href)
    assert r.status_code == 200 and r.json()["doc_id"] == ODD_DOC and r.json()["text"] == item["text"]


@pytest.mark.parametrize("row_value", [
    ["a"] * 10,
    ["Kota Contoh", "mission", 1, "", "x", "", "t", ODD_DOC, "1e999", "2"],
    ["Kota Contoh", "mission", 1, "", "x", "", "t", ODD_DOC, "9" * 5000, 2],
    ["Kota Contoh", "mission", 1, "", "x", "", "t", {"nested": 1}, 0, 2],
    {"doc_id": ODD_DOC},
    ["only", "three", "cells"],
])
def test_a_crafted_plan_table_row_gets_a_clear_message(client, row_value):
    msg = gradio_event(client, "plan_source", [], {"index": [0, 0], "value": "x", "row_value": row_value,
                                                   "col_value": [], "selected": True})
    assert msg["success"], msg
    html = msg["output"]["data"][0]
    assert "select a row" in html
    for python_text in ("invalid literal", "int()", "Traceback", "object has no attribute", "KeyError", "Exceeds"):
        assert python_text not in html


# ---------------------------------------------------------------- item 7: CSV cells a spreadsheet would run


def check_escaped(table: list[dict]) -> None:
    missions = [r for r in table if r["kind"] == "mission"]
    assert [r["text"] for r in missions] == ["'" + m for m in FORMULAS]
    assert {r["title"] for r in table} == {"'=Rencana Kota Contoh"}
    assert all(not v.startswith(("=", "+", "-", "@", "\t", "\r")) for r in table for v in r.values())
    assert {r["number"] for r in missions} == {"1", "2", "3", "4"}  # numbers stay numbers


def test_planbot_plan_csv_escapes_formula_cells(tiny_home):
    out = run(tiny_home, "plan", "--csv").stdout
    check_escaped(list(csv.DictReader(io.StringIO(out))))


def test_the_plan_tab_csv_export_escapes_formula_cells(client):
    msg = gradio_event(client, "plan_export", ["Semua / All", "Semua / All", ""])
    assert msg["success"], msg
    file = msg["output"]["data"][0]
    r = client.get(file["url"])
    assert r.status_code == 200
    check_escaped(list(csv.DictReader(io.StringIO(r.content.decode("utf-8-sig")))))


# ---------------------------------------------------------------- item 6: what a login protects


def test_before_login_nothing_names_the_corpus(auth_server):
    url, home = auth_server
    names = corpus_names(home)
    assert "Kota Metro" in names and any(n.endswith(".txt") for n in names)
    paths = ["/", "/config", "/gradio_api/info", "/gradio_api/openapi.json", "/openapi.json", "/docs", "/redoc",
             "/api/docs", "/api/openapi.json", "/api/health", "/gradio_api/startup-events", "/manifest.json",
             "/gradio_api/app_id", "/login_check", "/gradio_api/token"]
    with httpx.Client(base_url=url, timeout=30) as c:
        for path in paths:
            r = c.get(path)
            leaked = [n for n in names if n in r.text or json.dumps(n)[1:-1] in r.text]
            assert not leaked, f"{path} ({r.status_code}) shows {leaked}"


@pytest.mark.parametrize("path", ["/api/docs", "/api/openapi.json"])
def test_api_docs_need_the_login(auth_server, path):
    url, _ = auth_server
    assert_short_error(httpx.get(f"{url}{path}"), 401)
    r = httpx.get(f"{url}{path}", auth=(USER, PASSWORD))
    assert r.status_code == 200 and "Planbot API" in r.text
    for other in ("/docs", "/redoc", "/openapi.json"):  # no docs of the outer app nor Gradio's, logged in or not
        assert httpx.get(f"{url}{other}", auth=(USER, PASSWORD)).status_code == 404


def test_after_login_the_filters_get_their_choices_and_gradio_client_can_filter(auth_server):
    from gradio_client import Client

    url, _ = auth_server
    with httpx.Client(base_url=url, timeout=60) as c:
        assert c.post("/login", data={"username": USER, "password": PASSWORD}).status_code == 200
        msg = gradio_event(c, "_filter_choices", [])
    region, doc, plan_region = msg["output"]["data"]
    assert ["Kota Metro", "Kota Metro"] in region["choices"] and region["choices"] == plan_region["choices"]
    assert any(v.endswith(".txt") for _, v in doc["choices"])
    client = Client(url, auth=(USER, PASSWORD), verbose=False, download_files=False)
    html = client.predict("Apa visi?", "Kota Bekasi", "Semua / All", api_name="/ask")[0]
    assert "Bekasi Maju, Sejahtera dan Ihsan" in html
    html = client.predict("Apa visi?", "Atlantis", "Semua / All", api_name="/ask")[0]
    assert "unknown region" in html


def test_failed_logins_are_throttled_on_the_page_and_the_api(auth_server):
    """20 wrong passwords in a row: after the first few, 429 with Retry-After, the wait doubling; the right
    password is not even checked while the address waits (so waiting is no way to keep guessing), works once
    the wait is over, and another address is not locked out meanwhile."""
    url, _ = auth_server
    other = httpx.Client(base_url=url, transport=httpx.HTTPTransport(local_address="127.0.0.2"), timeout=30)
    with httpx.Client(base_url=url, timeout=30) as c, other:
        statuses = []
        for i in range(20):
            if i % 2:
                r = c.post("/login", data={"username": USER, "password": f"salah-{i}"})
            else:
                r = c.get("/api/health", auth=(USER, f"salah-{i}"))
            statuses.append(r.status_code)
        assert set(statuses[:5]) <= {400, 401} and statuses.count(429) >= 10, statuses
        waiting = c.post("/login", data={"username": USER, "password": PASSWORD})
        assert waiting.status_code == 429 and "too many failed logins" in waiting.json()["error"]
        first_wait = int(waiting.headers["retry-after"])
        assert c.get("/api/health", auth=(USER, PASSWORD)).status_code == 429
        assert other.get("/api/health", auth=(USER, PASSWORD)).status_code == 200  # someone else still gets in

        time.sleep(first_wait + 0.2)
        assert c.get("/api/health", auth=(USER, "noch-falsch")).status_code == 401
        second = c.get("/api/health", auth=(USER, PASSWORD))
        assert second.status_code == 429 and int(second.headers["retry-after"]) > first_wait  # the wait grows

        time.sleep(int(second.headers["retry-after"]) + 0.2)
        assert c.post("/login", data={"username": USER, "password": PASSWORD}).status_code == 200
        assert c.get("/api/health", auth=(USER, PASSWORD)).status_code == 200  # and the slate is clean
        assert c.get("/api/health", auth=(USER, "ein-fehler")).status_code == 401
