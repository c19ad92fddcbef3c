"""Upload checks that run before anything is copied or ingested, and the plan table's search."""

from __future__ import annotations

import pytest

from bot.plan import PlanRow
from bot.plan_lookup import filter_rows
from bot.web.documents import check_upload, safe_name
from bot.web.plans import write_csv
from planbot.errors import PlanbotError


def test_wrong_type_empty_and_too_big_are_refused(tmp_path):
    exe = tmp_path / "x.exe"
    exe.write_bytes(b"MZ")
    with pytest.raises(PlanbotError, match=r"\.exe is not accepted"):
        check_upload(exe, 1)
    empty = tmp_path / "kosong.md"
    empty.write_text("")
    with pytest.raises(PlanbotError, match="empty"):
        check_upload(empty, 1)
    big = tmp_path / "besar.txt"
    big.write_bytes(b"a" * 2 * 1024 * 1024)
    with pytest.raises(PlanbotError, match="over the 1 MB limit"):
        check_upload(big, 1)
    ok = tmp_path / "Rencana.MD"
    ok.write_text("# Rencana")
    check_upload(ok, 1)


def test_upload_names_stay_inside_the_uploads_folder():
    assert safe_name("../../etc/passwd.md") == "passwd.md"
    assert safe_name("C:\\Users\\x\\Rencana Kota (final).PDF") == "Rencana_Kota_final.pdf"
    assert safe_name(".hidden.txt") == "hidden.txt"


def row(doc_id, region, title, kind, number, parent, text, start, end) -> PlanRow:
    return PlanRow(kind, number, parent, text, start, end, doc_id=doc_id, region=region, title=title, period=None)


ROWS = [
    row("d", "Kota Metro", "T", "mission", 3, None, "Meningkatkan infrastruktur", 0, 10),
    row("d", "Kota Metro", "T", "program", 1, "mission 3", "Revitalisasi Stadion Tejosari", 20, 49),
    row("d", "Kota Metro", "T", "program", 1, "mission 2", "Program kesehatan 3 kecamatan", 50, 70),
    row("e", "Kota Bekasi", "U", "mission", 3, None, "Misi Bekasi", 0, 5),
]


def test_plan_search_by_label_parent_and_text():
    got = filter_rows(ROWS, region="Kota Metro", search="Mission 3")
    assert [r.text for r in got] == ["Meningkatkan infrastruktur", "Revitalisasi Stadion Tejosari"]
    assert [r.text for r in filter_rows(ROWS, kind="program", search="stadion")] == ["Revitalisasi Stadion Tejosari"]
    assert len(filter_rows(ROWS)) == 4


def test_csv_export(tmp_path):
    text = write_csv(ROWS[:2], tmp_path / "p.csv").read_text(encoding="utf-8-sig")
    assert text.splitlines()[0] == "region,title,period,doc_id,kind,number,parent,text,start,end"
    assert "Kota Metro,T,,d,program,1,mission 3,Revitalisasi Stadion Tejosari,20,49" in text
