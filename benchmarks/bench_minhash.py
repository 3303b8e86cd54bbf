"""MinHash signature speed and estimation quality, cleaner vs datasketch vs rensa.

Usage::

    /work/venv/bin/python benchmarks/bench_minhash.py [--eval ../shared/eval] [--docs 4000] [--repeat 3]

Part 1, speed: ~2 KB news texts (real article text from the eval kit, cut at
word boundaries), 128 permutations, word 5-grams, one process (= one core).
cleaner is timed end to end (raw text -> normalised -> shingled -> signed);
the anchors get their shingles ready-made (their shingling time excluded,
which favours them), hashed with the same xxh32:

* datasketch ``MinHash.update_batch`` per document, and ``MinHash.bulk``;
* rensa ``RMinHash`` (Rust; its own hash function, not comparable bit-wise).

Part 2, estimation quality on the gold clean texts of syndication-dev plus
trafilatura's extraction of its HTML copies when bench_clusters.py has cached
it (all document pairs): MAE of estimated vs exact Jaccard; LSH candidate recall of
pairs with exact Jaccard >= threshold + 0.1; precision of the verified edges
(exact similarity passing the same test).  Containment: recall of pairs whose
exact containment >= 0.7 by cleaner's band keys + verification vs datasketch
``MinHashLSHEnsemble`` (threshold 0.6) as the anchor.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time
from itertools import combinations
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from cleaner.neardup import DedupParams  # noqa: E402
from cleaner.neardup.lsh import band_keys, candidate_pairs, containment_from_jaccard, pair_jaccard  # noqa: E402
from cleaner.neardup.minhash import sign_texts, xxh32_hashfunc  # noqa: E402
from cleaner.neardup.shingles import normalise_bytes, shingle_bytes  # noqa: E402
from cleaner.neardup.sign import sketch_texts  # noqa: E402


def news_texts(eval_dir: Path, n: int, size: int = 2000) -> list[str]:
    labels = [json.loads(line) for line in (eval_dir / "syndication-dev" / "labels.jsonl").open()]
    gt = json.loads((eval_dir / "aeb" / "ground-truth.json").read_text())
    sources = [r["clean_text"] for r in labels] + [v["articleBody"] for v in gt.values()]
    chunks = []
    for text in sources:
        for start in range(0, max(len(text) - size // 2, 1), size):
            piece = text[start : start + size]
            cut = piece.rfind(" ")
            chunks.append(piece[: cut if cut > size // 2 else len(piece)])
    out = []
    while len(out) < n:
        out.extend(chunks)
    return out[:n]


def best_of(repeat: int, fn) -> float:
    """Best CPU time of this process over ``repeat`` runs: "per core", and less
    disturbed than wall time when other jobs share the machine."""
    times = []
    for _ in range(repeat):
        t0 = time.process_time()
        fn()
        times.append(time.process_time() - t0)
    return min(times)


def speed(texts: list[str], repeat: int) -> list[tuple[str, float, str]]:
    from datasketch import MinHash

    p = DedupParams()
    hashfunc = xxh32_hashfunc(p.seed)
    shingles = [shingle_bytes(normalise_bytes(t), p.ngram) for t in texts]
    shingle_strs = [[s.decode("utf-8") for s in sh] for sh in shingles]
    rows = []
    t = best_of(repeat, lambda: sign_texts(texts, p.num_perm, p.seed, p.ngram))
    rows.append(("cleaner.neardup sign_texts (numpy, from raw text)", t, "bit-identical to datasketch"))
    t = best_of(repeat, lambda: sign_texts(texts, p.num_perm, p.seed, p.ngram, scheme=p.normalisation))
    rows.append((f"cleaner.neardup sign_texts, {p.normalisation} normalisation", t, "the default scheme"))
    t = best_of(repeat, lambda: sketch_texts(texts, p.num_perm, p.seed, p.ngram, scheme=p.normalisation, sample_size=p.sample_size))
    rows.append((f"cleaner.neardup sketch_texts, {p.normalisation} (signature + lead + exact sample)", t,
                 "what dedup_documents signs"))

    def ds_update_batch():
        for sh in shingles:
            m = MinHash(num_perm=p.num_perm, seed=p.seed, hashfunc=hashfunc)
            m.update_batch(sh)

    rows.append(("datasketch MinHash.update_batch (xxh32, shingles given)", best_of(repeat, ds_update_batch), "reference values"))
    rows.append(("datasketch MinHash.bulk (xxh32, shingles given)",
                 best_of(repeat, lambda: MinHash.bulk(shingles, num_perm=p.num_perm, seed=p.seed, hashfunc=hashfunc)), ""))
    try:
        from rensa import RMinHash

        def rensa_run(given=True):
            for k, sh in enumerate(shingle_strs):
                if not given:  # the same normalisation and shingles, in Python
                    sh = [s.decode("utf-8") for s in shingle_bytes(normalise_bytes(texts[k]), p.ngram)]
                m = RMinHash(num_perm=p.num_perm, seed=p.seed)
                m.update(sh)
                m.digest()

        rows.append(("rensa RMinHash (Rust, shingles given)", best_of(repeat, rensa_run), "own hash: not datasketch-compatible"))
        rows.append(("rensa RMinHash, from raw text (Python shingling + Rust)", best_of(repeat, lambda: rensa_run(False)), "end to end, like cleaner"))
    except ImportError:
        pass

    def ds_from_text():
        for t in texts:
            m = MinHash(num_perm=p.num_perm, seed=p.seed, hashfunc=hashfunc)
            m.update_batch(shingle_bytes(normalise_bytes(t), p.ngram))

    rows.append(("datasketch update_batch, from raw text (Python shingling)", best_of(repeat, ds_from_text), "end to end, like cleaner"))
    return rows


def exact_sets(texts: list[str], ngram: int) -> list[set[bytes]]:
    return [set(shingle_bytes(normalise_bytes(t), ngram)) for t in texts]


def quality(eval_dir: Path) -> list[str]:
    labels = [json.loads(line) for line in (eval_dir / "syndication-dev" / "labels.jsonl").open()]
    texts = [r["clean_text"] for r in labels]
    # trafilatura's extraction of the HTML copies (cached by bench_clusters.py)
    # adds pairs across the whole similarity range: same story, different noise
    html_cache = ROOT / "benchmarks" / "_work" / "neardup" / "trafilatura_html.json"
    source = "gold clean texts"
    if html_cache.exists():
        texts += list(json.loads(html_cache.read_text()).values())
        source += " + trafilatura extractions of the HTML copies"
    p = DedupParams()
    sigs, sizes = sign_texts(texts, p.num_perm, p.seed, p.ngram)
    sets = exact_sets(texts, p.ngram)
    n = len(texts)
    i, j = (np.array(x, dtype=np.int64) for x in zip(*combinations(range(n), 2)))
    inter = np.array([len(sets[a] & sets[b]) for a, b in zip(i, j)], dtype=float)
    union = np.array([len(sets[a] | sets[b]) for a, b in zip(i, j)], dtype=float)
    exact_j = np.where(union > 0, inter / np.maximum(union, 1), 0.0)
    small = np.minimum([len(sets[a]) for a in i], [len(sets[b]) for b in j]).astype(float)
    exact_c = np.where(small > 0, inter / np.maximum(small, 1), 0.0)
    est_j = pair_jaccard(sigs, i, j)
    overlap = exact_j > 0
    out = [f"pairs: {i.size} (all pairs of {n} texts: {source}), {int(overlap.sum())} with exact Jaccard > 0", ""]
    out.append("| measure | value | goal |")
    out.append("|---|---|---|")
    out.append(f"| MAE estimated vs exact Jaccard, all pairs | {np.abs(est_j - exact_j).mean():.5f} | |")
    out.append(f"| MAE, pairs with exact Jaccard > 0 | {np.abs(est_j[overlap] - exact_j[overlap]).mean():.4f} | |")
    out.append(f"| max abs error | {np.abs(est_j - exact_j).max():.3f} | |")

    bands, rows = p.band_rows
    t0 = time.perf_counter()
    ci, cj = candidate_pairs(band_keys(sigs, bands, rows), p.bucket_window)
    t_lsh = time.perf_counter() - t0
    cand = set(zip(ci.tolist(), cj.tolist()))
    target = exact_j >= p.threshold + 0.1
    found = np.array([(a, b) in cand for a, b in zip(i.tolist(), j.tolist())])
    out.append(f"| LSH recall, exact Jaccard >= {p.threshold + 0.1:.1f} (bands {bands} x rows {rows}) | "
               f"{found[target].mean():.4f} ({int(found[target].sum())}/{int(target.sum())}) | >= 0.99 |")
    # verification = cleaner's edge test (sites unknown here, so no same-site rule)
    from cleaner.neardup import EdgeTest

    est_c = containment_from_jaccard(est_j, np.array([sizes[a] for a in i], float), np.array([sizes[b] for b in j], float))
    big = small >= p.min_shingles
    verified = found & EdgeTest(sigs, sizes, np.full(n, -1, dtype=np.int64), p)(i, j)

    def exact_test(slack: float) -> np.ndarray:
        long_pair = (exact_j >= p.threshold - slack) | (exact_c >= p.containment - slack)
        return np.where(big, long_pair, exact_j >= p.short_threshold - slack) & (small > 0)

    truth, loose = exact_test(0.0), exact_test(0.1)
    out.append(f"| precision after verification (exact test passes) | {truth[verified].mean():.4f} ({int(verified.sum())} edges) | >= 0.99 |")
    out.append(f"| precision, exact within 0.1 of the test | {loose[verified].mean():.4f} | |")
    out.append(f"| recall of the exact test after verification | {verified[truth].mean():.4f} ({int(truth.sum())} pairs) | |")
    out.append(f"| band-key candidates: pairs / seconds | {len(cand)} / {t_lsh:.3f} | |")

    # containment: cleaner's candidates + verification vs datasketch MinHashLSHEnsemble
    from datasketch import MinHashLSHEnsemble

    from cleaner.neardup.minhash import to_datasketch

    want = big & (exact_c >= 0.7)
    ours = found & big & (est_c >= p.containment)
    t0 = time.perf_counter()
    ens = MinHashLSHEnsemble(threshold=0.6, num_perm=p.num_perm, num_part=16)
    mhs = [to_datasketch(s, p.seed, lean=True) for s in sigs]
    ens.index([(k, mhs[k], max(int(sizes[k]), 1)) for k in range(n) if sizes[k] > 0])
    ens_pairs = set()
    for k in range(n):
        if sizes[k] == 0:
            continue
        for other in ens.query(mhs[k], max(int(sizes[k]), 1)):
            if other != k:
                ens_pairs.add((min(k, other), max(k, other)))
    t_ens = time.perf_counter() - t0
    ens_found = np.array([(a, b) in ens_pairs for a, b in zip(i.tolist(), j.tolist())])
    out.append(f"| containment >= 0.7 pairs: cleaner recall / precision | {ours[want].mean():.4f} / "
               f"{(big & (exact_c >= p.containment - 0.1))[ours].mean():.4f} ({int(want.sum())} pairs, {int(ours.sum())} found) | |")
    out.append(f"| containment >= 0.7 pairs: datasketch MinHashLSHEnsemble(0.6) recall / precision | {ens_found[want].mean():.4f} / "
               f"{(big & (exact_c >= 0.5))[ens_found].mean():.4f} ({int(ens_found.sum())} candidates, {t_ens:.2f} s) | |")
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--eval", default=str(ROOT.parent / "shared" / "eval"))
    ap.add_argument("--docs", type=int, default=4000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--skip-quality", action="store_true")
    args = ap.parse_args()
    eval_dir = Path(args.eval)
    texts = news_texts(eval_dir, args.docs)
    mean_len = sum(len(t.encode("utf-8")) for t in texts) / len(texts)
    print(f"## Signature speed: {len(texts)} texts, mean {mean_len:.0f} bytes, 128 perm, 5-gram, 1 process "
          f"(load average before: {os.getloadavg()[0]:.2f})\n")
    print("| system | CPU seconds (best of runs) | docs/s per core | note |")
    print("|---|---|---|---|")
    for name, seconds, note in speed(texts, args.repeat):
        print(f"| {name} | {seconds:.3f} | {len(texts) / seconds:,.0f} | {note} |", flush=True)
    if not args.skip_quality:
        print("\n## Estimation quality (syndication-dev texts, DedupParams defaults)\n")
        for line in quality(eval_dir):
            print(line, flush=True)


if __name__ == "__main__":
    main()
