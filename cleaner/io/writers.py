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

from ..records import Canonical, Cluster, Document, Rejected
from .formats import INPUTS, TXT_NAMES_RULE, annotated_rows, parquet_bytes, split_input_hashes, txt_files

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


def render_outputs(
    canonicals: Sequence[Canonical],
    clusters: Sequence[Cluster],
    rejected: Sequence[Rejected],
    manifest: dict[str, Any],
    formats: Sequence[OutputFormat] = ("jsonl",),
    documents: Sequence[Document] | None = None,
) -> dict[str, bytes]:
    """Every output file's bytes, by path relative to the output folder.

    ``jsonl`` (the default contract) gives documents/clusters/rejected JSONL;
    ``parquet`` gives the same tables as Parquet (instead of JSONL, or beside it when
    ``jsonl`` is asked for too; schema: :mod:`cleaner.io.formats`); ``txt`` adds one
    readable file per story (names: :func:`cleaner.io.formats.txt_file_name`). With
    ``documents`` (``--keep all``) documents.* holds every input, annotated. The
    manifest is always JSON; the per-file input hashes go to ``inputs.jsonl``.
    """
    docs = annotated_rows(canonicals, documents) if documents is not None else document_rows(canonicals)
    rows, rejects = cluster_rows(clusters), rejected_rows(rejected)
    files: dict[str, bytes] = {}
    tables = {"documents": docs, "clusters": rows, "rejected": rejects}
    for name, table in tables.items():
        if "parquet" in formats:
            files[f"{name}.parquet"] = parquet_bytes(name, table)
        if "jsonl" in formats or "parquet" not in formats:
            files[f"{name}.jsonl"] = jsonl_bytes(table)
    if "txt" in formats:
        files.update(txt_files(docs, readable_text))
        manifest = {**manifest, "txt_names": TXT_NAMES_RULE}
    manifest, inputs = split_input_hashes(manifest)
    if inputs is not None:
        files[INPUTS] = inputs
    files[MANIFEST] = (json.dumps(manifest, ensure_ascii=False, indent=2) + "\n").encode("utf-8")
    return files


def stale_files(out: Path, files: dict[str, bytes]) -> list[str]:
    """Output files of ours in ``out`` that ``files`` no longer has (a story gone, a format dropped)."""
    ours = [f"{name}.{ext}" for name in ("documents", "clusters", "rejected") for ext in ("jsonl", "parquet")] + [INPUTS]
    found = [name for name in ours if (out / name).is_file()]
    txt_dir = out / "txt"
    if txt_dir.is_dir():
        found += [p.relative_to(out).as_posix() for p in txt_dir.rglob("*.txt") if p.is_file()]  # a folder may end in .txt
    return sorted(name for name in found if name not in files)


def write_outputs(
    out: Path,
    canonicals: Sequence[Canonical],
    clusters: Sequence[Cluster],
    rejected: Sequence[Rejected],
    manifest: dict[str, Any],
    formats: Sequence[OutputFormat] = ("jsonl",),
    documents: Sequence[Document] | None = None,
) -> dict[str, str]:
    """Write the output folder (see :func:`render_outputs`); returns {file kind: path}.

    Files of ours that the run no longer produces are removed, so the folder
    always matches the inputs.
    """
    files = render_outputs(canonicals, clusters, rejected, manifest, formats, documents)
    return apply_outputs(out, files)[0]


def apply_outputs(out: Path, files: dict[str, bytes], dry_run: bool = False) -> tuple[dict[str, str], list[str]]:
    """Bring ``out`` in line with ``files``: write what differs, delete what is stale.

    Returns ({file kind: path}, [relative paths changed or deleted]). With
    ``dry_run`` nothing is touched and the list says what would change.
    """
    changed: list[str] = []
    for rel, data in files.items():
        path = out / rel
        if not (path.is_file() and path.read_bytes() == data):
            changed.append(rel)
            if not dry_run:
                atomic_write(path, data)
    for rel in stale_files(out, files):
        changed.append(rel)
        if not dry_run:
            (out / rel).unlink()
            parent = (out / rel).parent
            while parent != out and parent.is_dir() and not any(parent.iterdir()):
                parent.rmdir()  # a folder of txt files whose stories are all gone goes too
                parent = parent.parent
    written: dict[str, str] = {}
    for rel in files:
        kind = "txt" if rel.startswith("txt/") else rel.split(".")[0]
        written[kind] = str(out / "txt") if kind == "txt" else str(out / rel)
    return written, sorted(changed)
