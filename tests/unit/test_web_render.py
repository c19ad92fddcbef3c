"""Answer and card HTML: document and user text is always escaped; markers link to their cards."""

from __future__ import annotations

from bot.web.render import answer_block, highlighted, linked_markers, question_block, source_card


def test_highlight_spans_are_marked_after_escaping():
    text = "a <b>bold</b> claim & more"
    html = highlighted(text, [[2, 13], [8, 19]])
    assert html == 'a <mark class="support">&lt;b&gt;bold&lt;/b&gt; claim</mark> &amp; more'


def test_out_of_range_and_empty_spans_are_ignored():
    assert highlighted("abc", [[5, 9], [2, 2], [-3, 1]]) == '<mark class="support">a</mark>bc'


def test_markers_link_to_cards_of_their_turn_only_when_cited():
    html = linked_markers("Misi 3 [1] dan [2] <i>[9]</i>", turn=4, count=2)
    assert '<a class="cite" href="#src-4-1" data-target="src-4-1">[1]</a>' in html
    assert 'href="#src-4-2"' in html and "[9]" in html and 'href="#src-4-9"' not in html
    assert "&lt;i&gt;" in html and "<i>" not in html


def test_card_escapes_document_text_and_metadata():
    card = source_card(2, {"n": 1, "title": "<img src=x onerror=alert(1)>", "region": "Kota <Metro>",
                           "section": "S", "page": 7, "text": "<script>alert(1)</script> ok", "score": 0.5,
                           "highlights": [[0, 8]]})
    assert 'id="src-2-1"' in card and "hal. 7" in card and "skor 0.500" in card
    assert "<script>" not in card and "<img" not in card and "Kota &lt;Metro&gt;" in card
    assert '<mark class="support">&lt;script&gt;</mark>' in card


def test_a_table_citation_is_a_table_with_the_quoted_row_marked_and_every_cell_escaped():
    rows = [{"start": 0, "end": 40, "text": "", "cells": [["Indikator", "Angka <b>Harapan</b> Hidup"], ["2029", "74,1"]]},
            {"start": 40, "end": 90, "text": "", "cells": [["Indikator", "Prevalensi Stunting"], ["Satuan", "persen"],
                                                         ["2029", "14,2"]]}]
    card = source_card(1, {"n": 2, "title": "RPJMD", "text": "<tr>...</tr>" * 8, "score": 0.4,
                           "highlights": [[40, 90]], "rows": rows, "table_caption": "Tabel <IV.2> IKU"})
    assert "<caption>Tabel &lt;IV.2&gt; IKU</caption>" in card
    assert "<th>Indikator</th><th>2029</th><th>Satuan</th>" in card
    assert "<tr><td>Angka &lt;b&gt;Harapan&lt;/b&gt; Hidup</td><td>74,1</td><td></td></tr>" in card
    assert '<tr class="support"><td>Prevalensi Stunting</td><td>14,2</td><td>persen</td></tr>' in card
    assert "&lt;tr&gt;" not in card and "<b>" not in card


def test_abstained_answer_has_its_own_look_and_lists_coverage():
    html = answer_block(1, {"answer": "Maaf, tidak ditemukan.", "abstained": True, "citations": []},
                        regions=["Kota Metro"], titles=["Visi dan Misi Kota Metro"], answer_id="abc")
    assert 'class="msg bot abstained"' in html and "Tidak ditemukan / Not found" in html
    assert "Kota Metro" in html and "<li>Visi dan Misi Kota Metro</li>" in html and 'data-answer="abc"' in html


def test_question_is_text():
    html = question_block("Apa visi <b>x</b>?", "Apa visi <b>x</b> Kota Metro?")
    assert "<b>" not in html and "Apa visi &lt;b&gt;x&lt;/b&gt;?" in html and "understood as" in html


def test_a_generated_answer_says_how_many_sentences_the_check_kept():
    answer = {"answer": "Visi ... [1].", "abstained": False, "citations": [], "llm_model": "<qwen>",
              "checked": [{"sentence": "Visi ... [1].", "kept": True}, {"sentence": "Rp 5 [1].", "kept": False}]}
    html = answer_block(0, answer)
    assert '<div class="checked-note">&lt;qwen&gt;: 1/2 kalimat lolos' in html
    assert "checked-note" not in answer_block(0, {"answer": "a [1]", "abstained": False, "citations": []})

def test_cards_are_folded_with_their_number_title_and_place_in_the_summary():
    card = source_card(1, {"n": 2, "title": "RPJMD <Metro>", "region": "Kota Metro", "page": 3, "text": "isi <b>",
                           "score": 0.5, "highlights": []})
    assert card.startswith('<details class="src-card" id="src-1-2"><summary>') and card.endswith("</details>")
    summary, body = card.split("</summary>")
    assert "[2]" in summary and "RPJMD &lt;Metro&gt;" in summary and "Kota Metro · hal. 3" in summary
    assert "isi &lt;b&gt;" in body and " open" not in card


def test_a_pending_answer_shows_searching_then_the_text_so_far():
    thinking = answer_block(1, {}, partial="")
    assert "thinking" in thinking and "Searching the documents" in thinking and 'role="status"' in thinking
    streamed = answer_block(1, {}, partial="Misi <3>")
    assert "thinking" not in streamed and "Misi &lt;3&gt;" in streamed and "streaming" in streamed


def test_a_queued_question_is_text_and_says_it_waits():
    html = question_block("Dan <i>program</i>?", queued=True)
    assert 'class="msg user queued"' in html and "Waiting its turn" in html and "<i>" not in html
