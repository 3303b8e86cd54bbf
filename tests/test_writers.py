"""Writers: sorted, deterministic, atomic, one trailing newline."""
from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from cleaner.io.formats import txt_file_name
from cleaner.io.writers import atomic_write, cluster_rows, write_outputs
from cleaner.records import Attribution, Canonical, Cluster, Document, Member, Rejected, Span


def make(ids_by_cluster: dict[str, list[str]]) -> tuple[list[Canonical], list[Cluster]]:
    canonicals, clusters = [], []
    for cid, ids in ids_by_cluster.items():
        members = [Member(id=i, similarity=1.0 if n == 0 else 0.8, site=f"site-{i}", removed={"see_also": 1}) for n, i in enumerate(ids)]
        cluster = Cluster(id=cid, canonical_id=ids[0], members=members, reason="most complete copy")
        doc = Document(id=ids[0], content="raw", text=f"Text of {ids[0]}.", title=f"Title {ids[0]}",
                       removed=[Span(0, 3, "see_also", "why")])
        clusters.append(cluster)
        canonicals.append(Canonical(id=ids[0], title=doc.title, text=doc.text, cluster=cluster, document=doc,
                                    attribution=Attribution(original_publisher="Wire"), removed=doc.removed))
    return canonicals, clusters


def test_outputs_are_sorted_and_end_with_one_newline(tmp_path: Path) -> None:
    canonicals, clusters = make({"c-2": ["b", "a"], "c-1": ["c"]})
    rejected = [Rejected(id="z", stage="read", reason="empty file"), Rejected(id="y", stage="strip", reason="nothing left")]
    written = write_outputs(tmp_path, canonicals, clusters, rejected, {"counts": {}})
    docs = (tmp_path / "documents.jsonl").read_text()
    rows = (tmp_path / "clusters.jsonl").read_text()
    assert docs.endswith("}\n") and not docs.endswith("\n\n")
    assert [json.loads(l)["id"] for l in docs.splitlines()] == ["b", "c"]
    assert [json.loads(l)["id"] for l in rows.splitlines()] == ["a", "b", "c"]
    first = json.loads(rows.splitlines()[0])
    assert first == {"id": "a", "cluster": "c-2", "canonical_id": "b", "similarity": 0.8}
    assert [json.loads(l)["id"] for l in (tmp_path / "rejected.jsonl").read_text().splitlines()] == ["y", "z"]
    record = json.loads(docs.splitlines()[0])
    for key in ("id", "title", "text", "members", "provenance", "attribution", "cluster", "removed", "origin"):
        assert key in record
    assert record["members"] == ["b", "a"]
    assert record["provenance"][1] == {"id": "a", "site": "site-a", "url": None, "similarity": 0.8, "removed": {"see_also": 1},
                                       "removed_chars": {}, "chars": 0}
    assert set(written) == {"documents", "clusters", "rejected", "manifest"}
    assert json.loads((tmp_path / "manifest.json").read_text()) == {"counts": {}}


def test_same_input_gives_byte_identical_files(tmp_path: Path) -> None:
    canonicals, clusters = make({"c-1": ["a", "b"], "c-2": ["c"]})
    write_outputs(tmp_path / "one", canonicals, clusters, [], {})
    write_outputs(tmp_path / "two", list(reversed(canonicals)), list(reversed(clusters)), [], {})
    for name in ("documents.jsonl", "clusters.jsonl", "rejected.jsonl"):
        assert (tmp_path / "one" / name).read_bytes() == (tmp_path / "two" / name).read_bytes()


def test_empty_tables_are_empty_files(tmp_path: Path) -> None:
    write_outputs(tmp_path, [], [], [], {})
    assert (tmp_path / "rejected.jsonl").read_bytes() == b""


def test_txt_format_writes_one_file_per_story_and_removes_stale_ones(tmp_path: Path) -> None:
    canonicals, clusters = make({"c-1": ["dir/a"], "c-2": ["b"]})
    write_outputs(tmp_path, canonicals, clusters, [], {}, formats=("jsonl", "txt"))
    a = tmp_path / "txt" / txt_file_name("dir/a")
    assert a.parent.name == "dir" and a.read_text() == "Title dir/a\n\nText of dir/a.\n"
    write_outputs(tmp_path, canonicals[1:], clusters[1:], [], {}, formats=("jsonl", "txt"))
    assert not a.exists()
    assert not (tmp_path / "txt" / "dir").exists()  # no empty folder left behind
    assert (tmp_path / "txt" / txt_file_name("b")).exists()


def test_parquet_format_replaces_jsonl(tmp_path: Path) -> None:
    pq = pytest.importorskip("pyarrow.parquet")
    canonicals, clusters = make({"c-1": ["a", "b"]})
    write_outputs(tmp_path, canonicals, clusters, [], {}, formats=("parquet",))
    assert not (tmp_path / "documents.jsonl").exists()
    table = pq.read_table(tmp_path / "documents.parquet").to_pylist()
    assert table[0]["id"] == "a" and table[0]["provenance"][1]["id"] == "b"
    assert pq.read_table(tmp_path / "clusters.parquet").num_rows == 2


def test_atomic_write_leaves_old_file_when_interrupted(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "f.jsonl"
    atomic_write(target, b"old\n")

    def boom(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr("os.replace", boom)
    with pytest.raises(KeyboardInterrupt):
        atomic_write(target, b"new\n")
    assert target.read_bytes() == b"old\n"
    assert [p.name for p in tmp_path.iterdir()] == ["f.jsonl"]  # no temp file left behind


def test_cluster_rows_one_per_member() -> None:
    _, clusters = make({"c-1": ["a", "b", "c"]})
    assert [r["canonical_id"] for r in cluster_rows(clusters)] == ["a", "a", "a"]


def test_txt_names_never_leave_the_output_folder() -> None:
    def folders(doc_id: str) -> list[str]:
        return txt_file_name(doc_id).split("/")[:-1]

    assert folders("site/story") == ["site"] and txt_file_name("site/story").startswith("site/story-")
    assert folders("../../etc/passwd") == ["_", "_", "etc"]
    assert folders("/abs/path") == ["abs"]
    assert txt_file_name("").startswith("_-")


def test_files_respect_the_umask_or_keep_the_earlier_mode(tmp_path: Path) -> None:
    canonicals, clusters = make({"c-1": ["a"]})
    old = os.umask(0o022)
    try:
        write_outputs(tmp_path / "out", canonicals, clusters, [], {})
        assert ((tmp_path / "out" / "documents.jsonl").stat().st_mode & 0o777) == 0o644
        assert ((tmp_path / "out").stat().st_mode & 0o777) == 0o755
        (tmp_path / "out" / "clusters.jsonl").chmod(0o640)
        os.umask(0o077)
        write_outputs(tmp_path / "out", canonicals, clusters, [], {"again": 1})
        assert ((tmp_path / "out" / "clusters.jsonl").stat().st_mode & 0o777) == 0o640  # the earlier file's mode
        write_outputs(tmp_path / "new", canonicals, clusters, [], {})
        assert ((tmp_path / "new" / "documents.jsonl").stat().st_mode & 0o777) == 0o600
    finally:
        os.umask(old)


def test_the_folder_is_replaced_as_one_set_and_leftovers_go(tmp_path: Path) -> None:
    from cleaner.io import writers

    out = tmp_path / "out"
    canonicals, clusters = make({"c-1": ["a"], "c-2": ["b"]})
    write_outputs(out, canonicals, clusters, [], {"run": 1})
    (out / "README.md").write_text("ours, not cleaner's\n")
    (out / ".clusters.jsonl.x1.tmp").write_text("a killed writer's temporary")
    (tmp_path / ".out.staging-1-dead").mkdir()  # a killed run's staging folder
    inode = (out / "documents.jsonl").stat().st_ino
    write_outputs(out, canonicals[:1], clusters[:1], [], {"run": 2})
    assert (out / "documents.jsonl").stat().st_ino != inode  # a new file, not rewritten in place
    assert json.loads((out / "manifest.json").read_text()) == {"run": 2}
    assert (out / "README.md").read_text() == "ours, not cleaner's\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]
    assert not list(out.glob(".*.tmp"))

    # killed between the two renames of the fallback swap: the earlier set comes back, whole
    os.rename(out, tmp_path / ".out.old-123")
    writers.recover_output(out)
    assert json.loads((out / "manifest.json").read_text()) == {"run": 2}


def test_a_failed_write_leaves_the_earlier_set(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "out"
    canonicals, clusters = make({"c-1": ["a"]})
    write_outputs(out, canonicals, clusters, [], {"run": 1})
    before = {p.name: p.read_bytes() for p in out.iterdir()}

    def rows():
        yield {"id": "x", "cluster": "c", "canonical_id": "x", "similarity": 1.0}
        raise KeyboardInterrupt  # killed while the tables stream

    with pytest.raises(KeyboardInterrupt):
        write_outputs(out, [], rows(), [], {"run": 2})
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]
