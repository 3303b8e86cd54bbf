"""Hostile inputs at the sizes issue 13 reported: per kind, wall time, CPU time, peak RSS and outcome.

Each kind of tests/hostile.py is written alone into a fresh folder and cleaned by a fresh
``python -m cleaner run`` process (defaults, no options), so its time and peak RSS are its own
(``os.wait4`` of that process). Goals: every record accounted for, no traceback, peak RSS
<= 2 GB. Sizes: ``--scale 8`` gives a 2 GiB gzip bomb, 800k attributes on one element
(about 10 MB), a 200 MB text document and a 40 MB JSONL line.

    python benchmarks/bench_hostile.py [--scale 8] [--kinds gzip-bomb,huge-text]
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
KINDS = ["plain", "html", "empty", "binary", "latin1-name", "fifo", "broken-symlink", "jsonl-bad-lines",
         "surrogate-fields", "nul-id", "duplicate-id", "gzip-bomb", "broken-gzip", "many-attributes", "deep-nesting",
         "huge-text", "huge-jsonl-line", "parquet-types", "broken-parquet", "broken-warc", "utf16", "noise-only",
         "at-the-cap"]


def run_one(kind: str, scale: int, work: Path) -> dict:
    folder = work / kind
    t0 = time.perf_counter()
    # Written by a child process: a child's peak RSS starts from its parent's (Linux keeps the
    # high-water mark across fork and exec), and building a 200 MB line costs this process 600 MB.
    records = subprocess.run(
        [sys.executable, "-c", "import sys; sys.path.insert(0, sys.argv[1]); from pathlib import Path; "
         "from hostile import write_hostile_corpus; "
         "print(write_hostile_corpus(Path(sys.argv[2]), scale=int(sys.argv[3]), only={sys.argv[4]}).records)",
         str(ROOT / "tests"), str(folder / "in"), str(scale), kind],
        capture_output=True, text=True, check=True,
    ).stdout.strip()
    expected_records = int(records)
    written_s = time.perf_counter() - t0
    size = sum(p.lstat().st_size for p in (folder / "in").rglob("*"))
    out = folder / "out"
    t0 = time.perf_counter()
    usage_file = folder / "usage.json"
    proc = subprocess.Popen([sys.executable, "-c", _MEASURED, str(usage_file), "run", str(folder / "in"), "-o", str(out)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, "PYTHONPATH": str(ROOT)})
    try:
        stdout, stderr = proc.communicate(timeout=900)
    except subprocess.TimeoutExpired:
        proc.kill()
        stdout, stderr = proc.communicate()
    wall = time.perf_counter() - t0
    usage = json.loads(usage_file.read_text()) if usage_file.exists() else None
    clusters = rejected = 0
    reasons: list[str] = []
    if (out / "clusters.jsonl").exists():
        clusters = len((out / "clusters.jsonl").read_text(encoding="utf-8").splitlines())
        rows = [json.loads(x) for x in (out / "rejected.jsonl").read_text(encoding="utf-8").splitlines()]
        rejected = len(rows)
        reasons = sorted({r["reason"][:60] for r in rows})
    shutil.rmtree(folder, ignore_errors=True)
    return {
        "kind": kind, "input MB": size / 1e6, "records": expected_records, "kept": clusters, "rejected": rejected,
        "accounted": clusters + rejected == expected_records, "exit": proc.returncode, "traceback": "Traceback" in stderr,
        "wall s": wall, "cpu s": usage["cpu"] if usage else float("nan"),
        "peak RSS MB": usage["maxrss_kb"] / 1024 if usage else float("nan"), "reason": reasons[0] if reasons else "",
        "write s": written_s,
    }


# The cleaner CLI in a process that writes its own CPU time and peak RSS when it exits.
_MEASURED = """
import atexit, json, resource, runpy, sys
def _report(path=sys.argv[1]):
    u = resource.getrusage(resource.RUSAGE_SELF)
    c = resource.getrusage(resource.RUSAGE_CHILDREN)
    with open(path, "w") as fh:
        json.dump({"cpu": u.ru_utime + u.ru_stime + c.ru_utime + c.ru_stime, "maxrss_kb": max(u.ru_maxrss, c.ru_maxrss)}, fh)
atexit.register(_report)
sys.argv = ["cleaner"] + sys.argv[2:]
runpy.run_module("cleaner", run_name="__main__")
"""


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--scale", type=int, default=8)
    parser.add_argument("--kinds", default=",".join(KINDS))
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench-hostile-"))
    rows = [run_one(k, args.scale, work) for k in args.kinds.split(",")]
    shutil.rmtree(work, ignore_errors=True)
    print(f"cleaner on hostile inputs, scale {args.scale}; one fresh process per kind, defaults; CPU = user+sys of that"
          f" process; machine: {os.cpu_count()} cores, shared with other jobs (loaded)\n")
    print("| kind | input MB | records | kept | rejected | accounted | exit | traceback | wall s | CPU s | peak RSS MB | first reason |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['kind']} | {r['input MB']:.1f} | {r['records']} | {r['kept']} | {r['rejected']} | {'yes' if r['accounted'] else 'NO'} "
              f"| {r['exit']} | {'YES' if r['traceback'] else 'no'} | {r['wall s']:.2f} | {r['cpu s']:.2f} | {r['peak RSS MB']:.0f} "
              f"| {r['reason']} |")
    worst = max(r["peak RSS MB"] for r in rows)
    print(f"\naccounted: {sum(r['accounted'] for r in rows)}/{len(rows)} kinds; tracebacks: {sum(r['traceback'] for r in rows)}; "
          f"peak RSS max {worst:.0f} MB (goal <= 2048)")


if __name__ == "__main__":
    main()
