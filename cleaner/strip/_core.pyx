# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True, initializedcheck=False
"""The per-line passes of the text strip stage, compiled.

This is :class:`cleaner.strip.text._PyCore` (the reference, pure Python) in
Cython, pass for pass: segmentation, the rule pass, repeated lines, headline
runs, the line scores and the article core, and the result; a few pure
per-line tests of ``text._Shared`` are compiled here too (title-likeness, prose
density, table rows, glued captions).  The rarer decisions (which rule applies
when the first one's limits rule it out, link rows, corpus evidence, the title
search around the core) stay in ``text._Shared``, called by both cores.
tests/test_strip_core.py checks that both cores take the same decision on every
line of the probes, the samples and random pages.

What makes it fast, besides C loops:

* one pass over each line's characters finds its features, its lower case and a
  hash, without branches on letters and spaces;
* the regular expressions of the rule table run only on lines that could match:
  line and prefix rules are chosen by a trie of the strings their matches start
  with (:class:`cleaner.strip.rules.PrefixDispatch`), search and tail rules only
  when one of their ``hint`` strings occurs in the line (found by one scan of the
  lower-cased characters with a pair table and a trigram filter);
* a line's rule result is remembered by the line's text (it is a function of
  it): site templates repeat their lines on every page.

Lower case is per character; a line with a character whose ``str.lower()`` is
not that (U+0130, which lower-cases to two, and U+03A3, final sigma) goes
through ``str.lower()`` as in the Python core.
"""
from cpython.unicode cimport (
    Py_UCS1, Py_UCS2, PyUnicode_FindChar, PyUnicode_KIND, PyUnicode_DATA, PyUnicode_READ, PyUnicode_Substring,
    PyUnicode_FromKindAndData, PyUnicode_1BYTE_KIND, PyUnicode_2BYTE_KIND, PyUnicode_4BYTE_KIND,
    Py_UNICODE_ISSPACE, Py_UNICODE_TOLOWER, Py_UNICODE_ISDECIMAL, Py_UNICODE_ISDIGIT, Py_UNICODE_ISALNUM,
    Py_UNICODE_ISUPPER,
)
from libc.stdint cimport uint64_t, uint32_t
from libc.stdlib cimport malloc, free
from libc.string cimport memset

cimport cython
from cpython.object cimport PyObject, PyTypeObject
from cpython.ref cimport Py_DECREF, Py_INCREF

from ..records import Attribution, Span
from .rules import TAIL_WINDOW, dispatch_key, hint_text

cdef Py_ssize_t _TAIL = TAIL_WINDOW  # a tail rule's hints are looked for in this many last characters
cdef int _PROSE = 1
cdef int _OTHER = 0
cdef int _NOISE = -1

# as in text.py
cdef frozenset _ITEM_METADATA = frozenset({"dateline", "reading_time", "comment_form", "byline"})
cdef frozenset _INLINE_NOISE = frozenset({"see_also", "advertisement", "photo_credit"})
cdef frozenset _SKIPPABLE_ABOVE_BODY = frozenset(
    {"byline", "dateline", "photo_credit", "share_subscribe", "reading_time", "advertisement"}
)
cdef str _TITLE_REASON = "the article's headline; it became the record's title"
cdef tuple _TITLE_KIND = ("title", _TITLE_REASON)
cdef tuple _HEADLINE_IN_LIST = ("headline_list", "headline in a list of links to other stories")
cdef tuple _STANDFIRST = ("standfirst", "summary line between the headline and the article body")
cdef tuple _NAV_ABOVE = ("navigation", "menu item or link above the article body")
cdef tuple _NAV_BELOW = ("navigation", "menu item or link below the article body")
cdef tuple _SHORT_ABOVE = ("site_header", "short line above the article body (site name, section label, link)")
cdef tuple _SHORT_BELOW = ("site_footer", "short line below the article body (site name, section label, link)")
cdef tuple _LIST_BELOW = ("headline_list", "headline-like line in a list below the article body")
cdef tuple _HEADER = ("site_header", "above the article body (site header)")
cdef tuple _FOOTER = ("site_footer", "below the article body (site footer)")



# ----------------------------------------------------------------------------- characters
cdef inline bint _is_bullet(Py_UCS4 c) noexcept:
    # segment.BULLETS
    return c in u"*+•·-–—o▪►▸◦‣○●■□➤→»"


cdef inline bint _is_sentence_end(Py_UCS4 c) noexcept:
    return c in u".!?…。！？．"


cdef inline bint _is_closer(Py_UCS4 c) noexcept:
    return c in u"\"'”’»)]」』›"


cdef inline bint _is_clause_end(Py_UCS4 c) noexcept:
    return c in u":;：；,"


cdef inline Py_UCS4 _key_char(Py_UCS4 c) noexcept:
    """rules._key_char of a lower-cased character: digits are "0", blanks " "."""
    if c < 128:
        if 48 <= c <= 57:
            return 48
    elif Py_UNICODE_ISDECIMAL(c):
        return 48
    if Py_UNICODE_ISSPACE(c):
        return 32
    return c


# ----------------------------------------------------------------------------- lines
@cython.no_gc  # holds strings and numbers only: it cannot be part of a cycle
@cython.freelist(256)
cdef class Line:
    """One non-blank input line (the compiled twin of :class:`cleaner.strip.segment.Line`)."""

    cdef readonly Py_ssize_t start  # offset of the first non-space character in the input
    cdef readonly Py_ssize_t end  # offset just after the last non-space character
    cdef readonly str text  # input[start:end]
    cdef readonly str body  # text without a leading list bullet
    cdef readonly Py_ssize_t body_offset  # len(text) - len(body)
    cdef readonly bint bullet
    cdef readonly Py_ssize_t words  # approximate word count
    cdef readonly int ending  # 2 = ends a sentence, 1 = ends a clause, 0 = no final punctuation

    def __init__(self, start, end, text, body, body_offset, bullet, words, ending):
        self.start, self.end, self.text, self.body = start, end, text, body
        self.body_offset, self.bullet, self.words, self.ending = body_offset, bullet, words, ending

    def _tuple(self):
        return (self.start, self.end, self.text, self.body, self.body_offset, self.bullet, self.words, self.ending)

    def __eq__(self, other):
        if not hasattr(other, "body_offset"):
            return NotImplemented
        return self._tuple() == (other.start, other.end, other.text, other.body, other.body_offset,
                                 other.bullet, other.words, other.ending)

    def __hash__(self):
        return hash(self._tuple())

    def __repr__(self):
        return "Line(start=%r, end=%r, text=%r, body=%r, body_offset=%r, bullet=%r, words=%r, ending=%r)" % self._tuple()

    def __reduce__(self):
        return (Line, self._tuple())


cdef struct LineFacts:
    # what the rule pass needs of a line, read off its characters in the segmentation pass
    Py_ssize_t bs  # body start (offset in the text)
    Py_ssize_t be  # body end
    bint unsure  # a character whose str.lower() is not its simple lower case (U+0130, U+03A3)
    bint row_separator  # text._ROW_SEPARATOR occurs
    bint table_hint  # the cheap first test of text._is_table_row passes
    uint64_t key_hash  # of the lower-cased body (the repeat-count key, or its lower case)
    Py_ssize_t count  # lines of the document with the same key
    int key_len  # the dispatch key (rules.dispatch_key of the lower-cased body)
    Py_UCS4 key[8]


cdef inline uint64_t _fnv64(uint64_t h, Py_UCS4 c) noexcept:
    return (h ^ <uint64_t> c) * 1099511628211ULL


ctypedef fused ucs_t:
    Py_UCS1
    Py_UCS2
    Py_UCS4


cdef Py_ssize_t _body_facts(const ucs_t* s, Py_ssize_t bs, Py_ssize_t e, LineFacts* f, Py_UCS4* low,
                            bint* ascii) noexcept:
    """One pass over a line's body s[bs:e]: its lower case into ``low``, the LineFacts and
    (returned) its spaces.  Specialised per string kind (1, 2 or 4 bytes a character)."""
    cdef Py_ssize_t k, spaces = 0, doubles = 0, run = 0, length = e - bs, m
    cdef Py_UCS4 c, lc, prev = 0
    cdef uint64_t h
    cdef uint32_t u, space
    for k in range(bs, e):
        c = s[k]
        if c < 128:
            # branch-free for letters and spaces (text is mostly both: branches on them mispredict)
            u = <uint32_t> c
            space = u == 32
            lc = <Py_UCS4> (u + 32 * (u - 65 < 26))
            spaces += space
            run = (run + 1) * space
            doubles += space & ((run & 1) == 0)  # "  " counted as str.count counts, without overlaps
            if u - 48 < 10:
                if k - bs < 8:
                    f.table_hint = True
            elif u == 124 and k > bs and k + 1 < e and Py_UNICODE_ISSPACE(prev) and Py_UNICODE_ISSPACE(s[k + 1]):
                f.row_separator = True
        else:
            run = 0
            ascii[0] = False
            if c == 0x130 or c == 0x3A3 or c == 0x131 or c == 0x17F or c == 0x307 or Py_UNICODE_ISDECIMAL(c):
                # lower case not per character, or a character hints see as another (rules.hint_text)
                f.unsure = True
            lc = Py_UNICODE_TOLOWER(c)
            if (c == 0xB7 or c == 0x2022) and k > bs and k + 1 < e and Py_UNICODE_ISSPACE(prev) \
                    and Py_UNICODE_ISSPACE(s[k + 1]):
                f.row_separator = True
            elif k - bs < 8 and Py_UNICODE_ISDIGIT(c):
                f.table_hint = True
        prev = c
        low[k] = lc
    if doubles >= 2:
        f.table_hint = True
    for k in range(min(length, 8)):
        f.key[k] = _key_char(low[bs + k])
    # The count key's hash: its length and lower-cased ends (equal keys have equal lower case; lines
    # that share length and ends are told apart by comparing them whole, see LineCore._same_key)
    h = _fnv64(14695981039346656037ULL, <Py_UCS4> length)
    m = min(length, 16)
    for k in range(m):
        h = _fnv64(h, low[bs + k])
    for k in range(max(m, length - 16), length):
        h = _fnv64(h, low[bs + k])
    f.key_hash = h
    return spaces


cdef Py_ssize_t _count_spaces(const ucs_t* s, Py_ssize_t bs, Py_ssize_t e, bint* ascii) noexcept:
    """Spaces in s[bs:e], and whether all of it is ASCII (without branches on the characters)."""
    cdef Py_ssize_t k, spaces = 0
    cdef uint32_t wide = 0, c
    for k in range(bs, e):
        c = s[k]
        spaces += c == 32
        wide |= c
    ascii[0] = wide < 128
    return spaces


cdef list _segment(str text, LineFacts** facts_out, Py_UCS4** lower_out):
    """The lines of ``text`` (text.segment.split_lines); with ``facts_out``, also each line's
    LineFacts and (``lower_out``) the text lower-cased character by character."""
    cdef list lines = []
    cdef Py_ssize_t n = len(text), i = 0, j, e, bs, length, spaces, words, k, count = 0
    cdef int kind = PyUnicode_KIND(text)
    cdef void* data = PyUnicode_DATA(text)
    cdef Py_UCS4 c, last
    cdef bint bullet, ascii, facts = facts_out != NULL
    cdef int ending
    cdef Line line
    cdef LineFacts* out = NULL
    cdef LineFacts* f
    cdef Py_UCS4* low = NULL
    if facts:
        # at most one line per two characters, plus one
        out = <LineFacts*> malloc((n // 2 + 2) * sizeof(LineFacts))
        low = <Py_UCS4*> malloc((n + 2) * sizeof(Py_UCS4))  # + 2: _Hints.scan reads ahead
        if out == NULL or low == NULL:
            free(out)
            free(low)
            raise MemoryError()
        facts_out[0] = out
        lower_out[0] = low
    while i < n:
        c = PyUnicode_READ(kind, data, i)
        if Py_UNICODE_ISSPACE(c):
            i += 1
            continue
        j = PyUnicode_FindChar(text, 10, i, n, 1)
        if j < 0:
            j = n
        e = j
        while e > i and Py_UNICODE_ISSPACE(PyUnicode_READ(kind, data, e - 1)):
            e -= 1
        bs = i
        bullet = False
        if e - i > 1 and _is_bullet(c) and PyUnicode_READ(kind, data, i + 1) in u" \t":
            bullet = True
            bs = i + 2
            while bs < e and Py_UNICODE_ISSPACE(PyUnicode_READ(kind, data, bs)):
                bs += 1
            if bs == e:  # nothing after the bullet: the bullet is the body
                bs = i
        spaces = 0
        ascii = True
        if facts:
            f = &out[count]
            f.bs = bs
            f.be = e
            f.unsure = False
            f.row_separator = False
            f.table_hint = False
            f.count = 0
            f.key_len = min(e - bs, 8)
            if kind == PyUnicode_1BYTE_KIND:
                spaces = _body_facts(<Py_UCS1*> data, bs, e, f, low, &ascii)
            elif kind == PyUnicode_2BYTE_KIND:
                spaces = _body_facts(<Py_UCS2*> data, bs, e, f, low, &ascii)
            else:
                spaces = _body_facts(<Py_UCS4*> data, bs, e, f, low, &ascii)
            low[e] = low[e + 1] = 0  # what a scan of this line reads ahead (a later line may overwrite)
        elif kind == PyUnicode_1BYTE_KIND:
            spaces = _count_spaces(<Py_UCS1*> data, bs, e, &ascii)
        elif kind == PyUnicode_2BYTE_KIND:
            spaces = _count_spaces(<Py_UCS2*> data, bs, e, &ascii)
        else:
            spaces = _count_spaces(<Py_UCS4*> data, bs, e, &ascii)
        words = spaces + 1
        length = e - bs
        if length > 16 * words and not ascii:
            words = max(words, length // 3)
        last = PyUnicode_READ(kind, data, e - 1)
        if _is_closer(last) and length > 1:
            last = PyUnicode_READ(kind, data, e - 2)
        ending = 2 if _is_sentence_end(last) else 1 if _is_clause_end(last) else 0
        line = Line.__new__(Line)
        line.start = i
        line.end = e
        line.text = PyUnicode_Substring(text, i, e)
        line.body = line.text if bs == i else PyUnicode_Substring(text, bs, e)
        line.body_offset = bs - i
        line.bullet = bullet
        line.words = words
        line.ending = ending
        lines.append(line)
        count += 1
        i = j
    return lines


def split_lines(str text):
    """The non-blank lines of ``text``, in order, with their offsets and features
    (:func:`cleaner.strip.segment.split_lines`, compiled)."""
    return _segment(text, NULL, NULL)


# ----------------------------------------------------------------------------- rule filters
cdef enum:
    KEY_CHARS = 8  # at least rules.DISPATCH_CHARS


cdef inline uint32_t _trigram_bit(Py_UCS4 c0, Py_UCS4 c1, Py_UCS4 c2) noexcept:
    return ((<uint32_t> c0 * 16777619u) ^ (<uint32_t> c1 * 2654435761u) ^ (<uint32_t> c2 * 40503u)) & 65535u


cdef class _Dispatch:
    """PrefixDispatch as a trie of its keys: a line's key is walked down character by character
    (most lines leave the trie after a character or two) and the deepest key on the way, the
    longest that exists, chooses the rules, as PrefixDispatch.pattern_for does."""

    cdef object dispatch
    cdef uint64_t* edge  # open addressing: (parent node << 21 | character) + 1; 0 = empty slot
    cdef int* child
    cdef size_t slots  # a power of two
    cdef list chosen  # node -> the chosen rules (a tuple) where a key ends, else None
    cdef object anyhow  # the pattern of the rules that can start with anything (or None)
    cdef list patterns  # node -> the pattern of its chosen rules, once a line needed it
    cdef int root[128]  # the root's children by ASCII character (-1: none)
    cdef unsigned char pairs[128 * 16]  # bit (c0, c1): the trie goes on from c0 to c1 (ASCII)
    cdef unsigned char triples[8192]  # bit (hash of c0 c1 c2): the trie may go on to a third character

    def __cinit__(self, dispatch):
        self.dispatch = dispatch
        self.anyhow = dispatch.pattern(dispatch.anyhow)
        self.chosen = [None]
        keys = [(key, chosen) for level in dispatch.levels for key, chosen in level.items()]
        nodes = len({key[:k] for key, _ in keys for k in range(1, len(key) + 1)})
        self.slots = 16
        while self.slots < 2 * nodes + 2:
            self.slots *= 2
        self.edge = <uint64_t*> malloc(self.slots * sizeof(uint64_t))
        self.child = <int*> malloc(self.slots * sizeof(int))
        if self.edge == NULL or self.child == NULL:
            raise MemoryError()
        memset(self.edge, 0, self.slots * sizeof(uint64_t))
        cdef int node, found
        for key, chosen in keys:
            node = 0
            for ch in key:
                found = self._find(node, ord(ch))
                if found < 0:
                    found = len(self.chosen)
                    self.chosen.append(None)
                    self._add(node, ord(ch), found)
                node = found
            self.chosen[node] = chosen
        self.patterns = [None] * len(self.chosen)
        memset(self.pairs, 0, sizeof(self.pairs))
        for node in range(128):
            self.root[node] = self._find(0, node)
        memset(self.triples, 0, sizeof(self.triples))
        cdef uint32_t h3
        for key, _ in keys:
            if len(key) >= 2 and ord(key[0]) < 128 and ord(key[1]) < 128:
                self.pairs[ord(key[0]) * 16 + (ord(key[1]) >> 3)] |= 1 << (ord(key[1]) & 7)
            if len(key) >= 3:
                h3 = _trigram_bit(ord(key[0]), ord(key[1]), ord(key[2]))
                self.triples[h3 >> 3] |= 1 << (h3 & 7)

    def __dealloc__(self):
        free(self.edge)
        free(self.child)

    cdef inline int _find(self, int node, Py_UCS4 c) noexcept:
        cdef uint64_t key = ((<uint64_t> node) << 21 | <uint64_t> c) + 1
        cdef size_t slot = (key * 11400714819323198485ULL) >> 40 & (self.slots - 1)
        while self.edge[slot] != 0:
            if self.edge[slot] == key:
                return self.child[slot]
            slot = (slot + 1) & (self.slots - 1)
        return -1

    cdef void _add(self, int node, Py_UCS4 c, int child) noexcept:
        cdef uint64_t key = ((<uint64_t> node) << 21 | <uint64_t> c) + 1
        cdef size_t slot = (key * 11400714819323198485ULL) >> 40 & (self.slots - 1)
        while self.edge[slot] != 0:
            slot = (slot + 1) & (self.slots - 1)
        self.edge[slot] = key
        self.child[slot] = child

    cdef object pattern_for(self, Py_UCS4* key, int length):
        """PrefixDispatch.pattern_for on a key given as characters."""
        cdef int node = 0, k, best = -1
        for k in range(length):
            if k == 0 and key[0] < 128:
                node = self.root[<int> key[0]]
            elif k == 1 and key[0] < 128 and key[1] < 128 and not (
                    self.pairs[(<int> key[0]) * 16 + ((<int> key[1]) >> 3)] & (1 << ((<int> key[1]) & 7))):
                break  # (most lines: a table lookup instead of a probe of the trie)
            elif k == 2 and not (self.triples[_trigram_bit(key[0], key[1], key[2]) >> 3]
                                 & (1 << (_trigram_bit(key[0], key[1], key[2]) & 7))):
                break
            else:
                node = self._find(node, key[k])
            if node < 0:
                break
            if self.chosen[node] is not None:
                best = node
        if best < 0:
            return self.anyhow
        found = self.patterns[best]
        if found is None:
            found = self.patterns[best] = self.dispatch.pattern(self.chosen[best])
        return found


cdef class _Hints:
    """The hint strings of the search and tail rules, found by one scan of a line's characters.

    Bit r of a mask is search rule r (rules.search order), bit len(search) + t tail rule t.
    One-character ASCII hints are looked up by character, hints that start with two ASCII
    characters by that pair (a 128 x 128 table of groups), the few others one by one."""

    cdef Py_UCS4* chars  # all hints, concatenated
    cdef Py_ssize_t* offset
    cdef Py_ssize_t* length
    cdef uint64_t* mask
    cdef int count
    cdef uint64_t single[128]  # one-character ASCII hints: masks by character
    cdef unsigned char* pair_group  # [c0 * 128 + c1] -> 1 + group of the hints starting c0 c1, or 0
    cdef int* group_start  # group -> [start, end) in the hint order (hints are sorted by pair)
    cdef int* group_end
    cdef int other_start  # the other hints: [other_start, count)
    cdef unsigned char wide_second[128]  # some other hint starts with this ASCII character
    cdef bint has_single  # (whether any entry of single / wide_second is set: most tables have none)
    cdef bint has_wide
    cdef unsigned char* group_short  # group + 1 -> its hints cannot be told by their first three characters
    cdef unsigned char trigrams[8192]  # bitmap of (hashed) first three characters of the pair hints

    def __cinit__(self, list hints):
        # hints: [(string, bit)], lower-case, not empty
        merged = {}
        for text, bit in hints:
            merged[text] = merged.get(text, 0) | (1 << bit)

        def group_of(text):
            if len(text) >= 2 and ord(text[0]) < 128 and ord(text[1]) < 128:
                return (0, text[:2])
            return (1, "") if len(text) > 1 or ord(text[0]) >= 128 else (2, "")

        singles = [(t, m) for t, m in merged.items() if group_of(t)[0] == 2]
        items = sorted(((t, m) for t, m in merged.items() if group_of(t)[0] != 2), key=lambda kv: group_of(kv[0]))
        self.count = len(items)
        total = sum(len(t) for t, _ in items)
        pairs = sorted({t[:2] for t, _ in items if group_of(t)[0] == 0})
        if len(pairs) > 250:  # pragma: no cover - the groups are numbered in one byte
            raise ValueError("too many hint strings")
        self.chars = <Py_UCS4*> malloc((total + 1) * sizeof(Py_UCS4))
        self.offset = <Py_ssize_t*> malloc((self.count + 1) * sizeof(Py_ssize_t))
        self.length = <Py_ssize_t*> malloc((self.count + 1) * sizeof(Py_ssize_t))
        self.mask = <uint64_t*> malloc((self.count + 1) * sizeof(uint64_t))
        self.pair_group = <unsigned char*> malloc(128 * 128)
        self.group_start = <int*> malloc((len(pairs) + 1) * sizeof(int))
        self.group_end = <int*> malloc((len(pairs) + 1) * sizeof(int))
        self.group_short = <unsigned char*> malloc(len(pairs) + 2)  # by group + 1; [0] = 0
        if not (self.chars and self.offset and self.length and self.mask and self.pair_group
                and self.group_start and self.group_end and self.group_short):
            raise MemoryError()
        memset(self.pair_group, 0, 128 * 128)
        memset(self.group_short, 0, len(pairs) + 2)
        memset(self.trigrams, 0, sizeof(self.trigrams))
        cdef uint32_t tri
        memset(self.wide_second, 0, sizeof(self.wide_second))
        cdef int c, h = 0, g
        for c in range(128):
            self.single[c] = 0
        for text, bits in singles:
            self.single[ord(text)] |= bits
        self.has_single = len(singles) > 0
        cdef Py_ssize_t pos = 0
        self.other_start = self.count
        for text, bits in items:
            self.offset[h] = pos
            self.length[h] = len(text)
            self.mask[h] = bits
            for ch in text:
                self.chars[pos] = ord(ch)
                pos += 1
            kind_, pair = group_of(text)
            if kind_ == 0:
                g = pairs.index(pair)
                if self.pair_group[ord(pair[0]) * 128 + ord(pair[1])] == 0:
                    self.pair_group[ord(pair[0]) * 128 + ord(pair[1])] = g + 1
                    self.group_start[g] = h
                self.group_end[g] = h + 1
                if len(text) == 2:
                    self.group_short[g + 1] = 1
                else:
                    tri = _trigram_bit(ord(text[0]), ord(text[1]), ord(text[2]))
                    self.trigrams[tri >> 3] |= 1 << (tri & 7)
            else:
                if self.other_start == self.count:
                    self.other_start = h
                if ord(text[0]) < 128:
                    self.wide_second[ord(text[0])] = 1
                    self.has_wide = True
            h += 1

    def __dealloc__(self):
        free(self.chars)
        free(self.offset)
        free(self.length)
        free(self.mask)
        free(self.pair_group)
        free(self.group_start)
        free(self.group_end)
        free(self.group_short)

    cdef inline bint _at(self, Py_UCS4* low, Py_ssize_t p, Py_ssize_t b, int h, Py_ssize_t skip) noexcept:
        """Hint h occurs at low[p:] before b; its first ``skip`` characters are known to."""
        cdef Py_ssize_t L = self.length[h], q
        cdef Py_UCS4* hint = self.chars + self.offset[h]
        if p + L > b:
            return False
        for q in range(skip, L):
            if low[p + q] != hint[q]:
                return False
        return True

    cdef uint64_t scan(self, Py_UCS4* low, Py_ssize_t a, Py_ssize_t b, Py_ssize_t tail_from,
                       uint64_t* tail_hits) noexcept:
        """Masks of the hints that occur in low[a:b] (lower-cased text); ``tail_hits`` gets those
        that occur entirely at or after ``tail_from``."""
        cdef uint64_t hits = 0, found
        cdef Py_ssize_t p
        cdef int t, g
        cdef Py_UCS4 c, c1, c2
        cdef uint32_t h3
        for p in range(a, b):
            # (the buffer is readable two characters past b: _at checks the bounds)
            c = low[p]
            c1 = low[p + 1]
            found = 0
            if c < 128:
                if self.has_single:
                    found = self.single[<int> c]
                if c1 < 128:
                    # the pair's group, if its first three characters can start one of its hints;
                    # computed without branches (a branch per character mispredicts on text)
                    g = self.pair_group[(<int> c) * 128 + <int> c1]
                    if g == 0:
                        h3 = 0
                    else:
                        h3 = _trigram_bit(c, c1, low[p + 2])
                    if g and (self.group_short[g] or (self.trigrams[h3 >> 3] >> (h3 & 7)) & 1):
                        for t in range(self.group_start[g - 1], self.group_end[g - 1]):
                            if self._at(low, p, b, t, 2):
                                found |= self.mask[t]
                if self.has_wide and c1 >= 128 and self.wide_second[<int> c]:
                    for t in range(self.other_start, self.count):
                        if self.chars[self.offset[t]] == c and self._at(low, p, b, t, 1):
                            found |= self.mask[t]
            elif self.other_start < self.count:
                for t in range(self.other_start, self.count):
                    if self.chars[self.offset[t]] == c and self._at(low, p, b, t, 1):
                        found |= self.mask[t]
            if found:
                hits |= found
                if p >= tail_from:
                    tail_hits[0] |= found
        return hits


cdef class _Filters:
    """What the compiled core needs of one RuleSet, built once per rule set."""

    cdef _Dispatch start  # line and prefix rules
    cdef _Dispatch prefix  # prefix rules alone
    cdef dict info  # rule id -> (rule, max_words, only_nonprose, (kind, reason), barrier, starts_list, plain)
    cdef _Hints hints
    cdef int n_search
    cdef int n_tail
    cdef uint64_t hinted  # rules (bits) that have hints; the others are always tried
    cdef uint64_t tail_bits
    cdef object rules  # keeps the RuleSet alive (the cache is keyed by its id)
    cdef list search_max  # per search rule: max_words
    cdef list search_nonprose  # per search rule: only_nonprose
    cdef list search_low  # per search rule: it has a low_regex
    cdef list tail_rules
    cdef list tail_width  # per tail rule: Rule.width
    cdef list tail_whole  # per tail rule: the (kind, reason) of a caption that is the whole line
    cdef dict memos  # line rule results by options (see _memo_for)

    def __cinit__(self, rules):
        self.rules = rules
        self.start = _Dispatch(rules.start_dispatch)
        self.prefix = _Dispatch(rules.prefix_dispatch)
        self.info = {
            rule_id: (rule, rule.max_words, rule.only_nonprose, (rule.kind, rule.reason), rule.barrier,
                      rule.starts_list, rule.kind not in ("attribution", "syndication_notice"),
                      rule.mode == "line")
            for rule_id, rule in rules.rules.items()
        }
        self.n_search = len(rules.search)
        self.search_max = [rule.max_words for rule in rules.search]
        self.search_nonprose = [rule.only_nonprose for rule in rules.search]
        self.search_low = [rule.low_regex is not None for rule in rules.search]
        self.tail_rules = list(rules.tail)
        self.tail_width = [rule.width for rule in rules.tail]
        self.tail_whole = [(rule.kind, rule.reason.split(",")[0] + " (the whole line)") for rule in rules.tail]
        self.memos = {}
        self.n_tail = len(rules.tail)
        hints = []
        self.hinted = 0
        self.tail_bits = 0
        for bit, rule in enumerate(tuple(rules.search) + tuple(rules.tail)):
            if rule.hint and all(rule.hint):  # (an empty hint occurs everywhere: the rule is always tried)
                self.hinted |= (<uint64_t> 1) << bit
            for text in rule.hint:
                if text:
                    hints.append((text, bit))
            if bit >= self.n_search:
                self.tail_bits |= (<uint64_t> 1) << bit
        self.hints = _Hints(hints)


cdef dict _FILTERS = {}
cdef Py_ssize_t _MAX_RULE_SETS = 16  # as many as rules.load_rules caches

# Lines remembered per rule set and options.  Site templates repeat their lines on every page
# (menus, share bars, "Advertisement", footers): on the aeb-text pages, in one pass, half the lines
# are a line seen before.  A line's rule result is a function of its text (and the options), so a
# remembered line skips the rule filters and regular expressions.  Bounded: the memo is emptied
# when it reaches this many lines.
cdef Py_ssize_t _MEMO_LINES = 100_000


cdef class _LineMemo:
    """Line text -> rule result.  A bitmap of the hashes the segmentation pass computed already
    (LineFacts.key_hash) answers "never seen" without hashing the line's text for the dict, which
    on a first pass is the answer for half the lines."""

    cdef dict lines
    cdef unsigned char* seen  # bit (key_hash mod 2**20): a line with that hash is in ``lines``

    def __cinit__(self):
        self.lines = {}
        self.seen = <unsigned char*> malloc(1 << 17)
        if self.seen == NULL:
            raise MemoryError()
        memset(self.seen, 0, 1 << 17)

    def __dealloc__(self):
        free(self.seen)

    cpdef void clear(self):
        self.lines.clear()
        memset(self.seen, 0, 1 << 17)

    cdef inline object get(self, uint64_t h, str text):
        cdef uint32_t bit = h & ((1 << 20) - 1)
        if not self.seen[bit >> 3] & (1 << (bit & 7)):
            return None
        return self.lines.get(text)

    cdef void put(self, uint64_t h, str text, tuple entry) except *:
        cdef uint32_t bit = h & ((1 << 20) - 1)
        if len(self.lines) >= _MEMO_LINES:
            self.clear()
        self.seen[bit >> 3] |= 1 << (bit & 7)
        self.lines[text] = entry


cdef _LineMemo _memo_for(_Filters filters, Py_ssize_t cap, Py_ssize_t min_words, Py_ssize_t min_unterminated,
                         Py_ssize_t min_prose_words):
    key = (cap, min_words, min_unterminated, min_prose_words)
    found = filters.memos.get(key)
    if found is None:
        if len(filters.memos) >= 8:  # bounded: a run uses one set of options, tests a few
            del filters.memos[next(iter(filters.memos))]
        found = filters.memos[key] = _LineMemo()
    return <_LineMemo> found


def clear_memo() -> None:
    """Forget the remembered lines (benchmarks measure a cold start with it)."""
    for filters in _FILTERS.values():
        for memo in (<_Filters> filters).memos.values():
            (<_LineMemo> memo).clear()


def _FILTERS_for_tests():
    return dict(_FILTERS)


def supports(rules) -> bool:
    """Whether the compiled core can run this rule set: it keeps a line's search and tail rules
    in a 64-bit mask and numbers the hints' first two characters in a byte."""
    if len(rules.search) + len(rules.tail) > 64:
        return False
    hints = {h for rule in tuple(rules.search) + tuple(rules.tail) for h in rule.hint if h}
    return len({h[:2] for h in hints if len(h) >= 2 and ord(h[0]) < 128 and ord(h[1]) < 128}) <= 250


cdef _Filters _filters_for(rules):
    from .rules import DISPATCH_CHARS
    if DISPATCH_CHARS > KEY_CHARS:  # pragma: no cover - a build older than the rules module
        raise RuntimeError("cleaner.strip._core was built for shorter dispatch keys; rebuild it")
    found = _FILTERS.get(id(rules))
    if found is None or (<_Filters> found).rules is not rules:
        if len(_FILTERS) >= _MAX_RULE_SETS:  # bounded: forget the oldest (it is rebuilt if needed)
            del _FILTERS[next(iter(_FILTERS))]
        found = _Filters(rules)
        _FILTERS[id(rules)] = found
    return <_Filters> found


# ----------------------------------------------------------------------------- the core
cdef class LineCore:
    """One document's lines, their classification and the article core (compiled passes)."""

    cdef public str source
    cdef public object rules
    cdef public object options
    cdef public object evidence
    cdef public list lines
    cdef public list noise
    cdef public list cls
    cdef public list barrier
    cdef public list starts_list
    cdef public set in_headline_run
    cdef public set announced
    cdef public list site_prose
    cdef public set table_row
    cdef public dict caption_at
    cdef public object attribution
    cdef public object title
    cdef public object title_line
    cdef public object site_key
    cdef public dict repeated
    cdef public object core
    cdef LineFacts* facts  # per line, from the segmentation pass
    cdef Py_UCS4* low  # the text lower-cased character by character

    def __init__(self, str text, rules, options, evidence, site):
        global _text_norm, _text_one_sentence, _text_agency, _text_caption_start, _text_number
        if _text_norm is None:  # text.py imports this module, so its helpers are fetched on first use
            from .text import _AGENCY_DATELINE, _NUMBER, _caption_start, _norm, _one_sentence
            _text_norm, _text_one_sentence, _text_agency = _norm, _one_sentence, _AGENCY_DATELINE
            _text_caption_start, _text_number = _caption_start, _NUMBER
        self.source = text
        self.rules = rules
        self.options = options
        self.evidence = evidence
        self.lines = _segment(text, &self.facts, &self.low)
        n = len(self.lines)
        self.noise = [None] * n
        self.cls = [_OTHER] * n
        self.barrier = [False] * n
        self.starts_list = [False] * n
        self.in_headline_run = set()
        self.announced = set()
        self.site_prose = []
        self.table_row = set()
        self.caption_at = {}
        self.attribution = Attribution()
        self.title = None
        self.title_line = None
        self.site_key = _text_norm(site) if site else None
        self._classify()
        self.core = self._find_core()

    def __dealloc__(self):
        free(self.facts)
        free(self.low)

    # ------------------------------------------------------------ lines
    def _classify(self):
        opts = self.options
        rules = self.rules
        cdef _Filters filters = _filters_for(rules)
        cdef Py_ssize_t line_max = rules.line_max_chars
        search = rules.search
        tail_rules = rules.tail
        cdef Py_ssize_t cap = opts.max_rule_chars
        cdef Py_ssize_t min_words = opts.min_prose_words
        if opts.favor_recall:
            min_words = max(3, min_words - 2)
        elif opts.favor_precision:
            min_words += 2
        cdef Py_ssize_t min_unterminated = opts.min_unterminated_prose_words
        cdef dict rule_info = filters.info
        cdef tuple info
        evidence = self.evidence
        cdef list cls = self.cls
        cdef list noise = self.noise
        cdef list lines = self.lines
        site_key = self.site_key
        cdef Py_ssize_t n = len(lines), i, words, blen, bs, be, win, r, limit, count
        cdef int ending, k, key_len
        cdef bint prose, has_search = len(search) > 0, has_tail = len(tail_rules) > 0
        cdef uint64_t hits_low, hits_tail, bit
        cdef Py_UCS4 keybuf[KEY_CHARS]
        cdef Line line
        cdef LineFacts* f
        self._count_keys()
        cdef _LineMemo memo = _memo_for(filters, cap, min_words, min_unterminated, opts.min_prose_words)
        cdef dict caption_at = self.caption_at
        cdef tuple entry
        for i in range(n):
            line = <Line> lines[i]
            f = &self.facts[i]
            body = line.body
            words = line.words
            entry = memo.get(f.key_hash, line.text)
            if entry is None:
                entry = self._line_rules(i, line, f, filters, memo, cap, line_max, min_words, min_unterminated)
            prose = entry[0]
            hit = entry[1]
            if prose:
                cls[i] = _PROSE
            if hit is not None:
                info = <tuple> rule_info[hit]
                if info[6]:  # text._Shared._mark_rule, inlined for the rules that fill no attribution
                    noise[i] = info[3]
                    cls[i] = _NOISE
                    self.barrier[i] = info[4]
                    self.starts_list[i] = info[5]
                else:
                    self._mark_rule(i, info[0], body[:cap])
                continue
            if entry[2] is not None:  # a caption's credit or a row of links: the whole line
                noise[i] = entry[2]
                cls[i] = _NOISE
            if entry[3] is not None:  # a caption glued to the end of the line
                caption_at[i] = entry[3]
            if evidence is not None and noise[i] is None:
                self._match_evidence(i, line, prose)
            if site_key is not None and noise[i] is None and words <= 12 and not prose:
                if self._is_site_name(body):
                    noise[i] = ("site_header", "the site's name")
                    cls[i] = _NOISE
            if entry[4] and noise[i] is None:
                self.table_row.add(i)
        self._guard_site_evidence()
        self._release_barriers_before_prose()
        limit = opts.repeat_in_document
        cdef dict repeated = {}
        self.repeated = repeated
        cdef bint extracted = opts.extracted
        for i in range(n):
            if noise[i] is not None:
                continue
            line = <Line> lines[i]
            count = self.facts[i].count
            if line.words <= 8:
                if <int> cls[i] != _PROSE and count >= limit:
                    repeated[i] = count
            elif not extracted and count >= 2:
                repeated[i] = count
                cls[i] = _OTHER
        self._find_headline_runs()

    cdef tuple _line_rules(self, Py_ssize_t i, Line line, LineFacts* f, _Filters filters, _LineMemo memo,
                       Py_ssize_t cap, Py_ssize_t line_max, Py_ssize_t min_words, Py_ssize_t min_unterminated):
        """What the rule table, a glued caption and a row of links make of line i, a function of
        the line's text alone (so it is remembered by text: see _memo_for): (prose, the id of the
        rule hit or None, the noise (kind, reason) of a caption or link row, the caption cut or
        None, whether it is a row of a numeric table)."""
        cdef list noise = self.noise
        cdef dict rule_info = filters.info
        cdef tuple info, entry
        search = self.rules.search
        cdef Py_ssize_t words = line.words, blen, bs, be, win, r
        cdef int ending, k, key_len
        cdef bint prose
        cdef uint64_t hits_low, hits_tail, bit
        cdef Py_UCS4 keybuf[KEY_CHARS]
        body = line.body
        cdef bint has_search = len(search) > 0, has_tail = filters.n_tail > 0
        cdef bint tail_all_hinted = (filters.hinted & filters.tail_bits) == filters.tail_bits
        ending = line.ending
        if line.bullet:
            prose = words >= 15 and ending == 2
        elif ending == 2:
            prose = words >= min_words
        elif ending == 1:
            prose = words >= 2 * min_words
        else:
            prose = words >= min_unterminated and self._wordy(body)
        bs = f.bs
        be = f.be
        blen = be - bs
        # --- line and prefix rules, only those the line's first characters allow
        capped = None
        low = None
        if f.unsure:  # as the Python core: from str.lower() of the capped line
            capped = body[:cap]
            low = capped.lower()
            pykey = dispatch_key(low)
            key_len = min(len(pykey), KEY_CHARS)
            for k in range(key_len):
                keybuf[k] = pykey[k]
        else:
            key_len = min(blen, cap, f.key_len)
            for k in range(key_len):
                keybuf[k] = f.key[k]
        start_pat = filters.start.pattern_for(keybuf, key_len)
        hit = None
        if start_pat is not None:
            if low is None:
                low = PyUnicode_FromKindAndData(PyUnicode_4BYTE_KIND, self.low + bs, blen if blen < cap else cap)
            m = start_pat.match(low)
            if m is not None and blen > line_max and (<tuple> rule_info[m.lastgroup])[7]:
                # the Python core does not try line rules on lines longer than any can match
                # (they can match the capped line when line_max_chars > max_rule_chars)
                start_pat = filters.prefix.pattern_for(keybuf, key_len)
                m = start_pat.match(low) if start_pat is not None else None
            if m is not None:
                info = <tuple> rule_info[m.lastgroup]
                mw = info[1]
                if (mw is None or words <= mw) and not (info[2] and prose):
                    hit = info
                else:
                    if capped is None:
                        capped = body[:cap]
                    found = self._applicable(m.lastgroup, words, prose, capped)
                    if found is not None:
                        hit = rule_info[found.id]
        # --- search and tail rules, only those whose hint occurs in the (lower-cased) line
        hits_low = 0
        hits_tail = 0
        if hit is None and (has_search or has_tail):
            win = blen if blen <= cap else cap
            if not f.unsure:
                hits_low = filters.hints.scan(self.low, bs, bs + win, be - _TAIL if blen <= cap else be + 1,
                                              &hits_tail)
                if blen > cap:
                    # (the body's last _TAIL characters: a cap under _TAIL leaves fewer before them)
                    filters.hints.scan(self.low, max(bs, be - _TAIL), be, max(bs, be - _TAIL), &hits_tail)
            else:
                if low is None:
                    capped = body[:cap]
                    low = capped.lower()
                line_low = hint_text(low)
                hits_low = _scan_str(filters.hints, line_low,
                                     len(line_low) - _TAIL if blen <= cap else len(line_low) + 1, &hits_tail)
                if blen > cap:
                    _scan_str(filters.hints, hint_text(body[max(0, blen - _TAIL):].lower()), 0, &hits_tail)
            if has_search:
                for r in range(len(search)):
                    bit = (<uint64_t> 1) << r
                    if filters.hinted & bit and not hits_low & bit:
                        continue
                    mw = filters.search_max[r]
                    if (mw is not None and words > mw) or (filters.search_nonprose[r] and prose):
                        continue
                    rule = search[r]
                    if filters.search_low[r]:
                        if low is None:
                            low = PyUnicode_FromKindAndData(PyUnicode_4BYTE_KIND, self.low + bs, win)
                        if rule.low_regex.search(low) is not None:
                            hit = rule_info[rule.id]
                            break
                    else:
                        if capped is None:
                            capped = body[:cap]
                        if rule.regex.search(capped) is not None:
                            hit = rule_info[rule.id]
                            break
        if hit is not None:
            # the rule's id, not the rule: entries of strings and numbers only are not tracked by
            # the garbage collector, which would otherwise walk the whole memo on every full pass
            entry = (prose, (<tuple> hit)[0].id, None, None, False)
        else:
            # the caption and link-row passes write into the analysis; what they wrote is the result
            if has_tail and (not tail_all_hinted or hits_tail & filters.tail_bits):
                if f.unsure:
                    self._match_tail(i, line)
                else:  # which tail rules to try is known (the hints in the last _TAIL characters)
                    self._tail(i, line, filters, hits_tail, bs, blen, cap)
            if noise[i] is None and not prose and words <= 15 and f.row_separator:
                self._match_link_row(i, body)
            # (a numeric table row, if nothing else took the line: text._is_table_row, pure too)
            entry = (prose, None, noise[i], self.caption_at.get(i),
                     noise[i] is None and not prose and words >= 4 and f.table_hint
                     and self._table_row(body, words))
            noise[i] = None
            self.cls[i] = _OTHER
            self.caption_at.pop(i, None)
        memo.put(f.key_hash, line.text, entry)
        return entry

    cdef void _tail(self, Py_ssize_t i, Line line, _Filters filters, uint64_t hits_tail, Py_ssize_t bs,
                    Py_ssize_t blen, Py_ssize_t cap) except *:
        """text._Shared._match_tail for a line whose lower case is character by character, with
        the tail rules to try known from the hint scan: a photo caption with its credit at the end
        of the line, cut off the paragraph (or the whole line, when little is left before it)."""
        cdef Py_ssize_t t, width, start, window_start = blen - cap if blen > cap else 0, cut, k, kept_words
        cdef uint64_t bit
        cdef int kind = PyUnicode_KIND(self.source)
        cdef void* data = PyUnicode_DATA(self.source)
        body = line.body
        low_body = None
        for t in range(filters.n_tail):
            bit = (<uint64_t> 1) << (filters.n_search + t)
            if filters.hinted & bit and not hits_tail & bit:
                continue
            rule = filters.tail_rules[t]
            width = filters.tail_width[t] if filters.tail_width[t] is not None else cap
            start = max(window_start, blen - width)
            if rule.low_regex is not None:
                if low_body is None:
                    low_body = PyUnicode_FromKindAndData(PyUnicode_4BYTE_KIND, self.low + bs, blen)
                m = rule.low_regex.search(low_body, start)
            else:
                m = rule.regex.search(body, start)
            if m is None:
                continue
            cut = _text_caption_start(body, m.start(), window_start)
            kept_words = 0
            if cut > 0:
                kept_words = 1
                for k in range(bs, bs + cut):
                    if PyUnicode_READ(kind, data, k) == 32:
                        kept_words += 1
            if kept_words < self.options.min_prose_words:
                self.noise[i] = filters.tail_whole[t]
                self.cls[i] = _NOISE
            else:
                self.caption_at[i] = (line.body_offset + cut, rule.reason)
            return

    cdef void _count_keys(self) except *:
        """LineFacts.count: how many lines share the line's key (text._PyCore's short_counts:
        the lower-cased body for lines of at most 8 words, else the body)."""
        cdef list lines = self.lines
        cdef Py_ssize_t n = len(lines), i, j, size = 16, slot
        cdef Line line
        cdef bint unsure = False
        for i in range(n):
            if self.facts[i].unsure:
                unsure = True
                break
        if unsure:  # some line's lower case is not character by character: count the strings
            counts = {}
            keys = []
            for i in range(n):
                line = <Line> lines[i]
                key = line.body.lower() if line.words <= 8 else line.body
                keys.append(key)
                counts[key] = counts.get(key, 0) + 1
            for i in range(n):
                self.facts[i].count = counts[keys[i]]
            return
        while size < 2 * n:
            size *= 2
        cdef Py_ssize_t* table = <Py_ssize_t*> malloc(size * sizeof(Py_ssize_t))
        cdef Py_ssize_t* head = <Py_ssize_t*> malloc((n + 1) * sizeof(Py_ssize_t))
        if table == NULL or head == NULL:
            free(table)
            free(head)
            raise MemoryError()
        try:
            for slot in range(size):
                table[slot] = -1
            for i in range(n):
                self.facts[i].count = 0
                slot = self.facts[i].key_hash & (size - 1)
                while table[slot] != -1 and not self._same_key(i, table[slot]):
                    slot = (slot + 1) & (size - 1)
                if table[slot] == -1:
                    table[slot] = i
                head[i] = table[slot]
                self.facts[head[i]].count += 1
            for i in range(n):
                self.facts[i].count = self.facts[head[i]].count
        finally:
            free(table)
            free(head)

    cdef bint _same_key(self, Py_ssize_t i, Py_ssize_t j) except -1:
        cdef LineFacts* a = &self.facts[i]
        cdef LineFacts* b = &self.facts[j]
        if a.key_hash != b.key_hash or a.be - a.bs != b.be - b.bs:
            return False
        cdef bint a_low = (<Line> self.lines[i]).words <= 8, b_low = (<Line> self.lines[j]).words <= 8
        cdef int kind = PyUnicode_KIND(self.source)
        cdef void* data = PyUnicode_DATA(self.source)
        cdef Py_ssize_t k
        cdef Py_UCS4 x, y
        for k in range(a.be - a.bs):
            x = self.low[a.bs + k] if a_low else PyUnicode_READ(kind, data, a.bs + k)
            y = self.low[b.bs + k] if b_low else PyUnicode_READ(kind, data, b.bs + k)
            if x != y:
                return False
        return True

    def _find_headline_runs(self):
        cdef Py_ssize_t n = len(self.lines), i, j, k, separators
        cdef bytearray headline_like = self._headline_bytes()
        cdef bytearray rep = self._repeated_bytes()
        cdef list noise = self.noise
        cdef list members
        cdef Py_ssize_t run = self.options.headline_run
        cdef bint labelled
        i = 0
        while i < n:
            if noise[i] is None and headline_like[i]:
                members = []
                separators = 0
                j = i
                while j < n and ((noise[j] is None and headline_like[j]) or rep[j]):
                    if rep[j]:
                        separators += 1
                    else:
                        members.append(j)
                    j += 1
                labelled = i > 0 and self.starts_list[i - 1]
                if (len(members) >= run and separators >= len(members) - 1) or (labelled and len(members) >= 2):
                    why = "after a list heading" if labelled else "alternating with a repeated line"
                    reason = f"one of {len(members)} headline-like lines in a row {why} (links to other stories)"
                    kind_reason = ("headline_list", reason)
                    for k in members:
                        noise[k] = kind_reason
                        self.cls[k] = _NOISE
                        self.in_headline_run.add(k)
                i = j
            else:
                i += 1

    cdef bytearray _repeated_bytes(self):
        cdef bytearray rep = bytearray(len(self.lines))
        for i in self.repeated:
            rep[i] = 1
        return rep

    def _release_barriers_before_prose(self):
        cdef list noise = self.noise, barrier = self.barrier, cls = self.cls
        cdef Py_ssize_t n = len(self.lines), i, j
        for i in range(n):
            if not barrier[i]:
                continue
            j = i + 1
            while j < n and noise[j] is not None and noise[j][0] in _INLINE_NOISE:
                j += 1
            if j < n and <int> cls[j] == _PROSE:
                barrier[i] = False

    # ------------------------------------------------------------- core
    def _find_core(self):
        cdef Py_ssize_t n = len(self.lines)
        if self.options.extracted:
            return (0, n - 1) if n else None
        if n == 0:
            return None
        cdef double* scores = <double*> malloc(n * sizeof(double))
        if scores == NULL:
            raise MemoryError()
        cdef Py_ssize_t first_barrier = -1, prose_chars = 0, i, lo, hi, start, end
        cdef double total, best
        cdef list runs = []
        cdef list pending
        cdef list cls = self.cls, barrier = self.barrier
        cdef Py_ssize_t min_above = self.options.min_prose_above_barrier
        cdef double title_bonus = self.options.title_bonus, after_barrier = self.options.after_barrier_factor
        cdef Line line
        try:
            self._fill_scores(scores)
            for i in range(n):
                if <int> cls[i] == _PROSE:
                    line = <Line> self.lines[i]
                    prose_chars += line.end - line.start
                elif barrier[i] and prose_chars >= min_above:
                    first_barrier = i
                    break
            pending = [(0, n)]
            while pending and len(runs) < 24:
                lo, hi = pending.pop()
                if not _best_run(scores, lo, hi, &start, &end, &total):
                    continue
                if self._introduced_by_headline(start):
                    total *= title_bonus
                if first_barrier >= 0 and start > first_barrier:
                    total *= after_barrier
                runs.append((start, end, total))
                pending.append((lo, start))
                pending.append((end + 1, hi))
        finally:
            free(scores)
        if not runs:
            return None
        best = max([t for _, _, t in runs])
        share = self.options.earlier_share
        for start, end, total in sorted(runs):
            if total >= share * best:
                return start, self._extend_over_list(end)
        return None

    def _introduced_by_headline(self, Py_ssize_t start):
        cdef Py_ssize_t seen = 0, i
        cdef list noise = self.noise
        cdef Line line
        for i in range(start - 1, -1, -1):
            kind = noise[i]
            if kind is not None and kind[0] in _SKIPPABLE_ABOVE_BODY:
                continue
            line = <Line> self.lines[i]
            if kind is None and 4 <= line.words <= 30 and line.ending != 2 and not line.bullet:
                return True
            seen += 1
            if seen >= 3:
                return False
        return False

    cdef _fill_scores(self, double* scores):
        opts = self.options
        cdef double gap = opts.gap_penalty, weight = opts.gap_char_weight, wall = opts.barrier_penalty
        if opts.favor_precision:
            gap *= 1.6
        elif opts.favor_recall:
            gap *= 0.5
        cdef double item = opts.item_metadata_penalty, inline = opts.inline_noise_penalty
        cdef Py_ssize_t n = len(self.lines), i, length
        cdef bytearray listed = bytearray(n), table = bytearray(n), runs = bytearray(n)
        for i in self._listed_metadata():
            listed[i] = 1
        for i in self.table_row:
            table[i] = 1
        for i in self.in_headline_run:
            runs[i] = 1
        cdef list cls = self.cls, barrier = self.barrier, noise = self.noise
        cdef int c
        cdef Line line
        for i in range(n):
            c = cls[i]
            line = <Line> self.lines[i]
            length = line.end - line.start
            if c == _PROSE:
                scores[i] = length
            elif c == _NOISE:
                if barrier[i]:
                    scores[i] = -wall
                elif listed[i]:
                    scores[i] = -(item + weight * length)
                elif runs[i] or (noise[i] is not None and noise[i][0] in _INLINE_NOISE):
                    scores[i] = -inline
                else:
                    scores[i] = -(gap + weight * length)
            elif table[i]:
                scores[i] = 0.0
            else:
                scores[i] = -(gap + weight * length)

    def _listed_metadata(self):
        cdef list noise = self.noise, cls = self.cls
        cdef list meta = [i for i, kind in enumerate(noise) if kind is not None and kind[0] in _ITEM_METADATA]
        cdef set listed = set()
        cdef Py_ssize_t a, b, k, x
        cdef bint clear
        for k in range(len(meta) - 1):
            a = meta[k]
            b = meta[k + 1]
            if b - a <= 8:
                clear = True
                for x in range(a + 1, b):
                    if <int> cls[x] == _PROSE:
                        clear = False
                        break
                if clear:
                    listed.add(a)
                    listed.add(b)
        cdef list cluster = []
        cdef Py_ssize_t stops = 0, last
        for i in meta + [-100]:
            if cluster:
                last = cluster[len(cluster) - 1]
                if 0 < i - last <= 8:
                    stops += i - last > 1
                    cluster.append(i)
                    continue
            if stops >= 2:
                listed.update(cluster)
            cluster = [i]
            stops = 0
        return listed

    # ----------------------------------------------------------- result
    cdef bytearray _headline_bytes(self):
        cdef Py_ssize_t n = len(self.lines), i
        cdef bytearray flags = bytearray(n)
        cdef list cls = self.cls
        cdef set table = self.table_row, announced = self.announced
        cdef Line line
        for i in range(n):
            line = <Line> self.lines[i]
            if (<int> cls[i] != _PROSE and not line.bullet and 4 <= line.words <= 25 and line.ending == 0):
                flags[i] = 1
        for i in table:
            flags[i] = 0
        for i in announced:
            flags[i] = 0
        return flags

    def _result_parts(self):
        cdef Py_ssize_t n = len(self.lines), i, lo, hi
        cdef list kinds = [None] * n
        cdef list noise = self.noise, cls = self.cls, lines = self.lines, starts_list = self.starts_list
        core = self.core
        if core is not None:
            lo, hi = core
        else:
            lo, hi = 0, n - 1
        cdef bint list_mode = False, broad_list = False, inside
        list_bullets = None
        cdef bytearray headline_like = self._headline_bytes()
        cdef dict repeated = self.repeated
        cdef bytearray rep = self._repeated_bytes()
        title_line = self.title_line
        cdef Py_ssize_t title_index = title_line if title_line is not None else -1
        cdef bint keep_standfirst = self.options.keep_standfirst
        cdef Line line
        for i in range(n):
            if i == title_index:
                kinds[i] = _TITLE_KIND
                list_mode = False
                continue
            kind = noise[i]
            if kind is not None:
                kinds[i] = kind
                if starts_list[i]:
                    list_mode = True
                    broad_list = kind[0] == "headline_list"
                    list_bullets = None
                continue
            count = repeated.get(i) if rep[i] else None
            if count is not None and list_mode:
                kinds[i] = ("headline_list", f"line repeated {count} times between the headlines of a link list")
                continue
            if count is not None and (i < lo or i > hi or self._beside_list_c(i, headline_like)):
                kinds[i] = ("boilerplate_repeated", f"line repeated {count} times in this document")
                continue
            line = <Line> lines[i]
            if list_mode:
                inside = lo <= i <= hi
                if (<int> cls[i] != _PROSE and (line.bullet or headline_like[i])) or (
                    not inside and line.ending == 0 and line.words <= 30
                ) or (
                    broad_list and line.words <= 25 and (list_bullets is None or list_bullets == line.bullet)
                    and line.body[len(line.body) - 1] != "." and _text_one_sentence(line.body)
                ):
                    if list_bullets is None:
                        list_bullets = line.bullet
                    kinds[i] = _HEADLINE_IN_LIST
                    continue
                list_mode = False
            if i < lo or i > hi:
                kinds[i] = self._outside_kind_c(i, i < lo, headline_like)
                if kinds[i] is _STANDFIRST and keep_standfirst:
                    kinds[i] = None
        # kept lines and the removed spans, merged as text._merge_spans merges them: a span joins
        # the one before when both have the same kind and reason and only blanks lie between
        cdef list kept = [], spans = []
        cdef str source = self.source
        cdef int skind = PyUnicode_KIND(source)
        cdef void* sdata = PyUnicode_DATA(source)
        cdef Py_ssize_t last_start = -1, last_end = -1, offset, start, end
        last_kind = None
        caption_at = self.caption_at
        for i in range(n):
            line = <Line> lines[i]
            kind = kinds[i]
            if kind is None:
                cut = caption_at.get(i) if caption_at else None
                if cut is None:
                    kept.append(line.text)
                    continue
                offset, reason = cut
                kept.append(source[line.start:line.start + offset].rstrip())
                kind = ("photo_credit", reason)
                start = line.start + offset
            else:
                start = line.start
            end = line.end
            if last_kind is not None:
                if (last_kind is kind or last_kind == kind) and _blank(skind, sdata, last_end, start):
                    last_end = end
                    continue
                spans.append(_new_span(last_start, last_end, <tuple> last_kind))
            last_start, last_end, last_kind = start, end, kind
        if last_kind is not None:
            spans.append(_new_span(last_start, last_end, <tuple> last_kind))
        return "\n".join(kept), spans

    def _wordy(self, str body):
        """text._Shared._wordy, compiled: a long line without final punctuation reads as prose
        when dense in function words (or, with clause commas, mostly lower-case words)."""
        cdef list tokens = body.lower().split()
        cdef Py_ssize_t n = len(tokens), hits = 0, capitalised = 0
        stop = self.rules.stopwords
        if stop:
            for t in tokens:
                if t in stop:
                    hits += 1
            if hits >= 0.22 * n:
                return True
        if n < 20 or "," not in body:
            return False
        for t in body.split():
            if Py_UNICODE_ISUPPER((<str> t)[0]):  # (str.isupper of one character)
                capitalised += 1
        return capitalised <= 0.3 * n

    def _table_row(self, str body, Py_ssize_t words):
        """text._is_table_row, compiled: a row of a flattened table (half its words numbers)."""
        cdef Py_ssize_t k, n = len(body)
        cdef bint digit = False
        for k in range(min(n, 8)):
            if Py_UNICODE_ISDIGIT(body[k]):
                digit = True
                break
        if not digit and body.count("  ") < 2:
            return False
        return 2 * len(_text_number.findall(body[:400])) >= min(words, 60)

    def _detect_title(self):
        """text._Shared._detect_title, compiled: the headline-like line just above the body (a
        short one loses to a full headline a few lines further up)."""
        if self.core is None:
            return None
        cdef Py_ssize_t first = self.core[0], i, distance = 0, best = -1, stop
        cdef double score, best_score = 0.0
        stop = first - 1 - self.options.title_window
        if stop < -1:
            stop = -1
        for i in range(first - 1, stop, -1):
            if self._title_like_c(i):
                score = min((<Line> self.lines[i]).words, 12) - 0.5 * distance
                if score > best_score:
                    best, best_score = i, score
            distance += 1
        if best >= 0:
            return best
        # extracted text (HTML mode) starts with its headline: the body's first line, when a
        # headline-like line is followed by prose
        if self.options.extracted and first + 1 < len(self.lines) and <int> self.cls[first + 1] == _PROSE \
                and self._title_like_c(first):
            return first
        return None

    def _title_like(self, Py_ssize_t i):
        return self._title_like_c(i)

    cdef bint _title_like_c(self, Py_ssize_t i) except -1:
        """text._Shared._title_like, compiled (the title search asks it of a dozen lines a page)."""
        cdef Line line = <Line> self.lines[i]
        if self.noise[i] is not None or line.bullet:
            return False
        cdef int kind = PyUnicode_KIND(self.source)
        cdef void* data = PyUnicode_DATA(self.source)
        cdef Py_UCS4 last = PyUnicode_READ(kind, data, line.end - 1)
        if <int> self.cls[i] == _PROSE and last == 46:
            return False
        if not 3 <= line.words <= self.options.max_title_words or last in u".,;:":
            return False
        if _text_agency.match(line.body):  # "WASHINGTON (AP) — ..." opens a paragraph
            return False
        # at least three words (runs of word characters, as _WORD = \w+ finds them)
        cdef Py_ssize_t k, words = 0
        cdef bint inside = False
        cdef Py_UCS4 c
        for k in range(line.start, line.end):
            c = PyUnicode_READ(kind, data, k)
            if Py_UNICODE_ISALNUM(c) or c == 95:
                if not inside:
                    words += 1
                    if words >= 3:
                        return True
                    inside = True
            else:
                inside = False
        return False

    cdef bint _beside_list_c(self, Py_ssize_t i, bytearray headline_like):
        cdef Py_ssize_t n = len(self.lines)
        for j in (i - 1, i + 1):
            if 0 <= j < n and (headline_like[j] or self.noise[j] is not None):
                return True
        return False

    cdef tuple _outside_kind_c(self, Py_ssize_t i, bint before, bytearray headline_like):
        cdef Line line = <Line> self.lines[i]
        title_line = self.title_line
        if before and title_line is not None and i > title_line and line.words >= 12:
            return _STANDFIRST
        if line.bullet:
            return _NAV_ABOVE if before else _NAV_BELOW
        if line.words <= 3:
            return _SHORT_ABOVE if before else _SHORT_BELOW
        cdef Py_ssize_t n = len(headline_like)
        if not before and headline_like[i] and (
            (i > 0 and headline_like[i - 1]) or (i + 1 < n and headline_like[i + 1])
        ):
            return _LIST_BELOW
        if before:
            return _HEADER
        return _FOOTER


cdef inline bint _blank(int kind, void* data, Py_ssize_t a, Py_ssize_t b) noexcept:
    cdef Py_ssize_t p
    for p in range(a, b):
        if not Py_UNICODE_ISSPACE(PyUnicode_READ(kind, data, p)):
            return False
    return True


cdef extern from "Python.h":
    ctypedef struct PyMemberDef:
        Py_ssize_t offset
    ctypedef struct PyMemberDescrObject:
        PyMemberDef* d_member
    PyObject* PyType_GenericAlloc(PyTypeObject* type, Py_ssize_t nitems) except NULL
    void PyObject_GC_UnTrack(void* op)


cdef Py_ssize_t _SPAN_OFFSETS[4]  # where Span's four slots are in the object (0: unknown)


cdef void _span_layout() noexcept:
    """Span is a frozen dataclass with slots: its fields are member descriptors whose offsets say
    where each value lives; a span is then made by filling those slots, the frozen __init__'s
    four object.__setattr__ calls (most of the result pass's time) left out."""
    cdef int k = 0
    try:
        for name in ("start", "end", "kind", "reason"):
            descr = Span.__dict__[name]
            if type(descr).__name__ != "member_descriptor" or Span.__init__ is object.__init__:
                raise TypeError(name)
            _SPAN_OFFSETS[k] = (<PyMemberDescrObject*> descr).d_member.offset
            k += 1
    except Exception:
        _SPAN_OFFSETS[0] = 0


_span_layout()


cdef object _new_span(Py_ssize_t start, Py_ssize_t end, tuple kind_reason):
    """Span(start, end, kind, reason)."""
    cdef PyObject* obj
    cdef PyObject** slot
    cdef int k
    if _SPAN_OFFSETS[0] == 0:  # pragma: no cover - another layout of Span: through its __init__
        return Span(start, end, kind_reason[0], kind_reason[1])
    obj = PyType_GenericAlloc(<PyTypeObject*> Span, 0)  # Span's tp_alloc (a class with slots)
    span = <object> obj
    Py_DECREF(span)  # the cast took a reference of its own
    PyObject_GC_UnTrack(obj)  # numbers and strings only: it cannot be part of a cycle
    values = (start, end, kind_reason[0], kind_reason[1])
    for k in range(4):
        value = values[k]
        Py_INCREF(value)
        slot = <PyObject**> ((<char*> obj) + _SPAN_OFFSETS[k])
        slot[0] = <PyObject*> value
    return span


cdef bint _best_run(double* scores, Py_ssize_t lo, Py_ssize_t hi,
                    Py_ssize_t* found_start, Py_ssize_t* found_end, double* found_total) noexcept:
    """text._best_run: the maximum-sum run scores[a..b] within [lo, hi), if one is positive."""
    cdef double best = 0.0, current = 0.0
    cdef Py_ssize_t start = lo, i
    cdef bint found = False
    for i in range(lo, hi):
        if current <= 0:
            current = scores[i]
            start = i
        else:
            current += scores[i]
        if current > best:
            best = current
            found = True
            found_start[0] = start
            found_end[0] = i
            found_total[0] = current
    return found


cdef uint64_t _scan_str(_Hints hints, str low, Py_ssize_t tail_from, uint64_t* tail_hits) except? 0:
    """_Hints.scan of a lower-cased string (lines whose lower case is not character by character)."""
    cdef Py_ssize_t n = len(low), k
    cdef Py_UCS4* buf = <Py_UCS4*> malloc((n + 2) * sizeof(Py_UCS4))  # + 2: scan reads ahead
    if buf == NULL:
        raise MemoryError()
    try:
        for k in range(n):
            buf[k] = low[k]
        buf[n] = buf[n + 1] = 0
        return hints.scan(buf, 0, n, tail_from, tail_hits)
    finally:
        free(buf)


cdef object _text_norm = None
cdef object _text_one_sentence = None
cdef object _text_agency = None
cdef object _text_caption_start = None
cdef object _text_number = None
