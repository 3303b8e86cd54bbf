"""The pre-commit data step, run by the real pre-commit in a throwaway git repository."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
pytest.importorskip("pre_commit")


def sh(cwd: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.org",
           "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.org"}
    env.pop("PRE_COMMIT", None)
    proc = subprocess.run(list(args), cwd=cwd, capture_output=True, text=True, env=env)
    if check and proc.returncode != 0:
        raise AssertionError(f"{args} -> {proc.returncode}\n{proc.stdout}\n{proc.stderr}")
    return proc


def pre_commit(repo: Path, hook: str) -> subprocess.CompletedProcess:
    return sh(repo, sys.executable, "-m", "pre_commit", "run", hook, "--all-files", check=False)


@pytest.fixture
def repo(tmp_path: Path, samples: Path) -> Path:
    repo = tmp_path / "data"
    (repo / "raw").mkdir(parents=True)
    shutil.copy(samples / "000_3b067c2d17003791.txt", repo / "raw")
    shutil.copy(samples / "syndicated" / "harbourview-herald.txt", repo / "raw")
    (repo / "pyproject.toml").write_text('[tool.cleaner]\ninputs = ["raw"]\noutput = "clean"\n')
    python = sys.executable
    (repo / ".pre-commit-config.yaml").write_text(
        "repos:\n- repo: local\n  hooks:\n"
        f"  - id: cleaner-fix\n    name: cleaner-fix\n    entry: {python} -m cleaner precommit --fix\n"
        "    language: system\n    require_serial: true\n    pass_filenames: false\n    always_run: true\n"
        f"  - id: cleaner-check\n    name: cleaner-check\n    entry: {python} -m cleaner precommit --check\n"
        "    language: system\n    require_serial: true\n    pass_filenames: false\n    always_run: true\n"
    )
    sh(repo, "git", "init", "-q")
    sh(repo, "git", "add", "-A")
    return repo


def clusters(repo: Path) -> dict[str, dict]:
    return {r["id"]: r for r in map(json.loads, (repo / "clean" / "clusters.jsonl").read_text().splitlines())}


def test_fix_writes_then_is_idempotent(repo: Path) -> None:
    first = pre_commit(repo, "cleaner-fix")
    assert first.returncode == 1, first.stdout  # it wrote the cleaned corpus
    assert "documents.jsonl" in first.stdout
    sh(repo, "git", "add", "-A")
    second = pre_commit(repo, "cleaner-fix")
    assert second.returncode == 0, second.stdout  # nothing to change the second time
    sh(repo, "git", "commit", "-qm", "data")  # the hook passes in a real commit


def test_new_copy_is_deduplicated_against_committed_data(repo: Path, samples: Path) -> None:
    pre_commit(repo, "cleaner-fix")
    sh(repo, "git", "add", "-A")
    sh(repo, "git", "commit", "-qm", "data")
    shutil.copy(samples / "syndicated" / "the-midland-post.html", repo / "raw")
    sh(repo, "git", "add", "raw/the-midland-post.html")  # only the new file is staged
    assert pre_commit(repo, "cleaner-check").returncode == 1  # stale: the new copy is not in clean/ yet
    assert pre_commit(repo, "cleaner-fix").returncode == 1
    rows = clusters(repo)
    assert rows["the-midland-post"]["cluster"] == rows["harbourview-herald"]["cluster"]
    assert rows["000_3b067c2d17003791"]["cluster"] != rows["harbourview-herald"]["cluster"]
    sh(repo, "git", "add", "-A")
    assert pre_commit(repo, "cleaner-check").returncode == 0


def test_deleted_raw_file_removes_its_output(repo: Path) -> None:
    pre_commit(repo, "cleaner-fix")
    sh(repo, "git", "add", "-A")
    sh(repo, "git", "commit", "-qm", "data")
    sh(repo, "git", "rm", "-q", "raw/000_3b067c2d17003791.txt")
    assert pre_commit(repo, "cleaner-fix").returncode == 1
    assert set(clusters(repo)) == {"harbourview-herald"}
    docs = (repo / "clean" / "documents.jsonl").read_text()
    assert "000_3b067c2d17003791" not in docs
    sh(repo, "git", "add", "-A")
    assert pre_commit(repo, "cleaner-fix").returncode == 0


def test_an_index_in_the_config_does_not_empty_the_corpus(repo: Path) -> None:
    (repo / "pyproject.toml").write_text('[tool.cleaner]\ninputs = ["raw"]\noutput = "clean"\nindex = "index"\n')
    assert pre_commit(repo, "cleaner-fix").returncode == 1
    first = (repo / "clean" / "clusters.jsonl").read_text()
    assert pre_commit(repo, "cleaner-fix").returncode == 0
    assert (repo / "clean" / "clusters.jsonl").read_text() == first and len(first.splitlines()) == 2


def test_check_writes_nothing(repo: Path) -> None:
    result = pre_commit(repo, "cleaner-check")
    assert result.returncode == 1 and "stale" in result.stdout
    assert not (repo / "clean").exists()


def test_outputs_never_fight_whitespace_fixers(repo: Path) -> None:
    pre_commit(repo, "cleaner-fix")
    for path in (repo / "clean").rglob("*"):
        data = path.read_bytes()
        if not data:
            continue  # an empty file is left alone by end-of-file-fixer
        assert data.endswith(b"\n") and not data.endswith(b"\n\n"), path
        for line in data.decode().splitlines():
            assert line == line.rstrip(), (path, line)


def test_bad_config_exits_2(repo: Path) -> None:
    (repo / "pyproject.toml").write_text('[tool.cleaner]\ninputs = ["raw"]\n')  # no output
    result = pre_commit(repo, "cleaner-fix")
    assert result.returncode == 1 and "needs `inputs` and `output`" in result.stdout  # pre-commit reports any failure as 1
    direct = sh(repo, sys.executable, "-m", "cleaner", "precommit", "--fix", check=False)
    assert direct.returncode == 2 and "output" in direct.stderr


def test_progress_is_off_under_pre_commit(monkeypatch) -> None:
    from cleaner import cli

    monkeypatch.setattr(sys.stderr, "isatty", lambda: True)
    monkeypatch.setenv("PRE_COMMIT", "1")
    assert cli.show_progress() is False
    monkeypatch.delenv("PRE_COMMIT")
    assert cli.show_progress() is True


def test_hooks_file_declares_both_hooks() -> None:
    import yaml  # pre-commit depends on PyYAML

    hooks = {h["id"]: h for h in yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())}
    assert set(hooks) == {"cleaner-fix", "cleaner-check"}
    for hook in hooks.values():
        assert hook["language"] == "python" and hook["require_serial"] is True and hook["files"]
    assert hooks["cleaner-fix"]["entry"] == "cleaner precommit --fix"
    assert hooks["cleaner-check"]["entry"] == "cleaner precommit --check"


def test_untracked_and_ignored_raw_files_stay_out(repo: Path) -> None:
    assert pre_commit(repo, "cleaner-fix").returncode == 1
    sh(repo, "git", "add", "-A")
    before = (repo / "clean" / "clusters.jsonl").read_text()
    (repo / "raw" / "untracked.txt").write_text("A draft story that nobody added to git, with enough words to be kept.\n")
    (repo / ".gitignore").write_text("raw/ignored.txt\n")
    (repo / "raw" / "ignored.txt").write_text("An ignored story that must never reach the corpus, with enough words.\n")
    assert pre_commit(repo, "cleaner-check").returncode == 0  # nothing stale: the hook does not see them
    assert (repo / "clean" / "clusters.jsonl").read_text() == before
    sh(repo, "git", "add", "raw/untracked.txt")  # staged: now it is part of the corpus
    assert pre_commit(repo, "cleaner-fix").returncode == 1
    ids = [json.loads(line)["id"] for line in (repo / "clean" / "clusters.jsonl").read_text().splitlines()]
    assert "untracked" in ids and "ignored" not in ids


def test_a_planted_cache_inside_the_inputs_is_refused(repo: Path) -> None:
    (repo / "pyproject.toml").write_text('[tool.cleaner]\ninputs = ["raw"]\noutput = "clean"\ncache = "raw/.cache"\n')
    proc = pre_commit(repo, "cleaner-fix")
    assert proc.returncode == 1 and "inside the input" in proc.stdout + proc.stderr
