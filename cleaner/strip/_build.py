"""Which build of the text stage's compiled modules is imported.

setup.py compiles ``COMPILED`` with Cython when a C compiler is there; the extension module then
sits beside its ``.py`` source and Python imports it first.  ``CLEANER_PURE_PYTHON=1`` makes
these modules load from their ``.py`` source instead: the same code, interpreted (the tests compare
the two; a machine without a compiler runs that anyway).
"""
from __future__ import annotations

import importlib.abc
import importlib.util
import os
import sys
from pathlib import Path

# modules of cleaner/strip compiled by setup.py (pure-Python mode: types in the .pxd beside each)
COMPILED = ("segment", "hints", "_analysis", "langfeatures")
_HERE = Path(__file__).resolve().parent


class _SourceFirst(importlib.abc.MetaPathFinder):
    """Finds the compiled modules' .py sources before their extension modules."""

    def find_spec(self, name, path=None, target=None):
        package, _, module = name.rpartition(".")
        if package != __package__ or module not in COMPILED:
            return None
        return importlib.util.spec_from_file_location(name, _HERE / f"{module}.py")


def interpreted_requested() -> bool:
    return bool(os.environ.get("CLEANER_PURE_PYTHON"))


if interpreted_requested() and not any(isinstance(f, _SourceFirst) for f in sys.meta_path):
    sys.meta_path.insert(0, _SourceFirst())


def build_of(module) -> str:
    """"compiled", or why the module runs interpreted."""
    if not str(module.__file__).endswith(".py"):
        return "compiled"
    if interpreted_requested():
        return "python (CLEANER_PURE_PYTHON)"
    return "python (not compiled)"
