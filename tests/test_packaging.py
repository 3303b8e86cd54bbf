"""Every data file the package reads at run time is in the wheel: a non-editable install
(README command 1) failed once on a table added without a package-data entry."""
from __future__ import annotations

import fnmatch
import subprocess
import sys

from conftest import ROOT

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib


def test_every_data_file_of_the_package_is_declared_package_data():
    declared = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["package-data"]["cleaner"]
    tracked = subprocess.run(["git", "ls-files", "cleaner"], cwd=ROOT, capture_output=True, text=True, check=True).stdout.split()
    data = [p.removeprefix("cleaner/") for p in tracked if not p.endswith((".py", ".pyx", ".c"))]
    assert data, "expected the rule tables among the package's files"
    missing = [p for p in data if not any(fnmatch.fnmatch(p, pattern) for pattern in declared)]
    assert not missing, f"not in [tool.setuptools.package-data]: {missing}"
