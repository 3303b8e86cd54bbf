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
``keep``            ``"canonical"`` (one record per story) or ``"all"`` (every input, annotated)
``max_document_bytes``  a larger document is rejected (default 20,000,000)
``time_limit``      wall-clock seconds per document (default 60; ``0``: no limit)
==================  ========================================================
"""
from __future__ import annotations

import functools
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
    "keep": str,
    "max_document_bytes": int,
    "time_limit": (float, int),
}
MODES = ("auto", "text", "html")
FORMATS = ("jsonl", "txt", "parquet")
KEEP = ("canonical", "all")

# Bounds of numeric options (inclusive), one table for the CLI, the config files and the library:
# beyond them a run fails later with a memory traceback (num_perm=10**8) or means nothing.
NUMBER_LIMITS: dict[str, tuple[float, float]] = {
    "num_perm": (2, 4096),
    "ngram": (1, 64),
    "workers": (1, 512),
    "threshold": (0.0, 1.0),  # exclusive at 0: see check_number
    "max_document_bytes": (1, 1 << 34),
    "time_limit": (0, 7 * 24 * 3600),  # seconds per document; 0: no limit
}


def check_number(name: str, value: Any, source: str = "") -> Any:
    """``value`` when it is a number within :data:`NUMBER_LIMITS`; else a ConfigError that says the range."""
    where = f"{source}: " if source else ""
    option = "--" + name.replace("_", "-")
    low, high = NUMBER_LIMITS[name]
    integral = name not in ("threshold", "time_limit")
    if isinstance(value, bool) or not isinstance(value, (int, float)) or (integral and not float(value).is_integer()):
        kind = "a whole number" if integral else "a number"
        raise ConfigError(f"{where}{option} must be {kind}, not {value!r}")
    if name == "threshold":
        if not low < value <= high:
            raise ConfigError(f"{where}{option} must be in (0, 1], not {value}")
    elif not low <= value <= high:
        raise ConfigError(f"{where}{option} must be from {int(low)} to {int(high)}, not {value}")
    return int(value) if integral else float(value)


@functools.lru_cache(maxsize=256)
def check_language(code: str) -> str:
    """``code`` when it names a language with an ISO 639-1 code (``en``, ``pt-BR``, ``deu``), else a
    ConfigError: an unknown code would silently get no language's noise rules (``langcodes``)."""
    import langcodes

    if not isinstance(code, str) or not code or not langcodes.tag_is_valid(code):
        raise ConfigError(f"language {code!r} is not a language tag (ISO 639-1 like 'en', 'de', 'pt-BR')")
    base = langcodes.Language.get(code).language
    if not base or len(base) != 2:
        raise ConfigError(f"language {code!r} has no ISO 639-1 code (two letters, like 'en'), which the noise rules are named by")
    return code


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
    for name in NUMBER_LIMITS:
        if name in config:
            check_number(name, config[name], source)
    if "language" in config:
        try:
            check_language(config["language"])
        except ConfigError as exc:
            raise ConfigError(f"{source}: {exc}") from None
    if "keep" in config and config["keep"] not in KEEP:
        raise ConfigError(f"{source}: keep must be one of {', '.join(KEEP)}")
    return config


def _type_name(expected: type | tuple[type, ...]) -> str:
    if isinstance(expected, tuple):
        return " or ".join(t.__name__ for t in expected)
    return expected.__name__
