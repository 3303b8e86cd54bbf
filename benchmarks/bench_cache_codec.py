"""What the stage cache's data format (tagged JSON + checksum, no pickle) costs against pickle.

The cache stores every stripped document; a warm run decodes all of them. This prints,
for the same stripped documents, CPU time per document to encode and to decode, and the
stored size, with pickle (what the cache used before: it ran whatever a planted file held)
next to cleaner's format.

    python benchmarks/bench_cache_codec.py [--docs 2000]
"""
from __future__ import annotations

import argparse
import pickle
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from corpus import build  # noqa: E402

from cleaner.cache import decode_value, encode_value  # noqa: E402
from cleaner.records import Document  # noqa: E402
from cleaner.strip import StripOptions, strip_document  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--docs", type=int, default=2000)
    args = parser.parse_args()
    docs = [strip_document(Document(id=r["id"], content=r["text"], site=r["site"]), None, StripOptions()) for r in build(args.docs)]
    print(f"{len(docs)} stripped documents; CPU time (time.process_time), one core; machine shared (loaded)\n")
    print("| codec | encode ms/doc | decode ms/doc | bytes/doc |")
    print("|---|---|---|---|")
    codecs = {"pickle (before)": (lambda v: pickle.dumps(v, protocol=pickle.HIGHEST_PROTOCOL), pickle.loads),
              "tagged JSON + xxh3 (cleaner.cache)": (encode_value, decode_value)}
    for name, (encode, decode) in codecs.items():
        t0 = time.process_time()
        blobs = [encode(d) for d in docs]
        t_enc = time.process_time() - t0
        t0 = time.process_time()
        back = [decode(b) for b in blobs]
        t_dec = time.process_time() - t0
        assert back == docs
        print(f"| {name} | {1000 * t_enc / len(docs):.3f} | {1000 * t_dec / len(docs):.3f} | {sum(map(len, blobs)) // len(docs)} |")


if __name__ == "__main__":
    main()
