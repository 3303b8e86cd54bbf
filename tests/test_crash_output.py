"""kill -9 of a real `cleaner run` at random moments, the output-folder swap included.

The output folder already holds an earlier complete set. After every kill a reader must see
either that earlier set or the complete new one (every file's bytes; the manifest without its
timings), never a mix; the rerun must give the uninterrupted run's bytes.
"""
from __future__ import annotations

import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from test_stream import make_corpus

KILLS = 20


def snapshot(folder: Path) -> dict[str, object]:
    """Every file of the folder by name; the manifest parsed, without its timings (they differ per run)."""
    found: dict[str, object] = {}
    for path in sorted(folder.rglob("*")):
        if path.is_file():
            rel = path.relative_to(folder).as_posix()
            if rel == "manifest.json":
                manifest = json.loads(path.read_bytes())
                manifest.pop("timings_s", None)
                found[rel] = manifest
            else:
                found[rel] = path.read_bytes()
    return found


def leftovers(out: Path) -> list[str]:
    return sorted(p.name for p in out.parent.iterdir() if p.name.startswith(f".{out.name}."))


@pytest.mark.slow
def test_kill_9_of_a_run_never_leaves_a_mixed_output_folder(tmp_path: Path, samples: Path) -> None:
    corpus = make_corpus(tmp_path / "corpus.jsonl", samples, replicas=3)
    early = make_corpus(tmp_path / "early.jsonl", samples, replicas=1)
    options = ["--workers", "1", "--no-report"]

    def command(source: Path, out: Path) -> list[str]:
        return [sys.executable, "-m", "cleaner", "run", str(source), "-o", str(out), *options]

    subprocess.run(command(early, tmp_path / "earlier"), check=True, capture_output=True)
    started = time.monotonic()
    subprocess.run(command(corpus, tmp_path / "whole"), check=True, capture_output=True)
    duration = time.monotonic() - started
    earlier, new = snapshot(tmp_path / "earlier"), snapshot(tmp_path / "whole")
    assert earlier.keys() == new.keys() and all(earlier[k] != new[k] for k in ("documents.jsonl", "clusters.jsonl"))

    runs = tmp_path / "runs"
    runs.mkdir()
    out = runs / "out"
    staging_prefix = f".{out.name}.staging-"
    rng = random.Random(13)
    outcomes = {"earlier": 0, "new": 0}
    at_swap = 0
    for kill in range(KILLS):
        shutil.rmtree(out, ignore_errors=True)
        shutil.copytree(tmp_path / "earlier", out)
        run = subprocess.Popen(command(corpus, out), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        if kill % 2:  # a moment anywhere in the run
            time.sleep(rng.uniform(0.0, duration))
        else:  # a moment while the set is written and swapped in: after the staging folder appears
            delay = rng.uniform(0.0, 0.03)
            deadline = time.monotonic() + 60
            while run.poll() is None and time.monotonic() < deadline:
                if any(name.startswith(staging_prefix) for name in os.listdir(runs)):
                    at_swap += 1
                    time.sleep(delay)
                    break
                time.sleep(0.0005)
        if run.poll() is None:
            os.kill(run.pid, signal.SIGKILL)
        run.wait()
        assert out.is_dir(), f"kill {kill}: the output folder is missing"
        seen = snapshot(out)
        if seen == earlier:
            outcomes["earlier"] += 1
        else:
            assert seen == new, f"kill {kill}: a mixed output folder: {sorted(k for k in seen if seen.get(k) != new.get(k))}"
            outcomes["new"] += 1
        subprocess.run(command(corpus, out), check=True, capture_output=True)
        assert snapshot(out) == new, f"kill {kill}: the rerun differs from the uninterrupted run"
        assert leftovers(out) == [], f"kill {kill}: staging folders or temporaries survived the rerun"
    assert at_swap >= KILLS // 4, "the swap was not reached; the polling missed the staging folder"
    print(f"outcomes after {KILLS} kills: {outcomes}, {at_swap} during the swap")
    assert outcomes["earlier"] > 0 and outcomes["new"] > 0  # kills before and after the swap took effect
