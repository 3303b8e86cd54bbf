"""Persisted near-duplicate index, for incremental runs (``--index``).

An index remembers every document deduplicated before - its cleaned record,
its MinHash signature and the verified edges - so that a later run clusters
new documents together with all earlier ones without reading the old inputs
again.  Clustering old + new from the stored edges gives exactly what one run
over all documents would give (a test checks it).

Directory format (``--index DIR``), version 2. Every ``save()`` writes a new
*generation* folder and then flips the pointer, so a crash at any moment leaves
the earlier state whole; the same inputs give byte-identical files:

``header.json``
    the pointer, replaced atomically (temporary file, fsync, rename) after the
    generation is complete: ``{"format": "cleaner-neardup-index", "version": 2,
    "params": {...}, "documents": N, "edges": E, "generation": "gen-000003",
    "sha256": {file: digest}}``; ``params`` are the fields of
    :class:`~cleaner.neardup.DedupParams` that shape signatures and edges.  An
    index built with other values is refused (:class:`DedupIndexError`); so is
    one whose files do not match their ``sha256`` (edited or damaged).
``gen-NNNNNN/signatures.npy``
    ``(N, num_perm)`` uint32, row ``k`` = document ``k`` of ``documents.jsonl``;
    the values are datasketch ``MinHash(num_perm, seed, hashfunc=xxh32)``
    hash values (load with ``numpy.load``; wrap with
    :func:`cleaner.neardup.minhash.to_datasketch`).
``gen-NNNNNN/documents.jsonl``
    one JSON object per document, in insertion order (each run appends its new
    documents in founding order, earliest date first, then id): ``id, site, url, date, title, language, author,
    mode, text, source_text, removed, attribution, origin, notes, standfirst,
    extracted, shingles`` (rows of older indexes without the last fields load too).
``gen-NNNNNN/edges.npy``
    ``(E, 2)`` int64, verified near-duplicate edges as row numbers (smaller
    first), in the order they were found.

Generations the pointer does not name (an older one, or one a crash left half
written) are removed after the next successful save. A version-1 index (the
same three files beside ``header.json``, no checksums) is read, and replaced
by a version-2 layout at its next save.

Redis (``--index redis://HOST:PORT/DB``, or ``rediss://`` for TLS; a password as
``redis://:PASSWORD@HOST``): the same state under keys
``cleaner:neardup:{header,docs,sigs,edges}`` of that database (the header as
JSON, a list of JSON rows, and byte strings: little-endian uint32 signatures
and int64 edge pairs), plus a datasketch ``MinHashLSH`` with Redis storage
(basename ``cleaner:neardup:lsh``) holding the LSH bands of every indexed
signature, which gives a run its candidates among old documents - and lets any
datasketch user query the shared index.  A save first adds the new signatures
to the LSH, then writes the new rows at their exact offsets and the header in
one MULTI/EXEC transaction, watched so that a concurrent save is refused: the
header is the pointer, and keys past what it counts are never read. The
header holds the sha256 of the three state keys, checked on load.  One index
per database: a run with other parameters is refused like a directory's.
"""
from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
from abc import ABC, abstractmethod
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
VERSION = 2
READ_VERSIONS = (1, 2)
_GENERATION = re.compile(r"gen-(\d{6,})$")
STATE_FILES = ("documents.jsonl", "signatures.npy", "edges.npy")


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

    def __init__(self, params: DedupParams) -> None:
        self.params = params
        self.docs: list[Document] = []
        self.sigs = np.empty((0, params.num_perm), dtype=np.uint32)
        self.sizes = np.empty(0, dtype=np.int64)
        self.edges = np.empty((0, 2), dtype=np.int64)

    def header(self) -> dict[str, Any]:
        return {"format": FORMAT, "version": VERSION, "params": self.params.index_key(),
                "documents": len(self.docs), "edges": int(self.edges.shape[0])}

    def _check_header(self, header: dict[str, Any], where: str) -> None:
        if not isinstance(header, dict) or header.get("format") != FORMAT or header.get("version") not in READ_VERSIONS:
            raise DedupIndexError(f"{where}: not a cleaner near-duplicate index (format {header.get('format')!r}, version {header.get('version')!r})")
        self.check_params_dict(header.get("params", {}), where)

    def check_params_dict(self, stored: dict[str, Any], where: str) -> None:
        wanted = self.params.index_key()
        diff = sorted(k for k in set(stored) | set(wanted) if stored.get(k) != wanted.get(k))
        if diff:
            shown = ", ".join(f"{k}: index {stored.get(k)!r} vs run {wanted.get(k)!r}" for k in diff)
            raise DedupIndexError(f"{where}: index was built with other parameters ({shown}); use a new index")

    def check_params(self, params: DedupParams) -> None:
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


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


_TEMPORARY = re.compile(r"^\.[\w.-]+\.\d+\.tmp$")


def _ours(name: str) -> bool:
    """A generation folder or a temporary file of a save (one a crash may leave before the first header)."""
    return bool(_GENERATION.match(name) or _TEMPORARY.match(name))


def _npy_bytes(array: np.ndarray) -> bytes:
    import io

    buffer = io.BytesIO()
    np.save(buffer, array, allow_pickle=False)
    return buffer.getvalue()


def _write_durably(path: Path, data: bytes) -> None:
    """``data`` at ``path`` through a temporary file, fsync and rename (then the folder is synced)."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with open(tmp, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)
    _fsync_dir(path.parent)


def _fsync_dir(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:  # pragma: no cover - e.g. platforms without directory fds
        return
    try:
        os.fsync(fd)
    except OSError:  # pragma: no cover
        pass
    finally:
        os.close(fd)


class DirectoryIndex(NearDupIndex):
    def __init__(self, path: str | os.PathLike[str], params: DedupParams) -> None:
        super().__init__(params)
        self.path = Path(path)
        self.generation = 0
        header_path = self.path / "header.json"
        if self.path.exists() and not self.path.is_dir():
            raise DedupIndexError(f"{self.path}: index path exists and is not a directory")
        if not header_path.exists():
            if self.path.exists() and any(p for p in self.path.iterdir() if not _ours(p.name)):
                raise DedupIndexError(f"{self.path}: not empty and has no header.json; refusing to use it as an index")
            return
        try:
            header = json.loads(header_path.read_text(encoding="utf-8"))
            self._check_header(header, str(self.path))
            rows = self._load(header, params)
        except DedupIndexError:
            raise
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise DedupIndexError(f"{self.path}: unreadable index ({exc})") from exc
        self.docs = [document_from_row(r) for r in rows]
        self.sizes = np.array([r["shingles"] for r in rows], dtype=np.int64)

    def _load(self, header: dict[str, Any], params: DedupParams) -> list[dict[str, Any]]:
        import io

        if header["version"] == 1:
            folder, sums = self.path, None
        else:
            match = _GENERATION.match(str(header.get("generation", "")))
            if match is None:
                raise DedupIndexError(f"{self.path}: header.json names no generation folder")
            self.generation = int(match.group(1))
            folder, sums = self.path / header["generation"], header.get("sha256") or {}
        blobs = {}
        for name in STATE_FILES:
            blobs[name] = (folder / name).read_bytes()
            if sums is not None and _sha256(blobs[name]) != sums.get(name):
                raise DedupIndexError(
                    f"{self.path}: {folder.name}/{name} does not match its checksum in header.json "
                    "(edited or damaged since it was saved); refusing to use this index")
        self.sigs = np.load(io.BytesIO(blobs["signatures.npy"]), allow_pickle=False)
        self.edges = np.load(io.BytesIO(blobs["edges.npy"]), allow_pickle=False)
        rows = [json.loads(line) for line in blobs["documents.jsonl"].decode("utf-8").splitlines() if line]
        if len(rows) != header["documents"] or self.sigs.shape != (len(rows), params.num_perm) or self.edges.shape != (header["edges"], 2):
            raise DedupIndexError(f"{self.path}: index files disagree with header.json (documents/signatures/edges)")
        return rows

    def save(self) -> None:
        """A new generation folder, then the pointer (header.json) flipped to it, then old ones removed."""
        self.path.mkdir(parents=True, exist_ok=True)
        rows = "".join(json.dumps(document_row(d, s), ensure_ascii=False, sort_keys=True) + "\n" for d, s in zip(self.docs, self.sizes))
        blobs = {
            "documents.jsonl": rows.encode("utf-8"),
            "signatures.npy": _npy_bytes(self.sigs.astype(np.uint32)),
            "edges.npy": _npy_bytes(self.edges.astype(np.int64)),
        }
        taken = [int(m.group(1)) for p in self.path.iterdir() if (m := _GENERATION.match(p.name))]
        generation = max([self.generation, *taken]) + 1
        name = f"gen-{generation:06d}"
        folder = self.path / name
        folder.mkdir()
        for file, data in blobs.items():
            _write_durably(folder / file, data)
        header = {**self.header(), "generation": name, "sha256": {f: _sha256(b) for f, b in blobs.items()}}
        _write_durably(self.path / "header.json", (json.dumps(header, indent=2, sort_keys=True) + "\n").encode("utf-8"))
        self.generation = generation
        for old in self.path.iterdir():  # older generations, half-written ones, version-1 files
            if old.name in ("header.json", name):
                continue
            if _GENERATION.match(old.name) and old.is_dir():
                shutil.rmtree(old, ignore_errors=True)
            elif old.name in STATE_FILES or _TEMPORARY.match(old.name):
                old.unlink(missing_ok=True)


def redis_config(url: str) -> dict[str, Any]:
    """redis-py connection arguments from a ``redis://`` or ``rediss://`` (TLS) URL; a bad URL is a
    :class:`DedupIndexError` that says what is wrong with it."""
    parsed = urlparse(url)
    if parsed.scheme not in ("redis", "rediss"):
        raise DedupIndexError(f"{url}: not a redis:// or rediss:// URL")
    try:
        port = parsed.port
    except ValueError:
        raise DedupIndexError(f"{url}: the port must be a number from 1 to 65535") from None
    db_text = parsed.path.strip("/") or "0"
    if not db_text.isdigit():
        raise DedupIndexError(f"{url}: the database must be a number (redis://HOST:PORT/DB), not {db_text!r}")
    config: dict[str, Any] = {"host": parsed.hostname or "localhost", "port": port or 6379, "db": int(db_text)}
    if parsed.password:
        config["password"] = parsed.password
    if parsed.username:
        config["username"] = parsed.username
    if parsed.scheme == "rediss":
        config["ssl"] = True
    return config


def _redact(url: str) -> str:
    parsed = urlparse(url)
    return url.replace(f":{parsed.password}@", ":***@") if parsed.password else url


class RedisIndex(NearDupIndex):
    """The index in Redis: state keys plus a datasketch MinHashLSH on Redis storage."""

    def __init__(self, url: str, params: DedupParams) -> None:
        super().__init__(params)
        try:
            import redis
        except ImportError as exc:  # pragma: no cover - optional dependency
            raise DedupIndexError("redis:// index needs the redis package (pip install cleaner[redis])") from exc
        self.config = redis_config(url)
        self.url = _redact(url)
        self._errors = redis.RedisError
        self.client = redis.Redis(socket_connect_timeout=5, **self.config)
        # one index per Redis database: a run with other parameters is refused
        # (use another DB number for another parameter set)
        self.base = "cleaner:neardup"
        with self._talking("cannot reach redis"):
            raw_header = self.client.get(self.base + ":header")
        self._header_raw = raw_header
        header = json.loads(raw_header) if raw_header is not None else None
        if header is not None:
            self._check_header(header, self.url)
        bands, rows = params.band_rows
        from datasketch import MinHashLSH

        with self._talking("cannot open the LSH"):
            self.lsh = MinHashLSH(
                threshold=params.threshold, num_perm=params.num_perm, params=(bands, rows),
                storage_config={"type": "redis", "basename": (self.base + ":lsh").encode(), "redis": self.config},
            )
        if header is None:
            return
        n, e = header["documents"], header["edges"]
        with self._talking("cannot read the index"):
            rows_json = self.client.lrange(self.base + ":docs", 0, n - 1) if n else []
            sig_bytes = self.client.getrange(self.base + ":sigs", 0, n * params.num_perm * 4 - 1) if n else b""
            edge_bytes = self.client.getrange(self.base + ":edges", 0, e * 16 - 1) if e else b""
        if len(rows_json) != n or len(sig_bytes) != n * params.num_perm * 4 or len(edge_bytes) != e * 16:
            raise DedupIndexError(f"{self.url}: index keys disagree with the header")
        docs_hash = hashlib.sha256()
        for r in rows_json:
            docs_hash.update(r + b"\n")
        sums = header.get("sha256")
        if header["version"] >= 2:
            found = {"docs": docs_hash.hexdigest(), "sigs": _sha256(sig_bytes), "edges": _sha256(edge_bytes)}
            bad = sorted(k for k in found if not sums or sums.get(k) != found[k])
            if bad:
                raise DedupIndexError(f"{self.url}: index keys {', '.join(bad)} do not match their checksums in the header "
                                      "(edited or damaged since they were saved); refusing to use this index")
        records = [json.loads(r) for r in rows_json]
        self._docs_hash = docs_hash
        self.docs = [document_from_row(r) for r in records]
        self.sizes = np.array([r["shingles"] for r in records], dtype=np.int64)
        self.sigs = np.frombuffer(sig_bytes, dtype="<u4").reshape(n, params.num_perm).copy()
        self.edges = np.frombuffer(edge_bytes, dtype="<i8").reshape(e, 2).copy()
        self._saved_docs, self._saved_edges = n, e

    _header_raw: bytes | None = None
    _docs_hash: Any = None

    def _talking(self, what: str) -> Any:
        """A context in which a Redis error becomes a DedupIndexError naming the index."""
        index = self

        class _Guard:
            def __enter__(self) -> None:
                return None

            def __exit__(self, kind: Any, exc: Any, tb: Any) -> bool:
                if exc is not None and isinstance(exc, index._errors):
                    raise DedupIndexError(f"{index.url}: {what} ({type(exc).__name__}: {exc})") from exc
                return False

        return _Guard()

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
            with self._talking("querying the index failed"):
                for k in range(new_sigs.shape[0]):
                    for key in self.lsh.query(to_datasketch(new_sigs[k], seed, lean=True)):
                        old = position.get(key.decode("utf-8") if isinstance(key, bytes) else key)
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
        """LSH entries first, then the state and the header in one watched transaction: an
        interrupted save leaves the earlier header, which counts (and checksums) only what it saved."""
        import redis

        n0 = self._saved_docs
        new_docs = self.docs[n0:]
        with self._talking("saving the index failed; the earlier state is kept"):
            with self.lsh.insertion_session() as session:
                for k, d in enumerate(new_docs, start=n0):
                    session.insert(d.id, to_datasketch(self.sigs[k], self.params.seed, lean=True), check_duplication=False)
            new_rows = [json.dumps(document_row(d, s), ensure_ascii=False, sort_keys=True).encode("utf-8") for d, s in zip(new_docs, self.sizes[n0:])]
            docs_hash = self._docs_hash.copy() if self._docs_hash is not None else hashlib.sha256()
            for r in new_rows:
                docs_hash.update(r + b"\n")
            sig_bytes = self.sigs.astype("<u4").tobytes()
            edge_bytes = self.edges.astype("<i8").tobytes()
            header = {**self.header(), "sha256": {"docs": docs_hash.hexdigest(), "sigs": _sha256(sig_bytes), "edges": _sha256(edge_bytes)}}
            pipe = self.client.pipeline(transaction=True)
            try:
                pipe.watch(self.base + ":header")
                if pipe.get(self.base + ":header") != self._header_raw:
                    raise DedupIndexError(f"{self.url}: another run saved this index since it was opened; run again")
                pipe.multi()
                # Rows past the header's counts (left by anything but a cleaner save) are cut off, and
                # the new ones are written at their exact offsets.
                pipe.ltrim(self.base + ":docs", 0, n0 - 1) if n0 else pipe.delete(self.base + ":docs")
                if new_rows:
                    pipe.rpush(self.base + ":docs", *new_rows)
                pipe.set(self.base + ":sigs", sig_bytes)
                pipe.set(self.base + ":edges", edge_bytes)
                raw_header = json.dumps(header, sort_keys=True).encode("utf-8")
                pipe.set(self.base + ":header", raw_header)
                pipe.execute()
            except redis.WatchError:
                raise DedupIndexError(f"{self.url}: another run saved this index at the same time; run again") from None
            finally:
                pipe.reset()
        self._header_raw, self._docs_hash = raw_header, docs_hash
        self._saved_docs, self._saved_edges = len(self.docs), int(self.edges.shape[0])


def probe_index(location: str, params: DedupParams) -> None:
    """Check, before any work starts, that the index can be used: the Redis server answers and
    its header fits ``params``, or the folder's header fits them. Raises DedupIndexError."""
    if location.startswith(("redis://", "rediss://")):
        try:
            import redis
        except ImportError as exc:  # pragma: no cover
            raise DedupIndexError("redis:// index needs the redis package (pip install cleaner[redis])") from exc
        from redis.backoff import NoBackoff
        from redis.retry import Retry

        config, url = redis_config(location), _redact(location)
        # One try: this only asks whether the server is there (a run's own client retries).
        client = redis.Redis(socket_connect_timeout=5, retry=Retry(NoBackoff(), 0), **config)
        try:
            raw = client.get("cleaner:neardup:header")
        except redis.RedisError as exc:
            raise DedupIndexError(f"{url}: cannot reach redis ({type(exc).__name__}: {exc})") from exc
        finally:
            client.close()
        if raw is not None:
            probe = _Probe(params)
            probe._check_header(json.loads(raw), url)
        return
    _refuse_other_urls(location)
    path = Path(location)
    if path.exists() and not path.is_dir():
        raise DedupIndexError(f"{path}: index path exists and is not a directory")
    header = path / "header.json"
    if header.is_file():
        try:
            data = json.loads(header.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise DedupIndexError(f"{path}: unreadable index header ({exc})") from exc
        _Probe(params)._check_header(data, str(path))


class _Probe(NearDupIndex):
    def save(self) -> None:  # pragma: no cover - never saved
        raise NotImplementedError


def open_index(location: str, params: DedupParams) -> NearDupIndex:
    """A directory index, or a Redis one for ``redis://HOST:PORT/DB`` (``rediss://`` for TLS)."""
    if location.startswith(("redis://", "rediss://")):
        return RedisIndex(location, params)
    _refuse_other_urls(location)
    return DirectoryIndex(location, params)


def _refuse_other_urls(location: str) -> None:
    """``unix://``, ``http://`` ... would otherwise become a local folder named ``http:``."""
    if re.match(r"^[A-Za-z][A-Za-z0-9+.-]*://", location):
        raise DedupIndexError(f"{location}: an index is a folder, or a redis:// or rediss:// URL")
