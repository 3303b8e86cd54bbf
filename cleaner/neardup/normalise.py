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

import numpy as np

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


_K1, _K2 = np.uint64(0x9E3779B97F4A7C15), np.uint64(0xC2B2AE3D27D4EB4F)


def _token_keys(buf: np.ndarray, starts: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """A 64-bit key of each token ``buf[starts[k]:starts[k]+lengths[k]]``: its first and its
    last eight bytes (little-endian words read at any offset) mixed with its length. Equal
    tokens have equal keys; a shared key is checked against the bytes by the caller."""
    padded = np.concatenate([np.zeros(8, dtype=np.uint8), buf, np.zeros(8, dtype=np.uint8)])
    # the 64-bit word starting at every byte (unaligned reads through a 1-byte stride)
    words = np.ndarray((padded.size - 7,), dtype="<u8", buffer=padded, strides=(1,))
    first = words[starts + 8]
    last = words[starts + lengths]  # the eight bytes ending at the token's end
    short = lengths < 8
    mask = np.where(short, (np.uint64(1) << (np.minimum(lengths, 7).astype(np.uint64) * np.uint64(8))) - np.uint64(1),
                    np.uint64(0xFFFFFFFFFFFFFFFF))
    first &= mask
    last = np.where(short, np.uint64(0), last)
    with np.errstate(over="ignore"):
        return (first * _K1) ^ (last * _K2) ^ lengths.astype(np.uint64)


_BITMAP_BITS = 18


@lru_cache(maxsize=1)
def _spelling_keys() -> tuple[np.ndarray, np.ndarray, int, int]:
    words = list(_spelling_bytes())
    buf = np.frombuffer(b"".join(words), dtype=np.uint8)
    lengths = np.array([len(w) for w in words], dtype=np.int64)
    starts = np.zeros(len(words), dtype=np.int64)
    np.cumsum(lengths[:-1], out=starts[1:])
    keys = np.sort(_token_keys(buf, starts, lengths))
    # a bitmap of the keys' low bits: a gather that rejects almost every token before the search
    bitmap = np.zeros(1 << _BITMAP_BITS, dtype=bool)
    bitmap[(keys & np.uint64((1 << _BITMAP_BITS) - 1)).astype(np.int64)] = True
    return keys, bitmap, int(lengths.min()), int(lengths.max())


def respell(buf: np.ndarray, scheme: str) -> np.ndarray:
    """The scheme's token rewrite of folded text (uint8 buffer; tokens separated by single
    spaces, texts by NUL): spelling variants (news-v1). Tokens are looked up by a numpy key
    of their bytes, so only the few that are table words are touched in Python."""
    if scheme == "plain" or buf.size == 0:
        return buf
    table = _spelling_bytes()
    keys, bitmap, shortest, longest = _spelling_keys()
    ends = np.flatnonzero((buf == 0x20) | (buf == 0))
    starts = np.empty_like(ends)
    starts[0] = 0
    starts[1:] = ends[:-1] + 1
    lengths = ends - starts
    cand = np.flatnonzero((lengths >= shortest) & (lengths <= longest))
    if cand.size == 0:
        return buf
    k = _token_keys(buf, starts[cand], lengths[cand])
    maybe = bitmap[(k & np.uint64((1 << _BITMAP_BITS) - 1)).astype(np.int64)]
    cand, k = cand[maybe], k[maybe]
    pos = np.minimum(np.searchsorted(keys, k), keys.size - 1)
    hits = cand[keys[pos] == k]
    if hits.size == 0:
        return buf
    raw = buf.tobytes()
    pieces, prev = [], 0
    for t in hits.tolist():
        a, b = int(starts[t]), int(ends[t])
        new = table.get(raw[a:b])
        if new is None:  # a key collision: not a table word
            continue
        pieces.append(raw[prev:a])
        pieces.append(new)
        prev = b
    if not pieces:
        return buf
    pieces.append(raw[prev:])
    return np.frombuffer(b"".join(pieces), dtype=np.uint8)


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
    if "$" in text or "£" in text or "€" in text or "¥" in text or "₹" in text:  # `in` is a fast scan
        text = _MONEY.sub(_money, text)
    return text
