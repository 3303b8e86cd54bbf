"""Which spill format for a streaming run's shards: JSON lines + offsets, Arrow IPC, or SQLite.

Usage::

    .venv/bin/python benchmarks/bench_spill.py [--docs 2000] [--corpus ../shared/eval/syndication-dev/corpus.jsonl]

A shard is written once (all its documents, in row order) and read twice:
sequentially (the next stage) and by random rows (the members of a cluster,
when its canonical record is built). Each format stores the same thing, the
full cleaned Document as :func:`cleaner.spill.document_to_json` gives it (in
Arrow as a binary JSON cell: the record's nested lists mix types), and
reading gives Documents back. CPU seconds (``time.process_time``), per document.
"""
from __future__ import annotations

import argparse
import json
import random
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def cleaned_documents(corpus: Path, n: int):
    from cleaner import steps
    from cleaner.io.readers import iter_documents
    from cleaner.pipeline import RunOptions
    from cleaner.spill import iter_shard

    options = RunOptions()
    records = []
    for record in iter_documents([str(corpus)], options.read):
        records.append(record)
        if len(records) == n:
            break
    tmp = Path(tempfile.mkdtemp())
    steps.extract_step(records, str(tmp / "a.jsonl"), options, False)
    steps.strip_step(str(tmp / "a.jsonl"), str(tmp / "b.jsonl"), options)
    return list(iter_shard(tmp / "b.jsonl"))


def timed(fn) -> float:
    t = time.process_time()
    fn()
    return time.process_time() - t


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--docs", type=int, default=2000)
    parser.add_argument("--corpus", default=str(ROOT.parent / "shared" / "eval" / "syndication-dev" / "corpus.jsonl"))
    args = parser.parse_args()
    from cleaner.spill import ShardReader, ShardWriter, _dumps, _loads, document_from_json, document_to_json, iter_shard

    docs = cleaned_documents(Path(args.corpus), args.docs)
    n = len(docs)
    rows = random.Random(0).sample(range(n), min(n, 1000))
    folder = Path(tempfile.mkdtemp())
    results = []

    # JSON lines + offsets (cleaner.spill)
    path = folder / "s.jsonl"

    def write_jsonl():
        w = ShardWriter(path)
        for d in docs:
            w.add(d)
        w.close()

    def scan_jsonl():
        for _ in iter_shard(path):
            pass

    def random_jsonl():
        r = ShardReader(path)
        for row in rows:
            r.get(row)
        r.close()

    results.append(("marshal records + offsets (cleaner.spill, chosen)", timed(write_jsonl), timed(scan_jsonl),
                    timed(random_jsonl), path.stat().st_size))

    # the same layout with JSON records (one per line)
    lines_path = folder / "s.lines"

    def write_lines():
        with open(lines_path, "wb") as handle:
            for d in docs:
                handle.write(_dumps(document_to_json(d)) + b"\n")

    def scan_lines():
        with open(lines_path, "rb") as handle:
            for line in handle:
                document_from_json(_loads(line))

    offsets = []

    def random_lines():
        if not offsets:
            pos = 0
            for line in open(lines_path, "rb"):
                offsets.append(pos)
                pos += len(line)
        with open(lines_path, "rb") as handle:
            for row in rows:
                handle.seek(offsets[row])
                document_from_json(_loads(handle.readline()))

    written = timed(write_lines)
    random_lines()  # the offsets, outside the timing
    results.append(("JSON lines + offsets", written, timed(scan_lines), timed(random_lines), lines_path.stat().st_size))

    # Arrow IPC, one nested row per document, memory-mapped for random access
    import pyarrow as pa

    ipc = folder / "s.arrow"

    def write_arrow():
        # each document's JSON as a binary cell: its nested lists mix types, which Arrow cannot type
        table = pa.table({"doc": pa.array([_dumps(document_to_json(d)) for d in docs], pa.binary())})
        with pa.OSFile(str(ipc), "wb") as sink, pa.ipc.new_file(sink, table.schema) as writer:
            writer.write_table(table, max_chunksize=256)

    def scan_arrow():
        with pa.memory_map(str(ipc)) as source:
            table = pa.ipc.open_file(source).read_all()
            for cell in table.column("doc").to_pylist():
                document_from_json(_loads(cell))

    def random_arrow():
        with pa.memory_map(str(ipc)) as source:
            table = pa.ipc.open_file(source).read_all()
            column = table.column("doc")
            for row in rows:
                document_from_json(_loads(column[row].as_py()))

    results.append(("Arrow IPC, memory-mapped (JSON cell per row)", timed(write_arrow), timed(scan_arrow), timed(random_arrow),
                    ipc.stat().st_size))

    # SQLite, one JSON blob per row
    db_path = folder / "s.sqlite"

    def write_sqlite():
        db = sqlite3.connect(db_path)
        db.execute("CREATE TABLE docs (row INTEGER PRIMARY KEY, doc BLOB)")
        with db:
            db.executemany("INSERT INTO docs VALUES (?, ?)", ((i, _dumps(document_to_json(d))) for i, d in enumerate(docs)))
        db.close()

    def scan_sqlite():
        db = sqlite3.connect(db_path)
        for (blob,) in db.execute("SELECT doc FROM docs ORDER BY row"):
            document_from_json(_loads(blob))
        db.close()

    def random_sqlite():
        db = sqlite3.connect(db_path)
        for row in rows:
            (blob,) = db.execute("SELECT doc FROM docs WHERE row = ?", (row,)).fetchone()
            document_from_json(_loads(blob))
        db.close()

    results.append(("SQLite (JSON blob per row)", timed(write_sqlite), timed(scan_sqlite), timed(random_sqlite), db_path.stat().st_size))

    print(f"{n} cleaned syndication-dev documents; CPU µs per document\n")
    print("| format | write | sequential read | random read | bytes per document |")
    print("|---|---|---|---|---|")
    for name, w, s, r, size in results:
        print(f"| {name} | {w / n * 1e6:.0f} | {s / n * 1e6:.0f} | {r / len(rows) * 1e6:.0f} | {size / n:.0f} |")
    print(json.dumps({"docs": n}))


if __name__ == "__main__":
    main()
