"""A regulation's enactment read from its closing formula, and the questions that ask for it (hand-made text)."""

from __future__ import annotations

import pytest

from bot.enactment import asked_act, enactments, says
from bot.question import read_question

CLOSING = """Pasal 12
Peraturan Daerah ini mulai berlaku pada tanggal diundangkan.

Ditetapkan di Sukamaju
pada tanggal 28 Agustus 2025

BUPATI SUKAMAJU,

ttd

RINA WULANDARI

Diundangkan di Sukamaju
pada tanggal 29 Agustus 2025
SEKRETARIS DAERAH KABUPATEN SUKAMAJU,
ttd
BUDI

LEMBARAN DAERAH KABUPATEN SUKAMAJU TAHUN 2025 NOMOR 7
"""


def test_both_acts_of_the_closing_formula_with_place_date_and_signer():
    enacted, promulgated = enactments("perda.md", CLOSING)
    assert (enacted.act, enacted.place, enacted.date, enacted.signer) == (
        "enacted", "Sukamaju", "28 Agustus 2025", "Rina Wulandari")
    assert (promulgated.act, promulgated.date, promulgated.signer) == ("promulgated", "29 Agustus 2025", "Budi")
    assert CLOSING[enacted.start:enacted.end].startswith("Ditetapkan di") and "RINA WULANDARI" in CLOSING[
        enacted.start:enacted.end]


def test_a_text_without_the_formula_has_no_enactment():
    assert enactments("rpjmd.md", "Visi daerah ditetapkan dalam RPJMD. Target ditetapkan pada tahun 2025.") == []


@pytest.mark.parametrize(
    ("question", "act"),
    [
        ("Kapan Perda tentang RPJMD 2025-2029 ditetapkan?", "enacted"),
        ("On what date was the governor's regulation on the 2025 work plan signed?", "enacted"),
        ("When was the regulation revising the 2025 regional budget adopted?", "enacted"),
        ("Kapan Perda RPJPD diundangkan?", "promulgated"),
        ("Siapa yang menandatangani Perda RPJMD?", "enacted"),
        ("Berapa target yang ditetapkan untuk stunting tahun 2027?", None),  # a figure, not the act
        ("Kapan pembangunan MRT selesai?", None),
    ],
)
def test_the_act_a_question_asks_for(question, act):
    assert asked_act(read_question(question)) == act


def test_the_short_answer_names_the_signer_only_when_asked_who():
    enacted = enactments("perda.md", CLOSING)[0]
    assert says(enacted, read_question("Kapan Perda ini ditetapkan?")) == "28 Agustus 2025"
    assert says(enacted, read_question("Kapan Perda ini ditetapkan dan siapa yang menandatanganinya?")) == (
        "28 Agustus 2025, Rina Wulandari")
