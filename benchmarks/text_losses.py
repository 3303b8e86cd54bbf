"""Where the text stage loses: per page, the article lines it removed (with the removed span's
kind and reason) and the noise lines it kept.

Usage::

    .venv/bin/python benchmarks/text_losses.py readability-txt [--pages 20] [--page NAME] [--kinds]

Sets: ``aeb-text``, ``readability-txt``, ``syndication-txt`` (bench_sets' loaders) and
``syndication2`` (benchmarks/_work/syndication2, made by make_syndication2.py).  The stage runs as
bench_sets runs it (``prepare_document`` + ``strip_document``, language detected, no corpus
evidence).  A line is *article* when at least half of its word 4-grams occur in the page's gold
text (the kit's construction rule for syndication-dev); its loss is its 4-grams in the gold, its
noise is its 4-grams not in the gold.  ``--kinds`` sums both per removed kind over the set (lost
article text) and per line shape (kept noise), the table that says which decision to look at.
"""
from __future__ import annotations

import argparse
import json
import re
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from bench_sets import load_score, load_set  # noqa: E402

from cleaner.records import Document, Origin, Rejected  # noqa: E402
from cleaner.strip import StripOptions, prepare_document, strip_document  # noqa: E402
from cleaner.strip.segment import split_lines  # noqa: E402

_TOKEN = re.compile(r"\w+")


def shingles(text: str) -> list[tuple[str, ...]]:
    tokens = _TOKEN.findall(text)
    if len(tokens) < 4:
        return [tuple(tokens)] if tokens else []
    return [tuple(tokens[i:i + 4]) for i in range(len(tokens) - 3)]


def load(eval_dir: Path, name: str):
    if name != "syndication2":
        return load_set(eval_dir, name)
    base = ROOT / "benchmarks" / "_work" / "syndication2"
    gold = {r["id"]: r["clean_text"] for r in map(json.loads, (base / "labels.jsonl").open(encoding="utf-8"))}
    pages = [(r["id"], r["text"], r.get("url"), r.get("site"), None)
             for r in map(json.loads, (base / "corpus.jsonl").open(encoding="utf-8"))]
    return "text", pages, gold


def analyse_page(content: str, url, site, gold: str):
    doc = Document(id="diag", content=content, mode="text", url=url, site=site, origin=Origin(path="diag"))
    prepared = prepare_document(doc, StripOptions())
    result = strip_document(prepared, None, StripOptions()) if not isinstance(prepared, Rejected) else prepared
    removed = [] if isinstance(result, Rejected) else result.removed
    text = "" if isinstance(result, Rejected) else result.text
    gold_set = set(shingles(gold))
    rows = []
    for line in split_lines(content):
        kind = None
        for span in removed:
            if span.start <= line.start < span.end:
                kind = (span.kind, span.reason)
                break
        grams = shingles(line.text)
        hits = sum(g in gold_set for g in grams)
        article = bool(grams) and hits >= 0.5 * len(grams)
        rows.append((line, kind, article, hits, len(grams) - hits))
    return prepared.language if not isinstance(prepared, Rejected) else None, text, rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("set")
    parser.add_argument("--eval", type=Path, default=ROOT.parent / "shared" / "eval")
    parser.add_argument("--pages", type=int, default=15, help="show the N pages with the lowest F1")
    parser.add_argument("--page", help="show this page only")
    parser.add_argument("--kinds", action="store_true", help="sum losses per kind over the set")
    parser.add_argument("--lines", action="store_true", help="with --page: every line, kept or not")
    args = parser.parse_args(argv)
    score = load_score(args.eval)
    _mode, pages, gold = load(args.eval, args.set)
    lost_by_kind: Counter = Counter()
    kept_noise: Counter = Counter()
    results = []
    for doc_id, content, url, site, _lang in pages:
        if args.page and doc_id != args.page:
            continue
        language, text, rows = analyse_page(content, url, site, gold[doc_id])
        f1 = score.aggregate([score.doc_score(gold[doc_id], text)])["f1"]
        results.append((f1, doc_id, language, rows))
        for line, kind, article, hits, misses in rows:
            if kind is not None and article:
                lost_by_kind[kind[0] + ": " + kind[1][:70]] += hits
            elif kind is None and not article and misses:
                shape = ("bullet " if line.bullet else "") + f"ending {line.ending}, " + (
                    "<=3 words" if line.words <= 3 else "4-12 words" if line.words <= 12 else ">12 words")
                kept_noise[shape] += misses
    if args.kinds:
        print("article 4-grams lost, by removed kind:")
        for key, count in lost_by_kind.most_common(30):
            print(f"  {count:6d}  {key}")
        print("noise 4-grams kept, by line shape:")
        for key, count in kept_noise.most_common(15):
            print(f"  {count:6d}  {key}")
        print()
    results.sort(key=lambda r: r[0])
    for f1, doc_id, language, rows in results[: (1 if args.page else args.pages)]:
        lost = sum(h for _l, k, a, h, _m in rows if k is not None and a)
        noise = sum(m for _l, k, a, _h, m in rows if k is None and not a)
        print(f"== {doc_id} ({language}) F1 {f1:.3f}: article 4-grams lost {lost}, noise 4-grams kept {noise}")
        for n, (line, kind, article, hits, misses) in enumerate(rows):
            if args.lines:
                print(f"  {n:4d} {'A' if article else '.'} {(kind[0] if kind else 'kept')[:14]:14s} w{line.words} "
                      f"e{line.ending}{' b' if line.bullet else ''} {line.text[:100]!r}")
            elif kind is not None and article:
                print(f"  LOST [{kind[0]}: {kind[1][:60]}] w{line.words} e{line.ending} {line.text[:110]!r}")
            elif kind is None and not article and misses:
                print(f"  KEPT w{line.words} e{line.ending}{' b' if line.bullet else ''} {line.text[:110]!r}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
