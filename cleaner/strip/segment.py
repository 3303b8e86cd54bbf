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


def _blank(c: str) -> bool:
    """Whitespace, or a zero-width space, joiner or byte-order mark (invisible: a line of them is
    blank, and they do not start or end a line's text)."""
    return c.isspace() or "\u200b" <= c <= "\u200d" or c == "\u2060" or c == "\ufeff"


def split_lines(text: str) -> list[Line]:
    """The non-blank lines of ``text``, in order, with their offsets and features.

    A line runs from its first non-blank character to the next "\\n", trailing blanks removed
    (:func:`_blank`: also zero-width spaces).
    (A loop over characters rather than a regular expression: compiled, it is the stage's
    cheapest pass.)"""
    lines = []
    n = len(text)
    i = 0
    while i < n:
        if _blank(text[i]):
            i += 1
            continue
        j = text.find("\n", i)
        if j < 0:
            j = n
        e = j
        while _blank(text[e - 1]):  # (text[i] is not blank: stops there)
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
    width = wrap_width(text, lines)
    return _reflow(text, lines, width) if width else lines


# Hard-wrapped text (mail, plain-text archives, some wire feeds) cuts every paragraph into lines
# of at most a fixed number of columns, most often 64 to 80.  The stage decides on paragraphs, so
# such lines are joined back first.  A document is hard-wrapped when its lines stop at one width:
# nine lines in ten, and nine characters in ten, are in lines at most WRAP_MAX_COLUMNS long; most
# lines longer than half of that width end within WRAP_SLACK columns of it (most of them within
# WRAP_TIGHT), and those lines hold most of the text.  Rows of a fixed-width table (columns apart by runs of spaces) are not wrapped
# prose, and text without spaces between words (Chinese, Japanese) is not wrapped at words.
WRAP_MIN_COLUMNS = 50
WRAP_MAX_COLUMNS = 100
WRAP_SLACK = 25  # a wrapped line ends at most this many columns before the width (a long next word)
WRAP_TIGHT = 12  # ... and most end within this many (the next word is a few characters long)


def _end_column(text: str, line: Line) -> int:
    """The column after the line's last character (its indent counts: the wrapper counted it)."""
    return line.end - (text.rfind("\n", 0, line.start) + 1)


def wrap_width(text: str, lines: list[Line]) -> int:
    """The column at which the document's lines were hard-wrapped, or 0 when they were not."""
    n = len(lines)
    if n < 6:
        return 0
    longer = longer_chars = chars = 0
    for k in range(n):
        length = len(lines[k].text)
        chars += length
        if length > WRAP_MAX_COLUMNS + 10:
            longer += 1
            longer_chars += length
    if 10 * longer > n or 10 * longer_chars > chars:  # (most documents: paragraphs on one line each)
        return 0
    # (lines of words: a table row has runs of spaces, text in scripts without spaces has none)
    lengths = sorted([_end_column(text, line) for line in lines
                      if "   " not in line.text and line.text.count(" ") >= 4])
    n = len(lengths)
    if n < 6:
        return 0
    width = lengths[(9 * n) // 10 - 1]
    if not WRAP_MIN_COLUMNS <= width <= WRAP_MAX_COLUMNS:
        return 0
    full = half = full_chars = tight = 0
    for length in lengths:
        if length >= width // 2:
            half += 1
            if width - WRAP_SLACK <= length <= width + 10:
                full += 1
                full_chars += length
                tight += width - WRAP_TIGHT <= length <= width
    if 2 * tight < full:  # (wrapped lines crowd at the width; lines of natural lengths do not)
        return 0
    # (a page of many short lines, menus and links, may hold less text in its wrapped lines)
    if full < 4 or 10 * full < 6 * half or (2 * full_chars < chars and full < 12):
        return 0
    widest = 0
    for length in lengths:
        if widest < length <= width + 10:
            widest = length
    return widest


def _reflow(text: str, lines: list[Line], width: int) -> list[Line]:
    """Lines of a hard-wrapped document joined into paragraphs.

    Line k goes on in line k + 1 when no blank line is between them, line k + 1 is not a list
    item, line k ends near the width and the first word of line k + 1 would not have fitted on it
    (a wrapped line; a paragraph's last line leaves room).  A paragraph keeps its offsets in the
    input; its text is the input's with the line breaks written as spaces (same length, so offsets
    into it are offsets into the input)."""
    out = []
    k = 0
    n = len(lines)
    while k < n:
        first = lines[k]
        last = first
        while k + 1 < n:
            nxt = lines[k + 1]
            gap = text[last.end:nxt.start]
            column = _end_column(text, last)
            room = width - column - 1
            word = nxt.text.split(None, 1)[0]
            if (gap.count("\n") != 1 or nxt.bullet or column < width - WRAP_SLACK or len(word) <= room
                    or len(word) > WRAP_SLACK or last.text.count(" ") < 4 or "   " in last.text or "   " in nxt.text):
                break
            last = nxt
            k += 1
        if last is first:
            out.append(first)
        else:
            joined = text[first.start:last.end].replace("\r", " ").replace("\n", " ")
            body = joined[first.body_offset:]
            out.append(Line(first.start, last.end, joined, body, first.body_offset, first.bullet,
                            count_words(body), ending_of(body)))
        k += 1
    return out


def count_words(s: str) -> int:
    """Words by spaces (non-breaking ones too); text in scripts without spaces (CJK) counts about
    1 word per 3 characters."""
    words = s.count(" ") + 1
    length = len(s)
    if not s.isascii():
        words += s.count("\u00a0") + s.count("\u202f")  # (non-breaking and narrow non-breaking spaces)
        if length > 16 * words:
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
