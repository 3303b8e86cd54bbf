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

_PER_CENT = re.compile(r"\bper cent\b")
# the comma first: a pattern that starts with a literal is searched for, not tried everywhere
_THOUSANDS = re.compile(r",(?<=\d,)(?=\d{3}(?!\d))")
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


@lru_cache(maxsize=1)
def _spelling_bytes() -> dict[bytes, bytes]:
    return {b.encode("utf-8"): a.encode("utf-8") for b, a in spelling_table().items()}


def respell(normal: bytes, scheme: str) -> bytes:
    """The scheme's token rewrite of folded text (tokens separated by single spaces, texts
    by NUL): spelling variants (news-v1)."""
    if scheme == "plain" or not normal:
        return normal
    table = _spelling_bytes()
    # every separator becomes a token of its own, so a text's last and next text's first word are tokens too
    tokens = normal.replace(b"\x00", b" \x00 ").split(b" ")
    if table.keys().isdisjoint(tokens):
        return normal
    get = table.get
    return b" ".join([get(t, t) for t in tokens]).replace(b" \x00 ", b"\x00")


def rewrite(text: str, scheme: str) -> str:
    """The scheme's rewrite of a lower-cased NFKC text (before the common fold; the
    spelling variants are applied to the folded tokens, :func:`respell`).

    Works on many texts joined by NUL as well as on one: no pattern crosses a NUL.
    """
    if scheme == "plain":
        return text
    if scheme != "news-v1":
        raise ValueError(f"unknown shingle normalisation {scheme!r} (known: {', '.join(SCHEMES)})")
    text = text.replace("%", " percent ")
    if "per cent" in text:
        text = _PER_CENT.sub("percent", text)
    if "," in text:
        text = _THOUSANDS.sub("", text)
    return _MONEY.sub(_money, text)
