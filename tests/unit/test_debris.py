from itertools import pairwise

from ingest.debris import debris_spans, strip_debris

INDONESIAN = "Kondisi ini diperburuk oleh kualitas air sungai di Jakarta yang tergolong dalam kategori cemar sedang."


def test_image_links_are_debris():
    text = "Lihat gambar berikut.\n\n![](https://cdn-mineru.example.org/result/abc.jpg)\n\nSumber: BPS"
    clean, dropped = strip_debris(text)
    assert "cdn-mineru" not in clean and "![" not in clean
    assert "Lihat gambar berikut." in clean and "Sumber: BPS" in clean
    assert dropped == len("![](https://cdn-mineru.example.org/result/abc.jpg)")


def test_a_phrase_repeated_many_times_keeps_one_copy():
    text = "Layanan kesehatan. " + "Masyarakat pengobatan. " * 20 + "Program berikutnya."
    clean, _ = strip_debris(text)
    assert clean.count("Masyarakat pengobatan") == 1
    assert clean.startswith("Layanan kesehatan. Masyarakat pengobatan.") and clean.endswith("Program berikutnya.")


def test_a_glued_repeat_keeps_one_copy():
    clean, _ = strip_debris("wilayah " + "(jakarta)," * 12 + " dan sekitarnya")
    assert clean.lower().count("jakarta") == 1
    assert clean.startswith("wilayah (jakarta)") and clean.endswith("dan sekitarnya")


def test_three_repeats_and_lists_are_not_debris():
    for text in ("Misi satu, misi dua, misi tiga.", "sangat sangat sangat penting", "1 1 1 1 1 nilai",
                 "Pasal 1.2.3 ayat (4)", INDONESIAN):
        assert strip_debris(text) == (text, 0), text


def test_cjk_glued_to_latin_words_is_dropped_in_a_latin_document():
    text = "Pada的前提下 " + INDONESIAN + " Kebutuhan air bersih sarat希望大家 ini tinggi."
    clean, dropped = strip_debris(text)
    assert "的" not in clean and "希望" not in clean
    assert clean.startswith("Pada ") and "sarat ini tinggi." in clean
    assert dropped == len("的前提下") + len("希望大家")


def test_cjk_text_is_kept_when_it_is_the_document_script():
    text = "城市规划的前提下建设 Jakarta 发展计划"
    assert strip_debris(text) == (text, 0)


def test_punctuation_runs_are_dropped():
    clean, dropped = strip_debris("Daftar Isi ............ 12\nBAB I - - - - - - PENDAHULUAN")
    assert "..." not in clean and "- - -" not in clean
    assert "Daftar Isi" in clean and "12" in clean and "PENDAHULUAN" in clean and dropped > 10


def test_spans_point_at_the_debris_and_do_not_overlap():
    text = "Teks ![](https://x.org/a.png) lalu " + "ulang lagi " * 5 + "selesai ....."
    spans = debris_spans(text)
    assert all(a < b for a, b in spans)
    assert all(b1 <= a2 for (_, b1), (a2, _) in pairwise(spans))
    assert text[spans[0][0] : spans[0][1]] == "![](https://x.org/a.png)"
    assert text[spans[-1][0] : spans[-1][1]] == "....."
