"""Render a cleaned document with every removal decision shown.

Pure functions returning strings; ``cleaner explain`` prints them (with
colour on a terminal). Each source line is shown once: kept lines plain,
removed lines marked with their kind, the reason printed where a span starts,
and a caption glued to a kept paragraph bracketed inside the line.
"""
from __future__ import annotations

from collections.abc import Sequence

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


def explain_lines(source: str, removed: Sequence[Span], color: bool = False) -> list[str]:
    """One output line per non-blank source line (plus reason lines)."""
    spans = sorted(removed, key=lambda s: (s.start, s.end))
    red, yellow, dim, reset = ("\x1b[31m", "\x1b[33m", "\x1b[2m", "\x1b[0m") if color else ("", "", "", "")
    out: list[str] = []
    announced: set[int] = set()
    last_reason: tuple[str, str] | None = None  # a run of lines removed for one reason says it once
    for start, end in _lines(source):
        line = source[start:end]
        if not line.strip():
            continue
        hits = [(i, s) for i, s in enumerate(spans) if s.start < end and s.end > start]
        if not hits:
            out.append(f"{KEEP}{' ' * WIDTH}{line}")
            last_reason = None
            continue
        covered = sum(min(s.end, end) - max(s.start, start) for _, s in hits)
        whole = covered >= len(line.strip())
        if whole:
            i, span = hits[0]
            out.append(f"{red}{DROP}{yellow}{span.kind:<{WIDTH - 1}}{reset} {dim}{line}{reset}")
        else:
            pieces, pos = [], start
            for _, s in hits:
                a, b = max(s.start, start), min(s.end, end)
                pieces.append(source[pos:a])
                pieces.append(f"{red}[[{s.kind}: {source[a:b]}]]{reset}")
                pos = b
            pieces.append(source[pos:end])
            out.append(f"{PART}{' ' * WIDTH}{''.join(pieces)}")
        for i, span in hits:
            if i not in announced:
                announced.add(i)
                if (span.kind, span.reason) != last_reason:
                    out.append(f"{' ' * (WIDTH + 2)}{dim}↳ {span.kind}: {span.reason}{reset}")
                last_reason = (span.kind, span.reason)
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
