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

_STREAMS = 4  # stretches of a text walked at once (FeatureWalk.features walks four)
_WARMUP = 8  # bytes a stretch after the first is walked from before it starts
_MIN_STRETCH = 64  # shorter stretches: one walk


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
        data = text  # (compiled: a typed view of the bytes)
        n = len(text)
        states = np.empty(n, dtype=np.uint32)
        states_view = states  # (compiled: typed views of the arrays)
        found = np.empty(n, dtype=np.intp)
        found_view = found
        nextmove = self.nextmove
        rowbase = self.rowbase
        output = self.output
        # The automaton's state after each byte, walked in _STREAMS stretches at once: each byte's
        # step reads a row of a 40 MB table, mostly a cache miss, and the stretches' misses overlap
        # (one stretch's next step waits on its own miss only).  A stretch after the first starts
        # _WARMUP bytes early from the start state (the model's states name at most its longest
        # n-gram, 4 bytes, so that many bytes fix the state); its state where it begins is then
        # checked against the stretch before, and the stretch walked again from the true state
        # where they differ: the states are those of one walk from the text's start, whatever the
        # automaton.
        stretch = n // _STREAMS
        if stretch < _MIN_STRETCH:
            state = 0
            for p in range(n):
                state = nextmove[rowbase[state] + data[p]]
                states_view[p] = state
        else:
            s1, s2, s3 = 0, 0, 0
            for p in range(stretch - _WARMUP, stretch):
                s1 = nextmove[rowbase[s1] + data[p]]
                s2 = nextmove[rowbase[s2] + data[p + stretch]]
                s3 = nextmove[rowbase[s3] + data[p + 2 * stretch]]
            w1, w2, w3 = s1, s2, s3
            s0 = 0
            for p in range(stretch):
                s0 = nextmove[rowbase[s0] + data[p]]
                states_view[p] = s0
                s1 = nextmove[rowbase[s1] + data[p + stretch]]
                states_view[p + stretch] = s1
                s2 = nextmove[rowbase[s2] + data[p + 2 * stretch]]
                states_view[p + 2 * stretch] = s2
                s3 = nextmove[rowbase[s3] + data[p + 3 * stretch]]
                states_view[p + 3 * stretch] = s3
            for p in range(4 * stretch, n):
                s3 = nextmove[rowbase[s3] + data[p]]
                states_view[p] = s3
            for k in range(1, _STREAMS):
                begin = k * stretch
                state = states_view[begin - 1]
                if state != (w1 if k == 1 else w2 if k == 2 else w3):
                    for p in range(begin, n):  # walk again until the stretch's states agree
                        state = nextmove[rowbase[state] + data[p]]
                        if states_view[p] == state:
                            break
                        states_view[p] = state
        with self.lock:
            counts = self.counts
            k = 0
            for p in range(n):
                feature = output[states_view[p]]
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
