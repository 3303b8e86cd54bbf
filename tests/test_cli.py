"""The command line: exit codes, messages that name the input, strip/explain."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from typer.testing import CliRunner

from cleaner.cli import app

runner = CliRunner()
SEED = "000_3b067c2d17003791.txt"


def test_run_writes_outputs_and_says_where(tmp_path: Path, samples: Path) -> None:
    result = runner.invoke(app, ["run", str(samples), "-o", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    assert str(tmp_path / "out" / "documents.jsonl") in result.output
    assert (tmp_path / "out" / "manifest.json").is_file()


def test_missing_input_exits_2_naming_it(tmp_path: Path) -> None:
    result = runner.invoke(app, ["run", str(tmp_path / "missing"), "-o", str(tmp_path / "out")])
    assert result.exit_code == 2
    assert "missing" in result.output and "no such file" in result.output


def test_bad_options_exit_2(tmp_path: Path, samples: Path) -> None:
    for args in (["--mode", "pdf"], ["--workers", "0"], ["--threshold", "1.5"], ["--format", "xml"], ["--engine", "spark"]):
        result = runner.invoke(app, ["run", str(samples), "-o", str(tmp_path / "o"), *args])
        assert result.exit_code == 2, (args, result.output)
    assert runner.invoke(app, ["run", str(samples)]).exit_code == 2  # no -o
    assert runner.invoke(app, ["frobnicate"]).exit_code == 2


def test_bad_config_exits_2(tmp_path: Path, samples: Path, monkeypatch) -> None:
    (tmp_path / ".cleaner.toml").write_text("thresold = 0.4\n")
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, ["run", str(samples), "-o", "out"])
    assert result.exit_code == 2 and "thresold" in result.output


def test_config_supplies_inputs_and_output(tmp_path: Path, samples: Path, monkeypatch) -> None:
    (tmp_path / "pyproject.toml").write_text(f'[tool.cleaner]\ninputs = ["{samples / "syndicated"}"]\noutput = "clean"\ndedup = false\n')
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, ["run"])
    assert result.exit_code == 0, result.output
    assert len((tmp_path / "clean" / "documents.jsonl").read_text().splitlines()) == 4


def test_strip_prints_clean_text(samples: Path) -> None:
    result = runner.invoke(app, ["strip", str(samples / SEED)])
    assert result.exit_code == 0
    assert "See also" not in result.output and "Please enter your comment" not in result.output
    assert "NSO has denied any wrongdoing" in result.output


def test_strip_of_a_multi_document_file_exits_2(samples: Path) -> None:
    result = runner.invoke(app, ["strip", str(samples / "syndicated" / "wire-feed.jsonl")])
    assert result.exit_code == 2 and "holds 2 documents" in result.output


def test_explain_shows_kinds_and_reasons(samples: Path) -> None:
    result = runner.invoke(app, ["explain", str(samples / SEED), "--no-color"])
    assert result.exit_code == 0
    out = result.output
    assert "see_also" in out and "comment_form" in out and "syndication_notice" in out
    assert "\x1b[" not in out
    see_also = [line for line in out.splitlines() if line.startswith("- ") and "See also" in line]
    assert len(see_also) == 3


def test_explain_colour_on_request(samples: Path) -> None:
    assert "\x1b[" in runner.invoke(app, ["explain", str(samples / SEED), "--color"]).output


def test_console_script_entry_point(tmp_path: Path, samples: Path) -> None:
    # The real process: exit code and output as a user sees them (no progress bar off a terminal).
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parent.parent)}
    proc = subprocess.run([sys.executable, "-m", "cleaner", "run", str(samples), "-o", str(tmp_path / "o")],
                          capture_output=True, text=True, env=env)
    assert proc.returncode == 0, proc.stderr
    assert "documents" in proc.stdout and proc.stderr == ""
    proc = subprocess.run([sys.executable, "-m", "cleaner", "run", str(tmp_path / "nope"), "-o", str(tmp_path / "o")],
                          capture_output=True, text=True, env=env)
    assert proc.returncode == 2 and "nope" in proc.stderr
    manifest = json.loads((tmp_path / "o" / "manifest.json").read_text())
    assert manifest["counts"]["inputs"] == 6


def test_strip_reads_one_document_from_stdin(samples: Path) -> None:
    result = runner.invoke(app, ["strip", "-"], input=(samples / SEED).read_text())
    assert result.exit_code == 0 and "See also" not in result.output and "NSO has denied" in result.output
    assert runner.invoke(app, ["strip", "-"], input="  \n").exit_code == 2


def test_unwritable_output_exits_2_naming_it(tmp_path: Path, samples: Path) -> None:
    blocker = tmp_path / "out"
    blocker.write_text("a file, not a folder")
    result = runner.invoke(app, ["run", str(samples / "syndicated"), "-o", str(blocker)])
    assert result.exit_code == 2 and str(blocker) in result.output
