"""POST /api/ask with "stream": true: server-sent events from a real `planbot chat` process whose PLANBOT_LLM is a
scripted OpenAI-compatible service streaming slowly (tests.scripted_llm), and the same route without a model."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from itertools import pairwise

import httpx
import pytest
from fastapi.testclient import TestClient

from bot.web.api import api_app
from planbot.settings import Settings
from tests.chat_server import chat_server, copy_home
from tests.scripted_llm import INVENTED, VISION


@pytest.fixture(scope="module")
def api_url(seeds_home, tmp_path_factory, llm) -> Iterator[str]:
    home = copy_home(seeds_home, tmp_path_factory.mktemp("api-stream") / "home")
    with chat_server(home, home.parent / "server.log", PLANBOT_LLM=f"openai:{llm.url}", PLANBOT_LLM_TIMEOUT="20",
                     PLANBOT_LLM_RETRIES="0") as url:
        yield url


@pytest.fixture(autouse=True)
def _fresh(llm):
    llm.requests.clear()
    llm.reply(VISION + INVENTED)
    llm.piece_chars, llm.piece_delay_s = 8, 0.1  # ~17 pieces over ~1.7 s


def events(response) -> Iterator[tuple[str, dict, float]]:
    """(event, data, arrival time) of each server-sent event, as it arrives."""
    name, data = "message", []
    for line in response.iter_lines():
        if line.startswith("event:"):
            name = line[6:].strip()
        elif line.startswith("data:"):
            data.append(line[5:].strip())
        elif not line and data:
            yield name, json.loads("\n".join(data)), time.monotonic()
            name, data = "message", []


def streamed(base_url: str, body: dict, **kw) -> tuple[httpx.Response, list[tuple[str, dict, float]]]:
    with httpx.Client(base_url=base_url, timeout=120, **kw) as client, \
            client.stream("POST", "/api/ask", json=body) as r:
        if r.status_code != 200:
            r.read()
            return r, []
        return r, list(events(r))


def test_a_generated_answer_streams_then_its_checked_answer_replaces_it(api_url, llm):
    r, got = streamed(api_url, {"question": "Apa visi Kota Bekasi?", "stream": True})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/event-stream")
    names = [name for name, _, _ in got]
    assert names[-2:] == ["answer", "done"] and set(names[:-2]) == {"text"} and len(names) >= 6
    texts = [data for name, data, _ in got if name == "text"]
    assert all(b["text"].startswith(a["text"]) for a, b in pairwise(texts))
    assert all(a["text"] + b["delta"] == b["text"] for a, b in pairwise(texts))
    assert texts[-1]["text"] == VISION + INVENTED  # the model's words, unchecked, while they arrive
    first_text, final = got[0][2], got[-2][2]
    assert final - first_text > 0.5  # really streamed, not sent all at once at the end
    answer = got[-2][1]
    assert answer["answer"] == VISION and answer["dropped"] == 1  # the checked answer: the invented figure gone
    assert [c["kept"] for c in answer["checked"]] == [True, False] and answer["citations"][0]["n"] == 1
    assert llm.requests[-1]["stream"] is True


def test_the_final_event_is_the_same_object_as_without_stream(api_url):
    plain = httpx.post(f"{api_url}/api/ask", json={"question": "Apa visi Kota Bekasi?"}, timeout=120)
    assert plain.status_code == 200 and plain.headers["content-type"] == "application/json"
    _, got = streamed(api_url, {"question": "Apa visi Kota Bekasi?", "stream": True})
    final = got[-2][1]
    assert set(final) == set(plain.json())
    assert final["answer"] == plain.json()["answer"] == VISION


def test_a_refusal_streams_only_the_answer_and_is_never_sent_to_the_model(api_url, llm):
    _, got = streamed(api_url, {"question": "Berapa jumlah penduduk Kota Metro?", "stream": True})
    assert [name for name, _, _ in got] == ["answer", "done"]
    assert got[0][1]["abstained"] and not llm.requests


def test_a_refused_question_is_the_usual_json_error(api_url):
    r, got = streamed(api_url, {"question": "   ", "stream": True})
    assert r.status_code == 400 and not got
    assert set(r.json()) == {"error"}
    r, _ = streamed(api_url, {"question": "Apa visi?", "stream": "yes please"})
    assert r.status_code == 422 and "stream" in r.json()["error"]


def test_without_a_model_the_stream_is_the_extractive_answer(bot):
    with TestClient(api_app(bot, Settings(home=bot.settings.home))) as client, \
            client.stream("POST", "/ask", json={"question": "Apa visi Kota Bekasi?", "stream": True}) as r:
        assert r.status_code == 200 and r.headers["content-type"].startswith("text/event-stream")
        got = list(events(r))
    assert [name for name, _, _ in got] == ["answer", "done"]
    assert "Bekasi Maju, Sejahtera dan Ihsan" in got[0][1]["answer"] and "generated" not in got[0][1]


def test_a_stream_needs_the_login_like_the_rest_of_the_api(bot):
    settings = Settings(home=bot.settings.home, auth_user="staf", auth_password="rahasia-123")
    with TestClient(api_app(bot, settings)) as client:
        r = client.post("/ask", json={"question": "Apa visi Kota Bekasi?", "stream": True})
        assert r.status_code == 401 and set(r.json()) == {"error"}
        with client.stream("POST", "/ask", json={"question": "Apa visi Kota Bekasi?", "stream": True},
                           auth=("staf", "rahasia-123")) as ok:
            assert ok.status_code == 200 and [n for n, _, _ in events(ok)] == ["answer", "done"]
