"""Region routing with documents whose region is unknown (real index, real model).

A question that names a region is searched within that region; a document that names no region (a
meeting note, a scan without a title page) used to be left out of that search, so the one passage that
answered was never cited."""

from __future__ import annotations

import pytest

from tests.conftest import SEEDS

NOTE = """Notulen rapat koordinasi drainase

Rapat membahas pembangunan kolam retensi di Kelurahan Sumbersari untuk mengurangi genangan saat hujan deras.
Kolam retensi seluas dua hektare itu mulai dibangun pada bulan Maret 2024 dan ditargetkan selesai akhir 2025.
"""


@pytest.fixture(scope="module")
def mixed_bot(tmp_path_factory, embedder):
    from bot.service import Planbot
    from index.indexer import Indexer
    from planbot.settings import Settings

    corpus = tmp_path_factory.mktemp("mixed")
    (corpus / "visi_metro.txt").write_bytes((SEEDS / "001_320a63bc815bd81c.txt").read_bytes())
    (corpus / "notulen.txt").write_text(NOTE, encoding="utf-8")
    home = tmp_path_factory.mktemp("mixed-home")
    report = Indexer(Settings(home=home), embedder).ingest([corpus], progress=False)
    assert not report.failed, report.failed
    return Planbot(Settings(home=home), embedder)


def test_a_passage_of_unknown_region_is_still_found_when_the_question_names_a_region(mixed_bot):
    regions = {d.doc_id: d.metadata.get("region") for d in mixed_bot.manifest.documents()}
    assert regions == {"visi_metro.txt": "Kota Metro", "notulen.txt": None}
    answer = mixed_bot.ask("Kapan kolam retensi Kota Metro mulai dibangun?")
    assert [c.source for c in answer.citations][:1] == ["notulen.txt"], answer.answer


def test_an_explicit_region_filter_stays_strict(mixed_bot):
    answer = mixed_bot.ask("Kapan kolam retensi mulai dibangun?", region="Kota Metro")
    assert all(c.region == "Kota Metro" for c in answer.citations)
