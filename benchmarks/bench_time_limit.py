"""Cost of the per-document time limit at --workers 1: in-process (--time-limit none) against one
killable worker process (the default, 60 s), `cleaner run` end to end, interleaved runs.

    .venv/bin/python benchmarks/bench_time_limit.py [REPEATS]

Wall: best of REPEATS; CPU: user+system of the run and its worker (RUSAGE_CHILDREN), best of REPEATS.
"""
from __future__ import annotations

import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SETS = {"samples": ROOT / "samples", "aeb-text": ROOT.parent / "shared" / "eval" / "aeb-text" / "txt"}
CONFIGS = {"in-process (--time-limit none)": ["--time-limit", "none"], "one killable worker (60 s)": []}


def one_run(source: Path, extra: list[str]) -> tuple[float, float]:
    with tempfile.TemporaryDirectory() as out:
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        started = time.perf_counter()
        subprocess.run([sys.executable, "-m", "cleaner", "run", str(source), "-o", out, "--workers", "1", "--no-report", *extra],
                       check=True, capture_output=True)
        wall = time.perf_counter() - started
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime


def main() -> None:
    repeats = int(sys.argv[1]) if len(sys.argv) > 1 else 5
    print(f"| set | configuration | wall s (best of {repeats}) | CPU s (best of {repeats}) |")
    print("|---|---|---:|---:|")
    for name, source in SETS.items():
        if not source.exists():
            continue
        best: dict[str, list[float]] = {c: [float("inf"), float("inf")] for c in CONFIGS}
        for _ in range(repeats):
            for config, extra in CONFIGS.items():
                wall, cpu = one_run(source, extra)
                best[config] = [min(best[config][0], wall), min(best[config][1], cpu)]
        for config, (wall, cpu) in best.items():
            print(f"| {name} | {config} | {wall:.2f} | {cpu:.2f} |")


if __name__ == "__main__":
    main()
