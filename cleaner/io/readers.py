"""Readers: turn input paths into :class:`~cleaner.records.Document` records.

Every input ends up as a Document or, when it cannot be read, as a
:class:`~cleaner.records.Rejected` record with a reason naming the input, so a
run never loses a document silently.

A file's id is its path under the input root without its extensions
(``txt/abc.txt`` read from root ``txt/`` is ``abc``); a JSONL/Parquet record
keeps its own id field, else ``<file id>:<line>``.
"""
from __future__ import annotations

import glob
import gzip
import hashlib
import io
import json
import os
import re
import sys
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, Literal

from ..errors import InputError
from ..records import Document, Origin, Rejected

ModeOption = Literal["auto", "text", "html"]

# Extensions stripped from ids, and what each kind of file is read as.
TEXT_EXTENSIONS = (".txt", ".text")
HTML_EXTENSIONS = (".html", ".htm", ".xhtml")
JSONL_EXTENSIONS = (".jsonl", ".ndjson")
PARQUET_EXTENSIONS = (".parquet",)
WARC_EXTENSIONS = (".warc",)
COMPRESSION_EXTENSIONS = (".gz",)
_KNOWN = TEXT_EXTENSIONS + HTML_EXTENSIONS + JSONL_EXTENSIONS + PARQUET_EXTENSIONS + WARC_EXTENSIONS

# Record fields we understand; everything else is kept under Document.metadata.
_KNOWN_FIELDS = {"site", "url", "title", "date", "language", "author"}
_SITE_ALIASES = ("site", "site_name", "source", "domain", "host")
_URL_ALIASES = ("url", "link", "uri")
_DATE_ALIASES = ("date", "published", "date_published", "timestamp")
_LANGUAGE_ALIASES = ("language", "lang")

_HTML_SNIFF = re.compile(
    r"<(?:!doctype\s+html|html|head|body|div|p|span|article|section|br|table|meta|a\s)\b", re.IGNORECASE
)


@dataclass(frozen=True)
class ReadOptions:
    """How inputs are read. Field names mirror the CLI options."""

    mode: ModeOption = "auto"
    id_field: str = "id"
    text_field: str = "text"
    html_field: str = "html"


@dataclass
class ReadReport:
    """What the readers saw, for the manifest."""

    files: dict[str, str] = field(default_factory=dict)  # path -> sha256 of the file
    ignored: list[str] = field(default_factory=list)  # files in a folder walk of no known type


def detect_mode(content: str) -> Literal["text", "html"]:
    """``html`` when the content looks like markup, else ``text``.

    Flattened text may quote a tag or two, so we ask for several tags in the
    head of the document, or a document that starts with one.
    """
    head = content[:4096]
    hits = len(_HTML_SNIFF.findall(head))
    if hits >= 3 or (hits >= 1 and head.lstrip()[:1] == "<"):
        return "html"
    return "text"


def strip_extensions(name: str) -> str:
    """``a/b.html.gz`` -> ``a/b``: drop the extensions cleaner knows, repeatedly."""
    while True:
        lower = name.lower()
        for ext in COMPRESSION_EXTENSIONS + _KNOWN:
            if lower.endswith(ext) and len(name) > len(ext):
                name = name[: -len(ext)]
                break
        else:
            return name


def file_kind(path: Path) -> str | None:
    """``text``/``html``/``jsonl``/``parquet``/``warc`` by extension, or None."""
    name = path.name.lower()
    if name.endswith(".gz"):
        name = name[:-3]
    for kind, exts in (
        ("text", TEXT_EXTENSIONS),
        ("html", HTML_EXTENSIONS),
        ("jsonl", JSONL_EXTENSIONS),
        ("parquet", PARQUET_EXTENSIONS),
        ("warc", WARC_EXTENSIONS),
    ):
        if name.endswith(exts):
            return kind
    return None


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def decode_text(data: bytes, source: str) -> str:
    """Decode plain text: UTF-8 (with or without BOM), else cp1252 as the
    commonest legacy encoding of scraped Western text; NUL bytes mean binary."""
    if b"\x00" in data[:8192] and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise InputError(source, "looks binary (NUL bytes), not text")
    for encoding in ("utf-8-sig", "utf-16") if data.startswith((b"\xff\xfe", b"\xfe\xff")) else ("utf-8-sig",):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            pass
    return data.decode("cp1252", errors="replace")


def decode_markup(data: bytes, source: str) -> str:
    """Decode HTML bytes with the HTML stage's charset detection."""
    try:
        from ..strip.html import decode_html
    except ImportError:  # pragma: no cover - the HTML stage is part of the package
        return decode_text(data, source)
    return decode_html(data)


def expand_inputs(inputs: Sequence[str | os.PathLike[str]]) -> list[tuple[Path | None, Path | None]]:
    """Each input as (root, file) pairs; ``(None, None)`` stands for stdin.

    A folder is walked recursively (sorted) with itself as root; a glob
    pattern's root is its longest folder prefix without wildcards; a single
    file's root is its folder.
    """
    pairs: list[tuple[Path | None, Path | None]] = []
    for raw in inputs:
        text = os.fspath(raw)
        if text == "-":
            pairs.append((None, None))
            continue
        if any(ch in text for ch in "*?["):
            parts = Path(text).parts
            root_parts: list[str] = []
            for part in parts:
                if any(ch in part for ch in "*?["):
                    break
                root_parts.append(part)
            root = Path(*root_parts) if root_parts else Path(".")
            matches = sorted(Path(p) for p in glob.glob(text, recursive=True))
            files = [m for m in matches if m.is_file()]
            if not files:
                raise InputError(text, "glob pattern matched no files")
            pairs.extend((root, f) for f in files)
            continue
        path = Path(text)
        if path.is_dir():
            pairs.extend((path, f) for f in walk_files(path))
        elif path.is_file():
            pairs.append((path.parent, path))
        else:
            raise InputError(text, "no such file or folder")
    return pairs


def walk_files(folder: Path) -> list[Path]:
    """Every file below ``folder``, sorted, skipping hidden files and folders (``.git``, ``.cache`` ...)."""
    found: list[str] = []
    for top, dirs, names in os.walk(folder):
        dirs[:] = [d for d in dirs if not d.startswith(".")]
        found.extend(os.path.join(top, n) for n in names if not n.startswith("."))
    return [Path(p) for p in sorted(found)]


def file_id(root: Path, path: Path) -> str:
    """The path under ``root`` without extensions (string work: it runs once per file)."""
    base, full = str(root), str(path)
    if base in ("", ".") and not full.startswith("/"):
        rel = full
    elif full.startswith(base.rstrip(os.sep) + os.sep):
        rel = full[len(base.rstrip(os.sep)) + 1 :]
    else:
        rel = path.relative_to(root).as_posix() if root != path else path.name
    return strip_extensions(rel.replace(os.sep, "/"))


def iter_documents(
    inputs: Sequence[str | os.PathLike[str]],
    options: ReadOptions = ReadOptions(),
    report: ReadReport | None = None,
    stdin: IO[str] | None = None,
) -> Iterator[Document | Rejected]:
    """Read every input; yields Documents, and Rejected records for what cannot be read.

    Raises :class:`InputError` only for an input that names nothing (a missing
    path, a glob with no match): that is a usage error, not a bad document.
    """
    report = report if report is not None else ReadReport()
    seen: dict[str, str] = {}
    for root, path in expand_inputs(inputs):
        if path is None:
            records = _iter_jsonl_lines(stdin or sys.stdin, "stdin", "<stdin>", options)
            yield from unique_ids(records, seen)
            continue
        assert root is not None
        kind = file_kind(path)
        if kind is None:
            if _named_directly(inputs, path):
                kind = "text"  # a file named on the command line is read as text whatever its name
            else:
                report.ignored.append(path.as_posix())  # a folder walk passes over README, LICENSE ...
                continue
        yield from unique_ids(_read_file(root, path, kind, options, report), seen)


def _named_directly(inputs: Sequence[str | os.PathLike[str]], path: Path) -> bool:
    return any(Path(os.fspath(i)) == path for i in inputs if os.fspath(i) != "-")


def unique_ids(records: Iterable[Document | Rejected], seen: dict[str, str] | None = None) -> Iterator[Document | Rejected]:
    """Two inputs with one id cannot both be kept under it: the later one is rejected, not lost."""
    seen = {} if seen is None else seen
    for record in records:
        if isinstance(record, Document):
            where = record.origin.path or "<stdin>"
            if record.origin.line is not None:
                where = f"{where}:{record.origin.line}"
            if record.id in seen:
                yield Rejected(
                    id=record.id,
                    stage="read",
                    reason=f"duplicate id {record.id!r}: already read from {seen[record.id]}",
                    path=record.origin.path,
                    line=record.origin.line,
                )
                continue
            seen[record.id] = where
        yield record


def _read_file(root: Path, path: Path, kind: str, options: ReadOptions, report: ReadReport) -> Iterator[Document | Rejected]:
    source = path.as_posix()
    fid = file_id(root, path)
    if kind == "jsonl" and not path.name.lower().endswith(".gz"):
        # A big JSONL file is read as a stream, not into memory (cleaner/io/partitions.py).
        from .partitions import is_utf16, stream_jsonl

        try:
            utf16 = is_utf16(path)
        except OSError as exc:
            yield Rejected(id=fid, stage="read", reason=f"cannot read file: {exc.strerror or exc}", path=source)
            return
        if not utf16:
            try:
                yield from stream_jsonl(path, fid, source, options, report)
            except InputError as exc:
                yield Rejected(id=fid, stage="read", reason=exc.message, path=source)
            except Exception as exc:  # noqa: BLE001 - as below
                yield Rejected(id=fid, stage="read", reason=f"cannot be read: {type(exc).__name__}: {exc}", path=source)
            return
    try:
        raw = path.read_bytes()
    except OSError as exc:
        yield Rejected(id=fid, stage="read", reason=f"cannot read file: {exc.strerror or exc}", path=source)
        return
    raw_sha = report.files[source] = _sha256(raw)
    try:
        data = gzip.decompress(raw) if path.name.lower().endswith(".gz") else raw
    except (OSError, EOFError) as exc:
        yield Rejected(id=fid, stage="read", reason=f"not a valid gzip file ({exc})", path=source)
        return
    try:
        if kind in ("text", "html"):
            if not data.strip():
                yield Rejected(id=fid, stage="read", reason="empty file", path=source)
                return
            content = decode_markup(data, source) if kind == "html" else decode_text(data, source)
            mode = _resolve_mode(options.mode, content)
            sha = raw_sha if data is raw else _sha256(data)
            yield Document(id=fid, content=content, mode=mode, origin=Origin(path=source, sha256=sha))
        elif kind == "jsonl":
            if data.startswith((b"\xff\xfe", b"\xfe\xff")):  # UTF-16: decode the file as a whole
                yield from _iter_jsonl_lines(io.StringIO(decode_text(data, source)), fid, source, options)
            else:  # line by line: one bad byte must not change how the other records are decoded
                yield from _iter_jsonl_lines(_decoded_lines(data), fid, source, options)
        elif kind == "parquet":
            yield from _iter_parquet(data, fid, source, options)
        elif kind == "warc":
            yield from _iter_warc(data, fid, source, options)
    except InputError as exc:
        yield Rejected(id=fid, stage="read", reason=exc.message, path=source)
    except Exception as exc:  # noqa: BLE001 - one unreadable file must not end the run or vanish
        yield Rejected(id=fid, stage="read", reason=f"cannot be read: {type(exc).__name__}: {exc}", path=source)


def _resolve_mode(option: ModeOption, content: str) -> Literal["text", "html"]:
    # In auto mode the content decides, not the extension: an .html file
    # holding flattened text is still text, and vice versa.
    return option if option != "auto" else detect_mode(content)


def _first(record: dict[str, Any], names: Sequence[str]) -> Any:
    for name in names:
        value = record.get(name)
        if value not in (None, ""):
            return value
    return None


def record_to_document(
    record: dict[str, Any], fallback_id: str, source: str, line: int | None, options: ReadOptions
) -> Document | Rejected:
    """One JSON-like record (JSONL line, Parquet row) as a Document."""
    rid = record.get(options.id_field)
    doc_id = str(rid) if rid not in (None, "") else fallback_id
    html = record.get(options.html_field)
    text = record.get(options.text_field)
    if text is None and options.text_field == "text":
        text = _first(record, ("content", "raw_content", "body"))
    if html not in (None, "") and options.mode != "text":
        content, hint = html, "html"
    elif text not in (None, ""):
        content, hint = text, "text"
    elif html not in (None, ""):
        content, hint = html, "text"
    else:
        return Rejected(
            id=doc_id,
            stage="read",
            reason=f"record has no {options.text_field!r} or {options.html_field!r} field with content",
            path=source,
            line=line,
        )
    if not isinstance(content, str):
        return Rejected(id=doc_id, stage="read", reason=f"content field is {type(content).__name__}, not a string", path=source, line=line)
    mode = options.mode if options.mode != "auto" else ("html" if hint == "html" else detect_mode(content))
    consumed = {options.id_field, options.text_field, options.html_field}
    site = _first(record, _SITE_ALIASES)
    url = _first(record, _URL_ALIASES)
    date = _first(record, _DATE_ALIASES)
    language = _first(record, _LANGUAGE_ALIASES)
    consumed |= {"title", "author", *_SITE_ALIASES, *_URL_ALIASES, *_DATE_ALIASES, *_LANGUAGE_ALIASES}
    if content is not html and content is not record.get(options.text_field):
        consumed |= {"content", "raw_content", "body"}  # the alias the text came from
    metadata = {k: v for k, v in record.items() if k not in consumed}
    return Document(
        id=doc_id,
        content=content,
        mode=mode,
        site=str(site) if site is not None else None,
        url=str(url) if url is not None else None,
        title=str(record["title"]) if record.get("title") else None,
        date=str(date) if date is not None else None,
        language=str(language) if language is not None else None,
        author=str(record["author"]) if record.get("author") else None,
        origin=Origin(path=source, line=line, sha256=_sha256(content.encode("utf-8"))),
        metadata=dict(sorted(metadata.items())),
    )


def _decoded_lines(data: bytes) -> Iterator[str]:
    """Lines of UTF-8 bytes; a line that is not valid UTF-8 is read as cp1252 (that line only)."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    for raw in data.split(b"\n"):
        try:
            yield raw.decode("utf-8")
        except UnicodeDecodeError:
            yield raw.decode("cp1252", errors="replace")


def _iter_jsonl_lines(stream: Iterable[str], fid: str, source: str, options: ReadOptions) -> Iterator[Document | Rejected]:
    for number, line in enumerate(stream, start=1):
        if not line.strip():
            continue
        fallback = f"{fid}:{number}"
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            yield Rejected(id=fallback, stage="read", reason=f"invalid JSON: {exc.msg} at column {exc.colno}", path=source, line=number)
            continue
        if not isinstance(record, dict):
            yield Rejected(id=fallback, stage="read", reason=f"JSON line is a {type(record).__name__}, not an object", path=source, line=number)
            continue
        yield record_to_document(record, fallback, source, number, options)


def _iter_parquet(data: bytes, fid: str, source: str, options: ReadOptions) -> Iterator[Document | Rejected]:
    try:
        import pyarrow.parquet as pq
    except ImportError as exc:
        raise InputError(source, "reading Parquet needs pyarrow: pip install 'cleaner[parquet]'") from exc
    try:
        table = pq.read_table(io.BytesIO(data))
    except Exception as exc:  # pyarrow raises several types for a bad file
        raise InputError(source, f"not a readable Parquet file ({exc})") from exc
    for number, record in enumerate(table.to_pylist(), start=1):
        yield record_to_document(record, f"{fid}:{number}", source, number, options)


def _iter_warc(data: bytes, fid: str, source: str, options: ReadOptions) -> Iterator[Document | Rejected]:
    try:
        from warcio.archiveiterator import ArchiveIterator
    except ImportError as exc:
        raise InputError(source, "reading WARC needs warcio: pip install 'cleaner[warc]'") from exc
    number = 0
    try:
        for record in ArchiveIterator(io.BytesIO(data)):
            if record.rec_type not in ("response", "resource"):
                continue
            number += 1
            doc_id = f"{fid}:{number}"
            url = record.rec_headers.get_header("WARC-Target-URI")
            ctype = record.http_headers.get_header("Content-Type", "") if record.http_headers else ""
            body = record.content_stream().read()
            if not body.strip():
                yield Rejected(id=doc_id, stage="read", reason=f"empty WARC payload for {url}", path=source, line=number)
                continue
            if "html" not in ctype.lower() and ctype and not ctype.lower().startswith("text/"):
                yield Rejected(id=doc_id, stage="read", reason=f"WARC record for {url} is {ctype}, not text or HTML", path=source, line=number)
                continue
            declared = None
            match = re.search(r"charset=([\w-]+)", ctype, re.IGNORECASE)
            if match:
                declared = match.group(1)
            try:
                from ..strip.html import decode_html

                content = decode_html(body, declared=declared)
            except ImportError:  # pragma: no cover
                content = decode_text(body, doc_id)
            mode = _resolve_mode(options.mode, content)
            yield Document(
                id=doc_id,
                content=content,
                mode=mode,
                url=url,
                date=record.rec_headers.get_header("WARC-Date"),
                origin=Origin(path=source, line=number, sha256=_sha256(body)),
            )
    except Exception as exc:  # warcio raises plain exceptions for broken archives
        if isinstance(exc, InputError):
            raise
        raise InputError(source, f"not a readable WARC file after {number} records ({exc})") from exc
