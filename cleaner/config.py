"""Defaults from a data repository's configuration.

``[tool.cleaner]`` in ``pyproject.toml``, or the top level of ``.cleaner.toml``
(which wins when both exist), in the current folder. Command-line options
override these; these override cleaner's built-in defaults.

Keys (all optional):

==================  ========================================================
``inputs``          list of raw input paths or globs (``["raw/**/*.txt"]``)
``output``          output folder (``"clean"``)
``mode``            ``"auto"`` | ``"text"`` | ``"html"``
``dedup``           ``true`` to merge syndicated copies (default), ``false`` for one record per input
``threshold``       Jaccard threshold of near-duplicates
``num_perm``        MinHash permutations
``workers``         processes for the per-document stages
``format``          list of output formats: ``"jsonl"``, ``"txt"``, ``"parquet"``
``language``        language of the noise rules (default: detected per document)
``index``           folder (or ``redis://`` URL) of the persisted near-duplicate index
``cache``           folder of the stage cache (pre-commit default: ``.git/cleaner-cache``)
``corpus_evidence`` ``false`` to strip each document on its own evidence only
``id_field``        id field of JSONL/Parquet records (``"id"``)
``text_field``      text field of JSONL/Parquet records (``"text"``)
``html_field``      HTML field of JSONL/Parquet records (``"html"``)
==================  ========================================================
"""
from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from .errors import ConfigError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

KEYS: dict[str, type | tuple[type, ...]] = {
    "inputs": list,
    "output": str,
    "mode": str,
    "dedup": bool,
    "threshold": (float, int),
    "num_perm": int,
    "workers": int,
    "format": list,
    "language": str,
    "index": str,
    "cache": str,
    "corpus_evidence": bool,
    "id_field": str,
    "text_field": str,
    "html_field": str,
}
MODES = ("auto", "text", "html")
FORMATS = ("jsonl", "txt", "parquet")


def find_config(folder: Path | None = None) -> tuple[Path, dict[str, Any]] | None:
    """The config file in ``folder`` (default: the current one) and its cleaner table."""
    folder = folder or Path.cwd()
    dotfile = folder / ".cleaner.toml"
    if dotfile.is_file():
        return dotfile, _load(dotfile, table=None)
    pyproject = folder / "pyproject.toml"
    if pyproject.is_file():
        table = _load(pyproject, table=("tool", "cleaner"))
        if table:
            return pyproject, table
    return None


def _load(path: Path, table: tuple[str, ...] | None) -> dict[str, Any]:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read configuration ({exc})") from exc
    for key in table or ():
        data = data.get(key, {})
        if not isinstance(data, dict):
            raise ConfigError(f"{path}: [{'.'.join(table or ())}] is not a table")
    return validate(data, str(path))


def validate(config: dict[str, Any], source: str) -> dict[str, Any]:
    """Check keys and types; raise ConfigError naming the file and key."""
    for key, value in config.items():
        if key not in KEYS:
            raise ConfigError(f"{source}: unknown key {key!r} (known: {', '.join(sorted(KEYS))})")
        expected = KEYS[key]
        if not isinstance(value, expected) or (expected is int and isinstance(value, bool)):
            raise ConfigError(f"{source}: {key} must be {_type_name(expected)}, not {type(value).__name__}")
    if "mode" in config and config["mode"] not in MODES:
        raise ConfigError(f"{source}: mode must be one of {', '.join(MODES)}")
    for fmt in config.get("format", []):
        if fmt not in FORMATS:
            raise ConfigError(f"{source}: unknown format {fmt!r} (known: {', '.join(FORMATS)})")
    if "threshold" in config and not 0.0 < float(config["threshold"]) <= 1.0:
        raise ConfigError(f"{source}: threshold must be in (0, 1]")
    return config


def _type_name(expected: type | tuple[type, ...]) -> str:
    if isinstance(expected, tuple):
        return " or ".join(t.__name__ for t in expected)
    return expected.__name__
