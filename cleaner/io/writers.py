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

import contextlib
import io
import json
import os
import shutil
import sys
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import IO, Any, Literal

from ..records import Canonical, Cluster, Document, Rejected
from .formats import INPUTS, TXT_NAMES_RULE, ParquetTable, annotated_rows, split_input_hashes, txt_file_name

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


Row = "dict[str, Any] | bytes"  # a table row, or its encoded line (a streaming run's parts)

TABLES = ("documents", "clusters", "rejected")
# files a run writes; any other file in the output folder is the user's and is kept
OURS = frozenset([f"{t}.{ext}" for t in TABLES for ext in ("jsonl", "parquet")]
                 + [MANIFEST, INPUTS, "txt", "report.html", "examples.jsonl"])
REPORT_FILES = frozenset(["report.html", "examples.jsonl"])  # written by cleaner.report, not compared by apply_outputs


def _document_table(canonicals: Iterable[Any], documents: Sequence[Document] | None = None) -> Iterable[Row]:
    """Rows of ``documents.jsonl``: in-memory Canonicals are sorted by id (with ``documents``, the
    ``--keep all`` rows of every input); rows and lines pass as given."""
    if documents is not None:
        return annotated_rows(list(canonicals), documents)
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


def render_outputs(
    canonicals: Sequence[Canonical],
    clusters: Sequence[Cluster],
    rejected: Sequence[Rejected],
    manifest: dict[str, Any],
    formats: Sequence[OutputFormat] = ("jsonl",),
    documents: Sequence[Document] | None = None,
) -> dict[str, bytes]:
    """Every output file's bytes, by path relative to the output folder (pre-commit, tests): the
    files :func:`write_outputs` writes, made by the same :func:`write_set`, in memory."""
    files: dict[str, io.BytesIO] = {}

    @contextlib.contextmanager
    def sink(rel: str) -> Iterator[IO[bytes]]:
        files[rel] = buffer = io.BytesIO()
        yield buffer

    write_set(sink, _document_table(canonicals, documents), _cluster_table(clusters), _rejected_table(rejected),
              manifest, formats)
    return {rel: buffer.getvalue() for rel, buffer in files.items()}


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
    documents: Sequence[Document] | None = None,
) -> dict[str, str]:
    """Write a run's output folder, committed as one set; returns {file kind: path}.

    ``canonicals``, ``clusters`` and ``rejected`` are the three tables: either
    the in-memory records (Canonicals, Clusters, Rejected; sorted here) or
    iterables of rows - dicts or encoded JSON lines - already in output
    order, read once, one row at a time. ``manifest`` is a dict, or a
    function called after the tables are written (so that it can hold what
    writing them counted). ``extra(folder)``, when given, writes further
    files of the run (e.g. a report) into the staging folder, so that they
    are committed with the rest. With ``documents`` (``--keep all``, in-memory
    records) documents.* holds every input, annotated (:func:`cleaner.io.formats.annotated_rows`).
    ``parquet`` gives the tables as Parquet (instead of JSONL, or beside it when ``jsonl``
    is asked for too; schema: :mod:`cleaner.io.formats`); ``txt`` adds one readable file per
    story (names: :func:`cleaner.io.formats.txt_file_name`). The manifest is always JSON; the
    per-file input hashes go to ``inputs.jsonl``. Files of ours that the run no longer
    produces are gone afterwards (a story gone, a format dropped).
    """
    out = Path(out)
    staging = open_staging(out)
    try:
        write_set(_folder_sink(staging, out), _document_table(canonicals, documents), _cluster_table(clusters),
                  _rejected_table(rejected), manifest, formats)
        if extra is not None:
            extra(staging)
        commit_staging(out, staging)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return written_kinds(out)


def written_kinds(out: Path) -> dict[str, str]:
    """{file kind: path} of an output folder's files (JSONL over Parquet when both are there)."""
    written: dict[str, str] = {}
    for rel in sorted(_set_files(out), key=lambda r: (r.endswith(".jsonl"), r)):
        kind = "txt" if rel.startswith("txt/") else rel.split(".")[0]
        written[kind] = str(out / "txt") if kind == "txt" else str(out / rel)
    return written


def _old_mode(previous: Path | None, rel: str) -> int | None:
    if previous is None:
        return None
    try:
        st = (previous / rel).stat()
    except OSError:
        return None
    return st.st_mode & 0o7777


def _folder_sink(folder: Path, previous: Path | None) -> Any:
    """Files opened in ``folder`` (new), with the mode of the file they replace in ``previous``."""
    def sink(rel: str) -> IO[bytes]:
        path = folder / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        return _create(path, _old_mode(previous, rel))
    return sink


def write_set(sink: Any, documents: Iterable[Row], clusters: Iterable[Row], rejected: Iterable[Row],
              manifest: Any, formats: Sequence[OutputFormat]) -> None:
    """Write every file of a run through ``sink(relative path)`` (a context manager giving a binary
    handle), streaming the tables: the one writer of the output set."""
    txt = "txt" in formats
    jsonl = "jsonl" in formats or "parquet" not in formats
    owners: dict[str, str] = {}

    def readable(row: dict[str, Any]) -> None:
        rel = "txt/" + txt_file_name(row["id"])
        if rel in owners and owners[rel] != row["id"]:
            raise ValueError(f"txt file name clash between ids {owners[rel]!r} and {row['id']!r}")
        owners[rel] = row["id"]
        with sink(rel) as handle:
            handle.write(readable_text(row).encode("utf-8", "surrogatepass"))

    for name, rows in {"documents": documents, "clusters": clusters, "rejected": rejected}.items():
        with contextlib.ExitStack() as stack:
            jsonl_out = stack.enter_context(sink(f"{name}.jsonl")) if jsonl else None
            parquet_out = stack.enter_context(ParquetTable(name, stack.enter_context(sink(f"{name}.parquet")))) \
                if "parquet" in formats else None
            for row in rows:
                if jsonl_out is not None:
                    jsonl_out.write(row if isinstance(row, bytes) else encode_row(row))
                    jsonl_out.write(b"\n")
                if parquet_out is not None or (txt and name == "documents"):
                    record = json.loads(row) if isinstance(row, bytes) else row
                    if parquet_out is not None:
                        parquet_out.add(record)
                    if txt and name == "documents":
                        readable(record)
    value = manifest() if callable(manifest) else manifest
    if txt:
        value = {**value, "txt_names": TXT_NAMES_RULE}
    value, inputs = split_input_hashes(value)
    if inputs is not None:
        with sink(INPUTS) as handle:
            handle.write(inputs)
    with sink(MANIFEST) as handle:
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


def _carry_over(out: Path, staging: Path, ours: frozenset[str] = OURS) -> None:
    """Files of the output folder that are not ``ours`` (a README, .gitattributes) go into the new set."""
    for child in out.iterdir():
        if child.name in ours or (staging / child.name).exists() or (child.name.startswith(".") and child.name.endswith(".tmp")):
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


def commit_staging(out: Path, staging: Path, ours: frozenset[str] = OURS) -> None:
    """Make ``staging`` the output folder in one step; the earlier set is removed after (files not
    ``ours`` are carried over)."""
    if not out.exists():
        os.rename(staging, out)
        return
    _carry_over(out, staging, ours)
    if _exchange(staging, out):
        shutil.rmtree(staging, ignore_errors=True)  # now holds the earlier set
        return
    old = out.parent / f"{_old_prefix(out)}{os.getpid()}"
    os.rename(out, old)
    os.rename(staging, out)
    shutil.rmtree(old, ignore_errors=True)


def _set_files(folder: Path) -> dict[str, Path]:
    found = {}
    for name in OURS - {"txt"} - REPORT_FILES:
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
            commit_staging(out, staging, OURS - REPORT_FILES)  # a report of the folder stays
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
    written: dict[str, str] = {}
    for rel in files:
        kind = "txt" if rel.startswith("txt/") else rel.split(".")[0]
        written[kind] = str(out / "txt") if kind == "txt" else str(out / rel)
    return written, changed


def set_digests(out: Path) -> dict[str, str]:
    """sha256 of each of our files in the output folder ``out`` (the files :func:`apply_outputs` compares)."""
    import hashlib

    return {rel: hashlib.sha256(path.read_bytes()).hexdigest() for rel, path in (_set_files(out) if out.is_dir() else {}).items()}


def same_set(a: Path, b: Path) -> list[str]:
    """Relative paths of ours that differ between two output folders."""
    fa, fb = _set_files(a), _set_files(b)
    return sorted([rel for rel in fa if rel not in fb or not _same_file(fa[rel], fb[rel])] + [rel for rel in fb if rel not in fa])
