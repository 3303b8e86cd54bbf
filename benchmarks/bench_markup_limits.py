"""What the pre-parse scan of cleaner/strip/markup_limits.py costs, next to the Lexbor parse it guards.

On the aeb pages (real news pages), CPU time of the scan against selectolax's Lexbor parse
and against the whole extraction; on hostile pages (many attributes, deep nesting), the scan's
time against Lexbor's (which the scan saves). One core, time.process_time; machine shared.

    python benchmarks/bench_markup_limits.py [--eval ../shared/eval]
"""
from __future__ import annotations

import argparse
import time
from pathlib import Path

from selectolax.lexbor import LexborHTMLParser

from cleaner.strip.html import extract_html
from cleaner.strip.markup_limits import markup_problem

ROOT = Path(__file__).resolve().parent.parent


def cpu(fn, items) -> float:
    t0 = time.process_time()
    for item in items:
        fn(item)
    return time.process_time() - t0


def quiet_extract(page: str) -> None:
    try:
        extract_html(page)
    except Exception:  # noqa: BLE001 - a page without text counts as extracted for timing
        pass


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--eval", default=str(ROOT.parent / "shared" / "eval"))
    args = parser.parse_args()
    pages = [p.read_bytes().decode("utf-8", "replace") for p in sorted((Path(args.eval) / "aeb" / "html").iterdir())]
    print("CPU time per core (time.process_time); machine: 2 cores, shared (loaded)\n")
    print("| input | pages | scan s | Lexbor parse s | extract_html s | scan / extract |")
    print("|---|---|---|---|---|---|")
    scan = cpu(lambda p: markup_problem(p, 1000, 2000), pages)
    parse = cpu(LexborHTMLParser, pages)
    whole = cpu(quiet_extract, pages)
    print(f"| aeb (real pages) | {len(pages)} | {scan:.3f} | {parse:.3f} | {whole:.3f} | {scan / whole:.1%} |")
    hostile = {
        "10k attributes": "<html><body><div " + " ".join(f"a{i}=1" for i in range(10_000)) + ">x</div></body></html>",
        "30k attributes": "<html><body><div " + " ".join(f"a{i}=1" for i in range(30_000)) + ">x</div></body></html>",
        "20k nested divs": "<html><body>" + "<div>" * 20_000 + "x" + "</div>" * 20_000 + "</body></html>",
    }
    print("\n| hostile page | scan s (refuses) | Lexbor parse s (what it would cost) |")
    print("|---|---|---|")
    for name, page in hostile.items():
        print(f"| {name} | {cpu(lambda p: markup_problem(p, 1000, 2000), [page]):.3f} | {cpu(LexborHTMLParser, [page]):.3f} |")


if __name__ == "__main__":
    main()
