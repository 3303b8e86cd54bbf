"""The stage steps of a streaming run, one batch (shard) at a time.

Every driver calls these same functions: the local process pool
(:mod:`cleaner.stream`), Dask workers (:mod:`cleaner.engines.dask`). Each
step reads its input shard from the work folder, writes its output shard
there, and returns a small summary (counts, rejections, mergeable evidence),
never the documents themselves:

1. :func:`extract_step` - raw records -> prepared documents + the batch's
   corpus-evidence counts (line hashes per site, titles);
2. :func:`strip_step` - prepared documents + the corpus evidence -> cleaned
   documents (sorted by id within the shard), their MinHash signatures, and
   the few numbers per document de-duplication needs;
3. :func:`choose_step` - the canonical member of groups of copies;
4. :func:`assemble_step` - clusters -> ``documents.jsonl`` and
   ``clusters.jsonl`` parts (canonical records built from the members'
   cleaned text read back from the shards).

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

import numpy as np

from .records import Document, Rejected
from .spill import (
    ShardStore, ShardWriter, _dumps, _loads, iter_shard, rejected_to_json, save_array, save_json,
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

    The same decisions as :func:`cleaner.pipeline.gather_corpus_evidence`:
    a document without a title gets the guessed one (one segmentation serves
    both the guess and the line counts).
    """
    from .strip import evidence_site
    from .strip.corpus import line_hashes
    from .strip.segment import split_lines
    from .strip.text import analyse_title

    site = evidence_site(doc)
    text = doc.source_text or ""
    if doc.title:
        return site, (line_hashes(split_lines(text)) if site else []), doc.title
    lines, guessed = analyse_title(text, site=site)
    return site, (line_hashes(lines) if site else []), guessed


class EvidenceReducer:
    """Merges shard evidence in a fixed binary tree over shard numbers.

    The tree depends only on the shard numbers (not on which shard finished
    first, nor on the driver): partial evidence of shards 2k and 2k+1 merge,
    then pairs of pairs, ... A table that overflows its cap is pruned at a
    merge, so the shape must be fixed for the result to be; and only
    log2(shards) partial evidences are held at once.
    """

    def __init__(self) -> None:
        self._stack: list[tuple[int, Any]] = []  # (size in shards, evidence), sizes strictly decreasing

    def add(self, evidence: Any) -> None:
        size = 1
        while self._stack and self._stack[-1][0] == size:
            _, left = self._stack.pop()
            evidence = left.merge(evidence)
            size *= 2
        self._stack.append((size, evidence))

    def result(self) -> Any:
        if not self._stack:
            from .strip.corpus import CorpusEvidence

            return CorpusEvidence()
        _, evidence = self._stack.pop()
        while self._stack:
            _, left = self._stack.pop()
            evidence = left.merge(evidence)
        return evidence


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
    return {"documents": kept, "html": html, "rejected": rejected,
            "evidence": evidence_to_json(evidence) if evidence is not None else None}


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
    """Strip a shard of prepared documents and sign the cleaned texts.

    ``evidence`` is the path of the run's saved corpus evidence (or None).
    Writes ``shard`` (cleaned documents, sorted by id), ``<shard>.sigs.npy``,
    ``.sizes.npy`` and ``.ids`` (one JSON line per document: id, site, date,
    completeness - what ranking and clustering need, in row order).
    """
    from .neardup.canonical import completeness
    from .neardup.minhash import sign_texts
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
    params = options.dedup_params
    if options.dedup:
        sigs, sizes = sign_texts([d.text or "" for d in kept], params.num_perm, params.seed, params.ngram)
    else:
        sigs, sizes = np.empty((len(kept), 0), np.uint32), np.zeros(len(kept), np.int64)
    save_array(path.with_suffix(".sigs.npy"), sigs)
    save_array(path.with_suffix(".sizes.npy"), sizes)
    lines = [_dumps([d.id, d.site, d.date, completeness(d.text) if options.dedup else 0]) for d in kept]
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
    """(id, site, date, completeness, row) of a stripped shard, in row (= id) order."""
    with open(Path(shard).with_suffix(".ids"), "rb") as handle:
        for row, line in enumerate(handle):
            doc_id, site, date, words = _loads(line)
            yield doc_id, site, date, words, row


# -- step 3: the canonical choice of groups of copies ---------------------------------

Located = tuple  # (document numbers, [(shard, row) of each], per-member values)


def _documents(store: ShardStore, locations: Sequence[tuple[int, int]]) -> list[Document]:
    return [store.get(shard, row) for shard, row in locations]


def choose_step(groups: Sequence[Located], shards: Sequence[str],
                skip: dict[int, str] | None = None, tick: Callable[[], None] = _no_tick) -> list[int]:
    """For each group (document numbers, their (shard, row), their ranks), the canonical member's
    number, by :func:`cleaner.neardup.canonical.choose_canonical`."""
    from .neardup.canonical import CopyTexts, choose_canonical

    store = ShardStore([Path(s) for s in shards])
    out = []
    try:
        for members, locations, rank in groups:
            docs = _documents(store, locations)
            out.append(int(members[choose_canonical(docs, list(rank), CopyTexts())]))
            tick()
    finally:
        store.close()
    return out


# -- step 4: canonical records and the output parts -----------------------------------

def assemble_step(clusters: Sequence[Located], shards: Sequence[str],
                  part: str, dedup: Any, skip: dict[int, str] | None = None,
                  tick: Callable[[], None] = _no_tick) -> dict[str, Any]:
    """Canonical records of consecutive clusters: (member numbers, their (shard, row), their
    similarities to the canonical), members canonical first.

    Writes ``<part>.documents`` (``documents.jsonl`` lines, in the order
    given: by canonical id) and ``<part>.clusters`` (``<number> <line>`` per
    member, sorted by document number: one sorted run of the external merge
    that makes ``clusters.jsonl``). ``dedup`` is the DedupParams, or None for
    ``--no-dedup`` records.
    """
    from .io.writers import encode_row
    from .neardup.canonical import CopyTexts, build_canonical

    store = ShardStore([Path(s) for s in shards])
    member_rows: list[tuple[int, bytes]] = []
    stats = Counter()
    base = Path(part)
    tmp_docs = base.with_name(base.name + ".documents")
    from .spill import replace_file

    def write_docs(handle) -> None:
        for members, locations, sims in clusters:
            docs = _documents(store, locations)
            if dedup is None:
                canonical = build_canonical(docs, [1.0], cross_copy=False)
            else:
                canonical = build_canonical(docs, list(sims), min_copies=dedup.cross_copy_min_copies,
                                            cross_copy=dedup.cross_copy, texts=CopyTexts())
            handle.write(encode_row(canonical.to_dict()))
            handle.write(b"\n")
            c = canonical.cluster
            for number, m in zip(members, c.members):
                row = {"id": m.id, "cluster": c.id, "canonical_id": c.canonical_id, "similarity": round(m.similarity, 4)}
                member_rows.append((int(number), encode_row(row)))
            stats["clusters"] += 1
            stats["clusters_with_copies"] += c.size > 1
            stats["cross_copy_lines_removed"] += sum(1 for s in canonical.removed if s.kind == "cross_copy")
            tick()

    try:
        replace_file(tmp_docs, write_docs)
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
