"""Exceptions raised by cleaner. Every one names the input it is about."""
from __future__ import annotations


class CleanerError(Exception):
    """Base class of every error cleaner raises on purpose."""


class SourcedError(CleanerError):
    """An error about one input; ``source`` names it (path, path:line or document id)."""

    def __init__(self, source: str, message: str) -> None:
        self.source = source
        self.message = message
        super().__init__(f"{source}: {message}")


class InputError(SourcedError):
    """An input cannot be read or parsed."""


class ConfigError(CleanerError):
    """A bad option or configuration value."""


class ExtractionError(SourcedError):
    """The HTML stage could not produce text for a document."""

    @property
    def doc_id(self) -> str:
        return self.source


class ExtractionTimeout(ExtractionError):
    """The HTML stage ran past its per-document time limit."""


class DedupIndexError(CleanerError):
    """A persisted near-duplicate index is unreadable or incompatible."""


class NoContentError(SourcedError):
    """Nothing of the article was left (or there was none to begin with)."""
