"""Compare questions over seeds/: one section per region named, each line cited to a passage of that region
(real index, real model). The expected items were read in the seed texts: Kota Metro's RPJMD names
infrastructure in Misi 3 and sanitation in Misi 3's commitments and programs; Kota Bekasi's plan builds
"Prasarana dan Sarana" (Misi 2) and says nothing of sanitation; both have a good-governance mission."""

from __future__ import annotations

import pytest


def sections(answer) -> dict[str, dict]:
    return {s["region"] or s["name"]: s for s in answer.compare}


def assert_each_line_cites_its_own_region(answer) -> None:
    """Every section's lines cite passages of its region only, with their [n] in the answer text."""
    for s in answer.compare:
        for item in s["items"]:
            c = answer.citations[item["citation"] - 1]
            assert c.region == s["region"], (s["region"], c.region)
            assert item["doc_id"] in s["doc_ids"] and c.doc_id == item["doc_id"]
            assert f"“{item['text']}” [{item['citation']}]" in answer.answer
            if item["kind"] != "passage":  # a plan item's span lies inside its cited chunk, and is marked there
                assert c.start <= item["start"] < item["end"] <= c.end
                assert (item["start"] - c.start, item["end"] - c.start) in c.highlights


def test_comparing_missions_on_infrastructure_gives_a_section_per_city(bot):
    answer = bot.ask("Bandingkan misi tentang infrastruktur di Kota Metro dan Kota Bekasi")
    assert not answer.abstained and answer.language == "id"
    lines = answer.answer.splitlines()
    assert lines[0] == "Perbandingan untuk tema “misi infrastruktur”:"
    assert lines.index("Kota Metro:") < lines.index("Kota Bekasi:")
    by_region = sections(answer)
    assert list(by_region) == ["Kota Metro", "Kota Bekasi"]
    metro = [i["text"] for i in by_region["Kota Metro"]["items"]]
    assert metro[0].startswith("Meningkatkan kuantitas dan kualitas infrastruktur fisik")
    assert by_region["Kota Metro"]["items"][0]["kind"] == "mission"
    assert metro.count(metro[0]) == 1  # the short version of the plan repeats Misi 3: quoted once
    bekasi = by_region["Kota Bekasi"]["items"]
    assert [(i["kind"], i["number"]) for i in bekasi] == [("mission", 2)]
    assert bekasi[0]["text"].startswith("Membangun Prasarana dan Sarana")
    assert_each_line_cites_its_own_region(answer)
    assert "Lubuklinggau" not in answer.answer


def test_a_city_with_nothing_on_the_theme_is_reported_not_dropped(bot):
    answer = bot.ask("Bandingkan sanitasi di Kota Metro dan Kota Bekasi")
    assert not answer.abstained
    assert "Kota Bekasi: tidak ditemukan untuk tema ini." in answer.answer
    by_region = sections(answer)
    assert by_region["Kota Bekasi"]["found"] is False and by_region["Kota Bekasi"]["items"] == []
    metro = " ".join(i["text"] for i in by_region["Kota Metro"]["items"])
    assert "Mengembangkan Sanitasi Total Berbasis Masyarakat" in metro
    assert "Meningkatkan infrastruktur sanitasi dan lingkungan" in metro
    assert "(bagian dari Misi 3)" in answer.answer
    assert {c.region for c in answer.citations} == {"Kota Metro"}
    assert_each_line_cites_its_own_region(answer)


@pytest.mark.parametrize("question", ["Compare the good governance missions of Metro vs Bekasi",
                                      "compare good governance between Kota Metro and Kota Bekasi"])
def test_an_english_compare_question(bot, question):
    answer = bot.ask(question)
    assert not answer.abstained and answer.language == "en"
    assert answer.answer.startswith("Comparison on “good governance")
    by_region = sections(answer)
    assert "Tata Kelola Pemerintahan yang baik" in by_region["Kota Metro"]["items"][0]["text"]
    assert by_region["Kota Bekasi"]["items"][0]["text"] == "Menyelenggarakan Tata Kelola Kepemerintahan Yang Baik"
    assert "Mission 1" in answer.answer and "Mission 5" in answer.answer
    assert_each_line_cites_its_own_region(answer)


def test_english_sanitation_in_metro_vs_bekasi(bot):
    answer = bot.ask("sanitation in Metro vs Bekasi")
    assert not answer.abstained and answer.language == "en"
    assert "Kota Bekasi: nothing found on this theme." in answer.answer
    assert "Commitment 5 (under Mission 3)" in answer.answer
    assert_each_line_cites_its_own_region(answer)


def test_a_region_without_matching_plan_items_is_answered_from_its_passages(bot):
    answer = bot.ask("Bandingkan pengelolaan sampah di Kota Metro dan Kota Lubuklinggau")
    by_region = sections(answer)
    assert by_region["Kota Metro"]["items"][0]["kind"] == "commitment"
    linggau = by_region["Kota Lubuklinggau"]["items"]
    assert linggau and all(i["kind"] == "passage" for i in linggau)
    assert any("persoalan sampah" in i["text"] for i in linggau)
    assert "Kota Lubuklinggau:\n- Kutipan, " in answer.answer
    assert_each_line_cites_its_own_region(answer)


def test_a_theme_no_plan_holds_is_not_found_and_names_the_place_without_documents(bot):
    answer = bot.ask("Bandingkan target stunting Jakarta dan Kota Metro")
    assert answer.abstained and not answer.citations
    assert "Kota Metro: tidak ditemukan untuk tema ini." in answer.answer
    assert "Jakarta: tidak ada dokumen wilayah ini." in answer.answer


def test_the_plans_tab_compares_documents_by_a_typed_theme(bot):
    docs = {d.metadata["title"]: d.doc_id for d in bot.manifest.documents()}
    rpjmd = docs["Visi dan Misi Kota Metro 2021-2026 (RPJMD)"]
    office = docs["Visi dan Misi Dinas Perumahan dan Kawasan Permukiman Kota Metro"]
    result = bot.compare("infrastruktur", doc_ids=[rpjmd, office])
    assert [s.doc_ids for s in result.sections] == [[rpjmd], [office]]
    assert all(result.citations[i.citation - 1].doc_id == s.doc_ids[0] for s in result.sections for i in s.items)
    assert [i.kind for i in result.sections[1].items] == ["agency_mission"]
    with pytest.raises(Exception, match="two or more"):
        bot.compare("infrastruktur", doc_ids=[rpjmd])


def test_regions_compared_without_a_theme_keep_the_answer_across_regions(bot):
    answer = bot.ask("Bandingkan Kota Metro dan Kota Bekasi")
    assert answer.compare == []
