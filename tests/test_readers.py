"""Readers: ids, modes, formats, and that nothing is lost."""
from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from cleaner.errors import InputError
from cleaner.io.readers import ReadOptions, ReadReport, detect_mode, iter_documents, strip_extensions
from cleaner.records import Document, Rejected

PAGE = "<!DOCTYPE html><html><head><title>T</title></head><body><div><p>Hello there.</p></div></body></html>"


def read(*inputs, **kw) -> list:
    return list(iter_documents([str(i) for i in inputs], ReadOptions(**kw)))


def test_id_is_path_under_root_without_extensions(tmp_path: Path) -> None:
    (tmp_path / "txt" / "sub").mkdir(parents=True)
    (tmp_path / "txt" / "abc.txt").write_text("Some text here.")
    (tmp_path / "txt" / "sub" / "page.html.gz").write_bytes(gzip.compress(PAGE.encode()))
    docs = read(tmp_path / "txt")
    assert [d.id for d in docs] == ["abc", "sub/page"]
    assert docs[0].mode == "text" and docs[1].mode == "html"
    assert docs[1].content.startswith("<!DOCTYPE html>")


def test_single_file_root_is_its_folder(tmp_path: Path) -> None:
    f = tmp_path / "story.v2.txt"
    f.write_text("Text.")
    assert [d.id for d in read(f)] == ["story.v2"]


def test_glob_root_is_the_folder_before_the_wildcard(tmp_path: Path) -> None:
    (tmp_path / "raw" / "a").mkdir(parents=True)
    (tmp_path / "raw" / "a" / "x.txt").write_text("X text.")
    docs = read(f"{tmp_path}/raw/**/*.txt")
    assert [d.id for d in docs] == ["a/x"]


def test_strip_extensions_only_known_ones() -> None:
    assert strip_extensions("a/b.html.gz") == "a/b"
    assert strip_extensions("v1.2.txt") == "v1.2"
    assert strip_extensions("data.jsonl.gz") == "data"


def test_jsonl_keeps_id_or_uses_file_and_line(tmp_path: Path) -> None:
    lines = [
        {"id": "own-id", "text": "Body one.", "site": "Site A", "url": "https://a.example/1", "tag": "x"},
        {"text": "Body two."},
        {"html": PAGE, "source": "Site B"},
    ]
    path = tmp_path / "batch.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in lines) + "\n")
    docs = read(path)
    assert [d.id for d in docs] == ["own-id", "batch:2", "batch:3"]
    assert docs[0].site == "Site A" and docs[0].url == "https://a.example/1"
    assert docs[0].metadata == {"tag": "x"}  # unknown fields are kept, not dropped
    assert docs[2].mode == "html" and docs[2].site == "Site B"
    assert docs[1].origin.path == str(path) and docs[1].origin.line == 2


def test_configurable_fields(tmp_path: Path) -> None:
    path = tmp_path / "x.jsonl"
    path.write_text(json.dumps({"doc_key": "k1", "body_text": "Hello."}) + "\n")
    docs = read(path, id_field="doc_key", text_field="body_text")
    assert docs[0].id == "k1" and docs[0].content == "Hello."


def test_bad_lines_are_rejected_with_reason_not_lost(tmp_path: Path) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_text('{"id": "ok", "text": "Fine."}\n{not json\n[1, 2]\n{"id": "empty"}\n')
    records = read(path)
    assert [type(r).__name__ for r in records] == ["Document", "Rejected", "Rejected", "Rejected"]
    rejected = [r for r in records if isinstance(r, Rejected)]
    assert rejected[0].id == "bad:2" and "invalid JSON" in rejected[0].reason and rejected[0].line == 2
    assert "not an object" in rejected[1].reason
    assert rejected[2].id == "empty" and "no 'text' or 'html'" in rejected[2].reason


def test_duplicate_ids_across_inputs_are_rejected_naming_the_first(tmp_path: Path) -> None:
    for sub in ("a", "b"):
        (tmp_path / sub).mkdir()
        (tmp_path / sub / "same.txt").write_text(f"Text of {sub}.")
    records = read(tmp_path / "a", tmp_path / "b")
    assert isinstance(records[0], Document)
    assert isinstance(records[1], Rejected) and "duplicate id" in records[1].reason and "a/same.txt" in records[1].reason


def test_empty_binary_and_broken_gzip_files_are_rejected(tmp_path: Path) -> None:
    (tmp_path / "empty.txt").write_text("  \n")
    (tmp_path / "bin.txt").write_bytes(b"\x00\x01\x02binary")
    (tmp_path / "broken.html.gz").write_bytes(b"not gzip")
    reasons = {r.id: r.reason for r in read(tmp_path)}
    assert reasons == {"bin": "looks binary (NUL bytes), not text", "broken": reasons["broken"], "empty": "empty file"}
    assert "gzip" in reasons["broken"]


def test_missing_input_is_a_usage_error_naming_it(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="nope"):
        read(tmp_path / "nope")
    with pytest.raises(InputError, match="matched no files"):
        read(f"{tmp_path}/*.txt")


def test_folder_walk_ignores_unknown_files_but_reports_them(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("A.")
    (tmp_path / "LICENSE").write_text("MIT")
    (tmp_path / ".hidden.txt").write_text("hidden")
    report = ReadReport()
    docs = list(iter_documents([str(tmp_path)], ReadOptions(), report))
    assert [d.id for d in docs] == ["a"]
    assert report.ignored == [str(tmp_path / "LICENSE")]
    assert str(tmp_path / "a.txt") in report.files


def test_cp1252_text_is_decoded(tmp_path: Path) -> None:
    (tmp_path / "old.txt").write_bytes("Caf\u00e9 \u201cquoted\u201d".encode("cp1252"))
    assert read(tmp_path)[0].content == "Caf\u00e9 \u201cquoted\u201d"


def test_mode_detection_and_override(tmp_path: Path) -> None:
    assert detect_mode(PAGE) == "html"
    assert detect_mode("A story that mentions <p> once.\nAnd goes on.") == "text"
    (tmp_path / "flat.html").write_text("Just flattened text, no markup.\nSecond line.")
    assert read(tmp_path)[0].mode == "text"
    assert read(tmp_path, mode="html")[0].mode == "html"


def test_stdin_jsonl() -> None:
    import io

    stream = io.StringIO(json.dumps({"text": "From stdin."}) + "\n")
    docs = list(iter_documents(["-"], ReadOptions(), stdin=stream))
    assert docs[0].id == "stdin:1" and docs[0].content == "From stdin."


def test_parquet(tmp_path: Path) -> None:
    pa = pytest.importorskip("pyarrow")
    import pyarrow.parquet as pq

    pq.write_table(pa.Table.from_pylist([{"id": "p1", "text": "Row one."}, {"id": None, "text": "Row two."}]), tmp_path / "t.parquet")
    docs = read(tmp_path / "t.parquet")
    assert [d.id for d in docs] == ["p1", "t:2"]


def test_warc(tmp_path: Path) -> None:
    pytest.importorskip("warcio")
    from io import BytesIO

    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    path = tmp_path / "crawl.warc.gz"
    with open(path, "wb") as fh:
        writer = WARCWriter(fh, gzip=True)
        headers = StatusAndHeaders("200 OK", [("Content-Type", "text/html; charset=utf-8")], protocol="HTTP/1.1")
        record = writer.create_warc_record("https://site.example/a", "response", payload=BytesIO(PAGE.encode()), http_headers=headers)
        writer.write_record(record)
    docs = read(path)
    assert docs[0].id == "crawl:1" and docs[0].url == "https://site.example/a" and docs[0].mode == "html"


def test_one_bad_byte_in_a_jsonl_line_does_not_garble_the_others(tmp_path: Path) -> None:
    path = tmp_path / "feed.jsonl"
    path.write_bytes(
        '{"id": "good", "text": "The caf\u00e9 reopened on Monday."}\n'.encode("utf-8")
        + b'{"id": "bad", "text": "A stray byte \xff here."}\n'
    )
    docs = {d.id: d for d in read(path)}
    assert docs["good"].content == "The caf\u00e9 reopened on Monday."
    assert docs["bad"].content.startswith("A stray byte")


STRAY = "<![endif]-->\n<div id=\"x\"></div>\nPort Verran will rebuild its breakwater.<br>\nThe harbour authority said so on Tuesday.\n<br>\n"


def test_text_with_stray_tags_stays_text(tmp_path: Path) -> None:
    (tmp_path / "story.txt").write_text(STRAY)
    (tmp_path / "records.jsonl").write_text(json.dumps({"id": "r1", "text": STRAY}) + "\n")
    docs = read(tmp_path)
    assert sorted((d.id, d.mode) for d in docs) == [("r1", "text"), ("story", "text")]
    assert detect_mode(STRAY, "text") == "text"


def test_a_txt_file_holding_an_html_document_is_html(tmp_path: Path) -> None:
    (tmp_path / "page.txt").write_text(PAGE)
    body = "".join(f"<div class=\"c{k}\"><a href=\"/s/{k}\">Story {k}</a></div>" for k in range(20))
    (tmp_path / "late.txt").write_text(f"Saved page\n<html><body>{body}</body></html>")
    assert sorted((d.id, d.mode) for d in read(tmp_path)) == [("late", "html"), ("page", "html")]
