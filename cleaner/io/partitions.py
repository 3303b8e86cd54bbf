"""Reading big JSONL files as a stream, whole or by byte range.

A JSONL file of a million records (11 GB) must not be read into memory
first: its lines are decoded and parsed one at a time, and its sha256 is
computed on the way. A Dask worker reads its own *partition* of a file: a
byte range that starts and ends on line boundaries, with the number of the
range's first line, so ids made from line numbers (``<file id>:<line>``) and
``origin.line`` are the same as when one process reads the whole file.

The decoding rules are those of :mod:`cleaner.io.readers` (a leading BOM is
skipped; a line that is not UTF-8 is read as cp1252, that line only); the
records are made by the same function (``_iter_jsonl_lines``).
"""
from __future__ import annotations

import hashlib
import itertools
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

CHUNK = 1 << 20


def _decode(raw: bytes) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("cp1252", errors="replace")


def is_utf16(path: Path) -> bool:
    with open(path, "rb") as handle:
        return handle.read(2) in (b"\xff\xfe", b"\xfe\xff")


def iter_lines(path: Path, start: int = 0, end: int | None = None, digest=None) -> Iterator[str]:
    """Decoded lines of ``path[start:end]`` (``start`` at a line start), as ``split(b"\\n")`` gives them:
    the piece after a final newline is an empty last line. ``digest`` is updated with every byte read."""
    with open(path, "rb") as handle:
        handle.seek(start)
        left = None if end is None else end - start
        first = start == 0
        carry = b""
        while True:
            size = CHUNK if left is None else min(CHUNK, left)
            block = handle.read(size) if size else b""
            if left is not None:
                left -= len(block)
            if digest is not None and block:
                digest.update(block)
            if not block:
                break
            data = carry + block
            if first:
                if data.startswith(b"\xef\xbb\xbf"):
                    data = data[3:]
                elif len(data) < 3 and b"\xef\xbb\xbf".startswith(data):
                    carry = data
                    continue
                first = False
            pieces = data.split(b"\n")
            carry = pieces.pop()
            for raw in pieces:
                yield _decode(raw)
        if end is None or carry:
            yield _decode(carry)


def iter_jsonl_file(path: Path, fid: str, source: str, options, digest=None, start: int = 0, end: int | None = None,
                    first_line: int = 1):
    """Records of a JSONL file (or of its byte range from ``start``, whose first line is ``first_line``)."""
    from .readers import _iter_jsonl_lines

    lines = iter_lines(path, start, end, digest)
    # _iter_jsonl_lines numbers lines from 1: blank lines before the range stand for the lines before it
    # (blank lines are skipped, but counted)
    return _iter_jsonl_lines(itertools.chain(itertools.repeat("", first_line - 1), lines), fid, source, options)


def stream_jsonl(path: Path, fid: str, source: str, options, report) -> Iterator:
    """A whole plain JSONL file as a stream; the file's sha256 goes into ``report`` once it is read."""
    digest = hashlib.sha256()
    yield from iter_jsonl_file(path, fid, source, options, digest)
    report.files[source] = digest.hexdigest()


@dataclass(frozen=True)
class Partition:
    """A byte range of one input file, starting at line ``first_line`` (whole file: ``end`` None)."""

    root: str
    path: str
    start: int = 0
    end: int | None = None
    first_line: int = 1


def split_file(root: Path, path: Path, size: int, digest=None) -> list[Partition]:
    """Cut a JSONL file into ranges of about ``size`` bytes on line boundaries (one pass, counting lines)."""
    total = os.path.getsize(path)
    if total <= size:
        if digest is not None:
            with open(path, "rb") as handle:
                for block in iter(lambda: handle.read(CHUNK), b""):
                    digest.update(block)
        return [Partition(str(root), str(path))]
    parts = []
    start, line = 0, 1
    with open(path, "rb") as handle:
        pos = 0
        newlines = 0
        next_cut = size
        for block in iter(lambda: handle.read(CHUNK), b""):
            if digest is not None:
                digest.update(block)
            offset = 0
            while pos + len(block) > next_cut:
                cut = block.find(b"\n", max(offset, next_cut - pos))
                if cut < 0:
                    break
                newlines += block.count(b"\n", offset, cut + 1)
                offset = cut + 1
                parts.append(Partition(str(root), str(path), start, pos + offset, line))
                start, line = pos + offset, newlines + 1
                next_cut = start + size
            newlines += block.count(b"\n", offset)
            pos += len(block)
    parts.append(Partition(str(root), str(path), start, None, line))
    return parts
