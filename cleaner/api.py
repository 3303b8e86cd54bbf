"""The library API: what ``from cleaner import ...`` gives.

Each function is a thin driver over the same stage functions the CLI uses,
takes the CLI's option names as keyword arguments, never prints, and raises
:mod:`cleaner.errors` exceptions that name the offending input.
"""
from __future__ import annotations

import os
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import replace
from typing import Any, Literal

from .errors import ConfigError, ExtractionError, InputError, NoContentError
from .io.readers import ReadOptions, detect_mode, record_to_document, unique_ids
from .neardup import DedupParams, DedupResult, dedup_documents, singletons
from .pipeline import Progress, RunOptions, RunResult, apply_stage, run_documents, run_paths
from .records import Canonical, Document, Rejected
from .strip import StripOptions, strip_document

__all__ = ["clean_text", "clean_html", "clean_document", "dedup", "run", "iter_clean", "iter_run"]


def _strip_options(language: str | None, **kwargs: Any) -> StripOptions:
    """Route trafilatura-style options to the stage that understands them."""
    from .strip.html import HtmlOptions
    from .strip.text import TextOptions

    text_fields = set(TextOptions.__dataclass_fields__)
    html_fields = set(HtmlOptions.__dataclass_fields__)
    unknown = set(kwargs) - text_fields - html_fields
    if unknown:
        raise ConfigError(f"unknown option(s): {', '.join(sorted(unknown))}")
    text_kwargs = {k: v for k, v in kwargs.items() if k in text_fields}
    html_kwargs = {k: v for k, v in kwargs.items() if k in html_fields}
    return StripOptions(
        language=language,
        text=TextOptions(**text_kwargs) if text_kwargs else None,
        html=HtmlOptions(**html_kwargs) if html_kwargs else None,
    )


def clean_document(doc: Document, *, options: StripOptions | None = None) -> Document:
    """Prepare and strip one :class:`Document`; raises when nothing is left."""
    result = strip_document(doc, None, options or StripOptions())
    if isinstance(result, Rejected):
        if result.stage == "extract":
            raise ExtractionError(doc.id, result.reason)
        raise NoContentError(doc.id, result.reason)
    return result


def clean_text(
    text: str,
    *,
    id: str | None = None,
    title: str | None = None,
    site: str | None = None,
    url: str | None = None,
    language: str | None = None,
    **options: Any,
) -> Document:
    """Strip site noise from flattened plain text.

    Returns the cleaned :class:`Document`: ``.text`` (article paragraphs joined
    by newlines), ``.title``, ``.removed`` (spans with kind and reason, offsets
    into ``text``) and ``.attribution``. Extra keyword options are the text
    stage's (:class:`cleaner.strip.text.TextOptions`), e.g. ``favor_precision``.
    Raises :class:`~cleaner.errors.NoContentError` when no article text is left.
    """
    if not isinstance(text, str):
        raise InputError(id or "<text>", f"clean_text takes a str, not {type(text).__name__}")
    id = id or content_id("text", text)
    doc = Document(id=id, content=text, mode="text", title=title, site=site, url=url, language=language)
    return clean_document(doc, options=_strip_options(language, **options))


def clean_html(
    html: str | bytes,
    *,
    id: str | None = None,
    url: str | None = None,
    site: str | None = None,
    language: str | None = None,
    **options: Any,
) -> Document:
    """Extract the main content of an HTML page and strip the noise left in it.

    ``html`` may be bytes (the charset is detected). Options are the HTML
    stage's (:class:`cleaner.strip.html.HtmlOptions`, trafilatura's names:
    ``favor_precision``, ``include_tables``, ...) or the text stage's. Raises
    :class:`~cleaner.errors.ExtractionError` (or its ``ExtractionTimeout``)
    when the page yields nothing.
    """
    if isinstance(html, bytes):
        from .strip.html import decode_html

        html = decode_html(html)
    if not isinstance(html, str):
        raise InputError(id or "<html>", f"clean_html takes str or bytes, not {type(html).__name__}")
    id = id or content_id("html", html)
    doc = Document(id=id, content=html, mode="html", url=url, site=site, language=language)
    return clean_document(doc, options=_strip_options(language, **options))


def dedup(
    documents: Iterable[Document],
    *,
    threshold: float | None = None,
    num_perm: int | None = None,
    ngram: int | None = None,
    seed: int | None = None,
    index: str | None = None,
) -> DedupResult:
    """Cluster cleaned documents into stories and choose one canonical copy each.

    Documents must have been cleaned (``.text`` set, e.g. by :func:`clean_text`).
    """
    if isinstance(documents, (str, bytes, Document)):
        raise InputError("dedup", f"dedup takes an iterable of cleaned Documents, not one {type(documents).__name__}")
    docs = list(documents)
    for n, doc in enumerate(docs, start=1):
        if not isinstance(doc, Document):
            raise InputError(f"document {n}", f"dedup takes cleaned Documents (from clean_text/clean_html), not {type(doc).__name__}")
        if doc.text is None:
            raise InputError(doc.id, "dedup needs cleaned documents (run clean_text/clean_html first)")
    params = dedup_params(threshold=threshold, num_perm=num_perm, ngram=ngram, seed=seed)
    from .pipeline import open_index

    store = open_index(index, params)
    result = dedup_documents(docs, params, index=store)
    if store is not None:
        store.save()
    return result


def dedup_params(**values: Any) -> DedupParams:
    """DedupParams with the given values, defaults for those that are None."""
    from .config import NUMBER_LIMITS, check_number

    chosen = {k: (check_number(k, v) if k in NUMBER_LIMITS else v) for k, v in values.items() if v is not None}
    try:
        return replace(DedupParams(), **chosen)
    except TypeError as exc:
        raise ConfigError(str(exc)) from exc


def content_id(kind: str, content: str) -> str:
    """An id from the content itself (``text-3f2a…``), so documents given without one stay apart."""
    import hashlib

    return f"{kind}-{hashlib.sha1(content.encode('utf-8', 'surrogatepass')).hexdigest()[:12]}"


def _as_document(item: Any, n: int, mode: str) -> Document | Rejected:
    if isinstance(item, (Document, Rejected)):
        return item
    if isinstance(item, str):
        m = detect_mode(item) if mode == "auto" else mode
        return Document(id=f"doc-{n}", content=item, mode=m)  # type: ignore[arg-type]
    if isinstance(item, Mapping):
        return record_to_document(dict(item), f"record-{n}", "<records>", n, ReadOptions(mode=mode))  # type: ignore[arg-type]
    raise InputError(f"record-{n}", f"cannot read a {type(item).__name__}: give paths, Documents, dicts or strings")


def run(
    inputs: str | os.PathLike[str] | Sequence[str | os.PathLike[str]] | Iterable[Document | Mapping[str, Any] | str],
    output: str | os.PathLike[str] | None = None,
    *,
    dedup: bool = True,
    threshold: float | None = None,
    num_perm: int | None = None,
    workers: int = 1,
    mode: Literal["auto", "text", "html"] = "auto",
    language: str | None = None,
    index: str | None = None,
    formats: Sequence[str] = ("jsonl",),
    corpus_evidence: bool = True,
    progress: Progress | None = None,
    **options: Any,
) -> RunResult:
    """The whole pipeline, as ``cleaner run`` does it.

    ``inputs``: a path, a list of paths (folders, files, globs, ``-``), or an
    iterable of records (Documents, dicts with ``id``/``text``/``html`` keys,
    or strings). With ``output`` the output folder is written as by the CLI.
    Returns a :class:`~cleaner.pipeline.RunResult`.
    """
    if mode not in ("auto", "text", "html"):
        raise ConfigError(f"mode must be auto, text or html, not {mode!r}")
    unknown = [f for f in formats if f not in ("jsonl", "txt", "parquet")]
    if unknown:
        raise ConfigError(f"unknown format(s): {', '.join(map(repr, unknown))} (jsonl, txt, parquet)")
    run_options = RunOptions(
        read=ReadOptions(mode=mode),
        strip=_strip_options(language, **options),
        dedup=dedup,
        dedup_params=dedup_params(threshold=threshold, num_perm=num_perm),
        corpus_evidence=corpus_evidence,
        workers=workers,
        index=index,
        formats=tuple(formats),  # type: ignore[arg-type]
        streaming=False,  # the library returns every record; `cleaner run` streams
    )
    if isinstance(inputs, (str, os.PathLike)):
        return run_paths([inputs], output, run_options, progress)
    items = list(inputs)  # type: ignore[arg-type]
    if items and all(isinstance(i, (str, os.PathLike)) for i in items) and all(_is_path_like(i) for i in items):
        return run_paths(items, output, run_options, progress)  # type: ignore[arg-type]
    records = list(unique_ids(_as_document(item, n, mode) for n, item in enumerate(items, start=1)))
    result = run_documents(records, run_options, progress)
    if output is not None:
        from pathlib import Path

        from .io.writers import write_outputs

        result.written = write_outputs(Path(output), result.canonicals, result.clusters, result.rejected, result.manifest, run_options.formats)
    return result


def _is_path_like(item: Any) -> bool:
    """A one-line string is a path (a missing one is then an error that names it); text has lines."""
    if isinstance(item, os.PathLike):
        return True
    return "\n" not in item and len(item) < 4096


def iter_clean(
    records: Iterable[Document | Mapping[str, Any] | str],
    *,
    mode: Literal["auto", "text", "html"] = "auto",
    language: str | None = None,
    **options: Any,
) -> Iterator[Document | Rejected]:
    """Streaming strip stage: clean records one at a time, holding none of the corpus.

    Yields each cleaned :class:`Document`, or a :class:`Rejected` record with
    the reason. Per-document evidence only (corpus evidence needs a full pass).
    """
    strip_options = _strip_options(language, **options)
    for doc in unique_ids(_as_document(item, n, mode) for n, item in enumerate(records, start=1)):
        if isinstance(doc, Rejected):
            yield doc
            continue
        # the same per-document steps as every other driver (cleaner.pipeline.apply_stage)
        prepared = apply_stage("extract", doc, strip_options)
        yield prepared if isinstance(prepared, Rejected) else apply_stage("strip", prepared, strip_options)


def iter_run(
    records: Iterable[Document | Mapping[str, Any] | str],
    *,
    dedup: bool = True,
    threshold: float | None = None,
    num_perm: int | None = None,
    mode: Literal["auto", "text", "html"] = "auto",
    language: str | None = None,
    **options: Any,
) -> Iterator[Canonical | Rejected]:
    """Streaming form of :func:`run` over an iterable of records.

    Records are read and cleaned one at a time; a raw HTML page is dropped as
    soon as its text is extracted, so what stays in memory is what
    de-duplication needs: the cleaned text of each document. Without
    ``dedup`` each record is yielded as soon as it is cleaned; with it, the
    :class:`Canonical` records come after the last input (a story is complete
    only when every copy has been seen). :class:`Rejected` records are
    yielded as they occur. Per-document evidence only: corpus evidence needs
    a full pass first (use :func:`run` for that).
    """
    params = dedup_params(threshold=threshold, num_perm=num_perm)
    kept: list[Document] = []
    for item in iter_clean(records, mode=mode, language=language, **options):
        if isinstance(item, Rejected):
            yield item
            continue
        if item.mode == "html":
            item.content = ""  # spans point into source_text; the page itself is not needed any more
        if dedup:
            kept.append(item)
        else:
            yield singletons([item]).canonicals[0]
    if dedup:
        yield from dedup_documents(kept, params).canonicals
