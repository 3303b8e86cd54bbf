"""Segmenting a flattened page into lines, with the features the strip stage scores.

A *line* is one non-blank line of the input with its surrounding whitespace
removed; its offsets point into the input, so every kept paragraph is a
verbatim substring of it.  The features are deliberately cheap (character and
space counts, the last character, a list bullet): they are computed for every
line of every document, and the expensive ones (stopword density, title case)
are computed later only for the few lines whose fate they decide.
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass

# One match per line: from its first non-space character to its end.  No
# backtracking: the leading class and the tail cannot overlap.
_LINE = re.compile(r"[^\s][^\n]*")

# Characters that end a sentence (Latin, CJK and full-width forms) ...
SENTENCE_END = frozenset(".!?…。！？．")
# ... possibly followed by a closing quote or bracket.
CLOSERS = frozenset("\"'”’»)]」』›")
# Characters that end a clause; a long line ending in one still reads as prose.
CLAUSE_END = frozenset(":;：；,")
# List bullets that flatteners (inscriptis, html2text, browsers' copy) put in front of items.
BULLETS = frozenset("*+•·-–—o▪►▸◦‣○●■□➤→»")


@dataclass(slots=True)
class Line:
    """One non-blank input line."""

    start: int  # offset of the first non-space character in the input
    end: int  # offset just after the last non-space character
    text: str  # input[start:end]
    body: str  # text without a leading list bullet
    body_offset: int  # len(text) - len(body)
    bullet: bool
    words: int  # approximate word count (spaces + 1; scaled up for scripts without spaces)
    ending: int  # 2 = ends a sentence, 1 = ends a clause, 0 = no final punctuation


def split_lines(text: str) -> list[Line]:
    """The non-blank lines of ``text``, in order, with their offsets and features."""
    lines: list[Line] = []
    append = lines.append
    for m in _LINE.finditer(text):
        raw = m.group()
        s = raw.rstrip()
        start = m.start()
        body, offset, bullet = s, 0, False
        if len(s) > 1 and s[0] in BULLETS and s[1] in " \t":
            body = s[2:].lstrip()
            offset = len(s) - len(body)
            bullet = True
            if not body:
                body, offset = s, 0
        # count_words and ending_of, inlined: this loop runs for every line of every document
        words = body.count(" ") + 1
        length = len(body)
        if length > 16 * words and not body.isascii():
            words = max(words, length // 3)
        last = body[-1]
        if last in CLOSERS and length > 1:
            last = body[-2]
        ending = 2 if last in SENTENCE_END else 1 if last in CLAUSE_END else 0
        append(Line(start, start + len(s), s, body, offset, bullet, words, ending))
    return lines


def count_words(s: str) -> int:
    """Words by spaces; text in scripts without spaces (CJK) counts about 1 word per 3 characters."""
    words = s.count(" ") + 1
    length = len(s)
    if length > 16 * words and not s.isascii():
        words = max(words, length // 3)
    return words


def ending_of(s: str) -> int:
    """2 if ``s`` ends a sentence, 1 if it ends a clause, else 0."""
    last = s[-1]
    if last in CLOSERS and len(s) > 1:
        last = s[-2]
    if last in SENTENCE_END:
        return 2
    if last in CLAUSE_END:
        return 1
    return 0


# The same segmentation compiled (cleaner/strip/_core.pyx), when it was built; the corpus pass
# segments every page too.  tests/test_strip_core.py checks both give the same lines.
_py_split_lines = split_lines
if not os.environ.get("CLEANER_PURE_PYTHON"):
    try:
        from ._core import split_lines  # type: ignore[no-redef]  # noqa: F811
    except ImportError:  # pragma: no cover - depends on the build
        pass
