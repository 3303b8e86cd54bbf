"""The stage steps of a streaming run, one batch (shard) at a time.

Every driver calls these same functions: the local process pool
(:mod:`cleaner.stream`), Dask workers (:mod:`cleaner.engines.dask`). Each
step reads its input shard from the work folder, writes its output shard
there, and returns a small summary (counts, rejections, mergeable evidence),
never the documents themselves:

1. :func:`extract_step` - raw records -> prepared documents + the batch's
   corpus-evidence counts (line hashes per site, titles);
2. :func:`strip_step` - prepared documents + the corpus evidence -> cleaned
   documents (sorted by id within the shard), signed when the run
   de-duplicates (:func:`sign_shard`: :func:`cleaner.neardup.sign_batch`);
3. :func:`place_step` - a shard's sketches into the run's memory-mapped
   files, in founding order; :func:`band_step` - its LSH band keys, cut into
   parts by bucket (a shuffle through files of the work folder);
4. :func:`pairs_step` - the candidate pairs of one bucket part;
   :func:`anchor_step` - the anchor candidates, as one more part;
   :func:`verify_step` - the candidate pairs in a range of pair codes judged
   (:func:`cleaner.neardup.judge_pairs`);
5. :func:`choose_step` - the canonical copy of groups of copies
   (:func:`cleaner.neardup.choose_member`);
6. :func:`assemble_step` - clusters -> ``documents.jsonl`` and
   ``clusters.jsonl`` parts (:func:`cleaner.neardup.story_record`, or one
   record per document with ``--no-dedup``), built from the members' cleaned
   text read back from the shards.

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
    ShardStore,
    ShardWriter,
    _dumps,
    _loads,
    iter_shard,
    load_array,
    load_json,
    rejected_to_json,
    replace_file,
    save_array,
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
    (one line per document: id, path, line - in row order); when the run
    de-duplicates, also the documents' signatures (:func:`sign_shard`).
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
    left_out = sign_shard(path, kept, options.dedup_params, corpus) if options.dedup else 0
    writer = ShardWriter(path)
    try:
        for d in kept:
            writer.add(d)
        writer.close()
    except BaseException:
        writer.abort()
        raise
    return {"documents": len(kept), "html": sum(1 for d in kept if d.mode == "html"), "rejected": rejected,
            "removed": dict(removed), "left_out_lines": left_out}


def iter_ids(shard: str):
    """(id, path, line, row) of a stripped shard, in row (= id) order."""
    with open(Path(shard).with_suffix(".ids"), "rb") as handle:
        for row, line in enumerate(handle):
            yield (*_loads(line), row)


# -- de-duplication: the steps of cleaner.neardup.dedup_documents over spilled data -------

def sign_shard(path: Path, docs: Sequence[Document], params: Any, corpus: Any) -> int:
    """The sign step of a stripped shard (:func:`cleaner.neardup.sign_batch`, as in memory),
    spilled beside it: ``<shard>.sign.npz`` (the :class:`~cleaner.neardup.sign.Sketches` rows and
    each document's completeness, in row order) and ``<shard>.found`` (one line per document in
    :func:`~cleaner.neardup.founding_key` order: the key, the row, the site key). Returns the
    lines left out of the shingles."""
    from .neardup import founding_key, sign_batch, site_key
    from .neardup.canonical import completeness
    from .strip import evidence_site

    sk, texts = sign_batch(docs, params, corpus, evidence_site)
    # the articles that differ from the cleaned texts, for the canonical choice (not signed again)
    save_json(path.with_suffix(".signed"), {str(r): t for r, (d, t) in enumerate(zip(docs, texts)) if t != (d.text or "")})
    # not memoised here: the cache would hold every text this worker strips
    scores = np.asarray([completeness.__wrapped__(d.text) for d in docs], dtype=np.int64)
    arrays = {"sigs": sk.sigs, "lead": sk.lead, "sizes": sk.sizes, "distinct": sk.distinct,
              "sample_starts": sk.sample_starts, "sample_values": sk.sample_values, "completeness": scores}
    replace_file(path.with_suffix(".sign.npz"), lambda h: np.savez(h, **arrays))
    order = sorted(range(len(docs)), key=lambda r: founding_key(docs[r]))
    lines = [_dumps([*founding_key(docs[r]), r, site_key(docs[r])]) for r in order]
    replace_file(path.with_suffix(".found"), lambda h: h.write(b"".join(line + b"\n" for line in lines)))
    return sk.left_out_lines


def iter_found(shard: str):
    """(founding key, row, site key) of a signed shard's documents, in founding order."""
    with open(Path(shard).with_suffix(".found"), "rb") as handle:
        for line in handle:
            dateless, date, doc_id, row, site = _loads(line)
            yield (dateless, date, doc_id), row, site


def signed_arrays(shard: str) -> Any:
    """The arrays :func:`sign_shard` spilled (a lazy ``NpzFile``: each array read when asked for)."""
    return np.load(Path(shard).with_suffix(".sign.npz"), allow_pickle=False)


# The run's sketches in founding order (row = founding number), in the work folder: the big
# arrays (signatures, leads, shingle samples) memory-mapped, the per-document numbers as .npy.
SKETCH_FILES = {"sigs": "dedup-sigs.npy", "lead": "dedup-lead.npy", "sample_values": "dedup-samples.npy",
                "sizes": "dedup-sizes.npy", "distinct": "dedup-distinct.npy", "sample_starts": "dedup-starts.npy",
                "sites": "dedup-sites.npy"}


def create_sketch_files(root: str, n: int, num_perm: int, samples: int) -> None:
    """Empty memory-mappable files for :func:`place_step` to fill (at least one sample value: a
    zero-length file cannot be mapped)."""
    from numpy.lib.format import open_memmap

    from .neardup.sign import LEAD_PERM

    for name, shape in (("sigs", (n, num_perm)), ("lead", (n, LEAD_PERM)), ("sample_values", (max(1, samples),))):
        mm = open_memmap(Path(root) / SKETCH_FILES[name], mode="w+", dtype=np.uint32, shape=shape)
        mm.flush()
        del mm


def place_step(shard: str, founding: np.ndarray, offsets: np.ndarray, root: str,
               skip: dict[int, str] | None = None, tick: Callable[[], None] = _no_tick) -> int:
    """Write a signed shard's rows into the run's sketch files: row r goes to founding number
    ``founding[r]`` (-1: a duplicate id, left out), its shingle sample at ``offsets[r]``."""
    base = Path(root)
    keep = np.flatnonzero(founding >= 0)
    with signed_arrays(shard) as data:
        for name in ("sigs", "lead"):
            target = np.load(base / SKETCH_FILES[name], mmap_mode="r+")
            target[founding[keep]] = data[name][keep]
            target.flush()
            del target
        starts, values = data["sample_starts"], data["sample_values"]
    target = np.load(base / SKETCH_FILES["sample_values"], mmap_mode="r+")
    for r in keep:
        lo, hi = int(starts[r]), int(starts[r + 1])
        at = int(offsets[r])
        target[at : at + hi - lo] = values[lo:hi]
    target.flush()
    del target
    tick()
    return int(keep.size)


_sketches: dict[tuple, Any] = {}


def open_sketches(root: str) -> tuple[Any, np.ndarray]:
    """(:class:`~cleaner.neardup.sign.Sketches`, site codes) of the run in founding order, opened once
    per process (the big arrays memory-mapped, so that only the rows a step reads are loaded)."""
    from .neardup.sign import Sketches

    base = Path(root)
    stamp = (root, (base / SKETCH_FILES["sizes"]).stat().st_mtime_ns)
    if stamp not in _sketches:
        _sketches.clear()
        arrays = {name: np.load(base / file, mmap_mode="r", allow_pickle=False) for name, file in SKETCH_FILES.items()}
        starts = np.asarray(arrays["sample_starts"])
        sk = Sketches(arrays["sigs"], np.asarray(arrays["sizes"]), arrays["lead"], np.asarray(arrays["distinct"]),
                      starts, arrays["sample_values"][: int(starts[-1])])
        _sketches[stamp] = (sk, np.asarray(arrays["sites"]))
    return _sketches[stamp]


def edge_test(root: str, params: Any) -> Any:
    """The run's :class:`cleaner.neardup.EdgeTest` over its spilled sketches."""
    from .neardup import EdgeTest

    sk, sites = open_sketches(root)
    return EdgeTest(sk.sigs, sk.sizes, sites, params, sk)


def band_step(shard: str, founding: np.ndarray, out: str, params: Any, n: int, parts: int,
              skip: dict[int, str] | None = None, tick: Callable[[], None] = _no_tick) -> list[int]:
    """A signed shard's LSH band keys (:func:`cleaner.neardup.candidate_signatures`), row ``r`` as
    document ``founding[r]`` (-1: left out) among ``n``, cut into ``parts`` by bucket
    (:func:`cleaner.neardup.lsh.bucket_parts`) into ``out`` (.npy); returns the parts' bounds."""
    from .neardup import candidate_signatures
    from .neardup.lsh import band_keys, bucket_parts
    keep = np.flatnonzero(founding >= 0)
    with signed_arrays(shard) as data:
        keys = [band_keys(data[name][keep], bands, rows) for name, bands, rows in candidate_signatures(params)]
    entries, bounds = bucket_parts(keys, founding[keep], n, parts)
    save_array(Path(out), entries)
    tick()
    return bounds.tolist()


def pairs_step(pieces: Sequence[tuple[str, int, int]], n: int, window: int, out: str, stride: int,
               skip: dict[int, str] | None = None, tick: Callable[[], None] = _no_tick) -> tuple[int, np.ndarray]:
    """The candidate pairs of one bucket part: its entries from every shard's :func:`band_step`
    file (``(file, lo, hi)`` pieces) paired (:func:`cleaner.neardup.lsh.part_pairs`), written to
    ``out`` (.npy, sorted pair codes ``i * n + j``). Returns their count and every ``stride``-th code
    (where the driver cuts the verification tasks)."""
    from .neardup.lsh import part_pairs

    chunks = [np.asarray(load_array(Path(f), mmap=True)[:, lo:hi]) for f, lo, hi in pieces]
    entries = np.concatenate(chunks, axis=1) if chunks else np.empty((2, 0), dtype=np.uint64)
    del chunks
    codes = part_pairs(entries, n, window)
    del entries
    save_array(Path(out), codes)
    tick()
    return int(codes.size), codes[::stride].copy()


def anchor_step(root: str, n: int, window: int, out: str, stride: int,
                skip: dict[int, str] | None = None, tick: Callable[[], None] = _no_tick) -> tuple[int, np.ndarray]:
    """The anchor candidates (:func:`cleaner.neardup.sign.anchor_pairs`) of the run's spilled
    sketches (their samples memory-mapped) as one more part for :func:`verify_step`: sorted pair
    codes ``i * n + j`` written to ``out`` (.npy); returns what :func:`pairs_step` does."""
    from .neardup.sign import anchor_pairs

    sk, _ = open_sketches(root)
    ai, aj = anchor_pairs(sk, window)
    codes = ai * n + aj  # anchor_pairs gives distinct pairs in code order
    save_array(Path(out), codes)
    tick()
    return int(codes.size), codes[::stride].copy()


def verify_step(root: str, parts: Sequence[str], lo: int, hi: int, n: int, params: Any,
                skip: dict[int, str] | None = None, tick: Callable[[], None] = _no_tick) -> tuple[np.ndarray, np.ndarray, dict]:
    """The candidate pairs with codes in ``lo..hi-1`` of every part's :func:`pairs_step` file and the
    :func:`anchor_step` file (a pair found in several counted once) judged (:func:`cleaner.neardup.judge_pairs`): the edges
    ``(i, j)`` that pass, in code order, and :func:`cleaner.neardup.verification_counts`."""
    from .neardup import judge_pairs, verification_counts
    from .neardup.lsh import sorted_unique

    chunks = []
    for part in parts:
        codes = load_array(Path(part), mmap=True)
        a, b = np.searchsorted(codes, [lo, hi])
        chunks.append(np.asarray(codes[a:b]))
        del codes
    codes = sorted_unique(np.concatenate(chunks)) if chunks else np.empty(0, dtype=np.int64)
    del chunks
    ci, cj = codes // n, codes % n
    test = edge_test(root, params)
    ok, jac = judge_pairs(test, ci, cj)
    tick()
    return ci[ok], cj[ok], verification_counts(ok, jac, test.by_containment)


class SignedTexts:
    """The texts signed of documents by (shard, row) (:func:`sign_shard`'s ``.signed`` files, a
    bounded number of shards' at a time)."""

    def __init__(self, shards: Sequence[str]) -> None:
        self.shards = list(shards)
        self._loaded: dict[int, dict[str, str]] = {}

    def get(self, shard: int, row: int, doc: Document) -> str:
        table = self._loaded.get(shard)
        if table is None:
            if len(self._loaded) >= 64:
                self._loaded.pop(next(iter(self._loaded)))
            table = self._loaded[shard] = load_json(Path(self.shards[shard]).with_suffix(".signed"))
        return table.get(str(row), doc.text or "")


def _cluster_documents(store: ShardStore, signed: SignedTexts, locations: Sequence[tuple[int, int]], params: Any):
    """A group's documents read back from the spill, and their texts as signed (for the canonical
    choice and record): :func:`cleaner.neardup.copy_texts`."""
    from .neardup import copy_texts

    docs = [store.get(shard, row) for shard, row in locations]
    return docs, copy_texts(docs, [signed.get(shard, row, d) for (shard, row), d in zip(locations, docs)], params)


def choose_step(groups: Sequence[tuple[np.ndarray, Sequence[tuple[int, int]], Sequence[int]]], shards: Sequence[str],
                params: Any, skip: dict[int, str] | None = None, tick: Callable[[], None] = _no_tick) -> list[int]:
    """The canonical member (its founding number) of each group (members, their (shard, row),
    their ranks): :func:`cleaner.neardup.choose_member` (``params``: the DedupParams)."""
    from .neardup import choose_member
    from .neardup.canonical import completeness

    store, signed = ShardStore([Path(s) for s in shards]), SignedTexts(shards)
    out = []
    try:
        for members, locations, ranks in groups:
            docs, texts = _cluster_documents(store, signed, locations, params)
            out.append(int(members[choose_member(docs, ranks, texts)]))
            tick()
    finally:
        store.close()
        completeness.cache_clear()  # texts of this task only
    return out


# -- the records and the output parts ----------------------------------------------------

def assemble_step(clusters: Sequence[tuple[Any, Sequence[tuple[int, int]], Sequence[int]]], shards: Sequence[str], part: str,
                  dedup: tuple[str, Any] | None = None,
                  skip: dict[int, str] | None = None, tick: Callable[[], None] = _no_tick) -> dict[str, Any]:
    """The records of consecutive clusters (members' founding numbers - canonical first -, their
    (shard, row), their document numbers in id order), built from the members' cleaned text read back
    from the shards.

    ``dedup`` (the sketch folder, DedupParams): each record is
    :func:`cleaner.neardup.story_record` with the members' similarities to the canonical; None
    (``--no-dedup``): one document per cluster, :func:`cleaner.neardup.singleton_record`.
    Writes ``<part>.documents`` (``documents.jsonl`` lines, in the order given: by canonical id)
    and ``<part>.clusters`` (``<number> <line>`` per member, sorted by number: one sorted run of
    the external merge that makes ``clusters.jsonl``). Returns the summed
    :func:`cleaner.neardup.record_counts` and the histogram of the members' similarities.
    """
    from .io.writers import cluster_rows, encode_row
    from .neardup import histogram, member_similarities, record_counts, singleton_record, story_record
    from .neardup.canonical import completeness

    store, signed = ShardStore([Path(s) for s in shards]), SignedTexts(shards)
    test = edge_test(dedup[0], dedup[1]) if dedup is not None else None
    member_rows: list[tuple[int, bytes]] = []
    stats: Counter = Counter()
    similarities: list[float] = []
    base = Path(part)
    from .spill import replace_file

    def write_docs(handle) -> None:
        for members, locations, numbers in clusters:
            if dedup is None:
                canonical = singleton_record(store.get(*locations[0]))
            else:
                docs, texts = _cluster_documents(store, signed, locations, dedup[1])
                sims = member_similarities(test, np.asarray(members))
                similarities.extend(sims[1:].tolist())
                founder = docs[int(np.argmin(members))].id  # the member that entered first
                canonical = story_record(docs, sims, dedup[1], texts, founder)
            handle.write(encode_row(canonical.to_dict()))
            handle.write(b"\n")
            number_of = {m.id: int(n) for m, n in zip(canonical.cluster.members, numbers)}
            member_rows.extend((number_of[r["id"]], encode_row(r)) for r in cluster_rows([canonical.cluster]))
            stats.update(record_counts(canonical))
            tick()

    try:
        replace_file(base.with_name(base.name + ".documents"), write_docs)
    finally:
        store.close()
        completeness.cache_clear()
    member_rows.sort()
    replace_file(base.with_name(base.name + ".clusters"),
                 lambda h: h.write(b"".join(b"%d " % n + line + b"\n" for n, line in member_rows)))
    return {"counts": dict(stats), "members_to_canonical": histogram(np.asarray(similarities))}


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
