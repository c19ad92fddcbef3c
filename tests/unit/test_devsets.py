"""The development-set converter (../shared/devsets format -> corpus folder + qa.jsonl) on hand-made passages."""

from __future__ import annotations

import json

import pytest

from evals.dataset import load_dataset
from evals.devsets import convert_devset, passage_name
from evals.kinds import question_kind
from evals.squad import sentence_around
from planbot.errors import PlanbotError

GPS = ("Sistem Pemosisi Global (bahasa Inggris: Global Positioning System) adalah sistem untuk menentukan letak. "
       "Sistem ini menggunakan 24 satelit yang dikelola oleh Dr. A. Wibowo sejak 1993. Sinyalnya diterima di Bumi.")
REPTIL = "Reptil adalah kelompok hewan vertebrata berdarah dingin. Ilmu yang mempelajarinya disebut herpetologi."


def devset(tmp_path, passages) -> object:
    path = tmp_path / "valid.json"
    path.write_text(json.dumps(passages, ensure_ascii=False), encoding="utf-8")
    return path


def qa(qid, question, answer=None, start=None):
    answers = [{"text": answer, "answer_start": start}] if answer else []
    return {"id": qid, "question": question, "is_impossible": not answers, "answers": answers}


PASSAGES = [
    {"context": GPS, "qas": [
        qa("gps-1", "Berapa satelit yang digunakan GPS?", "24", GPS.index("24")),
        qa("gps-2", "Siapa pengelola satelit GPS?", "A. Wibowo", GPS.index("A. Wibowo")),
        qa("gps-3", "Kapan sistem GPS mulai dikelola?", "1993", 5),  # a wrong offset: the text is found nearby
    ]},
    {"context": REPTIL, "qas": [
        qa("rep-1", "Apa nama ilmu yang mempelajari reptil?", "herpetologi", REPTIL.index("herpetologi")),
        qa("rep-1-unans", "Apa nama ilmu yang mempelajari reptil berdarah panas?"),
    ]},
]


def test_sentence_around_is_the_whole_sentence_verbatim():
    at = GPS.index("24")
    assert sentence_around(GPS, at, "24") == (
        "Sistem ini menggunakan 24 satelit yang dikelola oleh Dr. A. Wibowo sejak 1993.")
    assert sentence_around(GPS, 0, "Sistem Pemosisi Global").startswith("Sistem Pemosisi Global (bahasa")
    assert sentence_around(GPS, GPS.index("Bumi"), "Bumi") == "Sinyalnya diterima di Bumi."
    assert sentence_around("Tanpa titik akhir dan 7 kata", 21, "7") == "Tanpa titik akhir dan 7 kata"


def test_converter_writes_one_file_per_passage_and_evals_questions(tmp_path):
    corpus, qa_path, n = convert_devset(devset(tmp_path, PASSAGES), tmp_path / "out")
    files = sorted(p.name for p in corpus.iterdir())
    assert n == 5 and len(files) == 2
    assert sorted(f"{passage_name(p['context'])}.txt" for p in PASSAGES) == files
    assert (corpus / f"{passage_name(REPTIL)}.txt").read_text(encoding="utf-8") == REPTIL + "\n"
    lines = {x["id"]: x for x in map(json.loads, qa_path.read_text(encoding="utf-8").splitlines())}
    assert lines["gps-1"] == {
        "id": "gps-1", "lang": "id", "question": "Berapa satelit yang digunakan GPS?", "answerable": True,
        "evidence": ["Sistem ini menggunakan 24 satelit yang dikelola oleh Dr. A. Wibowo sejak 1993."],
        "answer_keywords": ["24"], "kind": "number",
    }
    assert lines["gps-3"]["evidence"] == lines["gps-1"]["evidence"] and lines["gps-3"]["kind"] == "date"
    assert lines["gps-2"]["kind"] == "name" and lines["rep-1"]["kind"] == "other"
    assert lines["rep-1-unans"] == {
        "id": "rep-1-unans", "lang": "id", "question": "Apa nama ilmu yang mempelajari reptil berdarah panas?",
        "answerable": False, "evidence": [], "answer_keywords": [], "kind": "other",
    }
    for line in lines.values():  # evidence is verbatim from the passage
        assert all(e in GPS or e in REPTIL for e in line["evidence"])
    items = load_dataset(qa_path)  # evals reads it back, kinds included
    assert [i.kind for i in items] == ["number", "name", "date", "other", "other"]


def test_a_subset_keeps_its_passages_names_and_is_stable(tmp_path):
    corpus, qa_path, n = convert_devset(devset(tmp_path, PASSAGES), tmp_path / "sub", questions=2)
    again = convert_devset(devset(tmp_path, list(reversed(PASSAGES))), tmp_path / "again", questions=2)
    ids = {json.loads(x)["id"] for x in qa_path.read_text().splitlines()}
    assert n == 2 and ids == {json.loads(x)["id"] for x in again[1].read_text().splitlines()}
    wanted = {passage_name(p["context"]) + ".txt" for p in PASSAGES if ids & {q["id"] for q in p["qas"]}}
    assert {p.name for p in corpus.iterdir()} == wanted
    # rerunning into a folder with a larger subset leaves no stale passages behind
    convert_devset(devset(tmp_path, PASSAGES), tmp_path / "sub", questions=1)
    assert len(list(corpus.iterdir())) == 1


def test_file_names_are_deterministic():
    assert passage_name(GPS) == passage_name(GPS) and passage_name(GPS).startswith("sistem-pemosisi-global-bahasa")
    assert passage_name(GPS) != passage_name(GPS + " ")


def test_a_malformed_devset_names_the_file(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"data": []}))
    with pytest.raises(PlanbotError, match="bad.json: expected a list"):
        convert_devset(bad, tmp_path / "out")
    bad.write_text("[{\"context\": \"x\", \"qas\": [{\"question\": \"?\"}]}]")
    with pytest.raises(PlanbotError, match="needs an 'id'"):
        convert_devset(bad, tmp_path / "out")


@pytest.mark.parametrize("question, kind", [
    ("Siapa pendiri kota itu?", "name"), ("Who leads Kota Metro?", "name"),
    ("Kapan perang itu berakhir?", "date"), ("Tahun berapa ia lahir?", "date"), ("When did it open?", "date"),
    ("Berapa jumlah penduduknya?", "number"), ("How many missions are there?", "number"),
    ("Di mana letak candi itu?", "place"), ("Dimana ibu kotanya?", "place"), ("Where is it?", "place"),
    ("Apa kepanjangan dari GPS?", "other"), ("Apakah nama ilmu itu?", "other"),
])
def test_question_kind(question, kind):
    assert question_kind(question) == kind
