"""The Plans tab's compare view in a real browser against a real `planbot chat` process on the seeds index."""

from __future__ import annotations

import csv
import io

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout

pytestmark = pytest.mark.e2e

RPJMD = "Visi dan Misi Kota Metro 2021-2026 (RPJMD)"
BEKASI = "Visi dan Misi Kepala Daerah Kota Bekasi 2013-2018 (Renstra Kecamatan)"


def pick(page, title: str) -> None:
    """Choose a document in the compare view's multiselect: type its title, which leaves its option alone in
    the list, and press Enter; then wait until it shows as chosen. (Clicking an option in the full list may
    miss it: the list scrolls while it opens.)"""
    box = page.locator("#compare-docs input")
    token = page.locator("#compare-docs .token", has_text=title)
    for _ in range(3):
        page.locator("#compare-theme").click()  # leave the dropdown, so that it opens afresh
        box.click()
        box.fill(title)
        try:
            page.wait_for_function(
                """([t]) => { const o = [...document.querySelectorAll('[role=option]')];
                              return o.length > 0 && o.every((e) => (e.getAttribute('aria-label') || '').includes(t)); }""",
                arg=[title], timeout=10_000)
            box.press("Enter")
            token.first.wait_for(timeout=5_000)
            return
        except PlaywrightTimeout:
            box.press("Escape")
    raise AssertionError(f"could not choose {title!r} in the compare view")


def test_compare_two_documents_on_a_theme_and_export_csv(page):
    page.get_by_role("tab", name="Rencana / Plans").click()
    pick(page, RPJMD)
    pick(page, BEKASI)
    page.fill("#compare-theme textarea, #compare-theme input", "infrastruktur")
    page.click("#compare-go")
    page.wait_for_selector("#compare-table table.cmp")
    table = page.locator("#compare-table table.cmp")
    heads = table.locator("thead th.cmp-col").all_inner_texts()
    assert len(heads) == 2 and heads[0].startswith(RPJMD) and heads[1].startswith(BEKASI)
    # one column per document, each with cited cells
    rows = table.locator("tbody tr")
    metro_cells = [rows.nth(i).locator("td").nth(0).inner_text() for i in range(rows.count())]
    bekasi_cells = [rows.nth(i).locator("td").nth(1).inner_text() for i in range(rows.count())]
    assert any("infrastruktur fisik" in c and "[1]" in c for c in metro_cells)
    assert any("Membangun Prasarana dan Sarana" in c for c in bekasi_cells)
    assert "Misi / Mission" in table.locator("th.cmp-kind").all_inner_texts()
    # a cell shows its source passage with the item marked, and links to the span's JSON
    cell = table.locator(".cmp-item", has_text="Membangun Prasarana dan Sarana").first
    link = cell.locator("a.cmp-cite")
    assert link.get_attribute("href").startswith("/api/source?doc_id=003_")
    cell.locator("details summary").click()
    mark = cell.locator("details mark.support")
    mark.wait_for()
    assert mark.inner_text().startswith("Membangun Prasarana dan Sarana")
    # CSV export of the same comparison
    page.wait_for_selector("#compare-file a")
    with page.expect_download() as download:
        page.locator("#compare-file a").first.click()
    assert download.value.suggested_filename == "planbot-compare.csv"
    lines = list(csv.DictReader(io.StringIO(download.value.path().read_text(encoding="utf-8-sig"))))
    assert {line["column"] for line in lines} == {RPJMD, BEKASI}
    assert all(line["theme"] == "infrastruktur" and line["citation"] for line in lines)
    bekasi = [line for line in lines if line["column"] == BEKASI]
    assert [(b["kind"], b["number"]) for b in bekasi] == [("mission", "2")]
    assert bekasi[0]["text"].startswith("Membangun Prasarana dan Sarana")
    assert any(line["kind"] == "program" and "infrastruktur" in line["text"] for line in lines if line["column"] == RPJMD)
    assert not page.js_errors


def test_compare_needs_two_choices_and_says_when_a_column_has_nothing(page):
    page.get_by_role("tab", name="Rencana / Plans").click()
    pick(page, RPJMD)
    page.fill("#compare-theme textarea, #compare-theme input", "sanitasi")
    page.click("#compare-go")
    page.wait_for_function(
        "() => (document.querySelector('#compare-table') || {}).innerText.includes('two or more')")
    pick(page, BEKASI)
    page.click("#compare-go")
    page.wait_for_selector("#compare-table td.cmp-none")
    assert "tidak ditemukan untuk tema ini." in page.locator("#compare-table td.cmp-none").inner_text()
    assert "Sanitasi Total Berbasis Masyarakat" in page.locator("#compare-table").inner_text()
