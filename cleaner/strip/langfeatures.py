# cython: boundscheck=False, wraparound=False
"""py3langid's byte n-gram features of a text, counted by a loop Cython compiles.

py3langid finds a text's features by walking a finite automaton over its UTF-8 bytes, one Python
step per byte (``py3langid.langid.visit_counts``): on a 1,000-character sample that walk was 40% of
a detection (~0.4 ms).  This module is that walk over the same model tables (pure-Python mode: the
C types are in ``langfeatures.pxd``; compiled, a byte costs nanoseconds).  It returns the features
as arrays, the form py3langid's scorer takes them in; and :func:`letter_count`, the "too few
letters to tell" check of :func:`cleaner.strip.language.detect_language`, as one compiled loop.  tests/test_language.py checks that the
counts equal py3langid's own walk.
"""
from __future__ import annotations

import threading

import numpy as np


class FeatureWalk:
    """The automaton of one py3langid model, in flat integer arrays."""

    def __init__(self, nextmove, rows, output) -> None:
        self.nextmove = np.asarray(nextmove, dtype=np.uint32)
        self.rowbase = np.asarray(rows, dtype=np.uint32) << 8  # a state's row of 256 next states
        self.output = np.asarray(output, dtype=np.int32)  # a state's feature, -1: none
        # a count per feature, all zero between calls (a call zeroes what it counted); the lock
        # keeps threads that share the walk from counting into it at once
        self.counts = np.zeros(int(self.output.max()) + 1, dtype=np.int32)
        self.lock = threading.Lock()

    def features(self, text: bytes):
        """(feature indexes in first-seen order, their counts) of ``text``, or None when it has none."""
        found = np.empty(len(text), dtype=np.intp)
        found_view = found  # (compiled: typed views of the arrays)
        nextmove = self.nextmove
        rowbase = self.rowbase
        output = self.output
        with self.lock:
            counts = self.counts
            state = 0
            k = 0
            for letter in text:
                state = nextmove[rowbase[state] + letter]
                feature = output[state]
                if feature >= 0:
                    if counts[feature] == 0:
                        found_view[k] = feature
                        k += 1
                    counts[feature] += 1
            if k == 0:
                return None
            indexes = found[:k].copy()
            seen = np.empty(k, dtype=np.int32)
            seen_view = seen
            for j in range(k):
                seen_view[j] = counts[found_view[j]]
                counts[found_view[j]] = 0
        return indexes, seen


def letter_count(text: str) -> int:
    """How many characters of ``text`` are letters (``str.isalpha``), in one compiled loop."""
    count = 0
    for ch in text:
        if ch.isalpha():
            count += 1
    return count
