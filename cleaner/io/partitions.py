"""Reading big JSONL files as a stream, whole or by byte range.

A JSONL file of a million records (11 GB) must not be read into memory
first: its lines are decoded and parsed one at a time, and its sha256 is
computed on the way. A Dask worker reads its own *partition* of a file: a
byte range that starts and ends on line boundaries, with the number of the
range's first line, so ids made from line numbers (``<file id>:<line>``) and
``origin.line`` are the same as when one process reads the whole file.

The lines are read and decoded by :mod:`cleaner.io.readers`' own line reader
(``_stream_lines``: a leading BOM skipped, a line over ``max_document_bytes``
rejected without being held) and the records made by the same function
(``_iter_jsonl_lines``).
"""
from __future__ import annotations

import dataclasses
import hashlib
import io
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from ..records import Rejected

CHUNK = 1 << 20


def is_utf16(path: Path) -> bool:
    with open(path, "rb") as handle:
        return handle.read(2) in (b"\xff\xfe", b"\xfe\xff")


class _Range(io.RawIOBase):
    """``path[start:end]`` as a binary stream (``digest`` updated with every byte read)."""

    def __init__(self, handle, end: int | None, digest=None) -> None:
        self.handle, self.digest = handle, digest
        self.left = None if end is None else end - handle.tell()

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        size = len(buffer) if self.left is None else min(len(buffer), self.left)
        data = self.handle.read(size) if size else b""
        if self.left is not None:
            self.left -= len(data)
        if self.digest is not None:
            self.digest.update(data)
        buffer[: len(data)] = data
        return len(data)


def iter_jsonl_file(path: Path, fid: str, source: str, options, digest=None, start: int = 0, end: int | None = None,
                    first_line: int = 1):
    """Records of a JSONL file (or of its byte range from ``start``, whose first line is ``first_line``),
    read by the readers' own line reader (its per-line size cap and decoding) and record maker."""
    from .readers import _iter_jsonl_lines, _stream_lines

    with open(path, "rb") as handle:
        handle.seek(start)
        stream = io.BufferedReader(_Range(handle, end, digest), 1 << 16)
        yield from _iter_jsonl_lines(_renumbered(_stream_lines(stream, fid, source, options), first_line - 1, fid),
                                     fid, source, options)


def _renumbered(lines, offset: int, fid: str):
    """Line numbers of a range as those of the whole file (and the ids of lines rejected by size)."""
    for number, line in lines:
        number += offset
        if offset and isinstance(line, Rejected):
            line = dataclasses.replace(line, id=f"{fid}:{number}", line=number)
        yield number, line


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
