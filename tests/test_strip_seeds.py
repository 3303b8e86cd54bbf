"""The two seed pages: exact expected output, plus the noise the issue names.

The expected files in tests/data/seeds_expected/ were reviewed line by line: every
article sentence of the seed is among the paragraphs, every noise line among the
removed spans.  The seeds are in samples/ (verbatim copies of ../shared/seeds), so
these tests run on a fresh clone.
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from cleaner.strip.text import strip_text

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "samples"
EXPECTED = ROOT / "tests" / "data" / "seeds_expected"


def _seed(name: str) -> str:
    return (SEEDS / name).read_text(encoding="utf-8")


def _run(stem: str):
    text = _seed(stem + ".txt")
    out = strip_text(text)
    removed = {(text[s.start:s.end], s.kind) for s in out.removed}
    return text, out, removed


@pytest.mark.parametrize("stem", ["000_3b067c2d17003791", "001_2ac8c217c480dcdf"])
def test_seed_exact_output(stem):
    text, out, _ = _run(stem)
    expected = json.loads((EXPECTED / f"{stem}.json").read_text(encoding="utf-8"))
    assert out.title == expected["title"]
    assert out.text.split("\n") == expected["paragraphs"]
    assert out.attribution.to_dict() == expected["attribution"]
    assert [{"kind": s.kind, "text": text[s.start:s.end]} for s in out.removed] == expected["removed"]


@pytest.mark.parametrize("stem", ["000_3b067c2d17003791", "001_2ac8c217c480dcdf"])
def test_seed_offsets_are_faithful(stem):
    text, out, _ = _run(stem)
    for paragraph in out.text.split("\n"):
        assert paragraph and paragraph in text
        assert paragraph == paragraph.strip()
    starts = [s.start for s in out.removed]
    assert starts == sorted(starts)
    for a, b in zip(out.removed, out.removed[1:]):
        assert a.end <= b.start
    assert all(s.reason for s in out.removed)


def test_seed_000_named_noise():
    text, out, removed = _run("000_3b067c2d17003791")
    assert out.title == "Israel drops list of countries buying cybertech after Pegasus Row: report"
    assert ("Israel has reduced the list of countries allowed to buy cybertech to just 37 from 102. (File)",
            "photo_credit") in removed
    see_also = [t for t, k in removed if k == "see_also"]
    assert len(see_also) == 3 and all(t.startswith("See also") for t in see_also)
    assert out.attribution.republished_by == ["UK Time News"]
    assert any(k == "syndication_notice" and t.startswith("(Except for the title") for t, k in removed)
    assert ("Please enter your comment!\nPlease enter your name here", "comment_form") in removed
    assert "See also" not in out.text and "(File)" not in out.text and "Please enter" not in out.text
    # every article sentence stays
    assert out.text.startswith("Israel has narrowed its list of countries eligible")
    assert out.text.endswith("Apple Inc was the last to sue NSO this week.")
    assert len(out.text.split("\n")) == 9


def test_seed_001_named_noise():
    text, out, removed = _run("001_2ac8c217c480dcdf")
    assert out.title == "Amid NSO scandal, Israel bans cyber technology sales to 65 countries"
    kinds = {t: k for t, k in removed}
    assert kinds["Global Upfront Newspapers"] == "site_header"
    assert kinds["Breaking News Cover News World News"] == "site_header"
    assert kinds["Originally published by Times of Israel,"] == "attribution"
    assert out.attribution.original_publisher == "Times of Israel"
    assert kinds["Advertize With Us"] == "advertisement"
    assert kinds["See Also:"] == "headline_list"
    assert any(k == "cookie_banner" and t.startswith("This website uses Cookies") for t, k in removed)
    # the headline list alternating with the site name is gone entirely
    assert "Global Upfront" not in out.text and "Lassa outbreak" not in out.text
    # the caption glued to the end of a paragraph goes, the paragraph stays
    caption = "A branch of the Israeli NSO Group company, near the southern Israeli town of Sapir, on August 24, 2021. (AP Photo/Sebastian Scheiner)"
    assert (caption, "photo_credit") in removed
    assert ("“To prevent further abuse and harm to its users, Apple is also seeking a permanent injunction to ban NSO "
            "Group from using any Apple software, services, or devices,” Apple said in a statement announcing the "
            "lawsuit.") in out.text.split("\n")
    assert out.text.endswith("following the US blacklisting.")
    assert len(out.text.split("\n")) == 16
