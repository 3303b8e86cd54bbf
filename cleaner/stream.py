"""The streaming run: a corpus of any size in bounded memory, resumable after a crash.

``cleaner run`` drives the stage steps of :mod:`cleaner.steps` over batches
(shards) of documents, spilled to a work folder (:mod:`cleaner.spill`):

1. read in batches; each batch is extracted on a worker, which writes the
   prepared documents as a shard and returns the batch's evidence counts;
2. the evidence of all shards is merged (a fixed binary tree);
3. each shard is stripped on a worker (cleaned documents go to disk);
4. the documents are numbered in id order (an external merge of the
   shards' sorted ids; a second copy of an id is rejected as a reader does);
5. with de-duplication, the steps of :func:`cleaner.neardup.dedup_documents`
   over the spill (:func:`deduplicate`): the strip step has signed each shard
   (:func:`cleaner.steps.sign_shard`); the documents are put in founding order
   (an external merge of the shards' founding runs); the workers place their
   shards' sketches into memory-mapped files in that order, and cut their
   shards' band keys by bucket into parts (:func:`candidate_edges`: a
   shuffle through files; one task per part makes its candidate pairs, the
   workers verify ranges of them and return the edges); the workers choose
   the canonical copy of every component with copies; the chaining guard
   runs here over the edge list; without de-duplication every document is
   its own cluster;
6. the records are assembled on the workers into output parts (each
   cluster's members read back from the shards); the parts are
   concatenated, and the per-document rows merged in id order, into the
   output folder, which is committed as one set.

What this process holds per document is a few integers (its shard and row, its
numbers in id and founding order, site code, shingle counts, rank, cluster),
never its text, and the verified edges (never the candidate pairs); the
signatures, leads and shingle samples are memory-mapped spill files.
The work folder records the shards that are done; the same command after a
``kill -9`` continues from there and gives byte-identical output. It is
removed after a successful run.
"""
from __future__ import annotations

import os
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

from . import steps
from .io.readers import ReadReport, iter_documents
from .records import Document, Rejected
from .spill import WorkFolder, iter_shard, merge_sorted, rejected_from_json, save_array, work_folder_for

BATCH = 1000  # documents per shard: fixed, so that the shards (and the evidence tree) never depend on --workers
PART_DOCUMENTS = 2000  # documents per output part


def run_fingerprint(inputs: Sequence[str | os.PathLike[str]], options: Any, batch: int) -> str | None:
    """What the shards of a run depend on; None when the input cannot be read twice (stdin)."""
    from .cache import code_fingerprint, digest
    from .io.readers import expand_inputs

    stats = []
    for root, path in expand_inputs(inputs):
        if path is None:
            return None
        try:
            st = path.stat()
        except OSError:  # a dangling link, a file gone: the reader rejects it with the reason
            stats.append([_name(root), _name(path), None, None])
            continue
        stats.append([_name(root), _name(path), st.st_size, st.st_mtime_ns])
    plain = replace(options, workers=1, engine="local", scheduler=None)
    return digest("stream", batch, [_name(p) for p in inputs], stats, plain, code_fingerprint())


def _name(path: Any) -> str:
    """A path as text that any file name becomes (not UTF-8 ones too: their bytes in hex)."""
    return os.fsencode(path).hex()


PARTITION_BYTES = 8 << 20  # a Dask worker reads JSONL files in ranges of about this size


def partition_inputs(inputs: Sequence[str | os.PathLike[str]], report: ReadReport, files_per_partition: int,
                     size: int | None = None) -> list[list[Any]]:
    """The inputs as groups of partitions, each group one task: a byte range of a big JSONL file
    (about ``size`` bytes, default ``PARTITION_BYTES`` - read when called, so that tests can set it),
    or up to ``files_per_partition`` whole files."""
    size = size or PARTITION_BYTES
    from .errors import ConfigError
    from .io.partitions import Partition, is_utf16, split_file
    from .io.readers import _named_directly, expand_inputs, file_kind

    groups: list[list[Any]] = []
    small: list[Any] = []
    for root, path in expand_inputs(inputs):
        if path is None:
            raise ConfigError("reading JSONL from stdin (-) needs the local engine")
        assert root is not None
        kind = file_kind(path)
        if kind is None:
            if not _named_directly(inputs, path):
                report.ignored.append(path.as_posix())
                continue
            kind = "text"
        if kind == "jsonl" and not path.name.lower().endswith(".gz") and not is_utf16(path):
            import hashlib

            if small:
                groups.append(small)
                small = []
            digest = hashlib.sha256()
            groups.extend([p] for p in split_file(root, path, size, digest))
            report.files[path.as_posix()] = digest.hexdigest()
        else:
            small.append(Partition(str(root), str(path)))
            if len(small) >= files_per_partition:
                groups.append(small)
                small = []
    if small:
        groups.append(small)
    return groups


class Driver:
    """Where the steps run: one :class:`~cleaner.engines.pool.KillablePool` of local workers for the run."""

    def __init__(self, workers: int) -> None:
        from .engines.pool import KillablePool

        self.pool = KillablePool(max(1, workers))

    def map(self, tasks, time_limit: float | None = None) -> Iterator[tuple[Any, Any]]:
        """``(key, result)`` of every ``(key, step, args)`` task, as they finish."""
        return self.pool.run(tasks, time_limit=time_limit)

    def reduce_evidence(self, parts: Sequence[str], out: str, scratch: str) -> None:
        reduce_evidence_here(parts, out)

    def recycle(self) -> None:
        """New workers for the next steps: the strip step's workers hold the corpus evidence."""
        self.pool.close()

    def close(self) -> None:
        self.pool.close()

    def kill(self) -> None:
        self.pool.kill()


def reduce_evidence_here(parts: Sequence[str], out: str) -> None:
    """The shards' evidence merged in this process, in the fixed tree of :class:`cleaner.steps.TreeReducer`."""
    reducer = steps.TreeReducer(lambda a, b: a.merge(b))
    for part in parts:
        reducer.add(steps.load_evidence(Path(part)))
    merged = reducer.result()
    if merged is None:
        from .strip.corpus import CorpusEvidence

        merged = CorpusEvidence()
    steps.save_evidence(Path(out), steps.for_stripping(merged))


class InlineDriver:
    """Every step in this process, one after the other (no time limit): for profiling and tests."""

    def reduce_evidence(self, parts: Sequence[str], out: str, scratch: str) -> None:
        reduce_evidence_here(parts, out)

    def map(self, tasks, time_limit: float | None = None) -> Iterator[tuple[Any, Any]]:
        for key, fn, args in tasks:
            yield key, fn(*args, skip={}, tick=_no_tick)

    def close(self) -> None:
        return None

    kill = close


def _no_tick() -> None:
    return None


def run_streaming(
    inputs: Sequence[str | os.PathLike[str]],
    out: str | os.PathLike[str],
    options: Any,
    progress: Any = None,
    work: str | os.PathLike[str] | None = None,
    batch: int | None = None,
    driver: Any = None,
) -> Any:
    """Run every stage over ``inputs`` into the output folder ``out`` (see the module doc).

    ``batch``: documents per shard (default ``BATCH``; the environment
    variable ``CLEANER_SHARD_DOCUMENTS`` overrides it, for tests of resumed
    runs). ``CLEANER_KEEP_WORK=1`` keeps the work folder after success.
    """
    batch = batch or int(os.environ.get("CLEANER_SHARD_DOCUMENTS") or BATCH)
    out = Path(out)
    steps.warm_up(options)
    own_driver = driver is None
    if driver is None:
        if options.engine == "dask":
            from .engines.dask import DaskDriver

            driver = DaskDriver(options.scheduler, options.workers)
        elif options.engine == "local" and options.workers <= 1 and options.time_limit is None:
            driver = InlineDriver()  # as the in-memory pipeline: no limit to keep, so no worker process
        elif options.engine == "local":
            driver = Driver(options.workers)
        else:
            from .errors import ConfigError

            raise ConfigError(f"unknown engine {options.engine!r} (local or dask)")
    try:
        fingerprint = run_fingerprint(inputs, options, batch)
        root = Path(work) if work is not None else work_folder_for(out)
        folder = WorkFolder(root, fingerprint or os.urandom(16).hex())
    except BaseException:
        if own_driver:
            driver.kill()
        raise
    try:
        result = _run(inputs, out, options, progress, folder, driver, batch)
    except BaseException:
        if own_driver:
            driver.kill()
        raise
    if own_driver:
        driver.close()
    if os.environ.get("CLEANER_KEEP_WORK") != "1":
        folder.remove()
    return result


def _run(inputs, out, options, progress, folder, driver, batch):
    from .io.writers import write_outputs
    from .pipeline import RunResult, build_manifest, report_writer

    timings: dict[str, float] = {}
    report = ReadReport()
    rejected: list[Rejected] = []

    # 1. read + extract, shard by shard ------------------------------------------------
    t0 = time.perf_counter()
    shards: list[str] = []
    read_count = 0

    def extract_tasks():
        nonlocal read_count
        chunk: list[Document | Rejected] = []
        for record in iter_documents(inputs, options.read, report):
            chunk.append(record)
            read_count += 1
            if len(chunk) == batch:
                yield from submit(chunk)
                chunk = []
        if chunk:
            yield from submit(chunk)

    def submit(chunk):
        k = len(shards)
        name = f"a-{k:06d}"
        shards.append(name)
        if not folder.done(name):
            yield k, steps.extract_step, (chunk, str(folder.path(name + ".jsonl")), options, options.corpus_evidence)
        elif progress:
            progress("extract", len(chunk), None)

    if getattr(driver, "reads_partitions", False):
        # the workers read: the driver only cuts the inputs into partitions (and hashes the files on the way)
        groups = partition_inputs(inputs, report, batch)

        def extract_tasks():  # noqa: F811 - the partitioned form of the tasks above
            for k, group in enumerate(groups):
                name = f"a-{k:06d}"
                shards.append(name)
                if not folder.done(name):
                    yield k, steps.read_extract_step, (group, str(folder.path(name + ".jsonl")), options, options.corpus_evidence)

    for k, summary in driver.map(extract_tasks(), time_limit=options.time_limit):
        folder.mark_done(shards[k], summary)
        if progress:
            progress("extract", summary["documents"] + len(summary["rejected"]), None)
    if getattr(driver, "reads_partitions", False):
        for name in shards:
            summary = folder.summary(name)
            read_count += summary["records"]
            report.files.update(summary["files"])
    timings["read"] = timings["extract"] = time.perf_counter() - t0

    # 2. evidence: the shards' counts merged in a fixed tree ------------------------------
    t0 = time.perf_counter()
    prepared = 0
    html_read = 0
    parts: list[str] = []
    for name in shards:
        summary = folder.summary(name)
        prepared += summary["documents"]
        rejected.extend(rejected_from_json(r) for r in summary["rejected"])
        if summary["evidence"]:
            parts.append(str(folder.path(name + ".evidence.json")))
        html_read += summary["html"]
    evidence = None
    if options.corpus_evidence and prepared > 1:
        evidence = str(folder.path("evidence.json"))
        if not folder.done("evidence"):
            driver.reduce_evidence(parts, evidence, str(folder.path("evidence-node")))
            folder.mark_done("evidence", {})
    timings["evidence"] = time.perf_counter() - t0

    # 3. strip + sign ---------------------------------------------------------------------
    t0 = time.perf_counter()
    stripped = [f"b-{k:06d}" for k in range(len(shards))]

    def strip_tasks():
        for k, name in enumerate(stripped):
            if folder.done(name):
                if progress:
                    progress("strip", folder.summary(name)["documents"], prepared)
                continue
            yield k, steps.strip_step, (str(folder.path(shards[k] + ".jsonl")), str(folder.path(name + ".jsonl")),
                                        options, evidence)

    for k, summary in driver.map(strip_tasks(), time_limit=options.time_limit):
        folder.mark_done(stripped[k], summary)
        if progress:
            progress("strip", summary["documents"], prepared)
    if hasattr(driver, "recycle"):
        driver.recycle()
    removed: Counter = Counter()
    documents = html = 0
    for name in stripped:
        summary = folder.summary(name)
        documents += summary["documents"]
        html += summary["html"]
        removed.update(summary["removed"])
        rejected.extend(rejected_from_json(r) for r in summary["rejected"])
    timings["strip"] = time.perf_counter() - t0

    # 4. number the documents in id order; de-duplicate (or one record per document) ----------
    t0 = time.perf_counter()
    paths = [str(folder.path(name + ".jsonl")) for name in stripped]
    table = number_documents(folder, stripped, options)
    rejected.extend(table.duplicates)
    documents -= len(table.duplicates)
    if options.dedup:
        left_out = sum(folder.summary(name).get("left_out_lines", 0) for name in stripped)
        stats, clusters = deduplicate(folder, stripped, table, options, driver, left_out, timings)
    else:
        stats, clusters = {"documents": documents, "clusters": documents, "dedup": False}, singleton_clusters(table)
    if progress:
        progress("dedup", documents, documents)
    timings["dedup"] = time.perf_counter() - t0

    # 5. records, output parts, the output folder ---------------------------------------------
    t0 = time.perf_counter()
    dedup = (str(folder.root), options.dedup_params) if options.dedup else None
    parts, assembled = assemble(folder, clusters, paths, driver, dedup)
    if options.dedup:
        if table.n:
            from .neardup import finish_stats

            finish_stats(stats, options.dedup_params, clusters.sizes, clusters.set, clusters.guard, assembled["counts"],
                         assembled["members_to_canonical"])
        largest = stats["largest_cluster"]
    else:
        largest = 1 if documents else 0
    rejected.sort(key=lambda r: (r.id, r.stage))

    def manifest() -> dict[str, Any]:
        timings["write"] = time.perf_counter() - t0
        m = build_manifest(
            options,
            counts={
                "inputs": read_count,
                "documents": documents,
                "rejected": len(rejected),
                "rejected_by_stage": dict(sorted(Counter(r.stage for r in rejected).items())),
                "html_documents": html,
                "records": assembled["counts"]["clusters"],
                "clusters_with_copies": assembled["counts"]["clusters_with_copies"],
                "largest_cluster": largest,
                "removed_spans_by_kind": dict(sorted(removed.items())),
            },
            dedup_stats=stats,
            timings=timings,
        )
        m["inputs"] = {
            "paths": [os.fspath(p) for p in inputs],
            "files": dict(sorted(report.files.items())),
            "ignored_files": sorted(report.ignored),
        }
        return m

    manifest_value: dict[str, Any] = {}

    def final_manifest() -> dict[str, Any]:
        manifest_value.update(manifest())
        return manifest_value

    written = write_outputs(
        out, concatenated(parts), merged_member_rows(parts),
        [r.to_dict() for r in sorted(rejected, key=lambda r: (r.id, r.stage, r.reason))],
        final_manifest, options.formats,
        extra=report_writer(options, lambda: (doc for path in paths for doc in iter_shard(Path(path)))),
    )
    if options.report:
        written["report"] = str(out / "report.html")
    return RunResult(canonicals=[], clusters=[], rejected=rejected, documents=[], manifest=manifest_value, written=written)


class DocumentTable:
    """Per document number (= rank in id order): where it is (shard, row)."""

    def __init__(self, where: np.ndarray, duplicates: list[Rejected]) -> None:
        self.n = len(where)
        self.where = where
        self.duplicates = duplicates


def number_documents(folder: WorkFolder, stripped: Sequence[str], options: Any) -> DocumentTable:
    """Number the documents in id order (an external merge of the shards' sorted ids); a second
    document with an id already seen (two partitions read by different workers) is rejected."""
    counts = [folder.summary(name)["documents"] for name in stripped]

    def run_of(k: int, name: str):
        for item in steps.iter_ids(str(folder.path(name + ".jsonl"))):
            yield item[0], k, item

    runs = [run_of(k, name) for k, name in enumerate(stripped) if counts[k]]
    where: list[tuple[int, int]] = []
    duplicates: list[Rejected] = []
    previous: tuple[str, str] | None = None
    for doc_id, k, (_, path, line, row) in merge_sorted(runs, key=lambda t: t[0]):
        place = f"{path or '<stdin>'}:{line}" if line is not None else (path or "<stdin>")
        if previous is not None and previous[0] == doc_id:
            # the later input is rejected, as a reader does
            duplicates.append(Rejected(id=doc_id, stage="read", reason=f"duplicate id {doc_id!r}: already read from {previous[1]}",
                                       path=path, line=line))
            continue
        previous = (doc_id, place)
        where.append((k, row))
    return DocumentTable(np.asarray(where, dtype=np.int32).reshape(-1, 2), duplicates)


def assemble(folder: WorkFolder, clusters: Any, paths: Sequence[str], driver: Any,
             dedup: tuple[str, Any] | None) -> tuple[list[str], dict[str, Any]]:
    """Build the records on the workers (:func:`cleaner.steps.assemble_step`), in parts of about
    ``PART_DOCUMENTS`` members, clusters in canonical-id order."""
    from .neardup import HISTOGRAM_BINS

    parts: list[str] = []

    def tasks():
        batch: list[tuple[Any, list[tuple[int, int]], list[int]]] = []
        members_in_batch = 0
        for item in clusters:
            batch.append(item)
            members_in_batch += len(item[1])
            if members_in_batch >= PART_DOCUMENTS:
                yield submit(batch)
                batch, members_in_batch = [], 0
        if batch:
            yield submit(batch)

    def submit(batch):
        k = len(parts)
        parts.append(str(folder.path(f"part-{k:06d}")))
        return k, steps.assemble_step, (batch, list(paths), parts[k], dedup)

    counts: Counter = Counter(clusters=0, clusters_with_copies=0, copies_found=0, cross_copy_lines_removed=0,
                             cross_copy_lines_restored=0)
    histogram = np.zeros(len(HISTOGRAM_BINS) - 1, dtype=np.int64)
    for _, summary in driver.map(tasks()):
        counts.update(summary["counts"])
        histogram += np.asarray(summary["members_to_canonical"], dtype=np.int64)
    return parts, {"counts": counts, "members_to_canonical": histogram.tolist()}


def singleton_clusters(table: DocumentTable) -> Iterator[tuple[Any, list[tuple[int, int]], list[int]]]:
    """``--no-dedup``: every document its own cluster, in id order."""
    for number in range(table.n):
        shard, row = table.where[number]
        yield None, [(int(shard), int(row))], [number]


def concatenated(parts: Sequence[str]) -> Iterator[bytes]:
    """``documents.jsonl`` lines: the parts in order (each already in canonical-id order)."""
    for part in parts:
        with open(part + ".documents", "rb") as handle:
            for line in handle:
                yield line.rstrip(b"\n")


def merged_member_rows(parts: Sequence[str]) -> Iterator[bytes]:
    """``clusters.jsonl`` lines in id order: an external merge of the parts' sorted runs."""
    for _, line in merge_sorted((steps.iter_member_rows(p) for p in parts), key=lambda t: t[0]):
        yield line



# -- de-duplication over the spill: the steps of cleaner.neardup.dedup_documents ----------------

VERIFY_PAIRS = 50_000  # candidate pairs per verification task
BUCKET_ENTRIES = 1 << 21  # band keys per bucket part (16 bytes each in the shuffle files)
CHOOSE_MEMBERS = 2_000  # members of groups per canonical-choice task


class StreamClusters:
    """The clusters of a streaming run, as :func:`assemble` takes them: per cluster (members'
    founding numbers, canonical first; their (shard, row); their id-order numbers), by canonical id.
    Holds arrays of integers per document, never a document."""

    def __init__(self, cluster_set: Any, guard: Any, sizes: np.ndarray, where: np.ndarray, number: np.ndarray) -> None:
        self.set, self.guard, self.sizes = cluster_set, guard, sizes
        self.where, self.number = where, number

    def __iter__(self) -> Iterator[tuple[np.ndarray, list[tuple[int, int]], list[int]]]:
        cs = self.set
        for c in np.argsort(self.number[cs.canonical], kind="stable"):  # documents.jsonl: by canonical id
            members = cs.members(int(c))
            yield members, [(int(s), int(r)) for s, r in self.where[members]], self.number[members].tolist()


def founding_order(folder: WorkFolder, stripped: Sequence[str], table: DocumentTable):
    """The documents in :func:`cleaner.neardup.founding_key` order (an external merge of the shards'
    founding runs): per founding number its (shard, row), its id-order number and its site code;
    per shard, each row's founding number (-1: a duplicate id, left out)."""
    counts = [folder.summary(name)["documents"] for name in stripped]
    number_of_row = [np.full(c, -1, dtype=np.int64) for c in counts]
    by_shard = np.argsort(table.where[:, 0], kind="stable")
    bounds = np.searchsorted(table.where[by_shard, 0], np.arange(len(stripped) + 1))
    for k in range(len(stripped)):
        chosen = by_shard[bounds[k] : bounds[k + 1]]
        number_of_row[k][table.where[chosen, 1]] = chosen

    def run_of(k: int, name: str):
        for key, row, site in steps.iter_found(str(folder.path(name + ".jsonl"))):
            yield key, k, row, site

    n = table.n
    where = np.empty((n, 2), dtype=np.int32)
    number = np.empty(n, dtype=np.int64)
    sites = np.full(n, -1, dtype=np.int64)
    founding_of_row = [np.full(c, -1, dtype=np.int64) for c in counts]
    codes: dict[str, int] = {}
    f = 0
    for _, k, row, site in merge_sorted((run_of(k, name) for k, name in enumerate(stripped) if counts[k]), key=lambda t: t[0]):
        g = number_of_row[k][row]
        if g < 0:
            continue
        where[f] = (k, row)
        number[f] = g
        if site is not None:
            sites[f] = codes.setdefault(site, len(codes))
        founding_of_row[k][row] = f
        f += 1
    assert f == n, (f, n)
    return where, number, sites, founding_of_row


def bucket_part_count(n: int, params: Any) -> int:
    """Bucket parts of the candidate search: about ``BUCKET_ENTRIES`` band keys in each."""
    from .neardup import candidate_signatures

    entries = n * sum(bands for _, bands, _ in candidate_signatures(params))
    return max(1, -(-entries // BUCKET_ENTRIES))


def candidate_edges(folder: WorkFolder, band_files: Sequence[tuple[str, Sequence[int]]], n: int, parts: int,
                    params: Any, driver: Any) -> tuple[np.ndarray, np.ndarray, list[dict[str, Any]]]:
    """The verified edges ``(i, j)`` among the candidate pairs (in pair order, as
    :func:`cleaner.neardup.candidates` + :func:`~cleaner.neardup.verify_pairs` give them in memory),
    and the :func:`~cleaner.neardup.verification_counts` of the pieces, the candidates never held here.

    The shards' band keys (``band_files``: each :func:`cleaner.steps.band_step` file with its parts'
    bounds) are shuffled by bucket: one :func:`~cleaner.steps.pairs_step` task per part pairs the
    members of its buckets into a file of sorted pair codes, and (with ``anchor_candidates``) one
    :func:`~cleaner.steps.anchor_step` task writes the anchor pairs (from the memory-mapped samples,
    as :func:`cleaner.neardup.candidates` finds them) as one more such file; the codes are then cut
    into ranges of about ``VERIFY_PAIRS`` (at quantiles of the parts' samples), each judged by a
    :func:`~cleaner.steps.verify_step` task across all the parts' files (a pair found in two parts
    judged once)."""
    pair_files = [str(folder.path(f"dedup-pairs-{p:06d}.npy")) for p in range(parts)]
    if params.anchor_candidates:
        pair_files.append(str(folder.path("dedup-pairs-anchors.npy")))
    stride = max(1, VERIFY_PAIRS // 64)

    def pair_tasks():
        if params.anchor_candidates:  # the longest task first
            yield parts, steps.anchor_step, (str(folder.root), n, params.bucket_window, pair_files[parts], stride)
        for p in range(parts):
            pieces = [(path, bounds[p], bounds[p + 1]) for path, bounds in band_files if bounds[p + 1] > bounds[p]]
            yield p, steps.pairs_step, (pieces, n, params.bucket_window, pair_files[p], stride)

    total = 0
    samples: list[np.ndarray] = []
    for _, (count, sample) in driver.map(pair_tasks()):
        total += count
        samples.append(sample)
    if total == 0:
        empty = np.empty(0, dtype=np.int64)
        return empty, empty, []
    sample = np.sort(np.concatenate(samples))
    del samples
    ranges = -(-total // VERIFY_PAIRS)
    cuts = np.unique(sample[(np.arange(1, ranges) * sample.size) // ranges]).tolist()
    del sample
    limits = [0, *cuts, n * n]
    judged: dict[int, tuple] = {}
    for k, result in driver.map((k, steps.verify_step, (str(folder.root), pair_files, lo, hi, n, params))
                                for k, (lo, hi) in enumerate(zip(limits[:-1], limits[1:]))):
        judged[k] = result
    ei = np.concatenate([judged[k][0] for k in range(len(judged))])
    ej = np.concatenate([judged[k][1] for k in range(len(judged))])
    return ei, ej, [judged[k][2] for k in range(len(judged))]


def deduplicate(folder: WorkFolder, stripped: Sequence[str], table: DocumentTable, options: Any,
                driver: Any, left_out: int, timings: dict[str, float] | None = None) -> tuple[dict[str, Any], Any]:
    """The steps of :func:`cleaner.neardup.dedup_documents` over the spilled shards: founding
    order, the sketches placed in founding order (memory-mapped files), candidates, verification on
    the workers, ranks, the guarded clusters (canonical choices on the workers), and the clusters for
    :func:`assemble`. Returns the stage's statistics so far and the clusters; the wall time of its
    phases goes to ``timings`` (``dedup_sketches``, ``dedup_candidates``, ``dedup_clusters``)."""
    from .neardup import chain_guard, dedup_documents, linked_rows, record_verification
    from .neardup.canonical import rank_rows
    from .neardup.clusters import components, guarded_clusters

    params = options.dedup_params
    n = table.n
    if n == 0:
        return dedup_documents([], params).stats, ()  # complete: nothing to assemble
    timings = {} if timings is None else timings
    t0 = time.perf_counter()
    where, number, sites, founding_of_row = founding_order(folder, stripped, table)

    # the per-document numbers in founding order; the sketch files filled on the workers
    sizes = np.zeros(n, dtype=np.int64)
    distinct = np.zeros(n, dtype=np.int64)
    scores = np.zeros(n, dtype=np.int64)
    lengths = np.zeros(n, dtype=np.int64)
    for k, name in enumerate(stripped):
        rows = founding_of_row[k]
        if not rows.size:
            continue
        keep = rows >= 0
        with steps.signed_arrays(str(folder.path(name + ".jsonl"))) as data:
            sizes[rows[keep]] = data["sizes"][keep]
            distinct[rows[keep]] = data["distinct"][keep]
            scores[rows[keep]] = data["completeness"][keep]
            lengths[rows[keep]] = np.diff(data["sample_starts"])[keep]
    starts = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(lengths, out=starts[1:])
    del lengths
    root = str(folder.root)
    steps.create_sketch_files(root, n, params.num_perm, int(starts[-1]))
    for name, values in (("sizes", sizes), ("distinct", distinct), ("sample_starts", starts), ("sites", sites)):
        save_array(folder.path(steps.SKETCH_FILES[name]), values)

    parts = bucket_part_count(n, params)
    band_files = [str(folder.path(f"dedup-bands-{k:06d}.npy")) for k in range(len(stripped))]

    def place_tasks():
        for k, name in enumerate(stripped):
            rows = founding_of_row[k]
            if rows.size:
                offsets = np.where(rows >= 0, starts[np.maximum(rows, 0)], 0)
                yield ("place", k), steps.place_step, (str(folder.path(name + ".jsonl")), rows, offsets, root)
                yield ("bands", k), steps.band_step, (str(folder.path(name + ".jsonl")), rows, band_files[k], params, n, parts)

    band_bounds: dict[int, list[int]] = {}
    for (what, k), result in driver.map(place_tasks()):
        if what == "bands":
            band_bounds[k] = result

    timings["dedup_sketches"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    stats: dict[str, Any] = {"lines_left_out_of_shingles": left_out}
    ei, ej, pieces = candidate_edges(folder, [(band_files[k], band_bounds[k]) for k in sorted(band_bounds)], n, parts,
                                     params, driver)
    record_verification(stats, pieces, params.verify == "exact")
    del pieces
    timings["dedup_candidates"] = time.perf_counter() - t0
    t0 = time.perf_counter()

    rank = rank_rows(np.where(linked_rows(n, ei, ej), scores, 0), np.arange(n, dtype=np.int64))
    del scores
    test = steps.edge_test(root, params)
    guard = chain_guard(test, *steps.open_sketches(root), params)
    paths = [str(folder.path(name + ".jsonl")) for name in stripped]

    def group(members: np.ndarray):
        return members, [(int(s), int(r)) for s, r in where[members]], [int(rank[m]) for m in members]

    # the canonical choice of every component with copies, on the workers (the groups as
    # guarded_clusters asks for them); a part split off by the guard is asked for when it comes
    labels = components(n, ei, ej)
    group_sizes = np.bincount(labels)
    by_label = np.argsort(labels, kind="stable")
    bounds = np.concatenate(([0], np.cumsum(group_sizes)))
    chosen: dict[bytes, int] = {}

    def choose_tasks():
        batch: list = []
        total = 0
        for g in np.flatnonzero(group_sizes > 1):
            batch.append(group(by_label[bounds[g] : bounds[g + 1]]))
            total += len(batch[-1][0])
            if total >= CHOOSE_MEMBERS:
                yield batch
                batch, total = [], 0
        if batch:
            yield batch

    batches: dict[int, list] = {}

    def tasks():
        for k, batch in enumerate(choose_tasks()):
            batches[k] = [g[0] for g in batch]
            yield k, steps.choose_step, (batch, paths, params)

    for k, picks in driver.map(tasks()):
        for members, pick in zip(batches.pop(k), picks):
            chosen[members.tobytes()] = pick

    def choose(members: np.ndarray) -> int:
        pick = chosen.get(members.tobytes())
        if pick is None:
            ((_, (pick,)),) = list(driver.map([(0, steps.choose_step, ([group(members)], paths, params))]))
        return int(pick)

    cluster_set = guarded_clusters(n, ei, ej, rank, guard, choose, guard.bridge)
    timings["dedup_clusters"] = time.perf_counter() - t0
    return stats, StreamClusters(cluster_set, guard, sizes, where, number)
