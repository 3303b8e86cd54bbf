"""Clustering stage at 10k, 100k and 1M documents: time and peak memory, vs datasketch MinHashLSH.

Usage::

    /work/venv/bin/python benchmarks/bench_cluster_scale.py [--sizes 10000,100000,1000000] [--anchor-max 100000]

Each size runs in a fresh subprocess so that its peak resident memory
(``ru_maxrss``) is its own.

Corpus.  Stories are synthetic text made from real text: words drawn from the
word frequencies of the eval kit's articles (syndication-dev gold text + AEB
ground truth), in sentences of real lengths, 4-12 paragraphs.  A third of the
stories get 1-7 near-duplicate copies (the dev set's shape): the last 0-3
paragraphs dropped, a paragraph split or merged, straight/curly quote swaps,
0-3 site lines inserted.

Signatures.  Up to ``--text-max`` documents the signatures are computed from
that text by cleaner (``sign_texts``; time reported separately).  Above it
(1M), computing 1M text signatures would dominate the run and is not the
clustering stage, so signatures are synthesised with MinHash statistics: an
original story gets 128 independent values distributed like minima over ~300
shingles; a copy with Jaccard J to its original (J drawn from the Jaccards
the text corpus shows, 0.45-1.0) keeps each value with probability J and draws
the others afresh.  Shingle counts are drawn to match.

Clustering stage = band keys + candidate pairs + verification (estimated
Jaccard / containment) + connected components with the chaining guard.  The
anchor is datasketch ``MinHashLSH`` (dict storage, same bands/rows) fed the
same signatures as ``LeanMinHash``: insert all, query all - candidates only,
no verification or clustering.
"""
from __future__ import annotations

import argparse
import json
import random
import re
import resource
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

_WORD = re.compile(r"\w+|[^\w\s]")


def vocabulary(eval_dir: Path) -> tuple[list[str], np.ndarray, list[int]]:
    texts = [json.loads(line)["clean_text"] for line in (eval_dir / "syndication-dev" / "labels.jsonl").open()]
    texts += [v["articleBody"] for v in json.loads((eval_dir / "aeb" / "ground-truth.json").read_text()).values()]
    counts = Counter(w for t in texts for w in re.findall(r"[A-Za-z][A-Za-z'’-]*", t))
    words = sorted(counts)
    weights = np.array([counts[w] for w in words], dtype=float)
    lengths = [len(s.split()) for t in texts for s in re.split(r"(?<=[.!?])\s+", t) if 3 <= len(s.split()) <= 60]
    return words, weights / weights.sum(), lengths


def make_texts(n: int, eval_dir: Path, seed: int = 0) -> tuple[list[str], list[int]]:
    """n documents: stories and their copies; returns texts and story ids."""
    words, probs, lengths = vocabulary(eval_dir)
    cdf = np.cumsum(probs)
    rng = random.Random(seed)
    nprng = np.random.default_rng(seed)
    texts: list[str] = []
    story_of: list[int] = []
    story = 0
    while len(texts) < n:
        paras = []
        for _ in range(rng.randint(4, 12)):
            sentences = []
            for _ in range(rng.randint(1, 4)):
                k = rng.choice(lengths)
                ws = [words[i] for i in np.minimum(np.searchsorted(cdf, nprng.random(k)), len(words) - 1)]
                sentences.append(" ".join(ws).capitalize() + ".")
            paras.append(" ".join(sentences))
        texts.append("\n".join(paras))
        story_of.append(story)
        if rng.random() < 1 / 3:
            for _ in range(rng.randint(1, 7)):
                if len(texts) >= n:
                    break
                copy = paras[: len(paras) - rng.randint(0, min(3, len(paras) // 3))]
                if len(copy) > 2 and rng.random() < 0.4:
                    k = rng.randrange(len(copy) - 1)
                    copy = copy[:k] + [copy[k] + " " + copy[k + 1]] + copy[k + 2 :]
                for _ in range(rng.randint(0, 3)):
                    copy.insert(rng.randrange(len(copy) + 1), f"Read more on site {rng.randrange(1000)}")
                text = "\n".join(copy)
                if rng.random() < 0.5:
                    text = text.replace("'", "’")
                texts.append(text)
                story_of.append(story)
        story += 1
    return texts[:n], story_of[:n]


def synthetic_signatures(n: int, num_perm: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Signatures with MinHash statistics (see the module doc); also sizes and story ids."""
    rng = np.random.default_rng(seed)
    sizes = rng.integers(80, 1200, size=n)
    # stories: a third have 1-7 copies, as in the text corpus
    story = np.empty(n, dtype=np.int64)
    is_copy = np.zeros(n, dtype=bool)
    i = s = 0
    while i < n:
        copies = int(rng.integers(1, 8)) if rng.random() < 1 / 3 else 0
        end = min(n, i + 1 + copies)
        story[i:end] = s
        is_copy[i + 1 : end] = True
        i, s = end, s + 1
    # an original's values: minima of ~size uniform 32-bit draws (in chunks,
    # so that generating does not set the peak memory)
    scale = (2**32 - 1) / np.maximum(sizes, 1).astype(np.float64)
    base = np.empty((s, num_perm), dtype=np.uint32)
    first_of = np.flatnonzero(~is_copy)
    sigs = np.empty((n, num_perm), dtype=np.uint32)
    jac = rng.uniform(0.45, 1.0, size=n)
    step = 65536
    for a in range(0, s, step):
        rows = first_of[a : a + step]
        base[a : a + rows.size] = (rng.random((rows.size, num_perm), dtype=np.float32) * scale[rows, None]).astype(np.uint32)
    for a in range(0, n, step):
        b = min(n, a + step)
        keep = rng.random((b - a, num_perm), dtype=np.float32) < jac[a:b, None]
        keep |= ~is_copy[a:b, None]
        fresh = (rng.random((b - a, num_perm), dtype=np.float32) * scale[a:b, None]).astype(np.uint32)
        sigs[a:b] = np.where(keep, base[story[a:b]], fresh)
    return sigs, sizes, story


def cluster_stage(sigs: np.ndarray, sizes: np.ndarray) -> dict:
    from cleaner.neardup import DedupParams, EdgeTest
    from cleaner.neardup.clusters import guarded_clusters
    from cleaner.neardup.lsh import band_keys, candidate_pairs

    params = DedupParams()
    bands, rows = params.band_rows
    n = sigs.shape[0]
    timings = {}
    t0 = time.perf_counter()
    keys = band_keys(sigs, bands, rows)
    timings["band keys"] = time.perf_counter() - t0
    t1 = time.perf_counter()
    ci, cj = candidate_pairs(keys, params.bucket_window)
    del keys
    timings["candidates"] = time.perf_counter() - t1
    t1 = time.perf_counter()
    test = EdgeTest(sigs, sizes, np.full(n, -1, dtype=np.int64), params)
    keep = test(ci, cj)
    ei, ej = ci[keep], cj[keep]
    timings["verify"] = time.perf_counter() - t1
    t1 = time.perf_counter()
    clusters = guarded_clusters(n, ei, ej, np.arange(n, dtype=np.int64), test)
    timings["clusters"] = time.perf_counter() - t1
    timings["total"] = time.perf_counter() - t0
    return {"timings": timings, "candidates": int(ci.size), "edges": int(ei.size), "clusters": len(clusters),
            "largest": int(clusters.sizes().max()), "split": clusters.split_by_guard,
            "labels": clusters.order, "starts": clusters.starts}


def pairwise_f1(order: np.ndarray, starts: np.ndarray, story: np.ndarray) -> tuple[float, float]:
    cluster = np.empty(order.size, dtype=np.int64)
    cluster[order] = np.repeat(np.arange(starts.size - 1), np.diff(starts))

    def pairs(labels):
        ordered = np.sort(labels)
        bounds = np.flatnonzero(np.diff(ordered)) + 1
        counts = np.diff(np.concatenate(([0], bounds, [ordered.size])))
        return int((counts * (counts - 1) // 2).sum())

    joint = pairs(cluster * (int(story.max()) + 1) + story)
    pred, gold = pairs(cluster), pairs(story)
    p = joint / pred if pred else 1.0
    r = joint / gold if gold else 1.0
    return p, r


def anchor(sigs: np.ndarray) -> dict:
    from datasketch import MinHashLSH

    from cleaner.neardup import DedupParams
    from cleaner.neardup.minhash import to_datasketch

    params = DedupParams()
    t0 = time.perf_counter()
    mhs = [to_datasketch(s, params.seed, lean=True) for s in sigs]
    t_wrap = time.perf_counter() - t0
    t0 = time.perf_counter()
    lsh = MinHashLSH(num_perm=params.num_perm, params=params.band_rows)
    with lsh.insertion_session() as session:
        for k, m in enumerate(mhs):
            session.insert(k, m, check_duplication=False)
    pairs = 0
    for k, m in enumerate(mhs):
        pairs += len(lsh.query(m)) - 1
    return {"seconds": time.perf_counter() - t0, "wrap": t_wrap, "pairs": pairs // 2}


def one_size(n: int, text_max: int, system: str, eval_dir: Path) -> dict:
    from cleaner.neardup import DedupParams
    from cleaner.neardup.minhash import sign_texts

    params = DedupParams()
    out: dict = {"n": n, "system": system}
    cache = ROOT / "benchmarks" / "_work" / "neardup" / f"scale_{n}_{min(n, text_max) == n}.npz"
    if cache.exists():  # the other system's run built these signatures already
        data = np.load(cache)
        sigs, sizes, story = data["sigs"], data["sizes"], data["story"]
        out["signatures"] = "from text" if n <= text_max else "synthetic"
        out["sign_seconds"] = float(data["sign_seconds"])
    elif n <= text_max:
        t0 = time.perf_counter()
        texts, story = make_texts(n, eval_dir)
        out["corpus_seconds"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        sigs, sizes = sign_texts(texts, params.num_perm, params.seed, params.ngram)
        out["sign_seconds"] = time.perf_counter() - t0
        del texts
        story = np.asarray(story)
        out["signatures"] = "from text"
    else:
        sigs, sizes, story = synthetic_signatures(n, params.num_perm)
        out["signatures"] = "synthetic"
    if not cache.exists():
        cache.parent.mkdir(parents=True, exist_ok=True)
        np.savez(cache, sigs=sigs, sizes=sizes, story=story, sign_seconds=out.get("sign_seconds", float("nan")))
    base_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    if system == "cleaner":
        res = cluster_stage(sigs, sizes)
        p, r = pairwise_f1(res.pop("labels"), res.pop("starts"), story)
        out.update(res, precision=p, recall=r)
    else:
        out.update(anchor(sigs))
    out["rss_before_mb"] = base_rss
    out["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--eval", default=str(ROOT.parent / "shared" / "eval"))
    ap.add_argument("--sizes", default="10000,100000,1000000")
    ap.add_argument("--text-max", type=int, default=100000, help="largest size whose signatures come from text")
    ap.add_argument("--anchor-max", type=int, default=100000)
    ap.add_argument("--one", nargs=2, metavar=("N", "SYSTEM"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.one:
        print(json.dumps(one_size(int(args.one[0]), args.text_max, args.one[1], Path(args.eval))))
        return
    print("| docs | system | signatures | sign s | band keys s | candidates s | verify s | clusters s | stage total s "
          "| peak RSS MB (before stage) | candidates | edges | clusters | largest | split by guard | pairwise P / R |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for n in (int(x) for x in args.sizes.split(",")):
        systems = ["cleaner"] + (["datasketch"] if n <= args.anchor_max else [])
        for system in systems:
            cmd = [sys.executable, __file__, "--one", str(n), system, "--text-max", str(args.text_max), "--eval", args.eval]
            r = json.loads(subprocess.run(cmd, check=True, capture_output=True, text=True).stdout)
            sign = f"{r['sign_seconds']:.1f}" if r.get("sign_seconds") == r.get("sign_seconds") and "sign_seconds" in r else "-"
            if system == "cleaner":
                t = r["timings"]
                print(f"| {n:,} | cleaner.neardup | {r['signatures']} | {sign} | {t['band keys']:.2f} | {t['candidates']:.2f} "
                      f"| {t['verify']:.2f} | {t['clusters']:.2f} | **{t['total']:.2f}** | {r['peak_rss_mb']:.0f} ({r['rss_before_mb']:.0f}) "
                      f"| {r['candidates']:,} | {r['edges']:,} | {r['clusters']:,} | {r['largest']} | {r['split']} "
                      f"| {r['precision']:.4f} / {r['recall']:.4f} |", flush=True)
            else:
                print(f"| {n:,} | datasketch MinHashLSH (insert + query, candidates only) | {r['signatures']} | {sign} | - | - | - | - "
                      f"| **{r['seconds']:.2f}** (+{r['wrap']:.1f} s LeanMinHash wrap) | {r['peak_rss_mb']:.0f} ({r['rss_before_mb']:.0f}) "
                      f"| {r['pairs']:,} | - | - | - | - | - |", flush=True)


if __name__ == "__main__":
    main()
