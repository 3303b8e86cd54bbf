"""A digest of everything the text stage decides on the development sets' text inputs, to show
that a change of how it runs (not of what it decides) leaves its output byte-identical.

Every .txt page of aeb-text, readability/txt and syndication-dev/txt goes through
``detect_language`` and ``strip_text`` with several options: the defaults (English table), the
detected language's table with a site name, ``extracted=True``, ``favor_precision`` and
``favor_recall``; each result (kept text, title, removed spans, attribution) is hashed.
Lines repeat across pages, so the whole run is made twice, the second time with the line memory
of the first (warm) and compared with the first.

    CLEANER_EVAL=../shared/eval .venv/bin/python benchmarks/text_identity.py            # digest per set
    CLEANER_EVAL=../shared/eval .venv/bin/python benchmarks/text_identity.py --dump F   # and every result to F

Run it on two builds (or checkouts) and compare the digests (``CLEANER_PURE_PYTHON=1``: the
interpreted build).
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from cleaner.strip import _analysis  # noqa: E402 - after the path set-up
from cleaner.strip.language import detect_language  # noqa: E402
from cleaner.strip.text import CORE, TextOptions, strip_text  # noqa: E402

EVAL = Path(os.environ.get("CLEANER_EVAL", ROOT.parent / "shared" / "eval"))
SETS = {"aeb-text": EVAL / "aeb-text" / "txt", "readability-txt": EVAL / "readability" / "txt",
        "syndication-dev-txt": EVAL / "syndication-dev" / "txt"}
VARIANTS = {
    "default": lambda language: {},
    "language+site": lambda language: {"language": language or "en", "site": "Example News"},
    "extracted": lambda language: {"language": language or "en", "options": TextOptions(extracted=True)},
    "favor_precision": lambda language: {"options": TextOptions(favor_precision=True)},
    "favor_recall": lambda language: {"language": language or "en", "options": TextOptions(favor_recall=True)},
}


def result_of(text: str) -> dict:
    language = detect_language(text)
    out: dict = {"language": language}
    for name, kwargs in VARIANTS.items():
        r = strip_text(text, **kwargs(language))
        out[name] = [r.text, r.title, [(s.start, s.end, s.kind, s.reason) for s in r.removed],
                     [r.attribution.original_publisher, list(r.attribution.republished_by), list(r.attribution.notices)]]
    return out


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--dump", help="write every result (one JSON line per page) to this file")
    args = parser.parse_args(argv)
    dump = open(args.dump, "w", encoding="utf-8") if args.dump else None
    _analysis.clear_memo()
    print(f"build: {CORE}")
    for name, folder in SETS.items():
        paths = sorted(folder.glob("*.txt"))
        texts = [p.read_text(encoding="utf-8") for p in paths]
        digests = []
        for _ in range(2):  # cold, then with this set's lines remembered
            h = hashlib.sha256()
            for path, text in zip(paths, texts):
                line = json.dumps([name, path.name, result_of(text)], ensure_ascii=False, sort_keys=True)
                h.update(line.encode("utf-8"))
                if dump is not None and not digests:
                    dump.write(line + "\n")
            digests.append(h.hexdigest())
        same = "same" if digests[0] == digests[1] else "DIFFERENT warm"
        print(f"{name}: {len(paths)} pages, {digests[0][:16]} ({same})")
    if dump is not None:
        dump.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
