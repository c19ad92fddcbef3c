from itertools import pairwise

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


# ------------------------------------------------------------------------------------------ tables

def _indicator_table(rows: int) -> str:
    head = (
        "<table><tr><td rowspan=\"2\">No.</td><td rowspan=\"2\">Indikator</td><td rowspan=\"2\">Satuan</td>"
        "<td colspan=\"3\">TARGET KINERJA</td></tr><tr><td>2027</td><td>2028</td><td>2030</td></tr>"
    )
    body = "".join(
        f"<tr><td>{i}.</td><td>Indikator kinerja pembangunan daerah nomor {i}</td><td>%</td>"
        f"<td>{i},1</td><td>{i},2</td><td>{i},3</td></tr>"
        for i in range(1, rows + 1)
    )
    return head + body + "</table>"


def _table_doc(rows: int) -> str:
    return (
        "# BAB IV TARGET KINERJA\n\nTarget kinerja daerah disajikan pada tabel berikut.\n\n"
        f"Tabel 4.1 Target Indikator Kinerja Daerah\n\n{_indicator_table(rows)}\n\n"
        "# BAB V PENUTUP\n\nDemikian rencana ini disusun.\n"
    )


def _nodes(chunker, text, name="doc"):
    return chunker.get_nodes_from_documents(
        [Document(id_=name, text=text, metadata={"title": "RPJMD", "region": "Kota Metro"})])


def test_a_table_that_fits_stays_one_chunk_with_its_caption_and_readable_rows(chunker):
    text = _table_doc(3)
    nodes = _nodes(chunker, text)
    tables = [n for n in nodes if "table_caption" in n.metadata]
    assert len(tables) == 1
    node = tables[0]
    assert node.text.startswith("Tabel 4.1") and node.text.endswith("</table>")
    assert node.metadata["table_caption"] == "Tabel 4.1 Target Indikator Kinerja Daerah"
    assert node.metadata["section"] == "BAB IV TARGET KINERJA"
    assert "TARGET KINERJA 2030" in node.metadata["table_header"]
    content = embed_text(node.text, node.metadata)
    assert "<td" not in content and "<tr" not in content
    assert content.splitlines()[1] == "Tabel 4.1 Target Indikator Kinerja Daerah"
    assert ("No.: 2.; Indikator: Indikator kinerja pembangunan daerah nomor 2; Satuan: %; "
            "TARGET KINERJA 2027: 2,1; TARGET KINERJA 2028: 2,2; TARGET KINERJA 2030: 2,3") in content
    assert [n.metadata["section"] for n in nodes if "Demikian" in n.text] == ["BAB V PENUTUP"]


def test_a_long_table_is_split_into_whole_row_groups_each_with_caption_and_header(chunker, embedder):
    text = _table_doc(60)
    nodes = _nodes(chunker, text)
    tables = [n for n in nodes if "table_caption" in n.metadata]
    assert len(tables) > 3
    for n in tables:
        assert text[n.start_char_idx : n.end_char_idx] == n.text
        assert n.text.startswith(("Tabel 4.1", "<table", "<tr"))
        assert n.text.endswith(("</tr>", "</table>"))
        content = embed_text(n.text, n.metadata)
        assert embedder.token_count(content) <= 320
        assert "Tabel 4.1 Target Indikator Kinerja Daerah" in content and "TARGET KINERJA 2030:" in content
        assert "<td" not in content
    rows = [f"<tr><td>{i}.</td>" for i in range(1, 61)]
    for i, row in enumerate(rows, start=1):  # every row whole in exactly one chunk
        full = f"{row}<td>Indikator kinerja pembangunan daerah nomor {i}</td><td>%</td><td>{i},1</td><td>{i},2</td>"
        assert sum(full in n.text for n in tables) == 1, i
    spans = sorted((n.start_char_idx, n.end_char_idx) for n in tables)
    assert text[spans[0][0] : spans[-1][1]].rstrip().endswith("</table>")
    assert all(b <= c for (_, b), (c, _) in pairwise(spans))


def test_a_row_longer_than_the_budget_is_cut_at_cell_boundaries(embedder):
    small = StructureChunker(token_counter=embedder.token_count, max_tokens=64)
    cells = "".join(f"<td>nilai capaian kinerja {i}</td>" for i in range(30))
    text = f"<table><tr>{''.join(f'<td>Kolom {i}</td>' for i in range(30))}</tr><tr>{cells}</tr></table>"
    nodes = _nodes(small, text)
    assert len(nodes) > 2
    for n in nodes:
        assert text[n.start_char_idx : n.end_char_idx] == n.text
        assert n.text.startswith(("<table", "<tr", "<td"))
        assert embedder.token_count(embed_text(n.text, n.metadata)) <= 64
    assert any("Kolom 17: nilai capaian kinerja 17" in embed_text(n.text, n.metadata) for n in nodes)


def test_a_table_inside_a_list_keeps_the_list_and_the_section(chunker):
    text = (
        "## 2.1 Capaian Program\n\nCapaian program meliputi:\n\n1. Program jalan dengan capaian berikut:\n\n"
        "<table><tr><td>Ruas</td><td>Panjang</td></tr><tr><td>Jalan Ahmad Yani</td><td>4 km</td></tr></table>\n\n"
        "2. Program drainase berjalan baik.\n"
    )
    nodes = _nodes(chunker, text)
    table = [n for n in nodes if "table_caption" in n.metadata]
    assert len(table) == 1 and table[0].text.startswith("<table") and table[0].text.endswith("</table>")
    assert "Ruas: Jalan Ahmad Yani; Panjang: 4 km" in embed_text(table[0].text, table[0].metadata)
    sections = {n.metadata["section"] for n in nodes}
    assert len(sections) == 1 and sections.pop().startswith("2.1 Capaian Program")
    assert any("1. Program jalan" in n.text for n in nodes) and any("2. Program drainase" in n.text for n in nodes)


def test_section_paths_are_never_read_from_inside_a_table(chunker):
    text = (
        "# BAB II GAMBARAN UMUM\n\nUraian umum wilayah kota.\n\n"
        "<table><tr><td>Wilayah</td><td>Keterangan\n\nKAWASAN STRATEGIS KOTA\n\nPusat kota</td></tr>"
        "<tr><td>Utara</td><td>Pesisir\n\n# BUKAN JUDUL</td></tr></table>\n\nPenjelasan tabel di atas.\n"
    )
    nodes = _nodes(chunker, text)
    sections = {n.metadata["section"] for n in nodes}
    assert sections == {"BAB II GAMBARAN UMUM"}
    assert all("<" not in s for s in sections)


def test_debris_stays_in_the_chunk_text_but_not_in_what_is_embedded(chunker):
    text = ("# LATAR BELAKANG\n\nPembangunan kota berjalan baik.\n\n![](https://cdn-x.example.org/a.jpg)\n\n"
            "Pelayanan kesehatan " + "Masyarakat pengobatan. " * 20 + "meningkat setiap tahun.\n")
    nodes = _nodes(chunker, text)
    assert len(nodes) == 1
    node = nodes[0]
    assert "![](https://cdn-x.example.org/a.jpg)" in node.text  # citations still quote the source
    assert text[node.start_char_idx : node.end_char_idx] == node.text
    content = embed_text(node.text, node.metadata)
    assert "cdn-x" not in content and content.count("Masyarakat pengobatan") == 1
    assert node.metadata["debris_chars"] > 400


def test_table_rows_off_embeds_the_table_as_its_text_and_reads_no_framework(embedder):
    """PLANBOT_TABLE_ROWS=false (the bench's 'without'): the same table pieces, embedded as their text with no
    row lines, no framework items; and the setting changes the settings key, so it re-ingests."""
    from pathlib import Path

    from index.indexer import settings_key
    from ingest.structure import extract_plan
    from planbot.settings import Settings

    plain = StructureChunker(token_counter=embedder.token_count, max_tokens=320, table_rows=False)
    text = _table_doc(3)
    node = next(n for n in _nodes(plain, text) if "table_caption" in n.metadata)
    assert node.metadata["table_plain"] is True and node.text.startswith("Tabel 4.1")
    content = embed_text(node.text, node.metadata)
    assert "<td>2.</td>" in content and "TARGET KINERJA 2027: 2,1" not in content
    assert [i for i in extract_plan(text) if i.kind == "indicator"]
    assert not [i for i in extract_plan(text, framework=False) if i.kind == "indicator"]
    on, off = Settings(home=Path("h")), Settings(home=Path("h"), table_rows=False)
    assert settings_key(on, "m") == "m/320" and settings_key(off, "m") == "m/320/no-table-rows"
