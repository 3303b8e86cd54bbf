"""Dask engine: the streaming run's steps on a ``dask.distributed`` cluster.

The driver (this process) never holds documents. It cuts the inputs into
partitions (byte ranges of JSONL files on line boundaries, groups of other
files) and submits the same steps a local run uses (:mod:`cleaner.steps`):

* each worker reads its own partitions, extracts, and counts its evidence;
* the evidence is merged by a tree reduction of merge tasks on the workers
  (:class:`cleaner.steps.TreeReducer`, the same tree a local run uses);
* workers strip and sign their shards, and place the sketches in founding
  order into memory-mapped files of the work folder;
* workers compute the LSH band keys of their shards and cut them by bucket
  into parts (a shuffle through the work folder); one task per part pairs
  the members of its buckets; ranges of candidate pairs are verified on the
  workers, which return only the edges; the canonical copy of every
  component is chosen there;
* connected components with the chaining guard run on the driver over the
  edge list (memory O(edges) plus a few numbers per document);
* canonical records are assembled on the workers as output parts, which the
  driver concatenates (and merges in id order) into the same files as a
  local run.

These are the steps of :mod:`cleaner.steps`, called by :func:`cleaner.stream.deduplicate`
as for the local pool.

Workers and driver share the work folder, so they must see one file system
(one machine, or a shared mount). The scheduler is checked before any work
starts: its address reachable, a Dask scheduler answering there, a worker
connected to it (:func:`check_scheduler`).
"""
from __future__ import annotations

import asyncio
import socket
import time
from collections.abc import Iterator, Sequence
from typing import Any
from urllib.parse import urlsplit

from ..errors import ConfigError

CONNECT_TIMEOUT = 5.0
WORKER_WAIT = 30.0  # seconds a scheduler may take to have its first worker


def check_scheduler(address: str, timeout: float = CONNECT_TIMEOUT, worker_wait: float | None = None) -> None:
    """Raise a ConfigError naming ``address`` unless a Dask scheduler answers there: a TCP
    connection opens within ``timeout``, the scheduler answers a Dask handshake within
    ``timeout`` (a port of another service would leave the client waiting for ever), and it has a
    worker within ``worker_wait`` seconds (default ``WORKER_WAIT``; the run's tasks would wait for
    ever otherwise)."""
    text = address if "://" in address else f"tcp://{address}"
    parts = urlsplit(text)
    if parts.scheme not in ("tcp", "tls", "ws", "wss") or not parts.hostname:
        raise ConfigError(f"Dask scheduler address {address!r} is not of the form tcp://HOST:PORT")
    try:
        port = parts.port or 8786
    except ValueError as exc:
        raise ConfigError(f"Dask scheduler address {address!r}: {exc}") from exc
    try:
        with socket.create_connection((parts.hostname, port), timeout=timeout):
            pass
    except OSError as exc:
        raise ConfigError(f"cannot reach the Dask scheduler at {address}: {exc.strerror or exc}") from exc
    if parts.scheme != "tcp":
        return  # tls/ws need the client's security settings: the client checks those itself
    deadline = time.monotonic() + (WORKER_WAIT if worker_wait is None else worker_wait)
    while True:
        try:
            who = _identity(f"tcp://{parts.hostname}:{port}", timeout)
        except (OSError, asyncio.TimeoutError, ValueError, TypeError) as exc:
            raise ConfigError(f"no Dask scheduler answers at {address} (is it another service?): "
                              f"{type(exc).__name__} {exc}".rstrip()) from exc
        if not isinstance(who, dict) or who.get("type") != "Scheduler":
            kind = who.get("type") if isinstance(who, dict) else type(who).__name__
            raise ConfigError(f"{address} is not a Dask scheduler (it says it is a {kind})")
        if who.get("n_workers", len(who.get("workers") or ())):
            return
        if time.monotonic() >= deadline:
            raise ConfigError(f"the Dask scheduler at {address} has no workers (start some: dask worker {address})")
        time.sleep(0.5)


def _identity(address: str, timeout: float) -> Any:
    """The scheduler's answer to ``identity``, asked from an event loop of its own (in a thread:
    the caller may be inside one), every step within ``timeout`` seconds."""
    from concurrent.futures import ThreadPoolExecutor

    from distributed.comm import connect

    async def ask() -> Any:
        comm = await asyncio.wait_for(connect(address, timeout=timeout), timeout)
        try:
            await asyncio.wait_for(comm.write({"op": "identity", "reply": True}), timeout)
            return await asyncio.wait_for(comm.read(), timeout)
        finally:
            comm.abort()

    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, ask()).result()


def _call(fn, *args):
    return fn(*args, skip={}, tick=_no_tick)


def _no_tick() -> None:
    return None


class DaskDriver:
    """Runs the steps of a streaming run as Dask tasks (see the module doc)."""

    reads_partitions = True

    def __init__(self, scheduler: str | None, workers: int) -> None:
        try:
            from distributed import Client, LocalCluster
        except ImportError as exc:  # pragma: no cover - depends on the extra
            raise ConfigError("the dask engine needs dask[distributed]: pip install 'cleaner[dask]'") from exc
        self._cluster = None
        if scheduler:
            check_scheduler(scheduler)
            try:
                self.client = Client(scheduler, timeout=f"{CONNECT_TIMEOUT * 2:g}s")
            except OSError as exc:
                raise ConfigError(f"cannot connect to the Dask scheduler at {scheduler}: {exc}") from exc
        else:
            self._cluster = LocalCluster(n_workers=max(1, workers), threads_per_worker=1, processes=True,
                                         dashboard_address=None)
            self.client = Client(self._cluster)
        self._nodes = 0

    def slots(self) -> int:
        return max(1, sum(self.client.nthreads().values()))

    def map(self, tasks, time_limit: float | None = None) -> Iterator[tuple[Any, Any]]:
        """``(key, result)`` of ``(key, step, args)`` tasks as they finish; a bounded number in flight,
        so the driver never materialises every task's arguments at once."""
        from distributed import as_completed

        source = iter(tasks)
        pending = as_completed()
        keys: dict[str, Any] = {}
        ahead = 2 * self.slots() + 2

        def submit_next() -> bool:
            try:
                key, fn, args = next(source)
            except StopIteration:
                return False
            future = self.client.submit(_call, fn, *args, pure=False)
            keys[future.key] = key
            pending.add(future)
            return True

        while len(keys) < ahead and submit_next():
            pass
        for future in pending:
            result = future.result()
            key = keys.pop(future.key)
            future.release()
            submit_next()
            yield key, result

    def reduce_evidence(self, parts: Sequence[str], out: str, scratch: str) -> None:
        """A tree reduction of merge tasks on the workers (leaves: the shards' evidence files)."""
        from ..steps import TreeReducer, merge_evidence_files

        def merge(left: Any, right: Any) -> Any:
            self._nodes += 1
            return self.client.submit(merge_evidence_files, left, right, f"{scratch}-{self._nodes:06d}.json", pure=False)

        reducer = TreeReducer(merge)
        for part in parts:
            reducer.add(part)
        root = reducer.result()
        if root is None:
            from ..steps import save_evidence
            from ..strip.corpus import CorpusEvidence

            save_evidence(__import__("pathlib").Path(out), CorpusEvidence())
            return
        from ..steps import prune_evidence_file

        self.client.submit(prune_evidence_file, root, out, pure=False).result()

    def close(self) -> None:
        self.client.close()
        if self._cluster is not None:
            self._cluster.close()

    kill = close


def dask_driver(scheduler: str | None, workers: int) -> DaskDriver:
    return DaskDriver(scheduler, workers)


def _apply_chunk(docs: list, stage: str, options: Any, evidence: Any) -> list:
    from ..pipeline import apply_stage

    return [apply_stage(stage, doc, options, evidence) for doc in docs]


class DaskMapper:
    """The in-memory pipeline's mapper (runs with ``--index`` or ``--cache``): a stage over chunks
    of documents on the cluster, gathered in submission order."""

    def __init__(self, scheduler: str | None, workers: int, chunk_size: int = 64) -> None:
        self.driver = DaskDriver(scheduler, workers)
        self.chunk_size = chunk_size

    def __call__(self, stage: str, docs: Sequence[Any], options: Any, evidence: Any, progress: Any) -> list:
        if not docs:
            return []
        client = self.driver.client
        chunks = [list(docs[i : i + self.chunk_size]) for i in range(0, len(docs), self.chunk_size)]
        shared = client.scatter(evidence, broadcast=True) if evidence is not None else None
        futures = client.map(_apply_chunk, chunks, stage=stage, options=options, evidence=shared, pure=False)
        results: list = []
        for chunk, future in zip(chunks, futures):
            results.extend(future.result())
            if progress:
                progress(stage, len(chunk), len(docs))
        return results

    def close(self) -> None:
        self.driver.close()


def dask_mapper(scheduler: str | None, workers: int) -> DaskMapper:
    return DaskMapper(scheduler, workers)
