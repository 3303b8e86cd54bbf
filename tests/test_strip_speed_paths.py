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


def test_prune_word_lookup_finds_the_first_rule_in_file_order():
    """The per-word index of the prune rules picks the rule a scan of the rules in file order picks."""
    from cleaner.strip.prune import attribute_tokens, rules_from_mapping
    from cleaner.strip.prune import load_rules as load_prune_rules

    def scanned(rules, word: str) -> int:
        tokens, classes = attribute_tokens(word)
        for i, r in enumerate(rules.rules):
            if r.tokens & tokens or r.classes & classes or any(t.startswith(p) for p in r.prefixes for t in tokens):
                return i
        return len(rules.rules)

    custom = rules_from_mapping({"rule": [
        {"kind": "a", "reason": "r", "prefixes": ["shar"]},
        {"kind": "b", "reason": "r", "tokens": ["share", "box"], "classes": ["side_box"]},
        {"kind": "c", "reason": "r", "classes": ["share_box"], "prefixes": ["bo"]},
    ]})
    assert custom._rule_index_of_word("share") == 0  # a prefix of an earlier rule beats a later token
    assert custom._rule_index_of_word("share_box") == 0 and custom._rule_index_of_word("side_box") == 1
    assert custom._rule_index_of_word("boxed") == 2 and custom._rule_index_of_word("plain") == 3
    packaged = load_prune_rules()
    words = sorted({w for r in packaged.rules for w in (*r.tokens, *r.prefixes, *r.classes)})
    words += [w + "-box" for w in words] + ["Related" + w.title() for w in words] + ["clearfix", "col-md-6", "a_b-c"]
    for rules in (custom, packaged):
        for word in words + ["share", "boxed", "side_box", "shared-box"]:
            if not rules._any_substring.search(word.lower()):
                continue  # (the look-up answers "none" before either scan)
            expected = scanned(rules, word)
            if word.lower().startswith(rules.ignore_word_prefixes) or not rules.ignore_word_tokens.isdisjoint(
                    attribute_tokens(word)[0]):
                expected = len(rules.rules)
            assert rules._rule_index_of_word(word) == expected, word
