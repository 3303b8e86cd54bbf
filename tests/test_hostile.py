"""The accounting holds on the hostile corpus: every record written is in clusters.jsonl exactly
once or in rejected.jsonl with a reason, the run ends with exit 0, and no traceback is printed."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import Counter
from pathlib import Path

from hostile import write_hostile_corpus

ROOT = Path(__file__).resolve().parent.parent


def test_every_hostile_record_is_accounted_for(tmp_path: Path) -> None:
    corpus = tmp_path / "hostile"
    expected = write_hostile_corpus(corpus)
    out = tmp_path / "out"
    proc = subprocess.run(
        [sys.executable, "-m", "cleaner", "run", str(corpus), "-o", str(out), "--format", "jsonl", "--format", "txt"],
        capture_output=True, text=True, timeout=600, env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "Traceback" not in proc.stderr + proc.stdout
    clusters = [json.loads(x) for x in (out / "clusters.jsonl").read_text(encoding="utf-8").splitlines()]
    rejected = [json.loads(x) for x in (out / "rejected.jsonl").read_text(encoding="utf-8").splitlines()]
    ids = Counter(r["id"] for r in clusters)
    assert max(ids.values()) == 1  # exactly once
    assert len(clusters) + len(rejected) == expected.records
    assert all(r["reason"] for r in rejected)
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["counts"]["inputs"] == expected.records
    reasons = " | ".join(r["reason"] for r in rejected)
    for needle in ("lone surrogate", "FIFO", "gzip bomb", "max_attributes", "max_depth", "max_document_bytes",
                   "nested", "duplicate id", "invalid JSON"):
        assert needle in reasons, needle
    assert "caf\\xe9" in ids and "after" in ids and "before" in ids
    txt = [p for p in (out / "txt").rglob("*.txt") if p.is_file()]
    assert len(txt) == len((out / "documents.jsonl").read_text(encoding="utf-8").splitlines())  # one file per story
