"""A warm run decodes only the cached documents a step needs, computes each evidence site once,
and still writes what a cold run writes; the pre-commit outputs name inputs relative to the repository."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

import cleaner.cache as cache_module
import cleaner.pipeline as pipeline_module
import cleaner.strip as strip_module
from cleaner.cache import CachedDocument, StageCache, encode_value
from cleaner.cli import build_run_options
from cleaner.errors import CleanerError
from cleaner.pipeline import RunOptions, run_paths
from cleaner.precommit import precommit

BODY = (
    "The {n} council met on Tuesday to discuss the new budget, which includes funds for road repairs and a library.\n\n"
    "Officials said the plan would be put to a public vote in the spring after a consultation with residents.\n\n"
)
MENU = "Home | News | Sport\n\n"  # every page of the untitled site starts with it: a template


def write(raw: Path, n: int, edited: int | None = None) -> None:
    raw.mkdir(parents=True, exist_ok=True)
    for k in range(n):
        extra = "A late paragraph was added to this one story after it was first published online.\n" if k == edited else ""
        (raw / f"page{k}.txt").write_text(MENU + f"Story {k} about the council budget\n\n" + BODY.format(n=k) + extra)


def outputs(out: Path) -> bytes:
    return b"".join((out / name).read_bytes() for name in ("documents.jsonl", "clusters.jsonl", "rejected.jsonl"))


def spy(monkeypatch, owners: list, name: str) -> list[str]:
    """Replace ``name`` on every one of ``owners`` by a wrapper that notes the id of each call's document."""
    calls: list[str] = []
    real = getattr(owners[0], name)

    def noted(doc):
        calls.append(doc.id)
        return real(doc)

    for owner in owners:
        monkeypatch.setattr(owner, name, noted)
    return calls


def count_loads(monkeypatch) -> list[str]:
    return spy(monkeypatch, [CachedDocument], "load")


def test_one_edit_decodes_one_extraction_and_equals_cold(tmp_path: Path, monkeypatch) -> None:
    raw, cache = tmp_path / "raw", tmp_path / "cache"
    write(raw, 8)
    run_paths([str(raw)], tmp_path / "first", RunOptions(cache=str(cache)))
    write(raw, 8, edited=3)
    loaded = count_loads(monkeypatch)
    run_paths([str(raw)], tmp_path / "warm", RunOptions(cache=str(cache)))
    # page3 itself is extracted again (a new key); the others' strip results are cached, and no
    # line of theirs changed support, so none of their extractions is decoded.
    assert loaded == []
    run_paths([str(raw)], tmp_path / "cold", RunOptions())
    assert outputs(tmp_path / "warm") == outputs(tmp_path / "cold")


def test_a_site_that_changes_decodes_what_it_must_and_equals_cold(tmp_path: Path, monkeypatch) -> None:
    raw, cache = tmp_path / "raw", tmp_path / "cache"
    write(raw, 6)
    run_paths([str(raw)], tmp_path / "first", RunOptions(cache=str(cache)))
    # Every page gains the same footer: the site's line counts change, every document is re-judged.
    for path in raw.iterdir():
        path.write_text(path.read_text() + "Copyright the Valley Gazette\n")
    write(raw, 6)  # and back: the cached extractions are valid again, their evidence digests are not
    loaded = count_loads(monkeypatch)
    run_paths([str(raw)], tmp_path / "warm", RunOptions(cache=str(cache)))
    run_paths([str(raw)], tmp_path / "cold", RunOptions())
    assert outputs(tmp_path / "warm") == outputs(tmp_path / "cold")
    assert len(loaded) == len(set(loaded))  # a document is decoded at most once


def test_evidence_site_is_computed_once_a_document(tmp_path: Path, monkeypatch) -> None:
    raw, cache = tmp_path / "raw", tmp_path / "cache"
    write(raw, 5)
    run_paths([str(raw)], tmp_path / "first", RunOptions(cache=str(cache)))
    write(raw, 5, edited=1)
    calls = spy(monkeypatch, [strip_module, pipeline_module], "evidence_site")
    run_paths([str(raw)], tmp_path / "warm", RunOptions(cache=str(cache), workers=1))
    # Only the edited page has no cached evidence part (the mapper computes it); neither the strip
    # keys nor signing compute a site again: they come from the evidence parts.
    assert calls == []


def test_a_cached_value_that_is_not_its_document_is_refused(tmp_path: Path) -> None:
    raw, cache = tmp_path / "raw", tmp_path / "cache"
    write(raw, 3)
    run_paths([str(raw)], tmp_path / "first", RunOptions(cache=str(cache)))
    store = StageCache(cache)
    keys = [k for (k,) in store._db.execute("SELECT key FROM results WHERE stage = 'extract'")]
    found = store.get_documents("extract", keys)
    assert found and all(type(v) is CachedDocument for v in found.values())
    a, b = list(found.values())[:2]
    assert a.load().id == a.id
    # A planted value with a valid checksum (another document's): decoding it refuses, never uses it.
    other = json.loads(cache_module.checked_blob(encode_value(b.load())))
    with pytest.raises(CleanerError):
        CachedDocument(a.id, a.key, json.dumps(other).encode()).load()
    with pytest.raises(CleanerError):
        CachedDocument(a.id, a.key, b"{not json").load()
    store.close()


def test_precommit_outputs_are_the_same_in_two_clones(tmp_path: Path) -> None:
    config = {"inputs": ["raw"], "output": "clean"}
    first = tmp_path / "one" / "data"
    write(first / "raw", 4)
    (first / "raw" / "empty.txt").write_text("\n")  # rejected: its path is in rejected.jsonl
    second = tmp_path / "elsewhere" / "clone"
    shutil.copytree(first, second)
    for repo in (first, second):
        precommit(build_run_options(config, index=None), config, check=False, repo=repo)
    files = sorted(p.name for p in (first / "clean").iterdir())
    assert files == sorted(p.name for p in (second / "clean").iterdir())
    for name in files:
        assert (first / "clean" / name).read_bytes() == (second / "clean" / name).read_bytes(), name
    records = [json.loads(line) for line in (first / "clean" / "documents.jsonl").read_text().splitlines()]
    assert records and all(r["origin"]["path"].startswith("raw/") for r in records)
    rejected = [json.loads(line) for line in (first / "clean" / "rejected.jsonl").read_text().splitlines()]
    assert [r.get("path") for r in rejected] == ["raw/empty.txt"]
