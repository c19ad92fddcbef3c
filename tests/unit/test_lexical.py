"""The lexical analyzer and BM25: figures kept as tokens, so a question's figure meets the same figure."""

import pytest

from index.lexical import LexicalIndex, analyze, words


def test_figures_stay_whole():
    assert words("Surplus Rp2.939.374.456.267,00 dan 14,2 persen pada 2024.") == [
        "surplus", "rp", "2.939.374.456.267,00", "dan", "14,2", "persen", "pada", "2024",
    ]


def test_words_with_digits_and_compounds():
    assert words("SDG4 dan COVID-19 di kota-kota") == ["sdg4", "dan", "covid", "19", "di", "kota"]


def test_a_figure_finds_its_passage_not_every_passage_with_its_digits():
    """Regression: '14,2' was split into '14' and '2', so any passage with a 2 matched the figure."""
    texts = [
        "Target prevalensi stunting 2027 sebesar 14,2 persen.",
        "Program 2 dan kegiatan 14 untuk 2 kecamatan, 14 kelurahan.",
    ]
    index = LexicalIndex(["a", "b"], [analyze(t) for t in texts], ["", ""], ["d", "d"])
    hits = index.search("14,2", 2)
    assert [i for i, _ in hits] == ["a"]


def test_fusion_reads_the_fitted_file_or_keeps_defaults(tmp_path):
    import json

    from index.search import Fusion

    assert Fusion.fitted(tmp_path / "absent.json") == Fusion()
    path = tmp_path / "fusion.json"
    path.write_text(json.dumps({"lexical_weight_id": 0.3, "lexical_weight_en": 0.2, "rrf_k": 30}))
    assert Fusion.fitted(path) == Fusion(0.3, 0.2, 30)
    path.write_text(json.dumps({"lexical_weight_id": 1.0, "lexical_weight_en": 0.5, "rrf_k": 60, "gap_split": 0.03,
                                "lexical_weight_en_flat": 3.0}))
    fusion = Fusion.fitted(path)
    assert fusion.weight("en", 0.01) == 3.0 and fusion.weight("en", 0.05) == 0.5
    assert fusion.weight("id", 0.01) == 1.0  # no flat weight fitted for Indonesian: its one weight


def test_dense_gap_is_the_nearest_passage_above_the_rest():
    from index.search import GAP_DEPTH, dense_gap

    assert abs(dense_gap([0.9, 0.8, 0.7]) - 0.15) < 1e-9
    assert dense_gap([0.9]) == 0.0
    assert abs(dense_gap([0.9] + [0.8] * (GAP_DEPTH - 1) + [0.0] * 50) - 0.1) < 1e-9  # read over GAP_DEPTH


TEXTS = {
    "a": ("Target prevalensi stunting 2027 sebesar 14,2 persen.", "Jakarta", "rpjmd"),
    "b": ("Program 2 dan kegiatan 14 untuk 2 kecamatan, 14 kelurahan.", "Bekasi", "rpjmd"),
    "c": ("Penurunan stunting di kecamatan melalui air bersih dan sanitasi.", "Jakarta", "renstra"),
    "d": ("Pembangunan jalan dan kecamatan baru.", "Bekasi", "rkpd"),
}


def _build(backend: str):
    from index.lexical import backend_class

    ids = sorted(TEXTS)
    return backend_class(backend).build(ids, [analyze(TEXTS[i][0]) for i in ids], [TEXTS[i][1] for i in ids],
                                        [TEXTS[i][2] for i in ids])


def test_the_bm25s_backend_ranks_and_scores_as_the_builtin_one_within_the_same_filters():
    from index.store import Filter

    builtin, library = _build("builtin"), _build("bm25s")
    assert builtin.vocabulary == library.vocabulary and builtin.max_idf == library.max_idf
    assert builtin.idf("stunting") == library.idf("stunting") and library.idf("absent") == library.max_idf
    for query, f in [("14,2", None), ("stunting kecamatan", None), ("kecamatan", Filter.of(region="Bekasi")),
                     ("stunting", Filter.of(doc_id="renstra")), ("kecamatan", Filter.of(doc_ids=["rkpd", "renstra"])),
                     ("kecamatan", Filter.of(region="Jakarta", doc_ids=["rkpd"])), ("tidak ada", None)]:
        want, got = builtin.search(query, 3, f), library.search(query, 3, f)
        assert [i for i, _ in got] == [i for i, _ in want], (query, f)
        assert [s for _, s in got] == pytest.approx([s for _, s in want], rel=1e-5)


@pytest.mark.parametrize("backend", ["builtin", "bm25s"])
def test_a_saved_lexical_index_loads_only_with_its_fingerprint(tmp_path, backend):
    from index.lexical import backend_class, fingerprint

    index = _build(backend)
    path = tmp_path / "planbot.idx"
    for _ in range(3):  # saved again over itself: the last one is read
        index.save(path)
    loaded = backend_class(backend).load(path, fingerprint(sorted(TEXTS)))
    assert loaded is not None and loaded.search("stunting", 2) == index.search("stunting", 2)
    assert backend_class(backend).load(path, fingerprint(["a"])) is None
    assert backend_class(backend).load(tmp_path / "absent", fingerprint(sorted(TEXTS))) is None
    empty = backend_class(backend).build([], [], [], [])
    empty.save(path)
    assert backend_class(backend).load(path, fingerprint([])).search("stunting", 2) == []


def test_a_bm25s_save_sweeps_old_versions_and_killed_writers_staging_but_never_the_current_one(tmp_path):
    import os
    import time

    from index.lexical_bm25s import CURRENT, STALE_S

    index, path = _build("bm25s"), tmp_path / "c.bm25s"
    index.save(path)
    first = (path / CURRENT).read_text()
    old = time.time() - STALE_S - 60
    for name in (first, "v-gone", ".v-killed.tmp"):
        (path / name).mkdir(exist_ok=True)
        os.utime(path / name, (old, old))
    index.save(path)  # the previous one (first) stays for a reader loading it now
    assert sorted(p.name for p in path.iterdir() if p.is_dir()) == sorted([first, (path / CURRENT).read_text()])
