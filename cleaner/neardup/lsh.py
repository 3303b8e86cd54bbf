"""Candidate pairs by LSH band keys, and their verification.

The signature is cut into ``bands`` bands of ``rows`` values; two documents
are candidates when any band is equal in both.  Instead of datasketch's
dict-of-buckets (one Python object per document and band), every band is
reduced to one 64-bit key per document, the keys are sorted, and documents
with equal keys are paired by comparing each sorted position with the next
few - all numpy, so a million signatures take seconds.  datasketch's
``MinHashLSH`` finds the same pairs (it buckets the same band values; a 64-bit
key collision can only add a candidate, which verification then rejects).

Very large buckets (thousands of documents with one band in common, e.g.
templated pages) would give quadratically many pairs; within a bucket each
document is paired with its next ``window`` neighbours in sorted order
instead of all of them, which keeps the bucket connected and the pair count
linear.
"""
from __future__ import annotations

from functools import lru_cache

import numpy as np

from .minhash import fmix

_M64 = np.uint64(0x9E3779B97F4A7C15)


@lru_cache(maxsize=64)
def lsh_params(threshold: float, num_perm: int, fp_weight: float = 0.5, fn_weight: float = 0.5) -> tuple[int, int]:
    """(bands, rows) minimising weighted false positives + false negatives at ``threshold``.

    The same optimisation as datasketch's ``MinHashLSH`` (the areas under the
    S-curve below and above the threshold), so an index built with datasketch
    from the same parameters matches; a test checks the two agree. Done here
    with numpy because datasketch's optimiser imports scipy, which costs more
    start-up time (0.6 s) than a warm pre-commit run may spend. The integrands
    are polynomials of degree bands*rows <= num_perm, so Gauss-Legendre
    quadrature with num_perm/2 + 1 nodes integrates them exactly.
    """
    nodes, weights = np.polynomial.legendre.leggauss(num_perm // 2 + 2)
    below = threshold / 2 * (nodes + 1)  # nodes mapped onto [0, threshold]
    above = threshold + (1 - threshold) / 2 * (nodes + 1)  # ... and onto [threshold, 1]
    best, best_error = (0, 0), float("inf")
    for b in range(1, num_perm + 1):
        for r in range(1, num_perm // b + 1):
            fp = threshold / 2 * float(np.dot(weights, 1 - (1 - below**r) ** b))
            fn = (1 - threshold) / 2 * float(np.dot(weights, (1 - above**r) ** b))
            error = fp * fp_weight + fn * fn_weight
            if error < best_error:
                best, best_error = (b, r), error
    return best


def band_keys(sigs: np.ndarray, bands: int, rows: int, chunk: int = 1 << 16) -> np.ndarray:
    """(bands, documents) uint64: one well-mixed key per band of each signature.

    Band-major, so that each band's keys are contiguous for sorting; computed
    over row chunks so that the signature columns are read from cache.
    """
    n = sigs.shape[0]
    keys = np.empty((bands, n), dtype=np.uint64)
    with np.errstate(over="ignore"):
        for start in range(0, n, chunk):
            block = sigs[start : start + chunk].astype(np.uint64)
            for band in range(bands):
                k = np.full(block.shape[0], np.uint64(band + 1) * _M64, dtype=np.uint64)
                for col in range(band * rows, (band + 1) * rows):
                    k ^= block[:, col]
                    k *= _M64
                    k ^= k >> np.uint64(29)
                keys[band, start : start + chunk] = fmix(k, 64)
    return keys


def sorted_unique(values: np.ndarray) -> np.ndarray:
    """Sorted distinct values (sort + compare: numpy 2's hash-based np.unique
    is many times slower on tens of millions of int64)."""
    if values.size == 0:
        return values
    ordered = np.sort(values)
    keep = np.empty(ordered.size, dtype=bool)
    keep[0] = True
    np.not_equal(ordered[1:], ordered[:-1], out=keep[1:])
    return ordered[keep]


MAX_INDEX_BITS = 40  # document numbers packed into the low bits of a sort key (bucket_entries)


def index_bits_for(n: int) -> int:
    """Bits of a document number among ``n``."""
    return max(1, (n - 1).bit_length())


def bucket_entries(col: np.ndarray, documents: np.ndarray, index_bits: int) -> np.ndarray:
    """One band's keys as sortable uint64 entries: the key's top ``64 - index_bits`` bits (its
    bucket) over the document's number. Sorted, a bucket's entries are adjacent and in document
    order; sorting these is about twice as fast as an argsort of the keys (40 bits of key at a
    million documents: a chance collision only adds a candidate, which verification rejects)."""
    low = np.uint64((1 << index_bits) - 1)
    return (col & ~low) | documents.astype(np.uint64)


def split_entries(entries: np.ndarray, index_bits: int) -> tuple[np.ndarray, np.ndarray]:
    """(documents, bucket keys) of sorted :func:`bucket_entries`."""
    low = np.uint64((1 << index_bits) - 1)
    return (entries & low).astype(np.int64), entries & ~low


def _bucket_order(col: np.ndarray, index_bits: int) -> tuple[np.ndarray, np.ndarray]:
    """(documents sorted by key, their keys) for one band."""
    if index_bits <= MAX_INDEX_BITS:
        entries = bucket_entries(col, np.arange(col.size, dtype=np.uint64), index_bits)
        entries.sort()
        return split_entries(entries, index_bits)
    order = np.argsort(col)
    return order, col[order]


def bucket_pairs(docs: np.ndarray, sorted_keys: np.ndarray, n: int, window: int = 64,
                 new_from: int | None = None) -> list[np.ndarray]:
    """Pair codes ``lo * n + hi`` of the documents ``docs`` whose keys (``sorted_keys``, sorted)
    are equal, each paired with its next ``window`` neighbours of the same key (a bucket larger
    than the window stays connected, with a linear number of pairs); ``new_from``: only pairs
    with ``hi >= new_from``. One array per step, with repeats."""
    found = []
    for step in range(1, window + 1):
        same = np.flatnonzero(sorted_keys[:-step] == sorted_keys[step:])
        if same.size == 0:
            break
        a, b = docs[same].astype(np.int64), docs[same + step].astype(np.int64)
        lo, hi = np.minimum(a, b), np.maximum(a, b)
        if new_from is not None:
            keep = hi >= new_from
            lo, hi = lo[keep], hi[keep]
        found.append(lo * n + hi)
    return found


def candidate_pairs(keys: np.ndarray, window: int = 64, new_from: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Unique document pairs ``(i, j)``, ``i < j``, sharing at least one band key.

    ``keys`` is band-major (:func:`band_keys`).  ``new_from``: when given,
    only pairs with ``j >= new_from`` (at least one document added in this
    run) are returned - old pairs were verified before.
    """
    n = keys.shape[1]
    index_bits = index_bits_for(n)
    found: list[np.ndarray] = []
    for col in keys:
        # equal keys end up adjacent; which of several equal keys comes first
        # only matters for buckets larger than the window
        order, sorted_keys = _bucket_order(col, index_bits)
        found.extend(bucket_pairs(order, sorted_keys, n, window, new_from))
    if not found:
        empty = np.empty(0, dtype=np.int64)
        return empty, empty
    codes = sorted_unique(np.concatenate(found))
    return codes // n, codes % n


# -- the same pairs from bucket parts: band keys shuffled so that each bucket is in one part --------

def bucket_parts(key_sets: list[np.ndarray], documents: np.ndarray, n: int, parts: int) -> tuple[np.ndarray, np.ndarray]:
    """Some documents' :func:`bucket_entries`, cut into ``parts`` by bucket: every entry of a
    bucket (a band's key) falls in the same part, whichever documents it is computed from.

    ``key_sets``: band-major keys (:func:`band_keys`) of the documents numbered ``documents``
    (among ``n``), one array per signature; their bands are numbered on across the arrays.
    Returns ``(entries, bounds)``: a (2, m) uint64 array of (band, entry) rows, part ``p``'s
    at columns ``bounds[p]:bounds[p + 1]``.
    """
    index_bits = index_bits_for(n)
    if index_bits > MAX_INDEX_BITS:
        raise ValueError(f"bucket parts hold at most 2**{MAX_INDEX_BITS} documents, not {n}")
    columns = [col for keys in key_sets for col in keys]
    m = documents.size
    band = np.repeat(np.arange(len(columns), dtype=np.uint64), m)
    entry = np.concatenate([bucket_entries(col, documents, index_bits) for col in columns]) if columns else np.empty(0, np.uint64)
    part = (entry >> np.uint64(MAX_INDEX_BITS)) % np.uint64(parts)  # key bits only: the bucket decides
    order = np.argsort(part, kind="stable")
    bounds = np.searchsorted(part[order], np.arange(parts + 1, dtype=np.uint64))
    return np.stack([band[order], entry[order]]), bounds.astype(np.int64)


def part_pairs(entries: np.ndarray, n: int, window: int = 64) -> np.ndarray:
    """The sorted distinct pair codes ``i * n + j`` of one bucket part (the (band, entry) columns
    of :func:`bucket_parts` from any number of shards, in any order): what :func:`candidate_pairs`
    pairs within these buckets."""
    index_bits = index_bits_for(n)
    band, entry = entries
    order = np.argsort(band, kind="stable")
    band, entry = band[order], entry[order]
    edges = np.flatnonzero(np.diff(band)) + 1
    found: list[np.ndarray] = []
    for lo, hi in zip(np.concatenate(([0], edges)), np.concatenate((edges, [band.size]))):
        sorted_entries = np.sort(entry[lo:hi])
        documents, keys = split_entries(sorted_entries, index_bits)
        found.extend(bucket_pairs(documents, keys, n, window))
    if not found:
        return np.empty(0, dtype=np.int64)
    return sorted_unique(np.concatenate(found))


def pair_jaccard(sigs: np.ndarray, i: np.ndarray, j: np.ndarray, chunk: int = 1 << 16) -> np.ndarray:
    """Estimated Jaccard (share of equal signature values) of many pairs."""
    out = np.empty(i.size, dtype=np.float64)
    for s in range(0, i.size, chunk):
        eq = sigs[i[s : s + chunk]] == sigs[j[s : s + chunk]]
        out[s : s + chunk] = np.count_nonzero(eq, axis=1)
    out /= sigs.shape[1]
    return out


def containment_from_jaccard(jaccard: np.ndarray, size_a: np.ndarray, size_b: np.ndarray) -> np.ndarray:
    """Estimated share of the smaller set inside the larger, from Jaccard and sizes.

    ``|A & B| = J / (1 + J) * (|A| + |B|)``; a truncated copy of a story is
    (nearly) contained in the full copy even when their Jaccard is low.
    """
    inter = jaccard / (1.0 + jaccard) * (size_a + size_b)
    smaller = np.maximum(np.minimum(size_a, size_b), 1)
    return np.minimum(inter / smaller, 1.0)
