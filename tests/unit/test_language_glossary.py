"""The English -> Indonesian glossary and the Indonesian acronym list (planbot/*.tsv): loading, matching, and
what they do for BM25 (English questions meeting Indonesian text; a full form meeting its acronym "APBD")."""

from __future__ import annotations

import tomllib

import pytest

from index.lexical import LexicalIndex, analyze
from planbot.errors import DataFileError
from planbot.language import (
    ACRONYMS,
    ACRONYMS_FILE,
    EN_ID,
    GLOSSARY_FILE,
    QUESTION_WORDS,
    STOPWORDS,
    acronyms_of_full_forms,
    bm25_query,
    load_acronyms,
    load_glossary,
    translate_terms,
)
from planbot.settings import PROJECT_ROOT

GLOSSARY = load_glossary()

# --- matching --------------------------------------------------------------------------------------------


def test_multiword_headword_is_matched_before_its_words():
    """"public transport" is angkutan umum, not every sense of "public" (masyarakat) and of "transport"."""
    words = translate_terms("Which public transport routes are planned?")
    assert {"angkutan", "umum"} <= set(words)
    assert "masyarakat" not in words
    assert {"tanggul", "laut"} <= set(translate_terms("Where will the sea wall be built?"))
    assert {"belanja", "modal"} <= set(translate_terms("How much capital spending is budgeted?"))


def test_multiword_headword_spans_a_hyphen():
    assert translate_terms("the long-term plan")[:2] == ["jangka", "panjang"]


def test_regular_plurals_translate_like_the_singular():
    assert translate_terms("sea walls") == translate_terms("sea wall")
    assert translate_terms("cities") == translate_terms("city") == ["kota"]
    assert translate_terms("households") == translate_terms("household")


def test_regular_verb_forms_translate_like_the_verb():
    assert translate_terms("visited") == translate_terms("visiting") == translate_terms("visit")
    assert translate_terms("allocated") == translate_terms("allocate")


def test_a_possessive_and_how_many_carry_no_topic():
    from bot.terms import query_terms
    q = query_terms("How many museums does Jakarta's plan list?", "en")
    assert "jakarta" in q.untranslated and not {"s", "many"} & set(q.terms + q.untranslated)


def test_words_the_glossary_does_not_know_are_dropped():
    assert translate_terms("the of and what") == []
    assert translate_terms("zyxw qqq") == []


def test_full_form_gives_its_acronym():
    words = acronyms_of_full_forms("Apa visi Rencana Pembangunan Jangka Menengah Daerah itu?")
    assert "rpjmd" in words
    assert "apbd" in acronyms_of_full_forms("anggaran pendapatan dan belanja daerah tahun 2024")


def test_bm25_query_of_an_indonesian_question_has_no_translation():
    assert bm25_query("Berapa tingkat kemiskinan?", "id") == "Berapa tingkat kemiskinan?"


def test_bm25_query_names_acronyms_but_does_not_spell_them_out():
    """Spelling "RPJMD" out as rencana pembangunan jangka menengah daerah let those common words outweigh the
    acronym in BM25 (DKI: Indonesian MRR 0.579 -> 0.550); the full form still brings its acronym in."""
    assert "pembiayaan" not in bm25_query("Berapa SiLPA tahun 2023?", "id")
    assert bm25_query("Apa visi Rencana Pembangunan Jangka Menengah Daerah?", "id").endswith(" rpjmd rpjm")
    query = bm25_query("How much capital spending is in the regional budget?", "en")
    assert {"belanja", "modal", "apbd"} <= set(query.lower().split())


# --- what it does for retrieval (a real BM25 index over hand-made Indonesian passages) ---------------------

PASSAGES = {
    "modal": "Belanja modal tahun 2024 dialokasikan sebesar Rp 5,2 triliun untuk pembangunan jalan dan jembatan.",
    "pajak": "Pendapatan asli daerah bersumber dari pajak daerah dan retribusi daerah.",
    "tanggul": "Pembangunan tanggul laut dan polder untuk mengendalikan banjir rob di wilayah pesisir.",
    "silpa": "SiLPA tahun sebelumnya tercatat Rp 800 miliar.",
    "sekolah": "Angka partisipasi sekolah anak usia dini meningkat setiap tahun.",
}


@pytest.fixture(scope="module")
def index() -> LexicalIndex:
    ids = list(PASSAGES)
    return LexicalIndex(ids, [analyze(PASSAGES[i]) for i in ids], ["x"] * len(ids), ids)


@pytest.mark.parametrize(
    ("question", "language", "passage"),
    [
        ("How much capital spending is there?", "en", "modal"),
        ("Where will the sea wall against tidal flooding be built?", "en", "tanggul"),
        ("What are the sources of local own revenue?", "en", "pajak"),
        ("Berapa sisa lebih pembiayaan anggaran?", "id", "silpa"),
        ("What is the enrollment rate in early childhood?", "en", "sekolah"),
    ],
)
def test_bm25_finds_the_indonesian_passage_first(index, question, language, passage):
    """An English question meets the Indonesian passage word for word; a full form meets its acronym."""
    hits = index.search(bm25_query(question, language), 3)
    assert hits and hits[0][0] == passage
    assert not index.search(question, 3)  # the question's own words find nothing


# --- loading: clear errors naming the file and the line -----------------------------------------------------


@pytest.mark.parametrize(
    ("text", "line", "problem"),
    [
        ("poverty\tkemiskinan\n# a comment\n\ngrowth pertumbuhan\n", 4, "expected one tab"),
        ("poverty\tkemiskinan\ngrowth\t\n", 2, "empty value"),
        ("poverty\tkemiskinan;; miskin\n", 1, "empty value"),
        ("poverty\tkemiskinan\nPoverty\tmiskin\n", 2, "already on line 1"),
        ("poverty\tkemiskinan\tmiskin\n", 1, "expected one tab"),
        ("\tkemiskinan\n", 1, "key is empty"),
        ("poverty rate!\ttingkat kemiskinan\n", 1, "lowercase English words"),
    ],
)
def test_malformed_glossary_line_names_file_and_line(tmp_path, text, line, problem):
    path = tmp_path / "glossary.tsv"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(DataFileError) as err:
        load_glossary(path)
    assert f"{path}, line {line}:" in str(err.value)
    assert problem in str(err.value)


def test_malformed_acronym_line_names_file_and_line(tmp_path):
    path = tmp_path / "acronyms.tsv"
    path.write_text("APBD\tAnggaran Pendapatan dan Belanja Daerah\nRPJMD (lama)\tRencana\n", encoding="utf-8")
    with pytest.raises(DataFileError, match=r"acronyms\.tsv, line 2: acronym 'RPJMD \(lama\)'"):
        load_acronyms(path)


def test_missing_file_is_named(tmp_path):
    with pytest.raises(DataFileError, match="glossary.tsv: cannot read the English -> Indonesian glossary"):
        load_glossary(tmp_path / "glossary.tsv")


def test_a_good_file_loads(tmp_path):
    path = tmp_path / "glossary.tsv"
    path.write_text("# comment\nsea level\tpermukaan laut; muka air laut\n", encoding="utf-8")
    assert load_glossary(path) == {"sea level": ("permukaan laut", "muka air laut")}


# --- the shipped lists -----------------------------------------------------------------------------------------


def test_shipped_lists_are_of_general_size():
    assert 1500 <= len(GLOSSARY) <= 2600
    assert 150 <= len(ACRONYMS) <= 320
    assert len(EN_ID) > len(GLOSSARY)  # regular plurals added


def test_no_stop_word_or_question_word_is_a_headword():
    assert not [h for h in GLOSSARY if h in STOPWORDS]
    # "plan" is the one question word kept from the first hand-made list: other modules (bot.abstain's reading
    # of capitalised names) count on it being a known English word.
    assert [h for h in GLOSSARY if h in QUESTION_WORDS] == ["plan"]


def test_every_indonesian_side_is_non_empty():
    assert all(forms and all(f.strip() for f in forms) for forms in GLOSSARY.values())
    assert all(forms and all(f.strip() for f in forms) for forms in ACRONYMS.values())


def test_a_headword_maps_only_to_itself_only_when_the_word_is_indonesian_too():
    """"program" -> "program" tells the question reader the word is known; "virus" -> "virus" would be useless.
    A word counts as Indonesian when the glossary's Indonesian side uses it elsewhere."""
    self_only = [h for h, forms in GLOSSARY.items() if {f.lower() for f in forms} == {h}]
    elsewhere = {w for h, forms in GLOSSARY.items() if h not in self_only for f in forms for w in f.lower().split()}
    assert [h for h in self_only if h not in elsewhere] == []


def test_no_acronym_is_an_english_word_or_a_stop_word():
    """An acronym matches in any case: one that is a stop word or an English headword ("did", "add") would
    fire on ordinary words."""
    assert [a for a in ACRONYMS if a.lower() in STOPWORDS or a.lower() in EN_ID] == []


def test_the_lists_are_package_data():
    data = tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    patterns = data["tool"]["setuptools"]["package-data"]["planbot"]
    assert any(GLOSSARY_FILE.match(p) for p in patterns) and any(ACRONYMS_FILE.match(p) for p in patterns)
    assert GLOSSARY_FILE.parent.name == ACRONYMS_FILE.parent.name == "planbot"


def test_an_english_bm25_query_searches_the_indonesian_words_not_the_english_ones_they_replace():
    query = bm25_query("Who is Jakarta's deputy governor for 2025-2030?", "en").split()
    assert {"wakil", "gubernur", "jakarta", "2025", "2030"} <= set(query)
    assert "deputy" not in query and "governor" not in query
    assert bm25_query("Siapa wakil gubernur?", "id").startswith("Siapa wakil gubernur?")
