"""Dask engine: the per-document stages on a ``dask.distributed`` cluster.

For a corpus that outgrows one machine. The driver cuts the documents into
ordered chunks and submits each to the cluster as a call of
:func:`cleaner.pipeline.apply_stage` (the same function the local pool runs);
the corpus evidence is gathered on the driver between the two passes and
scattered once to every worker. Near-duplicate clustering then runs on the
driver over the cleaned documents, as in a local run, so the output is
byte-identical to a local run's.
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ..records import Document, Rejected


def _apply_chunk(docs: list[Document], stage: str, options: Any, evidence: Any) -> list[Document | Rejected]:
    from ..pipeline import apply_stage

    return [apply_stage(stage, doc, options, evidence) for doc in docs]


class DaskMapper:
    """A pipeline mapper that runs stages on ``scheduler`` (or a LocalCluster it starts)."""

    def __init__(self, scheduler: str | None, workers: int, chunk_size: int = 64) -> None:
        try:
            from distributed import Client, LocalCluster
        except ImportError as exc:  # pragma: no cover - depends on the extra
            from ..errors import ConfigError

            raise ConfigError("the dask engine needs dask[distributed]: pip install 'cleaner[dask]'") from exc
        self._cluster = None
        if scheduler:
            self._client = Client(scheduler)
        else:
            self._cluster = LocalCluster(
                n_workers=max(1, workers), threads_per_worker=1, processes=True, dashboard_address=None
            )
            self._client = Client(self._cluster)
        self.chunk_size = chunk_size

    def __call__(self, stage: str, docs: Sequence[Document], options: Any, evidence: Any, progress: Any) -> list[Document | Rejected]:
        if not docs:
            return []
        chunks = [list(docs[i : i + self.chunk_size]) for i in range(0, len(docs), self.chunk_size)]
        shared = self._client.scatter(evidence, broadcast=True) if evidence is not None else None
        futures = self._client.map(_apply_chunk, chunks, stage=stage, options=options, evidence=shared, pure=False)
        results: list[Document | Rejected] = []
        for chunk, future in zip(chunks, futures):  # gathered in submission order: output order = input order
            results.extend(future.result())
            if progress:
                progress(stage, len(chunk), len(docs))
        return results

    def close(self) -> None:
        self._client.close()
        if self._cluster is not None:
            self._cluster.close()


def dask_mapper(scheduler: str | None, workers: int) -> DaskMapper:
    return DaskMapper(scheduler, workers)
