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
CLAUSE_END = frozenset(":;：；,，、")
# List bullets that flatteners (inscriptis, html2text, browsers' copy) put in front of items.
BULLETS = frozenset("*+•·-–—o▪►▸◦‣○●■□➤→»")


class Line:
    """One non-blank input line."""

    def __init__(self, start: int, end: int, text: str, body: str, body_offset: int, bullet: bool,
                 words: int, ending: int) -> None:
        self._set(start, end, text, body, body_offset, bullet, words, ending)

    def _set(self, start: int, end: int, text: str, body: str, body_offset: int, bullet: bool,
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


def _new_line(start: int, end: int, text: str, body: str, body_offset: int, bullet: bool, words: int,
              ending: int) -> Line:
    """``Line(...)``; compiled, without a call through the type with a tuple of boxed arguments
    (the stage makes one per input line)."""
    line = Line.__new__(Line)
    line._set(start, end, text, body, body_offset, bullet, words, ending)
    return line


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
        lines.append(_new_line(i, e, s, body, offset, bullet, count_words(body), ending_of(body)))
        i = j
    width = wrap_width(text, lines)
    return _reflow(text, lines, width) if width else lines


# Hard-wrapped text (mail, plain-text archives, some wire feeds) cuts every paragraph into lines
# of at most a fixed number of columns, most often 64 to 80.  The stage decides on paragraphs, so
# such lines are joined back first.  A document is hard-wrapped when many of its lines of words
# stop at one width: the width is the column (WRAP_MIN_COLUMNS to WRAP_MAX_COLUMNS) at which the
# most lines end within WRAP_TIGHT columns before it; most lines that end within WRAP_SLACK of it
# end within WRAP_TIGHT (wrapped lines crowd at the width, lines of natural lengths do not), and
# at least half of them, and WRAP_MIN_LINES in paragraphs of three lines or more, read on in the
# next line (its first word would not have fitted).  A page's template (menus, headline lists, a footer) is often not wrapped when its article
# is, so lines of other lengths elsewhere on the page do not decide.  Rows of a fixed-width table
# (columns apart by runs of spaces) are not wrapped prose, and text without spaces between words
# (Chinese, Japanese) is not wrapped at words.
WRAP_MIN_COLUMNS = 50
WRAP_MAX_COLUMNS = 100
WRAP_SLACK = 25  # a wrapped line ends at most this many columns before the width (a long next word)
WRAP_TIGHT = 12  # ... and most end within this many (the next word is a few characters long)
WRAP_MIN_LINES = 6  # wrapped lines needed (fewer: a short note, whose line lengths say nothing)
WRAP_WIDTH_NEAR = 3  # the width is at most this many columns left of where the most lines end


def _end_column(text: str, line: Line) -> int:
    """The column after the line's last character (its indent counts: the wrapper counted it)."""
    return line.end - (text.rfind("\n", 0, line.start) + 1)


def _end_columns(text: str, lines: list[Line]) -> list[int]:
    """:func:`_end_column` of every line (the width search asks for each line's several times)."""
    columns = []
    for k in range(len(lines)):
        columns.append(_end_column(text, lines[k]))
    return columns


_SPACED, _FEW_SPACES, _OF_WORDS = 0, 1, 2  # a line's spacing: a run of 3 spaces; else < 4 spaces; else words


def _spacing(lines: list[Line], known: list[int], k: int) -> int:
    """The spacing of line k: a line of words has 4 spaces or more and no run of three (a table row
    has runs of spaces, text in scripts without spaces has none).  Worked out once per line, in
    ``known`` (-1: not yet; the width search asks for some lines several times)."""
    found = known[k]
    if found < 0:
        text = lines[k].text
        found = _SPACED if "   " in text else _OF_WORDS if text.count(" ") >= 4 else _FEW_SPACES
        known[k] = found
    return found


def wrap_width(text: str, lines: list[Line]) -> int:
    """The column at which the document's lines were hard-wrapped, or 0 when they were not."""
    if len(lines) < WRAP_MIN_LINES:
        return 0
    columns = _end_columns(text, lines)
    # (only lines that end between WRAP_MIN_COLUMNS - WRAP_SLACK and WRAP_MAX_COLUMNS can count
    # below: a window ends at WRAP_MIN_COLUMNS to WRAP_MAX_COLUMNS and spans WRAP_TIGHT columns,
    # the lines near the width span WRAP_SLACK; the others are left out before they are read)
    spacing = [-1] * len(lines)
    lengths = []
    for k in range(len(lines)):
        if WRAP_MIN_COLUMNS - WRAP_SLACK <= columns[k] <= WRAP_MAX_COLUMNS and _spacing(lines, spacing, k) == _OF_WORDS:
            lengths.append(columns[k])
    lengths.sort()
    n = len(lengths)
    if n < WRAP_MIN_LINES:
        return 0
    # the width: the column that ends the densest window of WRAP_TIGHT columns (a sliding window
    # over the sorted end columns; the window ends at a line's end column)
    width = best = 0
    low = 0
    for k in range(n):
        length = lengths[k]
        while lengths[low] <= length - WRAP_TIGHT:
            low += 1
        if WRAP_MIN_COLUMNS <= length <= WRAP_MAX_COLUMNS and k - low + 1 >= best:
            best = k - low + 1
            width = length
    if best < WRAP_MIN_LINES:
        return 0
    full = 0
    for length in lengths:
        if width - WRAP_SLACK <= length <= width:
            full += 1
    if 2 * best < full:
        return 0
    # (and the lines at the width read on: the next line's first word would not have fitted.  A
    # list of headlines or captions that happen to end near one column mostly leaves room.)  The
    # window may end a column or two past the width (a line of the template); the width is the
    # column near its end at which the most lines read on.
    chained = 0
    end = width
    for column in range(end, end - WRAP_WIDTH_NEAR - 1, -1):
        k = _reading_on(text, lines, columns, spacing, column)
        if k > chained:
            chained, width = k, column
    if chained < WRAP_MIN_LINES:
        return 0
    # (of the lines at the width, at least half read on; and a wrapped sentence goes on in a word
    # that is not capitalised often enough, where a list of headlines starts each line with a
    # capital)
    joins = followed = lower = 0
    for k in range(len(lines) - 1):
        column = columns[k]
        if width - WRAP_SLACK <= column <= width and text.count("\n", lines[k].end, lines[k + 1].start) == 1:
            followed += 1
            if _goes_on(text, lines, columns, spacing, k, width):
                joins += 1
                lower += not _starts_capitalised(lines[k + 1].text)
    if 2 * joins < followed or 3 * lower < joins:
        return 0
    return width


def _starts_capitalised(s: str) -> bool:
    """Whether the first letter of ``s`` is a capital (False in scripts without case)."""
    for c in s:
        if c.isalpha():
            return c.isupper()
    return False


def _reading_on(text: str, lines: list[Line], columns: list[int], spacing: list[int], width: int) -> int:
    """How many lines go on in the next line (:func:`_goes_on`) when the width is ``width``,
    counting only paragraphs of three lines or more: a wrapped paragraph runs on line after line,
    while a line of a list or a template that happens to end near the width is followed by one
    that happens to start with a long word once, not twice in a row."""
    joins = run = 0
    for k in range(len(lines) - 1):
        if _goes_on(text, lines, columns, spacing, k, width):
            run += 1
        else:
            joins += run if run >= 2 else 0
            run = 0
    return joins + (run if run >= 2 else 0)


def _goes_on(text: str, lines: list[Line], columns: list[int], spacing: list[int], k: int, width: int) -> bool:
    """Whether line k + 1 (``nxt``) of a document wrapped at ``width`` goes on the paragraph that
    line k (``last``, ending at column ``columns[k]``, spacing :func:`_spacing`) ends: no blank line
    between, neither has a run of spaces, ``last`` is a line of words, ``nxt`` is not
    a list item, ``last`` ends near the width (not past it: a paragraph on one line) and the
    first word of ``nxt`` would not have fitted on it (a wrapped line; a paragraph's last line
    leaves room)."""
    column = columns[k]
    if not width - WRAP_SLACK <= column <= width:  # (the cheapest test first: most lines fail it)
        return False
    last = lines[k]
    nxt = lines[k + 1]
    if (nxt.bullet or _spacing(lines, spacing, k) != _OF_WORDS or _spacing(lines, spacing, k + 1) == _SPACED
            or text.count("\n", last.end, nxt.start) != 1):
        return False
    word = _first_word_length(nxt.text)
    return width - column - 1 < word <= WRAP_SLACK


def _first_word_length(s: str) -> int:
    """``len(s.split(None, 1)[0])`` for a line (it starts with a non-blank), without making the
    split's strings."""
    for k in range(len(s)):
        if s[k].isspace():
            return k
    return len(s)


def _reflow(text: str, lines: list[Line], width: int) -> list[Line]:
    """Lines of a hard-wrapped document joined into paragraphs.

    Line k goes on in line k + 1 when :func:`_goes_on`.  A paragraph keeps its offsets in the
    input; its text is the input's with the line breaks written as spaces (same length, so offsets
    into it are offsets into the input)."""
    out = []
    columns = _end_columns(text, lines)
    spacing = [-1] * len(lines)
    k = 0
    n = len(lines)
    while k < n:
        first = lines[k]
        last = first
        while k + 1 < n and _goes_on(text, lines, columns, spacing, k, width):
            last = lines[k + 1]
            k += 1
        if last is first:
            out.append(first)
        else:
            joined = text[first.start:last.end].replace("\r", " ").replace("\n", " ")
            body = joined[first.body_offset:]
            out.append(_new_line(first.start, last.end, joined, body, first.body_offset, first.bullet,
                                 count_words(body), ending_of(body)))
        k += 1
    return out


def count_words(s: str) -> int:
    """Words by spaces (non-breaking ones too; a run of spaces, as flattened table cells leave,
    separates two words).  Text in scripts written without spaces (Chinese, Japanese) counts one
    word per CJK_CHARS_PER_WORD of its characters: a word of those languages is one to three
    characters, so a sentence has about as many "words" as its translation."""
    words = s.count(" ") + 1
    length = len(s)
    if words > 2 and "  " in s:
        parts = s.split(" ")
        words = len(parts) - parts.count("")  # (each further space of a run adds no word)
    if not s.isascii():
        words += s.count("\u00a0") + s.count("\u202f")  # (non-breaking and narrow non-breaking spaces)
        if length > 6 * words:  # long "words": maybe a script without spaces
            words += no_space_chars(s) // CJK_CHARS_PER_WORD
    return words


CJK_CHARS_PER_WORD = 2


def no_space_chars(s: str) -> int:
    """Characters of scripts written without spaces between words: CJK ideographs, kana, and
    their punctuation and full-width forms (Hangul is written with spaces)."""
    found = 0
    for c in s:
        if "\u2e80" <= c <= "\u9fff" or "\uf900" <= c <= "\ufaff" or "\uff00" <= c <= "\uffef":
            found += 1
    return found


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
