"""A persistent cache of per-document stage results, for warm incremental runs.

The pre-commit hook (and ``cleaner run --cache DIR``) must not re-extract and
re-strip 10,000 unchanged documents because one file changed. A stage result
is a pure function of the document, the stage options, the corpus evidence
that applies to that document, and cleaner's version; the key is a digest of
exactly those, so a hit is always what a fresh computation would give.

Storage is one SQLite file (atomic commits, no server). Values are data, never
code: a tagged JSON form of plain values and of a fixed list of cleaner's own
record types (:data:`RECORD_TYPES`), so a cache folder planted in a cloned
repository can at worst hold wrong data, which the key and the checksum catch,
and never runs anything (nothing is unpickled). Each value is stored as
``cleaner-cache/<VERSION> <xxh3-64 of the JSON> <JSON>``; a value of another
version or with a wrong checksum is a miss (and is recomputed), and a file
that is not a readable SQLite database is moved aside and rebuilt, with a
warning on the ``cleaner`` logger.
"""
from __future__ import annotations

import base64
import dataclasses
import hashlib
import json
import logging
import os
import sqlite3
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any


def stable_form(value: Any) -> Any:
    """A JSON-able form of ``value`` that does not depend on set or hash order."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {"__type__": type(value).__name__, **{f.name: stable_form(getattr(value, f.name)) for f in dataclasses.fields(value)}}
    if isinstance(value, Mapping):
        items = [(json.dumps(stable_form(k), sort_keys=True), stable_form(v)) for k, v in value.items()]
        return {"__map__": sorted(items, key=lambda kv: kv[0])}
    if isinstance(value, (set, frozenset)):
        return {"__set__": sorted(json.dumps(stable_form(v), sort_keys=True) for v in value)}
    if isinstance(value, (list, tuple)):
        return [stable_form(v) for v in value]
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    if isinstance(value, bytes):
        return {"__bytes__": value.hex()}
    if hasattr(value, "tolist"):  # numpy arrays and scalars
        return stable_form(value.tolist())
    if hasattr(value, "__dict__") or hasattr(value, "__slots__"):
        slots = [s for cls in type(value).__mro__ for s in getattr(cls, "__slots__", ())]
        state = dict(getattr(value, "__dict__", {}))
        state.update({s: getattr(value, s) for s in slots if hasattr(value, s)})
        return {"__type__": type(value).__name__, **{k: stable_form(v) for k, v in sorted(state.items())}}
    return repr(value)


def digest(*parts: Any) -> str:
    """sha256 of the stable form of ``parts``."""
    blob = json.dumps(stable_form(list(parts)), sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


def join_keys(*keys: str) -> str:
    """One key from several hex digests (plain strings: no encoding pass needed)."""
    return hashlib.sha256(":".join(keys).encode("ascii")).hexdigest()


def _text_digest(value: str | None) -> str | None:
    return None if value is None else hashlib.sha256(value.encode("utf-8", "surrogatepass")).hexdigest()


def document_key(doc: Any) -> str:
    """Digest of every field of a :class:`~cleaner.records.Document`, texts as their sha256.

    Written out field by field (not through :func:`stable_form`) because it
    runs once per document per stage on every warm run.
    """
    parts = [
        doc.id, doc.mode, doc.extracted, doc.standfirst, doc.site, doc.url, doc.title, doc.date, doc.language, doc.author,
        _text_digest(doc.content), _text_digest(doc.text), _text_digest(doc.source_text),
        [doc.origin.path, doc.origin.line, doc.origin.sha256],
        json.dumps(doc.metadata, sort_keys=True, ensure_ascii=False, default=repr),
        [[s.start, s.end, s.kind, s.reason] for s in doc.removed],
        doc.attribution.to_dict(),
        list(doc.notes),
    ]
    blob = json.dumps(parts, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(blob.encode("utf-8", "surrogatepass")).hexdigest()


def memo_document_key(doc: Any, memo: dict[int, tuple[Any, str]] | None) -> str:
    """:func:`document_key`, computed once per Document object within a run.

    ``memo`` maps id(doc) -> (doc, key) and holds the document, so an id is
    never reused for another object while the memo lives. Safe because a
    stage never changes a document in place: it returns a new one.
    """
    if memo is None:
        return document_key(doc)
    hit = memo.get(id(doc))
    if hit is not None and hit[0] is doc:
        return hit[1]
    key = document_key(doc)
    memo[id(doc)] = (doc, key)
    return key


_CODE: list[str] = []


def code_fingerprint() -> str:
    """sha256 over cleaner's own source and rule files, the Python version and the versions of
    the libraries a stage result depends on: a cached result from other code is never reused."""
    if not _CODE:
        import platform
        from importlib import metadata

        package = Path(__file__).resolve().parent
        h = hashlib.sha256()
        for dist in ("trafilatura", "selectolax", "lxml", "xxhash", "numpy", "charset-normalizer", "py3langid"):
            try:
                h.update(f"{dist}={metadata.version(dist)};".encode())
            except metadata.PackageNotFoundError:
                h.update(f"{dist}=-;".encode())
        h.update(platform.python_version().encode())
        for path in sorted(package.rglob("*")):
            # (.pxd/.pyx: the C types the compiled text core is built with are code too)
            if path.suffix in (".py", ".pxd", ".pyx", ".toml") and "__pycache__" not in path.parts:
                h.update(path.relative_to(package).as_posix().encode())
                h.update(path.read_bytes())
        _CODE.append(h.hexdigest())
    return _CODE[0]


RACY_NS = 2_000_000_000
"""A file changed less than this before its stat was recorded may change again within the clock's
granularity without its stat showing it ("racily clean", as git calls it): its record is not trusted."""


def file_digests(paths: Iterable[str], known: Mapping[str, Any], now_ns: int) -> tuple[dict[str, str], dict[str, list[Any]]] | None:
    """The sha256 of each file's bytes, and stat records to pass as ``known`` next time.

    ``known`` maps a path to ``[size, mtime_ns, ctime_ns, inode, sha256]`` from an earlier
    call: a file whose stat is the same is not read again (its content cannot have changed
    without its ctime changing); any other file is read and hashed. ``now_ns`` is when the
    stats were taken; a file changed within :data:`RACY_NS` of it gets no record (it is read
    again next time). None when a path is not a regular file (the reader says why).
    """
    import stat as stat_

    digests: dict[str, str] = {}
    records: dict[str, list[Any]] = {}
    for path in paths:
        try:
            info = os.stat(path)
        except OSError:
            return None
        if not stat_.S_ISREG(info.st_mode):
            return None
        head = [info.st_size, info.st_mtime_ns, info.st_ctime_ns, info.st_ino]
        old = known.get(path)
        if old is not None and list(old[:4]) == head:
            sha = old[4]
        else:
            h = hashlib.sha256()
            try:
                with open(path, "rb") as handle:
                    while chunk := handle.read(1 << 20):
                        h.update(chunk)
            except OSError:
                return None
            sha = h.hexdigest()
        digests[path] = sha
        if max(info.st_mtime_ns, info.st_ctime_ns) < now_ns - RACY_NS:
            records[path] = [*head, sha]
    return digests, records


CACHE_VERSION = 1
_PREFIX = f"cleaner-cache/{CACHE_VERSION} ".encode("ascii")
log = logging.getLogger("cleaner")


def _record_types() -> dict[str, type]:
    from .records import Attribution, Document, Origin, Rejected, Span
    from .strip.corpus import CorpusEvidence

    return {cls.__name__: cls for cls in (Document, Span, Attribution, Origin, Rejected, CorpusEvidence)}


RECORD_TYPES: dict[str, type] = {}
"""The only classes a cached value can be decoded into (filled on first use: name -> class)."""


def _positional() -> tuple[list[type], list[type], tuple[str, ...], frozenset[str]]:
    from .records import Document, Span

    names = tuple(f.name for f in dataclasses.fields(Document))
    plain = {"id", "content", "mode", "site", "url", "title", "date", "language", "author", "text",
             "source_text", "extracted", "standfirst", "notes"}  # str / bool / None / list of str: stored as they are
    return [Document], [Span], names, frozenset(n for n in names if n not in plain)


_DOCUMENT, _SPAN, _DOC_FIELDS, _NESTED = _positional()


def _document_data(doc: Any) -> dict[str, Any]:
    """A Document positionally, its spans, origin and attribution as plain lists (the commonest
    value of a warm run: decoding it must not walk a tree of tagged objects)."""
    row = []
    for name in _DOC_FIELDS:
        value = getattr(doc, name)
        if name == "removed":
            value = [[s.start, s.end, s.kind, s.reason] for s in value]
        elif name == "origin":
            value = [value.path, value.line, value.sha256]
        elif name == "attribution":
            value = [value.original_publisher, list(value.republished_by), list(value.notices)]
        elif name == "notes":
            value = [str(n) for n in value]
        elif name in _NESTED:
            value = to_data(value)
        row.append(value)
    return {"D": row}


def _document_from_data(body: list[Any]) -> Any:
    from .records import Attribution, Origin

    fields = dict(zip(_DOC_FIELDS, body))
    span = _SPAN[0]
    fields["removed"] = [span(*s) for s in fields["removed"]]
    fields["origin"] = Origin(*fields["origin"])
    fields["attribution"] = Attribution(*fields["attribution"])
    for name in _NESTED - {"removed", "origin", "attribution"}:
        fields[name] = from_data(fields[name])
    return _DOCUMENT[0](**fields)


def to_data(value: Any) -> Any:
    """``value`` as JSON-able data; dicts, tuples, sets, bytes and records are tagged so that
    :func:`from_data` gives back the same types. Anything else is refused (TypeError)."""
    if value is None or isinstance(value, (bool, str, float)):
        return value
    if isinstance(value, int):
        return int(value)
    if isinstance(value, list):
        return [to_data(v) for v in value]
    if isinstance(value, dict):
        if value and all(type(k) is int for k in value) and all(type(v) is int for v in value.values()):
            return {"ii": [list(value.keys()), list(value.values())]}  # line and title counts: big, flat
        if all(type(k) is str for k in value):
            return {"d": {k: to_data(v) for k, v in value.items()}}
        return {"m": [[to_data(k), to_data(v)] for k, v in value.items()]}
    if isinstance(value, bytes):
        return {"b": base64.b64encode(value).decode("ascii")}
    if isinstance(value, tuple):
        return {"t": [to_data(v) for v in value]}
    if isinstance(value, (set, frozenset)):
        return {"fs" if isinstance(value, frozenset) else "s": [to_data(v) for v in value]}
    if not RECORD_TYPES:
        RECORD_TYPES.update(_record_types())
    cls = type(value)
    if cls is _DOCUMENT[0]:
        return _document_data(value)
    if cls is _SPAN[0]:
        return {"S": [value.start, value.end, value.kind, value.reason]}
    if RECORD_TYPES.get(cls.__name__) is cls:
        return {"r": cls.__name__, "f": {f.name: to_data(getattr(value, f.name)) for f in dataclasses.fields(value)}}
    if hasattr(value, "tolist"):  # numpy scalars and arrays
        return to_data(value.tolist())
    raise TypeError(f"the stage cache stores data only, not {cls.__name__}")


def from_data(data: Any) -> Any:
    """The inverse of :func:`to_data`; builds nothing but plain values and :data:`RECORD_TYPES`."""
    if isinstance(data, list):
        return [from_data(v) for v in data]
    if not isinstance(data, dict):
        return data
    tag = next(iter(data), None)
    body = data[tag] if tag is not None else None
    if tag == "d":
        return {k: from_data(v) for k, v in body.items()}
    if tag == "ii":
        return dict(zip(body[0], body[1]))
    if tag == "m":
        return {_hashable(from_data(k)): from_data(v) for k, v in body}
    if tag == "b":
        return base64.b64decode(body)
    if tag == "t":
        return tuple(from_data(v) for v in body)
    if tag == "s":
        return {_hashable(from_data(v)) for v in body}
    if tag == "fs":
        return frozenset(_hashable(from_data(v)) for v in body)
    if tag == "D":
        return _document_from_data(body)
    if tag == "S":
        return _SPAN[0](*body)
    if tag == "r":
        if not RECORD_TYPES:
            RECORD_TYPES.update(_record_types())
        cls = RECORD_TYPES.get(body)
        fields = data.get("f")
        if cls is None or not isinstance(fields, dict):
            raise ValueError(f"unknown record type {body!r} in the stage cache")
        names = {f.name for f in dataclasses.fields(cls)}
        return cls(**{k: from_data(v) for k, v in fields.items() if k in names})
    raise ValueError(f"unknown tag {tag!r} in the stage cache")


def _hashable(value: Any) -> Any:
    return tuple(value) if isinstance(value, list) else value


def encode_value(value: Any) -> bytes:
    """A cache value as bytes: version prefix, checksum, JSON."""
    import xxhash

    blob = json.dumps(to_data(value), separators=(",", ":")).encode("ascii")
    return _PREFIX + xxhash.xxh3_64_hexdigest(blob).encode("ascii") + b" " + blob


def decode_value(raw: bytes) -> Any:
    """The value of :func:`encode_value`; ValueError for another version, a bad checksum or bad data."""
    import xxhash

    if not isinstance(raw, bytes) or not raw.startswith(_PREFIX):
        raise ValueError("not a cache value of this version")
    checksum, _, blob = raw[len(_PREFIX):].partition(b" ")
    if xxhash.xxh3_64_hexdigest(blob).encode("ascii") != checksum:
        raise ValueError("checksum mismatch")
    return from_data(json.loads(blob))


def check_cache_location(cache: str | os.PathLike[str] | None, inputs: Iterable[str | os.PathLike[str]], output: str | os.PathLike[str] | None) -> None:
    """Refuse a cache folder inside an input or the output folder (or holding them): its files would
    be read as inputs or written over as output, and a cache that comes with the data it caches is
    something a repository could plant."""
    from .errors import ConfigError

    if not cache:
        return
    where = Path(cache).resolve()
    places = [("input", p) for p in inputs if os.fspath(p) != "-"] + ([("output folder", output)] if output else [])
    for kind, place in places:
        text = os.fspath(place)
        base = Path(text.split("*", 1)[0].split("?", 1)[0].split("[", 1)[0] or ".").resolve()
        if where == base or base in where.parents:
            raise ConfigError(f"cache folder {os.fspath(cache)} is inside the {kind} {text}; put it elsewhere (default: .git/cleaner-cache)")
        if where in base.parents:
            raise ConfigError(f"cache folder {os.fspath(cache)} holds the {kind} {text}; put it elsewhere")


class StageCache:
    """``get_many``/``put_many`` of stage results by key, in one SQLite file (values: :func:`encode_value`)."""

    def __init__(self, folder: str | Path) -> None:
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        self.path = self.folder / "stages.sqlite"
        self.hits = 0
        self.misses = 0
        self.discarded = 0  # values that did not decode (another version, a bad checksum): recomputed
        try:
            self._db = self._open()
        except sqlite3.DatabaseError as exc:  # not a database, or a damaged one: start again, say so
            from .errors import CleanerError

            if not self.path.is_file():  # e.g. a folder that cannot be written: nothing to move aside
                raise CleanerError(f"stage cache {self.path} cannot be opened ({exc})") from exc
            aside = self.path.with_name(self.path.name + ".damaged")
            try:
                os.replace(self.path, aside)
                self._db = self._open()
            except (OSError, sqlite3.DatabaseError) as again:
                raise CleanerError(f"stage cache {self.path} is unreadable ({exc}) and cannot be replaced ({again})") from again
            log.warning("stage cache %s was unreadable (%s); moved it to %s and started a new one", self.path, exc, aside.name)

    def _open(self) -> sqlite3.Connection:
        db = sqlite3.connect(self.path)
        try:
            db.execute("CREATE TABLE IF NOT EXISTS results (stage TEXT, key TEXT, value BLOB, PRIMARY KEY (stage, key))")
            db.execute("SELECT count(*) FROM results WHERE rowid < 0").fetchone()
            return db
        except sqlite3.DatabaseError:
            db.close()
            raise

    def _decode(self, raw: bytes) -> Any:
        try:
            return decode_value(raw)
        except (ValueError, TypeError, KeyError, RecursionError):
            self.discarded += 1
            return _MISSING

    def _query(self, sql: str, params: list[Any]) -> list[tuple[Any, ...]]:
        try:
            return self._db.execute(sql, params).fetchall()
        except sqlite3.DatabaseError as exc:  # damaged after opening: report as a cleaner error
            from .errors import CleanerError

            raise CleanerError(f"stage cache {self.path} is damaged ({exc}); delete it and run again") from exc

    def get_many(self, stage: str, keys: Iterable[str]) -> dict[str, Any]:
        wanted = list(dict.fromkeys(keys))
        found: dict[str, Any] = {}
        for start in range(0, len(wanted), 500):  # SQLite caps the number of query parameters
            chunk = wanted[start : start + 500]
            marks = ",".join("?" * len(chunk))
            for key, raw in self._query(f"SELECT key, value FROM results WHERE stage = ? AND key IN ({marks})", [stage, *chunk]):
                value = self._decode(raw)
                if value is not _MISSING:
                    found[key] = value
        self.hits += len(found)
        self.misses += len(wanted) - len(found)
        return found

    def put_many(self, stage: str, items: Mapping[str, Any]) -> None:
        rows = [(stage, k, encode_value(v)) for k, v in items.items()]
        try:
            with self._db:
                self._db.executemany("INSERT OR REPLACE INTO results (stage, key, value) VALUES (?, ?, ?)", rows)
        except sqlite3.DatabaseError as exc:
            from .errors import CleanerError

            raise CleanerError(f"stage cache {self.path} cannot be written ({exc})") from exc

    def prune(self, stage: str, keep: Iterable[str]) -> int:
        """Drop entries of ``stage`` not in ``keep`` (documents deleted or changed); returns how many."""
        keep_set = set(keep)
        stale = [k for (k,) in self._query("SELECT key FROM results WHERE stage = ?", [stage]) if k not in keep_set]
        with self._db:
            self._db.executemany("DELETE FROM results WHERE stage = ? AND key = ?", [(stage, k) for k in stale])
        return len(stale)

    def load_stage(self, stage: str) -> dict[str, Any]:
        found = {}
        for key, raw in self._query("SELECT key, value FROM results WHERE stage = ?", [stage]):
            value = self._decode(raw)
            if value is not _MISSING:
                found[key] = value
        return found

    def mapping(self, stage: str, salt: str) -> CacheMapping:
        return CacheMapping(self, stage, salt)

    def close(self) -> None:
        self._db.close()


_MISSING = object()


class _Sketcher:
    """A callable ``signer`` with :meth:`save`: see :func:`cached_sketcher`."""

    def __init__(self, cache: StageCache, sketch: Any) -> None:
        self.cache, self.sketch, self.memos = cache, sketch, []

    def __call__(self, texts: list[str], params: Any) -> Any:
        return self.sketch(texts, params, self.memos)

    def save(self) -> None:
        """Keep the measures of every pair judged this run (only those: the snapshot does not grow with time)."""
        if not self.memos:
            return
        merged = self.memos[0]
        for other in self.memos[1:]:
            merged._seen.extend(other._seen)
        self.cache.put_many("pair-snapshot", {"last": merged.snapshot()})


def cached_sketcher(cache: StageCache):
    """A ``signer`` for :func:`cleaner.neardup.dedup_documents` that keeps each text's
    sketch (signature, shingle counts, lead, sample; by text and near-duplicate
    parameters) and sketches only texts it has not seen. The sketches carry a
    :class:`~cleaner.neardup.sign.PairMemo` of the pairs the last run judged (by
    the rows' cache keys); :meth:`_Sketcher.save` keeps this run's for the next."""
    import numpy as np

    from .neardup.sign import PairMemo, Sketches, sketch_with

    def sketcher(texts: list[str], params, memos: list):
        fixed = digest("sketch", code_fingerprint(), params.num_perm, params.seed, params.ngram,
                       params.normalisation, params.sample_size)
        keys = [join_keys(fixed, _text_digest(t) or "") for t in texts]
        found = cache.get_many("signature", keys)
        todo = [i for i, k in enumerate(keys) if k not in found]
        if todo:
            new = sketch_with([texts[i] for i in todo], params)
            fresh = {}
            for row, i in enumerate(todo):
                fresh[keys[i]] = (new.sigs[row].tobytes(), int(new.sizes[row]), new.lead[row].tobytes(),
                                  int(new.distinct[row]), new.sample(row).tobytes())
            cache.put_many("signature", fresh)
            found.update(fresh)
        rows = [found[k] for k in keys]
        known = cache.get_many("pair-snapshot", ["last"]).get("last")
        ok = isinstance(known, tuple) and len(known) == 3 and all(isinstance(v, bytes) for v in known)
        ids = np.array([(int(k[:16], 16), int(k[16:32], 16)) for k in keys], dtype=np.uint64).reshape(-1, 2)
        memos.append(PairMemo(ids, known if ok else None))
        starts = np.zeros(len(rows) + 1, dtype=np.int64)
        np.cumsum([len(r[4]) // 4 for r in rows], out=starts[1:])
        return Sketches(
            sigs=np.frombuffer(b"".join(r[0] for r in rows), dtype=np.uint32).reshape(len(rows), params.num_perm).copy(),
            sizes=np.array([r[1] for r in rows], dtype=np.int64),
            lead=np.frombuffer(b"".join(r[2] for r in rows), dtype=np.uint32).reshape(len(rows), -1).copy()
            if rows else np.empty((0, 32), np.uint32),
            distinct=np.array([r[3] for r in rows], dtype=np.int64),
            sample_starts=starts,
            sample_values=np.frombuffer(b"".join(r[4] for r in rows), dtype=np.uint32).copy(),
            pairs=memos[-1],
        )

    return _Sketcher(cache, sketcher)


def cached_signer(cache: StageCache):
    """``signer(texts, num_perm, seed, ngram) -> (signatures, shingle counts)`` through
    :func:`cached_sketcher`, with the plain (datasketch-identical) normalisation."""
    from .neardup import DedupParams

    sketcher = cached_sketcher(cache)

    def signer(texts: list[str], num_perm: int, seed: int, ngram: int):
        sk = sketcher(texts, DedupParams(num_perm=num_perm, seed=seed, ngram=ngram, normalisation="plain"))
        return sk.sigs, sk.sizes

    return signer


class CacheMapping:
    """A dict-like view of one stage of a :class:`StageCache` (``get`` and ``[key] = value``).

    ``salt`` (code fingerprint, parameters) is mixed into every key; writes
    are buffered until :meth:`flush`.
    """

    def __init__(self, cache: StageCache, stage: str, salt: str) -> None:
        self.cache, self.stage, self.salt = cache, stage, salt
        self.pending: dict[str, Any] = {}
        self._loaded: dict[str, Any] | None = None  # the whole stage, read at the first look-up

    def _key(self, key: str) -> str:
        return hashlib.sha256(f"{self.salt}:{key}".encode()).hexdigest()

    def get(self, key: str, default: Any = None) -> Any:
        k = self._key(key)
        if k in self.pending:
            return self.pending[k]
        if self._loaded is None:  # one query instead of one per look-up (values are small)
            self._loaded = self.cache.load_stage(self.stage)
        return self._loaded.get(k, default)

    def __setitem__(self, key: str, value: Any) -> None:
        self.pending[self._key(key)] = value

    def flush(self) -> None:
        if self.pending:
            self.cache.put_many(self.stage, self.pending)
            self.pending = {}


def evidence_digests(docs: list[Any], doc_keys: list[str], evidence: Any, cache: StageCache) -> list[str]:
    """Per document, the digest of the corpus evidence that applies to it (``digest_for``).

    Computing it for every document costs a title look-up per line prefix, too
    much for a warm pre-commit run. So the previous run's evidence, digests and
    the title hashes each document looked up are kept, and a digest is
    computed again only for a document that is new or changed, whose site's
    line counts changed, or that looked up a title whose count changed (0, 1
    or more); every other document keeps its digest, which is then provably
    the same. A new title length (new prefixes to look up) recomputes all.
    """
    import numpy as np

    from .strip import evidence_site

    snapshot = cache.get_many("evidence-snapshot", ["last"]).get("last")
    digests: list[str | None] = [None] * len(docs)
    probes: list[bytes | None] = [None] * len(docs)
    lengths = frozenset(evidence.title_lengths)
    if (snapshot is not None and snapshot.get("version") == 2 and snapshot["min_support"] == evidence.min_support
            and snapshot["title_lengths"] == lengths):
        old = snapshot["evidence"]
        changed_sites = {s for s in set(old.sites) | set(evidence.sites) if old.sites.get(s) != evidence.sites.get(s)}
        moved = np.fromiter(
            (h for h in set(old.titles) | set(evidence.titles) if min(old.titles.get(h, 0), 2) != min(evidence.titles.get(h, 0), 2)),
            dtype=np.uint64,
        )
        before: dict[str, tuple[str, bytes]] = snapshot["digests"]
        for i, (doc, key) in enumerate(zip(docs, doc_keys)):
            site = evidence_site(doc)
            if key not in before or (site and site in changed_sites):
                continue
            digest_, looked_up = before[key]
            if moved.size and np.isin(np.frombuffer(looked_up, dtype=np.uint64), moved).any():
                continue
            digests[i], probes[i] = digest_, looked_up
    for i, doc in enumerate(docs):
        if digests[i] is None:
            looked: list[int] = []
            digests[i] = evidence.for_document(evidence_site(doc), doc.title).digest_for(doc.source_text or "", looked)
            probes[i] = np.asarray(looked, dtype=np.uint64).tobytes()
    cache.put_many("evidence-snapshot", {"last": {
        "version": 2,
        "min_support": evidence.min_support,
        "title_lengths": lengths,
        "evidence": evidence,
        "digests": dict(zip(doc_keys, zip(digests, probes))),
    }})
    return digests  # type: ignore[return-value]
