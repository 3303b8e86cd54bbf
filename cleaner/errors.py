"""Exceptions raised by cleaner. Every one names the input it is about."""
from __future__ import annotations


class CleanerError(Exception):
    """Base class of every error cleaner raises on purpose."""


class InputError(CleanerError):
    """An input cannot be read or parsed. ``source`` names it (path, path:line or id)."""

    def __init__(self, source: str, message: str) -> None:
        self.source = source
        self.message = message
        super().__init__(f"{source}: {message}")


class ConfigError(CleanerError):
    """A bad option or configuration value."""


class ExtractionError(CleanerError):
    """The HTML stage could not produce text for a document."""

    def __init__(self, doc_id: str, message: str) -> None:
        self.doc_id = doc_id
        self.message = message
        super().__init__(f"{doc_id}: {message}")


class ExtractionTimeout(ExtractionError):
    """The HTML stage ran past its per-document time limit."""


class DedupIndexError(CleanerError):
    """A persisted near-duplicate index is unreadable or incompatible."""


class NoContentError(CleanerError):
    """Nothing of the article was left (or there was none to begin with)."""

    def __init__(self, source: str, message: str) -> None:
        self.source = source
        self.message = message
        super().__init__(f"{source}: {message}")
