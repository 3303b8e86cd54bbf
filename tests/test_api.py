"""The library API: types in and out, errors that name the input, streaming."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

import cleaner
from cleaner import Canonical, Document, clean_html, clean_text, dedup, iter_clean, iter_run, run
from cleaner.errors import ConfigError, InputError, NoContentError

STORY = (
    "Town opens new library\n\n"
    "The town opened its new library on Saturday after two years of building work on the old market site.\n\n"
    "See also  Council approves budget for next year\n\n"
    "More than 2,000 people visited on the first day, and the librarian said the children's room was full all afternoon.\n"
)


def test_clean_text_returns_a_document_with_spans_into_the_input() -> None:
    doc = clean_text(STORY, id="lib")
    assert isinstance(doc, Document) and doc.id == "lib"
    assert doc.title == "Town opens new library"
    assert "See also" not in doc.text and "2,000 people" in doc.text
    for span in doc.removed:
        assert STORY[span.start : span.end].strip(), span
        assert span.kind and span.reason
    see_also = [s for s in doc.removed if s.kind == "see_also"]
    assert STORY[see_also[0].start : see_also[0].end].startswith("See also")


def test_errors_name_the_input() -> None:
    with pytest.raises(NoContentError, match="empty-one"):
        clean_text("Accept all cookies\n", id="empty-one")
    with pytest.raises(InputError, match="bytes-doc"):
        clean_text(b"bytes", id="bytes-doc")  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match="no_such_option"):
        clean_text(STORY, no_such_option=True)


def test_clean_html_from_bytes(samples: Path) -> None:
    page = (samples / "syndicated" / "the-midland-post.html").read_bytes()
    doc = clean_html(page, id="midland")
    assert doc.mode == "html" and doc.title.startswith("Coastal town votes")
    assert "Port Avery voted 7-2" in doc.text
    assert "cookies" not in doc.text.lower() and "See also" not in doc.text
    assert doc.attribution.original_publisher == "Harbourview Herald"


def test_dedup_and_run_over_records(samples: Path) -> None:
    lines = (samples / "syndicated" / "wire-feed.jsonl").read_text().splitlines()
    records = [json.loads(line) for line in lines]
    records.append({"id": "origin", "site": "Harbourview Herald", "text": (samples / "syndicated" / "harbourview-herald.txt").read_text()})
    result = run(records)
    assert len(result.canonicals) == 1 and {m.id for m in result.canonicals[0].cluster.members} == {r["id"] for r in records}
    cleaned = [clean_text(r["text"], id=r["id"], site=r["site"]) for r in records]
    assert [c.id for c in dedup(cleaned).canonicals] == [result.canonicals[0].id]


def test_dedup_needs_cleaned_documents() -> None:
    with pytest.raises(InputError, match="raw"):
        dedup([Document(id="raw", content="text")])


def test_run_over_paths_writes_output(tmp_path: Path, samples: Path) -> None:
    result = run(str(samples), tmp_path / "out", dedup=False)
    assert len(result.canonicals) == 6
    assert (tmp_path / "out" / "documents.jsonl").read_text().count("\n") == 6


def test_streaming_forms(samples: Path) -> None:
    texts = [STORY, "Accept all cookies\n", (samples / "000_3b067c2d17003791.txt").read_text()]
    cleaned = list(iter_clean(iter(texts)))
    assert [type(c).__name__ for c in cleaned] == ["Document", "Rejected", "Document"]
    out = list(iter_run(iter(texts + [STORY.replace("Saturday", "Sunday")])))
    assert [type(o).__name__ for o in out] == ["Rejected", "Canonical", "Canonical"]
    merged = [o for o in out if isinstance(o, Canonical) and o.cluster.size == 2]
    assert len(merged) == 1
    first = next(iter_run(iter(texts), dedup=False))
    assert isinstance(first, Canonical) and first.cluster.size == 1


def test_public_names() -> None:
    for name in ("clean_text", "clean_html", "dedup", "run", "iter_clean", "iter_run", "Span", "Document"):
        assert hasattr(cleaner, name)
    assert isinstance(cleaner.__version__, str)


def test_a_copy_found_on_another_site_names_that_site_as_republisher() -> None:
    from cleaner.records import Attribution
    from cleaner.strip import republished_here

    said = Attribution(original_publisher="The Wire Service")
    assert republished_here(said, "Daily Sample").republished_by == ["Daily Sample"]
    assert republished_here(said, "Wire Service").republished_by == []  # the origin site itself
    assert republished_here(Attribution(), "Daily Sample").republished_by == []  # nothing said: nothing inferred


def test_keep_standfirst_option(samples: Path) -> None:
    text = (samples / "001_2ac8c217c480dcdf.txt").read_text()
    default = clean_text(text)
    kept = clean_text(text, keep_standfirst=True)
    assert "In potential major blow" not in default.text and default.standfirst.startswith("In potential major blow")
    assert "In potential major blow" in kept.text


def test_library_inputs_are_checked_like_the_cli(tmp_path: Path) -> None:
    a, b = clean_text(STORY), clean_text(STORY.replace("Saturday", "Sunday"))
    assert a.id != b.id and a.id.startswith("text-")  # ids from content: no accidental collision
    assert len(dedup([a, b]).canonicals) == 1
    result = run([{"id": "x", "text": STORY}, {"id": "x", "text": STORY}])
    assert [r.id for r in result.rejected] == ["x"] and "duplicate id" in result.rejected[0].reason
    with pytest.raises(InputError, match="missing.txt"):
        run([str(tmp_path / "missing.txt")])
    with pytest.raises(ConfigError, match="mode"):
        run([STORY], mode="xml")
    with pytest.raises(ConfigError, match="csv"):
        run([STORY], formats=["csv"])
