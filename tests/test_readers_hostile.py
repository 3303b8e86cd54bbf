"""Readers on hostile inputs: one bad record is one rejection, nothing after it is lost, nothing hangs."""
from __future__ import annotations

import gzip
import io
import json
import os
import sys
from pathlib import Path

import pytest

from cleaner.io.readers import ReadOptions, ReadReport, iter_documents
from cleaner.records import Document, Rejected


def read(*inputs, report=None, stdin=None, **kw) -> list:
    return list(iter_documents([os.fspath(i) for i in inputs], ReadOptions(**kw), report, stdin=stdin))


def _lines(bad: str, at: int = 3, total: int = 10) -> str:
    rows = [json.dumps({"id": f"r{i}", "text": f"Body {i}."}) for i in range(1, total + 1)]
    rows[at - 1] = bad
    return "\n".join(rows) + "\n"


@pytest.mark.parametrize(
    "bad, reason",
    [
        ('{"id": "r3", "text": "a \\udc80 b"}', "lone surrogate"),
        ('{"id": "r3", "x": ' + "[" * 100_000 + "]" * 100_000 + ', "text": "t"}', "nested"),
        ('{"id": "r3", "text": "t", "m": ' + "[" * 100 + "]" * 100 + "}", "nested deeper"),
        ('{"id": "r3", "n": ' + "9" * 5000 + ', "text": "t"}', "invalid JSON"),
    ],
)
def test_a_bad_line_rejects_that_line_only(tmp_path: Path, bad: str, reason: str) -> None:
    path = tmp_path / "batch.jsonl"
    path.write_text(_lines(bad))
    out = read(path)
    assert [r.id for r in out if isinstance(r, Document)] == [f"r{i}" for i in range(1, 11) if i != 3]
    rejected = [r for r in out if isinstance(r, Rejected)]
    assert len(rejected) == 1 and rejected[0].line == 3 and reason in rejected[0].reason


def test_lone_surrogate_in_id_gives_a_writable_rejection(tmp_path: Path) -> None:
    path = tmp_path / "b.jsonl"
    path.write_text('{"id": "x\\ud800y", "text": "Body."}\n{"id": "ok", "text": "Body.", "title": "t\\udfff"}\n')
    out = read(path)
    assert all(isinstance(r, Rejected) for r in out) and len(out) == 2
    for r in out:
        json.dumps(r.to_dict(), ensure_ascii=False).encode("utf-8")  # must not raise
    assert out[0].id == "x\ufffdy" and "'id'" in out[0].reason and "'title'" in out[1].reason


def test_stdin_is_read_as_bytes_line_by_line(tmp_path: Path) -> None:
    data = b'{"id": "a", "text": "caf\xe9 latin-1"}\n{"id": "b\\udc80", "text": "x"}\n{"id": "c", "text": "fine"}\n'
    stdin = io.TextIOWrapper(io.BytesIO(data), encoding="utf-8")
    out = read("-", stdin=stdin)
    assert [type(r).__name__ for r in out] == ["Document", "Rejected", "Document"]
    assert out[0].content == "café latin-1"


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX file names")
def test_non_utf8_file_name_gets_an_escaped_id(tmp_path: Path) -> None:
    folder = os.fsencode(tmp_path / "in")
    os.mkdir(folder)
    with open(os.path.join(folder, b"caf\xe9.txt"), "wb") as fh:
        fh.write(b"Some text.")
    report = ReadReport()
    (doc,) = read(tmp_path / "in", report=report)
    assert doc.id == "caf\\xe9"
    assert doc.origin.path.endswith("caf\\xe9.txt")
    json.dumps([doc.id, doc.origin.path, list(report.files)], ensure_ascii=False).encode("utf-8")


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_fifo_in_a_folder_is_rejected_not_opened(tmp_path: Path) -> None:
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "a.txt").write_text("Text.")
    os.mkfifo(tmp_path / "in" / "x.txt")
    out = read(tmp_path / "in")  # would block forever if the FIFO were opened
    assert isinstance(out[0], Document)
    assert isinstance(out[1], Rejected) and "FIFO" in out[1].reason
    out = read(tmp_path / "in" / "x.txt")  # named directly: the same rejection, not "no such file"
    assert isinstance(out[0], Rejected) and "FIFO" in out[0].reason


def test_document_over_the_size_cap_is_rejected(tmp_path: Path) -> None:
    (tmp_path / "big.txt").write_text("word " * 3000)
    (tmp_path / "b.jsonl").write_text(json.dumps({"id": "big", "text": "w" * 20_000}) + "\n" + json.dumps({"id": "ok", "text": "t"}) + "\n")
    out = read(tmp_path / "big.txt", tmp_path / "b.jsonl", max_document_bytes=10_000)
    assert [type(r).__name__ for r in out] == ["Rejected", "Rejected", "Document"]
    assert all("max_document_bytes" in r.reason for r in out[:2])


def test_gzip_bomb_is_stopped_while_streaming(tmp_path: Path) -> None:
    import resource

    path = tmp_path / "bomb.jsonl.gz"
    with gzip.open(path, "wb", compresslevel=6) as fh:
        chunk = b"\n" * (1 << 20)
        for _ in range(100):  # 100 MB of newlines at 1000:1: well over the ratio cap
            fh.write(chunk)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    report = ReadReport()
    out = read(path, report=report, bomb_min_bytes=16 << 20)
    assert len(out) == 1 and isinstance(out[0], Rejected) and "gzip bomb" in out[0].reason
    assert str(path) in report.files  # still listed, with the hash of the whole file
    grown_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before
    assert grown_kb < 200_000


def test_gzip_over_decompressed_cap(tmp_path: Path) -> None:
    path = tmp_path / "big.txt.gz"
    path.write_bytes(gzip.compress(os.urandom(50_000)))
    out = read(path, max_document_bytes=10_000)
    assert isinstance(out[0], Rejected) and "max_document_bytes" in out[0].reason


def test_broken_gzip_is_one_rejection(tmp_path: Path) -> None:
    (tmp_path / "a.txt.gz").write_bytes(b"not gzip at all")
    (out,) = read(tmp_path / "a.txt.gz")
    assert isinstance(out, Rejected) and "gzip" in out.reason


def test_datatrove_record_metadata_is_not_nested_twice(tmp_path: Path) -> None:
    record = {"text": "Body.", "id": "dt-1", "media": [],
              "metadata": {"url": "https://a.example/x", "dump": "CC-MAIN-2024", "language": "en", "title": "T"}}
    (tmp_path / "d.jsonl").write_text(json.dumps(record) + "\n")
    (doc,) = read(tmp_path / "d.jsonl")
    assert doc.id == "dt-1" and doc.url == "https://a.example/x" and doc.language == "en" and doc.title == "T"
    assert doc.metadata == {"dump": "CC-MAIN-2024"}


def test_dolma_record(tmp_path: Path) -> None:
    record = {"id": "d1", "text": "Body.", "source": "c4", "added": "2024-01-01T00:00:00Z",
              "created": "2019-04-01", "metadata": {"url": "https://b.example/y", "length": 5}}
    (tmp_path / "d.jsonl").write_text(json.dumps(record) + "\n")
    (doc,) = read(tmp_path / "d.jsonl")
    assert doc.url == "https://b.example/y" and doc.site is None and doc.date == "2019-04-01"
    assert doc.metadata == {"added": "2024-01-01T00:00:00Z", "length": 5, "source": "c4"}


def test_nested_metadata_clash_keeps_both(tmp_path: Path) -> None:
    record = {"id": "x", "text": "Body.", "url": "https://top.example/", "metadata": {"url": "https://nested.example/"}}
    (tmp_path / "d.jsonl").write_text(json.dumps(record) + "\n")
    (doc,) = read(tmp_path / "d.jsonl")
    assert doc.url == "https://top.example/" and doc.metadata == {"metadata.url": "https://nested.example/"}
