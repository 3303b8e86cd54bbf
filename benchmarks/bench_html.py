"""HTML stage: accuracy and speed on the AEB pages and the syndication-dev HTML copies, with anchors.

Usage::

    /work/venv/bin/python benchmarks/bench_html.py [--eval ../shared/eval] [--workers 2] [--write benchmarks/results/html.md]

One run measures, on the same machine and the same decoded pages:

1. ``aeb/`` (181 pages, gold articleBody), every system on one core:
   cleaner's ``extract_html`` (density finder, trafilatura when unsure),
   ``clean_html`` (``extract_html`` then the text stage ``strip_text``),
   cleaner's pruning in front of trafilatura (``engine="trafilatura"``), and
   the anchors trafilatura (default and ``favor_precision``), readability-lxml,
   resiliparse (``extract_plain_text(main_content=True)``) and jusText (the AEB
   benchmark's parameters).  F1/P/R from the eval kit's ``score.py``
   extraction metric; pages/s per core = pages / CPU time of one pass in this
   process (after a warm-up on 5 pages, with cleaner's memoised rule lookups
   emptied first; input already decoded), the median of ``--repeat`` passes
   run in turn, and pages / wall time next to it (lower when the machine is
   shared).
2. Peak memory of one fresh worker process running ``extract_html`` over
   the 181 pages, read one at a time from disk (peak RSS = VmHWM, and its
   rise over the worker after imports and one page), next to trafilatura's.
3. Pages/s with ``--workers`` processes (multiprocessing pool, pages/s of the
   whole pool) for ``extract_html``, ``clean_html`` and trafilatura.
4. ``syndication-dev/html`` (546 copies; the one doc without HTML is left out,
   as ``score.py --restrict``), gold ``clean_text``, and ``readability/html``
   (94 multilingual pages, gold articleBody): ``clean_html``, ``extract_html``
   alone and trafilatura, with pages/s per core against trafilatura's (the
   second opinion calls trafilatura on some pages: its cost shows here), timed
   on a second pass (the first loads every rule table and model the set needs).
   Every set with every anchor: ``bench_sets.py``.

Predictions go to ``benchmarks/_work/html/<set>/<system>.jsonl`` so that any
figure can be re-scored with ``score.py extraction --pred ...``.
"""
from __future__ import annotations

import argparse
import gzip
import importlib.util
import json
import multiprocessing
import os
import platform
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Callable

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from cleaner.errors import ExtractionError  # noqa: E402
from cleaner.strip.html import HtmlOptions, extract_html  # noqa: E402
from cleaner.strip.prune import load_rules  # noqa: E402

WORK = ROOT / "benchmarks" / "_work" / "html"
WARMUP = 5


# ---------------------------------------------------------------------------
# systems: each maps (html, doc_id, url, site) -> text


def cleaner_extract(html: str, doc_id: str, url: str | None, site: str | None) -> str:
    return extract_html(html, doc_id=doc_id, url=url).text


def cleaner_clean(html: str, doc_id: str, url: str | None, site: str | None) -> str:
    """``clean_html`` as the pipeline composes it: ``prepare_document`` (extraction and the
    document's language) then ``strip_document`` (the text stage, told that its input is an
    extractor's main content unless the extraction fell back to the whole page)."""
    from cleaner.records import Document, Rejected
    from cleaner.strip import StripOptions, prepare_document, strip_document

    options = StripOptions()
    doc = prepare_document(Document(id=doc_id, content=html, mode="html", url=url, site=site), options)
    if isinstance(doc, Rejected):
        raise ExtractionError(doc_id, doc.reason)
    result = strip_document(doc, None, options)
    return "" if isinstance(result, Rejected) else (result.text or "")


def cleaner_pruned_trafilatura(html: str, doc_id: str, url: str | None, site: str | None) -> str:
    return extract_html(html, doc_id=doc_id, url=url, options=HtmlOptions(engine="trafilatura", favor_precision=True)).text


def trafilatura_default(html: str, doc_id: str, url: str | None, site: str | None) -> str:
    import trafilatura

    return trafilatura.extract(html, include_comments=False) or ""


def trafilatura_precision(html: str, doc_id: str, url: str | None, site: str | None) -> str:
    import trafilatura

    return trafilatura.extract(html, include_comments=False, favor_precision=True) or ""


def readability_lxml(html: str, doc_id: str, url: str | None, site: str | None) -> str:
    from readability import Document
    from selectolax.lexbor import LexborHTMLParser

    summary = Document(html).summary(html_partial=True)
    root = LexborHTMLParser(summary).body
    return root.text(separator="\n") if root is not None else ""


def resiliparse_main(html: str, doc_id: str, url: str | None, site: str | None) -> str:
    from resiliparse.extract.html2text import extract_plain_text

    return extract_plain_text(html, main_content=True)


def justext_aeb(html: str, doc_id: str, url: str | None, site: str | None) -> str:
    import justext

    paragraphs = justext.justext(html, justext.get_stoplist("English"), 50, 200, 0.1, 0.2, 0.2, 200, True)
    return "\n".join(p.text for p in paragraphs if not p.is_boilerplate)


SYSTEMS: dict[str, Callable] = {
    "cleaner extract_html": cleaner_extract,
    "cleaner clean_html (extract + strip_text)": cleaner_clean,
    "cleaner pruning + trafilatura (engine=trafilatura)": cleaner_pruned_trafilatura,
    "trafilatura": trafilatura_default,
    "trafilatura favor_precision": trafilatura_precision,
    "readability-lxml": readability_lxml,
    "resiliparse main_content": resiliparse_main,
    "jusText (AEB parameters)": justext_aeb,
}


# ---------------------------------------------------------------------------
# data and scoring


def load_score(eval_dir: Path):
    spec = importlib.util.spec_from_file_location("eval_score", eval_dir / "score.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def load_aeb(eval_dir: Path) -> tuple[list[tuple[str, str, str | None, str | None]], dict[str, str]]:
    truth = json.loads((eval_dir / "aeb" / "ground-truth.json").read_text(encoding="utf-8"))
    pages = []
    for path in sorted((eval_dir / "aeb" / "html").glob("*.html.gz")):
        doc_id = path.name[: -len(".html.gz")]
        pages.append((doc_id, gzip.decompress(path.read_bytes()).decode("utf-8"), truth[doc_id].get("url"), None))
    return pages, {k: v["articleBody"] for k, v in truth.items()}


def load_syndication(eval_dir: Path) -> tuple[list[tuple[str, str, str | None, str | None]], dict[str, str]]:
    base = eval_dir / "syndication-dev"
    corpus = {r["id"]: r for r in map(json.loads, (base / "corpus.jsonl").open(encoding="utf-8"))}
    gold = {r["id"]: r["clean_text"] for r in map(json.loads, (base / "labels.jsonl").open(encoding="utf-8"))}
    pages = []
    for path in sorted((base / "html").glob("*.html.gz")):
        doc_id = path.name[: -len(".html.gz")]
        record = corpus[doc_id]
        pages.append((doc_id, gzip.decompress(path.read_bytes()).decode("utf-8"), record.get("url"), record.get("site")))
    return pages, gold


def load_readability(eval_dir: Path) -> tuple[list[tuple[str, str, str | None, str | None]], dict[str, str]]:
    base = eval_dir / "readability"
    truth = json.loads((base / "ground-truth.json").read_text(encoding="utf-8"))
    pages = [(k, (base / "html" / f"{k}.html").read_text(encoding="utf-8"), None, None) for k in sorted(truth)]
    return pages, {k: v["articleBody"] for k, v in truth.items()}


def cold_caches() -> None:
    """Forget cleaner's memoised rule lookups (id/class strings and words seen
    before), so every timed pass starts as on a corpus of unseen sites."""
    load_rules.cache_clear()


def run_system(fn: Callable, pages: list) -> tuple[dict[str, str], float, float, int]:
    """Predictions, wall and CPU seconds of one pass, and the number of pages that raised.

    CPU seconds (``time.process_time``) are what one core spends; on a shared
    machine the wall time also counts waiting for a core.
    """
    cold_caches()
    for doc_id, html, url, site in pages[:WARMUP]:
        try:
            fn(html, doc_id, url, site)
        except Exception:  # noqa: BLE001 - a warm-up failure shows again in the timed pass
            pass
    out: dict[str, str] = {}
    errors = 0
    start, start_cpu = time.perf_counter(), time.process_time()
    for doc_id, html, url, site in pages:
        try:
            out[doc_id] = fn(html, doc_id, url, site) or ""
        except ExtractionError:
            out[doc_id] = ""
            errors += 1
        except Exception:  # noqa: BLE001 - an anchor library failing on a page scores it empty
            out[doc_id] = ""
            errors += 1
    return out, time.perf_counter() - start, time.process_time() - start_cpu, errors


def score_run(score, gold: dict[str, str], pred: dict[str, str]) -> dict[str, float]:
    rows = [score.doc_score(gold[k], pred[k]) for k in pred]
    return score.aggregate(rows)


def save(name: str, set_name: str, pred: dict[str, str]) -> None:
    folder = WORK / set_name
    folder.mkdir(parents=True, exist_ok=True)
    slug = "".join(c if c.isalnum() else "_" for c in name).strip("_")
    with (folder / f"{slug}.jsonl").open("w", encoding="utf-8") as f:
        for doc_id, text in pred.items():
            f.write(json.dumps({"id": doc_id, "text": text}, ensure_ascii=False) + "\n")


# ---------------------------------------------------------------------------
# memory and workers

_POOL_PAGES: list = []
_POOL_FN: Callable | None = None


def _pool_init(pages: list, fn_name: str) -> None:
    global _POOL_PAGES, _POOL_FN
    cold_caches()  # a forked worker would otherwise inherit this process's warm caches
    _POOL_PAGES = pages
    _POOL_FN = SYSTEMS[fn_name]


def _pool_task(i: int) -> int:
    doc_id, html, url, site = _POOL_PAGES[i]
    try:
        return len(_POOL_FN(html, doc_id, url, site))  # type: ignore[misc]
    except Exception:  # noqa: BLE001
        return 0


def pool_pages_per_second(pages: list, fn_name: str, workers: int) -> float:
    ctx = multiprocessing.get_context("fork")
    with ctx.Pool(workers, initializer=_pool_init, initargs=(pages, fn_name)) as pool:
        pool.map(_pool_task, range(min(WARMUP * workers, len(pages))))  # imports and first calls
        start = time.perf_counter()
        pool.map(_pool_task, range(len(pages)), chunksize=4)
        return len(pages) / (time.perf_counter() - start)


def _memory_worker(eval_dir: Path, fn_name: str, queue) -> None:
    # Pages are read one at a time from disk, so that the figure is the
    # extractor's working memory, not the corpus held in memory.
    fn = SYSTEMS[fn_name]
    truth = json.loads((eval_dir / "aeb" / "ground-truth.json").read_text(encoding="utf-8"))
    paths = sorted((eval_dir / "aeb" / "html").glob("*.html.gz"))

    def page(path: Path) -> tuple[str, str, str | None]:
        doc_id = path.name[: -len(".html.gz")]
        return doc_id, gzip.decompress(path.read_bytes()).decode("utf-8"), truth[doc_id].get("url")

    doc_id, html, url = page(paths[0])
    fn(html, doc_id, url, None)  # imports and first-call set-up done
    del html
    base = _peak_rss_kib()
    for path in paths:
        doc_id, html, url = page(path)
        try:
            fn(html, doc_id, url, None)
        except Exception:  # noqa: BLE001
            pass
    queue.put((base, _peak_rss_kib()))


def _peak_rss_kib() -> int:
    """Peak resident set of this process's own memory (VmHWM, KiB).

    Not ``ru_maxrss``: on Linux that survives exec, so a spawned worker would
    report its parent's peak.
    """
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def peak_memory_mib(eval_dir: Path, fn_name: str) -> tuple[float, float]:
    """(peak RSS, rise of the peak over the worker after imports) in MiB, in a fresh worker.

    The worker is started with "spawn", so it holds nothing of this process.
    """
    ctx = multiprocessing.get_context("spawn")
    queue = ctx.Queue()
    proc = ctx.Process(target=_memory_worker, args=(eval_dir, fn_name, queue))
    proc.start()
    base, peak = queue.get()
    proc.join()
    return peak / 1024, (peak - base) / 1024


# ---------------------------------------------------------------------------
# report


def table(rows: list[list[str]], header: list[str]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--eval", type=Path, default=ROOT.parent / "shared" / "eval")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--repeat", type=int, default=3, help="timed passes per system on aeb (median reported)")
    parser.add_argument("--systems", default=",".join(SYSTEMS), help="comma-separated system names (default: all)")
    parser.add_argument("--skip-syndication", action="store_true")
    parser.add_argument("--write", type=Path, help="also write the report (markdown) to this file")
    args = parser.parse_args(argv)

    score = load_score(args.eval)
    names = [n for n in args.systems.split(",") if n]
    report: list[str] = []

    def say(text: str = "") -> None:
        print(text, flush=True)
        report.append(text)

    try:
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True).stdout.strip()
    except OSError:
        commit = "?"
    say(f"Date: {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}; commit {commit}; "
        f"machine: {os.cpu_count()} cores, {platform.machine()}, Python {platform.python_version()}; "
        f"load average at start {os.getloadavg()[0]:.2f}")
    say()

    # 1. AEB, one core -------------------------------------------------------
    pages, gold = load_aeb(args.eval)
    say(f"## aeb: {len(pages)} pages, one core, gold articleBody")
    say()
    rows = []
    speed: dict[str, float] = {}
    # Every system runs --repeat times, in turn, so that a busy spell of the
    # machine does not fall on one system only; pages/s is the median pass.
    cpu_runs: dict[str, list[float]] = {name: [] for name in names}
    wall_runs: dict[str, list[float]] = {name: [] for name in names}
    results: dict[str, tuple[dict[str, str], int]] = {}
    for _ in range(args.repeat):
        for name in names:
            pred, seconds, cpu, errors = run_system(SYSTEMS[name], pages)
            cpu_runs[name].append(len(pages) / cpu)
            wall_runs[name].append(len(pages) / seconds)
            results.setdefault(name, (pred, errors))
    for name in names:
        pred, errors = results[name]
        save(name, "aeb", pred)
        m = score_run(score, gold, pred)
        speed[name] = statistics.median(cpu_runs[name])
        rows.append([name, f"{m['f1']:.4f}", f"{m['precision']:.4f}", f"{m['recall']:.4f}", f"{m['mean_doc_f1']:.4f}",
                     f"{m['accuracy']:.3f}", f"{speed[name]:.1f}", f"{statistics.median(wall_runs[name]):.1f}", str(errors)])
        print(f"  {name}: F1 {m['f1']:.4f} CPU pages/s per pass {[round(x) for x in cpu_runs[name]]}", file=sys.stderr, flush=True)
    anchor = speed.get("trafilatura favor_precision")
    if anchor:
        for row in rows:
            row.append(f"{speed[row[0]] / anchor:.2f}x")
    say(table(rows, ["system", "F1", "precision", "recall", "mean doc F1", "accuracy", "pages/s per core (CPU time)",
                     "pages/s (wall)", "errors"] + (["speed vs trafilatura favor_precision (CPU)"] if anchor else [])))
    say()

    # 2. memory ------------------------------------------------------------------
    say(f"## Peak memory of one worker over the {len(pages)} aeb pages")
    say()
    mem_rows = []
    for name in ("cleaner extract_html", "cleaner clean_html (extract + strip_text)", "trafilatura favor_precision"):
        if name in names:
            peak, rise = peak_memory_mib(args.eval, name)
            mem_rows.append([name, f"{peak:.0f}", f"{rise:.1f}"])
    say(table(mem_rows, ["system", "peak RSS (MiB)", "rise over the worker after imports (MiB)"]))
    say()

    # 3. workers -----------------------------------------------------------------
    say(f"## Pages/s with {args.workers} worker processes (aeb, {len(pages)} pages)")
    say()
    pool_rows = []
    for name in ("cleaner extract_html", "cleaner clean_html (extract + strip_text)", "trafilatura favor_precision"):
        if name in names:
            pool_rows.append([name, f"{pool_pages_per_second(pages, name, args.workers):.1f}"])
    say(table(pool_rows, ["system", f"pages/s ({args.workers} workers)"]))
    say()

    # 4. syndication-dev and readability -----------------------------------------
    others = [("readability", "readability/html: 94 multilingual pages, gold articleBody", load_readability)]
    if not args.skip_syndication:
        others.insert(0, ("syndication", "syndication-dev/html: copies with HTML (--restrict), gold clean_text",
                          load_syndication))
    for set_name, title, loader in others:
        pages, gold = loader(args.eval)
        say(f"## {title} ({len(pages)} pages)")
        say()
        rows = []
        speeds: dict[str, float] = {}
        for name in ("cleaner clean_html (extract + strip_text)", "cleaner extract_html", "trafilatura", "trafilatura favor_precision"):
            if name not in names:
                continue
            run_system(SYSTEMS[name], pages)  # a whole pass first: every rule table and model loaded
            pred, seconds, cpu, errors = run_system(SYSTEMS[name], pages)
            save(name, set_name, pred)
            m = score_run(score, gold, pred)
            speeds[name] = len(pages) / cpu
            rows.append([name, f"{m['mean_doc_f1']:.4f}", f"{m['f1']:.4f}", f"{m['precision']:.4f}", f"{m['recall']:.4f}",
                         f"{speeds[name]:.1f}", str(errors)])
        anchor = speeds.get("trafilatura favor_precision")
        for row in rows:
            row.append(f"{speeds[row[0]] / anchor:.2f}x" if anchor else "-")
        say(table(rows, ["system", "mean doc F1", "F1", "precision", "recall", "pages/s per core (CPU time)", "errors",
                         "speed vs trafilatura favor_precision (CPU)"]))
        say()

    if args.write:
        args.write.parent.mkdir(parents=True, exist_ok=True)
        args.write.write_text("\n".join(report) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
