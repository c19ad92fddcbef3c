"""Browser tests: one real server per session over a copy of the seeds index, Debian chromium via Playwright."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.chat_server import chat_server, copy_home
from tests.conftest import ROOT

CHROMIUM = Path(os.environ.get("PLANBOT_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
SCREENSHOTS = ROOT / "artifacts" / "screenshots"


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/e2e/" in str(item.fspath):
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="session")
def e2e_home(seeds_home, tmp_path_factory) -> Path:
    """A copy of the seeds index: the upload tests ingest into it."""
    return copy_home(seeds_home, tmp_path_factory.mktemp("e2e") / "home")


@pytest.fixture(scope="session")
def chat_url(e2e_home, tmp_path_factory) -> Iterator[str]:
    with chat_server(e2e_home, tmp_path_factory.mktemp("e2e-log") / "server.log") as url:
        yield url


@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is missing: apt-get install chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}


@pytest.fixture
def viewport() -> dict[str, int]:
    """The page's window size: a desktop unless a test parametrizes it (e.g. with PHONE)."""
    return DESKTOP


@pytest.fixture
def page(browser, chat_url, request, viewport):
    """A fresh page on the chat app; a screenshot of it is saved under artifacts/screenshots/ afterwards."""
    context = browser.new_context(viewport=viewport)
    page = context.new_page()
    page.set_default_timeout(90_000)
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(chat_url, wait_until="load")
    page.wait_for_selector("#question textarea")
    page.js_errors = errors
    yield page
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    name = re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.name)
    try:
        page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)
    finally:
        context.close()
