"""Text normalisation and word shingles for near-duplicate detection.

Two copies of a syndicated story differ in typography (straight vs curly
quotes, hyphen vs dash, case, spacing) far more often than in words, so the
text is normalised before shingling: Unicode NFKC, case folding, and every run
of characters that are not letters, digits or combining marks becomes one
space.  The normalised form is kept as UTF-8 bytes, tokens separated by single
spaces, because then a word shingle is simply a byte range of it: the
signature code hashes shingles straight out of one buffer without building a
Python string per shingle (see :mod:`cleaner.neardup.minhash`).

Shingle rule, shared by the vectorised code and the reference
:func:`shingle_bytes`:

* a document with ``T >= n`` tokens has the ``T - n + 1`` word n-grams;
* a document with ``1 <= T < n`` tokens has one shingle: all its tokens (so two
  different short texts do not look alike, and two equal ones do);
* an empty document has no shingle (its signature is the empty sentinel and
  the clustering code never merges it).
"""
from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence

import numpy as np

from .normalise import respell, rewrite

# ASCII bytes that are not letters or digits become a space; bytes >= 0x80 are
# UTF-8 parts of non-ASCII characters, already folded (or kept) by then.
_ASCII_FOLD = bytes(
    (0x20 if (i < 0x80 and not chr(i).isalnum()) else i) for i in range(256)
)
_ASCII_FOLD_KEEP_NUL = _ASCII_FOLD[:1].replace(b" ", b"\x00") + _ASCII_FOLD[1:]
_SEP = "\x00"
# Hiragana, Katakana, CJK ideographs, Thai: written without spaces between words
_UNSPACED = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\u0e00-\u0e7f]")


def _is_word_char(ch: str) -> bool:
    # letters, digits and combining marks (Devanagari vowel signs, etc.) belong
    # to words; punctuation, symbols, separators and format characters do not
    return unicodedata.category(ch)[0] in "LNM"


_ASCII_BYTES = bytes(range(0x80))
# what to do with a non-ASCII character, memoised: its replacement, or None to keep it
_REPLACEMENT: dict[str, str | None] = {}


def _replacement(ch: str) -> str | None:
    try:
        return _REPLACEMENT[ch]
    except KeyError:
        pass
    if not _is_word_char(ch):
        out: str | None = " "
    elif _UNSPACED.match(ch):
        out = " " + ch.casefold() + " "
    else:
        folded = ch.casefold()
        out = folded if folded != ch else None
    _REPLACEMENT[ch] = out
    return out


def _fold_non_ascii(s: str) -> str:
    """Casefold and punctuation-fold the non-ASCII characters of a lower-cased text.

    str.lower() is about twice as fast as str.casefold(); the two differ only
    on the few characters whose full case folding differs from their lower
    case (ß -> ss, final sigma, ...), fixed up one by one.  Characters of
    scripts written without spaces (Chinese, Japanese, Thai) become tokens of
    their own, so word shingles of such text are character shingles.  The
    distinct non-ASCII characters are found by deleting every ASCII byte from
    the UTF-8 form (what remains is whole multi-byte sequences).
    """
    for ch in set(s.encode("utf-8").translate(None, _ASCII_BYTES).decode("utf-8")):
        out = _replacement(ch)
        if out is not None:
            s = s.replace(ch, out)
    return s


def normalise_bytes(text: str, scheme: str = "plain") -> bytes:
    """NFKC + casefold + the scheme's rewrite + punctuation/whitespace folding, as UTF-8 bytes.

    The result is the tokens joined by single ASCII spaces (no leading or
    trailing space; ``b""`` when the text has no word character). ``scheme``:
    see :mod:`cleaner.neardup.normalise` (``plain`` = datasketch-identical).
    """
    s = rewrite(unicodedata.normalize("NFKC", text).lower(), scheme)
    if not s.isascii():
        s = _fold_non_ascii(s)
    out = b" ".join(s.encode("utf-8").translate(_ASCII_FOLD).split())
    if scheme == "plain":
        return out
    return respell(np.frombuffer(out + b"\x00", dtype=np.uint8), scheme).tobytes()[:-1]  # NUL: the text's end


def normalise_lines(text: str) -> list[bytes]:
    """``[normalise_bytes(line) for line in text.split("\\n")]`` (plain scheme), in one pass over
    the text: NFKC, case and punctuation folding never make or remove a line feed."""
    s = unicodedata.normalize("NFKC", text).lower()
    if not s.isascii():
        s = _fold_non_ascii(s)
    return [b" ".join(part.translate(_ASCII_FOLD).split()) for part in s.encode("utf-8").split(b"\n")]


def normalise(text: str, scheme: str = "plain") -> str:
    """:func:`normalise_bytes` as a string (for humans and tests)."""
    return normalise_bytes(text, scheme).decode("utf-8")


def shingle_bytes(normal: bytes, ngram: int) -> list[bytes]:
    """The shingles of one normalised text (reference implementation).

    This is what the vectorised signature code hashes; handing these to
    ``datasketch.MinHash.update_batch`` with the same hash function gives the
    same signature.
    """
    if not normal:
        return []
    words = normal.split(b" ")
    if len(words) < ngram:
        return [normal]
    return [b" ".join(words[i : i + ngram]) for i in range(len(words) - ngram + 1)]


def shingle_set(text: str, ngram: int, scheme: str = "plain") -> set[bytes]:
    """Exact shingle set of a raw text (for exact Jaccard in tests/benchmarks)."""
    return set(shingle_bytes(normalise_bytes(text, scheme), ngram))


def normalise_batch(texts: Sequence[str], scheme: str = "plain") -> np.ndarray:
    """Normalise many texts in one pass: one uint8 buffer, each text's
    normalised bytes followed by a NUL byte (the document separator).

    Same result as :func:`normalise_bytes` per text (a test checks it), but
    the string work runs once over the joined batch and the whitespace
    collapse is vectorised, which is several times faster than per text.
    """
    # Unicode work and the scheme's rewrite per text (NFKC's quick check passes for most
    # texts, and the non-ASCII fix-ups touch only the texts that need them); the byte-level
    # folding, the whitespace collapse and the spelling step run once over the joined batch
    parts = []
    for t in texts:
        if _SEP in t:
            t = t.replace(_SEP, " ")
        t = unicodedata.normalize("NFKC", t).lower()
        if scheme != "plain":
            t = rewrite(t, scheme)
        # the non-ASCII fold per text: it rewrites the whole string once per distinct character
        parts.append(t if t.isascii() else _fold_non_ascii(t))
    s = _SEP.join(parts) + _SEP
    raw = np.frombuffer(s.encode("utf-8").translate(_ASCII_FOLD_KEEP_NUL), dtype=np.uint8)
    # keep word bytes, separators, and the first space of a run of spaces
    # that sits between two word bytes of the same text
    nul = np.zeros(1, dtype=np.uint8)
    padded = np.concatenate((nul, raw, nul))
    space = padded == 0x20
    word = ~space & (padded != 0)
    run_first = np.flatnonzero(space[1:-1] & ~space[:-2]) + 1
    run_last = np.flatnonzero(space[1:-1] & ~space[2:]) + 1
    keep = ~space
    keep[run_first[word[run_first - 1] & word[run_last + 1]]] = True
    out = padded[1:-1][keep[1:-1]]
    if scheme == "plain":
        return out
    return respell(out, scheme)  # the token rewrite (spelling)


class ShingleBatch:
    """The shingles of many normalised texts as byte ranges of one buffer.

    ``buffer`` holds the normalised texts back to back, each followed by a NUL
    byte (see :func:`normalise_batch`); shingle ``k`` is
    ``buffer[starts[k]:starts[k] + lengths[k]]``.  ``first[d]`` is the index
    of document ``d``'s first shingle and ``counts[d]`` how many it has (0
    only for empty texts); shingles of one document are contiguous and in
    text order.
    """

    __slots__ = ("buffer", "starts", "lengths", "first", "counts")

    def __init__(self, buffer: np.ndarray, ngram: int) -> None:
        if ngram < 1:
            raise ValueError("ngram must be >= 1")
        seps = np.flatnonzero(buffer == 0)
        n_docs = seps.size
        # every token ends at a space or at its document's separator; an empty
        # document shows up as one empty token, dropped here
        ends = np.flatnonzero((buffer == 0x20) | (buffer == 0))
        tok_start = np.empty_like(ends)
        if ends.size:
            tok_start[0] = 0
            tok_start[1:] = ends[:-1] + 1
        real = ends > tok_start
        tok_start, ends = tok_start[real], ends[real]
        tok_doc = np.searchsorted(seps, tok_start)
        n_tokens = np.bincount(tok_doc, minlength=n_docs).astype(np.int64)
        counts = np.where(n_tokens >= ngram, n_tokens - ngram + 1, np.minimum(n_tokens, 1))
        tok_first = np.zeros(n_docs, dtype=np.int64)
        np.cumsum(n_tokens[:-1], out=tok_first[1:])
        first = np.zeros(n_docs, dtype=np.int64)
        np.cumsum(counts[:-1], out=first[1:])
        total = int(counts.sum())
        doc_of = np.repeat(np.arange(n_docs), counts)
        rank = np.arange(total, dtype=np.int64) - first[doc_of]
        start_tok = tok_first[doc_of] + rank
        last_tok = np.minimum(start_tok + (ngram - 1), tok_first[doc_of] + n_tokens[doc_of] - 1)
        self.buffer = buffer
        self.starts = tok_start[start_tok]
        self.lengths = ends[last_tok] - self.starts
        self.first = first
        self.counts = counts

    @classmethod
    def from_texts(cls, texts: Sequence[str], ngram: int, scheme: str = "plain") -> ShingleBatch:
        return cls(normalise_batch(texts, scheme), ngram)

    @classmethod
    def from_normals(cls, normals: Sequence[bytes], ngram: int) -> ShingleBatch:
        joined = b"".join(n + b"\x00" for n in normals)
        return cls(np.frombuffer(joined, dtype=np.uint8), ngram)

    def __len__(self) -> int:
        return int(self.starts.size)

    def shingle(self, k: int) -> bytes:
        s = int(self.starts[k])
        return self.buffer[s : s + int(self.lengths[k])].tobytes()
