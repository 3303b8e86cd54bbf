"""The README is executable documentation: its commands and its library example must work."""
from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text()


def code_blocks(language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", README, flags=re.S)


def test_readme_opens_with_two_commands_and_ci_runs_the_second() -> None:
    setup_and_run, setup_and_test = [b.strip() for b in code_blocks("bash")[:2]]
    assert "cleaner run samples/" in setup_and_run and "--upgrade pip" in setup_and_run
    assert "pytest" in setup_and_test and "--upgrade pip" in setup_and_test
    ci = (ROOT / ".ci" / "run").read_text()
    assert setup_and_test in ci.splitlines()


def test_library_example_runs(tmp_path: Path, monkeypatch, capsys) -> None:
    example = code_blocks("python")[0]
    monkeypatch.chdir(ROOT)
    example = example.replace('"out/"', repr(str(tmp_path / "out")))
    exec(compile(example, "README.md", "exec"), {})
    printed = capsys.readouterr().out.splitlines()
    assert printed[0] == "Town opens new library"
    assert "See also" not in "\n".join(printed[1:3]) and "2,000 people" in printed[2]
    assert "see_also" in printed[3] and "comment_form" in printed[3]
    assert printed[4] == "3 stories; 0 rejected"
    assert (tmp_path / "out" / "documents.jsonl").is_file()


def test_config_defaults_in_the_readme_match_the_code() -> None:
    from cleaner.neardup import DedupParams

    block = next(b for b in code_blocks("toml") if "[tool.cleaner]" in b)
    shown = dict(re.findall(r"^# (\w+) = ([^\s#]+)", block, flags=re.M))
    assert float(shown["threshold"]) == DedupParams().threshold
    assert int(shown["num_perm"]) == DedupParams().num_perm
