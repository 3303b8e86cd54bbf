"""Persisted near-duplicate index, for incremental runs (``--index``).

An index remembers every document deduplicated before - its cleaned record,
its MinHash signature and the verified edges - so that a later run clusters
new documents together with all earlier ones without reading the old inputs
again.  Clustering old + new from the stored edges gives exactly what one run
over all documents would give (a test checks it).

Directory format (``--index DIR``), all files rewritten atomically on
``save()``, byte-identical for the same inputs:

``header.json``
    ``{"format": "cleaner-neardup-index", "version": 1, "params": {...},
    "documents": N, "edges": E}``; ``params`` are the fields of
    :class:`~cleaner.neardup.DedupParams` that shape signatures and edges.  An
    index built with other values is refused (:class:`DedupIndexError`).
``signatures.npy``
    ``(N, num_perm)`` uint32, row ``k`` = document ``k`` of ``documents.jsonl``;
    the values are datasketch ``MinHash(num_perm, seed, hashfunc=xxh32)``
    hash values (load with ``numpy.load``; wrap with
    :func:`cleaner.neardup.minhash.to_datasketch`).
``documents.jsonl``
    one JSON object per document, in insertion order (each run appends its new
    documents in founding order, earliest date first, then id): ``id, site, url, date, title, language, author,
    mode, text, source_text, removed, attribution, origin, notes, standfirst,
    extracted, shingles`` (rows of older indexes without the last fields load too).
``edges.npy``
    ``(E, 2)`` int64, verified near-duplicate edges as row numbers (smaller
    first), in the order they were found.

Redis (``--index redis://HOST:PORT/DB``): the same state under keys
``cleaner:neardup:{header,docs,sigs,edges}`` of that database (the header as
JSON, a list of JSON rows, and byte strings that runs append to: little-endian
uint32 signatures and int64 edge pairs), plus a datasketch ``MinHashLSH`` with
Redis storage (basename ``cleaner:neardup:lsh``) holding the LSH bands of
every indexed signature, which gives a run its candidates among old
documents - and lets any datasketch user query the shared index.  One index
per database: a run with other parameters is refused like a directory's.
"""
from __future__ import annotations

from abc import ABC, abstractmethod
import json
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlparse

import numpy as np

from ..errors import DedupIndexError
from ..records import Attribution, Document, Origin, Span
from .minhash import to_datasketch

if TYPE_CHECKING:
    from . import DedupParams

FORMAT = "cleaner-neardup-index"
VERSION = 1


def document_row(doc: Document, shingles: int) -> dict[str, Any]:
    return {
        "id": doc.id, "site": doc.site, "url": doc.url, "date": doc.date, "title": doc.title,
        "language": doc.language, "author": doc.author, "mode": doc.mode,
        "text": doc.text, "source_text": doc.source_text,
        "removed": [s.to_dict() for s in doc.removed],
        "attribution": doc.attribution.to_dict(),
        "origin": doc.origin.to_dict(),
        "notes": list(doc.notes),
        "standfirst": doc.standfirst,
        "extracted": doc.extracted,
        "shingles": int(shingles),
    }


def document_from_row(row: dict[str, Any]) -> Document:
    return Document(
        id=row["id"], content="", mode=row.get("mode", "text"), site=row.get("site"), url=row.get("url"),
        title=row.get("title"), date=row.get("date"), language=row.get("language"), author=row.get("author"),
        origin=Origin(**row.get("origin", {})), text=row.get("text"), source_text=row.get("source_text"),
        removed=[Span(**s) for s in row.get("removed", [])],
        attribution=Attribution(**row.get("attribution", {})),
        notes=list(row.get("notes", [])),
        standfirst=row.get("standfirst"),
        extracted=bool(row.get("extracted", False)),
    )


class NearDupIndex(ABC):
    """State shared by both backends; subclasses load and save it."""

    def __init__(self, params: "DedupParams") -> None:
        self.params = params
        self.docs: list[Document] = []
        self.sigs = np.empty((0, params.num_perm), dtype=np.uint32)
        self.sizes = np.empty(0, dtype=np.int64)
        self.edges = np.empty((0, 2), dtype=np.int64)

    def header(self) -> dict[str, Any]:
        return {"format": FORMAT, "version": VERSION, "params": self.params.index_key(),
                "documents": len(self.docs), "edges": int(self.edges.shape[0])}

    def _check_header(self, header: dict[str, Any], where: str) -> None:
        if header.get("format") != FORMAT or header.get("version") != VERSION:
            raise DedupIndexError(f"{where}: not a cleaner near-duplicate index (format {header.get('format')!r}, version {header.get('version')!r})")
        self.check_params_dict(header.get("params", {}), where)

    def check_params_dict(self, stored: dict[str, Any], where: str) -> None:
        wanted = self.params.index_key()
        diff = sorted(k for k in set(stored) | set(wanted) if stored.get(k) != wanted.get(k))
        if diff:
            shown = ", ".join(f"{k}: index {stored.get(k)!r} vs run {wanted.get(k)!r}" for k in diff)
            raise DedupIndexError(f"{where}: index was built with other parameters ({shown}); use a new index")

    def check_params(self, params: "DedupParams") -> None:
        if params.index_key() != self.params.index_key():
            wanted, stored = params.index_key(), self.params.index_key()
            diff = sorted(k for k in wanted if wanted[k] != stored.get(k))
            raise DedupIndexError(f"index opened with other parameters than this run ({', '.join(diff)})")

    def state(self) -> tuple[list[Document], np.ndarray, np.ndarray, np.ndarray]:
        return self.docs, self.sigs, self.sizes, self.edges

    def candidates(self, new_sigs: np.ndarray, n_old: int, bands: int, rows: int) -> tuple[np.ndarray, np.ndarray] | None:
        """Candidate pairs for new documents, or None to let the caller band all signatures."""
        return None

    def add(self, docs: list[Document], sigs: np.ndarray, sizes: np.ndarray, edges: np.ndarray) -> None:
        self.docs.extend(docs)
        self.sigs = np.concatenate([self.sigs, sigs]) if self.sigs.size else np.asarray(sigs, dtype=np.uint32)
        self.sizes = np.concatenate([self.sizes, sizes])
        self.edges = np.concatenate([self.edges, np.asarray(edges, dtype=np.int64).reshape(-1, 2)])

    @abstractmethod
    def save(self) -> None:
        """Persist the documents, signatures and edges added since loading."""


class DirectoryIndex(NearDupIndex):
    def __init__(self, path: str | os.PathLike[str], params: "DedupParams") -> None:
        super().__init__(params)
        self.path = Path(path)
        header_path = self.path / "header.json"
        if self.path.exists() and not self.path.is_dir():
            raise DedupIndexError(f"{self.path}: index path exists and is not a directory")
        if not header_path.exists():
            if self.path.exists() and any(self.path.iterdir()):
                raise DedupIndexError(f"{self.path}: not empty and has no header.json; refusing to use it as an index")
            return
        try:
            header = json.loads(header_path.read_text(encoding="utf-8"))
            self._check_header(header, str(self.path))
            self.sigs = np.load(self.path / "signatures.npy")
            self.edges = np.load(self.path / "edges.npy")
            rows = [json.loads(line) for line in (self.path / "documents.jsonl").read_text(encoding="utf-8").splitlines() if line]
        except DedupIndexError:
            raise
        except (OSError, ValueError, KeyError) as exc:
            raise DedupIndexError(f"{self.path}: unreadable index ({exc})") from exc
        if len(rows) != header["documents"] or self.sigs.shape != (len(rows), params.num_perm) or self.edges.shape != (header["edges"], 2):
            raise DedupIndexError(f"{self.path}: index files disagree with header.json (documents/signatures/edges)")
        self.docs = [document_from_row(r) for r in rows]
        self.sizes = np.array([r["shingles"] for r in rows], dtype=np.int64)

    def save(self) -> None:
        self.path.mkdir(parents=True, exist_ok=True)
        rows = "".join(json.dumps(document_row(d, s), ensure_ascii=False, sort_keys=True) + "\n" for d, s in zip(self.docs, self.sizes))
        self._write(self.path / "documents.jsonl", rows.encode("utf-8"))
        self._write_npy(self.path / "signatures.npy", self.sigs.astype(np.uint32))
        self._write_npy(self.path / "edges.npy", self.edges.astype(np.int64))
        # header last: a crash before this leaves the old header, whose counts
        # then disagree with the files and make the next open refuse loudly
        self._write(self.path / "header.json", (json.dumps(self.header(), indent=2, sort_keys=True) + "\n").encode("utf-8"))

    @staticmethod
    def _write(path: Path, data: bytes) -> None:
        tmp = path.with_name(path.name + ".tmp")
        tmp.write_bytes(data)
        os.replace(tmp, path)

    @staticmethod
    def _write_npy(path: Path, array: np.ndarray) -> None:
        tmp = path.with_name(path.name + ".tmp")
        with open(tmp, "wb") as fh:
            np.save(fh, array, allow_pickle=False)
        os.replace(tmp, path)


class RedisIndex(NearDupIndex):
    """The index in Redis: state keys plus a datasketch MinHashLSH on Redis storage."""

    def __init__(self, url: str, params: "DedupParams") -> None:
        super().__init__(params)
        try:
            import redis
        except ImportError as exc:  # pragma: no cover - optional dependency
            raise DedupIndexError("redis:// index needs the redis package (pip install cleaner[redis])") from exc
        parsed = urlparse(url)
        db = int(parsed.path.strip("/") or 0)
        self.config = {"host": parsed.hostname or "localhost", "port": parsed.port or 6379, "db": db}
        self.url = url
        self.client = redis.Redis(**self.config)
        # one index per Redis database: a run with other parameters is refused
        # (use another DB number for another parameter set)
        self.base = "cleaner:neardup"
        try:
            raw_header = self.client.get(self.base + ":header")
        except redis.RedisError as exc:
            raise DedupIndexError(f"{url}: cannot reach redis ({exc})") from exc
        header = json.loads(raw_header) if raw_header is not None else None
        if header is not None:
            self._check_header(header, url)
        bands, rows = params.band_rows
        from datasketch import MinHashLSH

        self.lsh = MinHashLSH(
            threshold=params.threshold, num_perm=params.num_perm, params=(bands, rows),
            storage_config={"type": "redis", "basename": (self.base + ":lsh").encode(), "redis": self.config},
        )
        if header is None:
            return
        n, e = header["documents"], header["edges"]
        rows_json = self.client.lrange(self.base + ":docs", 0, n - 1)
        sig_bytes = self.client.getrange(self.base + ":sigs", 0, n * params.num_perm * 4 - 1) if n else b""
        edge_bytes = self.client.getrange(self.base + ":edges", 0, e * 16 - 1) if e else b""
        if len(rows_json) != n or len(sig_bytes) != n * params.num_perm * 4 or len(edge_bytes) != e * 16:
            raise DedupIndexError(f"{url}: index keys disagree with the header")
        records = [json.loads(r) for r in rows_json]
        self.docs = [document_from_row(r) for r in records]
        self.sizes = np.array([r["shingles"] for r in records], dtype=np.int64)
        self.sigs = np.frombuffer(sig_bytes, dtype="<u4").reshape(n, params.num_perm).copy()
        self.edges = np.frombuffer(edge_bytes, dtype="<i8").reshape(e, 2).copy()
        self._saved_docs, self._saved_edges = n, e

    _saved_docs = 0
    _saved_edges = 0

    def candidates(self, new_sigs: np.ndarray, n_old: int, bands: int, rows: int) -> tuple[np.ndarray, np.ndarray]:
        """New-vs-old candidates from datasketch's Redis LSH; new-vs-new by band keys."""
        from .lsh import band_keys, candidate_pairs, sorted_unique

        position = {d.id: k for k, d in enumerate(self.docs)}
        lo: list[int] = []
        hi: list[int] = []
        if n_old:
            seed = self.params.seed
            for k in range(new_sigs.shape[0]):
                for key in self.lsh.query(to_datasketch(new_sigs[k], seed, lean=True)):
                    old = position.get(key)
                    if old is not None and old < n_old:
                        lo.append(old)
                        hi.append(n_old + k)
        ni, nj = candidate_pairs(band_keys(new_sigs, bands, rows), self.params.bucket_window)
        i = np.concatenate([np.array(lo, dtype=np.int64), ni + n_old])
        j = np.concatenate([np.array(hi, dtype=np.int64), nj + n_old])
        codes = sorted_unique(i * (n_old + new_sigs.shape[0]) + j)
        total = n_old + new_sigs.shape[0]
        return codes // total, codes % total

    def save(self) -> None:
        n0, e0 = self._saved_docs, self._saved_edges
        new_docs = self.docs[n0:]
        pipe = self.client.pipeline(transaction=True)
        for d, s in zip(new_docs, self.sizes[n0:]):
            pipe.rpush(self.base + ":docs", json.dumps(document_row(d, s), ensure_ascii=False, sort_keys=True))
        if new_docs:
            pipe.append(self.base + ":sigs", self.sigs[n0:].astype("<u4").tobytes())
        if self.edges.shape[0] > e0:
            pipe.append(self.base + ":edges", self.edges[e0:].astype("<i8").tobytes())
        pipe.set(self.base + ":header", json.dumps(self.header(), sort_keys=True))
        pipe.execute()
        with self.lsh.insertion_session() as session:
            for k, d in enumerate(new_docs, start=n0):
                session.insert(d.id, to_datasketch(self.sigs[k], self.params.seed, lean=True), check_duplication=False)
        self._saved_docs, self._saved_edges = len(self.docs), int(self.edges.shape[0])


def open_index(location: str, params: "DedupParams") -> NearDupIndex:
    """A directory index, or a Redis one for ``redis://HOST:PORT/DB``."""
    if location.startswith("redis://"):
        return RedisIndex(location, params)
    return DirectoryIndex(location, params)
