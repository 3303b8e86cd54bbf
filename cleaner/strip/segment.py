"""Segmenting a flattened page into lines, with the features the strip stage scores.

A *line* is one non-blank line of the input with its surrounding whitespace
removed; its offsets point into the input, so every kept paragraph is a
verbatim substring of it.  The features are deliberately cheap (character and
space counts, the last character, a list bullet): they are computed for every
line of every document, and the expensive ones (stopword density, title case)
are computed later only for the few lines whose fate they decide.
"""
from __future__ import annotations

# Characters that end a sentence (Latin, CJK and full-width forms) ...
SENTENCE_END = frozenset(".!?…。！？．")
# ... possibly followed by a closing quote or bracket.
CLOSERS = frozenset("\"'”’»)]」』›")
# Characters that end a clause; a long line ending in one still reads as prose.
CLAUSE_END = frozenset(":;：；,")
# List bullets that flatteners (inscriptis, html2text, browsers' copy) put in front of items.
BULLETS = frozenset("*+•·-–—o▪►▸◦‣○●■□➤→»")


class Line:
    """One non-blank input line."""

    def __init__(self, start: int, end: int, text: str, body: str, body_offset: int, bullet: bool,
                 words: int, ending: int) -> None:
        self.start = start  # offset of the first non-space character in the input
        self.end = end  # offset just after the last non-space character
        self.text = text  # input[start:end]
        self.body = body  # text without a leading list bullet
        self.body_offset = body_offset  # len(text) - len(body)
        self.bullet = bullet
        self.words = words  # approximate word count (spaces + 1; scaled up for scripts without spaces)
        self.ending = ending  # 2 = ends a sentence, 1 = ends a clause, 0 = no final punctuation

    def _fields(self) -> tuple:
        return (self.start, self.end, self.text, self.body, self.body_offset, self.bullet, self.words, self.ending)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Line):
            return NotImplemented
        return self._fields() == other._fields()

    def __hash__(self) -> int:
        return hash(self._fields())

    def __repr__(self) -> str:
        return ("Line(start={!r}, end={!r}, text={!r}, body={!r}, body_offset={!r}, bullet={!r}, words={!r}, "
                "ending={!r})".format(*self._fields()))

    def __reduce__(self):
        return (Line, self._fields())


def split_lines(text: str) -> list[Line]:
    """The non-blank lines of ``text``, in order, with their offsets and features.

    A line runs from its first non-space character to the next "\\n", trailing spaces removed.
    (A loop over characters rather than a regular expression: compiled, it is the stage's
    cheapest pass.)"""
    lines = []
    n = len(text)
    i = 0
    while i < n:
        if text[i].isspace():
            i += 1
            continue
        j = text.find("\n", i)
        if j < 0:
            j = n
        e = j
        while text[e - 1].isspace():  # (text[i] is not a space: stops there)
            e -= 1
        s = text[i:e]
        body, offset, bullet = s, 0, False
        if e - i > 1 and text[i] in BULLETS and (text[i + 1] == " " or text[i + 1] == "\t"):
            body = s[2:].lstrip()
            offset = len(s) - len(body)
            bullet = True
            if not body:
                body, offset = s, 0
        lines.append(Line(i, e, s, body, offset, bullet, count_words(body), ending_of(body)))
        i = j
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
