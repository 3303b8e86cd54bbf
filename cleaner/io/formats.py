"""What the output files hold beyond JSONL: the Parquet schema, ``--format txt`` file names,
``--keep all`` rows, and the per-file input hashes (``inputs.jsonl``).

**Parquet.** Every run writes the same explicit Arrow schema (:data:`SCHEMAS`), whatever
its records hold: a field no record has is a typed null column, an empty table still has
every column, and nested fields are Arrow structs and lists, not JSON strings, so the files
of two runs load together (pyarrow datasets, duckdb globs, Hugging Face ``datasets``). Two
fields whose keys vary from record to record are lists of key/value structs, the form every
Parquet reader understands (Hugging Face ``datasets`` has no Arrow map type):
``provenance[].removed`` and ``.removed_chars`` are ``[{kind, count}]``, and ``metadata`` (any fields of the input
record cleaner does not know) is ``[{key, value}]`` with ``value`` the JSON text of the value.

**txt names.** ``--format txt`` writes ``txt/<name>.txt`` per story, where ``<name>`` comes
from the id by :func:`txt_file_name`: the id's ``/``-separated parts are kept as folders
(at most 8; deeper parts are joined with ``_``), each part's characters other than letters,
digits, ``.``, ``_`` and ``-`` become ``_`` (``.``/``..`` parts too), each part is cut to 100
characters, and the file name ends with ``-`` and the first 16 hex digits of the sha256 of
the id. So names are one-to-one with ids (two ids never share a file, and a file never
shares its name with a folder: only file names end in the hash and ``.txt``), fit every file
system's limits, and say which story they hold. The manifest's ``txt_names`` repeats this rule.
"""
from __future__ import annotations

import hashlib
import io
import json
import re
from collections.abc import Iterable, Sequence
from typing import Any

from ..records import Canonical, Document

SCHEMA_VERSION = 1

# -- txt names --------------------------------------------------------------

_UNSAFE = re.compile(r"[^\w.\-]", re.ASCII)
_MAX_PART = 100
_MAX_FOLDERS = 8
_HASH_DIGITS = 16
TXT_NAMES_RULE = (
    "txt/<id parts as folders (at most 8), each character but ASCII letters, digits, '.', '_', '-' as '_', "
    "each part at most 100 characters>-<first 16 hex digits of sha256(id)>.txt; one file per id, one id per file"
)


def _part(text: str) -> str:
    part = _UNSAFE.sub("_", text)[:_MAX_PART]
    return "_" if part in ("", ".", "..") else part


def txt_file_name(doc_id: str) -> str:
    """The path under ``txt/`` of a story's file (see the module docstring): injective, bounded."""
    digest = hashlib.sha256(doc_id.encode("utf-8", "surrogatepass")).hexdigest()[:_HASH_DIGITS]
    parts = [p for p in doc_id.replace("\\", "/").split("/") if p] or [""]
    if len(parts) > _MAX_FOLDERS + 1:
        parts = parts[:_MAX_FOLDERS] + ["_".join(parts[_MAX_FOLDERS:])]
    folders = [_part(p) for p in parts[:-1]]
    return "/".join([*folders, f"{_part(parts[-1])}-{digest}.txt"])


def txt_files(records: Iterable[dict[str, Any]], readable: Any) -> dict[str, bytes]:
    """``{"txt/<name>": bytes}`` for document rows; a 64-bit hash clash (never seen) is an error, not an overwrite."""
    files: dict[str, bytes] = {}
    owners: dict[str, str] = {}
    for record in records:
        name = "txt/" + txt_file_name(record["id"])
        if name in owners and owners[name] != record["id"]:
            raise ValueError(f"txt file name clash between ids {owners[name]!r} and {record['id']!r}")
        owners[name] = record["id"]
        files[name] = readable(record).encode("utf-8", "surrogatepass")
    return files


# -- keep all: every input, annotated -----------------------------------------

def annotated_rows(canonicals: Sequence[Canonical], documents: Sequence[Document]) -> list[dict[str, Any]]:
    """``--keep all``: one row per input document, sorted by id. The canonical copy's row is its
    ``documents.jsonl`` record; every row adds ``canonical_id``, ``similarity`` (to the canonical
    copy) and ``duplicate`` (true for every copy but the canonical one), so a user chooses what to drop.
    Copies carry their own cleaned text, title, spans and attribution; ``members`` and
    ``provenance`` are on the canonical row only (empty lists on the others)."""
    by_id = {d.id: d for d in documents}
    rows: list[dict[str, Any]] = []
    for canonical in canonicals:
        cluster = canonical.cluster
        for member in cluster.members:
            if member.id == canonical.id:
                row = canonical.to_dict()
            else:
                doc = by_id.get(member.id)
                if doc is None:  # a member from an earlier run's index: not an input of this run
                    continue
                row = Canonical(
                    id=doc.id, title=doc.title, text=doc.text or "", cluster=cluster, document=doc,
                    attribution=doc.attribution, removed=list(doc.removed),
                ).to_dict()
                row["members"], row["provenance"] = [], []
            row["canonical_id"] = canonical.id
            row["similarity"] = round(member.similarity, 4)
            row["duplicate"] = member.id != canonical.id
            rows.append(row)
    return sorted(rows, key=lambda r: r["id"])


def output_rows(result: Any, keep: str = "canonical") -> list[dict[str, Any]]:
    """The rows of ``documents.jsonl`` for a run's result."""
    if keep == "all":
        return annotated_rows(result.canonicals, result.documents)
    return [c.to_dict() for c in sorted(result.canonicals, key=lambda c: c.id)]


# -- inputs.jsonl ---------------------------------------------------------------

INPUTS = "inputs.jsonl"


def split_input_hashes(manifest: dict[str, Any]) -> tuple[dict[str, Any], bytes | None]:
    """The manifest without its per-file hashes, and ``inputs.jsonl`` (``{"path", "sha256"}`` per
    input file, sorted by path) holding them; the manifest names the file, its line count and sha256."""
    inputs = manifest.get("inputs")
    if not isinstance(inputs, dict) or not isinstance(inputs.get("files"), dict):
        return manifest, None
    lines = [json.dumps({"path": p, "sha256": h}, ensure_ascii=False) for p, h in sorted(inputs["files"].items())]
    data = ("\n".join(lines) + "\n").encode("utf-8") if lines else b""
    small = {**manifest, "inputs": {**inputs, "files": {"file": INPUTS, "count": len(lines), "sha256": hashlib.sha256(data).hexdigest()}}}
    return small, data


# -- Parquet ------------------------------------------------------------------

def _pa() -> Any:
    try:
        import pyarrow as pa
    except ImportError as exc:
        from ..errors import ConfigError

        raise ConfigError("--format parquet needs pyarrow: pip install 'cleaner[parquet]'") from exc
    return pa


def schemas() -> dict[str, Any]:
    """The Arrow schema of each Parquet file (``documents``, ``clusters``, ``rejected``)."""
    pa = _pa()
    string, int64, float64 = pa.string(), pa.int64(), pa.float64()
    strings = pa.list_(string)
    span = pa.struct([("start", int64), ("end", int64), ("kind", string), ("reason", string)])
    counts = pa.list_(pa.struct([("kind", string), ("count", int64)]))
    member = pa.struct([("id", string), ("site", string), ("url", string), ("similarity", float64), ("removed", counts),
                        ("removed_chars", counts), ("chars", int64)])
    documents = pa.schema([
        ("id", string), ("title", string), ("text", string), ("url", string), ("date", string),
        ("language", string), ("site", string), ("author", string), ("mode", string),
        ("attribution", pa.struct([("original_publisher", string), ("republished_by", strings), ("notices", strings)])),
        ("cluster", pa.struct([("id", string), ("size", int64), ("reason", string)])),
        ("members", strings),
        ("provenance", pa.list_(member)),
        ("removed", pa.list_(span)),
        ("restored", pa.list_(span)),  # null when cross-site agreement put nothing back
        ("origin", pa.struct([("path", string), ("line", int64), ("sha256", string)])),
        ("standfirst", string),
        ("notes", strings),
        ("metadata", pa.list_(pa.struct([("key", string), ("value", string)]))),
        # --keep all only (null otherwise)
        ("canonical_id", string), ("similarity", float64), ("duplicate", pa.bool_()),
    ], metadata={"cleaner.schema_version": str(SCHEMA_VERSION)})
    clusters = pa.schema([("id", string), ("cluster", string), ("canonical_id", string), ("similarity", float64)],
                         metadata={"cleaner.schema_version": str(SCHEMA_VERSION)})
    rejected = pa.schema([("id", string), ("stage", string), ("reason", string), ("path", string), ("line", int64)],
                         metadata={"cleaner.schema_version": str(SCHEMA_VERSION)})
    return {"documents": documents, "clusters": clusters, "rejected": rejected}


_COUNT_FIELDS = ("removed", "removed_chars")  # per-member {kind: n} maps, stored as [{kind, count}] lists


def _kind_counts(counts: dict[str, int]) -> list[dict[str, Any]]:
    return [{"kind": k, "count": n} for k, n in sorted(counts.items())]


def _arrow_row(kind: str, row: dict[str, Any]) -> dict[str, Any]:
    if kind != "documents":
        return row
    out = dict(row)
    out["provenance"] = [{**m, **{name: _kind_counts(m.get(name, {})) for name in _COUNT_FIELDS}}
                         for m in row.get("provenance", [])]
    if "metadata" in row:
        out["metadata"] = [{"key": str(k), "value": json.dumps(v, ensure_ascii=False, sort_keys=True, default=str)}
                           for k, v in sorted(row["metadata"].items())]
    return out


class ParquetTable:
    """One output table written as Parquet to ``handle`` a row at a time, in the fixed schema of
    ``kind``: rows are buffered ``batch`` at a time (one row group each), so memory does not grow
    with the table. An empty table is the schema and no row group (a 0-row group breaks Hugging
    Face datasets)."""

    def __init__(self, kind: str, handle: Any, batch: int = 10_000) -> None:
        self.kind, self.handle, self.batch = kind, handle, batch
        self.rows: list[dict[str, Any]] = []
        self.writer: Any = None

    def __enter__(self) -> ParquetTable:
        import pyarrow.parquet as pq

        self.pa = _pa()
        self.schema = schemas()[self.kind]
        self.writer = pq.ParquetWriter(self.handle, self.schema)
        return self

    def add(self, row: dict[str, Any]) -> None:
        self.rows.append(_arrow_row(self.kind, row))
        if len(self.rows) >= self.batch:
            self._flush()

    def _flush(self) -> None:
        if self.rows:
            self.writer.write_table(self.pa.Table.from_pylist(self.rows, schema=self.schema))
            self.rows = []

    def __exit__(self, kind: Any, value: Any, trace: Any) -> None:
        if kind is None:
            self._flush()
        self.writer.close()


def parquet_bytes(kind: str, rows: Sequence[dict[str, Any]]) -> bytes:
    """One output table as Parquet bytes, in the fixed schema of ``kind`` (rows as the JSONL writer makes them)."""
    buffer = io.BytesIO()
    with ParquetTable(kind, buffer) as table:
        for row in rows:
            table.add(row)
    return buffer.getvalue()


def rows_from_parquet(kind: str, table: Any) -> list[dict[str, Any]]:
    """The JSONL rows back from a table of :func:`parquet_bytes` (the round trip tests use it)."""
    rows = []
    for row in table.to_pylist():
        if kind == "documents":
            row["provenance"] = [{**m, **{name: {c["kind"]: c["count"] for c in m[name] or ()} for name in _COUNT_FIELDS}}
                                 for m in row["provenance"]]
            if row.get("metadata") is not None:
                row["metadata"] = {kv["key"]: json.loads(kv["value"]) for kv in row["metadata"]}
        rows.append({k: v for k, v in row.items() if v is not None})
    return rows
