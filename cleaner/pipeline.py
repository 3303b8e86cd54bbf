"""The stage order, in one place: read -> prepare -> evidence -> strip -> dedup -> write.

Drivers (``cleaner run``, :func:`cleaner.run`, the pre-commit hook, the Dask
engine) call :func:`run_documents` or the stage helpers below; none of them
re-implements a stage. Per-document stages run in-process for ``workers=1``
and over a local process pool otherwise; the output is identical for any
number of workers because results are collected in input order and sorted by
id before anything is written.
"""
from __future__ import annotations

import gc
import os
import platform
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field, is_dataclass
from importlib import metadata as importlib_metadata
from pathlib import Path
from typing import Any

from .cache import StageCache, cached_sketcher, code_fingerprint, digest, evidence_digests, join_keys, memo_document_key
from .io.readers import ReadOptions, ReadReport, iter_documents
from .io.writers import OutputFormat, write_outputs
from .neardup import DedupParams, DedupResult, dedup_documents, singletons
from .records import Canonical, Cluster, Document, Rejected
from .strip import StripOptions, evidence_site, prepare_document, strip_document

Progress = Callable[[str, int, "int | None"], None]
"""``progress(stage, advanced_by, total)``: called as documents pass a stage."""


@dataclass(frozen=True)
class RunOptions:
    """Everything a run can be told. Names match the CLI options."""

    read: ReadOptions = ReadOptions()
    strip: StripOptions = StripOptions()
    dedup: bool = True
    dedup_params: DedupParams = DedupParams()
    corpus_evidence: bool = True  # gather per-site repeated lines and other docs' titles first
    workers: int = 1
    index: str | None = None  # folder or redis:// URL of a persisted near-duplicate index
    formats: tuple[OutputFormat, ...] = ("jsonl",)
    cache: str | None = None  # folder of a StageCache: unchanged documents are not re-extracted or re-stripped
    engine: str = "local"  # "local" (in-process / process pool) or "dask"
    scheduler: str | None = None  # dask scheduler address; None = a LocalCluster of `workers` processes
    report: bool = True  # write OUT/report.html (and the examples it shows, OUT/examples.jsonl)
    keep: str = "canonical"  # "canonical": one record per story; "all": every input, annotated (cleaner.io.formats)
    # wall-clock limit per document (seconds): the per-document stages run in killable worker processes
    # (one at --workers 1), a document over the limit is rejected; None: no limit (one worker: in-process)
    time_limit: float | None = 60.0
    # spill to a work folder and stream the outputs (cleaner run); False: every record in memory (library)
    streaming: bool = True
    work: str | None = None  # the streaming run's work folder (default: a hidden sibling of the output folder)


@dataclass
class RunResult:
    """What a run produced, before or after writing."""

    canonicals: list[Canonical]
    clusters: list[Cluster]
    rejected: list[Rejected]
    documents: list[Document]  # the cleaned input documents, sorted by id
    manifest: dict[str, Any] = field(default_factory=dict)
    written: dict[str, str] = field(default_factory=dict)  # file kind -> path, after write


# -- per-document stages over a process pool ---------------------------------

_worker_state: dict[str, Any] = {}


def _init_worker(options: StripOptions, evidence: Any, child: bool = False, docs: Sequence[Document] = ()) -> None:
    if child:  # a pool worker must not outlive its parent (kill -9 of the run)
        from .engines.pool import die_with_parent

        die_with_parent()
    _worker_state["options"] = options
    _worker_state["evidence"] = evidence
    _worker_state["docs"] = docs  # a forked worker's own view of the parent's documents (tasks name ranges)


def _prepare_one(doc: Document) -> Document | Rejected:
    return apply_stage("extract", doc, _worker_state["options"])


def _evidence_one(doc: Document) -> Any:
    return apply_stage("evidence", doc, _worker_state["options"])


def _strip_one(doc: Document) -> Document | Rejected:
    return apply_stage("strip", doc, _worker_state["options"], _worker_state["evidence"])


def apply_stage(stage: str, doc: Document, options: StripOptions, evidence: Any = None) -> Any:
    """One per-document stage by name (local pool, in-process, Dask): a Document or a Rejected;
    for ``evidence``, the document's part of the corpus evidence (:func:`evidence_part`) or a Rejected.

    A bug a strange document triggers must not end a run over a million
    others, nor lose that document: it is rejected with the error as reason.
    """
    try:
        if stage == "extract":
            return prepare_document(doc, options)
        if stage == "evidence":
            return evidence_part(doc)
        return strip_document(doc, evidence, options)
    except Exception as exc:  # noqa: BLE001 - reported per document, see above
        return Rejected(
            id=doc.id, stage=stage, path=doc.origin.path, line=doc.origin.line,
            reason=f"unexpected error in the {stage} stage: {type(exc).__name__}: {exc} (please report it)",
        )


def evidence_part(doc: Document) -> tuple[str | None, bytes, str | None]:
    """:func:`cleaner.steps.document_evidence` with the line hashes as bytes (uint64): small to
    send back from a worker and to keep in the stage cache."""
    import numpy as np

    from .steps import document_evidence

    site, hashes, title = document_evidence(doc)
    return site, np.asarray(hashes, dtype=np.uint64).tobytes(), title


Mapper = Callable[..., "list[Document | Rejected]"]
"""``mapper(stage, docs, options, evidence, progress) -> results in input order``."""


def local_mapper(workers: int, time_limit: float | None = None) -> Mapper:
    """A killable process pool (``time_limit``: seconds per document); in-process for one worker without a limit."""
    functions = {"extract": _prepare_one, "evidence": _evidence_one, "strip": _strip_one}

    def mapper(stage: str, docs: Sequence[Document], options: StripOptions, evidence: Any, progress: Progress | None):
        return map_documents(functions[stage], docs, options, evidence, workers, progress, stage, time_limit)

    return mapper


def _stage_batch(fn: Callable[[Document], Document | Rejected], stage: str, docs: Sequence[Document],
                 skip: dict[int, str], tick: Callable[[], None]) -> list[Document | Rejected]:
    """A batch of one per-document stage on a :class:`~cleaner.engines.pool.KillablePool` worker:
    an item in ``skip`` (it stopped or killed a worker) is rejected with the pool's reason."""
    out: list[Document | Rejected] = []
    for i, doc in enumerate(docs):
        if i in skip:
            out.append(Rejected(id=doc.id, stage=stage, reason=skip[i], path=doc.origin.path, line=doc.origin.line))
        else:
            out.append(fn(doc))
        tick()
    return out


def _stage_range(fn: Callable[[Document], Document | Rejected], stage: str, lo: int, hi: int,
                 skip: dict[int, str], tick: Callable[[], None]) -> list[Document | Rejected]:
    """:func:`_stage_batch` over documents ``lo:hi`` of those the forked worker inherited: the
    documents are not pickled to the worker, only their results back."""
    return _stage_batch(fn, stage, _worker_state["docs"][lo:hi], skip, tick)


def warm_up_stage(stage: str, docs: Sequence[Document], options: StripOptions) -> None:
    """Load what ``stage`` needs (language model, the documents' rule tables, the HTML extractor)
    once in the parent before workers are forked from it: each fresh worker would load it again."""
    from .steps import warm_up
    from .strip import rules_language
    from .strip.rules import load_rules

    warm_up(RunOptions(strip=options))
    if stage == "extract" and any(d.mode == "html" for d in docs):
        from .strip import html  # noqa: F401 - the extractor's libraries, imported once
    if stage == "strip":
        for language in sorted({rules_language(d, options) for d in docs}):
            load_rules(language)


def map_documents(
    fn: Callable[[Document], Document | Rejected],
    docs: Sequence[Document],
    options: StripOptions,
    evidence: Any = None,
    workers: int = 1,
    progress: Progress | None = None,
    stage: str = "",
    time_limit: float | None = None,
) -> list[Document | Rejected]:
    """Apply a per-document stage, in order, in-process or over ``workers`` processes.

    The processes are a :class:`~cleaner.engines.pool.KillablePool` (the streaming run's pool): a
    document that runs longer than ``time_limit`` seconds, or kills its worker, is rejected with
    the reason and the others go on. With a time limit even one worker is such a process (a hang
    in C code cannot be stopped in-process); in-process only without one.
    """
    if not docs:
        return []
    if time_limit is None and (workers <= 1 or len(docs) < 2):
        _init_worker(options, evidence)
        out = []
        for doc in docs:
            out.append(fn(doc))
            if progress:
                progress(stage, 1, len(docs))
        return out
    from .engines.pool import KillablePool

    chunksize = max(1, min(64, len(docs) // (workers * 4) or 1))
    starts = range(0, len(docs), chunksize)
    done: dict[int, list[Document | Rejected]] = {}
    pool = KillablePool(workers, initializer=_init_worker)
    if pool.forks:  # the workers inherit the documents and what the stage loaded (no pickling, no reloading)
        warm_up_stage(stage, docs, options)
        pool.set_initargs((options, evidence, True, docs))
        tasks: Iterable = ((k, _stage_range, (fn, stage, lo, min(lo + chunksize, len(docs)))) for k, lo in enumerate(starts))
    else:
        pool.set_initargs((options, evidence, True))
        tasks = ((k, _stage_batch, (fn, stage, docs[lo:lo + chunksize])) for k, lo in enumerate(starts))
    with pool:
        for k, results in pool.run(tasks, time_limit=time_limit):
            done[k] = results
            if progress:
                progress(stage, len(results), len(docs))
    return [result for k in sorted(done) for result in done[k]]


def gather_corpus_evidence(
    docs: Sequence[Document],
    cache: StageCache | None = None,
    key_memo: dict | None = None,
    mapper: Mapper | None = None,
    options: StripOptions | None = None,
    progress: Progress | None = None,
    rejected: list[Rejected] | None = None,
) -> Any:
    """Corpus-level evidence over prepared documents.

    Each document's part (:func:`cleaner.steps.document_evidence`: its evidence
    site, distinct line hashes and title, a guessed one for an untitled page)
    is found by ``mapper`` (on the workers) or in-process, and with a cache
    only for new or changed documents (guessing a title is the costly part).
    The parts are then counted in input order. A document whose part fails is
    rejected into ``rejected`` (stage ``evidence``) and counts for nothing.
    """
    from .strip.corpus import CorpusEvidence

    keys: list[str] = []
    found: dict[str, Any] = {}
    if cache is not None:
        fixed = digest("evidence", code_fingerprint())
        keys = [join_keys(fixed, memo_document_key(doc, key_memo)) for doc in docs]
        found = cache.get_many("evidence", keys)
    todo = [i for i in range(len(docs)) if not keys or keys[i] not in found]
    if progress and len(todo) < len(docs):
        progress("evidence", len(docs) - len(todo), len(docs))
    todo_docs = [docs[i] for i in todo]
    if mapper is None:
        computed = [apply_stage("evidence", doc, options or StripOptions()) for doc in todo_docs]
    else:
        computed = mapper("evidence", todo_docs, options or StripOptions(), None, progress)
    parts: list[Any] = [found.get(k) for k in keys] if keys else [None] * len(docs)
    fresh = {}
    for i, part in zip(todo, computed):
        parts[i] = part
        if keys and not isinstance(part, Rejected):
            fresh[keys[i]] = part
    if cache is not None:
        cache.put_many("evidence", fresh)
    import numpy as np

    evidence = CorpusEvidence()
    for part in parts:
        if isinstance(part, Rejected):
            if rejected is not None:
                rejected.append(part)
            continue
        site, hashes, title = part
        evidence.add_hashed(site, np.frombuffer(hashes, dtype=np.uint64).tolist(), title)
    return evidence


def _split(results: Iterable[Document | Rejected], rejected: list[Rejected]) -> list[Document]:
    kept = []
    for r in results:
        (rejected if isinstance(r, Rejected) else kept).append(r)
    return kept


def open_index(location: str | None, params: DedupParams) -> Any:
    if not location:
        return None
    from .neardup.index import open_index as _open

    return _open(location, params)


def make_mapper(options: RunOptions) -> Mapper:
    if options.engine == "dask":
        from .engines.dask import dask_mapper

        return dask_mapper(options.scheduler, options.workers)
    if options.engine != "local":
        from .errors import ConfigError

        raise ConfigError(f"unknown engine {options.engine!r} (local or dask)")
    return local_mapper(options.workers, options.time_limit)


@contextmanager
def fewer_collections() -> Iterator[None]:
    """The cyclic garbage collector rarely, for a run over a corpus held in memory.

    The documents, spans and evidence tables are millions of objects without
    cycles; each full collection walks all of them again (measured: 7 % of an
    in-process run's CPU). Restored afterwards: the caller's process keeps its own settings.
    """
    before = gc.get_threshold()
    gc.set_threshold(max(before[0], 50_000), before[1], max(before[2], 100))
    try:
        yield
    finally:
        gc.set_threshold(*before)


def run_documents(
    records: Iterable[Document | Rejected],
    options: RunOptions = RunOptions(),
    progress: Progress | None = None,
    mapper: Mapper | None = None,
) -> RunResult:
    """Run every stage after reading over in-memory records."""
    own_mapper = mapper is None
    mapper = mapper or make_mapper(options)
    cache = StageCache(options.cache) if options.cache else None
    try:
        with fewer_collections():
            return _run_stages(records, options, progress, mapper, cache)
    finally:
        if own_mapper and hasattr(mapper, "close"):
            mapper.close()
        if cache is not None:
            cache.close()


def cached_map(
    mapper: Mapper,
    stage: str,
    docs: Sequence[Document],
    options: StripOptions,
    evidence: Any,
    progress: Progress | None,
    cache: StageCache | None,
    key_memo: dict | None = None,
) -> list[Document | Rejected]:
    """``mapper`` over the documents whose result is not in ``cache`` yet.

    The key covers everything the result depends on: the document, the stage
    options, the corpus evidence that applies to this document (its digest,
    see :func:`cleaner.cache.evidence_digests`) and cleaner's code.
    """
    if cache is None:
        return mapper(stage, docs, options, evidence, progress)
    # Every document's result is cached: preparing plain text detects its language (about 0.3 ms),
    # more than its cache key costs.
    cached = list(range(len(docs)))
    picked = [docs[i] for i in cached]
    fixed = digest(stage, code_fingerprint(), options)
    doc_keys = [memo_document_key(doc, key_memo) for doc in picked]
    if evidence is None:
        evidence_keys = [""] * len(picked)
    else:
        evidence_keys = evidence_digests(picked, doc_keys, evidence, cache)
    keys: list[str | None] = [None] * len(docs)
    for i, d, e in zip(cached, doc_keys, evidence_keys):
        keys[i] = join_keys(fixed, d, e)
    found = cache.get_many(stage, [k for k in keys if k is not None])
    todo = [i for i, key in enumerate(keys) if key is None or key not in found]
    if progress and len(todo) < len(docs):
        progress(stage, len(docs) - len(todo), len(docs))
    computed = mapper(stage, [docs[i] for i in todo], options, evidence, progress)
    results: list[Document | Rejected | None] = [found.get(k) if k is not None else None for k in keys]
    fresh = {}
    for i, result in zip(todo, computed):
        results[i] = result
        # A rejection is not kept: it may depend on the moment (a time limit under load).
        if keys[i] is not None and not isinstance(result, Rejected):
            fresh[keys[i]] = result
    cache.put_many(stage, fresh)
    return results  # type: ignore[return-value]


def _run_stages(
    records: Iterable[Document | Rejected],
    options: RunOptions,
    progress: Progress | None,
    mapper: Mapper,
    cache: StageCache | None,
) -> RunResult:
    timings: dict[str, float] = {}
    rejected: list[Rejected] = []
    key_memo: dict = {}  # document keys computed once per document object (cache only)
    t0 = time.perf_counter()
    docs = _split(records, rejected)
    timings["read"] = time.perf_counter() - t0
    read_count = len(docs) + len(rejected)

    t0 = time.perf_counter()
    docs = _split(cached_map(mapper, "extract", docs, options.strip, None, progress, cache, key_memo), rejected)
    timings["extract"] = time.perf_counter() - t0

    evidence = None
    t0 = time.perf_counter()
    if options.corpus_evidence and len(docs) > 1:
        failed: list[Rejected] = []
        evidence = gather_corpus_evidence(docs, cache, key_memo, mapper, options.strip, progress, failed)
        if failed:
            rejected.extend(failed)
            dropped = {r.id for r in failed}
            docs = [d for d in docs if d.id not in dropped]
    timings["evidence"] = time.perf_counter() - t0

    t0 = time.perf_counter()
    docs = _split(cached_map(mapper, "strip", docs, options.strip, evidence, progress, cache, key_memo), rejected)
    docs.sort(key=lambda d: d.id)
    for doc in docs:
        if doc.mode == "html":
            doc.content = ""  # the raw page is not needed past extraction; spans point into source_text
    timings["strip"] = time.perf_counter() - t0

    t0 = time.perf_counter()
    if options.dedup:
        index = open_index(options.index, options.dedup_params)
        memo = cache.mapping("canonical", digest(code_fingerprint(), options.dedup_params.to_dict())) if cache else None
        signer = cached_sketcher(cache) if cache else None
        result: DedupResult = dedup_documents(docs, options.dedup_params, index=index, memo=memo, signer=signer,
                                              evidence=evidence, evidence_sites=evidence_site)
        if memo is not None:
            memo.flush()
        if signer is not None:
            signer.save()
        if index is not None:
            index.save()
    else:
        result = singletons(docs)
    rejected.extend(result.rejected)
    if progress:
        progress("dedup", len(docs), len(docs))
    timings["dedup"] = time.perf_counter() - t0

    removed = Counter(span.kind for d in docs for span in d.removed)
    manifest = build_manifest(
        options,
        counts={
            "inputs": read_count,
            "documents": len(docs),
            "rejected": len(rejected),
            "rejected_by_stage": dict(sorted(Counter(r.stage for r in rejected).items())),
            "html_documents": sum(1 for d in docs if d.mode == "html"),
            "records": len(result.canonicals),
            "clusters_with_copies": sum(1 for c in result.clusters if c.size > 1),
            "largest_cluster": max((c.size for c in result.clusters), default=0),
            "removed_spans_by_kind": dict(sorted(removed.items())),
        },
        dedup_stats=result.stats,
        timings=timings,
    )
    return RunResult(
        canonicals=sorted(result.canonicals, key=lambda c: c.id),
        clusters=sorted(result.clusters, key=lambda c: c.id),
        rejected=sorted(rejected, key=lambda r: (r.id, r.stage)),
        documents=docs,
        manifest=manifest,
    )


def run_paths(
    inputs: Sequence[str | os.PathLike[str]],
    out: str | os.PathLike[str] | None,
    options: RunOptions = RunOptions(),
    progress: Progress | None = None,
) -> RunResult:
    """Read ``inputs``, run every stage and (when ``out`` is given) write the output folder.

    With an output folder, no index, no stage cache and ``--keep canonical``
    (:func:`streams`), the run streams (:mod:`cleaner.stream`:
    bounded memory, resumable); its result then holds the rejections and the
    manifest, not the records (they are in the files).
    """
    if out is not None and streams(options):
        from .stream import run_streaming

        return run_streaming(inputs, out, options, progress, work=options.work)
    report = ReadReport()
    mapper = make_mapper(options)  # before reading: an unreachable Dask scheduler is named before any work
    try:
        t0 = time.perf_counter()
        with fewer_collections():
            records = list(iter_documents(inputs, options.read, report))
        read_time = time.perf_counter() - t0
        result = run_documents(records, options, progress, mapper=mapper)
    finally:
        if hasattr(mapper, "close"):
            mapper.close()
    result.manifest["timings_s"]["read"] = round(read_time, 4)
    result.manifest["inputs"] = {
        "paths": [os.fspath(p) for p in inputs],
        "files": dict(sorted(report.files.items())),
        "ignored_files": sorted(report.ignored),
    }
    if out is not None:
        result.written = write_outputs(
            Path(out), result.canonicals, result.clusters, result.rejected, result.manifest, options.formats,
            extra=report_writer(options, lambda: result.documents),
            documents=result.documents if options.keep == "all" else None,
        )
        if options.report:
            result.written["report"] = str(Path(out) / "report.html")
    return result


def streams(options: RunOptions) -> bool:
    """Whether a run with an output folder takes the streaming path (:mod:`cleaner.stream`), with
    de-duplication or without (the streaming driver calls the steps of
    :func:`cleaner.neardup.dedup_documents`: same bytes).

    Held in memory instead: a run with an index or a stage cache (they hold the run's documents and
    signatures in memory), and ``--keep all`` (the streaming assembly writes canonical rows only).
    """
    return options.streaming and options.index is None and options.cache is None and options.keep != "all"


def report_writer(options: RunOptions, documents: Callable[[], Iterable[Document]]) -> Callable[[Path], None] | None:
    """``write_outputs(extra=...)``: the report written into the staging folder, so that it is
    committed with the rest of the set (``documents()``: the run's cleaned documents, streamed once)."""
    if not options.report:
        return None

    def write(folder: Path) -> None:
        from .report import write_report

        write_report(folder, documents())

    return write


# -- manifest -----------------------------------------------------------------

def _version(name: str) -> str | None:
    try:
        return importlib_metadata.version(name)
    except importlib_metadata.PackageNotFoundError:
        return None


def _plain(value: Any) -> Any:
    if is_dataclass(value) and not isinstance(value, type):
        return {k: _plain(v) for k, v in asdict(value).items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    return value


def build_manifest(options: RunOptions, counts: dict, dedup_stats: dict, timings: dict[str, float]) -> dict[str, Any]:
    from . import __version__
    from .strip.text import CORE

    params = _plain(options)
    params["read"] = options.read.for_manifest()
    params["dedup_params"] = options.dedup_params.to_dict()
    return {
        "cleaner": __version__,
        "versions": {
            "python": platform.python_version(),
            "trafilatura": _version("trafilatura"),
            "datasketch": _version("datasketch"),
            "selectolax": _version("selectolax"),
            "numpy": _version("numpy"),
            "xxhash": _version("xxhash"),
            "text_core": CORE,  # the compiled or the pure-Python strip core (same results)
        },
        "parameters": params,
        "counts": counts,
        "dedup": _plain(dedup_stats),
        "timings_s": {k: round(v, 4) for k, v in timings.items()},
    }
