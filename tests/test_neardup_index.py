"""Incremental runs: a persisted index (directory or Redis) gives what one run over everything gives."""
from __future__ import annotations

import json
import shutil
import socket
import subprocess
import time
from dataclasses import replace

import numpy as np
import pytest
from test_neardup_clusters import doc, paragraphs

from cleaner.errors import DedupIndexError
from cleaner.neardup import DedupParams, dedup_documents
from cleaner.neardup.canonical import cluster_id
from cleaner.neardup.index import DirectoryIndex, open_index


def corpus() -> list:
    docs = []
    for s in range(8):
        story = paragraphs(300 + s, count=8)
        for c in range(1 + s % 4):
            lines = story[c % 2 :] if c else story
            docs.append(doc(f"s{s}c{c}", lines + [f"Site {s}-{c} footer line"], date=f"2024-03-0{1 + c}"))
    return docs


def partition(result) -> set[frozenset[str]]:
    return {frozenset(m.id for m in c.members) for c in result.clusters}


def without_cluster_id(record: dict) -> dict:
    return {**record, "cluster": {k: v for k, v in record["cluster"].items() if k != "id"}}


def records(result) -> list[dict]:
    return [c.to_dict() for c in result.canonicals]


def split_runs(docs):
    # every story gets copies in both runs, and some stories only in one
    first = [d for k, d in enumerate(docs) if k % 3 != 1]
    second = [d for k, d in enumerate(docs) if k % 3 == 1]
    return first, second


def run_twice(docs, location, params=DedupParams(), reverse=False):
    first, second = split_runs(docs)
    if reverse:  # the order within a run must not matter
        first, second = first[::-1], second[::-1]
    index = open_index(location, params)
    r1 = dedup_documents(first, params, index=index)
    index.save()
    index = open_index(location, params)
    r2 = dedup_documents(second, params, index=index)
    index.save()
    return r1, r2, index


def check_two_runs_equal_one(docs, r2, index, params=DedupParams()):
    whole = dedup_documents(docs, params)
    second_ids = {d.id for d in split_runs(docs)[1]}
    touched = [c for c in whole.canonicals if {m.id for m in c.cluster.members} & second_ids]
    # run 2 re-emits exactly the clusters that gained a new document, identical to one run but for
    # the cluster id, which keeps the member indexed first (ids stay stable when copies join)
    assert [without_cluster_id(r) for r in records(r2)] == [without_cluster_id(c.to_dict()) for c in touched]
    first_ids = {d.id for d in split_runs(docs)[0]}
    dates = {d.id: d.date for d in docs}
    for c in r2.canonicals:
        ids = [m.id for m in c.cluster.members]
        earlier = [i for i in ids if i in first_ids] or ids
        assert c.cluster.id == cluster_id(min(earlier, key=lambda i: (dates[i], i)))
    assert len(index.docs) == len(docs)
    return whole


def test_directory_index_two_runs_equal_one_run(tmp_path):
    docs = corpus()
    r1, r2, index = run_twice(docs, str(tmp_path / "idx"))
    whole = check_two_runs_equal_one(docs, r2, index)
    assert r2.stats["indexed_before"] == len(split_runs(docs)[0])
    # the union of both runs, latest record per cluster, is the one-run partition
    assert partition(r1) | partition(r2) >= partition(whole)
    files = sorted(p.name for p in (tmp_path / "idx").iterdir())
    assert files == ["gen-000002", "header.json"]  # the older generation is gone after the save
    assert sorted(p.name for p in (tmp_path / "idx" / "gen-000002").iterdir()) == ["documents.jsonl", "edges.npy", "signatures.npy"]
    header = json.loads((tmp_path / "idx" / "header.json").read_text())
    assert header["documents"] == len(docs) and header["params"]["ngram"] == DedupParams().ngram
    sigs = np.load(tmp_path / "idx" / header["generation"] / "signatures.npy")
    assert sigs.dtype == np.uint32 and sigs.shape == (len(docs), DedupParams().num_perm)


def test_directory_index_is_deterministic_and_skips_known_documents(tmp_path):
    docs = corpus()
    run_twice(docs, str(tmp_path / "a"))
    run_twice(docs, str(tmp_path / "b"), reverse=True)
    for name in ("gen-000002/documents.jsonl", "gen-000002/edges.npy", "header.json", "gen-000002/signatures.npy"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes(), name
    index = open_index(str(tmp_path / "a"), DedupParams())
    before = len(index.state()[0])
    again = dedup_documents(docs[:3], DedupParams(), index=index)
    # Known documents are not indexed again, but they are this run's input: their clusters are written.
    assert again.stats["already_indexed"] == 3 and len(index.state()[0]) == before
    assert {d.id for d in docs[:3]} <= {m.id for c in again.clusters for m in c.members}
    assert again.rejected == []


def test_a_known_id_with_other_text_is_rejected_not_lost(tmp_path):
    docs = corpus()
    run_twice(docs, str(tmp_path / "idx"))
    changed = replace(docs[0], text=(docs[0].text or "") + "\nA late correction to the story.")
    result = dedup_documents([changed], DedupParams(), index=open_index(str(tmp_path / "idx"), DedupParams()))
    assert [r.id for r in result.rejected] == [docs[0].id] and "index keeps the first version" in result.rejected[0].reason


def test_index_refuses_other_parameters_and_damaged_files(tmp_path):
    docs = corpus()
    run_twice(docs, str(tmp_path / "idx"))
    with pytest.raises(DedupIndexError, match="ngram"):
        open_index(str(tmp_path / "idx"), replace(DedupParams(), ngram=3))
    with pytest.raises(DedupIndexError):
        dedup_documents(docs[:1], replace(DedupParams(), threshold=0.9), index=open_index(str(tmp_path / "idx"), DedupParams()))
    # cross-copy settings only shape the written records: allowed
    DirectoryIndex(str(tmp_path / "idx"), replace(DedupParams(), cross_copy=False))
    (tmp_path / "idx" / "gen-000002" / "edges.npy").write_bytes(b"not numpy")
    with pytest.raises(DedupIndexError):
        open_index(str(tmp_path / "idx"), DedupParams())
    (tmp_path / "other").mkdir()
    (tmp_path / "other" / "notes.txt").write_text("mine")
    with pytest.raises(DedupIndexError):
        open_index(str(tmp_path / "other"), DedupParams())


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def redis_url(tmp_path):
    server = shutil.which("redis-server")
    if server is None:
        pytest.skip("redis-server is not installed")
    pytest.importorskip("redis")
    import redis

    port = _free_port()
    proc = subprocess.Popen(
        [server, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", str(tmp_path)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    client = redis.Redis(host="127.0.0.1", port=port)
    try:
        for _ in range(100):
            try:
                client.ping()
                break
            except redis.ConnectionError:
                time.sleep(0.05)
        else:
            pytest.fail("redis-server did not start")
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_redis_index_two_runs_equal_one_run(redis_url):
    docs = corpus()
    r1, r2, index = run_twice(docs, redis_url)
    check_two_runs_equal_one(docs, r2, index)
    # the datasketch MinHashLSH in Redis holds every document and answers queries
    from cleaner.neardup.minhash import to_datasketch

    reopened = open_index(redis_url, DedupParams())
    assert [d.id for d in reopened.docs] == [d.id for d in index.docs]
    assert np.array_equal(reopened.sigs, index.sigs)
    k = [d.id for d in reopened.docs].index("s3c0")
    found = reopened.lsh.query(to_datasketch(reopened.sigs[k], seed=1, lean=True))
    assert {"s3c0", "s3c1"} <= set(found)
    with pytest.raises(DedupIndexError):
        dedup_documents(docs[:1], replace(DedupParams(), ngram=3), index=reopened)
    with pytest.raises(DedupIndexError, match="ngram"):
        open_index(redis_url, replace(DedupParams(), ngram=3))


def test_redis_unreachable_is_an_index_error():
    pytest.importorskip("redis")
    with pytest.raises(DedupIndexError):
        open_index(f"redis://127.0.0.1:{_free_port()}/0", DedupParams())
