from ingest.cleaning import clean_text, normalize_for_match, repair, strip_emphasis, unwrap
from tests.conftest import SEEDS


def test_mojibake_quotes_in_seed_004_are_repaired():
    raw = (SEEDS / "004_13641eae8e0458e4.txt").read_text(encoding="utf-8")
    assert "â" in raw
    text = clean_text(raw)
    assert "â" not in text
    assert "“Dengan anggaran yang minim" in text
    assert "ini,” ujarnya" in text


def test_ftfy_fixes_classic_mojibake():
    assert repair("Kota â€œMetroâ€\x9d") == "Kota “Metro”"
    assert repair("cafe\u0301") == "café"  # NFC


def test_hard_wrapped_pdf_text_is_unwrapped_without_gluing_list_items():
    text = clean_text((SEEDS / "003_68827eb2284742d1.txt").read_text(encoding="utf-8"))
    assert "periode 2013 – 2018 adalah “Bekasi Maju, Sejahtera dan Ihsan.”" in text
    assert "\n2. Membangun Prasarana dan Sarana yang serasi dengan dinamika dan pertumbuhan kota.\n" in text
    assert "\n1. Menyelenggarakan Tata Kelola Kepemerintahan Yang Baik\n" in text
    assert "\n• Adanya penentuan target kinerja\n" in text
    assert "\nFaktor pendorong :\n" in text


def test_unwrap_leaves_normal_text_alone():
    text = "VISI\nTerwujudnya Kota Metro yang sejahtera dan berbudaya bagi seluruh warga kota.\n- satu\n- dua"
    assert unwrap(text) == text


def test_web_boilerplate_is_dropped():
    text = clean_text((SEEDS / "003_68827eb2284742d1.txt").read_text(encoding="utf-8"))
    assert "Silahkan LOGIN" not in text
    assert text.endswith("Inovasi Manajemen Pelayanan di Kecamatan")


def test_markdown_emphasis_removed_for_indexing_only():
    raw = "1. **Misi 1** : Mewujudkan *Good Governance* dan __tata__ `kelola`"
    assert strip_emphasis(raw) == "1. Misi 1 : Mewujudkan Good Governance dan tata kelola"
    assert clean_text(raw) == raw
    assert normalize_for_match("**Misi  3**\n:  Sanitasi") == "misi 3 : sanitasi"
