"""Every extraction figure on every set, with the anchors measured in the same run.

Usage::

    .venv/bin/python benchmarks/bench_sets.py [--eval ../shared/eval] [--sets aeb,readability,...]
        [--systems cleaner,trafilatura,...] [--write benchmarks/results/sets.md]

Sets (the eval kit's, see its README): ``aeb`` (HTML, 181 pages), ``aeb-text`` (the same pages
flattened), ``readability`` (HTML, 94 multilingual pages), ``readability-txt`` (flattened),
``syndication-html`` (546 copies with HTML, ``--restrict``), ``syndication-txt`` (547 copies).

Systems, on the HTML sets:

* ``cleaner`` - ``prepare_document`` + ``strip_document`` (what ``clean_html`` and the pipeline run:
  extraction, language detection, the text stage; no corpus evidence);
* ``cleaner extract`` - the HTML stage alone (``extract_html``);
* ``cleaner pruning only`` - every block the prune rules leave, before the main-content choice
  (with ``whole text`` and ``cleaner extract``: where recall is lost, stage by stage);
* ``trafilatura`` / ``trafilatura favor_precision`` - ``trafilatura.extract(include_comments=False)``
  (the kit's BASELINES.md calls); ``trafilatura library defaults`` - ``extract(page)`` (comments in);
* ``trafilatura bare_extraction`` - the text of ``bare_extraction(with_metadata=True)``;
* ``jusText`` - with the stoplist of the page's language (gold ``lang`` when the set has it, else
  the language cleaner detects on the whole text; English when jusText has no stoplist for it);
* ``whole text`` - every text block of the page.

On the text sets: ``cleaner`` (language detected), ``trafilatura`` / ``favor_precision`` and
``jusText`` on the text with every line wrapped in ``<p>`` (as in the kit's BASELINES.md), and
``whole text`` (the input).  Every figure is the kit's ``score.py extraction`` (F1 of the macro
precision and recall of word 4-grams); pages/s = pages / CPU seconds of this process
(``time.process_time``, one core; the machine is shared, wall time would mislead).  F1 per
language is given for the readability sets (gold ``lang``, ``?`` when the page does not say).
Predictions go to ``benchmarks/_work/sets/<set>/<system>.jsonl`` for ``score.py --pred``.
"""
from __future__ import annotations

import argparse
import contextlib
import gzip
import html as html_lib
import importlib.util
import json
import os
import platform
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from cleaner.records import Document, Origin, Rejected  # noqa: E402
from cleaner.strip import StripOptions, prepare_document, strip_document  # noqa: E402
from cleaner.strip.html import extract_html  # noqa: E402
from cleaner.strip.language import detect_language  # noqa: E402

sys.path.insert(0, str(ROOT / "benchmarks"))
from bench_html import table  # noqa: E402 - one markdown table writer for the benchmarks

WORK = ROOT / "benchmarks" / "_work" / "sets"
SETS = ("aeb", "aeb-text", "readability", "readability-txt", "syndication-html", "syndication-txt")


# ---------------------------------------------------------------------------
# data: (id, content, url, site, language or None) and gold


def load_set(eval_dir: Path, name: str) -> tuple[str, list[tuple[str, str, str | None, str | None, str | None]], dict[str, str]]:
    """(mode, pages, gold) of one set."""
    if name in ("aeb", "aeb-text"):
        truth = json.loads((eval_dir / "aeb" / "ground-truth.json").read_text(encoding="utf-8"))
        gold = {k: v["articleBody"] for k, v in truth.items()}
        pages = []
        for doc_id in sorted(truth):
            if name == "aeb":
                content = gzip.decompress((eval_dir / "aeb" / "html" / f"{doc_id}.html.gz").read_bytes()).decode("utf-8")
            else:
                content = (eval_dir / "aeb-text" / "txt" / f"{doc_id}.txt").read_text(encoding="utf-8")
            pages.append((doc_id, content, truth[doc_id].get("url"), None, None))
        return ("html" if name == "aeb" else "text"), pages, gold
    if name in ("readability", "readability-txt"):
        base = eval_dir / "readability"
        truth = json.loads((base / "ground-truth.json").read_text(encoding="utf-8"))
        gold = {k: v["articleBody"] for k, v in truth.items()}
        pages = []
        for doc_id in sorted(truth):
            sub, ext = ("html", "html") if name == "readability" else ("txt", "txt")
            content = (base / sub / f"{doc_id}.{ext}").read_text(encoding="utf-8")
            pages.append((doc_id, content, None, None, truth[doc_id].get("lang")))
        return ("html" if name == "readability" else "text"), pages, gold
    base = eval_dir / "syndication-dev"
    corpus = {r["id"]: r for r in map(json.loads, (base / "corpus.jsonl").open(encoding="utf-8"))}
    gold = {r["id"]: r["clean_text"] for r in map(json.loads, (base / "labels.jsonl").open(encoding="utf-8"))}
    pages = []
    if name == "syndication-html":
        for path in sorted((base / "html").glob("*.html.gz")):
            doc_id = path.name[: -len(".html.gz")]
            rec = corpus[doc_id]
            pages.append((doc_id, gzip.decompress(path.read_bytes()).decode("utf-8"), rec.get("url"), rec.get("site"), None))
        return "html", pages, gold
    for doc_id in sorted(corpus):
        rec = corpus[doc_id]
        pages.append((doc_id, rec["text"], rec.get("url"), rec.get("site"), None))
    return "text", pages, gold


# ---------------------------------------------------------------------------
# systems: (content, url, site, language) -> text


def cleaner_document(mode: str) -> Callable:
    options = StripOptions()

    def run(content: str, url, site, language) -> str:
        doc = Document(id="bench", content=content, mode=mode, url=url, site=site, origin=Origin(path="bench"))
        prepared = prepare_document(doc, options)
        if isinstance(prepared, Rejected):
            return ""
        result = strip_document(prepared, None, options)
        return "" if isinstance(result, Rejected) else (result.text or "")

    return run


def cleaner_extract(content: str, url, site, language) -> str:
    return extract_html(content, url=url).text


def as_paragraph_html(text: str) -> str:
    body = "".join(f"<p>{html_lib.escape(line.strip())}</p>\n" for line in text.splitlines() if line.strip())
    return f"<html><body>\n{body}</body></html>"


def trafilatura_fn(precision: bool, wrap: bool) -> Callable:
    def run(content: str, url, site, language) -> str:
        import trafilatura

        page = as_paragraph_html(content) if wrap else content
        return trafilatura.extract(page, include_comments=False, favor_precision=precision) or ""

    return run


def trafilatura_library_defaults(content: str, url, site, language) -> str:
    import trafilatura

    return trafilatura.extract(content) or ""


def trafilatura_bare(content: str, url, site, language) -> str:
    import trafilatura

    result = trafilatura.bare_extraction(content, with_metadata=True)
    if result is None:
        return ""
    text = result.get("text") if isinstance(result, dict) else getattr(result, "text", None)
    return text or ""


# ISO 639-1 -> jusText stoplist name (jusText names its stoplists in English)
_JUSTEXT_NAMES = {
    "en": "English", "de": "German", "fr": "French", "es": "Spanish", "it": "Italian", "pt": "Portuguese",
    "nl": "Dutch", "pl": "Polish", "cs": "Czech", "ru": "Russian", "sv": "Swedish", "tr": "Turkish",
    "hu": "Hungarian", "da": "Danish", "fi": "Finnish", "no": "Norwegian_Bokmal", "nb": "Norwegian_Bokmal",
    "ro": "Romanian", "sk": "Slovak", "sl": "Slovenian", "hr": "Croatian", "bg": "Bulgarian", "uk": "Ukrainian",
    "el": "Greek", "id": "Indonesian", "ca": "Catalan", "ko": "Korean", "lt": "Lithuanian", "lv": "Latvian",
    "et": "Estonian", "vi": "Vietnamese", "ar": "Arabic", "fa": "Persian", "he": "Hebrew", "hi": "Hindi",
}


def justext_stoplist(language: str | None):
    import justext

    name = _JUSTEXT_NAMES.get((language or "en").split("-")[0].lower(), "English")
    try:
        return justext.get_stoplist(name)
    except ValueError:
        return justext.get_stoplist("English")


def justext_fn(wrap: bool) -> Callable:
    def run(content: str, url, site, language) -> str:
        import justext

        page = as_paragraph_html(content) if wrap else content
        paragraphs = justext.justext(page, justext_stoplist(language), 50, 200, 0.1, 0.2, 0.2, 200, True)
        return "\n".join(p.text for p in paragraphs if not p.is_boilerplate)

    return run


def whole_html_text(content: str, url, site, language) -> str:
    from selectolax.lexbor import LexborHTMLParser

    from cleaner.strip.html import collect_blocks

    tree = LexborHTMLParser(content)
    root = tree.body or tree.root
    return "\n".join(b.text for b in collect_blocks(root).blocks) if root is not None else ""


def cleaner_pruned_page(content: str, url, site, language) -> str:
    """Every block that pruning leaves (``walk_page``, as ``extract_html`` prunes: marked elements
    that hold the article are kept), before the main-content choice: what pruning alone keeps."""
    from selectolax.lexbor import LexborHTMLParser

    from cleaner.strip.html import (
        DensityParams,
        HtmlOptions,
        WalkMarks,
        _skip_tags,
        walk_page,
    )
    from cleaner.strip.prune import load_rules, protected_nodes, shield_ids

    tree = LexborHTMLParser(content)
    body = tree.body or tree.root
    if body is None:
        return ""
    rules = load_rules(None)
    protected = protected_nodes(body)
    marks = WalkMarks(rules=rules, shield=shield_ids(protected), protected={n.mem_id for n in protected})
    walk = {"skip_tags": _skip_tags(rules, HtmlOptions())}
    page = walk_page(body, marks, DensityParams(), rules.article_chars, walk)
    return "\n".join(b.text for b in page.tree.blocks if not page.removed[b.owner])


def systems_for(mode: str) -> dict[str, Callable]:
    if mode == "html":
        return {
            "cleaner": cleaner_document("html"),
            "cleaner extract": cleaner_extract,
            "cleaner pruning only": cleaner_pruned_page,
            "trafilatura": trafilatura_fn(False, False),
            "trafilatura favor_precision": trafilatura_fn(True, False),
            "trafilatura library defaults": trafilatura_library_defaults,
            "trafilatura bare_extraction": trafilatura_bare,
            "jusText (page's language)": justext_fn(False),
            "whole text": whole_html_text,
        }
    return {
        "cleaner": cleaner_document("text"),
        "trafilatura": trafilatura_fn(False, True),
        "trafilatura favor_precision": trafilatura_fn(True, True),
        "jusText (page's language)": justext_fn(True),
        "whole text": lambda content, url, site, language: content,
    }


# ---------------------------------------------------------------------------
# scoring and report


def load_score(eval_dir: Path):
    spec = importlib.util.spec_from_file_location("eval_score", eval_dir / "score.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module


def run_system(fn: Callable, pages: list, languages: dict[str, str | None]) -> tuple[dict[str, str], float, int]:
    out: dict[str, str] = {}
    errors = 0
    for doc_id, content, url, site, _ in pages[:3]:  # imports, models and rule tables loaded before timing
        with contextlib.suppress(Exception):  # a failure shows again in the timed pass
            fn(content, url, site, languages[doc_id])
    start = time.process_time()
    for doc_id, content, url, site, _ in pages:
        try:
            out[doc_id] = fn(content, url, site, languages[doc_id]) or ""
        except Exception:  # noqa: BLE001 - a library failing on a page scores it empty
            out[doc_id] = ""
            errors += 1
    return out, time.process_time() - start, errors


def save(set_name: str, system: str, pred: dict[str, str]) -> None:
    folder = WORK / set_name
    folder.mkdir(parents=True, exist_ok=True)
    slug = "".join(c if c.isalnum() else "_" for c in system).strip("_")
    with (folder / f"{slug}.jsonl").open("w", encoding="utf-8") as f:
        for doc_id, text in pred.items():
            f.write(json.dumps({"id": doc_id, "text": text}, ensure_ascii=False) + "\n")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--eval", type=Path, default=ROOT.parent / "shared" / "eval")
    parser.add_argument("--sets", default=",".join(SETS))
    parser.add_argument("--systems", default="", help="comma-separated system names (default: all)")
    parser.add_argument("--write", type=Path, help="also write the report (markdown) to this file")
    args = parser.parse_args(argv)
    if not (args.eval / "score.py").exists():
        print(f"evaluation kit not found at {args.eval}", file=sys.stderr)
        return 2
    score = load_score(args.eval)
    wanted = [s for s in args.systems.split(",") if s]
    report: list[str] = []

    def say(text: str = "") -> None:
        print(text, flush=True)
        report.append(text)

    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True,
                            check=False).stdout.strip()
    say(f"Date: {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}; commit {commit}; machine: {os.cpu_count()} cores "
        f"({platform.machine()}, Python {platform.python_version()}), shared with other jobs "
        f"(load average at start {os.getloadavg()[0]:.2f}); pages/s = pages / CPU seconds of one core")
    say()
    summary: list[list[str]] = []
    for set_name in [s for s in args.sets.split(",") if s]:
        mode, pages, gold = load_set(args.eval, set_name)
        # the page's language for jusText: the set's label, else what cleaner detects on the whole text
        languages: dict[str, str | None] = {}
        for doc_id, content, url, site, language in pages:
            if language is None:
                text = whole_html_text(content, url, site, None) if mode == "html" else content
                language = detect_language(text)
            languages[doc_id] = language
        systems = systems_for(mode)
        names = [n for n in systems if not wanted or n in wanted or n.split(" ")[0] in wanted]
        say(f"## {set_name} ({mode}, {len(pages)} pages)")
        say()
        rows = []
        preds: dict[str, dict[str, str]] = {}
        best_anchor = (0.0, "")
        for name in names:
            pred, cpu, errors = run_system(systems[name], pages, languages)
            preds[name] = pred
            save(set_name, name, pred)
            m = score.aggregate([score.doc_score(gold[k], pred[k]) for k in pred])
            rows.append([name, f"{m['f1']:.4f}", f"{m['precision']:.4f}", f"{m['recall']:.4f}", f"{m['mean_doc_f1']:.4f}",
                         f"{len(pages) / cpu:.1f}" if cpu > 0 else "-", str(errors)])
            if not name.startswith("cleaner") and name != "whole text" and m["f1"] > best_anchor[0]:
                best_anchor = (m["f1"], name)
            if name == "cleaner":
                cleaner_f1 = m["f1"]
            print(f"  {set_name} {name}: F1 {m['f1']:.4f} ({cpu:.1f} s CPU)", file=sys.stderr, flush=True)
        say(table(rows, ["system", "F1", "precision", "recall", "mean doc F1", "pages/s (CPU, one core)", "errors"]))
        say()
        if "cleaner" in preds and best_anchor[1]:
            summary.append([set_name, f"{cleaner_f1:.4f}", f"{best_anchor[1]} {best_anchor[0]:.4f}",
                            f"{cleaner_f1 - best_anchor[0]:+.4f}"])
        if set_name.startswith("readability"):
            by_lang: dict[str, list[str]] = {}
            for doc_id, *_rest, language in pages:
                by_lang.setdefault((language or "?").split("-")[0].lower(), []).append(doc_id)
            lang_rows = []
            for lang in sorted(by_lang, key=lambda k: (-len(by_lang[k]), k)):
                ids = by_lang[lang]
                cells = [lang, str(len(ids))]
                for name in names:
                    m = score.aggregate([score.doc_score(gold[k], preds[name][k]) for k in ids])
                    cells.append(f"{m['f1']:.3f}")
                lang_rows.append(cells)
            say(f"F1 per language ({set_name}; gold `lang`, `?` = the page does not say):")
            say()
            say(table(lang_rows, ["lang", "pages", *names]))
            say()
    if summary:
        say("## Summary: cleaner against the best anchor of each set")
        say()
        say(table(summary, ["set", "cleaner F1", "best anchor F1", "cleaner - best anchor"]))
        say()
    if args.write:
        args.write.parent.mkdir(parents=True, exist_ok=True)
        args.write.write_text("\n".join(report) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
