"""Typed errors. The message of a PlanbotError is shown to the user as-is."""


class PlanbotError(Exception):
    """Base class; the message is written for the person who will read it."""


class ConfigError(PlanbotError):
    """A setting has a value Planbot cannot use."""


class UnreadableDocument(PlanbotError):
    """A file could not be turned into text; the message names the reason."""

    def __init__(self, path: str, reason: str):
        super().__init__(f"{path}: {reason}")
        self.path = path
        self.reason = reason


class IndexModelMismatch(PlanbotError):
    """The collection was built with another embedding model."""


class StoreUnavailable(PlanbotError):
    """The vector store cannot be reached or opened."""


class EmbeddingServiceError(PlanbotError):
    """The embedding service (PLANBOT_EMBEDDING=openai:URL) is down, too slow, failing, or answers with vectors
    Planbot cannot use; the message names the URL and what to do."""


class LLMServiceError(PlanbotError):
    """The chat model service (PLANBOT_LLM=openai:URL) is down, too slow, failing, or answers with something
    that is not a chat completion; the answer falls back to the extractive one with a short note."""


class IndexBusy(PlanbotError):
    """Another ingest holds the write lock on this collection."""


class DocumentTooLarge(UnreadableDocument):
    """A file would unpack or parse to more than a configured limit (a zip bomb, or an oversized document).

    The message names the file, what was found, the limit and its setting, and what to do.
    """

    def __init__(self, path: str, *, found: str, limit: str, setting: str):
        reason = (
            f"refused, too large to read safely: {found}, over the limit of {limit} ({setting}). "
            f"Split the document into smaller files, or raise {setting} if it is a genuine plan"
        )
        super().__init__(path, reason)
        self.found = found
        self.limit = limit
        self.setting = setting


class DataFileError(PlanbotError):
    """A data file shipped with Planbot (a glossary, a word list) is missing or has a malformed line."""
