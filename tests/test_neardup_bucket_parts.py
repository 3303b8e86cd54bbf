"""Band keys shuffled into bucket parts give the candidate pairs of the whole corpus at once."""
from __future__ import annotations

import numpy as np
import pytest

from cleaner.neardup.lsh import band_keys, bucket_parts, candidate_pairs, part_pairs, sorted_unique


def _signatures(n: int, seed: int) -> np.ndarray:
    """Random signatures with families of near-copies and one templated family larger than the window."""
    rng = np.random.default_rng(seed)
    sigs = rng.integers(0, 2**32, size=(n, 32), dtype=np.uint64).astype(np.uint32)
    for start in range(0, n - 6, 9):  # a few copies: some bands equal
        for k in range(1, 4):
            cols = rng.random(32) < 0.6
            sigs[start + k, cols] = sigs[start, cols]
    big = rng.choice(n, size=n // 3, replace=False)  # one band shared by a third of the corpus
    sigs[big, :4] = sigs[big[0], :4]
    return sigs


def _shuffled(key_sets_of, n: int, shards: list[np.ndarray], parts: int, window: int) -> np.ndarray:
    """The pair codes as a streaming run finds them: bucket parts per shard, pairs per part, the union."""
    cut = [bucket_parts(key_sets_of(rows), rows, n, parts) for rows in shards]
    codes = []
    for p in range(parts):
        entries = [e[:, b[p] : b[p + 1]] for e, b in cut]
        codes.append(part_pairs(np.concatenate(entries, axis=1), n, window))
    for entries, bounds in cut:  # every entry of a bucket is in one part
        assert bounds[0] == 0 and bounds[-1] == entries.shape[1]
    return sorted_unique(np.concatenate(codes))


@pytest.mark.parametrize("parts", [1, 2, 7])
@pytest.mark.parametrize("window", [2, 64])
def test_bucket_parts_find_the_pairs_of_candidate_pairs(parts: int, window: int) -> None:
    n = 300
    sigs = _signatures(n, seed=parts * 10 + window)
    lead = sigs[:, 8:16].copy()
    rng = np.random.default_rng(1)
    founding = rng.permutation(n)  # shards hold documents in any order: row r is document founding[r]
    shards = np.array_split(founding, 5)

    expected_i, expected_j = candidate_pairs(band_keys(sigs, 8, 4), window)
    lead_i, lead_j = candidate_pairs(band_keys(lead, 2, 4), window)
    expected = sorted_unique(np.concatenate([expected_i * n + expected_j, lead_i * n + lead_j]))

    def key_sets_of(rows: np.ndarray) -> list[np.ndarray]:
        return [band_keys(sigs[rows], 8, 4), band_keys(lead[rows], 2, 4)]

    found = _shuffled(key_sets_of, n, list(shards), parts, window)
    assert found.size > window * (n // 3 - window)  # the templated bucket (larger than the window) is there
    np.testing.assert_array_equal(found, expected)


def test_a_bucket_larger_than_the_window_is_paired_in_document_order_across_shards() -> None:
    n = 20
    sigs = np.zeros((n, 4), dtype=np.uint32)  # one bucket of everything
    shards = [np.arange(n)[::-1][:7], np.arange(n)[::-1][7:]]
    found = _shuffled(lambda rows: [band_keys(sigs[rows], 1, 4)], n, shards, 3, 2)
    i, j = found // n, found % n
    assert set(zip(i.tolist(), j.tolist())) == {(a, b) for a in range(n) for b in (a + 1, a + 2) if b < n}


def test_empty_parts_and_no_documents() -> None:
    entries, bounds = bucket_parts([np.empty((3, 0), dtype=np.uint64)], np.empty(0, dtype=np.int64), 5, 4)
    assert entries.shape == (2, 0) and bounds.tolist() == [0, 0, 0, 0, 0]
    assert part_pairs(entries, 5).size == 0
