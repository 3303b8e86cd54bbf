"""Benchmark of the plain-text strip stage against the anchor extractors, in one run.

Systems (the baselines exactly as ../shared/eval/BASELINES.md ran them):

* identity     - the whole input text
* jusText      - justext.justext(html, English stoplist, 50, 200, 0.1, 0.2, 0.2, 200, True) on the
                 text with every non-empty line wrapped as <p>...</p> (HTML-escaped)
* trafilatura  - trafilatura.extract(html, include_comments=False) on the same <p>-wrapped HTML
* cleaner      - cleaner.strip.text.strip_text(text) (no corpus evidence)
* cleaner+corpus (syndication-dev only) - strip_text with evidence gathered over the whole corpus
                 (cleaner.strip.corpus.gather_evidence, one extra pass)

Sets: aeb-text (181 flattened pages, gold = AEB articleBody; also reported for the two halves of the
sorted ids, even and odd, to show whether the settings favour some pages) and syndication-dev txt
(547 docs, gold = clean_text).  Metric: score.py's extraction metric (imported from the eval folder).

Per noise kind (syndication-dev): the share of documents carrying that kind whose inserted noise of
that kind is entirely gone from the output.  The inserted noise of a document is every piece of its
text that is neither a gold paragraph, nor its title line, nor a line of its site template (the AEB
page the template came from), plus the tail of a line that starts with a gold paragraph (a caption
glued to a paragraph).  Pieces are assigned to kinds with the generator's documented shapes
(README.md); this measurement-side assignment is not used by cleaner itself.

Speed: strip_text on the aeb-text pages, single process (= one core), repeated for a few seconds.

    /work/venv/bin/python benchmarks/bench_text.py            # prints markdown tables
    /work/venv/bin/python benchmarks/bench_text.py --quick    # cleaner rows only (no baselines)
"""
from __future__ import annotations

import argparse
import html
import importlib.util
import json
import os
import platform
import re
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from cleaner.strip.corpus import gather_evidence  # noqa: E402 - after the path set-up
from cleaner.strip.text import strip_text  # noqa: E402

EVAL = Path(os.environ.get("CLEANER_EVAL", ROOT.parent / "shared" / "eval"))


def _load_score():
    spec = importlib.util.spec_from_file_location("score", EVAL / "score.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


score = _load_score()


# ----------------------------------------------------------------------------- baselines
def as_paragraph_html(text: str) -> str:
    body = "".join(f"<p>{html.escape(line.strip())}</p>\n" for line in text.splitlines() if line.strip())
    return f"<html><body>\n{body}</body></html>"


def run_justext(text: str) -> str:
    import justext

    paragraphs = justext.justext(as_paragraph_html(text), justext.get_stoplist("English"),
                                 50, 200, 0.1, 0.2, 0.2, 200, True)
    return "\n".join(p.text for p in paragraphs if not p.is_boilerplate)


def run_trafilatura(text: str) -> str:
    import trafilatura

    return trafilatura.extract(as_paragraph_html(text), include_comments=False) or ""


# ----------------------------------------------------------------------------- data
def load_aeb():
    gold = json.loads((EVAL / "aeb-text" / "ground-truth.json").read_text(encoding="utf-8"))
    ids = sorted(gold)
    texts = {i: (EVAL / "aeb-text" / "txt" / f"{i}.txt").read_text(encoding="utf-8") for i in ids}
    return ids, texts, {i: gold[i]["articleBody"] for i in ids}


def load_syndication():
    base = EVAL / "syndication-dev"
    docs = [json.loads(line) for line in (base / "corpus.jsonl").read_text(encoding="utf-8").splitlines() if line.strip()]
    labels = {}
    for line in (base / "labels.jsonl").read_text(encoding="utf-8").splitlines():
        if line.strip():
            row = json.loads(line)
            labels[row["id"]] = row
    return docs, labels


def evaluate(pred: dict[str, str], gold: dict[str, str], ids) -> dict:
    rows = [score.doc_score(gold[i], pred.get(i, "")) for i in ids]
    return score.aggregate(rows)


# ----------------------------------------------------------------------------- noise kinds
KINDS = ["see_also", "advertisement", "photo_caption", "trailer_originally", "trailer_syndicated",
         "related_block", "comment_form", "cookie_banner"]


_SEE_ALSO = re.compile(r"(?:see also|also read|read also|read more|related|also see|more)\W{0,3}\w")


def _kind_of_piece(piece: str, kinds: list[str], glued: bool) -> str | None:
    """Assign an inserted noise piece to one of the doc's kinds (measurement only; README shapes)."""
    low = piece.lower()
    if glued and "photo_caption" in kinds:
        return "photo_caption"
    checks = [
        ("see_also", _SEE_ALSO.match(low) is not None),
        ("trailer_originally", "originally published" in low or "first published" in low or "originally appeared" in low),
        ("trailer_syndicated", "edited by" in low or "syndicated" in low),
        ("cookie_banner", "cookie" in low or "privacy" in low or low in {"accept", "ok", "got it", "i agree", "accept read more", "read more", "decline"}),
        ("photo_caption", piece.endswith(")") and ("photo" in low or "(file)" in low) or "credit" in low),
        ("advertisement", "advert" in low or "sponsor" in low or "continues below" in low or "continues after" in low),
        ("comment_form", any(w in low for w in ("comment", "reply", "your name", "email", "e-mail", "website", "required fields"))),
    ]
    for kind, hit in checks:
        if hit and kind in kinds:
            return kind
    if "related_block" in kinds:
        return "related_block"
    return kinds[0] if len(kinds) == 1 else None


def inserted_noise(doc: dict, label: dict, template_lines: set[str]) -> list[tuple[str, str]]:
    """(kind, piece) for every piece of inserted noise in a syndication-dev document."""
    kinds = list(label["noise"])
    if not kinds:
        return []
    paragraphs = [p for p in label["clean_text"].split("\n") if p.strip()]
    para_set = set(paragraphs)
    title = label["title"].strip()
    pieces: list[tuple[str, str]] = []
    for raw in doc["text"].split("\n"):
        line = raw.strip()
        if not line or line in para_set or line == title or line in template_lines:
            continue
        glued = next((p for p in paragraphs if line.startswith(p + " ")), None)
        if glued is not None:
            piece = line[len(glued):].strip()
            kind = _kind_of_piece(piece, kinds, True)
        else:
            piece = line
            kind = _kind_of_piece(piece, kinds, False)
        if kind is not None:
            pieces.append((kind, piece))
    return pieces


def removed_fully(piece: str, output_lines: list[str], output_text: str) -> bool:
    if len(piece) < 25:
        return piece not in output_lines
    return piece not in output_text


def noise_removal(docs, labels, outputs: dict[str, str]) -> dict[str, tuple[int, int]]:
    template_cache: dict[str, set[str]] = {}
    per_kind: dict[str, list[int]] = {k: [0, 0] for k in KINDS}
    for doc in docs:
        label = labels[doc["id"]]
        template = label["site_template"]
        if template not in template_cache:
            path = EVAL / "aeb-text" / "txt" / f"{template}.txt"
            text = path.read_text(encoding="utf-8") if path.exists() else ""
            template_cache[template] = {ln.strip() for ln in text.split("\n") if ln.strip()}
        pieces = inserted_noise(doc, label, template_cache[template])
        out = outputs[doc["id"]]
        out_lines = [ln.strip() for ln in out.split("\n")]
        for kind in label["noise"]:
            mine = [p for k, p in pieces if k == kind]
            if not mine:
                continue
            per_kind[kind][0] += 1
            if all(removed_fully(p, out_lines, out) for p in mine):
                per_kind[kind][1] += 1
    return {k: (v[0], v[1]) for k, v in per_kind.items()}


# ----------------------------------------------------------------------------- speed
def _passes(texts: list[str], fn, before_pass, seconds: float) -> tuple[float, float, float, float]:
    """Whole passes over ``texts`` for about ``seconds`` (at least 5): docs/s by CPU time of the
    best pass and of the median pass, docs/s by CPU time over all passes, docs/s by wall clock."""
    cpus: list[float] = []
    wall_total = 0.0
    while len(cpus) < 5 or wall_total < seconds:
        before_pass()
        wall0, cpu0 = time.perf_counter(), time.process_time()
        for t in texts:
            fn(t)
        cpus.append(time.process_time() - cpu0)
        wall_total += time.perf_counter() - wall0
    n = len(texts)
    cpus.sort()
    return n / cpus[0], n / cpus[len(cpus) // 2], n * len(cpus) / sum(cpus), n * len(cpus) / wall_total


def speed(texts: list[str], seconds: float = 5.0) -> list[tuple[str, float, float, float, float]]:
    """strip_text's speed in this one process (one core), with the build this process runs:

    * cold: every pass starts with an empty line memory (``_analysis.clear_memo()``), i.e. what one
      pass over these 181 pages costs, lines repeated across the pages included (the goal's figure);
    * warm: the same pages again with the lines of the earlier passes remembered (an upper
      bound: on new pages of the same sites only their template lines would be remembered);
    * language detected: each page's language detected first (``detect_language``), its table
      used (English when unsure), as the pipeline runs a page whose input names no language.
    """
    from cleaner.strip import _analysis
    from cleaner.strip import text as text_module
    from cleaner.strip.language import detect_language

    def detected(text: str):  # as prepare_document + strip_document run a page whose input names no language
        return strip_text(text, language=detect_language(text) or "en")

    for t in texts[:10]:
        detected(t)
    build = text_module.CORE
    return [(f"{build}, cold line memory each pass", *_passes(texts, strip_text, _analysis.clear_memo, seconds)),
            (f"{build}, warm line memory (same pages again)", *_passes(texts, strip_text, lambda: None, seconds)),
            (f"{build}, language detected, cold", *_passes(texts, detected, _analysis.clear_memo, seconds)),
            (f"{build}, language detected, warm", *_passes(texts, detected, lambda: None, seconds))]


def timed(fn, items):
    start = time.perf_counter()
    out = {key: fn(value) for key, value in items}
    return out, time.perf_counter() - start


def html_mode(docs, labels) -> None:
    """The HTML extractor alone vs followed by the text stage with TextOptions(extracted=True)."""
    import gzip

    from cleaner.strip.text import TextOptions

    try:
        from cleaner.strip.html import HtmlOptions, extract_html
    except ImportError as exc:  # the HTML stage is another module; report, do not fail the text benchmark
        print(f"## HTML mode (reference)\n\nskipped: cleaner.strip.html not importable ({exc})\n")
        return

    gold_aeb = json.loads((EVAL / "aeb" / "ground-truth.json").read_text(encoding="utf-8"))
    sets = {
        "aeb html": [(i, EVAL / "aeb" / "html" / f"{i}.html.gz", gold_aeb[i]["articleBody"]) for i in sorted(gold_aeb)],
        "syndication-dev html": [(d["id"], EVAL / "syndication-dev" / "html" / f"{d['id']}.html.gz",
                                  labels[d["id"]]["clean_text"]) for d in docs if labels[d["id"]]["html"]],
    }
    extracted = TextOptions(extracted=True)
    print("## HTML mode (reference): cleaner.strip.html extraction, then the text stage\n")
    print("| set | system | F1 | precision | recall |\n|---|---|---|---|---|")
    for name, items in sets.items():
        raw, stripped = [], []
        for doc_id, path, gold in items:
            ex = extract_html(gzip.open(path, "rt", encoding="utf-8").read(), doc_id=doc_id, options=HtmlOptions())
            raw.append(score.doc_score(gold, ex.text))
            stripped.append(score.doc_score(gold, strip_text(ex.text, title=ex.title, options=extracted).text))
        for system, rows in (("extract_html", raw), ("extract_html + strip_text(extracted=True)", stripped)):
            m = score.aggregate(rows)
            print(f"| {name} | {system} | {m['f1']:.3f} | {m['precision']:.3f} | {m['recall']:.3f} |")
    print()


# ----------------------------------------------------------------------------- robustness
def _hard_wrap(text: str, width: int = 72) -> str:
    import textwrap

    return "\n".join(textwrap.fill(line, width, break_long_words=False, break_on_hyphens=False) if line.strip()
                     else line for line in text.split("\n"))


_STRAY_TAGS = ("<![endif]-->", '<div id="x"></div>', "<br>")


def _stray_markup(text: str) -> str:
    """Every tenth line followed by a stray tag line, and one before the text (as scrapers leave them)."""
    lines = text.split("\n")
    out = [_STRAY_TAGS[0]]
    for k, line in enumerate(lines):
        out.append(line)
        if k % 10 == 9:
            out.append(_STRAY_TAGS[(k // 10) % 3])
    return "\n".join(out)


TRANSFORMS = [
    ("as flattened (one block a line)", lambda t: t),
    ("hard-wrapped at 72 columns", _hard_wrap),
    ("hard-wrapped at 64 columns", lambda t: _hard_wrap(t, 64)),
    ("CRLF line ends", lambda t: t.replace("\n", "\r\n")),
    ("tab-indented lines", lambda t: "\n".join("\t" + line for line in t.split("\n"))),
    ("non-breaking spaces between words", lambda t: t.replace(" ", "\u00a0")),
    ("zero-width spaces on blank lines and line ends", lambda t: t.replace("\n", "\u200b\n\u200b")),
    ("stray tag lines (<![endif]-->, <div id=\"x\"></div>, <br>)", _stray_markup),
    ("bullets as \u2022 instead of *", lambda t: re.sub(r"(?m)^\* ", "\u2022 ", t)),
]


def robustness(texts: list[str], gold: dict, ids: list[str]) -> None:
    """The aeb-text pages written in other ways; the gold article is the same.  The mode column:
    how many inputs a .txt file with this content is read as text (cleaner.io.readers.detect_mode,
    declared text) and, before, by the content alone."""
    from cleaner.io.readers import detect_mode

    print("## Robustness: the aeb-text pages written in other ways (same gold)\n")
    print("| input | F1 | precision | recall | read as text (.txt) | read as text by content alone |")
    print("|---|---|---|---|---|---|")
    for name, transform in TRANSFORMS:
        changed = [transform(t) for t in texts]
        pred = {i: strip_text(t).text for i, t in zip(ids, changed)}
        m = evaluate(pred, gold, ids)
        as_text = sum(detect_mode(t, "text") == "text" for t in changed)
        by_content = sum(detect_mode(t) == "text" for t in changed)
        print(f"| {name} | {m['f1']:.3f} | {m['precision']:.3f} | {m['recall']:.3f} | {as_text}/{len(changed)} "
              f"| {by_content}/{len(changed)} |")
    print()


# ----------------------------------------------------------------------------- report
def fmt_row(name: str, m: dict, seconds: float | None = None) -> str:
    cells = [name, f"{m['f1']:.3f}", f"{m['precision']:.3f}", f"{m['recall']:.3f}", f"{m['accuracy']:.3f}",
             f"{m['mean_doc_f1']:.3f}"]
    cells.append(f"{seconds:.1f}" if seconds is not None else "")
    return "| " + " | ".join(cells) + " |"


HEAD = "| system | F1 | precision | recall | accuracy | mean doc F1 | wall s |\n|---|---|---|---|---|---|---|"


def speed_table(seconds: float, rows_only: bool = False) -> None:
    gold = json.loads((EVAL / "aeb-text" / "ground-truth.json").read_text(encoding="utf-8"))
    page_texts = [(EVAL / "aeb-text" / "txt" / f"{i}.txt").read_text(encoding="utf-8") for i in sorted(gold)]
    rows = speed(page_texts, seconds)
    if rows_only:  # (the interpreted build's rows, for the table of the process that asked)
        print(json.dumps(rows))
        return
    from cleaner.strip import text as text_module

    if text_module.CORE == "compiled":  # the same source interpreted, in a fresh process of its own
        env = dict(os.environ, CLEANER_PURE_PYTHON="1")
        done = subprocess.run([sys.executable, __file__, "--speed-rows", "--speed-seconds", str(seconds)],
                              env=env, check=True, capture_output=True, text=True)
        rows += [tuple(row) for row in json.loads(done.stdout.strip().splitlines()[-1])]
    total_mb = sum(len(t.encode("utf-8")) for t in page_texts) / 1e6
    mean_kb = total_mb * 1e3 / len(page_texts)
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print("## Speed of strip_text (aeb-text pages, one process = one core)\n")
    print(f"{len(page_texts)} pages, mean {mean_kb:.1f} kB; CPU time of a fresh process that runs only this; "
          f"load average {load:.1f}\n")
    print("| build | docs/s per core (best pass) | (median pass) | (all passes) | MB/s per core (median pass) "
          "| docs/s (wall clock, all passes) |")
    print("|---|---|---|---|---|---|")
    for name, best, median, mean, wall in rows:
        print(f"| {name} | {best:,.0f} | {median:,.0f} | {mean:,.0f} | {median * total_mb / len(page_texts):.1f} "
              f"| {wall:,.0f} |")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="cleaner rows only, no baselines")
    parser.add_argument("--speed-seconds", type=float, default=5.0)
    parser.add_argument("--speed-rows", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--speed-only", action="store_true",
                        help="only the speed table (the full run measures speed this way, in a fresh process)")
    parser.add_argument("--html", action="store_true",
                        help="also run cleaner.strip.html + strip_text(extracted=True) on the HTML copies")
    args = parser.parse_args(argv)
    if not (EVAL / "score.py").exists():
        print(f"evaluation kit not found at {EVAL}", file=sys.stderr)
        return 2
    if args.speed_only or args.speed_rows:
        speed_table(args.speed_seconds, rows_only=args.speed_rows)
        return 0

    commit = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()
    print("# Text strip stage benchmark\n")
    print(f"date {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}; commit {commit}; Python {platform.python_version()}; "
          f"{platform.machine()}, {os.cpu_count()} cores (all figures single-process)\n")

    # ---- aeb-text
    ids, texts, gold = load_aeb()
    systems = [("cleaner", lambda t: strip_text(t).text)]
    if not args.quick:
        systems = [("identity", lambda t: t), ("jusText", run_justext), ("trafilatura", run_trafilatura)] + systems
    print("## aeb-text (181 pages, gold = AEB articleBody)\n")
    print(HEAD)
    cleaner_pred = None
    for name, fn in systems:
        pred, seconds = timed(fn, texts.items())
        print(fmt_row(name, evaluate(pred, gold, ids), seconds))
        if name == "cleaner":
            cleaner_pred = pred
    even, odd = ids[0::2], ids[1::2]
    print(fmt_row("cleaner, even half of ids", evaluate(cleaner_pred, gold, even)))
    print(fmt_row("cleaner, odd half of ids", evaluate(cleaner_pred, gold, odd)))
    print()
    robustness([texts[i] for i in ids], gold, ids)

    # ---- syndication-dev
    docs, labels = load_syndication()
    sgold = {i: row["clean_text"] for i, row in labels.items()}
    sids = [d["id"] for d in docs]
    print("## syndication-dev txt (547 docs, gold = labels clean_text)\n")
    print(HEAD)
    outputs: dict[str, dict[str, str]] = {}
    if not args.quick:
        for name, fn in (("identity", lambda t: t), ("jusText", run_justext), ("trafilatura", run_trafilatura)):
            pred, seconds = timed(fn, ((d["id"], d["text"]) for d in docs))
            outputs[name] = pred
            print(fmt_row(name, evaluate(pred, sgold, sids), seconds))
    pred, seconds = timed(lambda d: strip_text(d["text"], site=d["site"]).text, ((d["id"], d) for d in docs))
    outputs["cleaner"] = pred
    print(fmt_row("cleaner (no corpus evidence)", evaluate(pred, sgold, sids), seconds))
    start = time.perf_counter()
    evidence = gather_evidence((d["site"], d["text"], None) for d in docs)
    gather_seconds = time.perf_counter() - start
    pred, seconds = timed(
        lambda d: strip_text(d["text"], site=d["site"], evidence=evidence.for_document(d["site"], None)).text,
        ((d["id"], d) for d in docs),
    )
    outputs["cleaner+corpus"] = pred
    print(fmt_row("cleaner + corpus evidence", evaluate(pred, sgold, sids), seconds + gather_seconds))
    print(f"\n(corpus pass: {gather_seconds:.1f} s for {len(docs)} docs, included in the last row's wall time)\n")

    print("### Inserted noise entirely removed, by kind (share of the docs carrying that kind)\n")
    names = [n for n in ("identity", "jusText", "trafilatura", "cleaner", "cleaner+corpus") if n in outputs]
    print("| kind | docs | " + " | ".join(names) + " |")
    print("|---|---|" + "---|" * len(names))
    results = {name: noise_removal(docs, labels, outputs[name]) for name in names}
    for kind in KINDS:
        n = results[names[0]][kind][0]
        cells = [f"{results[name][kind][1] / n:.3f}" if n else "-" for name in names]
        print(f"| {kind} | {n} | " + " | ".join(cells) + " |")
    print()

    # ---- HTML mode (reference): the text stage on an extractor's output
    if args.html:
        html_mode(docs, labels)

    # ---- speed: in a fresh process, as a worker runs the stage (not in this one, whose heap now
    # holds the baselines' parsers and every result, which the garbage collector walks)
    sys.stdout.flush()
    subprocess.run([sys.executable, __file__, "--speed-only", "--speed-seconds", str(args.speed_seconds)],
                   check=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
