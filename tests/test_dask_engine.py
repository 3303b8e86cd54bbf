"""The Dask engine runs the same stages and gives byte-identical output."""
from __future__ import annotations

from pathlib import Path

import pytest

from cleaner.pipeline import RunOptions, run_paths

pytest.importorskip("distributed")


def test_dask_engine_output_equals_local(tmp_path: Path, samples: Path) -> None:
    local = run_paths([str(samples)], tmp_path / "local", RunOptions())
    dask = run_paths([str(samples)], tmp_path / "dask", RunOptions(engine="dask", workers=2))
    assert [c.id for c in dask.canonicals] == [c.id for c in local.canonicals]
    for name in ("documents.jsonl", "clusters.jsonl", "rejected.jsonl"):
        assert (tmp_path / "dask" / name).read_bytes() == (tmp_path / "local" / name).read_bytes()


def test_unknown_engine_is_a_config_error(samples: Path) -> None:
    from cleaner.errors import ConfigError

    with pytest.raises(ConfigError, match="unknown engine"):
        run_paths([str(samples)], None, RunOptions(engine="spark"))
