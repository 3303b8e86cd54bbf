"""The fast paths outside the text rules give what the plain constructs they stand for give.

Each fast path (a bytes path instead of a regular expression, a text normalised in one pass
instead of line by line, word n-grams compared as numbers instead of tuples of words) is
checked against the plain construct, written out here, on typical lines and on random text
that mixes ASCII, punctuation, other scripts, combining marks and case-folding oddities.
"""
from __future__ import annotations

import random
import re

import pytest

from cleaner.neardup import canonical
from cleaner.neardup.canonical import CopyTexts, line_support, line_words
from cleaner.neardup.shingles import normalise_bytes, normalise_lines
from cleaner.records import Document
from cleaner.strip.corpus import _MAX_LINE_CHARS, _key, _line_hash

_NON_WORD = re.compile(r"[\W_]+")
_WORD = re.compile(r"\w+")
_UNSPACED = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\u0e00-\u0e7f]")

TYPICAL = [
    "AUTO NEWS", "“Quoted,” she said — and left.", "It’s 5 o’clock…", "Ünïcödé Überschrift – mit Strich",
    "Новости дня", "日本語のニュース見出し", "ภาษาไทย ข่าว", "snake_case and ß", "Σ ΟΔΟΣ σς", "ﬁne Kelvin K",
    "a\u0345b", "e\u0301 accent", "\u00a0non-breaking\u2028separator", "", "---", "x" * (_MAX_LINE_CHARS + 5) + "’ tail",
    "\x00\x1c control \x1f", "Tab\tseparated\x0bvertical",
]


def random_lines(seed: int, n: int, newlines: bool = False) -> list[str]:
    rng = random.Random(seed)
    pool = [chr(c) for c in range(0x250)] + list("’“”—–‘…€£ßﬁKΣσςͅ\u0301\u00a0\u2028\u2029\u0085日本語한국ภาษา_")
    pool += [chr(rng.randrange(0x110000)) for _ in range(2000)]
    pool = [c for c in pool if not 0xD800 <= ord(c) < 0xE000 and (newlines or c != "\n")]
    return [*TYPICAL, *("".join(rng.choice(pool) for _ in range(rng.randint(0, 40))) for _ in range(n))]


def test_line_key_is_the_regular_expression_s():
    for line in [*random_lines(1, 20_000), "lone \ud800 surrogate ’"]:
        key = _NON_WORD.sub(" ", line[:_MAX_LINE_CHARS].casefold()).strip()
        assert _key(line) == key, repr(line)
        assert (_line_hash(line) is None) == (not key), repr(line)


def test_line_words_counts_the_regular_expression_s_words():
    for line in [*random_lines(2, 20_000), "lone \ud800 surrogate ’"]:
        words = len(_WORD.findall(line))
        unspaced = len(_UNSPACED.findall(line))
        assert line_words(line) == (max(words, unspaced // 2) if unspaced else words), repr(line)


def test_lines_normalised_in_one_pass_are_normalised_line_by_line():
    texts = ["\n".join(random_lines(3, 50, newlines=True)[k : k + 7]) for k in range(0, 50, 7)]
    texts += random_lines(4, 5_000, newlines=True) + ["ΟΔΟΣ\nΣ", "a\u0301\n\u0301b", "ᄀ\n\u1161", "\n\n", "A\u0345\nx"]
    for text in texts:
        assert normalise_lines(text) == [normalise_bytes(line) for line in text.split("\n")], repr(text)


def _reference_support(member: Document, others: list[Document]) -> list[tuple[int, str, bool]]:
    """line_support as sets of word tuples: a line of up to three words as a sequence of the
    other text, a longer one by FUZZY_PRESENT of its distinct 3-grams."""
    grams = []
    for o in others:
        tokens = normalise_bytes(o.text or "").split(b" ") if normalise_bytes(o.text or "") else []
        g = set(zip(tokens)) | set(zip(tokens, tokens[1:])) | set(zip(tokens, tokens[1:], tokens[2:]))
        grams.append(g)
    out = []
    for k, line in enumerate((member.text or "").split("\n")):
        normal = normalise_bytes(line)
        if not normal:
            continue
        tokens = normal.split(b" ")
        tri = set(zip(tokens, tokens[1:], tokens[2:]))
        if len(tokens) <= 3:
            has = any(tuple(tokens) in g for g in grams)
        else:
            has = any(len(tri & g) >= canonical.FUZZY_PRESENT * len(tri) for g in grams)
        out.append((k, line, has))
    return out


@pytest.mark.parametrize("int64_ids", [canonical._INT64_IDS, 5])  # 5: the exact Python-integer numbers
def test_line_support_as_numbers_is_the_support_as_word_tuples(monkeypatch, int64_ids):
    monkeypatch.setattr(canonical, "_INT64_IDS", int64_ids)
    rng = random.Random(5)
    words = ["alpha", "Beta", "gamma", "delta", "eps’", "zeta", "éta", "theta", "iota", "kap-pa", "mu", "nu!", "日本"]

    def text() -> str:
        return "\n".join(" ".join(rng.choice(words[: rng.randint(3, len(words))]) for _ in range(rng.choice([0, 1, 2, 3, 4, 6, 12])))
                         for _ in range(rng.randint(0, 10)))

    for _ in range(400):
        docs = [Document(id=f"d{i}", content="", text=text()) for i in range(rng.randint(1, 5))]
        texts = CopyTexts()
        for m, member in enumerate(docs):
            others = docs[:m] + docs[m + 1 :]
            got = [(line.index, line.text, has) for line, has in line_support(member, others, texts)]
            assert got == _reference_support(member, others)
        if int64_ids == 5:
            assert texts._base == canonical._WIDE_IDS or len(texts._vocabulary) < 5
