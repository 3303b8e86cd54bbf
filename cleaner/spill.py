"""The work folder of a streaming run: shards of documents spilled to disk.

A run over a million documents cannot hold them. Each batch of documents is
written once per stage as a *shard*: one record per document, concatenated,
with an offsets array, so that one document can be read back by (shard, row)
without reading the shard. A record is the Document's plain fields
(:func:`document_to_json`: strings, numbers, lists, dicts) serialised with
:mod:`marshal`, which builds only those data types and never runs code (not
a pickle); each shard's sha256 is kept beside it and checked before it is
read, so a file changed or cut short since is refused. Signatures and the few numbers de-duplication needs per
document are ``.npy`` arrays next to it.

Every file is written under a temporary name and renamed; a shard counts as
done when its summary file exists (renamed last), so after a ``kill -9`` the
same command finds the shards that are complete and redoes only the others.

Chosen by measurement (``benchmarks/bench_spill.py``, RESULTS.md): per
cleaned syndication-dev document, marshal records + offsets write in ~60 µs
and read back (in order or by row) in ~70-80 µs; JSON lines 153 / 115-123,
Arrow IPC (memory-mapped, the JSON as a binary cell, since a record's nested
lists mix types) 358 / 141-149, SQLite 280 / 176-180: decoding the record
dominates every reader. Parquet cannot be read by row without decoding a page.
"""
from __future__ import annotations

import hashlib
import json
import marshal
import os
import shutil
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from .records import Attribution, Document, Origin, Rejected, Span

FORMAT_VERSION = 2


# -- records as JSON -------------------------------------------------------------

def document_to_json(doc: Document) -> dict[str, Any]:
    """Every field of a Document; a text document's content is its source text (stored once)."""
    content = doc.content
    same = doc.source_text is not None and content == doc.source_text
    return {
        "id": doc.id, "mode": doc.mode, "site": doc.site, "url": doc.url, "title": doc.title, "date": doc.date,
        "language": doc.language, "author": doc.author,
        "origin": [doc.origin.path, doc.origin.line, doc.origin.sha256],
        "metadata": doc.metadata,
        "content": None if same else content,
        "text": doc.text, "source_text": doc.source_text, "extracted": doc.extracted, "standfirst": doc.standfirst,
        "removed": [[s.start, s.end, s.kind, s.reason] for s in doc.removed],
        "attribution": [doc.attribution.original_publisher, doc.attribution.republished_by, doc.attribution.notices],
        "notes": doc.notes,
    }


def document_from_json(d: dict[str, Any]) -> Document:
    origin = d["origin"]
    publisher, republished, notices = d["attribution"]
    return Document(
        id=d["id"], content=d["source_text"] if d["content"] is None else d["content"], mode=d["mode"],
        site=d["site"], url=d["url"], title=d["title"], date=d["date"], language=d["language"], author=d["author"],
        origin=Origin(path=origin[0], line=origin[1], sha256=origin[2]), metadata=d["metadata"],
        text=d["text"], source_text=d["source_text"], extracted=d["extracted"], standfirst=d["standfirst"],
        removed=[Span(*s) for s in d["removed"]],
        attribution=Attribution(original_publisher=publisher, republished_by=list(republished), notices=list(notices)),
        notes=list(d["notes"]),
    )


def rejected_to_json(r: Rejected) -> list:
    return [r.id, r.reason, r.stage, r.path, r.line]


def rejected_from_json(v: Sequence) -> Rejected:
    return Rejected(id=v[0], reason=v[1], stage=v[2], path=v[3], line=v[4])


def _dumps(value: Any) -> bytes:
    # surrogatepass: a lone surrogate read from a JSON input must survive the spill as it is
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8", "surrogatepass")


def _loads(data: bytes) -> Any:
    return json.loads(data.decode("utf-8", "surrogatepass"))


# -- files -----------------------------------------------------------------------

def replace_file(path: Path, write) -> None:
    """``write(handle)`` into a temporary file next to ``path``, then rename it into place."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with open(tmp, "wb") as handle:
            write(handle)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def save_json(path: Path, value: Any) -> None:
    replace_file(path, lambda h: h.write(_dumps(value)))


def load_json(path: Path) -> Any:
    return _loads(path.read_bytes())


def save_array(path: Path, array: np.ndarray) -> None:
    replace_file(path, lambda h: np.save(h, np.ascontiguousarray(array), allow_pickle=False))


def load_array(path: Path, mmap: bool = False) -> np.ndarray:
    return np.load(path, mmap_mode="r" if mmap else None, allow_pickle=False)


class ShardWriter:
    """Documents of one shard as marshalled records, with the byte offset of every record and
    the shard's sha256."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        self._handle = open(self._tmp, "wb")
        self._offsets = [0]
        self._digest = hashlib.sha256()

    def add(self, doc: Document) -> None:
        record = marshal.dumps(document_to_json(doc))
        self._handle.write(record)
        self._digest.update(record)
        self._offsets.append(self._offsets[-1] + len(record))

    def close(self) -> None:
        self._handle.close()
        save_array(self.path.with_suffix(".offsets.npy"), np.asarray(self._offsets, dtype=np.int64))
        save_json(self.path.with_suffix(".sha256"), self._digest.hexdigest())
        os.replace(self._tmp, self.path)

    def abort(self) -> None:
        self._handle.close()
        self._tmp.unlink(missing_ok=True)


class DamagedShard(RuntimeError):
    """A shard whose bytes are not those written (changed, or cut short, since)."""


_verified: set[str] = set()  # shards this process has checked


def _check(path: Path, data: bytes | None, offsets: np.ndarray) -> None:
    if data is None:
        digest, size = hashlib.sha256(), 0
        with open(path, "rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
                size += len(block)
    else:
        digest, size = hashlib.sha256(data), len(data)
    if digest.hexdigest() != load_json(path.with_suffix(".sha256")) or int(offsets[-1]) != size:
        raise DamagedShard(f"{path}: the shard changed since it was written; delete the work folder {path.parent}")
    _verified.add(str(path))


def _checked(path: Path) -> tuple[bytes, np.ndarray]:
    data = path.read_bytes()
    offsets = load_array(path.with_suffix(".offsets.npy"))
    _check(path, data, offsets)
    return data, offsets


def iter_shard(path: Path) -> Iterator[Document]:
    data, offsets = _checked(path)
    view = memoryview(data)
    for k in range(offsets.size - 1):
        yield document_from_json(marshal.loads(view[offsets[k] : offsets[k + 1]]))


class ShardReader:
    """Random access to the documents of a shard by row (checked once, when opened)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.offsets = load_array(path.with_suffix(".offsets.npy"))
        if str(path) not in _verified:
            _check(path, None, self.offsets)
        self._handle = open(path, "rb")

    def __len__(self) -> int:
        return int(self.offsets.size - 1)

    def get(self, row: int) -> Document:
        start, end = int(self.offsets[row]), int(self.offsets[row + 1])
        self._handle.seek(start)
        return document_from_json(marshal.loads(self._handle.read(end - start)))

    def close(self) -> None:
        self._handle.close()


class ShardStore:
    """Readers of many shards, opened on first use (a run may have thousands of shards)."""

    def __init__(self, paths: Sequence[Path]) -> None:
        self.paths = list(paths)
        self._open: dict[int, ShardReader] = {}

    def get(self, shard: int, row: int) -> Document:
        reader = self._open.get(shard)
        if reader is None:
            if len(self._open) >= 64:  # a bounded number of open files
                self._open.pop(next(iter(self._open))).close()
            reader = self._open[shard] = ShardReader(self.paths[shard])
        return reader.get(row)

    def close(self) -> None:
        for reader in self._open.values():
            reader.close()
        self._open.clear()


# -- the work folder ---------------------------------------------------------------

class WorkFolder:
    """Shards and summaries of one run, reusable by the same command after a crash.

    ``fingerprint`` names everything the shards depend on (options, input
    files with sizes and modification times, cleaner's code); a folder made
    by another fingerprint is emptied first.
    """

    def __init__(self, root: Path, fingerprint: str) -> None:
        self.root = root
        root.mkdir(parents=True, exist_ok=True)
        stamp = root / "fingerprint.json"
        if stamp.is_file():
            try:
                same = load_json(stamp) == {"version": FORMAT_VERSION, "fingerprint": fingerprint}
            except (ValueError, OSError):
                same = False
            if not same:
                self.clear()
        for stale in root.glob(".*.tmp"):  # a killed run's half-written files
            stale.unlink(missing_ok=True)
        if not stamp.is_file():
            save_json(stamp, {"version": FORMAT_VERSION, "fingerprint": fingerprint})

    def clear(self) -> None:
        for child in self.root.iterdir():
            if child.is_dir():
                shutil.rmtree(child)
            else:
                child.unlink()

    def path(self, name: str) -> Path:
        return self.root / name

    def done(self, name: str) -> bool:
        return (self.root / f"{name}.done.json").is_file()

    def summary(self, name: str) -> Any:
        return load_json(self.root / f"{name}.done.json")

    def mark_done(self, name: str, summary: Any) -> None:
        save_json(self.root / f"{name}.done.json", summary)

    def remove(self) -> None:
        shutil.rmtree(self.root, ignore_errors=True)


def work_folder_for(out: Path) -> Path:
    """The default work folder of an output folder: a hidden sibling, never inside the output."""
    out = out.resolve()
    return out.parent / f".{out.name}.cleaner-work"


def merge_sorted(runs: Iterable[Iterator[Any]], key=None) -> Iterator[Any]:
    """External merge of sorted runs (``heapq.merge``): one item of each run in memory."""
    import heapq

    return heapq.merge(*runs, key=key)
