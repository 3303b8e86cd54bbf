"""Writers: deterministic output files, streamed, and committed as one set.

Same input gives byte-identical ``documents.jsonl`` and ``clusters.jsonl``:
records are sorted by id, keys keep a fixed order, no clocks go into records,
and every file ends with exactly one newline.

:func:`write_outputs` is the one function that writes a run's files. It takes
the tables as iterables (rows in id order for a streaming run, or the
in-memory records, which it sorts) and writes them one line at a time into a
*staging* folder beside the output folder; only when every file is complete
is the staging folder swapped with the output folder in one step
(``renameat2(RENAME_EXCHANGE)`` on Linux; elsewhere two renames, with the
earlier set restored by the next run if it was killed in between). So a
reader never sees a mix of two runs' files, and an interrupted run leaves the
earlier output intact. Files in the output folder that are not ours are kept;
stale staging folders and temporaries are removed. Files get the mode the
umask gives, or the mode of the file they replace.
"""
from __future__ import annotations

import json
import os
import shutil
import sys
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any, Literal

from ..records import Canonical, Cluster, Rejected

OutputFormat = Literal["jsonl", "txt", "parquet"]

DOCUMENTS = "documents.jsonl"
CLUSTERS = "clusters.jsonl"
REJECTED = "rejected.jsonl"
MANIFEST = "manifest.json"


def _create(path: Path, mode: int | None = None):
    """A new file for writing, with the umask's mode (``open``'s 0o666 & ~umask) or ``mode``."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    if mode is not None:
        os.fchmod(fd, mode)
    return os.fdopen(fd, "wb")


def atomic_write(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` via a temporary file and a rename (keeping the earlier file's mode)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{os.urandom(4).hex()}.tmp")
    try:
        mode = path.stat().st_mode & 0o7777 if path.is_file() else None
        with _create(tmp, mode) as handle:
            handle.write(data)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise


def encode_row(row: dict[str, Any]) -> bytes:
    """One output line (without its newline): compact JSON, keys in the record's order."""
    return json.dumps(row, ensure_ascii=False, separators=(", ", ": ")).encode("utf-8")


def jsonl_bytes(records: Iterable[dict[str, Any]]) -> bytes:
    """One compact JSON object per line; an empty file for no records."""
    return b"".join(encode_row(r) + b"\n" for r in records)


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


def txt_name(doc_id: str) -> str:
    """A path under ``txt/`` for an id: its folders kept, but never one that climbs out (``..``, ``/``)."""
    parts = [p if p not in (".", "..") else "_" for p in doc_id.replace("\\", "/").split("/") if p]
    return "/".join(parts) or "_"


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


Row = "dict[str, Any] | bytes"  # a table row, or its encoded line (a streaming run's parts)

TABLES = ("documents", "clusters", "rejected")
# files a run writes; any other file in the output folder is the user's and is kept
OURS = frozenset([f"{t}.{ext}" for t in TABLES for ext in ("jsonl", "parquet")] + [MANIFEST, "txt", "report.html"])


def _document_table(canonicals: Iterable[Any]) -> Iterable[Row]:
    """Rows of ``documents.jsonl``: in-memory Canonicals are sorted by id; rows and lines pass as given."""
    if isinstance(canonicals, Sequence) and canonicals and isinstance(canonicals[0], Canonical):
        return document_rows(canonicals)  # type: ignore[arg-type]
    return (c.to_dict() if isinstance(c, Canonical) else c for c in canonicals)


def _cluster_table(clusters: Iterable[Any]) -> Iterable[Row]:
    if isinstance(clusters, Sequence) and clusters and isinstance(clusters[0], Cluster):
        return cluster_rows(clusters)  # type: ignore[arg-type]
    return clusters


def _rejected_table(rejected: Iterable[Any]) -> Iterable[Row]:
    if isinstance(rejected, Sequence) and rejected and isinstance(rejected[0], Rejected):
        return rejected_rows(rejected)  # type: ignore[arg-type]
    return (r.to_dict() if isinstance(r, Rejected) else r for r in rejected)


def _lines(rows: Iterable[Row]) -> Iterator[bytes]:
    for row in rows:
        yield row if isinstance(row, bytes) else encode_row(row)


def _decoded(rows: Iterable[Row]) -> Iterator[dict[str, Any]]:
    for row in rows:
        yield json.loads(row) if isinstance(row, bytes) else row


def _write_jsonl(path: Path, rows: Iterable[Row], mode: int | None, on_document=None) -> None:
    with _create(path, mode) as handle:
        for line in _lines(rows):
            handle.write(line)
            handle.write(b"\n")
            if on_document is not None:
                on_document(line)


def render_outputs(
    canonicals: Sequence[Canonical],
    clusters: Sequence[Cluster],
    rejected: Sequence[Rejected],
    manifest: dict[str, Any],
    formats: Sequence[OutputFormat] = ("jsonl",),
) -> dict[str, bytes]:
    """Every output file's bytes, by path relative to the output folder (small in-memory runs, tests).

    The same files :func:`write_outputs` writes: ``jsonl`` (the default
    contract) gives documents/clusters/rejected JSONL; ``parquet`` gives the
    same tables as Parquet *instead of* JSONL; ``txt`` adds one readable
    ``txt/<id>.txt`` per story. The manifest is always JSON.
    """
    docs = document_rows(canonicals)
    tables = {"documents": docs, "clusters": cluster_rows(clusters), "rejected": rejected_rows(rejected)}
    files: dict[str, bytes] = {}
    for name, table in tables.items():
        if "parquet" in formats:
            files[f"{name}.parquet"] = _parquet_bytes(table)
        else:
            files[f"{name}.jsonl"] = jsonl_bytes(table)
    if "txt" in formats:
        for record in docs:
            files[f"txt/{txt_name(record['id'])}.txt"] = readable_text(record).encode("utf-8")
    files[MANIFEST] = manifest_bytes(manifest)
    return files


def manifest_bytes(manifest: dict[str, Any]) -> bytes:
    return (json.dumps(manifest, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


def write_outputs(
    out: Path,
    canonicals: Iterable[Any],
    clusters: Iterable[Any],
    rejected: Iterable[Any],
    manifest: dict[str, Any] | Any,
    formats: Sequence[OutputFormat] = ("jsonl",),
    extra: Any = None,
) -> dict[str, str]:
    """Write a run's output folder, committed as one set; returns {file kind: path}.

    ``canonicals``, ``clusters`` and ``rejected`` are the three tables: either
    the in-memory records (Canonicals, Clusters, Rejected; sorted here) or
    iterables of rows - dicts or encoded JSON lines - already in output
    order, read once, one row at a time. ``manifest`` is a dict, or a
    function called after the tables are written (so that it can hold what
    writing them counted). ``extra(folder)``, when given, writes further
    files of the run (e.g. a report) into the staging folder, so that they
    are committed with the rest. Files of ours that the run no longer
    produces are gone afterwards (a story gone, a format dropped).
    """
    out = Path(out)
    staging = open_staging(out)
    try:
        write_set(staging, _document_table(canonicals), _cluster_table(clusters), _rejected_table(rejected),
                  manifest, formats, previous=out)
        if extra is not None:
            extra(staging)
        commit_staging(out, staging)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return written_kinds(out, formats)


def written_kinds(out: Path, formats: Sequence[OutputFormat]) -> dict[str, str]:
    ext = "parquet" if "parquet" in formats else "jsonl"
    written = {name: str(out / f"{name}.{ext}") for name in TABLES}
    if "txt" in formats:
        written["txt"] = str(out / "txt")
    written["manifest"] = str(out / MANIFEST)
    return written


def _old_mode(previous: Path | None, rel: str) -> int | None:
    if previous is None:
        return None
    try:
        st = (previous / rel).stat()
    except OSError:
        return None
    return st.st_mode & 0o7777


def write_set(folder: Path, documents: Iterable[Row], clusters: Iterable[Row], rejected: Iterable[Row],
              manifest: Any, formats: Sequence[OutputFormat], previous: Path | None = None) -> None:
    """Write every file of a run into ``folder`` (empty), streaming the tables."""
    txt = "txt" in formats
    txt_names: set[str] = set()

    def readable(line: bytes) -> None:
        record = json.loads(line)
        rel = f"txt/{txt_name(record['id'])}.txt"
        path = folder / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if rel in txt_names:  # two ids that name the same file: the later one replaces it, as before
            path.unlink()
        txt_names.add(rel)
        with _create(path, _old_mode(previous, rel)) as handle:
            handle.write(readable_text(record).encode("utf-8"))

    tables = {"documents": documents, "clusters": clusters, "rejected": rejected}
    for name, rows in tables.items():
        if "parquet" in formats:
            rel = f"{name}.parquet"
            rows_list = list(_decoded(rows))  # one schema from all rows (see _parquet_bytes): held in memory
            with _create(folder / rel, _old_mode(previous, rel)) as handle:
                handle.write(_parquet_bytes(rows_list))
            if txt and name == "documents":
                for row in rows_list:
                    readable(encode_row(row))
        else:
            rel = f"{name}.jsonl"
            _write_jsonl(folder / rel, rows, _old_mode(previous, rel), readable if txt and name == "documents" else None)
    value = manifest() if callable(manifest) else manifest
    with _create(folder / MANIFEST, _old_mode(previous, MANIFEST)) as handle:
        handle.write(manifest_bytes(value))


# -- the output folder as one set --------------------------------------------------------

def _staging_prefix(out: Path) -> str:
    return f".{out.name}.staging-"


def _old_prefix(out: Path) -> str:
    return f".{out.name}.old-"


def recover_output(out: Path) -> None:
    """Undo what a killed commit left: restore the earlier set if the output folder is missing,
    remove staging folders and temporaries."""
    parent = out.parent
    if not parent.is_dir():
        return
    olds = sorted(p for p in parent.iterdir() if p.name.startswith(_old_prefix(out)))
    if olds and not out.exists():
        os.rename(olds[-1], out)  # killed between the two renames of the fallback swap
        olds = olds[:-1]
    for stale in olds + [p for p in parent.iterdir() if p.name.startswith(_staging_prefix(out))]:
        shutil.rmtree(stale, ignore_errors=True)
    if out.is_dir():
        for tmp in out.glob(".*.tmp"):  # temporaries of writers before this one
            if tmp.is_file():
                tmp.unlink(missing_ok=True)


def open_staging(out: Path) -> Path:
    """A new empty staging folder beside ``out`` (after cleaning up a killed run's leftovers)."""
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    if out.exists() and not out.is_dir():
        raise NotADirectoryError(20, "the output path is a file, not a folder", str(out))
    recover_output(out)
    staging = out.parent / f"{_staging_prefix(out)}{os.getpid()}-{os.urandom(4).hex()}"
    os.mkdir(staging)  # 0o777 & ~umask
    if out.is_dir():
        os.chmod(staging, out.stat().st_mode & 0o7777)
    return staging


def _carry_over(out: Path, staging: Path) -> None:
    """Files of the output folder that are not ours (a README, .gitattributes) go into the new set."""
    for child in out.iterdir():
        if child.name in OURS or (staging / child.name).exists() or (child.name.startswith(".") and child.name.endswith(".tmp")):
            continue
        target = staging / child.name
        if child.is_dir() and not child.is_symlink():
            shutil.copytree(child, target, symlinks=True, copy_function=_link_or_copy)
        else:
            _link_or_copy(str(child), str(target))


def _link_or_copy(src: str, dst: str) -> None:
    try:
        os.link(src, dst, follow_symlinks=False)
    except OSError:
        shutil.copy2(src, dst, follow_symlinks=False)


_RENAME_EXCHANGE = 2


def _exchange(a: Path, b: Path) -> bool:
    """Swap two paths atomically (Linux renameat2); False when the system cannot."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    at_fdcwd = -100
    result = renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), _RENAME_EXCHANGE)
    if result == 0:
        return True
    err = ctypes.get_errno()
    import errno

    if err in (errno.ENOSYS, errno.EINVAL, errno.ENOTSUP if hasattr(errno, "ENOTSUP") else errno.EINVAL):
        return False
    raise OSError(err, os.strerror(err), str(b))


def commit_staging(out: Path, staging: Path) -> None:
    """Make ``staging`` the output folder in one step; the earlier set is removed after."""
    if not out.exists():
        os.rename(staging, out)
        return
    _carry_over(out, staging)
    if _exchange(staging, out):
        shutil.rmtree(staging, ignore_errors=True)  # now holds the earlier set
        return
    old = out.parent / f"{_old_prefix(out)}{os.getpid()}"
    os.rename(out, old)
    os.rename(staging, out)
    shutil.rmtree(old, ignore_errors=True)


def _set_files(folder: Path) -> dict[str, Path]:
    found = {}
    for name in OURS - {"txt"}:
        if (folder / name).is_file():
            found[name] = folder / name
    if (folder / "txt").is_dir():
        for p in (folder / "txt").rglob("*.txt"):
            found[p.relative_to(folder).as_posix()] = p
    return found


def _same_file(a: Path, b: Path) -> bool:
    if a.stat().st_size != b.stat().st_size:
        return False
    with open(a, "rb") as fa, open(b, "rb") as fb:
        while True:
            x, y = fa.read(1 << 20), fb.read(1 << 20)
            if x != y:
                return False
            if not x:
                return True


def stale_files(out: Path, files: dict[str, bytes]) -> list[str]:
    """Output files of ours in ``out`` that ``files`` no longer has (a story gone, a format dropped)."""
    return sorted(name for name in _set_files(out) if name not in files)


def apply_outputs(out: Path, files: dict[str, bytes], dry_run: bool = False) -> tuple[dict[str, str], list[str]]:
    """Bring ``out`` in line with ``files`` (as one set): returns ({file kind: path}, [relative
    paths changed or deleted]). Nothing is touched when nothing changed, or with ``dry_run``."""
    out = Path(out)
    current = _set_files(out) if out.is_dir() else {}
    changed = sorted(
        [rel for rel, data in files.items() if rel not in current or current[rel].read_bytes() != data]
        + [rel for rel in current if rel not in files]
    )
    if changed and not dry_run:
        staging = open_staging(out)
        try:
            for rel, data in files.items():
                path = staging / rel
                path.parent.mkdir(parents=True, exist_ok=True)
                with _create(path, _old_mode(out, rel)) as handle:
                    handle.write(data)
            commit_staging(out, staging)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
    written: dict[str, str] = {}
    for rel in files:
        kind = "txt" if rel.startswith("txt/") else rel.split(".")[0]
        written[kind] = str(out / "txt") if kind == "txt" else str(out / rel)
    return written, changed


def same_set(a: Path, b: Path) -> list[str]:
    """Relative paths of ours that differ between two output folders."""
    fa, fb = _set_files(a), _set_files(b)
    return sorted([rel for rel in fa if rel not in fb or not _same_file(fa[rel], fb[rel])] + [rel for rel in fb if rel not in fa])
