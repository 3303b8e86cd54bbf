"""What report.html costs: generation time next to the run's, and the page size at 1M records.

Two measurements, printed as one table:

1. A real run. ``benchmarks/corpus.py`` builds ``--docs`` synthetic news pages
   (site templates, syndicated copies); :func:`cleaner.pipeline.run_paths`
   cleans them with the report off, then :func:`cleaner.report.write_report`
   writes the report of that output folder from the run's documents (exactly
   what ``cleaner run`` does at its end). Both are timed in this process, CPU
   time (``time.process_time``) and wall time, so the share is the report's
   cost relative to the run it belongs to.
2. Synthetic output folders of ``--synthetic`` records (documents.jsonl,
   clusters.jsonl, rejected.jsonl, manifest.json as `cleaner run` writes them:
   30% of the stories with 2-8 copies, 20,000 sites, 1% rejected, every
   member's source text longer than the examples' cut, the worst case for the
   page size). The report of each is built in a child process, so its peak
   memory (ru_maxrss) is its own.

The machine has 2 cores shared with other sessions: CPU time is the figure to
compare; wall time is shown for completeness.

    python benchmarks/bench_report.py --docs 100000 --synthetic 100000,1000000
"""
from __future__ import annotations

import argparse
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))


def real_run(docs: int, work: Path, corpus_path: str | None) -> dict:
    from cleaner.pipeline import RunOptions, run_paths
    from cleaner.report import write_report

    if corpus_path:
        path = Path(corpus_path)
    else:
        import corpus

        path = work / f"corpus-{docs}.jsonl"
        if not path.exists():
            with path.open("w") as handle:
                for record in corpus.build(docs):
                    handle.write(json.dumps(record) + "\n")
    out = work / "out"
    c0, w0 = time.process_time(), time.perf_counter()
    result = run_paths([str(path)], out, RunOptions(report=False))
    run_cpu, run_wall = time.process_time() - c0, time.perf_counter() - w0
    c0, w0 = time.process_time(), time.perf_counter()
    info = write_report(out, result.documents)
    report_cpu, report_wall = time.process_time() - c0, time.perf_counter() - w0
    c0, w0 = time.process_time(), time.perf_counter()
    (out / "report.html").unlink()
    write_report(out)  # `cleaner report OUT`: from the folder alone
    rebuild_cpu, rebuild_wall = time.process_time() - c0, time.perf_counter() - w0
    return {
        "inputs": result.manifest["counts"]["inputs"], "records": result.manifest["counts"]["records"],
        "run_cpu": run_cpu, "run_wall": run_wall, "report_cpu": report_cpu, "report_wall": report_wall,
        "rebuild_cpu": rebuild_cpu, "rebuild_wall": rebuild_wall, "bytes": info.bytes,
        "aggregate_cpu": info.aggregate_s, "render_cpu": info.render_s,
        "documents_bytes": (out / "documents.jsonl").stat().st_size,
    }


WORDS = ["council", "vote", "river", "school", "budget", "mayor", "police", "storm", "market", "health", "transport", "housing", "court", "energy", "water", "election", "hospital", "museum", "festival", "farmers", "rail", "bridge", "library", "park"]
KINDS = ("navigation", "see_also", "headline_list", "share_subscribe", "cookie_banner", "advertisement",
         "copyright", "site_footer", "photo_credit", "comment_form")


def write_synthetic(out: Path, n: int, seed: int = 11) -> None:
    """A `cleaner run`-shaped output folder of ``n`` story records."""
    rng = random.Random(seed)
    out.mkdir(parents=True, exist_ok=True)
    texts = [" ".join(rng.choice(WORDS) for _ in range(250)) for _ in range(64)]
    members = 0
    with (out / "documents.jsonl").open("w") as docs, (out / "clusters.jsonl").open("w") as rows:
        for i in range(n):
            cid = f"s{i:08d}"
            size = 1 if rng.random() < 0.7 else rng.randint(2, 8)
            provenance = []
            for k in range(size):
                mid = cid if k == 0 else f"{cid}-{k}"
                similarity = 1.0 if k == 0 else round(rng.uniform(0.3, 1.0), 4)
                kinds = rng.sample(KINDS, 3)
                provenance.append({"id": mid, "site": f"Site {rng.randrange(20_000)}", "url": None,
                                   "similarity": similarity, "removed": {k2: rng.randint(1, 4) for k2 in kinds},
                                   "removed_chars": {k2: rng.randint(20, 400) for k2 in kinds}, "chars": 12_000})
                rows.write(json.dumps({"id": mid, "cluster": f"c-{i:016x}", "canonical_id": cid, "similarity": similarity}) + "\n")
                members += 1
            text = texts[i % len(texts)]
            record = {"id": cid, "title": f"Story {i}", "text": text, "url": None, "date": None, "language": "en",
                      "site": provenance[0]["site"], "author": None, "mode": "text",
                      "attribution": {"original_publisher": None, "republished_by": [], "notices": []},
                      "cluster": {"id": f"c-{i:016x}", "size": size, "reason": "most complete clean copy"},
                      "members": [m["id"] for m in provenance], "provenance": provenance,
                      "removed": [{"start": 0, "end": 40, "kind": "navigation", "reason": "navigation link"}],
                      "origin": {"path": "corpus.jsonl", "line": i + 1}}
            docs.write(json.dumps(record, separators=(", ", ": ")) + "\n")
    rejected = n // 100
    with (out / "rejected.jsonl").open("w") as handle:
        for j in range(rejected):
            handle.write(json.dumps({"id": f"r{j:08d}", "stage": "read", "reason": f"invalid JSON at column {j % 50}",
                                     "path": "corpus.jsonl", "line": j}) + "\n")
    manifest = {"cleaner": "0.1.0", "versions": {"python": "3.11"}, "parameters": {"dedup_params": {"threshold": 0.5}},
                "counts": {"inputs": members + rejected, "documents": members, "rejected": rejected,
                           "records": n}, "timings_s": {"read": 1.0}}
    (out / "manifest.json").write_text(json.dumps(manifest))


def report_child(folder: str) -> None:
    """Runs in a child process of its own (so its peak memory is the report's): time the report of a folder.

    The run's documents are handed over as a stream, as a streaming run would: one Document per
    input id of clusters.jsonl, made on the fly.
    """
    from cleaner.records import Document, Span
    from cleaner.report import write_report

    out = Path(folder)
    source = " ".join(WORDS) * 60  # > the examples' cut: the page's worst case
    spans = [Span(k * 300, k * 300 + 120, KINDS[k % len(KINDS)], "a reason of some length") for k in range(30)]

    def documents():
        with (out / "clusters.jsonl").open() as handle:
            for line in handle:
                yield Document(id=json.loads(line)["id"], content="", text=source[:6000], source_text=source, removed=spans)

    base = _peak_rss_mb()
    c0, w0 = time.process_time(), time.perf_counter()
    info = write_report(out, documents())
    cpu, wall = time.process_time() - c0, time.perf_counter() - w0
    peak = _peak_rss_mb()
    size = sum((out / f).stat().st_size for f in ("documents.jsonl", "clusters.jsonl", "rejected.jsonl"))
    manifest = json.loads((out / "manifest.json").read_text())
    print(json.dumps({"records": manifest["counts"]["records"], "members": manifest["counts"]["documents"], "cpu": cpu, "wall": wall, "bytes": info.bytes,
                      "aggregate_cpu": info.aggregate_s, "render_cpu": info.render_s, "input_bytes": size,
                      "rss_before_mb": base, "rss_peak_mb": peak}))


def _peak_rss_mb() -> float:
    """This process's peak resident memory (VmHWM: reset by exec, unlike ru_maxrss on Linux)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--docs", type=int, default=100_000, help="documents of the real run (0: skip it)")
    parser.add_argument("--corpus", help="a JSONL corpus to run instead of building one")
    parser.add_argument("--synthetic", default="100000,1000000", help="record counts of the synthetic folders")
    parser.add_argument("--work", help="working folder (default: a temporary one)")
    parser.add_argument("--build-child", nargs=2, metavar=("N", "FOLDER"), help=argparse.SUPPRESS)
    parser.add_argument("--report-child", metavar="FOLDER", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.build_child:
        write_synthetic(Path(args.build_child[1]), int(args.build_child[0]))
        return
    if args.report_child:
        report_child(args.report_child)
        return
    with tempfile.TemporaryDirectory(prefix="bench-report-", dir=args.work) as tmp:
        work = Path(tmp)
        print(f"# bench_report  {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}  cores={os.cpu_count()}  "
              f"load={os.getloadavg()[0]:.1f}")
        if args.docs or args.corpus:
            r = real_run(args.docs, work, args.corpus)
            print("\n## report vs run (same process; CPU s = time.process_time)\n")
            print("| inputs | stories | run CPU s | run wall s | report CPU s | report wall s | report/run (CPU) | "
                  "rebuild (`cleaner report`) CPU s | page kB | documents.jsonl MB |")
            print("|---|---|---|---|---|---|---|---|---|---|")
            print(f"| {r['inputs']:,} | {r['records']:,} | {r['run_cpu']:.1f} | {r['run_wall']:.1f} | {r['report_cpu']:.2f} | "
                  f"{r['report_wall']:.2f} | {100 * r['report_cpu'] / r['run_cpu']:.2f}% | {r['rebuild_cpu']:.2f} | "
                  f"{r['bytes'] / 1024:.0f} | {r['documents_bytes'] / 2**20:.0f} |")
        sizes = [int(s) for s in args.synthetic.split(",") if s]
        if sizes:
            print("\n## synthetic output folders (report alone, child process)\n")
            print("| records | inputs | output MB | report CPU s | wall s | aggregate CPU s | render CPU s | page kB | "
                  "page < 5 MB | peak RSS MB (before) |")
            print("|---|---|---|---|---|---|---|---|---|---|")
        for n in sizes:
            folder = work / f"synthetic-{n}"
            subprocess.run([sys.executable, __file__, "--build-child", str(n), str(folder)], check=True)
            child = subprocess.run([sys.executable, __file__, "--report-child", str(folder)],
                                   capture_output=True, text=True, check=True)
            s = json.loads(child.stdout.strip().splitlines()[-1])
            print(f"| {s['records']:,} | {s['members']:,} | {s['input_bytes'] / 2**20:.0f} | {s['cpu']:.1f} | {s['wall']:.1f} | "
                  f"{s['aggregate_cpu']:.1f} | {s['render_cpu']:.2f} | {s['bytes'] / 1024:.0f} | "
                  f"{'yes' if s['bytes'] < 5 * 2**20 else 'NO'} | {s['rss_peak_mb']:.0f} ({s['rss_before_mb']:.0f}) |")


if __name__ == "__main__":
    main()
