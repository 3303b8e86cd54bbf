"""The pre-commit hook's run memo: a run over unchanged inputs does no work, and any change is seen."""
from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from cleaner import precommit as precommit_module
from cleaner.cache import StageCache, encode_value
from cleaner.cli import build_run_options
from cleaner.precommit import RunMemo, precommit

CONFIG = {"inputs": ["raw"], "output": "clean"}


@pytest.fixture
def repo(tmp_path: Path, samples: Path) -> Path:
    repo = tmp_path / "data"  # not a git checkout: every raw file is read, the cache is .cleaner-cache
    (repo / "raw").mkdir(parents=True)
    shutil.copy(samples / "000_3b067c2d17003791.txt", repo / "raw")
    shutil.copy(samples / "syndicated" / "harbourview-herald.txt", repo / "raw")
    shutil.copy(samples / "syndicated" / "the-midland-post.html", repo / "raw")
    old = 1_600_000_000_000_000_000  # written long ago: their stat records are trusted (not "racily clean")
    for path in (repo / "raw").iterdir():
        os.utime(path, ns=(old, old))
    return repo


def run(repo: Path, check: bool = False):
    return precommit(build_run_options(CONFIG, index=None), CONFIG, check=check, repo=repo)


def outputs(repo: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted((repo / "clean").iterdir()) if p.is_file()}


def forbid_pipeline(monkeypatch) -> None:
    def fail(*args, **kwargs):
        raise AssertionError("the pipeline ran on unchanged inputs")

    monkeypatch.setattr(precommit_module, "run_paths", fail)


def test_unchanged_inputs_run_nothing(repo: Path, monkeypatch) -> None:
    first = run(repo)
    assert first.exit_code == 1
    written = outputs(repo)
    forbid_pipeline(monkeypatch)
    again = run(repo)
    assert again.exit_code == 0 and again.records == first.records and again.rejected == first.rejected
    assert run(repo, check=True).exit_code == 0
    assert outputs(repo) == written


def test_an_edit_that_keeps_size_and_mtime_is_seen(repo: Path, samples: Path) -> None:
    run(repo)
    path = repo / "raw" / "harbourview-herald.txt"
    info = path.stat()
    text = path.read_bytes()
    path.write_bytes(text.replace(b"the", b"teh", 1))  # same size
    os.utime(path, ns=(info.st_atime_ns, info.st_mtime_ns))  # same mtime: only the ctime tells
    assert path.stat().st_size == info.st_size
    assert run(repo).exit_code == 1
    edited = outputs(repo)
    shutil.rmtree(repo / "clean")
    shutil.rmtree(repo / ".cleaner-cache")
    run(repo)  # cold: the same bytes
    assert outputs(repo) == edited


def test_a_hand_edited_output_is_rewritten(repo: Path) -> None:
    run(repo)
    written = outputs(repo)
    (repo / "clean" / "documents.jsonl").write_bytes(b"{}\n")
    assert run(repo, check=True).exit_code == 1
    assert run(repo).exit_code == 1
    assert outputs(repo) == written
    (repo / "clean" / "stray.jsonl").write_bytes(b"{}\n")  # not ours: left alone, changes nothing
    assert run(repo).exit_code == 0


def test_new_and_deleted_files_are_seen(repo: Path, samples: Path) -> None:
    run(repo)
    shutil.copy(samples / "000_3b067c2d17003791.txt", repo / "raw" / "copy.txt")
    assert run(repo).exit_code == 1
    (repo / "raw" / "copy.txt").unlink()
    assert run(repo).exit_code == 1
    assert run(repo).exit_code == 0


def test_a_new_file_is_hashed_until_it_is_old_enough(repo: Path, samples: Path, monkeypatch) -> None:
    from cleaner import cache as cache_module

    # A wide window, so a slow (loaded) machine cannot age the new file past it between runs.
    monkeypatch.setattr(cache_module, "RACY_NS", 3600 * 10**9)
    run(repo)
    fresh = repo / "raw" / "fresh.txt"
    shutil.copy(samples / "000_3b067c2d17003791.txt", fresh)  # just written: racily clean
    run(repo)
    read = []
    real = precommit_module.RunMemo._inputs_key

    def spy(self):
        key = real(self)
        read.append(set(self.stats))
        return key

    monkeypatch.setattr(precommit_module.RunMemo, "_inputs_key", spy)
    forbid_pipeline(monkeypatch)
    assert run(repo).exit_code == 0
    assert str(fresh.as_posix()) not in read[-1]  # no stat record yet: it was hashed again, not trusted


@pytest.mark.parametrize("value", [{"key": 1}, "nonsense", {"key": "k", "outputs": {}, "stats": "x\ty", "records": 0, "rejected": 0}])
def test_a_planted_memo_is_no_record(repo: Path, value) -> None:
    run(repo)
    written = outputs(repo)
    (repo / "clean" / "documents.jsonl").write_bytes(b"{}\n")
    cache = StageCache(repo / ".cleaner-cache")
    with cache._db:
        cache._db.execute("INSERT OR REPLACE INTO results VALUES (?, ?, ?)", (RunMemo.STAGE, "last", encode_value(value)))
    cache.close()
    assert run(repo).exit_code == 1
    assert outputs(repo) == written


def test_another_option_runs_again(repo: Path, monkeypatch) -> None:
    run(repo)
    calls = []
    real = precommit_module.run_paths
    monkeypatch.setattr(precommit_module, "run_paths", lambda *a, **k: calls.append(1) or real(*a, **k))
    config = {**CONFIG, "threshold": 0.9}
    outcome = precommit(build_run_options(config, index=None), config, check=False, repo=repo)
    assert calls and outcome.exit_code == 1  # the manifest records the new threshold
    assert precommit(build_run_options(config, index=None), config, check=False, repo=repo).exit_code == 0
    assert len(calls) == 1
