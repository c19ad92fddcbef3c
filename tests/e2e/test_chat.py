"""The chat page in a real browser against a real `planbot chat` process (real index, model and Chroma)."""

from __future__ import annotations

import json

import pytest

from tests.conftest import ROOT
from tests.e2e.conftest import DESKTOP, PHONE, SCREENSHOTS

pytestmark = pytest.mark.e2e

ANSWERS = "#chat-log .msg.bot.answered, #chat-log .msg.bot.abstained, #chat-log .msg.bot.error"


def ask(page, question: str):
    """Type a question, press Tanya / Ask, and wait until its answer is finished (cards and thumbs drawn)."""
    before = page.locator(ANSWERS).count()
    page.fill("#question textarea", question)
    page.click("#ask")
    page.wait_for_function("([sel, n]) => document.querySelectorAll(sel).length > n", arg=[ANSWERS, before])
    return page.locator(ANSWERS).nth(before)


def choose(page, dropdown: str, option: str) -> None:
    page.click(f"{dropdown} input")
    page.click(f'[role=option][aria-label="{option}"]')


def open_card(card):
    """Unfold a source card (cards are folded <details>: the summary line shows; a click opens the passage)."""
    card.locator("summary").click()
    card.page.wait_for_function("(e) => e.open", arg=card.element_handle())
    return card


def in_viewport(page, selector: str) -> bool:
    return page.evaluate(
        """(sel) => { const r = document.querySelector(sel).getBoundingClientRect();
                      return r.bottom > 0 && r.top < window.innerHeight; }""",
        selector,
    )


def test_answer_shows_when_ready_with_numbered_source_cards(page):
    # record what the page shows while the reply is on its way: a "searching" state, then the whole answer
    # (no replayed typing of a finished answer)
    page.evaluate("""() => { window.__pending = [];
        new MutationObserver(() => document.querySelectorAll('#chat-log .msg.bot.streaming')
            .forEach((e) => window.__pending.push([e.className, e.innerText])))
        .observe(document.querySelector('#chat-log'), {childList: true, subtree: true, characterData: true}); }""")
    answer = ask(page, "Which mission covers sanitation?")
    pending = page.evaluate("window.__pending")
    assert pending and all("thinking" in cls and "Searching the documents" in text for cls, text in pending)
    text = answer.locator(".answer-text").inner_text()
    assert "Sanitasi Total Berbasis Masyarakat" in text and "Mission 3" in text
    cards = answer.locator(".src-card")
    assert cards.count() >= 2
    first = cards.nth(0)
    assert first.get_attribute("id") == "src-1-1"
    assert first.get_attribute("open") is None  # folded: the summary shows, the passage opens on a click
    open_card(first)
    assert "Visi dan Misi Kota Metro" in first.locator(".src-title").inner_text()
    assert "Kota Metro" in first.locator(".src-meta").inner_text()
    assert "skor" in first.locator(".src-score").inner_text()
    # the sentence the answer quotes is highlighted in its card
    assert "Sanitasi Total Berbasis Masyarakat" in " ".join(first.locator("mark.support").all_inner_texts())
    assert "Sumber / Sources" in answer.inner_text()
    assert not page.js_errors


# Sends a follow-up the moment the first reply begins (its "searching" block appears: no answer is shown yet),
# typed into the box and submitted with Enter as a user does, then a third question with the Ask button as
# soon as the follow-up is in the log. Each send records how many answers the page showed at that moment.
SEND_AT_ONCE = """([answers, follow_up, third]) => {
    window.__sent = [];
    const send = (text, how) => {
        const box = document.querySelector('#question textarea');
        box.value = text;
        box.dispatchEvent(new Event('input', {bubbles: true}));
        window.__sent.push({text, answers: document.querySelectorAll(answers).length});
        if (how === 'enter') {
            box.dispatchEvent(new KeyboardEvent('keypress', {key: 'Enter', bubbles: true, cancelable: true}));
        } else {
            setTimeout(() => document.querySelector('#ask').click(), 0);
        }
    };
    const log = document.querySelector('#chat-log');
    new MutationObserver((_, obs) => {
        const said = [...log.querySelectorAll('.msg.user .q-text')].map((e) => e.innerText);
        if (window.__sent.length === 0 && log.querySelector('.msg.bot.streaming')) send(follow_up, 'enter');
        if (window.__sent.length === 1 && said.includes(follow_up)) { send(third, 'click'); obs.disconnect(); }
    }).observe(log, {childList: true, subtree: true});
}"""


def test_follow_up_typed_the_moment_the_answer_begins_is_answered(page):
    # the lost question: a follow-up sent as soon as the previous reply begins must not be dropped
    page.evaluate(SEND_AT_ONCE, [ANSWERS, "Dan program kerjanya?", "Apa visi Kota Bekasi?"])
    page.fill("#question textarea", "Apa misi ketiga Kota Metro?")
    page.click("#ask")
    page.wait_for_function("([sel]) => document.querySelectorAll(sel).length >= 3", arg=[ANSWERS], timeout=120_000)
    page.wait_for_function("() => !document.querySelector('#chat-log .msg.bot.streaming, #chat-log .msg.queued')")
    sent = page.evaluate("window.__sent")
    assert sent[0] == {"text": "Dan program kerjanya?", "answers": 0}  # sent while the first answer was arriving
    questions = page.locator("#chat-log .msg.user .q-text").all_inner_texts()
    assert questions == ["Apa misi ketiga Kota Metro?", "Dan program kerjanya?", "Apa visi Kota Bekasi?"]
    first, second, third = (page.locator(ANSWERS).nth(i) for i in range(3))
    assert "Meningkatkan kuantitas dan kualitas infrastruktur fisik" in first.inner_text()
    assert "Revitalisasi Stadion Tejosari" in second.locator(".answer-text").inner_text()
    assert "Misi 3 Kota Metro" in page.locator("#chat-log .msg.user").nth(1).inner_text()  # read as a follow-up
    assert "Bekasi Maju, Sejahtera dan Ihsan" in third.locator(".answer-text").inner_text()
    assert [second.locator(".src-card").first.get_attribute("id"), third.locator(".src-card").first.get_attribute("id")] \
        == ["src-2-1", "src-3-1"]
    assert page.input_value("#question textarea") == ""
    assert not page.js_errors


def test_questions_typed_one_after_another_are_all_answered_in_order(page):
    # real key presses: the box empties as a question is sent (before the server replies), so the next one can be
    # typed and sent at once, none of it lost or glued to the question before
    for question in ("Apa visi Kota Bekasi?", "Apa misi ketiga Kota Metro?"):
        page.locator("#question textarea").press_sequentially(question)
        page.press("#question textarea", "Enter")
        page.wait_for_function("() => document.querySelector('#question textarea').value === ''", timeout=2_000)
    page.wait_for_function("([sel]) => document.querySelectorAll(sel).length >= 2", arg=[ANSWERS])
    assert page.locator("#chat-log .msg.user .q-text").all_inner_texts() == ["Apa visi Kota Bekasi?",
                                                                             "Apa misi ketiga Kota Metro?"]
    assert "Bekasi Maju" in page.locator(ANSWERS).nth(0).inner_text()
    assert "Meningkatkan kuantitas dan kualitas infrastruktur fisik" in page.locator(ANSWERS).nth(1).inner_text()


def page_metrics(page) -> dict:
    """The page's height and where the question box and the last source card are, in viewport pixels."""
    return page.evaluate("""() => {
        const box = document.querySelector('#question textarea').getBoundingClientRect();
        const cards = document.querySelectorAll('#chat-log .src-card');
        const last = cards.length ? cards[cards.length - 1].getBoundingClientRect() : null;
        return {height: document.documentElement.scrollHeight, width: document.documentElement.scrollWidth,
                scroll: window.scrollY, view: window.innerHeight, box_top: box.top, box_bottom: box.bottom,
                last_card_bottom: last && last.bottom};
    }""")


def box_in_view(m: dict) -> bool:
    return 0 <= m["box_top"] and m["box_bottom"] <= m["view"]


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["390x844", "1280x900"])
def test_the_question_box_stays_in_reach_on_a_phone_and_a_desktop(page, viewport):
    size = f"{viewport['width']}x{viewport['height']}"
    answer = ask(page, "Apa saja program kerja Misi 3 Kota Metro?")
    assert answer.locator(".src-card").count() >= 2
    page.wait_for_timeout(300)
    answer.evaluate("e => e.scrollIntoView({block: 'start'})")  # reading the answer from its top
    reading = page_metrics(page)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"window_{size}_reading.png"))  # the window as it shows
    page.evaluate("window.scrollTo(0, document.body.scrollHeight)")
    bottom = page_metrics(page)
    print(f"\n{size} after one answer: {reading}\n at the bottom: {bottom}")
    assert reading["width"] <= viewport["width"]  # nothing wider than the window
    assert box_in_view(reading) and box_in_view(bottom)  # the box is in reach while the answer is read
    if viewport == PHONE:
        assert reading["height"] < 2300  # folded cards: 3,310 px before, when every passage was shown    # [n] opens its card above the question bar and highlights it
    answer.evaluate("e => e.scrollIntoView({block: 'start'})")
    answer.locator("a.cite").first.click()
    page.wait_for_function("() => document.querySelector('#src-1-1').classList.contains('targeted')")
    page.wait_for_timeout(300)
    assert in_viewport(page, "#src-1-1")
    page.screenshot(path=str(SCREENSHOTS / f"window_{size}_card_opened.png"))
    card_top = page.evaluate("document.querySelector('#src-1-1').getBoundingClientRect().top")
    assert card_top < page_metrics(page)["box_top"]
    assert "Program Kerja" in page.locator("#src-1-1").inner_text() or page.locator("#src-1-1 mark.support").count()
    assert not page.js_errors


def test_citation_marker_leads_to_its_card(page):
    answer = ask(page, "Apa saja program kerja Misi 3 Kota Metro?")
    assert "Revitalisasi Stadion Tejosari" in answer.inner_text()
    cards = answer.locator(".src-card")
    last = cards.count()
    assert last >= 2
    # scroll the card out of view first, then follow a marker that points at it
    page.evaluate("window.scrollTo(0, document.body.scrollHeight)")
    marker = answer.locator("a.cite").first
    target = marker.get_attribute("href")
    assert target == "#src-1-1"
    page.evaluate("window.scrollTo(0, 0)")
    marker.click()
    page.wait_for_function("() => location.hash === '#src-1-1'")
    page.wait_for_function("() => document.querySelector('#src-1-1').classList.contains('targeted')")
    assert page.evaluate("document.querySelector('#src-1-1').matches(':target')")
    assert page.evaluate("document.querySelector('#src-1-1').open")  # the folded card opened
    page.wait_for_timeout(300)
    assert in_viewport(page, "#src-1-1")


def test_follow_up_uses_the_conversation(page):
    first = ask(page, "Apa misi ketiga Kota Metro?")
    assert "Meningkatkan kuantitas dan kualitas infrastruktur fisik" in first.inner_text()
    second = ask(page, "Dan program kerjanya?")
    text = second.locator(".answer-text").inner_text()
    for program in ("Revitalisasi Stadion Tejosari", "Peningkatan infrastruktur penerangan lingkungan"):
        assert program in text
    assert "Misi 3" in text and "Lubuklinggau" not in text
    # the rewritten question is shown with the follow-up
    assert "Misi 3 Kota Metro" in page.locator("#chat-log .msg.user .asked").last.inner_text()
    # cards of the second turn have their own ids
    assert second.locator(".src-card").first.get_attribute("id") == "src-2-1"


def test_region_filter(page):
    choose(page, "#region-filter", "Kota Bekasi")
    answer = ask(page, "Apa visi?")
    assert "Bekasi Maju, Sejahtera dan Ihsan" in answer.locator(".answer-text").inner_text()
    regions = answer.locator(".src-meta").all_inner_texts()
    assert regions and all("Kota Bekasi" in r for r in regions)


def test_not_found_answer_looks_different_and_lists_coverage(page):
    answer = ask(page, "Berapa anggaran pembangunan MRT di Kota Surabaya?")
    assert "abstained" in answer.get_attribute("class")
    assert "Tidak ditemukan / Not found" in answer.inner_text()
    coverage = answer.locator(".coverage").inner_text()
    assert "Kota Metro" in coverage and "Kota Bekasi" in coverage
    assert "Visi dan Misi Kota Metro 2021-2026 (RPJMD)" in coverage
    assert answer.locator(".src-card").count() == 0
    color = answer.evaluate("e => getComputedStyle(e).backgroundColor")
    normal = ask(page, "Apa visi Kota Bekasi?").evaluate("e => getComputedStyle(e).backgroundColor")
    assert color != normal


def test_thumbs_feedback_is_written_for_evaluators(page, e2e_home):
    answer = ask(page, "Apa visi Kota Bekasi?")
    answer.locator("button.fb-down").click()
    page.wait_for_function("() => document.querySelector('.fb-done').textContent.includes('Thanks')")
    lines = (e2e_home / "feedback.jsonl").read_text(encoding="utf-8").splitlines()
    entry = json.loads(lines[-1])
    assert entry["rating"] == "down" and entry["question"] == "Apa visi Kota Bekasi?"
    assert "Bekasi Maju" in entry["answer"] and entry["timestamp"]
    assert entry["citations"][0]["n"] == 1 and entry["citations"][0]["source"]


def test_staff_tab_finds_mission_3_of_kota_metro_with_programs(page):
    page.get_by_role("tab", name="Rencana / Plans").click()
    count = page.locator("#plan-count")

    def wait_count_change(before: str) -> str:
        page.wait_for_function(
            """([b]) => { const t = document.querySelector('#plan-count').innerText.trim();
                          return /^\\d+ butir/.test(t) && t !== b; }""", arg=[before])
        page.wait_for_timeout(300)
        return count.inner_text().strip()

    everything = wait_count_change("")
    choose(page, "#plan-region", "Kota Metro")
    in_metro = wait_count_change(everything)
    page.fill("#plan-search textarea, #plan-search input", "mission 3")
    page.click("#plan-go")
    found = wait_count_change(in_metro)
    assert int(found.split()[0]) < int(in_metro.split()[0]) < int(everything.split()[0])
    table = page.locator("#plan-table")
    text = table.inner_text()
    assert "Revitalisasi Stadion Tejosari" in text
    assert "Meningkatkan kuantitas dan kualitas infrastruktur fisik" in text
    assert "Bekasi" not in text
    # selecting a row shows the passage it was read from
    page.locator("#plan-table .body-cell", has_text="Revitalisasi Stadion Tejosari").first.click()
    page.wait_for_function(
        "() => (document.querySelector('#plan-passage mark.support') || {}).innerText === 'Revitalisasi Stadion Tejosari'")
    assert "Program Kerja" in page.locator("#plan-passage").inner_text()
    # CSV export
    page.click("#plan-export")
    page.wait_for_selector("#plan-file a")
    with page.expect_download() as download:
        page.locator("#plan-file a").first.click()
    csv_text = download.value.path().read_text(encoding="utf-8-sig")
    assert csv_text.startswith("region,title,period,doc_id,kind,number,parent,text,start,end")
    assert "Revitalisasi Stadion Tejosari" in csv_text


def upload(page, path, expect: str | None = None) -> str:
    """Upload a file on the documents tab; wait for the status line that names it (or `expect`)."""
    page.get_by_role("tab", name="Dokumen / Documents").click()
    page.set_input_files("#upload-file input[type=file]", str(path))
    if expect is None:  # the file is on the server once the component lists it
        page.locator("#upload-file").get_by_text(path.name).first.wait_for(timeout=120_000)
    page.click("#upload-go")
    page.wait_for_function(
        """([want]) => [...document.querySelectorAll('#upload-status .upload-ok, #upload-status .upload-error')]
                        .some((e) => e.innerText.includes(want))""",
        arg=[expect or path.name], timeout=180_000)
    return page.locator("#upload-status .upload-ok, #upload-status .upload-error").inner_text()


def test_upload_then_ask_about_it(page, tmp_path):
    doc = tmp_path / "taman_kota_hijau.md"
    doc.write_text(
        "# Program Taman Kota Hijau Kota Metro 2025\n\n"
        "Program Taman Kota Hijau adalah program baru Pemerintah Kota Metro untuk menambah ruang terbuka hijau.\n"
        "Program Taman Kota Hijau menanam 500 pohon peneduh dan membangun 12 taman bermain di setiap kelurahan "
        "Kota Metro pada tahun 2025-2026.\n",
        encoding="utf-8",
    )
    status = upload(page, doc)
    assert "taman_kota_hijau.md" in status and "Gagal" not in status
    assert "taman_kota_hijau.md" in page.locator("#docs-table").inner_text()
    page.get_by_role("tab", name="Obrolan / Chat").click()
    answer = ask(page, "Apa itu Program Taman Kota Hijau?")
    assert "500 pohon peneduh" in answer.locator(".answer-text").inner_text()
    assert "Program Taman Kota Hijau Kota Metro 2025" in answer.locator(".src-card .src-title").first.inner_text()


def test_upload_errors_are_clear(page, tmp_path):
    bad = tmp_path / "notes.exe"
    bad.write_bytes(b"MZ not a plan")
    page.get_by_role("tab", name="Dokumen / Documents").click()
    page.set_input_files("#upload-file input[type=file]", str(bad))
    page.wait_for_selector(".toast-body", timeout=60_000)  # the browser refuses it at once, before any upload
    assert "Invalid file type: notes.exe" in page.locator(".toast-body").first.inner_text()
    status = upload(page, bad, expect="Choose a file first")
    page.reload(wait_until="load")
    broken = tmp_path / "rusak.pdf"
    broken.write_bytes(b"%PDF-1.4 not really a pdf")
    status = upload(page, broken)
    assert "Gagal" in status and "rusak.pdf" in status and "PDF" in status
    assert page.locator("#upload-status .upload-error").count() == 1
    assert "rusak.pdf" in page.locator("#failures-table").inner_text()


def test_document_and_question_text_never_run_as_html(page, tmp_path):
    doc = tmp_path / "lampu_surya.md"
    doc.write_text(
        "# Catatan Program Lampu Jalan Surya Kota Metro\n\n"
        "Program Lampu Jalan Surya memasang 300 lampu jalan tenaga surya di Kota Metro. Catatan uji: "
        '<script>window.__pwned=1</script> dan <img src=x onerror="window.__pwned=2"> harus tampil sebagai teks.\n'
        "Program Lampu Jalan Surya dijalankan oleh Dinas Perhubungan pada tahun 2025.\n",
        encoding="utf-8",
    )
    assert "Gagal" not in upload(page, doc)
    page.get_by_role("tab", name="Obrolan / Chat").click()
    answer = ask(page, "Apa itu Program Lampu Jalan Surya?")
    card_text = open_card(answer.locator(".src-card").first).inner_text()
    assert "<script>window.__pwned=1</script>" in card_text
    assert '<img src=x onerror="window.__pwned=2">' in card_text
    assert answer.locator("script, img").count() == 0
    page.wait_for_timeout(500)
    assert page.evaluate("typeof window.__pwned") == "undefined"
    # a question holding markup is shown as typed
    ask(page, "Apa visi <b>x</b> Kota Bekasi?")
    user = page.locator("#chat-log .msg.user .q-text").last
    assert user.inner_text() == "Apa visi <b>x</b> Kota Bekasi?"
    assert user.locator("b").count() == 0
    assert page.evaluate("typeof window.__pwned") == "undefined"


def test_a_table_answer_cites_the_row_as_a_table_and_the_plans_tab_charts_the_indicator(page):
    doc = ROOT / "tests" / "data" / "kinerja_sukamaju.md"
    assert "Gagal" not in upload(page, doc)
    page.get_by_role("tab", name="Obrolan / Chat").click()
    answer = ask(page, "Berapa target prevalensi stunting Kota Sukamaju tahun 2027?")
    assert answer.locator(".short-answer").inner_text().startswith("14,2 persen (target 2027)")
    card = open_card(answer.locator(".src-card").first)
    assert "Tabel 3.1 Tujuan, Sasaran dan Indikator Kinerja Kota Sukamaju" in card.locator("caption").inner_text()
    marked = card.locator(".src-table tr.support")
    assert marked.count() == 1 and "Prevalensi Stunting" in marked.inner_text() and "14,2" in marked.inner_text()
    assert card.locator(".src-table td", has_text="Usia Harapan Hidup").count() == 1  # the rows beside it
    # the Plans tab: the indicator with its yearly targets, charted when selected
    page.get_by_role("tab", name="Rencana / Plans").click()
    page.fill("#plan-search textarea, #plan-search input", "prevalensi stunting")
    page.click("#plan-go")
    page.wait_for_function("() => document.querySelector('#plan-count').innerText.trim().startsWith('1 butir')")
    row = page.locator("#plan-table .body-cell", has_text="Prevalensi Stunting").first
    assert "2027: 14,2" in page.locator("#plan-table").inner_text()
    row.click()
    page.wait_for_selector("#plan-passage .indicator-chart svg")
    chart = page.locator("#plan-passage .indicator-chart")
    assert chart.locator("circle.point").count() == 6  # the baseline and five yearly targets
    assert "Prevalensi Stunting (persen)" in chart.locator("figcaption").inner_text()
    assert "14,2" in chart.locator(".indicator-values").inner_text()
