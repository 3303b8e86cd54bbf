"""Where the canonical text loses: per story, the record's canonical F1, the member chosen and the
best member it could have been, and the lines lost / extra against the gold reference.

Usage::

    .venv/bin/python benchmarks/diag_canonical.py [--set syndication2|syndication-dev] [--eval ../shared/eval]
                                                  [--worst 20] [--lines] [--save FILE.json] [--compare FILE.json]

The whole pipeline runs in memory (``cleaner.pipeline.run_paths`` without an output folder: the
same records ``cleaner run`` writes).  Scoring is the eval kit's: the reference of a story is its
longest gold copy, the record scored is the one holding most of its copies (``score.py
canonical``).  Per story it prints the record's F1, the chosen member (site, edits, whether it is
on the story's origin site), the best F1 any member's cleaned text would have given ("oracle"), so
a loss splits into *choice* (oracle - chosen member's cleaned text) and *text* (what the chosen
member's cleaned text lacks or has too much; 1 - its F1), and the cross-copy step's effect (record
F1 - member F1).  ``--lines``: the gold lines the record lacks (with the strip stage's removed kind
when the chosen member's strip removed it) and the record's lines the gold does not have.

Summary per set: canonical mean F1, share of stories in exactly one record, records mixing
stories, and records mixing two stories *of one site* (two members of one site, different stories:
a same-site template pair).  ``--save`` writes per-story rows; ``--compare`` prints the stories
whose F1 changed against a saved run (e.g. one made with another commit on ``PYTHONPATH``).
"""
from __future__ import annotations

import argparse
import importlib.util
import json
import re
import sys
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))

from bench_clusters import set_dir  # noqa: E402

_WORD = re.compile(r"\w+")


def load_scorer(eval_dir: Path):
    spec = importlib.util.spec_from_file_location("eval_score", eval_dir / "score.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def norm(line: str) -> str:
    return " ".join(w.lower() for w in _WORD.findall(line))


def removed_kind(doc, line: str) -> str | None:
    """The kind of the strip stage's span that removed ``line`` from ``doc`` (None: not removed there)."""
    source = doc.source_text or ""
    for span in doc.removed:
        if line.strip() and line.strip()[:60] in source[span.start:span.end]:
            return span.kind
    return None


def analyse(set_name: str, eval_dir: Path, params: dict | None = None) -> tuple[list[dict], dict]:
    from dataclasses import replace

    from cleaner.neardup import DedupParams
    from cleaner.pipeline import RunOptions, run_paths

    score = load_scorer(eval_dir)
    folder = set_dir(eval_dir, set_name)
    labels = {r["id"]: r for r in map(json.loads, (folder / "labels.jsonl").open(encoding="utf-8"))}
    result = run_paths([folder / "corpus.jsonl"], None, RunOptions(dedup_params=replace(DedupParams(), **(params or {}))))
    docs = {d.id: d for d in result.documents}
    by_story: dict[str, list[dict]] = defaultdict(list)
    for r in labels.values():
        by_story[r["story"]].append(r)
    records = [(k, c) for k, c in enumerate(result.canonicals)]
    rows = []
    n_one = 0
    for story in sorted(by_story):
        copies = by_story[story]
        ids = {c["id"] for c in copies}
        ref = sorted(copies, key=lambda c: (-len(score.tokens(c.get("clean_text", ""))), c["id"]))[0]
        hits = [(len({m.id for m in c.cluster.members} & ids), k, c) for k, c in records
                if {m.id for m in c.cluster.members} & ids]
        n_one += len(hits) == 1
        row = {"story": story, "copies": len(copies), "records": len(hits), "reference": ref["id"]}
        if not hits:
            row.update(f1=0.0, chosen=None)
            rows.append(row)
            continue
        _, _, rec = sorted(hits, key=lambda h: (-h[0], len(h[2].cluster.members), h[1]))[0]
        gold = ref.get("clean_text", "")
        members = [m.id for m in rec.cluster.members]
        member_f1 = {m: score.doc_score(gold, docs[m].text or "")["f1"] for m in members}
        chosen = rec.cluster.canonical_id
        lab = labels.get(chosen, {})
        gold_lines = [g for g in gold.split("\n") if norm(g)]
        have = {norm(x) for x in rec.text.split("\n")}
        gold_set = {norm(g) for g in gold_lines}
        lost = [g for g in gold_lines if norm(g) not in have]
        extra = [x for x in rec.text.split("\n") if norm(x) and norm(x) not in gold_set]
        row.update(
            f1=score.doc_score(gold, rec.text)["f1"], chosen=chosen, chosen_site=docs[chosen].site,
            chosen_story=lab.get("story"), chosen_edits=lab.get("edits"), chosen_origin=lab.get("on_origin_site"),
            ref_edits=labels[ref["id"]].get("edits"), members=len(members),
            member_f1=member_f1[chosen], oracle=max(member_f1.values()),
            oracle_member=max(members, key=lambda m: (member_f1[m], m == chosen)),
            lost=[(g, removed_kind(docs[chosen], g)) for g in lost], extra=extra,
            reason=rec.cluster.reason,
        )
        rows.append(row)
    story_of = {i: r["story"] for i, r in labels.items()}
    mixed = mixed_site = 0
    for c in result.canonicals:
        stories = {story_of.get(m.id) for m in c.cluster.members} - {None}
        mixed += len(stories) > 1
        per_site: dict[str, set] = defaultdict(set)
        for m in c.cluster.members:
            if m.id in story_of:
                per_site[(m.site or "").casefold()].add(story_of[m.id])
        mixed_site += any(len(s) > 1 for s in per_site.values())
    summary = {"set": set_name, "stories": len(rows), "records": len(result.canonicals),
               "mean_f1": sum(r["f1"] for r in rows) / len(rows), "one_record": n_one / len(rows),
               "mixed_records": mixed, "mixed_one_site": mixed_site}
    return rows, summary


def losses(rows: list[dict]) -> dict:
    """The F1 lost, summed over stories, split by cause."""
    out: Counter = Counter()
    for r in rows:
        if r.get("chosen") is None:
            out["no record"] += 1.0
            continue
        out["choice (oracle - member)"] += r["oracle"] - r["member_f1"]
        out["text of the best member (1 - oracle)"] += 1.0 - r["oracle"]
        out["cross-copy step (member - record)"] += r["member_f1"] - r["f1"]
    return dict(out)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--set", default="syndication2")
    ap.add_argument("--eval", default=str(ROOT.parent / "shared" / "eval"))
    ap.add_argument("--worst", type=int, default=20)
    ap.add_argument("--lines", action="store_true")
    ap.add_argument("--save")
    ap.add_argument("--compare")
    ap.add_argument("--param", action="append", default=[], help="a DedupParams field, NAME=VALUE (a Python literal)")
    args = ap.parse_args()
    import ast

    params = {k: ast.literal_eval(v) for k, v in (p.split("=", 1) for p in args.param)}
    rows, summary = analyse(args.set, Path(args.eval), params)
    print(json.dumps(summary))
    print("F1 lost over", len(rows), "stories:", {k: round(v, 3) for k, v in losses(rows).items()})
    lost_kinds: Counter = Counter()
    for r in rows:
        for line, kind in r.get("lost", []):
            lost_kinds[kind or "not removed by strip (absent from the member)"] += len(_WORD.findall(line))
    print("words of gold lines the records lack, by the chosen member's strip kind:", dict(lost_kinds.most_common()))
    print()
    print("| story | copies | records | F1 | member F1 | oracle | chosen (site; edits; origin) | oracle member | lost | extra |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for r in sorted(rows, key=lambda r: r["f1"])[: args.worst]:
        if r.get("chosen") is None:
            print(f"| {r['story']} | {r['copies']} | 0 | 0 | | | | | | |")
            continue
        print(f"| {r['story']} | {r['copies']} | {r['records']} | {r['f1']:.3f} | {r['member_f1']:.3f} | {r['oracle']:.3f} "
              f"| {r['chosen']} ({r['chosen_site']}; {','.join(r['chosen_edits'] or [])}; {r['chosen_origin']}) "
              f"| {r['oracle_member'] if r['oracle_member'] != r['chosen'] else '='} | {len(r['lost'])} | {len(r['extra'])} |")
        if args.lines:
            for line, kind in r["lost"]:
                print(f"    - [{kind}] {line[:110]!r}")
            for line in r["extra"]:
                print(f"    + {line[:110]!r}")
    if args.save:
        Path(args.save).write_text(json.dumps({"summary": summary, "rows": rows}))
    if args.compare:
        before = {r["story"]: r for r in json.loads(Path(args.compare).read_text())["rows"]}
        print()
        print("stories whose F1 changed against", args.compare)
        changed = sorted((r["f1"] - before[r["story"]]["f1"], r["story"]) for r in rows if r["story"] in before
                         and abs(r["f1"] - before[r["story"]]["f1"]) > 1e-9)
        for delta, story in changed:
            b, a = before[story], next(r for r in rows if r["story"] == story)
            print(f"  {story}: {b['f1']:.3f} -> {a['f1']:.3f} ({delta:+.3f}); chosen {b.get('chosen')} -> {a.get('chosen')}; "
                  f"member F1 {b.get('member_f1', 0):.3f} -> {a.get('member_f1', 0):.3f}")
        print("sum of changes:", round(sum(d for d, _ in changed), 3))


if __name__ == "__main__":
    main()
