from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples"
EVAL = ROOT.parent / "shared" / "eval"


@pytest.fixture
def samples() -> Path:
    return SAMPLES


def eval_path(*parts: str) -> Path:
    """A path in ../shared/eval; the calling test is skipped when the set is absent."""
    path = EVAL.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"evaluation data not present: {path}")
    return path
