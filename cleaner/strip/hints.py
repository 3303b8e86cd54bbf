# cython: boundscheck=False, wraparound=False
"""The text facts the rule pass looks up for every line: which rules' hint strings occur in it
(one scan of the line instead of a regular expression per rule), and which line and prefix rules
its first characters allow (:class:`PrefixDispatch`).

A search or tail rule of a table may name ``hint`` strings, one of which must occur in the
(lower-cased, :func:`cleaner.strip.rules.hint_text`) line for the rule to be tried
(:mod:`cleaner.strip.rules`).  :meth:`HintScan.hits` answers for every rule of a table at once, as
a bit mask (bit ``r`` for rule ``r``): it walks the line once and, at each position, looks the two
characters there up in a table of the hints' first two characters; only the few hints that start
so are compared.  Rules without hints are always "hit".

This is plain Python.  setup.py compiles it with Cython when a C compiler is there (types in
``hints.pxd``); a line then costs a C loop over its characters.  It decides nothing: it only
tells where literal strings occur and which alternatives a key selects (tests/test_strip_core.py
compares it with the literal alternations it replaces).
"""
from __future__ import annotations

import re

DISPATCH_CHARS = 6  # how many first characters of a line choose the line and prefix rules it is matched against

_ASCII = 128
_MAX_KEYS = 50_000  # PrefixDispatch.by_key holds at most this many keys (emptied when full)
_UNSEEN = object()


_SINGLE, _PAIR, _OTHER = 1, 2, 4  # HintScan.starts flags: what a character can start
_NO_THIRD = "\0"  # HintScan.thirds: the hint has no third character to compare first


class HintScan:
    """The hints of a list of rules, ready to be looked for (rule ``r`` is bit ``1 << r``)."""

    def __init__(self, hints_by_rule: list[tuple[str, ...]]) -> None:
        self.always = 0  # rules tried on every line: no hint, or an empty one (it occurs everywhere)
        pair_group = bytearray(_ASCII * _ASCII)  # ASCII pair c0 c1 -> 1 + index in self.groups
        self.groups: list[tuple[tuple[str, int], ...]] = []  # per pair: (hint, rule bit)
        # per pair: the third character of each of its hints (_NO_THIRD: none, or it is NUL), a
        # cheap test before the string comparison
        self.thirds: list[str] = []
        self.other: dict[str, tuple[tuple[str, int], ...]] = {}  # hints whose first two characters are not ASCII
        self.single: dict[str, int] = {}  # one-character hints -> rule bits
        # per character (its code point modulo 65536; a collision only costs a look-up): the
        # flags of what it can start: a one-character hint, an ASCII pair's group, a pair of
        # ``other``.  Most characters of a line start nothing and cost one read of this table.
        starts = bytearray(65536)
        # per group: a bit per ASCII character that is the third of one of its hints (a line
        # whose third character is none of them skips the group)
        third_mask = bytearray(16 * 256)
        by_pair: dict[str, list[tuple[str, int]]] = {}
        for r, hints in enumerate(hints_by_rule):
            bit = 1 << r
            if not hints or not all(hints):
                self.always |= bit
                continue
            for hint in hints:
                if len(hint) == 1:
                    self.single[hint] = self.single.get(hint, 0) | bit
                    starts[ord(hint) & 0xFFFF] |= _SINGLE
                else:
                    by_pair.setdefault(hint[:2], []).append((hint, bit))
        others: dict[str, list[tuple[str, int]]] = {}
        for pair, found in sorted(by_pair.items()):
            if ord(pair[0]) < _ASCII and ord(pair[1]) < _ASCII and len(self.groups) < 255:
                # (a byte per pair; more groups go to the slower table)
                self.groups.append(tuple(found))
                self.thirds.append("".join([hint[2] if len(hint) > 2 else _NO_THIRD for hint, _ in found]))
                for hint, _ in found:  # (group g's bits at 16 * g; a hint of two characters takes any third)
                    for code in ([ord(hint[2])] if len(hint) > 2 and ord(hint[2]) < _ASCII else range(_ASCII)):
                        third_mask[16 * len(self.groups) + (code >> 3)] |= 1 << (code & 7)
                pair_group[ord(pair[0]) * _ASCII + ord(pair[1])] = len(self.groups)
                starts[ord(pair[0])] |= _PAIR
            else:
                others[pair] = found
                starts[ord(pair[0]) & 0xFFFF] |= _OTHER
        self.other = {pair: tuple(found) for pair, found in others.items()}
        # whether ``other`` holds ASCII pairs too (only past 255 groups): else ASCII pairs skip it
        self.other_ascii = any(ord(pair[0]) < _ASCII and ord(pair[1]) < _ASCII for pair in self.other)
        self.pair_group = bytes(pair_group)
        self.starts = bytes(starts)
        self.third_mask = bytes(third_mask)

    def hits(self, s: str, start: int = 0) -> int:
        """The bits of the rules one of whose hints occurs in ``s[start:]`` (and of those without hints)."""
        bits = self.always
        n = len(s)
        starts = self.starts
        pair_group = self.pair_group
        groups = self.groups
        thirds = self.thirds
        third_mask = self.third_mask
        other = self.other
        single = self.single
        other_ascii = self.other_ascii
        for p in range(max(start, 0), n):
            c0 = ord(s[p])
            flags = starts[c0 & 0xFFFF]
            if not flags:
                continue
            if flags & _SINGLE:
                found = single.get(s[p])
                if found is not None:
                    bits |= found
            if p + 1 >= n:
                continue
            c1 = ord(s[p + 1])
            if flags & _PAIR and c0 < _ASCII and c1 < _ASCII:
                g = pair_group[c0 * _ASCII + c1]
                if g:
                    c2 = ord(s[p + 2]) if p + 2 < n else 0
                    if c2 < _ASCII and not third_mask[16 * g + (c2 >> 3)] >> (c2 & 7) & 1:
                        continue  # (its hints need another third character; a pair is in one table only)
                    entries = groups[g - 1]
                    third = thirds[g - 1]
                    for e in range(len(entries)):
                        if ord(third[e]) != c2 and third[e] != _NO_THIRD:
                            continue
                        hint, bit = entries[e]
                        if not bits & bit and s.startswith(hint, p):
                            bits |= bit
            if flags & _OTHER and (other_ascii or c0 >= _ASCII or c1 >= _ASCII):
                entries = other.get(s[p:p + 2])
                if entries is not None:
                    for hint, bit in entries:
                        if not bits & bit and s.startswith(hint, p):
                            bits |= bit
        return bits


class _HintFold(dict):
    """str.translate table of :func:`hint_text`, filled as characters are met."""

    def __missing__(self, code: int):
        ch = chr(code)
        if code == 0x131:  # dotless i: IGNORECASE takes it for "i"
            value = "i"
        elif code == 0x17F:  # long s: for "s"
            value = "s"
        elif code == 0x307:  # the dot that "İ".lower() puts after its "i"
            value = ""
        elif ch.isdecimal():  # \\d matches every decimal digit; the hints name ASCII ones
            value = str(int(ch))
        else:
            value = code  # itself (None would delete it)
        self[code] = value
        return value


_HINT_FOLD = _HintFold()


def hint_text(low: str) -> str:
    """A lower-cased line as its hints are looked for in it: the characters that IGNORECASE or
    ``\\d`` equate with ASCII letters or digits but ``str.lower`` does not (dotless i, long s,
    the dot of a lower-cased U+0130, digits of other scripts) are written as those, so that a hint
    stays a necessary condition of its rule's match.  Other text is returned as it is."""
    if low.isascii():
        return low
    for k in range(len(low)):
        code = ord(low[k])
        if code >= 0x80 and _changed_by_fold(code):
            return low.translate(_HINT_FOLD)
    return low


_FOLDED = bytearray(0x10000)  # per BMP character, filled as met: 1 = the fold keeps it, 2 = it changes it


def _changed_by_fold(code: int) -> bool:
    """Whether :data:`_HINT_FOLD` changes the character (the table says; its answers for the BMP
    are kept in :data:`_FOLDED`, read without a dictionary look-up)."""
    if code >= 0x10000:
        return _HINT_FOLD[code] != code
    known = _FOLDED[code]
    if not known:
        known = 2 if _HINT_FOLD[code] != code else 1
        _FOLDED[code] = known
    return known == 2


def key_char(ch: str) -> str:
    """Dispatch keys see digits as "0" and blanks as " ": ``\\d`` and ``\\s`` then stay enumerable."""
    if ch.isdecimal():
        return "0"
    if ch.isspace():
        return " "
    return ch


def dispatch_key(low: str) -> str:
    """The dispatch key of a lower-cased line: its first DISPATCH_CHARS characters, digits as "0",
    blanks as " "."""
    head = low[:DISPATCH_CHARS]
    for k in range(len(head)):
        if key_char(head[k]) != head[k]:
            return "".join([key_char(c) for c in head])
    return head


class PrefixDispatch:
    """The line or prefix rules a line can match, chosen by its first lower-cased characters.

    ``starts`` holds, per alternative, the strings every match of it starts with (up to
    ``DISPATCH_CHARS`` characters; None: it can start with anything), as
    :func:`cleaner.strip.rules.start_strings` works them out from the pattern.  A line is matched
    only against the combined alternation (in table order, so ``m.lastgroup`` is still the first
    rule that matches) of the rules one of whose starts it begins with.  ``pattern_for(key)`` takes
    the line's :func:`dispatch_key` and returns that pattern, or None when no rule can match the line.
    """

    def __init__(self, parts: list[str], starts: list) -> None:
        self.parts = parts
        self.compiled: dict[tuple[int, ...], re.Pattern] = {}
        anyhow = {n for n, found in enumerate(starts) if found is None}
        by_start: dict[str, set[int]] = {}
        for n, found in enumerate(starts):
            for start in found or ():
                by_start.setdefault(start, set()).add(n)
        # levels[k]: the keys of k characters -> (the positions in ``parts`` of) every rule one of
        # whose starts (of at most k characters) the key begins with, plus the rules that can
        # start anyhow; the alternation of a choice is compiled when a line first needs it
        self.levels: list[dict[str, tuple[int, ...]]] = [{} for _ in range(DISPATCH_CHARS + 1)]
        for key in by_start:
            chosen = set(anyhow)
            for k in range(1, len(key) + 1):
                chosen |= by_start.get(key[:k], set())
            self.levels[len(key)][key] = tuple(sorted(chosen))
        self.anyhow: tuple[int, ...] = tuple(sorted(anyhow))
        # key -> its pattern, as lines meet the keys: a line then costs one lookup of its key
        # (instead of one per key length and one of the chosen rules); bounded
        self.by_key: dict[str, re.Pattern | None] = {}

    def pattern(self, chosen: tuple) -> re.Pattern | None:
        """The alternation of the chosen rules (None for none)."""
        if not chosen:
            return None
        found = self.compiled.get(chosen)
        if found is None:
            found = self.compiled[chosen] = re.compile("|".join([self.parts[n] for n in chosen]))
        return found

    def pattern_for(self, key: str) -> re.Pattern | None:
        """``key``: the line's :func:`dispatch_key`."""
        found = self.by_key.get(key, _UNSEEN)
        if found is _UNSEEN:
            if len(self.by_key) >= _MAX_KEYS:
                self.by_key.clear()
            found = self.by_key[key] = self._choose(key)
        return found

    def _choose(self, key: str) -> re.Pattern | None:
        levels = self.levels
        for k in range(min(len(key), DISPATCH_CHARS), 0, -1):
            found = levels[k].get(key[:k])
            if found is not None:
                return self.pattern(found)
        return self.pattern(self.anyhow)
