"""Language detectors compared: accuracy, speed and size, on the eval kit's pages.

Usage::

    .venv/bin/python benchmarks/bench_language.py [--eval ../shared/eval]

Needs ``py3langid`` (cleaner's detector, a dependency) and, for the comparison,
``lingua-language-detector`` (``pip install lingua-language-detector``; left out when missing).

Labels: the readability set's ``lang`` field (71 of 94 pages say; the base tag "en-US" -> "en"),
and on aeb (no language field) the page's own ``<html lang>`` where it has one.  Each detector sees
the gold article text (what the text stage gets after a good extraction) and the whole flattened
page (what it gets in text mode).  Speed = documents / CPU seconds on one core, after a warm-up
(model loading is timed apart).
"""
from __future__ import annotations

import argparse
import gzip
import json
import os
import platform
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from cleaner.strip.language import detect_language  # noqa: E402


def html_lang(page: str) -> str | None:
    from selectolax.lexbor import LexborHTMLParser

    node = LexborHTMLParser(page).css_first("html")
    lang = node.attributes.get("lang") if node is not None else None
    return lang.split("-")[0].split("_")[0].lower() if lang and lang.strip() else None


def samples(eval_dir: Path) -> dict[str, list[tuple[str, str, str]]]:
    """{sample name: [(id, text, label)]}"""
    out: dict[str, list[tuple[str, str, str]]] = {}
    base = eval_dir / "readability"
    truth = json.loads((base / "ground-truth.json").read_text(encoding="utf-8"))
    labelled = {k: v["lang"].split("-")[0].lower() for k, v in truth.items() if v.get("lang")}
    out["readability, gold article"] = [(k, truth[k]["articleBody"], lab) for k, lab in sorted(labelled.items())]
    out["readability, whole page (txt)"] = [
        (k, (base / "txt" / f"{k}.txt").read_text(encoding="utf-8"), lab) for k, lab in sorted(labelled.items())
    ]
    aeb = json.loads((eval_dir / "aeb" / "ground-truth.json").read_text(encoding="utf-8"))
    rows = []
    for k in sorted(aeb):
        page = gzip.decompress((eval_dir / "aeb" / "html" / f"{k}.html.gz").read_bytes()).decode("utf-8")
        lab = html_lang(page)
        if lab:
            rows.append((k, aeb[k]["articleBody"], lab))
    out["aeb, gold article vs <html lang>"] = rows
    return out


def detect_with_own_classify(text: str | None) -> str | None:
    """cleaner's detection (same sample, same thresholds) scored by py3langid's own Python walk
    and float16 product, as before the compiled walk: the A/B of the speed branch in one run."""
    from cleaner.strip import language

    if not text:
        return None
    chosen = language.sample(text)
    if sum(ch.isalpha() for ch in chosen) < language.MIN_LETTERS:
        return None
    code, probability = language._identifier().identifier.classify(chosen)
    if probability < language.MIN_PROBABILITY or code == language.NO_LANGUAGE:
        return None
    return str(code)


def detectors() -> dict[str, object]:
    found: dict[str, object] = {"py3langid (cleaner.strip.language)": detect_language,
                                "py3langid, its own classify (before the speed branch)": detect_with_own_classify}
    try:
        from lingua import LanguageDetectorBuilder
    except ImportError:
        return found
    for label, low in (("lingua, high accuracy", False), ("lingua, low accuracy", True)):
        start = time.process_time()
        builder = LanguageDetectorBuilder.from_all_languages()
        if low:
            builder = builder.with_low_accuracy_mode()
        detector = builder.build()

        def detect(text: str, detector=detector) -> str | None:
            found = detector.detect_language_of(text)
            return found.iso_code_639_1.name.lower() if found is not None else None

        detect("warm up the model: a sentence in English.")
        found[label] = detect
        print(f"  {label}: built in {time.process_time() - start:.2f} s CPU", file=sys.stderr)
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--eval", type=Path, default=ROOT.parent / "shared" / "eval")
    args = parser.parse_args(argv)
    print(f"Date: {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}; {os.cpu_count()} cores "
          f"({platform.machine()}, Python {platform.python_version()}), machine shared with other jobs\n")
    start = time.process_time()
    detect_language("Warm up the model with a sentence in English.")
    print(f"py3langid model load + first call: {time.process_time() - start:.2f} s CPU\n")
    sets = samples(args.eval)
    found = detectors()
    print("| detector | sample | docs | accuracy | docs/s (CPU) | misses (id: label -> detected) |")
    print("|---|---|---|---|---|---|")
    for name, detect in found.items():
        for sample, rows in sets.items():
            start = time.process_time()
            got = [detect(text) for _, text, _ in rows]
            cpu = time.process_time() - start
            right = sum(g == lab for g, (_, _, lab) in zip(got, rows))
            misses = ", ".join(f"{k}: {lab}->{g}" for g, (k, _, lab) in zip(got, rows) if g != lab)
            print(f"| {name} | {sample} | {len(rows)} | {right / len(rows):.3f} | {len(rows) / cpu:.0f} | {misses} |")
    print()
    pipeline_cost(args.eval)
    return 0


def pipeline_cost(eval_dir: Path) -> None:
    """What detection adds to a document's strip stage: ``prepare_document`` + ``strip_document``
    on the aeb-text pages with the language detected, and with it given (``StripOptions(language="en")``);
    and detected by py3langid's own classify, the A/B of the speed branch."""
    from cleaner.records import Document
    from cleaner.strip import StripOptions, prepare_document, strip_document

    truth = json.loads((eval_dir / "aeb" / "ground-truth.json").read_text(encoding="utf-8"))
    texts = [(eval_dir / "aeb-text" / "txt" / f"{k}.txt").read_text(encoding="utf-8") for k in sorted(truth)]
    print("| aeb-text, prepare_document + strip_document | docs | docs/s (CPU, one core, best of 3) |")
    print("|---|---|---|")
    import cleaner.strip as strip_package

    ours = strip_package.detect_language
    for label, language, detect in (("language given (en)", "en", ours), ("language detected", None, ours),
                                    ("language detected, py3langid's own classify (before the speed branch)", None,
                                     detect_with_own_classify)):
        strip_package.detect_language = detect  # (what cleaner.strip.document_language calls)
        options = StripOptions(language=language)
        for text in texts:  # warm: every rule table the pages need is compiled once
            strip_document(prepare_document(Document(id="w", content=text, mode="text"), options), None, options)
        best = 0.0
        for _ in range(3):
            start = time.process_time()
            for text in texts:
                strip_document(prepare_document(Document(id="d", content=text, mode="text"), options), None, options)
            best = max(best, len(texts) / (time.process_time() - start))
        print(f"| {label} | {len(texts)} | {best:.0f} |")
    strip_package.detect_language = ours


if __name__ == "__main__":
    raise SystemExit(main())
