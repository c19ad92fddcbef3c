"""Planbot as an OpenAI-compatible model: the official `openai` client against a real `planbot chat` process.

The chat server runs with PLANBOT_LLM pointing at the scripted chat service (tests.scripted_llm, a real HTTP
server in this process) and with a login, which OpenAI clients send as their API key.
"""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from tests.chat_server import chat_server, copy_home
from tests.scripted_llm import VISION

openai = pytest.importorskip("openai")

PASSWORD = "s3cret-planbot"


@pytest.fixture(scope="module")
def server_url(seeds_home, tmp_path_factory, llm) -> Iterator[str]:
    home = copy_home(seeds_home, tmp_path_factory.mktemp("openai-api") / "home")
    with chat_server(home, home.parent / "server.log", PLANBOT_LLM=f"openai:{llm.url}",
                     PLANBOT_AUTH_USER="planner", PLANBOT_AUTH_PASSWORD=PASSWORD) as url:
        yield url


@pytest.fixture(scope="module")
def client(server_url):
    return openai.OpenAI(base_url=f"{server_url}/v1", api_key=PASSWORD, timeout=120, max_retries=0)


@pytest.fixture(autouse=True)
def _fresh(llm):
    llm.requests.clear()
    llm.reply(VISION)


def test_models_lists_planbot(client):
    assert [m.id for m in client.models.list()] == ["planbot"]


def test_a_completion_carries_the_answer_and_its_citations_as_text_and_data(client, llm):
    llm.reply(f"{VISION} Visi ini didukung anggaran Rp 750 miliar [1].")
    r = client.chat.completions.create(model="planbot", messages=[{"role": "user", "content": "Apa visi Kota Bekasi?"}])
    content = r.choices[0].message.content
    assert content.startswith(VISION + "\n\nSumber:\n[1] Visi dan Misi Kepala Daerah Kota Bekasi")
    assert "750" not in content and r.choices[0].finish_reason == "stop"
    extra = r.model_extra
    assert extra["citations"][0]["n"] == 1 and "Bekasi Maju" in extra["citations"][0]["text"]
    planbot = extra["planbot"]
    assert planbot["dropped"] == 1 and [c["kept"] for c in planbot["checked"]] == [True, False]


def test_streaming_arrives_in_pieces_with_the_citations_last(client):
    stream = client.chat.completions.create(
        model="planbot", stream=True, messages=[{"role": "user", "content": "Apa visi Kota Bekasi?"}])
    chunks = list(stream)
    text = "".join(c.choices[0].delta.content or "" for c in chunks)
    assert len([c for c in chunks if c.choices[0].delta.content]) >= 3
    assert text.startswith(VISION) and "\n\nSumber:\n[1] " in text
    assert chunks[-1].choices[0].finish_reason == "stop"
    assert chunks[-1].model_extra["citations"][0]["n"] == 1


def test_a_followup_is_rewritten_from_the_earlier_user_messages(client, llm):
    llm.reply("The vision of Kota Bekasi for 2013–2018 is “Bekasi Maju, Sejahtera dan Ihsan” [1].")
    r = client.chat.completions.create(model="planbot", messages=[
        {"role": "system", "content": "You are helpful."},
        {"role": "user", "content": "What is the vision of Kota Metro?"},
        {"role": "assistant", "content": "..."},
        {"role": "user", "content": [{"type": "text", "text": "What about Kota Bekasi?"}]},
    ])
    assert r.model_extra["planbot"]["question"] == "What is the vision of Kota Bekasi?"
    assert "What about Kota Bekasi?" in llm.requests[-1]["messages"][1]["content"]
    assert r.choices[0].message.content.startswith("The vision of Kota Bekasi")


def test_the_login_is_required_and_errors_are_openai_shaped(server_url):
    wrong = openai.OpenAI(base_url=f"{server_url}/v1", api_key="wrong", max_retries=0)
    with pytest.raises(openai.AuthenticationError):
        wrong.models.list()
    r = httpx.get(f"{server_url}/v1/models", auth=("planner", PASSWORD))  # basic auth as on /api
    assert r.status_code == 200
    r = httpx.post(f"{server_url}/v1/chat/completions", auth=("planner", PASSWORD),
                   json={"model": "planbot", "messages": [{"role": "system", "content": "hi"}]})
    assert r.status_code == 400 and "no user message" in r.json()["error"]["message"]
