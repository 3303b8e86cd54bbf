"""End to end over samples/: noise gone, copies merged, output deterministic."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from cleaner.pipeline import RunOptions, run_paths


def run_to(tmp: Path, inputs: list[Path], **kw) -> dict[str, bytes]:
    result = run_paths([str(i) for i in inputs], tmp, RunOptions(**kw))
    assert set(result.written) >= {"documents", "clusters", "rejected", "manifest"}
    return {name: (tmp / name).read_bytes() for name in ("documents.jsonl", "clusters.jsonl", "rejected.jsonl")}


def records(data: bytes) -> list[dict]:
    return [json.loads(line) for line in data.decode().splitlines()]


@pytest.fixture(scope="module")
def sample_run(tmp_path_factory) -> dict[str, bytes]:
    from conftest import SAMPLES

    return run_to(tmp_path_factory.mktemp("out"), [SAMPLES])


def test_seed_noise_is_gone_and_sentences_stay(sample_run) -> None:
    docs = {d["id"]: d for d in records(sample_run["documents.jsonl"])}
    first, second = docs["000_3b067c2d17003791"], docs["001_2ac8c217c480dcdf"]
    for text in (first["text"], second["text"]):
        for noise in ("See also", "Please enter your", "Cookies", "Global Upfront", "Advertize", "(File)", "AP Photo", "Originally published"):
            assert noise not in text
    assert "These reports prompted Israel to review the cyber-export policy administered by the Defense Ministry." in first["text"]
    assert second["text"].rstrip().endswith("following the US blacklisting.")
    assert second["attribution"]["original_publisher"] == "Times of Israel"
    assert first["title"].startswith("Israel drops list of countries")


def test_the_two_seed_stories_on_one_event_stay_apart(sample_run) -> None:
    rows = {r["id"]: r for r in records(sample_run["clusters.jsonl"])}
    assert rows["000_3b067c2d17003791"]["cluster"] != rows["001_2ac8c217c480dcdf"]["cluster"]


def test_syndicated_copies_form_one_cluster_listing_every_member(sample_run) -> None:
    rows = records(sample_run["clusters.jsonl"])
    copies = {"syndicated/harbourview-herald", "syndicated/the-midland-post", "northern-courier/rail-trail", "valley-times/rail-trail"}
    assert {r["cluster"] for r in rows if r["id"] in copies} == {rows[[r["id"] for r in rows].index("syndicated/harbourview-herald")]["cluster"]}
    story = [d for d in records(sample_run["documents.jsonl"]) if d["cluster"]["size"] == 4][0]
    assert set(story["members"]) == copies
    assert [m["id"] for m in story["provenance"]] == story["members"]
    assert story["attribution"]["original_publisher"] == "Harbourview Herald"
    assert all(0 < m["similarity"] <= 1 for m in story["provenance"])
    assert "Story continues below advertisement" not in story["text"]


def test_every_input_is_accounted_for(sample_run) -> None:
    assert len(records(sample_run["clusters.jsonl"])) == 6
    assert sample_run["rejected.jsonl"] == b""


def test_no_dedup_writes_one_record_per_input(tmp_path: Path, samples: Path) -> None:
    out = run_to(tmp_path, [samples], dedup=False)
    assert len(records(out["documents.jsonl"])) == 6
    assert all(r["canonical_id"] == r["id"] for r in records(out["clusters.jsonl"]))


def test_twice_and_with_two_workers_byte_identical(tmp_path: Path, samples: Path, sample_run) -> None:
    again = run_to(tmp_path / "again", [samples])
    pooled = run_to(tmp_path / "pooled", [samples], workers=2)
    for name in ("documents.jsonl", "clusters.jsonl"):
        assert again[name] == sample_run[name]
        assert pooled[name] == sample_run[name]


def test_input_order_does_not_change_output(tmp_path: Path, samples: Path) -> None:
    files = sorted(p for p in samples.rglob("*") if p.suffix in (".txt", ".html", ".jsonl"))
    a = run_to(tmp_path / "a", files)
    b = run_to(tmp_path / "b", files[::-1])
    assert a["clusters.jsonl"] == b["clusters.jsonl"]


def test_cache_gives_the_same_output(tmp_path: Path, samples: Path, sample_run) -> None:
    cold = run_to(tmp_path / "cold", [samples], cache=str(tmp_path / "cache"))
    warm = run_to(tmp_path / "warm", [samples], cache=str(tmp_path / "cache"))
    assert cold["documents.jsonl"] == warm["documents.jsonl"] == sample_run["documents.jsonl"]


def test_a_document_with_nothing_left_is_rejected_with_reason(tmp_path: Path) -> None:
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "cookies.txt").write_text("We use cookies to improve your experience. Accept\n")
    (tmp_path / "in" / "story.txt").write_text(
        "A fine headline for the story\n\nThe mayor opened the new bridge on Monday, two years after work began. "
        "She said the crossing would cut journey times for thousands of commuters every day.\n"
    )
    out = run_to(tmp_path / "out", [tmp_path / "in"])
    rejected = records(out["rejected.jsonl"])
    assert [r["id"] for r in rejected] == ["cookies"] and rejected[0]["stage"] == "strip"
    assert "no article text" in rejected[0]["reason"]
    assert [d["id"] for d in records(out["documents.jsonl"])] == ["story"]


def test_html_and_text_copies_of_a_story_merge(tmp_path: Path, samples: Path) -> None:
    shutil.copytree(samples / "syndicated", tmp_path / "in")
    out = run_to(tmp_path / "out", [tmp_path / "in"])
    assert len(records(out["documents.jsonl"])) == 1


def test_standfirst_leaves_the_text_but_stays_in_the_record(sample_run) -> None:
    docs = {d["id"]: d for d in records(sample_run["documents.jsonl"])}
    second = docs["001_2ac8c217c480dcdf"]
    assert second["standfirst"].startswith("In potential major blow to Israeli industry")
    assert "In potential major blow" not in second["text"]


def test_an_unexpected_error_on_one_document_rejects_it_and_the_run_goes_on(tmp_path: Path, samples: Path, monkeypatch) -> None:
    import cleaner.strip.text as text_stage

    real = text_stage.strip_text

    def flaky(text, **kwargs):
        if "Port Avery" in text:
            raise IndexError("boom")
        return real(text, **kwargs)

    monkeypatch.setattr(text_stage, "strip_text", flaky)
    out = run_to(tmp_path, [samples])
    rejected = records(out["rejected.jsonl"])
    assert {r["id"] for r in rejected} == {"syndicated/harbourview-herald", "syndicated/the-midland-post",
                                           "northern-courier/rail-trail", "valley-times/rail-trail"}
    assert all("IndexError: boom" in r["reason"] and r["stage"] == "strip" for r in rejected)
    assert len(records(out["clusters.jsonl"])) == 2  # the two seeds went through
