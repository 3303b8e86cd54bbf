"""The streaming run: a corpus of any size in bounded memory, resumable after a crash.

``cleaner run`` drives the stage steps of :mod:`cleaner.steps` over batches
(shards) of documents, spilled to a work folder (:mod:`cleaner.spill`):

1. read in batches; each batch is extracted on a worker, which writes the
   prepared documents as a shard and returns the batch's evidence counts;
2. the evidence of all shards is merged (a fixed binary tree);
3. each shard is stripped on a worker (cleaned documents go to disk);
4. the documents are numbered in id order (an external merge of the
   shards' sorted ids; a second copy of an id is rejected as a reader does);
5. the records (one per document) are assembled on the workers into output
   parts; the parts are concatenated, and the per-document rows merged in id
   order, into the output folder, which is committed as one set.

A streaming run does not de-duplicate (:func:`cleaner.pipeline.streams` sends
such runs to the in-memory pipeline): the streaming de-duplication of the
scale branch composed an earlier form of the neardup steps, and must call the
steps of :func:`cleaner.neardup.dedup_documents` before it comes back.

What this process holds per document is its shard and row, never its text.
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
from .spill import WorkFolder, iter_shard, merge_sorted, rejected_from_json, work_folder_for

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
        st = path.stat()
        stats.append([str(root), str(path), st.st_size, st.st_mtime_ns])
    plain = replace(options, workers=1, engine="local", scheduler=None)
    return digest("stream", batch, [os.fspath(p) for p in inputs], stats, plain, code_fingerprint())


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

    # 4. one record per document (a streaming run does not de-duplicate: cleaner.pipeline.streams) ---
    t0 = time.perf_counter()
    paths = [str(folder.path(name + ".jsonl")) for name in stripped]
    table = number_documents(folder, stripped, options)
    rejected.extend(table.duplicates)
    documents -= len(table.duplicates)
    if progress:
        progress("dedup", documents, documents)
    timings["dedup"] = time.perf_counter() - t0

    # 5. records, output parts, the output folder ---------------------------------------------
    t0 = time.perf_counter()
    parts, assembled = assemble(folder, table, paths, driver)
    stats = {"documents": documents, "clusters": documents, "dedup": False}
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
                "records": assembled["clusters"],
                "clusters_with_copies": assembled["clusters_with_copies"],
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


def assemble(folder: WorkFolder, table: DocumentTable, paths: Sequence[str], driver: Any) -> tuple[list[str], dict[str, int]]:
    """Build the records (one per document) on the workers, in parts of consecutive ids."""
    parts: list[str] = []

    def tasks():
        for lo in range(0, table.n, PART_DOCUMENTS):
            k = len(parts)
            parts.append(str(folder.path(f"part-{k:06d}")))
            numbers = range(lo, min(table.n, lo + PART_DOCUMENTS))
            yield k, steps.assemble_step, ([(g, *map(int, table.where[g])) for g in numbers], list(paths), parts[k])

    totals: Counter = Counter()
    for _, summary in driver.map(tasks()):
        totals.update(summary)
    return parts, {k: int(totals.get(k, 0)) for k in ("clusters", "clusters_with_copies", "cross_copy_lines_removed")}


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

