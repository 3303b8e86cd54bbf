"""Fuzzing the readers and both modes with Hypothesis (fixed seed and budget, so CI is repeatable).

Properties: reading never raises; every non-blank JSONL line becomes exactly one Document or
Rejected record, in order; every record can be written as UTF-8 JSON; and the strip stage in
text and HTML mode either gives a document or a rejection with a reason, never an exception.
"""
from __future__ import annotations

import io
import json

import pytest

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import HealthCheck, given, seed, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from cleaner.io.readers import ReadOptions, iter_documents  # noqa: E402
from cleaner.records import Document, Rejected  # noqa: E402
from cleaner.strip import StripOptions, prepare_document, strip_document  # noqa: E402

BUDGET = settings(max_examples=60, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])

# Text with what breaks encoders and parsers: lone surrogates, NUL, controls, markup, bidi marks.
nasty_text = st.text(
    alphabet=st.one_of(
        st.characters(codec=None, exclude_categories=()),
        st.sampled_from(["\ud800", "\udfff", "\x00", "\r", "\u2028", "\ufeff", "<", ">", "&", "\"", "\\", "{", "["]),
    ),
    max_size=200,
)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | nasty_text,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(nasty_text, inner, max_size=4),
    max_leaves=20,
)
records = st.dictionaries(
    st.sampled_from(["id", "text", "html", "title", "site", "url", "date", "language", "metadata", "source", "added", "x"]),
    json_values,
    max_size=8,
)


def _writable(record: Document | Rejected) -> None:
    if isinstance(record, Rejected):
        assert record.reason
        json.dumps(record.to_dict(), ensure_ascii=False).encode("utf-8")
    else:
        fields = [record.id, record.content, record.site, record.url, record.title, record.origin.path]
        json.dumps([fields, record.metadata], ensure_ascii=False).encode("utf-8")


def _lines(data: bytes) -> list[Document | Rejected]:
    stream = io.TextIOWrapper(io.BytesIO(data), encoding="utf-8")
    return list(iter_documents(["-"], ReadOptions(), stdin=stream))


@seed(20261204)
@BUDGET
@given(st.lists(records, min_size=1, max_size=6), st.lists(st.binary(max_size=40), max_size=3))
def test_jsonl_lines_each_give_one_record(rows: list[dict], junk: list[bytes]) -> None:
    lines = [json.dumps(r).encode("ascii") for r in rows] + [j.replace(b"\n", b" ") for j in junk]
    data = b"\n".join(lines) + b"\n"
    out = _lines(data)
    assert len(out) == sum(1 for line in lines if line.strip())
    for record in out:
        _writable(record)


@seed(20261204)
@BUDGET
@given(st.binary(max_size=3000), st.sampled_from(["a.txt", "a.html", "a.jsonl", "a.txt.gz", "a.parquet", "a.warc"]))
def test_any_bytes_in_any_file_kind(tmp_path_factory, data: bytes, name: str) -> None:
    folder = tmp_path_factory.mktemp("fuzz")
    (folder / name).write_bytes(data)
    for record in iter_documents([str(folder)], ReadOptions()):
        _writable(record)


@seed(20261204)
@BUDGET
@given(nasty_text, st.sampled_from(["text", "html"]))
def test_both_modes_never_raise(content: str, mode: str) -> None:
    doc = Document(id="fuzz", content=content, mode=mode)  # type: ignore[arg-type]
    prepared = prepare_document(doc, StripOptions())
    if isinstance(prepared, Rejected):
        assert prepared.reason
        return
    result = strip_document(prepared, None, StripOptions())
    assert isinstance(result, (Document, Rejected))
    if isinstance(result, Document):
        assert result.text is not None
        for span in result.removed:
            assert 0 <= span.start <= span.end <= len(result.source_text or "")


@seed(20261204)
@BUDGET
@given(st.lists(st.tuples(st.sampled_from(["div", "p", "span", "a", "li", "script", "!--"]), nasty_text), max_size=30))
def test_html_fragments(parts: list[tuple[str, str]]) -> None:
    html = "<html><body>" + "".join(f"<{t}>{x}" if t != "!--" else f"<!--{x}" for t, x in parts) + "</body></html>"
    doc = Document(id="fuzz-html", content=html, mode="html")
    prepared = prepare_document(doc, StripOptions())
    if isinstance(prepared, Document):
        assert isinstance(strip_document(prepared, None, StripOptions()), (Document, Rejected))
