"""The strip stage: from a raw Document to its cleaned text, removed spans and attribution.

Two steps, each a pure function over one document:

* :func:`prepare_document` turns the raw content into the text the noise
  rules see (HTML: prune + main-content extraction; text: the content as is);
* :func:`strip_document` runs the text stage on it, with corpus evidence when
  the driver gathered some in between (``cleaner.strip.corpus``).

Every driver (CLI, library, pre-commit hook, Dask engine) calls these two, in
this order, and nothing else.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from ..errors import CleanerError, ExtractionError
from ..records import Attribution, Document, Rejected
from . import _build  # noqa: F401  (first: CLEANER_PURE_PYTHON picks the interpreted text core)
from .language import base_language, detect_language

if TYPE_CHECKING:  # pragma: no cover - names of the annotations below
    from .html import HtmlOptions
    from .text import TextOptions


@dataclass(frozen=True)
class StripOptions:
    """Options of the strip stage (text rules + HTML extraction)."""

    # the language of every document whose input does not say; None: detect it per document
    # (cleaner.strip.language), English when the text is too short or unclear to tell
    language: str | None = None
    text: TextOptions | None = None  # cleaner.strip.text.TextOptions; None = defaults
    html: HtmlOptions | None = None  # cleaner.strip.html.HtmlOptions; None = defaults
    min_chars: int = 1  # a document with less article text than this is rejected, not emitted empty

    def __post_init__(self) -> None:
        from ..config import check_language

        if self.language is not None:  # None: detected per document
            check_language(self.language)  # "xx" would silently get no language's rules


def prepare_document(doc: Document, options: StripOptions = StripOptions()) -> Document | Rejected:
    """Fill ``source_text`` (and, for HTML, metadata) ready for the noise rules, and ``language``.

    The language is the input's (a record's ``language`` field), else the option's, else the one
    detected in the text, else (HTML) the page's ``<html lang>``: page markup comes from the
    site's template and is often wrong (measured in benchmarks/RESULTS.md, langhtml branch).
    """
    if doc.mode != "html":
        return replace(doc, source_text=doc.content, language=document_language(doc, options, doc.content))
    from .html import HtmlOptions, extract_html

    html_options = options.html or HtmlOptions()
    try:
        extracted = extract_html(doc.content, doc_id=doc.id, url=doc.url, options=html_options)
    except ExtractionError as exc:
        return Rejected(id=doc.id, stage="extract", reason=exc.message, path=doc.origin.path, line=doc.origin.line)
    notes = list(doc.notes) + list(extracted.notes)
    metadata = dict(doc.metadata)
    if extracted.pruned:
        metadata["html_pruned"] = _pruned_summary(extracted.pruned)
    return replace(
        doc,
        source_text=extracted.text,
        extracted=not extracted.fallback,
        title=doc.title or extracted.title,
        author=doc.author or extracted.author,
        date=doc.date or extracted.date,
        site=doc.site or extracted.site,
        url=doc.url or extracted.url,
        language=document_language(doc, options, extracted.text) or base_language(extracted.language),
        notes=notes,
        metadata=metadata,
    )


def document_language(doc: Document, options: StripOptions, text: str) -> str | None:
    """The input's language, else the option's, else the one detected in ``text`` (None: unsure)."""
    return doc.language or options.language or detect_language(text)


def _pruned_summary(pruned: list[dict]) -> dict[str, int]:
    """Characters pruned from the HTML before extraction, by kind."""
    summary: dict[str, int] = {}
    for item in pruned:
        summary[item.get("kind", "other")] = summary.get(item.get("kind", "other"), 0) + int(item.get("chars", 0))
    return dict(sorted(summary.items()))


def rules_language(doc: Document, options: StripOptions) -> str:
    """The language whose noise rules strip ``doc`` (its own, else the option's, else English)."""
    return base_language(doc.language) or options.language or "en"


def strip_document(doc: Document, evidence=None, options: StripOptions = StripOptions()) -> Document | Rejected:
    """Run the text noise rules on a prepared document.

    ``evidence`` is a :class:`cleaner.strip.corpus.CorpusEvidence` (or None
    for a document on its own). A document left with no article text is
    rejected with the reason, never emitted empty.
    """
    from .text import strip_text

    if doc.source_text is None:
        doc = prepare_document(doc, options)
        if isinstance(doc, Rejected):
            return doc
    assert doc.source_text is not None
    language = rules_language(doc, options)
    per_doc = evidence.for_document(evidence_site(doc), doc.title) if evidence is not None else None
    try:
        stripped = strip_text(
            doc.source_text, title=doc.title, site=doc.site, evidence=per_doc, language=language,
            options=text_options_for(doc, options),
        )
    except CleanerError as exc:
        return Rejected(id=doc.id, stage="strip", reason=str(exc), path=doc.origin.path, line=doc.origin.line)
    if len(stripped.text.strip()) < options.min_chars:
        kinds = sorted({s.kind for s in stripped.removed})
        reason = "no article text left after removing noise"
        if kinds:
            reason += f" (removed: {', '.join(kinds)})"
        return Rejected(id=doc.id, stage="strip", reason=reason, path=doc.origin.path, line=doc.origin.line)
    return replace(
        doc,
        text=stripped.text,
        title=stripped.title or doc.title,
        removed=list(stripped.removed),
        attribution=republished_here(stripped.attribution, doc.site),
        # Not body text, but the article's own words: kept in the record, like the title.
        standfirst=" ".join(doc.source_text[s.start : s.end].strip(" •*-\t") for s in stripped.removed if s.kind == "standfirst") or None,
    )


def evidence_site(doc: Document) -> str | None:
    """The site a document's corpus evidence is counted under: its own, else its template's.

    Only a whole flattened page shows its template; text an HTML extractor
    produced does not, so it gets no stand-in (measured: the stand-in on
    extracted text split one story on syndication-dev html).
    """
    from .corpus import template_key

    if doc.site:
        return doc.site
    return None if doc.extracted else template_key(doc.source_text or "")


def text_options_for(doc: Document, options: StripOptions) -> TextOptions:
    """The text stage's options for this document.

    Text an HTML extractor produced is already the article: the whole-page
    core cut would drop its tables and lists, so only rules, evidence and
    link-list detection apply (``extracted=True``; measured in
    benchmarks/results/text.md: aeb html 0.954 without it, 0.977 with it).
    """
    from .text import TextOptions

    text_options = options.text or TextOptions()
    if doc.extracted and not text_options.extracted:
        text_options = replace(text_options, extracted=True)
    return text_options


def republished_here(attribution: Attribution, site: str | None) -> Attribution:
    """A story first published elsewhere was republished by the site we found it on."""
    original = attribution.original_publisher
    if not site or not original or site in attribution.republished_by or _same_name(site, original):
        return attribution
    return replace(attribution, republished_by=sorted([*attribution.republished_by, site]))


def _same_name(a: str, b: str) -> bool:
    fold = lambda s: "".join(ch for ch in s.casefold() if ch.isalnum())  # noqa: E731
    return fold(a) == fold(b) or fold(a).removeprefix("the") == fold(b).removeprefix("the")
