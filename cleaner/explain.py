"""Render a cleaned document with every removal decision shown.

Pure functions returning strings; ``cleaner explain`` prints them (with
colour on a terminal). Each source line is shown once: kept lines plain,
removed lines marked with their kind, the reason printed where a span starts,
and a caption glued to a kept paragraph bracketed inside the line.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from .records import Document, Span

KEEP, DROP, PART = "  ", "- ", "~ "
WIDTH = 22  # column of the kind label


def _lines(text: str) -> list[tuple[int, int]]:
    out, pos = [], 0
    for line in text.splitlines(keepends=True):
        end = pos + len(line.rstrip("\r\n"))
        out.append((pos, end))
        pos += len(line)
    return out


@dataclass(frozen=True, slots=True)
class ExplainedLine:
    """One step of an explanation, for any renderer (terminal text, the HTML report).

    ``status`` is ``keep`` (a kept line), ``drop`` (a line removed whole, by
    ``kind``), ``part`` (a kept line with removed pieces: ``pieces`` are
    ``(text, kind or None)``) or ``reason`` (why the span of ``kind`` went).
    """

    status: Literal["keep", "drop", "part", "reason"]
    text: str = ""
    kind: str | None = None
    reason: str | None = None
    pieces: tuple[tuple[str, str | None], ...] = ()


def explain_steps(source: str, removed: Sequence[Span]) -> list[ExplainedLine]:
    """The decisions of :func:`explain_lines`, structured: one step per non-blank source line (plus reasons)."""
    spans = sorted(removed, key=lambda s: (s.start, s.end))
    out: list[ExplainedLine] = []
    announced: set[int] = set()
    last_reason: tuple[str, str] | None = None  # a run of lines removed for one reason says it once
    for start, end in _lines(source):
        line = source[start:end]
        if not line.strip():
            continue
        hits = [(i, s) for i, s in enumerate(spans) if s.start < end and s.end > start]
        if not hits:
            out.append(ExplainedLine("keep", line))
            last_reason = None
            continue
        covered = sum(min(s.end, end) - max(s.start, start) for _, s in hits)
        if covered >= len(line.strip()):
            out.append(ExplainedLine("drop", line, kind=hits[0][1].kind))
        else:
            pieces: list[tuple[str, str | None]] = []
            pos = start
            for _, s in hits:
                a, b = max(s.start, start), min(s.end, end)
                pieces.append((source[pos:a], None))
                pieces.append((source[a:b], s.kind))
                pos = b
            pieces.append((source[pos:end], None))
            out.append(ExplainedLine("part", line, pieces=tuple(pieces)))
        for i, span in hits:
            if i not in announced:
                announced.add(i)
                if (span.kind, span.reason) != last_reason:
                    out.append(ExplainedLine("reason", kind=span.kind, reason=span.reason))
                last_reason = (span.kind, span.reason)
    return out


def explain_lines(source: str, removed: Sequence[Span], color: bool = False) -> list[str]:
    """One output line per non-blank source line (plus reason lines)."""
    red, yellow, dim, reset = ("\x1b[31m", "\x1b[33m", "\x1b[2m", "\x1b[0m") if color else ("", "", "", "")
    out: list[str] = []
    for step in explain_steps(source, removed):
        if step.status == "keep":
            out.append(f"{KEEP}{' ' * WIDTH}{step.text}")
        elif step.status == "drop":
            out.append(f"{red}{DROP}{yellow}{step.kind:<{WIDTH - 1}}{reset} {dim}{step.text}{reset}")
        elif step.status == "part":
            shown = "".join(text if kind is None else f"{red}[[{kind}: {text}]]{reset}" for text, kind in step.pieces)
            out.append(f"{PART}{' ' * WIDTH}{shown}")
        else:
            out.append(f"{' ' * (WIDTH + 2)}{dim}↳ {step.kind}: {step.reason}{reset}")
    return out


def explain_document(doc: Document, color: bool = False) -> str:
    """The whole explanation of one cleaned document, header included."""
    head = [f"# {doc.id}  ({doc.mode} mode)"]
    if doc.title:
        head.append(f"# title: {doc.title}")
    if not doc.attribution.is_empty():
        a = doc.attribution
        parts = [f"original publisher {a.original_publisher}" if a.original_publisher else "original publisher not named"]
        if a.republished_by:
            parts.append("republished by " + ", ".join(a.republished_by))
        head.append("# attribution: " + "; ".join(parts))
    for note in doc.notes:
        head.append(f"# note: {note}")
    pruned = doc.metadata.get("html_pruned")
    if pruned:
        head.append("# html pruned before extraction (chars by kind): " + ", ".join(f"{k}={v}" for k, v in pruned.items()))
    counts = doc.removed_counts()
    head.append("# removed: " + (", ".join(f"{k}={v}" for k, v in counts.items()) if counts else "nothing"))
    head.append(f"# legend: '{KEEP.strip() or ' '}' kept, '{DROP.strip()}' removed, '{PART.strip()}' part of the line removed [[kind: text]]")
    return "\n".join(head + explain_lines(doc.source_text or "", doc.removed, color)) + "\n"
