"""Evidence selection (bot.answer.select) on hand-made passages: which sentences, list items and table rows
are quoted for a question."""

from bot.answer import compose, select
from bot.records import Citation, TableRow
from bot.short_answer import candidates
from bot.terms import query_terms


def _citation(n: int, text: str, **extra) -> Citation:
    return Citation(n=n, source=f"doc{n}.md", title=f"Dokumen {n}", region=None, section=None, page=None,
                    text=text, score=1.0, doc_id=f"doc{n}.md", start=0, end=len(text), **extra)


def _quoted(citations, question, **options):
    q = query_terms(question, "id")
    chosen = select(citations, q, {t: 1.0 for t in q.terms}, **options)
    return [p.text(citations[p.citation].text) for p in chosen]


def test_the_sentence_sharing_the_questions_words_is_quoted():
    passage = ("Kota ini memiliki banyak taman. Sampah rumah tangga dikelola oleh bank sampah di setiap kelurahan. "
               "Jalan lingkar dibangun pada tahun 2020.")
    assert _quoted([_citation(1, passage)], "Bagaimana sampah rumah tangga dikelola?") == [
        "Sampah rumah tangga dikelola oleh bank sampah di setiap kelurahan."]


def test_a_factoid_question_brings_the_sentence_that_holds_the_fact():
    passage = ("Jembatan Ampera adalah jembatan terkenal di kota itu. Pembangunannya dimulai pada April 1962. "
               "Warga menyukai pemandangan sungai.")
    question = "Kapan pembangunan jembatan Ampera dimulai?"
    kind = "when"
    quoted = _quoted([_citation(1, passage)], question, holds_fact=[lambda t, row: bool(candidates(kind, t))])
    assert "Pembangunannya dimulai pada April 1962." in quoted


def test_a_window_quotes_the_neighbours_of_the_best_sentence():
    passage = "Kalimat pembuka tentang kota. Program air bersih menjangkau semua desa. Biayanya ditanggung APBD."
    quoted = _quoted([_citation(1, passage)], "Apa program air bersih?", window=1)
    assert quoted == ["Kalimat pembuka tentang kota.", "Program air bersih menjangkau semua desa.",
                      "Biayanya ditanggung APBD."]


def test_a_list_intro_brings_its_items():
    passage = "Misi pembangunan daerah adalah sebagai berikut:\n1. Meningkatkan pendidikan;\n2. Meningkatkan kesehatan.\n"
    quoted = _quoted([_citation(1, passage)], "Apa misi pembangunan daerah?")
    assert quoted[-2:] == ["1. Meningkatkan pendidikan;", "2. Meningkatkan kesehatan."]


def test_a_table_row_is_quoted_with_its_labels_and_highlighted_as_its_source_span():
    html = ("<tr><td>Angka Harapan Hidup</td><td>tahun</td><td>74,1</td></tr>"
            "<tr><td>Prevalensi Stunting</td><td>persen</td><td>14,2</td></tr>")
    rows = [TableRow(0, 62, "Indikator: Angka Harapan Hidup; Satuan: tahun; 2029: 74,1",
                     [("Indikator", "Angka Harapan Hidup"), ("Satuan", "tahun"), ("2029", "74,1")]),
            TableRow(62, len(html), "Indikator: Prevalensi Stunting; Satuan: persen; 2029: 14,2",
                     [("Indikator", "Prevalensi Stunting"), ("Satuan", "persen"), ("2029", "14,2")])]
    cite = _citation(1, html, table_caption="Tabel IV.2 Indikator Kinerja Utama", rows=rows)
    q = query_terms("Berapa target prevalensi stunting 2029?", "id")
    chosen = select([cite], q, {t: 1.0 for t in q.terms})
    assert [p.text(html) for p in chosen] == ["Indikator: Prevalensi Stunting; Satuan: persen; 2029: 14,2"]
    assert chosen[0].cells[1] == ("Satuan", "persen")
    text = compose([cite], chosen, "id")
    assert "“Indikator: Prevalensi Stunting; Satuan: persen; 2029: 14,2” [1]" in text
    assert cite.highlights == [(62, len(html))] and "<td>" not in text
