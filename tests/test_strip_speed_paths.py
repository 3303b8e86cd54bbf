"""The text stage's fast paths give what the plain constructs they stand for give."""
from __future__ import annotations

import dataclasses

import pytest

from cleaner.records import Span
from cleaner.strip import _analysis
from cleaner.strip.hints import PrefixDispatch
from cleaner.strip.rules import load_rules


def test_merged_spans_are_ordinary_spans():
    source = "Menu\n\nHome\nStory text here.\n"
    merged = _analysis._merge_spans([(0, 4, ("menu", "a menu")), (6, 10, ("menu", "a menu")),
                                     (11, 27, ("footer", "why"))], source)
    assert merged == [Span(0, 10, "menu", "a menu"), Span(11, 27, "footer", "why")]
    assert [hash(s) for s in merged] == [hash(Span(0, 10, "menu", "a menu")), hash(Span(11, 27, "footer", "why"))]
    assert [f.name for f in dataclasses.fields(Span)] == list(Span.__slots__)  # what _new_span sets
    with pytest.raises(dataclasses.FrozenInstanceError):
        merged[0].start = 3


def test_dispatch_key_memory_answers_as_the_levels_do_and_is_bounded(monkeypatch):
    rules = load_rules("en")
    for dispatch in (rules.start_dispatch, rules.prefix_dispatch):
        for key in ("advert", "share ", "read m", "000 00", "zzzzzz", "", "©", "photo:"):
            assert dispatch.pattern_for(key) is dispatch._choose(key)
            assert dispatch.pattern_for(key) is dispatch._choose(key)  # remembered: the same answer
    small = PrefixDispatch(["(?P<a>ab)", "(?P<b>cd)"], [frozenset({"ab"}), frozenset({"cd"})])
    for n in range(60_000):
        small.pattern_for(f"k{n}")
    assert len(small.by_key) <= 50_000
    assert small.pattern_for("abx").pattern == "(?P<a>ab)" and small.pattern_for("xy") is None
