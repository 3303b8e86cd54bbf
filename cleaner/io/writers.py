"""Writers: deterministic, atomic output files.

Same input gives byte-identical ``documents.jsonl`` and ``clusters.jsonl``:
records are sorted by id, keys keep a fixed order, no clocks go into records,
every file ends with exactly one newline, and each file is written to a
temporary name in the same folder and renamed into place, so a reader never
sees half a file and an interrupted run leaves the old output intact.
"""
from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any, Literal

from ..records import Canonical, Cluster, Rejected

OutputFormat = Literal["jsonl", "txt", "parquet"]

DOCUMENTS = "documents.jsonl"
CLUSTERS = "clusters.jsonl"
REJECTED = "rejected.jsonl"
MANIFEST = "manifest.json"


def atomic_write(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` via a temporary file and a rename."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise


def jsonl_bytes(records: Iterable[dict[str, Any]]) -> bytes:
    """One compact JSON object per line; an empty file for no records."""
    lines = [json.dumps(r, ensure_ascii=False, separators=(", ", ": ")) for r in records]
    return ("\n".join(lines) + "\n").encode("utf-8") if lines else b""


def cluster_rows(clusters: Sequence[Cluster]) -> list[dict[str, Any]]:
    """``clusters.jsonl``: one line per input document, sorted by id."""
    rows = [
        {"id": m.id, "cluster": c.id, "canonical_id": c.canonical_id, "similarity": round(m.similarity, 4)}
        for c in clusters
        for m in c.members
    ]
    return sorted(rows, key=lambda r: r["id"])


def document_rows(canonicals: Sequence[Canonical]) -> list[dict[str, Any]]:
    return [c.to_dict() for c in sorted(canonicals, key=lambda c: c.id)]


def rejected_rows(rejected: Sequence[Rejected]) -> list[dict[str, Any]]:
    return [r.to_dict() for r in sorted(rejected, key=lambda r: (r.id, r.stage, r.reason))]


def readable_text(record: dict[str, Any]) -> str:
    """The ``--format txt`` file of one story: title, blank line, text."""
    title = record.get("title")
    body = record["text"].rstrip("\n")
    return (f"{title}\n\n{body}\n" if title else f"{body}\n")


def _parquet_bytes(rows: list[dict[str, Any]]) -> bytes:
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError as exc:
        from ..errors import ConfigError

        raise ConfigError("--format parquet needs pyarrow: pip install 'cleaner[parquet]'") from exc
    import io

    # Nested fields whose keys vary from record to record (removed counts,
    # metadata) go in as JSON strings so every row has one schema.
    flat = [
        {k: (json.dumps(v, ensure_ascii=False, sort_keys=True) if isinstance(v, (dict, list)) else v) for k, v in row.items()}
        for row in rows
    ]
    buffer = io.BytesIO()
    pq.write_table(pa.Table.from_pylist(flat), buffer)
    return buffer.getvalue()


def write_outputs(
    out: Path,
    canonicals: Sequence[Canonical],
    clusters: Sequence[Cluster],
    rejected: Sequence[Rejected],
    manifest: dict[str, Any],
    formats: Sequence[OutputFormat] = ("jsonl",),
) -> dict[str, str]:
    """Write the output folder; returns {file kind: path} of what was written.

    ``jsonl`` (the default contract) writes documents/clusters/rejected JSONL;
    ``parquet`` writes the same tables as Parquet *instead of* JSONL; ``txt``
    adds one readable ``txt/<id>.txt`` per story. The manifest is always JSON.
    """
    out.mkdir(parents=True, exist_ok=True)
    docs, rows, rejects = document_rows(canonicals), cluster_rows(clusters), rejected_rows(rejected)
    written: dict[str, str] = {}
    tables = {"documents": docs, "clusters": rows, "rejected": rejects}
    if "parquet" in formats:
        for name, table in tables.items():
            path = out / f"{name}.parquet"
            atomic_write(path, _parquet_bytes(table))
            written[name] = str(path)
    else:
        for name, table in tables.items():
            path = out / f"{name}.jsonl"
            atomic_write(path, jsonl_bytes(table))
            written[name] = str(path)
    if "txt" in formats:
        txt_dir = out / "txt"
        wanted = set()
        for record in docs:
            path = txt_dir / f"{record['id']}.txt"
            wanted.add(path)
            atomic_write(path, readable_text(record).encode("utf-8"))
        if txt_dir.exists():  # a story that is gone must not leave its old file behind
            for stale in txt_dir.rglob("*.txt"):
                if stale not in wanted:
                    stale.unlink()
        written["txt"] = str(txt_dir)
    manifest_path = out / MANIFEST
    atomic_write(manifest_path, (json.dumps(manifest, ensure_ascii=False, indent=2, sort_keys=False) + "\n").encode("utf-8"))
    written["manifest"] = str(manifest_path)
    return written
