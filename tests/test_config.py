from __future__ import annotations

from pathlib import Path

import pytest

from cleaner.config import find_config
from cleaner.errors import ConfigError


def test_pyproject_table(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[tool.cleaner]\ninputs = ["raw/*.txt"]\noutput = "clean"\nthreshold = 0.6\n')
    path, config = find_config(tmp_path)
    assert path.name == "pyproject.toml" and config == {"inputs": ["raw/*.txt"], "output": "clean", "threshold": 0.6}


def test_dotfile_wins(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[tool.cleaner]\noutput = "a"\n')
    (tmp_path / ".cleaner.toml").write_text('output = "b"\n')
    assert find_config(tmp_path)[1] == {"output": "b"}


def test_no_config(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'x'\n")
    assert find_config(tmp_path) is None


@pytest.mark.parametrize(
    "body, message",
    [
        ('thresold = 0.5\n', "unknown key 'thresold'"),
        ('workers = "two"\n', "workers must be int"),
        ('mode = "pdf"\n', "mode must be one of"),
        ('format = ["xml"]\n', "unknown format 'xml'"),
        ('threshold = 1.5\n', "threshold must be in"),
        ('output = \n', "cannot read configuration"),
    ],
)
def test_bad_config_names_file_and_key(tmp_path: Path, body: str, message: str) -> None:
    (tmp_path / ".cleaner.toml").write_text(body)
    with pytest.raises(ConfigError, match=message) as info:
        find_config(tmp_path)
    assert ".cleaner.toml" in str(info.value)
