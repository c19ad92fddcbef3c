"""Plans side by side: the theme a question or a typed theme names, which plan items match it, one section
per region or document with every line cited, and the compare view's table and CSV."""

from __future__ import annotations

import csv
import io

import pytest
from llama_index.core.schema import NodeWithScore, TextNode

from bot.compare import Scope, compare, compose_compare, matching_rows, theme_of
from bot.plan import PlanRow
from bot.web.compare import chosen, table_html, write_csv
from planbot.errors import PlanbotError

REGION_WORDS = {"metro", "bekasi", "lubuklinggau"}

# Two documents of Kota Metro (the second a short copy of the first), one of Kota Bekasi, one of Kota Mars.
TEXTS = {
    "metro": "Misi 3: Meningkatkan kualitas infrastruktur fisik kota.\nProgram 3: Meningkatkan infrastruktur sanitasi "
             "dan lingkungan.\nMisi 2: Mewujudkan masyarakat sehat jasmani dan rohani.",
    "metro-short": "Misi 3: Meningkatkan kualitas infrastruktur fisik kota.",
    "bekasi": "Misi 2: Membangun prasarana dan sarana kota.\nMisi 1: Menyelenggarakan tata kelola pemerintahan yang "
              "baik.\nKecamatan menyediakan layanan kesehatan bagi warga di setiap kelurahan.",
    "mars": "Misi 1: =HYPERLINK(\"x\") membangun <script>alert(1)</script> kota.",
}
REGIONS = {"metro": "Kota Metro", "metro-short": "Kota Metro", "bekasi": "Kota Bekasi", "mars": "Kota Mars"}


def row(doc: str, kind: str, number: int | None, text: str, parent: str | None = None) -> PlanRow:
    start = TEXTS[doc].index(text)
    return PlanRow(kind, number, parent, text, start, start + len(text), doc_id=doc, region=REGIONS[doc],
                   title=f"Rencana {doc}", period=None)


ROWS = [
    row("metro", "mission", 3, "Meningkatkan kualitas infrastruktur fisik kota"),
    row("metro", "program", 3, "Meningkatkan infrastruktur sanitasi dan lingkungan", parent="mission 3"),
    row("metro", "mission", 2, "Mewujudkan masyarakat sehat jasmani dan rohani"),
    row("metro-short", "mission", 3, "Meningkatkan kualitas infrastruktur fisik kota"),
    row("bekasi", "mission", 2, "Membangun prasarana dan sarana kota"),
    row("bekasi", "mission", 1, "Menyelenggarakan tata kelola pemerintahan yang baik"),
    row("mars", "mission", 1, '=HYPERLINK("x") membangun <script>alert(1)</script> kota'),
]


def idf(term: str) -> float:
    return {"kota": 0.1, "tingkat": 0.5, "bangun": 0.5}.get(term, 3.0)


def node(doc: str) -> NodeWithScore:
    """The whole document as one chunk."""
    meta = {"doc_id": doc, "region": REGIONS[doc], "title": f"Rencana {doc}", "source": doc, "start": 0,
            "end": len(TEXTS[doc])}
    return NodeWithScore(node=TextNode(id_=f"{doc}#0", text=TEXTS[doc], metadata=meta), score=1.0)


def run(theme: str, scopes: list[Scope], language: str = "id", unknown=()):
    return compare(theme_of(theme, REGION_WORDS), scopes, ROWS, idf=idf, chunk_hit=lambda d, _: node(d),
                   passages=lambda s: [node(d) for d in s.doc_ids], language=language, unknown=unknown)


METRO = Scope("Kota Metro", "Kota Metro", ("metro", "metro-short"))
BEKASI = Scope("Kota Bekasi", "Kota Bekasi", ("bekasi",))


def test_the_theme_is_the_question_without_compare_words_region_names_and_plan_parts():
    theme = theme_of("Bandingkan misi tentang infrastruktur di Kota Metro dan Kota Bekasi", REGION_WORDS)
    assert theme.text == "misi infrastruktur"
    assert theme.kinds == ("mission", "agency_mission")
    # the glossary's forms of the word's English headword say the same thing
    assert theme.concepts == ((("infrastruktur",), ("prasarana",)),)


def test_an_english_theme_reads_glossary_phrases_before_their_words():
    theme = theme_of("Compare the good governance missions of Metro vs Bekasi", REGION_WORDS)
    assert theme.kinds[0] == "mission"
    assert len(theme.concepts) == 1 and ("tata", "kelola", "perintah") in theme.concepts[0]
    assert not theme_of("good", REGION_WORDS)  # a function word is no theme
    assert theme_of("sanitation in Metro vs Bekasi", REGION_WORDS).concepts[0][0] == ("sanitasi",)


def test_plan_items_match_by_weighted_share_of_the_theme():
    found = [r.text for r, _ in matching_rows(theme_of("infrastruktur"), ROWS, idf)]
    assert "Meningkatkan infrastruktur sanitasi dan lingkungan" in found
    assert "Membangun prasarana dan sarana kota" in found  # a synonym from the glossary
    # a rare theme word no item holds keeps out items sharing only a common word
    assert matching_rows(theme_of("kota stunting"), ROWS, idf) == []
    # named kinds restrict; when none of them holds the topic, items of any kind that hold it answer
    assert [r.kind for r, _ in matching_rows(theme_of("misi sanitasi"), ROWS, idf)] == ["program"]
    assert {r.kind for r, _ in matching_rows(theme_of("program infrastruktur"), ROWS, idf)} == {"program"}
    # kinds alone list every item of those kinds
    assert len(matching_rows(theme_of("misi"), ROWS, idf)) == 6


def test_one_section_per_scope_each_line_cited_to_its_own_region():
    result = run("Bandingkan misi tentang infrastruktur di Kota Metro dan Kota Bekasi", [METRO, BEKASI])
    metro, bekasi = result.sections
    assert [i.text for i in metro.items] == ["Meningkatkan kualitas infrastruktur fisik kota"]  # the copy counts once
    assert [i.text for i in bekasi.items] == ["Membangun prasarana dan sarana kota"]
    for section in result.sections:
        for item in section.items:
            assert result.citations[item.citation - 1].region == section.region
    assert [c.n for c in result.citations] == [1, 2]
    # the cited passage marks the item
    c = result.citations[0]
    assert c.text[slice(*c.highlights[0])] == "Meningkatkan kualitas infrastruktur fisik kota"
    text = compose_compare(result, "id")
    assert text.splitlines()[0] == "Perbandingan untuk tema “misi infrastruktur”:"
    assert "Kota Metro:\n- Misi 3, Rencana metro: “Meningkatkan kualitas infrastruktur fisik kota” [1]" in text
    assert "Kota Bekasi:\n- Misi 2, Rencana bekasi: “Membangun prasarana dan sarana kota” [2]" in text


def test_a_region_without_matching_items_quotes_its_passages_on_the_theme():
    result = run("kesehatan", [METRO, BEKASI])
    metro, bekasi = result.sections
    assert [i.kind for i in metro.items] == ["mission"]
    assert [i.kind for i in bekasi.items] == ["passage"]
    item = bekasi.items[0]
    assert "layanan kesehatan" in item.text and result.citations[item.citation - 1].doc_id == "bekasi"
    assert TEXTS["bekasi"][item.start:item.end].startswith("Kecamatan menyediakan")
    assert "- Kutipan, Rencana bekasi: “Kecamatan menyediakan layanan kesehatan" in compose_compare(result, "id")


def test_a_region_with_nothing_on_the_theme_says_so():
    result = run("sanitation in Metro vs Bekasi", [METRO, BEKASI], language="en", unknown=["Jakarta"])
    assert [s.found for s in result.sections] == [True, False, False]
    text = compose_compare(result, "en")
    assert "Kota Bekasi: nothing found on this theme." in text
    assert "Jakarta: no documents of this region." in text
    assert result.sections[1].as_dict() == {"name": "Kota Bekasi", "region": "Kota Bekasi", "doc_ids": ["bekasi"],
                                            "found": False, "known": True, "items": []}
    assert "Kota Bekasi: tidak ditemukan untuk tema ini." in compose_compare(run("sanitasi", [METRO, BEKASI]), "id")


def test_the_compare_table_escapes_document_text_and_shows_each_source():
    mars = Scope("Rencana <mars>", "Kota Mars", ("mars",))
    html = table_html(run("misi", [BEKASI, mars]))
    assert "<script>" not in html and "&lt;script&gt;" in html and "Rencana &lt;mars&gt;" in html
    assert html.count('<th class="cmp-col">') == 2 and 'data-kind="mission"' in html
    assert 'href="/api/source?doc_id=mars&amp;start=' in html and '<mark class="support">' in html
    empty = table_html(run("sanitasi", [METRO, BEKASI]))
    assert "tidak ditemukan untuk tema ini." in empty and 'class="cmp-none"' in empty


def test_the_compare_csv_has_a_line_per_item_and_formulas_escaped(tmp_path):
    mars = Scope("Kota Mars", "Kota Mars", ("mars",))
    path = write_csv(run("misi", [mars, METRO]), tmp_path / "c.csv")
    rows = list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8-sig"))))
    assert [r["column"] for r in rows] == ["Kota Mars", "Kota Metro", "Kota Metro"]
    assert rows[0]["text"].startswith("'=HYPERLINK") and rows[0]["kind"] == "mission"  # read as text, not run
    assert rows[1]["citation"] == "2" and rows[1]["doc_id"] == "metro"
    formula = tmp_path / "f.csv"
    write_csv(run("hyperlink", [mars, METRO]), formula)
    lines = list(csv.DictReader(io.StringIO(formula.read_text(encoding="utf-8-sig"))))
    assert lines[1]["kind"] == "none" and lines[1]["text"] == "nothing found on this theme."
    assert all(not v.startswith(("=", "+", "-", "@")) for r in lines for v in r.values())


@pytest.mark.parametrize("values", [None, 3, ["Kota Metro"], ["region:Kota Metro", {"x": 1}]])
def test_the_compare_view_refuses_values_the_page_could_not_send(values):
    with pytest.raises(PlanbotError):
        chosen(values)


def test_the_compare_view_reads_regions_and_documents():
    assert chosen(["region:Kota Metro", "doc:a.txt", "doc:a.txt"]) == (["Kota Metro"], ["a.txt"])
