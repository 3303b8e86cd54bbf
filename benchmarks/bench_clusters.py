"""Near-duplicate clusters and canonical texts on the three syndicated sets, with anchors.

Usage::

    .venv/bin/python benchmarks/bench_clusters.py [--eval ../shared/eval]
                                                  [--sets syndication-dev,syndication2,syndication3]
                                                  [--inputs raw,gold,html,strip,run] [--sweep]

Sets: ``syndication-dev`` (../shared/eval), ``syndication2``
(benchmarks/make_syndication2.py) and ``syndication3``
(benchmarks/make_syndication3.py), each generated into benchmarks/_work/NAME
when missing.  After the main table a second one gives, per set, input and
system, the gold pairs (two copies of one story) left in different records,
counted under every edit either copy carries (labels' ``edits``; ``title_*``
= the title variant), as missed / all pairs with that edit.

Inputs (the near-duplicate stage hashes *cleaned* text, so the figure depends
on the cleaning in front of it):

* ``gold``  - labels' clean_text (upper bound: perfect cleaning)
* ``html``  - trafilatura.extract of the HTML copies (realistic anchor input)
* ``strip`` - cleaner's own strip stage on the txt copies, with corpus
  evidence (``cleaner.strip``): the real end-to-end figure
* ``raw``   - the noisy txt as is
* ``run``   - the whole pipeline on corpus.jsonl, as ``cleaner run`` does it
  (``cleaner.pipeline.run_paths``: reading, mode detection, strip with corpus
  evidence, then dedup with that evidence); the anchor gets the strip stage's
  output of the txt copies

Systems: ``datasketch`` = the BASELINES.md anchor (MinHash over \\w+ 5-grams,
MinHashLSH threshold 0.5, connected components of candidates, longest member
as canonical); ``cleaner`` = :func:`cleaner.neardup.dedup_documents` with the
given parameters.  Scores come from the eval kit's score.py.  ``--sweep``
adds a small grid over threshold and shingle size on every input.
"""
from __future__ import annotations

import argparse
import gzip
import json
import re
import subprocess
import sys
import time
from collections import Counter
from dataclasses import replace
from itertools import combinations
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from cleaner.neardup import DedupParams, dedup_documents  # noqa: E402
from cleaner.records import Document  # noqa: E402

WORK = ROOT / "benchmarks" / "_work" / "neardup"


def set_dir(eval_dir: Path, name: str) -> Path:
    if name == "syndication-dev":
        return eval_dir / "syndication-dev"
    out = ROOT / "benchmarks" / "_work" / name
    if not (out / "labels.jsonl").exists():
        subprocess.run([sys.executable, str(ROOT / "benchmarks" / f"make_{name}.py"), "--eval", str(eval_dir),
                        "--out", str(out)], check=True, capture_output=True)
    return out


def load(folder: Path) -> tuple[list[dict], dict[str, dict]]:
    corpus = [json.loads(line) for line in (folder / "corpus.jsonl").open()]
    labels = {r["id"]: r for r in (json.loads(line) for line in (folder / "labels.jsonl").open())}
    return corpus, labels


def docs_gold(corpus, labels) -> list[Document]:
    out = []
    for r in corpus:
        text = labels[r["id"]]["clean_text"]
        out.append(Document(id=r["id"], content=r["text"], site=r["site"], url=r["url"], title=labels[r["id"]]["title"], text=text, source_text=text))
    return out


def docs_raw(corpus, labels) -> list[Document]:
    return [Document(id=r["id"], content=r["text"], site=r["site"], url=r["url"], text=r["text"], source_text=r["text"]) for r in corpus]


def docs_html(corpus, labels, eval_dir: Path) -> list[Document]:
    """trafilatura on the HTML copies (cached; the doc without HTML is left out)."""
    cache = WORK / "trafilatura_html.json"
    if cache.exists():
        texts = json.loads(cache.read_text())
    else:
        import trafilatura

        texts = {}
        for r in corpus:
            path = eval_dir / "syndication-dev" / "html" / f"{r['id']}.html.gz"
            if path.exists():
                texts[r["id"]] = trafilatura.extract(gzip.open(path, "rt", encoding="utf-8").read(), include_comments=False) or ""
        WORK.mkdir(parents=True, exist_ok=True)
        cache.write_text(json.dumps(texts))
    return [Document(id=r["id"], content="", site=r["site"], url=r["url"], text=texts[r["id"]], source_text=texts[r["id"]])
            for r in corpus if r["id"] in texts]


def docs_strip(corpus, labels) -> list[Document]:
    """cleaner's strip stage on the txt copies, exactly as a run does it
    (``cleaner.pipeline.run_documents`` with corpus evidence, no dedup)."""
    from cleaner.pipeline import RunOptions, run_documents

    records = [Document(id=r["id"], content=r["text"], site=r["site"], url=r["url"]) for r in corpus]
    return run_documents(records, RunOptions(dedup=False)).documents


_W = re.compile(r"\w+")


def datasketch_anchor(docs: list[Document]) -> tuple[list[tuple[str, list[str], str]], float]:
    """BASELINES.md 'lsh': connected components of MinHashLSH candidates, longest member's text."""
    from datasketch import MinHash, MinHashLSH

    t0 = time.perf_counter()
    lsh = MinHashLSH(threshold=0.5, num_perm=128)
    mh = {}
    for d in docs:
        toks = [t.lower() for t in _W.findall(d.text or "")]
        grams = {" ".join(toks[i : i + 5]) for i in range(max(len(toks) - 4, 1))} if toks else set()
        m = MinHash(num_perm=128, seed=1)
        for g in grams:
            m.update(g.encode("utf-8"))
        mh[d.id] = m
        lsh.insert(d.id, m)
    parent = {d.id: d.id for d in docs}

    def find(x):
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for d in docs:
        for other in lsh.query(mh[d.id]):
            parent[find(other)] = find(d.id)
    groups: dict[str, list[str]] = {}
    for d in docs:
        groups.setdefault(find(d.id), []).append(d.id)
    text = {d.id: d.text or "" for d in docs}
    records = []
    for members in groups.values():
        best = max(members, key=lambda i: (len(_W.findall(text[i])), -ord(i[0])))
        records.append((best, sorted(members), text[best]))
    return records, time.perf_counter() - t0


def cleaner_records(docs: list[Document], params: DedupParams) -> tuple[list[tuple[str, list[str], str]], float, dict]:
    t0 = time.perf_counter()
    result = dedup_documents(docs, params)
    dt = time.perf_counter() - t0
    return [(c.cluster.canonical_id, [m.id for m in c.cluster.members], c.text) for c in result.canonicals], dt, result.stats


def run_records(corpus_path: Path, params: DedupParams) -> tuple[list[tuple[str, list[str], str]], float, dict]:
    """The whole pipeline as `cleaner run CORPUS.jsonl` runs it (reading, mode detection, strip
    with corpus evidence, then dedup with that evidence)."""
    from cleaner.pipeline import RunOptions, run_paths

    t0 = time.perf_counter()
    result = run_paths([corpus_path], None, RunOptions(dedup_params=params))
    dt = time.perf_counter() - t0
    stats = result.manifest["dedup"]
    return [(c.cluster.canonical_id, [m.id for m in c.cluster.members], c.text) for c in result.canonicals], dt, stats


def score(records, gold: Path, eval_dir: Path, tag: str) -> dict:
    WORK.mkdir(parents=True, exist_ok=True)
    clusters = WORK / f"{tag}.clusters.jsonl"
    canon = WORK / f"{tag}.canon.jsonl"
    with clusters.open("w") as fc, canon.open("w") as fk:
        for k, (cid, members, text) in enumerate(records):
            for m in members:
                fc.write(json.dumps({"id": m, "cluster": f"k{k}"}) + "\n")
            fk.write(json.dumps({"id": cid, "text": text, "members": members}) + "\n")
    scorer = eval_dir / "score.py"

    def run(kind, pred):
        extra = ["--restrict"] if kind == "clusters" else []  # the one doc without HTML
        out = subprocess.run([sys.executable, str(scorer), kind, "--gold", str(gold), "--pred", str(pred), "--json", *extra],
                             check=True, capture_output=True, text=True).stdout
        return json.loads(out)

    return {"clusters": run("clusters", clusters), "canonical": run("canonical", canon)}


def _get(d: dict, *names, default=float("nan")):
    for n in names:
        if n in d:
            return d[n]
    return default


def row(set_name, input_name, system, s, n_docs, seconds, note="") -> str:
    c, k = s["clusters"], s["canonical"]
    pw = c.get("pairwise", c)
    p, r, f = _get(pw, "precision", "pairwise_precision"), _get(pw, "recall", "pairwise_recall"), _get(pw, "f1", "pairwise_f1")
    ari = _get(c, "ari", "ARI", "adjusted_rand_index")
    kf1 = _get(k, "aeb_f1", "f1", "F1")
    if isinstance(kf1, dict):
        kf1 = _get(kf1, "f1")
    kmean = _get(k, "mean_f1")
    one = _get(k, "share_one_record")
    mixed = _get(k, "records_mixing_stories", "mixed_records", default="?")
    return (f"| {set_name} | {input_name} | {system} | {p:.3f} | {r:.3f} | {f:.3f} | {ari:.3f} | {kmean:.3f} | {kf1:.3f} "
            f"| {one:.3f} | {mixed} | {n_docs} | {seconds:.2f} | {note} |")


def edit_kinds(label: dict) -> list[str]:
    """The edits of one copy, as counted in the missed-pairs table."""
    edits = label.get("edits") or {}
    out = [e for e in edits if e != "title"]
    if "title" in edits:
        out.append(f"title_{edits['title']}")
    if label.get("on_origin_site"):
        out.append("origin_copy")
    return out


def missed_by_edit(records, labels: dict[str, dict]) -> str:
    """Gold pairs in different records, per edit either copy carries: 'edit missed/pairs, ...'
    (edits with a missed pair first), and the number of false pairs (one record, two stories)."""
    where = {m: k for k, (_, members, _) in enumerate(records) for m in members}
    by_story: dict[str, list[str]] = {}
    for i, lab in labels.items():
        if i in where:
            by_story.setdefault(lab["story"], []).append(i)
    total: Counter = Counter()
    missed: Counter = Counter()
    for ids in by_story.values():
        for a, b in combinations(sorted(ids), 2):
            kinds = set(edit_kinds(labels[a])) | set(edit_kinds(labels[b]))
            total.update(kinds)
            if where[a] != where[b]:
                missed.update(kinds)
    false_pairs = 0
    for _, members, _ in records:
        stories = Counter(labels[m]["story"] for m in members if m in labels)
        n = sum(stories.values())
        false_pairs += n * (n - 1) // 2 - sum(c * (c - 1) // 2 for c in stories.values())
    parts = [f"{e} {missed[e]}/{total[e]}" for e in sorted(total, key=lambda e: (-missed[e], e)) if missed[e]]
    return (", ".join(parts) or "none") + f"; false pairs {false_pairs}"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--eval", default=str(ROOT.parent / "shared" / "eval"))
    ap.add_argument("--sets", default="syndication-dev,syndication2,syndication3")
    ap.add_argument("--inputs", default="raw,gold,strip,run")
    ap.add_argument("--sweep", action="store_true")
    ap.add_argument("--plain", action="store_true", help="also the plain (datasketch-identical) normalisation")
    ap.add_argument("--dump-keys", action="store_true", help="print the scorer's JSON keys (debug)")
    args = ap.parse_args()
    eval_dir = Path(args.eval)
    print("| set | input | system | pairwise P | pairwise R | pairwise F1 | ARI | canonical mean F1 | canonical F1 "
          "| one record/story | mixed records | docs | seconds | params |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    missed_rows = []
    base = DedupParams()
    for set_name in args.sets.split(","):
        folder = set_dir(eval_dir, set_name)
        corpus, labels = load(folder)
        gold = folder / "labels.jsonl"
        makers = {"gold": docs_gold, "raw": docs_raw, "strip": docs_strip, "run": docs_strip,
                  "html": lambda c, lab: docs_html(c, lab, eval_dir)}
        for name in args.inputs.split(","):
            if name == "html" and set_name != "syndication-dev":
                continue
            t0 = time.perf_counter()
            docs = makers[name](corpus, labels)  # for "run": the anchor gets the strip stage's output
            prep = time.perf_counter() - t0
            recs, dt = datasketch_anchor(docs)
            s = score(recs, gold, eval_dir, f"{set_name}-{name}-datasketch")
            if args.dump_keys:
                print(json.dumps(s, indent=1)[:3000])
            print(row(set_name, name, "datasketch MinHashLSH", s, len(docs), dt, "5-gram, t=0.5, components, longest"), flush=True)
            missed_rows.append(f"| {set_name} | {name} | datasketch MinHashLSH | {missed_by_edit(recs, labels)} |")
            grid = [base] + ([replace(base, normalisation="plain", article_only=False, verify="minhash", lead_candidates=False)]
                             if args.plain else [])
            if args.sweep:
                grid += [replace(base, threshold=t, ngram=n) for n in (3, 5, 7) for t in (0.3, 0.4, 0.5, 0.6) if (t, n) != (base.threshold, base.ngram)]
                grid += [replace(base, containment=None), replace(base, same_site_threshold=None), replace(base, lsh_threshold=None),
                         replace(base, cross_copy=False), replace(base, lead_candidates=False), replace(base, article_only=False),
                         replace(base, verify="minhash"), replace(base, normalisation="plain")]
            for params in grid:
                if name == "run":
                    recs, dt, stats = run_records(folder / "corpus.jsonl", params)
                else:
                    recs, dt, stats = cleaner_records(docs, params)
                s = score(recs, gold, eval_dir, f"{set_name}-{name}-cleaner")
                note = (f"t={params.threshold} n={params.ngram} norm={params.normalisation} verify={params.verify} "
                        f"article_only={params.article_only} lead={params.lead_candidates} containment={params.containment}")
                guard = stats.get("chaining_guard", {})
                note += (f"; rejected at verification {stats.get('rejected_at_verification')}, guard moved "
                         f"{guard.get('documents_moved', stats.get('detached_by_chaining_guard'))}")
                print(row(set_name, name, "cleaner.neardup", s, len(docs), dt, note), flush=True)
                missed_rows.append(f"| {set_name} | {name} | cleaner.neardup {params.normalisation} | {missed_by_edit(recs, labels)} |")
            print(f"<!-- {set_name} {name}: preparing the input took {prep:.1f} s -->", flush=True)
    print("\n| set | input | system | gold pairs in different records, per edit of either copy (missed/pairs) |")
    print("|---|---|---|---|")
    print("\n".join(missed_rows))


if __name__ == "__main__":
    main()
