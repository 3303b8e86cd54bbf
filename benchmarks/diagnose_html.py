"""Where an HTML page's recall and precision are lost, stage by stage, page by page.

Usage::

    .venv/bin/python benchmarks/diagnose_html.py [--eval ../shared/eval] [--sets readability,aeb]
        [--top 25] [--csv benchmarks/_work/diagnose.csv]

Per page of each HTML set: recall and precision (the kit's word-4-gram metric) of every block that
pruning leaves (``pruning``), of the HTML stage (``extract``, with the engine it used), of the whole
cleaner (``cleaner``: the text stage after extraction) and of trafilatura (``extract()``, the
``trafilatura`` anchor of bench_sets; cached in ``benchmarks/_work/diagnose/``).  Pages are listed
by cleaner F1 minus trafilatura F1, worst first, with the stage where most of their recall went:
``pruning`` (gone after pruning), ``choice`` (pruning kept it, the main-content choice did not),
``text`` (the text stage dropped it).
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))

from bench_sets import cleaner_document, cleaner_pruned_page, load_score, load_set  # noqa: E402

from cleaner.strip.html import extract_html  # noqa: E402

CACHE = ROOT / "benchmarks" / "_work" / "diagnose"


def trafilatura_texts(set_name: str, pages: list) -> dict[str, str]:
    """trafilatura's text per page, computed once per set (it does not change with the cleaner)."""
    path = CACHE / f"{set_name}-trafilatura.json"
    if path.exists():
        return json.loads(path.read_text(encoding="utf-8"))
    import trafilatura

    out = {doc_id: trafilatura.extract(content, include_comments=False) or "" for doc_id, content, *_ in pages}
    CACHE.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(out, ensure_ascii=False), encoding="utf-8")
    return out


def stage_of_loss(row: dict[str, float]) -> str:
    """The stage where most of the page's lost recall went."""
    drops = {
        "pruning": 1.0 - row["pruning_r"],
        "choice": row["pruning_r"] - row["extract_r"],
        "text": row["extract_r"] - row["cleaner_r"],
    }
    return max(drops, key=drops.__getitem__)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--eval", type=Path, default=ROOT.parent / "shared" / "eval")
    parser.add_argument("--sets", default="readability,aeb")
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--csv", type=Path)
    args = parser.parse_args(argv)
    score = load_score(args.eval)
    cleaner = cleaner_document("html")
    rows_all: list[dict] = []
    for set_name in args.sets.split(","):
        mode, pages, gold = load_set(args.eval, set_name)
        if mode != "html":
            print(f"{set_name}: not an HTML set, skipped", file=sys.stderr)
            continue
        traf = trafilatura_texts(set_name, pages)
        rows = []
        for doc_id, content, url, site, language in pages:
            if doc_id not in gold:
                continue
            extracted = extract_html(content, url=url)
            texts = {
                "pruning": cleaner_pruned_page(content, url, site, language),
                "extract": extracted.text,
                "cleaner": cleaner(content, url, site, language),
                "traf": traf.get(doc_id, ""),
            }
            row: dict = {"set": set_name, "id": doc_id, "engine": extracted.engine}
            for stage, text in texts.items():
                s = score.doc_score(gold[doc_id], text)
                row[f"{stage}_p"] = 0.0 if s["precision"] != s["precision"] else s["precision"]
                row[f"{stage}_r"] = 0.0 if s["recall"] != s["recall"] else s["recall"]
                row[f"{stage}_f"] = s["f1"]
            row["stage"] = stage_of_loss(row)
            rows.append(row)
        rows_all.extend(rows)
        n = len(rows)
        print(f"\n## {set_name} ({n} pages)\n")
        print("| stage | P | R | F1 (of means) |")
        print("|---|---|---|---|")
        for stage in ("pruning", "extract", "cleaner", "traf"):
            p = sum(r[f"{stage}_p"] for r in rows) / n
            rr = sum(r[f"{stage}_r"] for r in rows) / n
            print(f"| {stage} | {p:.4f} | {rr:.4f} | {2 * p * rr / (p + rr):.4f} |")
        print("\nF1 lost against trafilatura, biggest first (cleaner F1 - trafilatura F1):\n")
        print("| page | engine | lost at | pruning P/R | extract P/R | cleaner P/R | traf P/R | cleaner - traf |")
        print("|---|---|---|---|---|---|---|---|")
        for r in sorted(rows, key=lambda r: r["cleaner_f"] - r["traf_f"])[: args.top]:
            print(
                f"| {r['id'][:28]} | {r['engine']} | {r['stage']} | {r['pruning_p']:.2f}/{r['pruning_r']:.2f} "
                f"| {r['extract_p']:.2f}/{r['extract_r']:.2f} | {r['cleaner_p']:.2f}/{r['cleaner_r']:.2f} "
                f"| {r['traf_p']:.2f}/{r['traf_r']:.2f} | {r['cleaner_f'] - r['traf_f']:+.3f} |"
            )
        losses: dict[str, float] = {}
        for r in rows:
            losses[r["stage"]] = losses.get(r["stage"], 0.0) + (1.0 - r["cleaner_r"]) / n
        print("\nRecall lost (1 - cleaner R, summed per page's main stage, / pages): "
              + ", ".join(f"{k} {v:.4f}" for k, v in sorted(losses.items())))
    if args.csv:
        import csv

        args.csv.parent.mkdir(parents=True, exist_ok=True)
        with args.csv.open("w", newline="", encoding="utf-8") as f:
            writer = csv.DictWriter(f, fieldnames=list(rows_all[0]))
            writer.writeheader()
            writer.writerows(rows_all)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
