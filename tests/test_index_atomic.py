"""Index saves are atomic (a new generation, then the pointer), loads check checksums,
and Redis trouble is a DedupIndexError with a message, never a traceback from redis-py."""
from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pytest
from test_neardup_index import _free_port, corpus, redis_url, run_twice, split_runs  # noqa: F401 (fixture)

import cleaner.neardup.index as index_module
from cleaner.errors import DedupIndexError
from cleaner.neardup import DedupParams, dedup_documents
from cleaner.neardup.index import open_index, probe_index, redis_config

ROOT = Path(__file__).resolve().parent.parent


def _state(location: str):
    index = open_index(location, DedupParams())
    return [d.id for d in index.docs], index.sigs.copy(), index.edges.copy()


def test_a_crash_before_the_pointer_flip_keeps_the_earlier_index(tmp_path, monkeypatch) -> None:
    docs = corpus()
    first, second = split_runs(docs)
    location = str(tmp_path / "idx")
    index = open_index(location, DedupParams())
    dedup_documents(first, DedupParams(), index=index)
    index.save()
    before = _state(location)
    index = open_index(location, DedupParams())
    dedup_documents(second, DedupParams(), index=index)
    real = index_module._write_durably

    def crash_at_header(path, data):
        if path.name == "header.json":
            raise KeyboardInterrupt("killed")
        real(path, data)

    monkeypatch.setattr(index_module, "_write_durably", crash_at_header)
    with pytest.raises(KeyboardInterrupt):
        index.save()
    monkeypatch.setattr(index_module, "_write_durably", real)
    after = _state(location)
    assert after[0] == before[0] and np.array_equal(after[1], before[1]) and np.array_equal(after[2], before[2])
    # the next save succeeds and removes the half-written generation
    index = open_index(location, DedupParams())
    dedup_documents(second, DedupParams(), index=index)
    index.save()
    assert sorted(p.name for p in Path(location).iterdir()) == ["gen-000003", "header.json"]
    assert len(_state(location)[0]) == len(docs)


def test_edited_contents_of_the_same_size_are_refused(tmp_path) -> None:
    location = str(tmp_path / "idx")
    run_twice(corpus(), location)
    header = json.loads((tmp_path / "idx" / "header.json").read_text())
    path = tmp_path / "idx" / header["generation"] / "documents.jsonl"
    data = path.read_bytes()
    k = data.index(b"footer line")
    path.write_bytes(data[:k] + b"FOOTER line" + data[k + 11 :])
    with pytest.raises(DedupIndexError, match="checksum"):
        open_index(location, DedupParams())


def test_a_version_1_index_is_read_and_upgraded(tmp_path) -> None:
    location = tmp_path / "idx"
    run_twice(corpus(), str(location))
    header = json.loads((location / "header.json").read_text())
    gen = location / header["generation"]
    for name in ("documents.jsonl", "signatures.npy", "edges.npy"):
        os.replace(gen / name, location / name)
    gen.rmdir()
    v1 = {k: header[k] for k in ("format", "params", "documents", "edges")} | {"version": 1}
    (location / "header.json").write_text(json.dumps(v1))
    ids = _state(str(location))[0]
    index = open_index(str(location), DedupParams())
    index.save()
    assert sorted(p.name for p in location.iterdir()) == ["gen-000001", "header.json"]
    assert _state(str(location))[0] == ids


_SAVER = textwrap.dedent("""
    import sys
    sys.path.insert(0, {tests!r})
    from cleaner.neardup import DedupParams, dedup_documents
    from cleaner.neardup.index import open_index
    from test_neardup_index import corpus
    docs = corpus()
    params = DedupParams()
    for k in range(len(docs)):
        index = open_index({location!r}, params)
        dedup_documents(docs[k:k + 1], params, index=index)
        index.save()
        print(k, flush=True)
""")


def _kill_runs(location: str, kills: int, rng: random.Random) -> None:
    script = _SAVER.format(tests=str(ROOT / "tests"), location=location)
    docs = corpus()
    for _ in range(kills):
        proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
        time.sleep(rng.uniform(0.5, 1.1))  # start-up takes ~0.4 s; saves follow one another
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        index = open_index(location, DedupParams())  # also after a kill inside the very first save
        ids = [d.id for d in index.docs]
        assert ids == [d.id for d in docs[: len(ids)]]
    subprocess.run([sys.executable, "-c", script], check=True, capture_output=True)  # the rerun, to the end


def _edges(location: str) -> list[tuple[int, int]]:
    return [tuple(e) for e in open_index(location, DedupParams()).edges.tolist()]


@pytest.mark.slow
def test_kill_9_during_saves_never_damages_the_index(tmp_path) -> None:
    """20 runs killed at random moments while they save over and over: the index always opens and
    holds the documents of some completed save, in order; a rerun then ends where an uninterrupted
    run ends (same documents, same edges)."""
    clean, killed = str(tmp_path / "clean"), str(tmp_path / "idx")
    subprocess.run([sys.executable, "-c", _SAVER.format(tests=str(ROOT / "tests"), location=clean)], check=True, capture_output=True)
    _kill_runs(killed, 20, random.Random(13))
    assert [d.id for d in open_index(killed, DedupParams()).docs] == [d.id for d in open_index(clean, DedupParams()).docs]
    assert _edges(killed) == _edges(clean)


@pytest.mark.slow
def test_kill_9_during_redis_saves(redis_url) -> None:  # noqa: F811
    _kill_runs(redis_url, 8, random.Random(7))
    index = open_index(redis_url, DedupParams())
    assert sorted(d.id for d in index.docs) == sorted(d.id for d in corpus())  # rows are kept in founding order
    # the LSH answers for every document (an interrupted save must not leave some out of it)
    from cleaner.neardup.minhash import to_datasketch

    for k, d in enumerate(index.docs):
        assert d.id in {x.decode() if isinstance(x, bytes) else x for x in index.lsh.query(to_datasketch(index.sigs[k], seed=1, lean=True))}


def test_urls_are_checked() -> None:
    with pytest.raises(DedupIndexError, match="port must be a number"):
        redis_config("redis://localhost:abc/0")
    with pytest.raises(DedupIndexError, match="database must be a number"):
        redis_config("redis://localhost:6379/x")
    assert redis_config("rediss://:pw@h:7000/2") == {"host": "h", "port": 7000, "db": 2, "password": "pw", "ssl": True}
    with pytest.raises(DedupIndexError, match="a folder, or a redis"):
        open_index("http://example.com/idx", DedupParams())


def test_probe_before_work(tmp_path) -> None:
    pytest.importorskip("redis")
    t0 = time.perf_counter()
    with pytest.raises(DedupIndexError, match="cannot reach redis"):
        probe_index(f"redis://127.0.0.1:{_free_port()}/0", DedupParams())
    assert time.perf_counter() - t0 < 10
    run_twice(corpus()[:4], str(tmp_path / "idx"))
    from dataclasses import replace

    with pytest.raises(DedupIndexError, match="ngram"):
        probe_index(str(tmp_path / "idx"), replace(DedupParams(), ngram=3))
    probe_index(str(tmp_path / "new"), DedupParams())


def test_redis_edits_and_interrupted_saves(redis_url) -> None:  # noqa: F811
    import redis

    docs = corpus()
    first, second = split_runs(docs)
    index = open_index(redis_url, DedupParams())
    dedup_documents(first, DedupParams(), index=index)
    index.save()
    # a save interrupted after the LSH insertions, before the transaction: the earlier state stays
    index = open_index(redis_url, DedupParams())
    dedup_documents(second, DedupParams(), index=index)

    def broken_pipeline(*a, **k):
        raise redis.ConnectionError("server went away")

    real = index.client.pipeline
    index.client.pipeline = broken_pipeline
    with pytest.raises(DedupIndexError, match="earlier state is kept"):
        index.save()
    index.client.pipeline = real
    assert sorted(d.id for d in open_index(redis_url, DedupParams()).docs) == sorted(d.id for d in first)  # rows are kept in founding order
    # resumed: the next run saves the rest, and the result equals one run over everything
    index = open_index(redis_url, DedupParams())
    dedup_documents(second, DedupParams(), index=index)
    index.save()
    assert len(open_index(redis_url, DedupParams()).docs) == len(docs)
    # a row edited in place (same length) is refused
    client = redis.Redis(**redis_config(redis_url))
    row = client.lindex("cleaner:neardup:docs", 0)
    k = row.index(b"footer")
    client.lset("cleaner:neardup:docs", 0, row[:k] + b"FOOTER" + row[k + 6 :])
    with pytest.raises(DedupIndexError, match="checksum"):
        open_index(redis_url, DedupParams())


def test_redis_stopped_mid_run_is_an_index_error(redis_url) -> None:  # noqa: F811
    import redis

    index = open_index(redis_url, DedupParams())
    dedup_documents(corpus()[:3], DedupParams(), index=index)
    redis.Redis(**redis_config(redis_url)).shutdown(nosave=True)
    with pytest.raises(DedupIndexError, match="saving the index failed"):
        index.save()


def test_a_crash_in_the_first_save_leaves_a_usable_folder(tmp_path) -> None:
    location = tmp_path / "idx"
    (location / "gen-000001").mkdir(parents=True)
    (location / "gen-000001" / "documents.jsonl").write_text("half")
    (location / ".header.json.4242.tmp").write_text("{")
    index = open_index(str(location), DedupParams())  # an empty index, not "not empty and has no header.json"
    dedup_documents(corpus()[:2], DedupParams(), index=index)
    index.save()
    assert sorted(p.name for p in location.iterdir()) == ["gen-000002", "header.json"]
