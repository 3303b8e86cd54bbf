"""Our numpy union-find labels components exactly as scipy does."""
from __future__ import annotations

import numpy as np
import pytest

from cleaner.neardup.clusters import components


@pytest.mark.parametrize("seed", range(8))
def test_same_labels_as_scipy(seed: int) -> None:
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    rng = np.random.default_rng(seed)
    n = int(rng.integers(1, 3000))
    m = int(rng.integers(0, 2 * n))
    i, j = rng.integers(0, n, m), rng.integers(0, n, m)
    graph = coo_matrix((np.ones(m, dtype=np.int8), (i, j)), shape=(n, n))
    expected = connected_components(graph, directed=False)[1]
    assert np.array_equal(components(n, i, j), expected)


def test_a_long_chain_is_one_component() -> None:
    n = 10_000
    i = np.arange(n - 1)[::-1]  # edges given from the far end: the worst order for hooking
    assert set(components(n, i, i + 1).tolist()) == {0}
