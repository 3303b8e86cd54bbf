"""How long the pre-commit data step takes in a 10,000-document data repository.

Goal (issue 6): a commit that touches one file finishes in under 5 s warm.
Measured side by side in one run: the cold first run (every document
extracted, stripped and signed), a warm run with nothing changed, a warm run
after one raw file changed, after one new syndicated copy was added, and
after one file was deleted; and, as the anchor, a plain `cleaner run` of the
same corpus with no cache (what the hook would cost without one). Every
timing is the whole hook process as pre-commit starts it
(`python -m cleaner precommit --fix`), interpreter start-up included: wall
time, and CPU time (user + sys of the process and its pool workers: the
figure to compare on a shared machine).

    python benchmarks/bench_precommit.py [--docs 10000]
"""
from __future__ import annotations

import argparse
import os
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from corpus import build  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent


def timed(cwd: Path, *args: str) -> tuple[float, float, int]:
    """(wall s, CPU s: user + sys of the process and its workers, exit code) of one hook run."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), "PRE_COMMIT": "1"}
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "cleaner", *args], cwd=cwd, env=env, capture_output=True, text=True)
    elapsed = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode not in (0, 1):
        raise SystemExit(f"{args} failed ({proc.returncode}):\n{proc.stderr}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return elapsed, cpu, proc.returncode


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--docs", type=int, default=10_000)
    parser.add_argument("--work", type=Path, default=ROOT / "benchmarks" / "_work" / "precommit")
    args = parser.parse_args()

    repo = args.work / f"repo-{args.docs}"
    shutil.rmtree(repo, ignore_errors=True)
    (repo / "raw").mkdir(parents=True)
    records = build(args.docs)
    for r in records:
        (repo / "raw" / f"{r['id']}.txt").write_text(r["text"])
    (repo / "pyproject.toml").write_text('[tool.cleaner]\ninputs = ["raw"]\noutput = "clean"\n')
    subprocess.run(["git", "init", "-q"], cwd=repo, check=True)
    # The hook reads what git tracks or has staged (as in a real commit): stage the raw files.
    subprocess.run(["git", "add", "raw", "pyproject.toml"], cwd=repo, check=True)
    size_mb = sum(len(r["text"].encode()) for r in records) / 1e6

    rows = []
    load = os.getloadavg()[0]
    cold = timed(repo, "precommit", "--fix")
    rows.append(("first run (cold cache)", *cold))
    rows.append(("nothing changed (warm)", *timed(repo, "precommit", "--fix")))
    first = repo / "raw" / f"{records[0]['id']}.txt"
    first.write_text(first.read_text().replace("Home |", "Home | Weather |"))
    rows.append(("one raw file edited (warm)", *timed(repo, "precommit", "--fix")))
    (repo / "raw" / "new-copy.txt").write_text(records[5]["text"].replace("Share this article", "Share"))
    subprocess.run(["git", "add", "raw/new-copy.txt"], cwd=repo, check=True)
    rows.append(("one new syndicated copy added (warm)", *timed(repo, "precommit", "--fix")))
    (repo / "raw" / "new-copy.txt").unlink()
    subprocess.run(["git", "add", "-A", "raw"], cwd=repo, check=True)
    rows.append(("one raw file deleted (warm)", *timed(repo, "precommit", "--fix")))
    rows.append(("check, nothing stale (warm)", *timed(repo, "precommit", "--check")))
    anchor = timed(repo, "run", "raw", "-o", str(args.work / "plain-run"))
    rows.append(("anchor: `cleaner run` without cache", *anchor))

    print(f"corpus: {len(records)} documents, {size_mb:.1f} MB of text; cpu cores: {os.cpu_count()}")
    print()
    print(f"load average before: {load:.2f}")
    print()
    print("| step | wall s | CPU s | exit |")
    print("|---|---|---|---|")
    for name, seconds, cpu, code in rows:
        print(f"| {name} | {seconds:.2f} | {cpu:.2f} | {code} |")


if __name__ == "__main__":
    main()
