"""A corpus of hostile inputs, and what a run over it must account for.

``write_hostile_corpus(folder)`` writes one file (or JSONL line) per kind of trouble a
scraped corpus or a careless (or hostile) user brings, and returns a :class:`Hostile` that
says how many input records it wrote and the kind of each file. Every record must end in
``clusters.jsonl`` exactly once or in ``rejected.jsonl`` (tests/test_hostile.py). ``scale``
sets the size of the big ones: 1 for the test suite (seconds), larger for
``benchmarks/bench_hostile.py`` (a 2 GiB gzip bomb, a 12 MB element with 1M attributes, a
200 MB document at the sizes the issue reported).

Nothing here is a pattern of a dev set: these are the failure classes of issue 13.
"""
from __future__ import annotations

import gzip
import json
import os
from dataclasses import dataclass, field
from pathlib import Path

BODY = ("The council met on Tuesday to discuss the new budget, which includes funds for road repairs and a new library "
        "in the north of the town. Officials said the plan would be put to a public vote in the spring.\n\n")


def story(n: int) -> str:
    """A plain article, different for every ``n`` (so no two are near-duplicates by accident)."""
    words = " ".join(f"w{n}x{k}" for k in range(40))
    return f"Headline number {n} of the hostile corpus\n\n{BODY}Unique words of story {n}: {words}.\n"


@dataclass
class Hostile:
    records: int = 0  # input records written: files, JSONL lines and Parquet rows that hold something
    kinds: dict[str, str] = field(default_factory=dict)  # file name -> kind of trouble
    sizes: dict[str, int] = field(default_factory=dict)  # file name -> bytes on disk

    def add(self, folder: Path, name: str, kind: str, records: int = 1) -> Path:
        self.records += records
        self.kinds[name] = kind
        path = folder / name
        if path.exists() or path.is_symlink():
            self.sizes[name] = path.lstat().st_size
        return path


def _write(path: Path, data: bytes | str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    return path


def _gzip_zeros(path: Path, total: int) -> None:
    chunk = b"\0" * (1 << 20)
    with gzip.open(path, "wb", compresslevel=1) as fh:
        for _ in range(total >> 20):
            fh.write(chunk)


def write_hostile_corpus(folder: Path, scale: int = 1, only: set[str] | None = None) -> Hostile:
    """Write the corpus into ``folder``; ``only`` limits it to some kinds (the benchmark runs one at a time)."""
    folder.mkdir(parents=True, exist_ok=True)
    h = Hostile()

    def want(kind: str) -> bool:
        return only is None or kind in only

    if want("plain"):
        for n in range(3):
            _write(folder / f"plain{n}.txt", story(n))
            h.add(folder, f"plain{n}.txt", "plain")
    if want("html"):
        page = f"<!DOCTYPE html><html><head><title>Page</title></head><body><article><p>{story(10)}</p></article></body></html>"
        _write(folder / "page.html", page)
        h.add(folder, "page.html", "html")
    if want("empty"):
        _write(folder / "empty.txt", "")
        _write(folder / "blank.txt", " \n\t\n")
        h.add(folder, "empty.txt", "empty")
        h.add(folder, "blank.txt", "empty")
    if want("binary"):
        _write(folder / "binary.txt", os.urandom(2000) + b"\0" * 100)
        h.add(folder, "binary.txt", "binary")
    if want("latin1-name"):
        raw = os.path.join(os.fsencode(folder), b"caf\xe9.txt")
        with open(raw, "wb") as fh:
            fh.write(story(20).encode())
        h.records += 1
        h.kinds["caf\\xe9.txt"] = "latin1-name"
    if want("fifo") and hasattr(os, "mkfifo"):
        os.mkfifo(folder / "fifo.txt")
        h.add(folder, "fifo.txt", "fifo")
    if want("broken-symlink"):
        os.symlink(folder / "does-not-exist", folder / "dangling.txt")
        h.add(folder, "dangling.txt", "broken-symlink")
    if want("jsonl-bad-lines"):
        lines = [json.dumps({"id": f"line{k}", "text": story(100 + k)}) for k in range(1, 11)]
        lines[2] = '{"id": "line3", "text": "lone \\udc80 surrogate"}'
        lines[4] = '{"id": "line5", "x": ' + "[" * (10_000 * scale) + "]" * (10_000 * scale) + ', "text": "deep"}'
        lines[5] = '{"id": "line6", "m": ' + "[" * 100 + "]" * 100 + ', "text": "nested past the depth limit"}'
        lines[6] = '{"id": "line7", "text": "unterminated'
        lines[7] = "[1, 2, 3]"
        lines[8] = '{"id": "line9", "n": ' + "9" * 5000 + ', "text": "huge integer"}'
        _write(folder / "bad-lines.jsonl", "\n".join(lines) + "\n\n")
        h.add(folder, "bad-lines.jsonl", "jsonl-bad-lines", records=10)
    if want("surrogate-fields"):
        rows = ['{"id": "s\\ud800", "text": "x"}', '{"id": "t1", "title": "T\\udfff", "text": "y"}',
                '{"id": "t2", "site": "S\\udc00", "text": "z"}', json.dumps({"id": "t3", "text": story(30)}),
                '{"id": "t4", "text": "NaN metadata", "score": NaN}']
        _write(folder / "surrogates.jsonl", "\n".join(rows) + "\n")
        h.add(folder, "surrogates.jsonl", "surrogate-fields", records=len(rows))
    if want("nul-id"):
        rows = [json.dumps({"id": "nul\0id", "text": story(40)}), json.dumps({"id": "x" * 400, "text": story(41)}),
                json.dumps({"id": "../../etc/passwd", "text": story(42)}), json.dumps({"id": "file", "text": story(43)}),
                json.dumps({"id": "file.txt/inner", "text": story(44)})]
        _write(folder / "odd-ids.jsonl", "\n".join(rows) + "\n")
        h.add(folder, "odd-ids.jsonl", "nul-id", records=len(rows))
    if want("duplicate-id"):
        _write(folder / "dup" / "a.jsonl", json.dumps({"id": "same", "text": story(50)}) + "\n")
        _write(folder / "dup" / "b.jsonl", json.dumps({"id": "same", "text": story(51)}) + "\n")
        h.add(folder, "dup/a.jsonl", "duplicate-id")
        h.add(folder, "dup/b.jsonl", "duplicate-id")
    if want("gzip-bomb"):
        _gzip_zeros(folder / "bomb.txt.gz", (256 << 20) * scale)
        h.add(folder, "bomb.txt.gz", "gzip-bomb")
        _gzip_zeros(folder / "bomb.jsonl.gz", (256 << 20) * scale)
        h.add(folder, "bomb.jsonl.gz", "gzip-bomb")
    if want("broken-gzip"):
        _write(folder / "broken.html.gz", gzip.compress(b"<html><body>" + b"x" * 5000)[:-20])
        h.add(folder, "broken.html.gz", "broken-gzip")
    if want("many-attributes"):
        n = 100_000 * scale
        page = "<html><body><div " + " ".join(f"a{i}=1" for i in range(n)) + f"><p>{story(60)}</p></div></body></html>"
        _write(folder / "attributes.html", page)
        h.add(folder, "attributes.html", "many-attributes")
    if want("deep-nesting"):
        n = 100_000
        _write(folder / "deep.html", "<html><body>" + "<div>" * n + story(61) + "</div>" * n + "</body></html>")
        h.add(folder, "deep.html", "deep-nesting")
    if want("huge-text"):
        size = 25_000_000 if scale == 1 else 200_000_000
        with open(folder / "huge.txt", "w") as fh:
            line = "word " * 20 + "\n"
            for _ in range(size // len(line)):
                fh.write(line)
        h.add(folder, "huge.txt", "huge-text")
    if want("huge-jsonl-line"):
        with open(folder / "huge-line.jsonl", "w") as fh:
            fh.write(json.dumps({"id": "before", "text": story(70)}) + "\n")
            fh.write(json.dumps({"id": "huge", "text": "word " * (5_000_000 * scale)}) + "\n")
            fh.write(json.dumps({"id": "after", "text": story(71)}) + "\n")
        h.add(folder, "huge-line.jsonl", "huge-jsonl-line", records=3)
    if want("parquet-types"):
        try:
            import datetime

            import pyarrow as pa
            import pyarrow.parquet as pq
        except ImportError:
            pass
        else:
            table = pa.table({"id": ["p1", "p2"], "text": [story(80), story(81)],
                              "when": [datetime.datetime(2024, 1, 2, 3, 4), None], "blob": [b"\0\1", b"ok"],
                              "score": [float("nan"), 1.5]})
            pq.write_table(table, folder / "typed.parquet")
            h.add(folder, "typed.parquet", "parquet-types", records=2)
    if want("broken-parquet"):
        _write(folder / "broken.parquet", b"PAR1 not really")
        h.add(folder, "broken.parquet", "broken-parquet")
    if want("broken-warc"):
        _write(folder / "broken.warc", b"WARC/1.0\r\nWARC-Type: response\r\nContent-Length: 99999\r\n\r\nshort")
        h.add(folder, "broken.warc", "broken-warc")
    if want("utf16"):
        _write(folder / "utf16.txt", story(90).encode("utf-16"))
        _write(folder / "utf16.jsonl", (json.dumps({"id": "u16", "text": story(91)}) + "\n").encode("utf-16"))
        h.add(folder, "utf16.txt", "utf16")
        h.add(folder, "utf16.jsonl", "utf16")
    if want("noise-only"):
        _write(folder / "noise.txt", "Share on Facebook\nSubscribe to our newsletter\nAccept cookies\n")
        h.add(folder, "noise.txt", "noise-only")
    if only is not None and "at-the-cap" in only:  # benchmark only (about 30 s of stripping): a document just under the cap
        text = "".join(story(1000 + i) for i in range(40_000))[:19_900_000]
        _write(folder / "at-the-cap.txt", text)
        h.add(folder, "at-the-cap.txt", "at-the-cap")
    if want("ignored"):
        _write(folder / "README", "not an input")  # no known extension in a folder walk: ignored, not a record
        h.kinds["README"] = "ignored"
    return h
