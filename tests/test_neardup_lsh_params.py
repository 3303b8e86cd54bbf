"""Our LSH (bands, rows) optimiser agrees with datasketch's (what MinHashLSH uses)."""
from __future__ import annotations

import pytest

from cleaner.neardup.lsh import lsh_params


@pytest.mark.parametrize("num_perm", [16, 64, 128, 256])
@pytest.mark.parametrize("threshold", [0.1, 0.2, 0.3, 0.45, 0.5, 0.7, 0.8, 0.9, 0.95])
def test_same_bands_and_rows_as_datasketch(threshold: float, num_perm: int) -> None:
    from datasketch.lsh import _optimal_param

    assert lsh_params(threshold, num_perm) == _optimal_param(threshold, num_perm, 0.5, 0.5)


def test_matches_a_datasketch_index() -> None:
    from datasketch import MinHashLSH

    lsh = MinHashLSH(threshold=0.5, num_perm=128)
    assert lsh_params(0.5, 128) == (lsh.b, lsh.r)
