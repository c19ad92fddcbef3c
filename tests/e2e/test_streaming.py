"""A generated answer in the browser: its own `planbot chat` with PLANBOT_LLM pointing at a scripted model that
streams slowly (tests.scripted_llm). The page shows the text as it arrives, then the checked answer in its
place, with its citations, and without the sentence the check dropped."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.chat_server import chat_server, copy_home
from tests.e2e.test_chat import ask
from tests.scripted_llm import INVENTED, VISION, ScriptedLLM, scripted_llm

pytestmark = pytest.mark.e2e



@pytest.fixture(scope="module")
def llm() -> Iterator[ScriptedLLM]:
    with scripted_llm() as server:
        server.reply(VISION + INVENTED)
        server.piece_chars, server.piece_delay_s = 6, 0.15  # ~24 pieces over ~3.5 s
        yield server


@pytest.fixture(scope="module")
def chat_url(seeds_home, tmp_path_factory, llm) -> Iterator[str]:
    """This module's server (it replaces the session's in the `page` fixture): the same index, with a model."""
    home = copy_home(seeds_home, tmp_path_factory.mktemp("e2e-stream") / "home")
    with chat_server(home, home.parent / "server.log", PLANBOT_LLM=f"openai:{llm.url}", PLANBOT_LLM_TIMEOUT="30",
                     PLANBOT_LLM_RETRIES="0") as url:
        yield url


def test_a_generated_answer_streams_then_shows_its_checked_citations(page, llm):
    # record every text the page shows while the answer is on its way (not the "searching" state)
    page.evaluate("""() => { window.__partial = [];
        new MutationObserver(() => document.querySelectorAll('#chat-log .msg.bot.streaming:not(.thinking)')
            .forEach((e) => window.__partial.push(e.querySelector('.answer-text').innerText)))
        .observe(document.querySelector('#chat-log'), {childList: true, subtree: true, characterData: true}); }""")
    answer = ask(page, "Apa visi Kota Bekasi?")
    partial = [t.rstrip("▍").strip() for t in page.evaluate("window.__partial")]
    distinct = sorted({t for t in partial if t}, key=len)
    assert len(distinct) >= 3, partial  # several pieces of text shown before the answer was finished
    assert all((VISION + INVENTED).startswith(t) for t in distinct)  # the model's words so far, growing
    assert any(len(t) < len(VISION) for t in distinct)  # shown part-way, before the first sentence was complete
    assert any("750" in t for t in distinct)  # the unchecked sentence did stream ...
    text = answer.locator(".answer-text").inner_text()
    assert "Bekasi Maju, Sejahtera dan Ihsan" in text
    assert "750" not in text and "anggaran" not in text  # ... and the checked answer dropped it
    assert page.locator("#chat-log .msg.bot.streaming").count() == 0
    cite = answer.locator("a.cite").first
    assert cite.inner_text().strip("[]") == "1"
    cards = answer.locator(".src-card")
    assert cards.count() >= 1 and "Bekasi" in cards.nth(0).inner_text()
    cite.click()  # the checked citation leads to its card
    page.wait_for_function("(e) => e.open", arg=cards.nth(0).element_handle())
    assert llm.requests and llm.requests[-1]["stream"] is True
    assert not page.js_errors
