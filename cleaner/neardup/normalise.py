"""Shingle normalisation schemes: what two copies of a story may differ in and still match.

A scheme is a named, versioned text rewrite applied before the common fold of
:mod:`cleaner.neardup.shingles` (NFKC, case folding, every run of non-word
characters -> one space, which already makes quotes, dashes, punctuation and
line breaks inside a paragraph irrelevant). Its name is part of
:meth:`cleaner.neardup.DedupParams.to_dict`, so the run manifest and the
index key say which one made the signatures; changing what a scheme does
means a new version.

``plain``
    Nothing more: the signatures are bit-identical to datasketch's
    ``MinHash`` fed with :func:`~cleaner.neardup.shingles.shingle_bytes`.
``news-v1``
    What republishing changes in news text, on the lower-cased NFKC text:

    * percent: ``%`` and ``per cent`` are written ``percent`` (``5%`` /
      ``5 percent`` / ``5 per cent`` match);
    * thousands separators: a comma between a digit and exactly three digits
      is dropped (``12,000`` / ``12000``);
    * money magnitudes after a currency symbol: ``$5m`` / ``$5mn`` /
      ``$5 mln`` / ``$5 million`` match, likewise ``bn``/``billion`` and
      ``tn``/``trillion``; the symbol itself folds away;
    * spelling variants: every token in the table ``spelling.tsv`` (British
      -> American, data) is shingled in its American form.
"""
from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

SCHEMES = ("plain", "news-v1")
DEFAULT_SCHEME = "news-v1"

_SPELLING_TABLE = Path(__file__).with_name("spelling.tsv")

_PERCENT = re.compile(r"%|\bper cent\b")
_THOUSANDS = re.compile(r"(?<=\d),(?=\d{3}(?!\d))")
_MONEY = re.compile(
    r"([$£€¥₹])\s?(\d+(?:[.,]\d+)?)\s?(million|mln|mn|m|billion|bln|bn|b|trillion|trn|tn)\b"
)
_MAGNITUDE = {"million": "million", "mln": "million", "mn": "million", "m": "million",
              "billion": "billion", "bln": "billion", "bn": "billion", "b": "billion",
              "trillion": "trillion", "trn": "trillion", "tn": "trillion"}


def _money(m: re.Match) -> str:
    return f"{m.group(1)}{m.group(2)} {_MAGNITUDE[m.group(3)]}"


@lru_cache(maxsize=1)
def spelling_table() -> dict[str, str]:
    """The spelling variants (British -> American) of ``spelling.tsv``."""
    table: dict[str, str] = {}
    for number, line in enumerate(_SPELLING_TABLE.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        parts = line.split("\t")
        if len(parts) != 2 or not parts[0] or not parts[1]:
            raise ValueError(f"{_SPELLING_TABLE}:{number}: expected 'british<TAB>american'")
        table[parts[0]] = parts[1]
    return table


def _trie_pattern(words: list[str]) -> str:
    """A regex matching exactly ``words``, as a trie: one branch per next letter, so a
    position costs a few character tests however long the table is."""
    trie: dict = {}
    for w in words:
        node = trie
        for ch in w:
            node = node.setdefault(ch, {})
        node[""] = True

    def emit(node: dict) -> str:
        ends = "" in node
        branches = [re.escape(ch) + emit(child) for ch, child in sorted(node.items()) if ch != ""]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        return f"(?:{body})?" if ends else body

    return emit(trie)


@lru_cache(maxsize=1)
def _spelling_regex() -> re.Pattern:
    return re.compile(r"\b" + _trie_pattern(sorted(spelling_table())) + r"\b")


def _spelling(m: re.Match) -> str:
    return spelling_table()[m.group(0)]


def rewrite(text: str, scheme: str) -> str:
    """The scheme's rewrite of a lower-cased NFKC text (before the common fold).

    Works on many texts joined by NUL as well as on one: no pattern crosses a NUL.
    """
    if scheme == "plain":
        return text
    if scheme != "news-v1":
        raise ValueError(f"unknown shingle normalisation {scheme!r} (known: {', '.join(SCHEMES)})")
    if "%" in text or "per cent" in text:
        text = _PERCENT.sub(" percent ", text)
    text = _THOUSANDS.sub("", text)
    text = _MONEY.sub(_money, text)
    return _spelling_regex().sub(_spelling, text)
