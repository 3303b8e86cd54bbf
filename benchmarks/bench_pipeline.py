"""End to end: `cleaner run` on every development set, scored with the reference scorer.

One table of what a user gets from the CLI (all stages, default options),
next to the reference figures of BASELINES.md (off-the-shelf anchors measured
by the eval kit; the per-stage benchmarks re-measure the anchors side by side
in their own runs). Wall time includes process start-up and writing.

    python benchmarks/bench_pipeline.py [--workers 2]
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EVAL = ROOT.parent / "shared" / "eval"
WORK = ROOT / "benchmarks" / "_work" / "pipeline"

# (name, input, extra cleaner args, gold, scorer tasks, reference figures from BASELINES.md)
SETS = [
    ("aeb-text (text mode)", "aeb-text/txt", ["--no-dedup"], "aeb-text/ground-truth.json", ["extraction"],
     "best anchor jusText F1 0.736"),
    ("aeb (HTML mode)", "aeb/html", ["--no-dedup"], "aeb/ground-truth.json", ["extraction"],
     "trafilatura favor_precision F1 0.964"),
    ("syndication-dev txt, per copy", "syndication-dev/corpus.jsonl", ["--no-dedup"], "syndication-dev/labels.jsonl", ["extraction"],
     "best anchor jusText F1 0.739"),
    ("syndication-dev txt, deduplicated", "syndication-dev/corpus.jsonl", [], "syndication-dev/labels.jsonl", ["clusters", "canonical"],
     "datasketch LSH on raw text ARI 0.443"),
    ("syndication-dev html, deduplicated", "syndication-dev/html", [], "syndication-dev/labels.jsonl", ["clusters", "canonical"],
     "trafilatura + datasketch LSH ARI 0.951, canonical F1 0.906"),
    ("readability txt (text mode)", "readability/txt", ["--no-dedup"], "readability/ground-truth.json", ["extraction"],
     "jusText F1 0.816 (eval README)"),
    ("readability (HTML mode)", "readability/html", ["--no-dedup"], "readability/ground-truth.json", ["extraction"],
     "trafilatura F1 0.928, bare_extraction 0.939 (eval README)"),
    # the second syndicated set, made by benchmarks/make_syndication2.py (generated when missing)
    ("syndication2 txt, per copy", "@syndication2/corpus.jsonl", ["--no-dedup"], "@syndication2/labels.jsonl", ["extraction"],
     "bench_clusters.py measures datasketch on it"),
    ("syndication2 txt, deduplicated", "@syndication2/corpus.jsonl", [], "@syndication2/labels.jsonl", ["clusters", "canonical"],
     "bench_clusters.py measures datasketch on it"),
]
SYNDICATION2 = ROOT / "benchmarks" / "_work" / "syndication2"


def located(path: str) -> Path:
    """A set's path: in the eval kit, or (``@syndication2/...``) in the generated second set."""
    if path.startswith("@syndication2/"):
        if not (SYNDICATION2 / "labels.jsonl").exists():
            subprocess.run([sys.executable, str(ROOT / "benchmarks" / "make_syndication2.py"), "--out", str(SYNDICATION2)], check=True)
        return SYNDICATION2 / path.split("/", 1)[1]
    return EVAL / path


def score(task: str, gold: Path, pred: Path) -> dict:
    args = [sys.executable, str(EVAL / "score.py"), task, "--gold", str(gold), "--pred", str(pred), "--json"]
    if "syndication" in str(gold) and task != "canonical":
        args.append("--restrict")  # the html set has one doc without HTML
    return json.loads(subprocess.run(args, capture_output=True, text=True, check=True).stdout)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    if not EVAL.exists():
        raise SystemExit(f"needs the evaluation sets at {EVAL}")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    print(f"cleaner run, --workers {args.workers}, {os.cpu_count()} cores")
    print()
    print("| set | docs | wall s | docs/s | figures | reference (BASELINES.md) |")
    print("|---|---|---|---|---|---|")
    for name, source, extra, gold, tasks, reference in SETS:
        out = WORK / "-".join(name.split()[:2]) / ("dedup" if not extra else "nodedup")
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-m", "cleaner", "run", str(located(source)), "-o", str(out), "--workers", str(args.workers), *extra],
                       env=env, check=True, capture_output=True)
        wall = time.perf_counter() - t0
        docs = sum(1 for _ in open(out / "clusters.jsonl"))
        figures = []
        for task in tasks:
            pred = out / ("clusters.jsonl" if task == "clusters" else "documents.jsonl")
            s = score(task, located(gold), pred)
            if task == "extraction":
                figures.append(f"F1 {s['f1']:.3f} (P {s['precision']:.3f}, R {s['recall']:.3f})")
            elif task == "clusters":
                figures.append(f"pairwise F1 {s['pairwise_f1']:.3f}, ARI {s['ari']:.3f}")
            else:
                figures.append(f"canonical mean F1 {s['mean_f1']:.3f} (F1 {s['f1']:.3f}), one record per story "
                               f"{s['share_one_record']:.3f}, mixed records {s['mixed_records']}")
        print(f"| {name} | {docs} | {wall:.1f} | {docs / wall:.0f} | {'; '.join(figures)} | {reference} |")


if __name__ == "__main__":
    main()
