"""cleaner: strip site noise from scraped news, merge syndicated copies, keep provenance.

Library use: ``clean_text``, ``clean_html``, ``dedup`` and ``run`` (see the README).
The functions are imported on first use, so ``import cleaner`` (and the CLI's
start-up) does not pay for trafilatura, numpy and datasketch until needed.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

from .errors import CleanerError, ConfigError, ExtractionError, ExtractionTimeout, InputError, NoContentError
from .records import Attribution, Canonical, Cluster, Document, Member, Origin, Rejected, Span

if TYPE_CHECKING:  # pragma: no cover
    from .api import clean_document, clean_html, clean_text, dedup, iter_clean, iter_run, run

_API = ("clean_text", "clean_html", "clean_document", "dedup", "iter_clean", "iter_run", "run")

__all__ = [
    "__version__",
    *_API,
    "Attribution",
    "Canonical",
    "Cluster",
    "Document",
    "Member",
    "Origin",
    "Rejected",
    "Span",
    "CleanerError",
    "ConfigError",
    "ExtractionError",
    "ExtractionTimeout",
    "InputError",
    "NoContentError",
]


def __getattr__(name: str) -> Any:
    if name in _API:
        from . import api

        return getattr(api, name)
    raise AttributeError(f"module 'cleaner' has no attribute {name!r}")


def __dir__() -> list[str]:
    # The lazily imported functions are part of the API: dir(cleaner) and completion show them.
    return sorted(set(__all__) | {name for name in globals() if name.startswith('__')})
