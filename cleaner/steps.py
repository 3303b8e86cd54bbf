"""The stage steps of a streaming run, one batch (shard) at a time.

Every driver calls these same functions: the local process pool
(:mod:`cleaner.stream`), Dask workers (:mod:`cleaner.engines.dask`). Each
step reads its input shard from the work folder, writes its output shard
there, and returns a small summary (counts, rejections, mergeable evidence),
never the documents themselves:

1. :func:`extract_step` - raw records -> prepared documents + the batch's
   corpus-evidence counts (line hashes per site, titles);
2. :func:`strip_step` - prepared documents + the corpus evidence -> cleaned
   documents (sorted by id within the shard);
3. :func:`assemble_step` - documents -> ``documents.jsonl`` and
   ``clusters.jsonl`` parts (one record per document, built from its
   cleaned text read back from the shards).

A streaming run does not de-duplicate yet (:func:`cleaner.pipeline.streams`):
its steps must be those of :func:`cleaner.neardup.dedup_documents` first.

Steps take ``skip`` (item index -> reason) and ``tick`` (called after each
item) so that :class:`cleaner.engines.pool.KillablePool` can stop a worker in
the middle of a document and give the rest of the batch to another.
"""
from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from .records import Document, Rejected
from .spill import (
    ShardStore,
    ShardWriter,
    _dumps,
    _loads,
    iter_shard,
    rejected_to_json,
    save_json,
)


def _no_tick() -> None:
    return None


# -- corpus evidence as data ------------------------------------------------------

def evidence_to_json(evidence: Any) -> dict[str, Any]:
    return {
        "min_support": evidence.min_support, "min_prose_share": evidence.min_prose_share,
        "max_lines_per_site": evidence.max_lines_per_site, "max_titles": evidence.max_titles,
        "sites": {site: [list(counts.keys()), list(counts.values())] for site, counts in evidence.sites.items()},
        "site_docs": evidence.site_docs,
        "titles": [list(evidence.titles.keys()), list(evidence.titles.values())],
        "title_lengths": [[int(k), v] for k, v in evidence.title_lengths.items()],
    }


def evidence_from_json(d: dict[str, Any]) -> Any:
    from .strip.corpus import CorpusEvidence

    return CorpusEvidence(
        min_support=d["min_support"], min_prose_share=d["min_prose_share"],
        max_lines_per_site=d["max_lines_per_site"], max_titles=d["max_titles"],
        sites={site: dict(zip(keys, values)) for site, (keys, values) in d["sites"].items()},
        site_docs=dict(d["site_docs"]),
        titles=dict(zip(*d["titles"])),
        title_lengths={k: v for k, v in d["title_lengths"]},
    )


def document_evidence(doc: Document) -> tuple[str | None, list[int], str | None]:
    """What one prepared document adds to the corpus evidence: (site, line hashes, title).

    Every driver's one implementation (the in-memory path maps it through
    :func:`cleaner.pipeline.evidence_part`): a document without a title gets
    the guessed one, guessed with its own site's name (a real site, not the
    template stand-in; "Headline | Site"); one segmentation serves both the
    guess and the line counts.
    """
    from .strip import evidence_site
    from .strip.corpus import line_hashes
    from .strip.segment import split_lines
    from .strip.text import analyse_title

    site = evidence_site(doc)
    text = doc.source_text or ""
    if doc.title:
        return site, (line_hashes(split_lines(text)) if site else []), doc.title
    lines, guessed = analyse_title(text, site=doc.site)
    return site, (line_hashes(lines) if site else []), guessed


class TreeReducer:
    """Merges items in a fixed binary tree over their numbers (evidence of shards 0..k-1).

    Items 2k and 2k+1 merge, then pairs of pairs, ...: the tree depends only
    on how many items there are (not on which finished first, nor on the
    driver), and only log2(items) partial results are held at once. A table
    that overflows its cap is pruned at a merge, so a fixed shape is what
    makes the merged evidence the same on every driver. ``merge(left,
    right)`` may return anything, e.g. a Dask future of the merge.
    """

    def __init__(self, merge: Callable[[Any, Any], Any]) -> None:
        self.merge = merge
        self._stack: list[tuple[int, Any]] = []  # (size in items, merged), sizes strictly decreasing

    def add(self, item: Any) -> None:
        size = 1
        while self._stack and self._stack[-1][0] == size:
            _, left = self._stack.pop()
            item = self.merge(left, item)
            size *= 2
        self._stack.append((size, item))

    def result(self) -> Any:
        if not self._stack:
            return None
        _, item = self._stack.pop()
        while self._stack:
            _, left = self._stack.pop()
            item = self.merge(left, item)
        return item


def for_stripping(evidence: Any) -> Any:
    """The evidence the strip stage is given: a site's lines seen on fewer than ``min_support`` of its
    documents are dropped (the stage only asks whether a line's support reaches ``min_support`` or
    more, so the result is the same), which leaves a fraction of the table: most lines are a story's
    own. Titles are kept whole (a title seen once is another document's title)."""
    from dataclasses import replace

    keep = evidence.min_support
    return replace(evidence, sites={site: {h: c for h, c in counts.items() if c >= keep}
                                    for site, counts in evidence.sites.items()})


def prune_evidence_file(source: str, out: str) -> str:
    """:func:`for_stripping` from file to file (the last step of the evidence reduction)."""
    save_evidence(Path(out), for_stripping(load_evidence(Path(source))))
    return out


def merge_evidence_files(left: str, right: str, out: str) -> str:
    """Tree-reduction node: the merged evidence of two files, saved as ``out``."""
    save_evidence(Path(out), load_evidence(Path(left)).merge(load_evidence(Path(right))))
    return out


def warm_up(options: Any) -> None:
    """Load the text rule tables once in the driver, before workers are forked from it (each
    worker would otherwise load them again, about half a second). The HTML extractor is not
    loaded here: a text corpus never needs it."""
    from .pipeline import apply_stage

    text = Document(id="warm-up", content="Warm up\n\nA sentence of article text to strip, long enough to be kept.\n")
    prepared = apply_stage("extract", text, options.strip)
    if not isinstance(prepared, Rejected):
        apply_stage("strip", prepared, options.strip)


# -- step 1: extract --------------------------------------------------------------

def extract_step(records: Sequence[Document | Rejected], shard: str, options: Any, gather: bool,
                 skip: dict[int, str] | None = None, tick: Callable[[], None] = _no_tick) -> dict[str, Any]:
    """Prepare a batch of read records; write the prepared documents to ``shard``."""
    from .pipeline import apply_stage
    from .strip.corpus import CorpusEvidence

    skip = skip or {}
    writer = ShardWriter(Path(shard))
    evidence = CorpusEvidence() if gather else None
    rejected: list[list] = []
    kept = html = 0
    try:
        for i, record in enumerate(records):
            if isinstance(record, Rejected):
                rejected.append(rejected_to_json(record))
            elif i in skip:
                rejected.append(rejected_to_json(Rejected(
                    id=record.id, stage="extract", reason=skip[i], path=record.origin.path, line=record.origin.line)))
            else:
                prepared = apply_stage("extract", record, options.strip)
                if isinstance(prepared, Rejected):
                    rejected.append(rejected_to_json(prepared))
                else:
                    if evidence is not None:
                        site, hashes, title = document_evidence(prepared)
                        evidence.add_hashed(site, hashes, title)
                    if prepared.mode == "html":
                        html += 1
                        prepared.content = ""  # spans point into source_text; the page is not needed past extraction
                    writer.add(prepared)
                    kept += 1
            tick()
        writer.close()
    except BaseException:
        writer.abort()
        raise
    if evidence is not None:
        save_evidence(Path(shard).with_suffix(".evidence.json"), evidence)
    return {"documents": kept, "html": html, "rejected": rejected, "evidence": evidence is not None}


def read_partition(partitions: Sequence[Any], options: Any, report: Any):
    """The records of input partitions (:class:`cleaner.io.partitions.Partition`), read where the step runs.

    Ids are unique within the partitions given; a duplicate across partitions
    is found when the documents are numbered (:func:`cleaner.stream.number_documents`).
    """
    from .io.partitions import iter_jsonl_file
    from .io.readers import _read_file, file_id, file_kind, safe_name, unique_ids

    seen: dict[str, str] = {}
    for part in partitions:
        root, path = Path(part.root), Path(part.path)
        kind = file_kind(path) or "text"  # the driver only partitions files it reads (a named file is text)
        if part.start or part.end is not None:
            records = iter_jsonl_file(path, safe_name(file_id(root, path)), safe_name(path.as_posix()), options.read,
                                      start=part.start, end=part.end, first_line=part.first_line)
        else:
            records = _read_file(root, path, kind, options.read, report)
        yield from unique_ids(records, seen)


def read_extract_step(partitions: Sequence[Any], shard: str, options: Any, gather: bool,
                      skip: dict[int, str] | None = None, tick: Callable[[], None] = _no_tick) -> dict[str, Any]:
    """:func:`extract_step` over records this step reads itself (a Dask worker reads its own partitions)."""
    from .io.readers import ReadReport

    report = ReadReport()
    records = list(read_partition(partitions, options, report))
    summary = extract_step(records, shard, options, gather, skip, tick)
    summary["records"] = len(records)
    summary["files"] = report.files
    return summary


# -- step 2: strip and sign -----------------------------------------------------------

_evidence: dict[str, Any] = {}


def evidence_at(path: str | None) -> Any:
    """The corpus evidence saved at ``path``, loaded once per worker process."""
    if path is None:
        return None
    if path not in _evidence:
        _evidence.clear()
        _evidence[path] = load_evidence(Path(path))
    return _evidence[path]


def strip_step(source: str, shard: str, options: Any, evidence: str | None = None,
               skip: dict[int, str] | None = None, tick: Callable[[], None] = _no_tick) -> dict[str, Any]:
    """Strip a shard of prepared documents.

    ``evidence`` is the path of the run's saved corpus evidence (or None).
    Writes ``shard`` (cleaned documents, sorted by id) and ``<shard>.ids``
    (one line per document: id, path, line - in row order).
    """
    from .pipeline import apply_stage

    corpus = evidence_at(evidence)
    skip = skip or {}
    rejected: list[list] = []
    kept: list[Document] = []
    removed: Counter = Counter()
    for i, doc in enumerate(iter_shard(Path(source))):
        if i in skip:
            rejected.append(rejected_to_json(Rejected(
                id=doc.id, stage="strip", reason=skip[i], path=doc.origin.path, line=doc.origin.line)))
        else:
            result = apply_stage("strip", doc, options.strip, corpus)
            if isinstance(result, Rejected):
                rejected.append(rejected_to_json(result))
            else:
                kept.append(result)
                removed.update(span.kind for span in result.removed)
        tick()
    kept.sort(key=lambda d: d.id)
    path = Path(shard)
    lines = [_dumps([d.id, d.origin.path, d.origin.line]) for d in kept]
    from .spill import replace_file

    replace_file(path.with_suffix(".ids"), lambda h: h.write(b"".join(line + b"\n" for line in lines)))
    writer = ShardWriter(path)
    try:
        for d in kept:
            writer.add(d)
        writer.close()
    except BaseException:
        writer.abort()
        raise
    return {"documents": len(kept), "html": sum(1 for d in kept if d.mode == "html"), "rejected": rejected,
            "removed": dict(removed)}


def iter_ids(shard: str):
    """(id, path, line, row) of a stripped shard, in row (= id) order."""
    with open(Path(shard).with_suffix(".ids"), "rb") as handle:
        for row, line in enumerate(handle):
            yield (*_loads(line), row)


# -- step 4: canonical records and the output parts -----------------------------------

def assemble_step(documents: Sequence[tuple[int, int, int]], shards: Sequence[str], part: str,
                  skip: dict[int, str] | None = None, tick: Callable[[], None] = _no_tick) -> dict[str, Any]:
    """The records of consecutive documents (number, shard, row), one per document
    (:func:`cleaner.neardup.singleton_record`, as ``--no-dedup`` in memory).

    Writes ``<part>.documents`` (``documents.jsonl`` lines, in the order
    given: by id) and ``<part>.clusters`` (``<number> <line>`` per
    document, sorted by number: one sorted run of the external merge
    that makes ``clusters.jsonl``).
    """
    from .io.writers import cluster_rows, encode_row
    from .neardup import singleton_record

    store = ShardStore([Path(s) for s in shards])
    member_rows: list[tuple[int, bytes]] = []
    stats: Counter = Counter()
    base = Path(part)
    from .spill import replace_file

    def write_docs(handle) -> None:
        for number, shard, row in documents:
            canonical = singleton_record(store.get(shard, row))
            handle.write(encode_row(canonical.to_dict()))
            handle.write(b"\n")
            member_rows.extend((int(number), encode_row(r)) for r in cluster_rows([canonical.cluster]))
            stats["clusters"] += 1
            tick()

    try:
        replace_file(base.with_name(base.name + ".documents"), write_docs)
    finally:
        store.close()
    member_rows.sort()
    replace_file(base.with_name(base.name + ".clusters"),
                 lambda h: h.write(b"".join(b"%d " % n + line + b"\n" for n, line in member_rows)))
    return dict(stats)


def iter_member_rows(part: str):
    """(document number, clusters.jsonl line) of an assembled part, sorted by number."""
    with open(Path(part + ".clusters"), "rb") as handle:
        for line in handle:
            number, _, row = line.partition(b" ")
            yield int(number), row.rstrip(b"\n")


def save_evidence(path: Path, evidence: Any) -> None:
    save_json(path, evidence_to_json(evidence))


def load_evidence(path: Path) -> Any:
    return evidence_from_json(json.loads(path.read_bytes()))
