"""End-to-end scale: real `cleaner run` processes on corpora of syndication-dev's shape, vs datatrove.

Usage::

    .venv/bin/python benchmarks/bench_scale.py [--sizes 20000,100000] [--workers 2] [--data /work/scale_data]
        [--datatrove 100000] [--dask 100000]

Each run is a fresh process (``python -m cleaner run CORPUS -o OUT --workers W``,
text mode, de-duplication on: the defaults). Measured from outside: wall time,
CPU seconds of the whole process tree (``RUSAGE_CHILDREN``: the run and the
workers it waited for), and peak memory of the whole process tree, polled
every 0.2 s with psutil: the sum of RSS over the run and its children
(shared pages counted in every process: an upper bound) and the sum of PSS
(shared pages split between the processes that map them). docs/s per core =
documents / CPU seconds. The machine is shared (2 cores, other jobs): CPU
seconds are the figure to compare, wall time is what this load gave.

Corpora are made by ``benchmarks/scale_corpus.py`` (the dev set's 547
records, replicated with the story words swapped per replica), once, in
``--data``. The datatrove anchor runs its MinHash example pipeline
(``benchmarks/datatrove_minhash.py``) on the same corpus split into 2 x
workers files (it parallelises by file). ``--dask N`` also runs the N corpus
on a real ``dask scheduler`` + ``--workers`` ``dask worker`` processes on
127.0.0.1: the tree's figures then count the scheduler and the workers too
(their CPU as the change of their processes' CPU times over the run), and
"driver" is the ``cleaner run`` process alone (its peak RSS, and its CPU
seconds: there the run's own children, none with a scheduler).

A run that de-duplicates streams (:func:`cleaner.pipeline.streams`: the
streaming driver calls the steps of ``cleaner.neardup.dedup_documents``, same
bytes as in memory); ``--no-dedup`` measures the streaming path with one
record per input.
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable


def corpus(data: Path, n: int) -> Path:
    path = data / f"c{n // 1000}k.jsonl"
    if not path.exists():
        subprocess.run([PY, str(ROOT / "benchmarks" / "scale_corpus.py"), str(n), str(path)], check=True)
    return path


def _tree(pid: int) -> list[psutil.Process]:
    try:
        p = psutil.Process(pid)
        return [p, *p.children(recursive=True)]
    except psutil.NoSuchProcess:
        return []


def _cpu(processes) -> float:
    """User + system CPU seconds of live processes (their own, not their children's)."""
    total = 0.0
    for p in processes:
        try:
            t = p.cpu_times()
            total += t.user + t.system
        except psutil.NoSuchProcess:
            pass
    return total


def monitor(command: list[str], env: dict | None = None, extra_pids=()) -> dict:
    """Run ``command``; wall, CPU of the tree, peak RSS/PSS sums of the tree. ``extra_pids``
    (a Dask scheduler and its workers, not children of the run): their process trees are counted
    in the tree's peak RSS/PSS and CPU too (their CPU as the change of their live processes'
    CPU times over the run), and their RSS on its own as ``extra_rss_mb``."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    extras = {p.pid: p for pid in extra_pids for p in _tree(pid)}
    extra_cpu_before = {pid: _cpu([p]) for pid, p in extras.items()}
    started = time.perf_counter()
    proc = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    root = psutil.Process(proc.pid)
    peak_rss = peak_pss = peak_root = peak_extra = 0
    polls = 0
    timeline: list[tuple[float, int]] = []  # (seconds since the start, the run's own RSS)
    while proc.poll() is None:
        try:
            tree = [root, *root.children(recursive=True)]
        except psutil.NoSuchProcess:
            break
        rss = pss = extra = 0
        for pid in extra_pids:
            for p in _tree(pid):
                extras.setdefault(p.pid, p)
        for p in tree + list(extras.values()):
            try:
                r = p.memory_info().rss
                rss += r
                if p.pid in extras:
                    extra += r
                if polls % 5 == 0:
                    pss += p.memory_full_info().pss
            except (psutil.NoSuchProcess, psutil.AccessDenied):
                pass
        try:
            root_rss = root.memory_info().rss
            peak_root = max(peak_root, root_rss)
            timeline.append((time.perf_counter() - started, root_rss))
        except psutil.NoSuchProcess:
            pass
        peak_rss, peak_pss, peak_extra = max(peak_rss, rss), max(peak_pss, pss), max(peak_extra, extra)
        polls += 1
        time.sleep(0.2)
    _, err = proc.communicate()
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed ({proc.returncode}):\n{err.decode()[-3000:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    driver_cpu = cpu
    cpu += sum(_cpu([p]) - extra_cpu_before.get(pid, 0.0) for pid, p in extras.items())
    return {"wall_s": wall, "cpu_s": cpu, "driver_cpu_s": driver_cpu, "peak_rss_mb": peak_rss / 2**20,
            "peak_pss_mb": peak_pss / 2**20, "driver_rss_mb": peak_root / 2**20, "extra_rss_mb": peak_extra / 2**20, "timeline": timeline}


def run_cleaner(path: Path, out: Path, workers: int, extra: list[str] = (), extra_pids=()) -> dict:
    shutil.rmtree(out, ignore_errors=True)
    m = monitor([PY, "-m", "cleaner", "run", str(path), "-o", str(out), "--workers", str(workers), *extra],
                extra_pids=extra_pids)
    manifest = json.loads((out / "manifest.json").read_text())
    m["timings"] = manifest["timings_s"]
    m["driver_rss_by_stage_mb"] = by_stage(m.pop("timeline"), m["wall_s"], m["timings"])
    m["records"] = manifest["counts"]["records"]
    m["inputs"] = manifest["counts"]["inputs"]
    return m


STAGES = ("read", "evidence", "strip", "dedup", "write")  # in the order a run goes through them


def by_stage(timeline: list[tuple[float, int]], wall: float, timings: dict) -> dict[str, float]:
    """The run's own peak RSS (MB) in each stage: the stages' wall times laid end to end back from
    the end of the run (what comes before the first one is start-up)."""
    bounds, end = {}, wall
    for stage in reversed(STAGES):
        start = end - timings.get(stage, 0.0)
        bounds[stage] = (start, end)
        end = start
    out = {"start-up": max((r for t, r in timeline if t < end), default=0) / 2**20}
    for stage in STAGES:
        lo, hi = bounds[stage]
        out[stage] = max((r for t, r in timeline if lo <= t < hi), default=0) / 2**20
    return {k: round(v) for k, v in out.items()}


def run_datatrove(path: Path, work: Path, workers: int) -> dict:
    shutil.rmtree(work, ignore_errors=True)
    split = work / "input"
    split.mkdir(parents=True)
    files = [open(split / f"part-{k}.jsonl", "w", encoding="utf-8") for k in range(2 * workers)]
    with open(path, encoding="utf-8") as handle:
        for i, line in enumerate(handle):
            files[i % len(files)].write(line)
    for f in files:
        f.close()
    m = monitor([PY, str(ROOT / "benchmarks" / "datatrove_minhash.py"), str(split), str(work / "run"), str(workers)])
    m.pop("timeline")
    import gzip

    output = work / "run" / "output"
    kept = sum(1 for p in output.glob("*.jsonl.gz") for _ in gzip.open(p, "rb")) if output.is_dir() else None
    m["records"] = kept
    return m


def start_dask(workers: int, logs: Path) -> tuple[str, list[subprocess.Popen]]:
    from distributed import Client

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    address = f"tcp://127.0.0.1:{port}"
    logs.mkdir(parents=True, exist_ok=True)
    procs = [subprocess.Popen([PY, "-m", "distributed.cli.dask_scheduler", "--host", "127.0.0.1", "--port", str(port),
                               "--no-dashboard"], stdout=open(logs / "scheduler.log", "w"), stderr=subprocess.STDOUT)]
    for k in range(workers):
        procs.append(subprocess.Popen([PY, "-m", "distributed.cli.dask_worker", address, "--nthreads", "1", "--no-dashboard",
                                       "--memory-limit", "0"], stdout=open(logs / f"w{k}.log", "w"), stderr=subprocess.STDOUT))
    deadline = time.monotonic() + 120
    while True:
        try:
            with Client(address, timeout="5s") as client:
                client.wait_for_workers(workers, timeout=60)
            return address, procs
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.5)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="20000,100000")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--data", default="/work/scale_data")
    parser.add_argument("--datatrove", type=int, default=100000, help="size for the datatrove anchor (0: skip)")
    parser.add_argument("--dask", type=int, default=0, help="size for the real-scheduler Dask run (0: skip)")
    parser.add_argument("--no-dedup", action="store_true", help="one record per input: the streaming path")
    args = parser.parse_args()
    flags = ["--no-dedup"] if args.no_dedup else []
    data = Path(args.data)
    data.mkdir(parents=True, exist_ok=True)
    rows = []
    for n in [int(s) for s in args.sizes.split(",") if s]:
        path = corpus(data, n)
        m = run_cleaner(path, data / f"out-{n}", args.workers, flags)
        rows.append(("cleaner run", n, m))
        print(json.dumps({"tool": "cleaner", "n": n, **m}), flush=True)
    if args.dask:
        path = corpus(data, args.dask)
        address, procs = start_dask(args.workers, data / "dask-logs")
        try:
            pids = [p.pid for p in procs]  # the scheduler, the workers' nannies (and the workers under them)
            m = run_cleaner(path, data / f"out-dask-{args.dask}", args.workers, ["--engine", "dask", "--scheduler", address, *flags],
                            extra_pids=pids)
        finally:
            for p in reversed(procs):
                p.terminate()
            for p in procs:
                p.wait(timeout=30)
        rows.append(("cleaner run --engine dask (real scheduler)", args.dask, m))
        print(json.dumps({"tool": "cleaner-dask", "n": args.dask, **m}), flush=True)
    if args.datatrove:
        path = corpus(data, args.datatrove)
        m = run_datatrove(path, data / "datatrove", args.workers)
        rows.append(("datatrove MinHash (4 stages)", args.datatrove, m))
        print(json.dumps({"tool": "datatrove", "n": args.datatrove, **m}), flush=True)

    print(f"\nmachine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} at the end; workers {args.workers}\n")
    print("| run | docs | wall s | CPU s | docs/s per core (CPU) | peak RSS tree MB | peak PSS tree MB | driver RSS MB | "
          "driver CPU s | records |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for name, n, m in rows:
        print(f"| {name} | {n:,} | {m['wall_s']:.1f} | {m['cpu_s']:.1f} | {n / m['cpu_s']:.0f} | {m['peak_rss_mb']:.0f} | "
              f"{m['peak_pss_mb']:.0f} | {m['driver_rss_mb']:.0f} | {m.get('driver_cpu_s', m['cpu_s']):.1f} | {m.get('records')} |")
    for name, n, m in rows:
        if "timings" in m:
            print(f"\n{name} {n:,}: stage wall times {m['timings']}; driver peak RSS MB by stage "
                  f"{m['driver_rss_by_stage_mb']}")


if __name__ == "__main__":
    main()
