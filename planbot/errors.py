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


class IndexBusy(PlanbotError):
    """Another ingest holds the write lock on this collection."""
