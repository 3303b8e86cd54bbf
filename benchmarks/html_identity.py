"""A digest of everything the HTML path decides on the development sets' HTML pages, to show
that a change of how it runs (not of what it decides) leaves its output byte-identical.

Every page of aeb/html, readability/html and syndication-dev/html goes through
``prepare_document`` then ``strip_document`` (``clean_html`` as the pipeline composes it), and
through ``extract_html`` with ``favor_precision`` and ``favor_recall``; each result (the whole
record: source text, text, title, metadata, language, notes, removed spans, attribution, or the
rejection) is hashed.  The whole run is made twice, the second time with warm memos, and compared.

    .venv/bin/python benchmarks/html_identity.py [--eval ../shared/eval] [--dump F]

Run it on two builds (or checkouts) and compare the digests.
"""
from __future__ import annotations

import argparse
import dataclasses
import hashlib
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from bench_html import cold_caches, load_aeb, load_readability, load_syndication  # noqa: E402

from cleaner.errors import CleanerError  # noqa: E402
from cleaner.records import Document  # noqa: E402
from cleaner.strip import StripOptions, prepare_document, strip_document  # noqa: E402
from cleaner.strip.html import HtmlOptions, extract_html  # noqa: E402

VARIANTS = {"favor_precision": HtmlOptions(favor_precision=True), "favor_recall": HtmlOptions(favor_recall=True)}


def result_of(doc_id: str, html: str, url: str | None, site: str | None) -> dict:
    options = StripOptions()
    doc = prepare_document(Document(id=doc_id, content=html, mode="html", url=url, site=site), options)
    if isinstance(doc, Document):
        doc = strip_document(doc, None, options)
    out: dict = {"clean": dataclasses.asdict(doc)}
    out["clean"].pop("content", None)
    for name, html_options in VARIANTS.items():
        try:
            r = extract_html(html, doc_id=doc_id, url=url, options=html_options)
            out[name] = dataclasses.asdict(r)
        except CleanerError as exc:
            out[name] = ["error", str(exc)]
    return out


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--eval", type=Path, default=ROOT.parent / "shared" / "eval")
    parser.add_argument("--dump", help="write every result (one JSON line per page) to this file")
    args = parser.parse_args(argv)
    dump = open(args.dump, "w", encoding="utf-8") if args.dump else None
    for name, loader in (("aeb", load_aeb), ("readability", load_readability), ("syndication-dev", load_syndication)):
        pages, _ = loader(args.eval)
        cold_caches()
        digests = []
        for _ in range(2):  # cold, then warm
            h = hashlib.sha256()
            for doc_id, html, url, site in pages:
                line = json.dumps([name, doc_id, result_of(doc_id, html, url, site)], ensure_ascii=False,
                                  sort_keys=True, default=str)
                h.update(line.encode("utf-8"))
                if dump is not None and not digests:
                    dump.write(line + "\n")
            digests.append(h.hexdigest())
        same = "same" if digests[0] == digests[1] else "DIFFERENT warm"
        print(f"{name}: {len(pages)} pages, {digests[0][:16]} ({same})", flush=True)
    if dump is not None:
        dump.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
