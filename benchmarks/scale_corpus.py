"""Corpora of syndication-dev's shape at any size, written as a stream (never held in memory).

Usage::

    python benchmarks/scale_corpus.py N OUT.jsonl

Each of the dev set's 547 records (~8.6k characters of scraped text with site
noise, ~3 copies per story on different sites, no titles) is written again
``N / 547`` times. Replica ``r`` keeps every short line (the site noise, the
same on every replica, as a site's template is) and replaces the words of its
long lines (the story) by other words of the corpus, with a mapping that
depends on ``r`` only: copies of one story within a replica stay
near-duplicates of each other, while two replicas tell different stories.
Ids are ``r<replica>-<id>``. Needs ../shared/eval/syndication-dev.
"""
from __future__ import annotations

import json
import re
import sys
import zlib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEV = ROOT.parent / "shared" / "eval" / "syndication-dev" / "corpus.jsonl"
_WORD = re.compile(r"[A-Za-z]{4,}")
LONG_LINE_WORDS = 8  # a line with at least this many words is story text, not site noise


def main() -> None:
    n, out = int(sys.argv[1]), Path(sys.argv[2])
    records = [json.loads(line) for line in DEV.read_text(encoding="utf-8").splitlines() if line.strip()]
    vocab = sorted({w for r in records for w in _WORD.findall(r["text"])})
    written = 0
    with open(out, "w", encoding="utf-8") as handle:
        replica = 0
        while written < n:
            mapping: dict[str, str] = {}

            def swap(match: re.Match, mapping: dict = mapping, replica: int = replica) -> str:
                word = match.group(0)
                new = mapping.get(word)
                if new is None:
                    new = mapping[word] = vocab[zlib.crc32(f"{replica}:{word}".encode()) % len(vocab)]
                return new

            for record in records:
                if written == n:
                    break
                if replica:
                    lines = record["text"].split("\n")
                    text = "\n".join(_WORD.sub(swap, line) if line.count(" ") + 1 >= LONG_LINE_WORDS else line for line in lines)
                else:
                    text = record["text"]
                row = dict(record, id=f"r{replica:05d}-{record['id']}", text=text)
                handle.write(json.dumps(row, ensure_ascii=False) + "\n")
                written += 1
            replica += 1


if __name__ == "__main__":
    main()
