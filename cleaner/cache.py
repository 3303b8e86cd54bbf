"""A persistent cache of per-document stage results, for warm incremental runs.

The pre-commit hook (and ``cleaner run --cache DIR``) must not re-extract and
re-strip 10,000 unchanged documents because one file changed. A stage result
is a pure function of the document, the stage options, the corpus evidence
that applies to that document, and cleaner's version; the key is a digest of
exactly those, so a hit is always what a fresh computation would give.

Storage is one SQLite file (atomic commits, no server); values are pickles
of our own records, so only point it at a folder you trust.
"""
from __future__ import annotations

import dataclasses
import hashlib
import json
import pickle
import re
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
        for dist in ("trafilatura", "selectolax", "lxml", "xxhash", "numpy", "charset-normalizer"):
            try:
                h.update(f"{dist}={metadata.version(dist)};".encode())
            except metadata.PackageNotFoundError:
                h.update(f"{dist}=-;".encode())
        h.update(platform.python_version().encode())
        for path in sorted(package.rglob("*")):
            if path.suffix in (".py", ".toml") and "__pycache__" not in path.parts:
                h.update(path.relative_to(package).as_posix().encode())
                h.update(path.read_bytes())
        _CODE.append(h.hexdigest())
    return _CODE[0]


class StageCache:
    """``get_many``/``put_many`` of pickled stage results by key, in one SQLite file."""

    def __init__(self, folder: str | Path) -> None:
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        self.path = self.folder / "stages.sqlite"
        self._db = sqlite3.connect(self.path)
        self._db.execute("CREATE TABLE IF NOT EXISTS results (stage TEXT, key TEXT, value BLOB, PRIMARY KEY (stage, key))")
        self.hits = 0
        self.misses = 0

    def get_many(self, stage: str, keys: Iterable[str]) -> dict[str, Any]:
        wanted = list(dict.fromkeys(keys))
        found: dict[str, Any] = {}
        for start in range(0, len(wanted), 500):  # SQLite caps the number of query parameters
            chunk = wanted[start : start + 500]
            marks = ",".join("?" * len(chunk))
            rows = self._db.execute(f"SELECT key, value FROM results WHERE stage = ? AND key IN ({marks})", [stage, *chunk])
            for key, value in rows:
                found[key] = pickle.loads(value)
        self.hits += len(found)
        self.misses += len(wanted) - len(found)
        return found

    def put_many(self, stage: str, items: Mapping[str, Any]) -> None:
        with self._db:
            self._db.executemany(
                "INSERT OR REPLACE INTO results (stage, key, value) VALUES (?, ?, ?)",
                [(stage, k, pickle.dumps(v, protocol=pickle.HIGHEST_PROTOCOL)) for k, v in items.items()],
            )

    def prune(self, stage: str, keep: Iterable[str]) -> int:
        """Drop entries of ``stage`` not in ``keep`` (documents deleted or changed); returns how many."""
        keep_set = set(keep)
        stale = [k for (k,) in self._db.execute("SELECT key FROM results WHERE stage = ?", [stage]) if k not in keep_set]
        with self._db:
            self._db.executemany("DELETE FROM results WHERE stage = ? AND key = ?", [(stage, k) for k in stale])
        return len(stale)

    def load_stage(self, stage: str) -> dict[str, Any]:
        return {k: pickle.loads(v) for k, v in self._db.execute("SELECT key, value FROM results WHERE stage = ?", [stage])}

    def mapping(self, stage: str, salt: str) -> "CacheMapping":
        return CacheMapping(self, stage, salt)

    def close(self) -> None:
        self._db.close()


def cached_sketcher(cache: StageCache):
    """A ``signer`` for :func:`cleaner.neardup.dedup_documents` that keeps each text's
    sketch (signature, shingle counts, lead, sample; by text and near-duplicate
    parameters) and sketches only texts it has not seen."""
    import numpy as np

    from .neardup.sign import Sketches, sketch_with

    def sketcher(texts: list[str], params):
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
        )

    return sketcher


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
