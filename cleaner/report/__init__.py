"""``report.html``: a run's output folder as one page people can look at.

:func:`write_report` is the only entry point drivers call, after the output
files are written: it aggregates the folder in one streaming pass
(:mod:`.aggregate`), writes the few example documents it shows in full when
the run hands it its documents (:mod:`.examples`), and renders the page
(:mod:`.render`). The page is a pure function of the folder's files, so
``cleaner report OUT`` rebuilds the same bytes.
"""
from __future__ import annotations

import os
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from ..io.writers import atomic_write
from ..records import Document
from .aggregate import Aggregate, aggregate_output
from .examples import EXAMPLES, read_examples, write_examples
from .render import render_report

REPORT = "report.html"

__all__ = ["EXAMPLES", "REPORT", "Aggregate", "ReportInfo", "aggregate_output", "build_report", "write_report"]


@dataclass(frozen=True)
class ReportInfo:
    path: str
    bytes: int
    aggregate_s: float  # process (CPU) time of the streaming pass
    render_s: float  # process time of rendering the page


def build_report(out_dir: str | os.PathLike[str]) -> tuple[str, Aggregate]:
    """The page of an output folder, and the aggregate it was rendered from."""
    out = Path(out_dir)
    agg = aggregate_output(out)
    return render_report(agg, read_examples(out, agg.wanted_ids())), agg


def write_report(out_dir: str | os.PathLike[str], documents: Iterable[Document] | None = None) -> ReportInfo:
    """Write ``OUT/report.html`` (and, given the run's cleaned ``documents``, ``OUT/examples.jsonl``).

    ``documents`` is streamed once and only the example ids are kept; without
    it the examples file already in the folder is used (``cleaner report``).
    """
    out = Path(out_dir)
    t0 = time.process_time()
    agg = aggregate_output(out)
    wanted = agg.wanted_ids()
    if documents is not None:
        write_examples(out, wanted, documents)
    examples = read_examples(out, wanted)
    t1 = time.process_time()
    page = render_report(agg, examples).encode("utf-8")
    path = out / REPORT
    if not (path.is_file() and path.read_bytes() == page):
        atomic_write(path, page)
    t2 = time.process_time()
    return ReportInfo(path=str(path), bytes=len(page), aggregate_s=t1 - t0, render_s=t2 - t1)
