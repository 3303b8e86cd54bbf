"""``examples.jsonl``: the few documents the report shows in full.

The output records keep the canonical copy's cleaned text and its removed
spans, but not the text those spans point into, nor the other copies' cleaned
text. The report's diff and "explain" views need both, for a handful of
documents (the two copies each listed merge compares, and one document per
site it ranks). The run writes them here, chosen by the same rule the report uses
(:meth:`Aggregate.wanted_ids`), so ``cleaner report OUT`` rebuilds the page
from the folder alone. Bounded: at most ``len(wanted_ids())`` lines, each text
cut at :data:`MAX_CHARS` characters (spans clipped to the cut).
"""
from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from ..io.writers import atomic_write, jsonl_bytes
from ..records import Document

EXAMPLES = "examples.jsonl"
MAX_CHARS = 8_000


def example_row(doc: Document) -> dict[str, Any]:
    source = doc.source_text if doc.source_text is not None else (doc.text or "")
    text = doc.text or ""
    cut = len(source) > MAX_CHARS or len(text) > MAX_CHARS
    spans = [
        {"start": s.start, "end": min(s.end, MAX_CHARS), "kind": s.kind, "reason": s.reason}
        for s in doc.removed if s.start < MAX_CHARS
    ]
    row = {
        "id": doc.id, "site": doc.site, "title": doc.title, "mode": doc.mode,
        "text": text[:MAX_CHARS], "source_text": source[:MAX_CHARS], "removed": spans,
    }
    if cut:
        row["truncated"] = True
    return row


def write_examples(out_dir: Path, wanted: Sequence[str], documents: Iterable[Document]) -> None:
    """Stream ``documents`` once and write the rows of the ``wanted`` ids, in ``wanted`` order."""
    order = {doc_id: i for i, doc_id in enumerate(wanted)}
    found: dict[str, dict[str, Any]] = {}
    for doc in documents:
        if doc.id in order and doc.id not in found:
            found[doc.id] = example_row(doc)
    rows = [found[i] for i in sorted(found, key=order.__getitem__)]
    data = jsonl_bytes(rows)
    path = out_dir / EXAMPLES
    if not (path.is_file() and path.read_bytes() == data):
        atomic_write(path, data)


def read_examples(out_dir: Path, wanted: Sequence[str]) -> dict[str, dict[str, Any]]:
    """The rows of ``examples.jsonl`` whose id is wanted (an absent file: none)."""
    path = out_dir / EXAMPLES
    keep = set(wanted)
    rows: dict[str, dict[str, Any]] = {}
    if path.is_file():
        with path.open(encoding="utf-8") as handle:
            for line in handle:
                if line.strip():
                    row = json.loads(line)
                    if row.get("id") in keep:
                        rows[row["id"]] = row
    return rows
