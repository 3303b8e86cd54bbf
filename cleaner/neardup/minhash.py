"""MinHash signatures for many documents per call, bit-identical to datasketch.

datasketch 2's default permutation scheme ("affine32") computes, for every
shingle ``x`` and permutation ``k``::

    h = fmix32(hashfunc(x))            # MurmurHash3 finalizer, a bijection
    sig[k] = min over x of (a[k] * h + b[k]) mod 2**32

with ``a``/``b`` drawn from ``numpy.random.RandomState(seed)``.  Here the
hash function is 32-bit xxHash (``xxhash.xxh32_intdigest(x, seed)``), computed
by a numpy implementation of XXH32 over all shingles of a batch at once (the
shingles are byte ranges of one buffer, see :class:`ShingleBatch`), and the
permutation/min step runs on a (shingles x permutations) block per chunk of
documents.  The result equals ``datasketch.MinHash(num_perm, seed,
hashfunc=xxh32_hashfunc(seed))`` fed with :func:`shingle_bytes` - a test
checks this - so signatures can be handed to datasketch's ``MinHashLSH`` and
``LeanMinHash`` (:func:`to_datasketch`).

An empty document (no shingle) gets the all-``0xFFFFFFFF`` signature, which is
also what datasketch gives an empty MinHash.
"""
from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache, partial

import numpy as np
import xxhash

from .shingles import ShingleBatch

EMPTY_HASH = np.uint32(0xFFFFFFFF)

_P1 = np.uint32(0x9E3779B1)
_P2 = np.uint32(0x85EBCA77)
_P3 = np.uint32(0xC2B2AE3D)
_P4 = np.uint32(0x27D4EB2F)
_P5 = np.uint32(0x165667B1)

# shingles per block of the permutation step: a (num_perm x 8192) uint32
# block is 4 MB at 128 permutations, about what the CPU caches hold
_CHUNK_SHINGLES = 8192


def xxh32_hashfunc(seed: int):
    """The hash function to give datasketch for identical signatures."""
    return partial(xxhash.xxh32_intdigest, seed=seed)


@lru_cache(maxsize=16)
def permutations(num_perm: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """datasketch's affine32 permutation parameters ``(a, b)`` for a seed."""
    gen = np.random.RandomState(seed)
    a = gen.randint(0, 1 << 31, num_perm, dtype=np.uint32) * np.uint32(2) + np.uint32(1)
    b = gen.randint(0, 1 << 32, num_perm, dtype=np.uint32)
    a.setflags(write=False)
    b.setflags(write=False)
    return a, b


def _rotl(x: np.ndarray, r: int) -> np.ndarray:
    return (x << np.uint32(r)) | (x >> np.uint32(32 - r))


# MurmurHash3 finalizer constants per width: (shift1, mul1, shift2, mul2, shift3)
_FMIX = {
    32: (np.uint32(16), np.uint32(0x85EBCA6B), np.uint32(13), np.uint32(0xC2B2AE35), np.uint32(16)),
    64: (np.uint64(33), np.uint64(0xFF51AFD7ED558CCD), np.uint64(33), np.uint64(0xC4CEB9FE1A85EC53), np.uint64(33)),
}


def fmix(h: np.ndarray, width: int = 32) -> np.ndarray:
    """MurmurHash3 finalizer in place (datasketch's pre-mix for width 32)."""
    s1, m1, s2, m2, s3 = _FMIX[width]
    with np.errstate(over="ignore"):
        h ^= h >> s1
        h *= m1
        h ^= h >> s2
        h *= m2
        h ^= h >> s3
    return h


def xxh32_ranges(buffer: np.ndarray, starts: np.ndarray, lengths: np.ndarray, seed: int) -> np.ndarray:
    """XXH32 of ``buffer[starts[i]:starts[i]+lengths[i]]`` for every i, vectorised.

    Follows the reference algorithm: 16-byte stripes into four accumulators
    (only when the input is at least 16 bytes), then 4-byte words, then single
    bytes, then the avalanche.  Ranges are sorted by length so that the rows
    still inside their stripes are always a prefix.
    """
    n = starts.size
    out = np.empty(n, dtype=np.uint32)
    if n == 0:
        return out
    with np.errstate(over="ignore"):
        # little-endian 32-bit word starting at every byte position: four
        # unaligned uint32 views of the bytes, interleaved
        size = buffer.size
        raw = buffer.tobytes() + bytes(8)
        words = np.empty(size + 1, dtype=np.uint32)
        for offset in range(4):
            lane = np.frombuffer(raw, dtype="<u4", offset=offset, count=(len(raw) - offset) // 4)
            dest = words[offset::4]
            dest[:] = lane[: dest.size]
        seed32 = np.uint32(seed & 0xFFFFFFFF)

        # longest first; a stable sort of small unsigned keys is a radix sort
        key = lengths.max() - lengths
        key = key.astype(np.uint16) if key.size and key.max() < 1 << 16 else key
        order = np.argsort(key, kind="stable")
        pos = starts[order].astype(np.int64)
        length = lengths[order].astype(np.int64)
        stripes = length >> 4
        h = np.full(n, seed32 + _P5, dtype=np.uint32)
        n_long = int(np.count_nonzero(stripes))
        if n_long:
            acc = [
                np.full(n_long, seed32 + _P1 + _P2, dtype=np.uint32),
                np.full(n_long, seed32 + _P2, dtype=np.uint32),
                np.full(n_long, seed32, dtype=np.uint32),
                np.full(n_long, seed32 - _P1, dtype=np.uint32),
            ]
            # number of rows with more than k stripes, for k = 0, 1, ...
            active = np.searchsorted(-stripes, -np.arange(1, int(stripes[0]) + 1), side="right")
            for k, m in enumerate(active):
                m = int(m)
                base = pos[:m] + 16 * k
                for lane in range(4):
                    v = acc[lane][:m]
                    v += words[base + 4 * lane] * _P2
                    v[:] = _rotl(v, 13)
                    v *= _P1
            h[:n_long] = _rotl(acc[0], 1) + _rotl(acc[1], 7) + _rotl(acc[2], 12) + _rotl(acc[3], 18)
        h += length.astype(np.uint32)
        # tail: up to three 4-byte words, then up to three bytes.  Re-sorted
        # by the tail's length (longest first), the rows still in their tail
        # words are again a prefix; the bytes are masked updates
        tail = (length & 15).astype(np.uint8)
        tail_order = np.argsort(np.uint8(15) - tail, kind="stable")
        order = order[tail_order]
        h = h[tail_order]
        tail = tail[tail_order]
        p = pos[tail_order] + (length[tail_order] & ~15)
        tail_words = tail >> 2
        active = np.searchsorted(-tail_words.astype(np.int16), -np.arange(1, 4, dtype=np.int16), side="right")
        for w, m in enumerate(active):
            m = int(m)
            if m == 0:
                break
            v = words[p[:m] + 4 * w]
            v *= _P3
            v += h[:m]
            h[:m] = _rotl(v, 17) * _P4
        p += tail_words.astype(np.int64) << 2
        tail_bytes = tail & 3
        for k in range(3):
            rows = tail_bytes > k
            if not rows.any():
                break
            v = buffer[np.minimum(p + k, buffer.size - 1)].astype(np.uint32)
            v *= _P5
            v += h
            np.copyto(h, _rotl(v, 11) * _P1, where=rows)
        h ^= h >> np.uint32(15)
        h *= _P2
        h ^= h >> np.uint32(13)
        h *= _P3
        h ^= h >> np.uint32(16)
    out[order] = h
    return out


def _min_permuted(hashes: np.ndarray, first: np.ndarray, counts: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Signature rows: per document, the minimum of ``a * h + b`` over its shingles.

    Works on (num_perm x shingles) blocks of whole documents, so the
    per-document minimum is a reduction over contiguous memory.
    """
    n_docs = counts.size
    sig = np.full((n_docs, a.size), EMPTY_HASH, dtype=np.uint32)
    nonempty = np.flatnonzero(counts)
    if nonempty.size == 0:
        return sig
    ends = first + counts
    a_col, b_col = a[:, None], b[:, None]
    block = np.empty((a.size, _CHUNK_SHINGLES), dtype=np.uint32)
    i = 0
    with np.errstate(over="ignore"):
        while i < nonempty.size:
            # whole documents until the block is full (at least one document)
            s0 = int(first[nonempty[i]])
            j = int(np.searchsorted(ends[nonempty], s0 + _CHUNK_SHINGLES, side="right"))
            j = max(j, i + 1)
            docs = nonempty[i:j]
            s1 = int(ends[docs[-1]])
            rows = s1 - s0
            buf = block[:, :rows] if rows <= _CHUNK_SHINGLES else np.empty((a.size, rows), dtype=np.uint32)
            np.multiply(a_col, hashes[None, s0:s1], out=buf)
            buf += b_col
            sig[docs] = np.minimum.reduceat(buf, first[docs] - s0, axis=1).T
            i = j
    return sig


def signatures_from_batch(batch: ShingleBatch, num_perm: int, seed: int) -> np.ndarray:
    """(documents, num_perm) uint32 signatures of a :class:`ShingleBatch`."""
    hashes = xxh32_ranges(batch.buffer, batch.starts, batch.lengths, seed)
    hashes = fmix(hashes, 32)
    a, b = permutations(num_perm, seed)
    return _min_permuted(hashes, batch.first, batch.counts, a, b)


def sign_texts(texts: Sequence[str], num_perm: int = 128, seed: int = 1, ngram: int = 5, batch_size: int = 256,
               scheme: str = "plain") -> tuple[np.ndarray, np.ndarray]:
    """MinHash signatures of raw texts, and each text's number of shingles.

    Returns ``(sigs, sizes)``: a (len(texts), num_perm) uint32 array and an
    int64 array (0 = empty text).  Texts are normalised (``scheme``, see
    :mod:`cleaner.neardup.normalise`; ``plain`` = datasketch-identical) and hashed
    ``batch_size`` at a time: big enough to amortise numpy's per-call cost,
    small enough to stay in the CPU caches.
    """
    sigs = np.empty((len(texts), num_perm), dtype=np.uint32)
    sizes = np.empty(len(texts), dtype=np.int64)
    for i in range(0, len(texts), batch_size):
        chunk = texts[i : i + batch_size]
        batch = ShingleBatch.from_texts(chunk, ngram, scheme)
        sigs[i : i + len(chunk)] = signatures_from_batch(batch, num_perm, seed)
        sizes[i : i + len(chunk)] = batch.counts
    return sigs, sizes


def signatures(texts: Sequence[str], num_perm: int = 128, seed: int = 1, ngram: int = 5, batch_size: int = 256) -> np.ndarray:
    """(len(texts), num_perm) uint32 MinHash signatures of raw texts."""
    return sign_texts(texts, num_perm, seed, ngram, batch_size)[0]


def to_datasketch(sig: np.ndarray, seed: int, lean: bool = False):
    """A datasketch ``MinHash`` (or ``LeanMinHash``) holding one signature row."""
    from datasketch import LeanMinHash, MinHash

    m = MinHash(
        num_perm=sig.size,
        seed=seed,
        hashfunc=xxh32_hashfunc(seed),
        hashvalues=np.asarray(sig, dtype=np.uint32),
        permutations=np.array(permutations(sig.size, seed)),
        scheme="affine32",
    )
    return LeanMinHash(m) if lean else m
