"""The record types that travel through every stage.

One input becomes a :class:`Document`; the strip stage adds its cleaned text,
the removed :class:`Span` s and the :class:`Attribution`; the dedup stage puts
documents into :class:`Cluster` s; each cluster becomes one :class:`Canonical`
record with its :class:`Member` s.  Records are plain dataclasses so that every
driver (CLI, library, pre-commit hook, Dask engine) passes the same objects.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

Mode = Literal["text", "html"]


@dataclass(frozen=True, slots=True)
class Span:
    """A piece of the source text that was removed, with why.

    ``start``/``end`` are character offsets into the text the strip stage saw:
    the input text in text mode, the extracted text in HTML mode
    (:attr:`Document.source_text`).
    """

    start: int
    end: int
    kind: str
    reason: str

    def __reduce__(self) -> tuple:
        # Pickled by constructor: the generic frozen-dataclass state hooks are ~5x slower,
        # and the stage cache unpickles every span of every document on a warm run.
        return (Span, (self.start, self.end, self.kind, self.reason))

    def to_dict(self) -> dict[str, Any]:
        return {"start": self.start, "end": self.end, "kind": self.kind, "reason": self.reason}


@dataclass(slots=True)
class Attribution:
    """Who published a story first, as the text itself says."""

    original_publisher: str | None = None
    republished_by: list[str] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)  # the notice lines, verbatim

    def is_empty(self) -> bool:
        return not (self.original_publisher or self.republished_by or self.notices)

    def merge(self, other: Attribution) -> Attribution:
        """Union of two attributions; the first original publisher wins."""
        return Attribution(
            original_publisher=self.original_publisher or other.original_publisher,
            republished_by=sorted(set(self.republished_by) | set(other.republished_by)),
            notices=sorted(set(self.notices) | set(other.notices)),
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "original_publisher": self.original_publisher,
            "republished_by": list(self.republished_by),
            "notices": list(self.notices),
        }


@dataclass(slots=True)
class Origin:
    """Where an input document came from."""

    path: str | None = None
    line: int | None = None  # 1-based line in a JSONL file
    sha256: str | None = None  # of the document's raw content

    def to_dict(self) -> dict[str, Any]:
        return {k: v for k, v in asdict(self).items() if v is not None}


@dataclass(slots=True)
class Document:
    """One input document, and (after the strip stage) its cleaned form."""

    id: str
    content: str  # raw input: plain text or HTML
    mode: Mode = "text"
    site: str | None = None
    url: str | None = None
    title: str | None = None
    date: str | None = None
    language: str | None = None
    author: str | None = None
    origin: Origin = field(default_factory=Origin)
    metadata: dict[str, Any] = field(default_factory=dict)  # fields we do not know, kept
    # filled by the strip stage
    text: str | None = None  # cleaned article text, paragraphs joined by "\n"
    source_text: str | None = None  # the text that Span offsets point into
    extracted: bool = False  # source_text is an extractor's main content (HTML), not a whole page
    standfirst: str | None = None  # the summary line under the headline, when the text has one
    removed: list[Span] = field(default_factory=list)
    attribution: Attribution = field(default_factory=Attribution)
    notes: list[str] = field(default_factory=list)  # e.g. "html extraction empty; fell back to text"

    def removed_counts(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for span in self.removed:
            counts[span.kind] = counts.get(span.kind, 0) + 1
        return dict(sorted(counts.items()))

    def removed_chars(self) -> dict[str, int]:
        """Characters removed, by kind (spans do not overlap; see the strip stage)."""
        chars: dict[str, int] = {}
        for span in self.removed:
            chars[span.kind] = chars.get(span.kind, 0) + span.end - span.start
        return dict(sorted(chars.items()))


@dataclass(frozen=True, slots=True)
class Rejected:
    """An input that could not be processed, and why; never silently dropped."""

    id: str
    reason: str
    stage: str  # read | strip | sign | ...
    path: str | None = None
    line: int | None = None

    def to_dict(self) -> dict[str, Any]:
        d = {"id": self.id, "stage": self.stage, "reason": self.reason}
        if self.path is not None:
            d["path"] = self.path
        if self.line is not None:
            d["line"] = self.line
        return d


@dataclass(frozen=True, slots=True)
class Member:
    """One input document's place in a cluster."""

    id: str
    similarity: float  # estimated Jaccard to the canonical copy (1.0 for itself)
    site: str | None = None
    url: str | None = None
    removed: dict[str, int] = field(default_factory=dict)  # noise removed: spans by kind
    removed_chars: dict[str, int] = field(default_factory=dict)  # noise removed: characters by kind
    chars: int = 0  # length of the text the strip stage saw (what `removed_chars` is a share of)

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "site": self.site,
            "url": self.url,
            "similarity": round(self.similarity, 4),
            "removed": dict(self.removed),
            "removed_chars": dict(self.removed_chars),
            "chars": self.chars,
        }


@dataclass(slots=True)
class Cluster:
    """Documents that tell the same story. ``members[0]`` is the canonical copy."""

    id: str
    canonical_id: str
    members: list[Member]
    reason: str = ""  # why this member was chosen as canonical

    @property
    def size(self) -> int:
        return len(self.members)


@dataclass(slots=True)
class Canonical:
    """One output record per story (``documents.jsonl``)."""

    id: str
    title: str | None
    text: str
    cluster: Cluster
    document: Document  # the canonical member
    attribution: Attribution
    removed: list[Span]  # spans removed from the canonical member (incl. cross-copy)
    # lines of the canonical member's input the strip stage removed and cross-site agreement put
    # back into ``text`` (cleaner.neardup.canonical.restorable_lines)
    restored: list[Span] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        doc = self.document
        record: dict[str, Any] = {
            "id": self.id,
            "title": self.title,
            "text": self.text,
            "url": doc.url,
            "date": doc.date,
            "language": doc.language,
            "site": doc.site,
            "author": doc.author,
            "mode": doc.mode,
            "attribution": self.attribution.to_dict(),
            "cluster": {"id": self.cluster.id, "size": self.cluster.size, "reason": self.cluster.reason},
            # `members` lists ids only, the form score.py and most tools read; the
            # per-copy provenance (site, url, similarity, noise removed) is `provenance`.
            "members": [m.id for m in self.cluster.members],
            "provenance": [m.to_dict() for m in self.cluster.members],
            "removed": [s.to_dict() for s in self.removed],
            "origin": doc.origin.to_dict(),
        }
        if self.restored:
            record["restored"] = [s.to_dict() for s in self.restored]
        if doc.standfirst:
            record["standfirst"] = doc.standfirst
        if doc.notes:
            record["notes"] = list(doc.notes)
        if doc.metadata:
            record["metadata"] = dict(doc.metadata)
        return record
