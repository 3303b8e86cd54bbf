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
import math
import os
import re
import stat
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
    # Caps (see "Limits" in the README). A document (a text or HTML file, a JSONL line, a WARC
    # payload) over max_document_bytes is rejected with the reason: one 200 MB text would
    # otherwise take minutes and gigabytes. A compressed file is decompressed as a stream and
    # rejected when its decompressed size passes max_decompressed_bytes, or passes
    # bomb_min_bytes at more than max_compression_ratio times its compressed size (a gzip bomb).
    max_document_bytes: int = 20_000_000
    max_decompressed_bytes: int = 8 << 30
    max_compression_ratio: int = 200
    bomb_min_bytes: int = 64 << 20
    max_json_depth: int = 64  # nesting of a JSON record; deeper ones cannot be written back safely
    # Folders (absolute, resolved) that folder walks and globs pass over: the output folder when
    # it lies inside an input folder, so a run never reads its own output.
    exclude: tuple[str, ...] = ()
    # When set, folder walks and globs read only these files (absolute, resolved): the pre-commit
    # hook's git-tracked files. Files named directly are read whatever this says.
    only: frozenset[str] | None = None

    def for_manifest(self) -> dict[str, Any]:
        """The options as the manifest records them: how inputs are read, not which (``exclude`` and
        ``only`` are paths of this machine, and would make two clones' manifests differ)."""
        from dataclasses import asdict

        return {k: v for k, v in asdict(self).items() if k not in ("exclude", "only")}


@dataclass
class ReadReport:
    """What the readers saw, for the manifest."""

    files: dict[str, str] = field(default_factory=dict)  # path -> sha256 of the file
    ignored: list[str] = field(default_factory=list)  # files in a folder walk of no known type


def detect_mode(content: str, declared: Literal["text", "html"] | None = None) -> Literal["text", "html"]:
    """``html`` when the content looks like markup, else ``text``.

    Flattened text may quote a tag or two, so we ask for several tags in the
    head of the document, or a document that starts with one.  Content declared
    to be text (a ``.txt`` file, a record's text field) is text unless it is
    really an HTML document (:func:`is_html_document`): scrapers leave stray tags
    (``<![endif]-->``, ``<div id="x"></div>``, ``<br>``) in text, and the text
    stage removes them.
    """
    head = content[:4096]
    if declared == "text":
        return "html" if is_html_document(head) else "text"
    hits = len(_HTML_SNIFF.findall(head))
    if hits >= 3 or (hits >= 1 and head.lstrip()[:1] == "<"):
        return "html"
    return "text"


# What an HTML document starts with, after a byte-order mark, blanks, an XML declaration and comments.
_DOCUMENT_START = re.compile(r"(?:\ufeff|\s|<\?xml[^>]{0,200}>|<!--.{0,2000}?-->)*<(?:!doctype\s+html|html|head|body)\b",
                             re.IGNORECASE | re.DOTALL)
_TAG = re.compile(r"<[!/?]?[A-Za-z][^<>]{0,500}>")
_DOCUMENT_TAG = re.compile(r"<(?:html|head|body)\b", re.IGNORECASE)
# A document whose head is mostly markup: at least this share of its characters inside tags ...
_MARKUP_SHARE = 0.3
# ... in at least this many tags (a text with a few stray tags has a few, and little markup)
_MARKUP_TAGS = 10


def is_html_document(head: str) -> bool:
    """Whether ``head`` (the start of a text) is an HTML document, not text with stray tags: it
    starts as one (doctype, ``<html>``, ``<head>`` or ``<body>``), or it has a document tag and is
    mostly markup."""
    if _DOCUMENT_START.match(head):
        return True
    if _DOCUMENT_TAG.search(head) is None:
        return False
    tags = _TAG.findall(head)
    return len(tags) >= _MARKUP_TAGS and sum(len(t) for t in tags) >= _MARKUP_SHARE * len(head.strip())


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


_SURROGATE = re.compile("[\ud800-\udfff]")
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")
# NaN/Infinity in a JSONL line are kept as the strings "NaN"/"Infinity": valid JSON when written back.
_DECODER = json.JSONDecoder(parse_constant=str)


def safe_name(name: str) -> str:
    """A file name as text that can always be written: bytes of a name that are not UTF-8
    (kept by Python as lone surrogates, ``surrogateescape``) become ``\\xNN`` escapes.

    ``caf\\xe9.txt`` (latin-1 bytes on disk) gets the id ``caf\\xe9``: readable, different from
    every UTF-8 name but a literal backslash one (which the duplicate-id check then rejects).
    """
    if not _SURROGATE.search(name):
        return name
    try:
        return name.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    except UnicodeEncodeError:  # a surrogate that stands for no byte (a name made in Python): U+FFFD
        return safe_text(name)


def safe_text(value: str) -> str:
    """``value`` with each lone surrogate written as U+FFFD, for naming a record that is rejected."""
    return _SURROGATE.sub("\ufffd", value)


def _bad_strings(value: Any, depth: int, max_depth: int, where: str = "") -> str | None:
    """Why a parsed JSON record cannot be kept: nested deeper than ``max_depth``, or a lone
    surrogate (a ``\\udc80`` escape with no partner: not Unicode, no UTF-8 form) in a key or
    a string. Iterative, so a deep record costs no recursion."""
    stack: list[tuple[Any, int, str]] = [(value, depth, where)]
    while stack:
        item, level, path = stack.pop()
        if isinstance(item, str):
            found = _SURROGATE.search(item)
            if found:
                return f"field {path or 'value'!r} holds a lone surrogate U+{ord(found.group()):04X} at offset {found.start()} (not valid Unicode)"
        elif isinstance(item, dict | list):
            if level >= max_depth:
                return f"JSON nested deeper than {max_depth} levels at {path or 'the top'!r}"
            pairs = item.items() if isinstance(item, dict) else enumerate(item)
            for key, sub in pairs:
                if isinstance(key, str) and _SURROGATE.search(key):
                    return f"a key under {path or 'the top'!r} holds a lone surrogate (not valid Unicode)"
                stack.append((sub, level + 1, f"{path}.{key}" if path else str(key)))
    return None


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


def expand_inputs(
    inputs: Sequence[str | os.PathLike[str]], exclude: Sequence[str] = (), only: frozenset[str] | None = None
) -> list[tuple[Path | None, Path | None]]:
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
            files = [m for m in matches if m.exists() and not m.is_dir() and not _excluded(m, exclude, only)]
            if not files:
                raise InputError(text, "glob pattern matched no files")
            pairs.extend((root, f) for f in files)
            continue
        path = Path(text)
        if path.is_dir():
            pairs.extend((path, f) for f in walk_files(path, exclude, only))
        elif path.exists():  # a FIFO or device named here is rejected by the reader, never opened
            pairs.append((path.parent, path))
        else:
            raise InputError(safe_name(text), "no such file or folder")
    return pairs


def _excluded(path: Path, exclude: Sequence[str], only: frozenset[str] | None = None) -> bool:
    if only is not None and os.path.join(os.path.realpath(path.parent), path.name) not in only:
        return True
    if not exclude:
        return False
    resolved = str(path.resolve())
    return any(resolved == e or resolved.startswith(e.rstrip(os.sep) + os.sep) for e in exclude)


def walk_files(folder: Path, exclude: Sequence[str] = (), only: frozenset[str] | None = None) -> list[Path]:
    """Every file below ``folder``, sorted, skipping hidden files and folders (``.git``, ``.cache`` ...),
    the folders in ``exclude`` and, when ``only`` is given, the files not in it."""
    found: list[str] = []
    for top, dirs, names in os.walk(folder):
        dirs[:] = [d for d in dirs if not d.startswith(".") and not _excluded(Path(top) / d, exclude)]
        names = [n for n in names if not n.startswith(".")]
        if only is not None:  # the folder resolved once, the name joined as it is (a link is the file git tracks)
            real_top = os.path.realpath(top)
            names = [n for n in names if os.path.join(real_top, n) in only]
        found.extend(os.path.join(top, n) for n in names)
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
    for root, path in expand_inputs(inputs, options.exclude, options.only):
        if path is None:
            yield from unique_ids(_read_stdin(stdin, options), seen)
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


def _read_stdin(stdin: IO[str] | None, options: ReadOptions) -> Iterator[Document | Rejected]:
    """JSONL on stdin, read as bytes when it can be (as files are: a bad byte spoils one line only)."""
    stream = stdin or sys.stdin
    binary = getattr(stream, "buffer", None)
    if binary is not None:
        lines: Iterable[tuple[int, str | Rejected]] = _stream_lines(binary, "stdin", "<stdin>", options)
    else:
        lines = enumerate(stream, start=1)
    yield from _iter_jsonl_lines(lines, "stdin", "<stdin>", options)


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


class _Capped(io.RawIOBase):
    """A binary stream that reads ``inner`` and fails once more than ``limit`` bytes came out,
    or once more than ``bomb_min`` came out at more than ``ratio`` times what ``compressed()``
    says was read from disk. Decompressing through it keeps memory flat and stops a bomb early."""

    def __init__(self, inner: IO[bytes], source: str, options: ReadOptions, compressed: Any = None) -> None:
        self.inner, self.source, self.options, self.compressed = inner, source, options, compressed
        self.count = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        data = self.inner.read(len(buffer))
        n = len(data)
        buffer[:n] = data
        self.count += n
        o = self.options
        if self.count > o.max_decompressed_bytes:
            raise InputError(self.source, f"decompresses to more than {o.max_decompressed_bytes} bytes (max_decompressed_bytes)")
        if self.compressed is not None and self.count > o.bomb_min_bytes:
            packed = max(1, self.compressed())
            if self.count > o.max_compression_ratio * packed:
                raise InputError(
                    self.source,
                    f"gzip bomb: {self.count} bytes from {packed} compressed (more than {o.max_compression_ratio}:1, max_compression_ratio)",
                )
        return n


class _HashingFile(io.RawIOBase):
    """The raw file, hashed as it is read (the manifest's per-file sha256 without a second read)."""

    def __init__(self, handle: IO[bytes]) -> None:
        self.handle, self.sha, self.count = handle, hashlib.sha256(), 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        data = self.handle.read(len(buffer))
        self.sha.update(data)
        self.count += len(data)
        buffer[: len(data)] = data
        return len(data)

    def finish(self) -> str:
        """Hash what was not read yet too (a rejected file is still listed with its hash)."""
        while chunk := self.handle.read(1 << 20):
            self.sha.update(chunk)
        return self.sha.hexdigest()


def _open_regular(path: Path) -> IO[bytes]:
    """Open ``path`` for reading only when it is a regular file: a FIFO, socket or device is never
    opened blocking (an open of a FIFO waits for a writer forever)."""
    info = os.stat(path)
    if not stat.S_ISREG(info.st_mode):
        raise InputError(safe_name(path.as_posix()), f"not a regular file ({_special_kind(info.st_mode)}); not read")
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0))
    if not stat.S_ISREG(os.fstat(fd).st_mode):  # replaced between the stat and the open
        os.close(fd)
        raise InputError(safe_name(path.as_posix()), "not a regular file; not read")
    return os.fdopen(fd, "rb")


def _special_kind(mode: int) -> str:
    for test, name in ((stat.S_ISFIFO, "a FIFO"), (stat.S_ISSOCK, "a socket"), (stat.S_ISCHR, "a character device"),
                       (stat.S_ISBLK, "a block device"), (stat.S_ISDIR, "a folder")):
        if test(mode):
            return name
    return "a special file"


def _read_capped(stream: IO[bytes], limit: int) -> bytes | None:
    """At most ``limit`` bytes of ``stream``; None when it holds more."""
    data = stream.read(limit + 1)
    return None if len(data) > limit else data


def _read_file(root: Path, path: Path, kind: str, options: ReadOptions, report: ReadReport) -> Iterator[Document | Rejected]:
    source = safe_name(path.as_posix())
    fid = safe_name(file_id(root, path))
    try:
        handle = _open_regular(path)
    except InputError as exc:
        yield Rejected(id=fid, stage="read", reason=exc.message, path=source)
        return
    except OSError as exc:
        yield Rejected(id=fid, stage="read", reason=f"cannot read file: {exc.strerror or exc}", path=source)
        return
    with handle:
        hashing = _HashingFile(handle)
        raw = io.BufferedReader(hashing, 1 << 16)
        compressed = path.name.lower().endswith(".gz")
        stream: IO[bytes] = (
            io.BufferedReader(_Capped(gzip.GzipFile(fileobj=raw, mode="rb"), source, options, lambda: hashing.count), 1 << 16)
            if compressed else raw
        )
        try:
            yield from _read_stream(stream, fid, source, kind, options)
        except InputError as exc:
            yield Rejected(id=fid, stage="read", reason=exc.message, path=source)
        except (OSError, EOFError, gzip.BadGzipFile) as exc:
            reason = f"not a valid gzip file ({exc})" if compressed else f"cannot read file: {getattr(exc, 'strerror', None) or exc}"
            yield Rejected(id=fid, stage="read", reason=reason, path=source)
        except Exception as exc:  # noqa: BLE001 - one unreadable file must not end the run or vanish
            yield Rejected(id=fid, stage="read", reason=f"cannot be read: {type(exc).__name__}: {exc}", path=source)
        finally:
            try:
                report.files[source] = hashing.finish()
            except OSError:
                report.files[source] = hashing.sha.hexdigest()


def _read_stream(stream: IO[bytes], fid: str, source: str, kind: str, options: ReadOptions) -> Iterator[Document | Rejected]:
    if kind in ("text", "html"):
        data = _read_capped(stream, options.max_document_bytes)
        if data is None:
            raise InputError(source, f"document over the {options.max_document_bytes}-byte limit (max_document_bytes)")
        if not data.strip():
            yield Rejected(id=fid, stage="read", reason="empty file", path=source)
            return
        content = decode_markup(data, source) if kind == "html" else decode_text(data, source)
        mode = _resolve_mode(options.mode, content, "text" if kind == "text" else None)
        yield Document(id=fid, content=content, mode=mode, origin=Origin(path=source, sha256=_sha256(data)))
    elif kind == "jsonl":
        head = stream.peek(2)[:2] if hasattr(stream, "peek") else b""
        if head in (b"\xff\xfe", b"\xfe\xff"):  # UTF-16: decode the file as a whole
            data = _read_capped(stream, options.max_decompressed_bytes)
            if data is None:
                raise InputError(source, f"UTF-16 JSONL over the {options.max_decompressed_bytes}-byte limit")
            yield from _iter_jsonl_lines(enumerate(io.StringIO(decode_text(data, source)), start=1), fid, source, options)
        else:  # line by line: one bad byte must not change how the other records are decoded
            yield from _iter_jsonl_lines(_stream_lines(stream, fid, source, options), fid, source, options)
    elif kind == "parquet":
        data = _read_capped(stream, options.max_decompressed_bytes)
        if data is None:
            raise InputError(source, f"Parquet file over the {options.max_decompressed_bytes}-byte limit")
        yield from _iter_parquet(data, fid, source, options)
    elif kind == "warc":
        yield from _iter_warc(stream, fid, source, options)


def _resolve_mode(option: ModeOption, content: str, declared: Literal["text", "html"] | None = None
                  ) -> Literal["text", "html"]:
    # In auto mode the content decides, not the extension: an .html file holding flattened
    # text is still text; a .txt file (declared text) is html only when it is really a document.
    return option if option != "auto" else detect_mode(content, declared)


def _first(record: dict[str, Any], names: Sequence[str]) -> Any:
    for name in names:
        value = record.get(name)
        if value not in (None, ""):
            return value
    return None


def record_to_document(
    record: dict[str, Any], fallback_id: str, source: str, line: int | None, options: ReadOptions, checked: bool = False
) -> Document | Rejected:
    """One JSON-like record (JSONL line, Parquet row, a dict given to the library) as a Document.

    datatrove (``{"text", "id", "media", "metadata": {...}}``) and dolma (``{"id", "text",
    "source", "added", "created", "metadata": {...}}``) records are read as what they are: the
    fields of their ``metadata`` object (``url``, ``title``, ``date`` ...) are read like top-level
    ones and the rest is kept in ``metadata`` itself, not nested a second time under
    ``metadata.metadata``; dolma's ``source`` (the corpus a record came from, not a site) and
    ``added`` are kept in ``metadata``, its ``created`` is the date.

    A record with a lone surrogate anywhere, or nested deeper than ``max_json_depth``, is
    rejected (it has no UTF-8 form, so it could not be written back): the reason names the field.
    ``checked``: the caller knows neither can be (a JSONL line without the escapes or brackets).
    """
    rid = record.get(options.id_field)
    doc_id = str(rid) if rid not in (None, "") else fallback_id
    problem = None if checked else _bad_strings(record, 0, options.max_json_depth)
    if problem is not None:
        return Rejected(id=safe_text(doc_id), stage="read", reason=f"record not kept: {problem}", path=source, line=line)
    record, kept = _lift_nested_metadata(record, options)
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
    mode = options.mode if options.mode != "auto" else ("html" if hint == "html" else detect_mode(content, "text"))
    consumed = {options.id_field, options.text_field, options.html_field}
    site = _first(record, _SITE_ALIASES)
    url = _first(record, _URL_ALIASES)
    date = _first(record, _DATE_ALIASES)
    language = _first(record, _LANGUAGE_ALIASES)
    consumed |= {"title", "author", *_SITE_ALIASES, *_URL_ALIASES, *_DATE_ALIASES, *_LANGUAGE_ALIASES}
    if content is not html and content is not record.get(options.text_field):
        consumed |= {"content", "raw_content", "body"}  # the alias the text came from
    metadata = {k: v for k, v in record.items() if k not in consumed}
    metadata.update(kept)
    size = _utf8_size(content, options.max_document_bytes)
    if size > options.max_document_bytes:
        return Rejected(id=doc_id, stage="read", path=source, line=line,
                        reason=f"document is {size} bytes, over the {options.max_document_bytes}-byte limit (max_document_bytes)")
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


def _utf8_size(text: str, limit: int) -> int:
    """UTF-8 size of ``text``, encoding only when its length leaves the answer open."""
    if len(text) > limit or 4 * len(text) <= limit:
        return len(text)
    return len(text.encode("utf-8", "surrogatepass"))


_DOLMA_KEYS = frozenset(("added", "created"))


def _lift_nested_metadata(record: dict[str, Any], options: ReadOptions) -> tuple[dict[str, Any], dict[str, Any]]:
    """A datatrove/dolma record flattened: ``metadata``'s fields beside the top-level ones (the
    top level wins; a clashing nested value is kept as ``metadata.<key>``), and the fields that go
    to ``metadata`` as they are (dolma's ``source``, the corpus name, which is not a site)."""
    nested = record.get("metadata")
    kept: dict[str, Any] = {}
    dolma = "source" in record and bool(_DOLMA_KEYS & record.keys()) and isinstance(nested, dict)
    if not isinstance(nested, dict):
        return record, kept
    flat = {k: v for k, v in record.items() if k != "metadata"}
    for key, value in (nested or {}).items():
        if key not in flat or flat[key] in (None, ""):
            flat[key] = value
        elif flat[key] != value:  # both levels say something: the nested value is kept, not lost
            flat[f"metadata.{key}"] = value
    if dolma:
        kept["source"] = flat.pop("source")
        if flat.get("date") in (None, "") and flat.get("created") not in (None, ""):
            flat["date"] = flat.pop("created")
    if options.text_field != "media" and flat.get("media") == []:
        flat.pop("media")  # datatrove's empty media list says nothing
    return flat, kept


def _decode_line(raw: bytes) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:  # a line that is not valid UTF-8 is read as cp1252 (that line only)
        return raw.decode("cp1252", errors="replace")


def _stream_lines(
    stream: IO[bytes], fid: str, source: str, options: ReadOptions
) -> Iterator[tuple[int, str | Rejected]]:
    """(line number, decoded line) of a binary stream; a line over ``max_document_bytes`` is
    read past in pieces and given as a Rejected record, so one huge line neither fills memory
    nor hides the lines after it."""
    limit = options.max_document_bytes
    number = 0
    first = True
    while True:
        raw = stream.readline(limit + 1)
        if not raw:
            return
        number += 1
        if raw == b"\n" and hasattr(stream, "peek"):  # a run of empty lines is skipped a buffer at a time
            ahead = stream.peek(1 << 16)
            empty = len(ahead) - len(ahead.lstrip(b"\n"))
            if empty:
                stream.read(empty)
                number += empty
            continue
        if first:
            first = False
            if raw.startswith(b"\xef\xbb\xbf"):
                raw = raw[3:]
        if len(raw) > limit and not raw.endswith(b"\n"):
            while (more := stream.readline(1 << 20)) and not more.endswith(b"\n"):
                pass
            yield number, Rejected(id=f"{fid}:{number}", stage="read", path=source, line=number,
                                   reason=f"JSONL line over the {limit}-byte limit (max_document_bytes)")
            continue
        yield number, _decode_line(raw)


def _iter_jsonl_lines(
    lines: Iterable[tuple[int, str | Rejected]], fid: str, source: str, options: ReadOptions
) -> Iterator[Document | Rejected]:
    """Each line is its own record: whatever is wrong with one line (bad JSON, nesting, a lone
    surrogate, a bug) rejects that line, and reading goes on with the next."""
    for number, line in lines:
        if isinstance(line, Rejected):
            yield line
            continue
        if not line.strip():
            continue
        fallback = f"{fid}:{number}"
        try:
            record = _DECODER.decode(line)
        except json.JSONDecodeError as exc:
            yield Rejected(id=fallback, stage="read", reason=f"invalid JSON: {exc.msg} at column {exc.colno}", path=source, line=number)
            continue
        except RecursionError:
            yield Rejected(id=fallback, stage="read", reason="invalid JSON: nested too deeply to parse", path=source, line=number)
            continue
        except ValueError as exc:  # e.g. an integer longer than Python converts
            yield Rejected(id=fallback, stage="read", reason=f"invalid JSON: {exc}", path=source, line=number)
            continue
        if not isinstance(record, dict):
            yield Rejected(id=fallback, stage="read", reason=f"JSON line is a {type(record).__name__}, not an object", path=source, line=number)
            continue
        try:
            # Only a line with a \uD8xx-\uDFxx escape can hold a lone surrogate, and only one with
            # max_json_depth brackets can nest that deep: the others skip the walk of the record.
            plain = _SURROGATE_ESCAPE.search(line) is None and line.count("[") + line.count("{") < options.max_json_depth
            yield record_to_document(record, fallback, source, number, options, checked=plain)
        except Exception as exc:  # noqa: BLE001 - reported for this line; the next lines are read
            yield Rejected(id=fallback, stage="read", reason=f"record cannot be read: {type(exc).__name__}: {exc}",
                           path=source, line=number)


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
        try:
            yield record_to_document(_json_data(record), f"{fid}:{number}", source, number, options)
        except Exception as exc:  # noqa: BLE001 - that row is rejected, the others are read
            yield Rejected(id=f"{fid}:{number}", stage="read", reason=f"row cannot be read: {type(exc).__name__}: {exc}",
                           path=source, line=number)


def _json_data(value: Any) -> Any:
    """A Parquet value as JSON data, so it can be written back: timestamps and dates as ISO 8601
    text, bytes as UTF-8 text (else ``base64:`` and the base64 text), decimals and other scalars as
    text, NaN and infinities as the strings ``"NaN"``/``"Infinity"``/``"-Infinity"`` (as JSONL's are)."""
    if value is None or isinstance(value, (str, bool, int)):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else ("NaN" if value != value else ("Infinity" if value > 0 else "-Infinity"))
    if isinstance(value, dict):
        return {str(k): _json_data(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_json_data(v) for v in value]
    if isinstance(value, bytes):
        try:
            return value.decode("utf-8")
        except UnicodeDecodeError:
            import base64

            return "base64:" + base64.b64encode(value).decode("ascii")
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


def _iter_warc(stream: IO[bytes], fid: str, source: str, options: ReadOptions) -> Iterator[Document | Rejected]:
    try:
        from warcio.archiveiterator import ArchiveIterator
    except ImportError as exc:
        raise InputError(source, "reading WARC needs warcio: pip install 'cleaner[warc]'") from exc
    number = 0
    try:
        for record in ArchiveIterator(stream):
            if record.rec_type not in ("response", "resource"):
                continue
            number += 1
            doc_id = f"{fid}:{number}"
            url = record.rec_headers.get_header("WARC-Target-URI")
            ctype = record.http_headers.get_header("Content-Type", "") if record.http_headers else ""
            body = _read_capped(record.content_stream(), options.max_document_bytes)
            if body is None:
                yield Rejected(id=doc_id, stage="read", path=source, line=number,
                               reason=f"WARC payload for {url} over the {options.max_document_bytes}-byte limit (max_document_bytes)")
                continue
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
