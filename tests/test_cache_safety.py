"""The stage cache holds data, never code; damage is a miss or a message, not a traceback."""
from __future__ import annotations

import json
import os
import pickle
import sqlite3
from pathlib import Path

import pytest

from cleaner.cache import StageCache, check_cache_location, decode_value, encode_value
from cleaner.errors import ConfigError
from cleaner.pipeline import RunOptions, run_paths
from cleaner.records import Attribution, Document, Origin, Rejected, Span
from cleaner.strip.corpus import CorpusEvidence

TEXT = ("The council met on Tuesday to discuss the new budget, which includes funds for road repairs.\n\n"
        "Officials said the plan would be put to a public vote in the spring after a consultation.\n")


class _Planted:
    def __init__(self, marker: str) -> None:
        self.marker = marker

    def __reduce__(self):
        return (os.mkdir, (self.marker,))


def _corpus(tmp_path: Path) -> Path:
    raw = tmp_path / "raw"
    raw.mkdir()
    for n in range(3):
        (raw / f"d{n}.jsonl").write_text(json.dumps({"id": f"d{n}", "site": "S", "text": f"Story {n}\n\n" + TEXT}) + "\n")
    return raw


def test_values_round_trip() -> None:
    evidence = CorpusEvidence()
    evidence.add("Site", "A line\nAnother line\n", "A title")
    values = [
        Document(id="x", content="c", origin=Origin(path="p", line=2, sha256="ab"), metadata={"k": [1, {"n": None}]},
                 removed=[Span(0, 3, "ad", "why")], attribution=Attribution("P", ["Q"], ["note"]), notes=["n"]),
        Rejected(id="r", reason="why", stage="strip"),
        (b"\x00\xff", 12), "title", None, b"bytes",
        {"version": 2, "title_lengths": frozenset({1, 2}), "evidence": evidence, "digests": {"k": ("d", b"\x01")}},
    ]
    for value in values:
        back = decode_value(encode_value(value))
        assert back == value if not isinstance(value, dict) else back["evidence"].sites == evidence.sites


def test_a_planted_pickle_is_never_loaded(tmp_path: Path) -> None:
    raw, cache = _corpus(tmp_path), tmp_path / "cache"
    run_paths([str(raw)], tmp_path / "cold", RunOptions(cache=str(cache)))
    marker = tmp_path / "code-ran"
    db = sqlite3.connect(cache / "stages.sqlite")
    with db:  # every stored value replaced by a pickle that would create a folder when loaded
        db.execute("UPDATE results SET value = ?", [pickle.dumps(_Planted(str(marker)))])
    db.close()
    run_paths([str(raw)], tmp_path / "warm", RunOptions(cache=str(cache)))
    assert not marker.exists()
    for name in ("documents.jsonl", "clusters.jsonl"):
        assert (tmp_path / "warm" / name).read_bytes() == (tmp_path / "cold" / name).read_bytes()


def test_a_value_with_a_bad_checksum_is_a_miss(tmp_path: Path) -> None:
    cache = StageCache(tmp_path / "c")
    cache.put_many("s", {"k": "value"})
    db = cache._db
    (raw,) = db.execute("SELECT value FROM results").fetchone()
    with db:
        db.execute("UPDATE results SET value = ?", [raw.replace(b"value", b"VALUE")])
    assert cache.get_many("s", ["k"]) == {} and cache.discarded == 1


def test_a_damaged_cache_file_is_moved_aside_and_rebuilt(tmp_path: Path, caplog) -> None:
    raw, cache = _corpus(tmp_path), tmp_path / "cache"
    cache.mkdir()
    (cache / "stages.sqlite").write_bytes(b"this is not a database" * 100)
    with caplog.at_level("WARNING", logger="cleaner"):
        run_paths([str(raw)], tmp_path / "out", RunOptions(cache=str(cache)))
    assert "unreadable" in caplog.text
    assert (cache / "stages.sqlite.damaged").exists()
    assert StageCache(cache).get_many("strip", []) == {}


def test_cache_inside_inputs_or_output_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="inside the input"):
        check_cache_location(tmp_path / "raw" / "cache", [str(tmp_path / "raw")], tmp_path / "out")
    with pytest.raises(ConfigError, match="inside the output"):
        check_cache_location(tmp_path / "out" / "c", [str(tmp_path / "raw")], tmp_path / "out")
    with pytest.raises(ConfigError, match="inside the input"):
        check_cache_location(tmp_path / "raw" / "c", [f"{tmp_path}/raw/**/*.txt"], None)
    with pytest.raises(ConfigError, match="holds"):
        check_cache_location(tmp_path, [str(tmp_path / "raw")], None)
    check_cache_location(tmp_path / ".git" / "cleaner-cache", [str(tmp_path / "raw")], tmp_path / "out")
