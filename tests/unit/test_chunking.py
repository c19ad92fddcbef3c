import pytest
from llama_index.core.schema import Document

from ingest.chunking import StructureChunker, classify_line, embed_text
from ingest.cleaning import clean_text
from tests.conftest import SEEDS


@pytest.fixture(scope="module")
def chunker(embedder):
    return StructureChunker(token_counter=embedder.token_count, max_tokens=320)


def _chunks(chunker, name):
    text = clean_text((SEEDS / name).read_text(encoding="utf-8"))
    doc = Document(id_=name, text=text, metadata={"title": "T", "region": "Kota Metro"})
    return text, chunker.get_nodes_from_documents([doc])


def test_line_classes():
    assert classify_line("## **VISI DAN MISI DINAS**")[:2] == ("heading", 2)
    assert classify_line("2. MISI") == ("heading", 1, "MISI")
    assert classify_line("Misi 3")[:2] == ("heading", 3)
    assert classify_line("Program Kerja :") == ("heading", 4, "Program Kerja")
    assert classify_line("3.2.2 Misi Kepala Daerah Terpilih")[:2] == ("heading", 2)
    assert classify_line("1. Revitalisasi Stadion Tejosari;")[0] == "item"
    assert classify_line("Visi adalah rumusan umum mengenai keadaan yang diinginkan.")[0] == "para"


def test_misi_3_stays_in_one_chunk_with_commitments_programs_and_affairs(chunker):
    _, nodes = _chunks(chunker, "000_17d2c2306983f87c.txt")
    misi3 = [n for n in nodes if "Mengembangkan Sanitasi Total Berbasis Masyarakat" in n.text]
    assert len(misi3) == 1
    node = misi3[0]
    assert node.metadata["section"] == "MISI > Misi 3"
    assert "Komitmen perwujudan Misi 3" in node.text
    assert "1. Revitalisasi Stadion Tejosari;" in node.text and "6. Peningkatan infrastruktur penerangan" in node.text
    assert "Urusan yang mengampu pelaksanaan Misi 3" in node.text


def test_offsets_point_at_the_chunk_text_and_ids_are_stable(chunker):
    for path in sorted(SEEDS.glob("*.txt")):
        text, nodes = _chunks(chunker, path.name)
        assert nodes, path
        for n in nodes:
            assert text[n.start_char_idx : n.end_char_idx] == n.text
            assert n.metadata["start"] == n.start_char_idx
        _, again = _chunks(chunker, path.name)
        assert [n.node_id for n in nodes] == [n.node_id for n in again]
        assert len({n.node_id for n in nodes}) == len(nodes)


def test_chunks_are_bounded_by_the_models_own_tokens(chunker, embedder):
    long_para = " ".join(["Pembangunan infrastruktur kota yang berkelanjutan dan merata."] * 400)
    text = "MISI\n\n" + long_para + "\n\n" + "x" * 20000
    nodes = chunker.get_nodes_from_documents([Document(id_="long", text=text, metadata={"title": "T"})])
    assert len(nodes) > 5
    for n in nodes:
        assert embedder.token_count(embed_text(n.text, n.metadata)) <= 512
        assert text[n.start_char_idx : n.end_char_idx] == n.text
    covered = "".join(n.text for n in nodes).replace(" ", "").replace("\n", "")
    assert covered == text.replace(" ", "").replace("\n", "")  # nothing dropped


def test_heading_introduces_the_following_item_not_the_previous_chunk(chunker):
    _, nodes = _chunks(chunker, "000_17d2c2306983f87c.txt")
    for n in nodes:
        assert not n.text.rstrip().endswith(("1) Kota Metro Berpendidikan", "3) Kota Metro Sejahtera"))
