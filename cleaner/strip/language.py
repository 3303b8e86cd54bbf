"""The language of a document, when its input does not say, and how its words are counted.

Detection is py3langid's (a maintained fork of langid.py: a naive Bayes model over byte n-grams of
some 140 languages that ships inside the package, so nothing is downloaded at run time; deterministic).
It was chosen over lingua on the eval kit's pages (benchmarks/RESULTS.md, "langhtml branch"):
about as accurate there, far faster and 20 times smaller.

A whole flattened page starts with menus, cookie banners and link lists, often in English on a
page that is not, so the detector is given the page's longest lines first (prose is long, labels
are short), up to :data:`SAMPLE_CHARS`.  Too little text, or a guess the model is not sure of,
gives None: the caller then keeps its default.

CJK: Chinese and Japanese do not put blanks between words, so a count of blank-separated words
says nothing about how long a line is, and every length rule of the text stage ("a line of fewer
than 5 words is not prose", ``max_words`` of a rule) would misjudge them.  There is one word count
for every language, :func:`cleaner.strip.segment.count_words`: a line with few blanks for its
length in a non-ASCII script counts a word per 3 characters (a CJK word is one to three
characters), and sentence ends include 。！？ (``segment.SENTENCE_END``).  The detected language
("zh", "ja", "ko") then picks the rule table; with no table of their own, CJK pages get the
English rules (their site labels are often English), which is what :func:`load_rules` falls
back to.
"""
from __future__ import annotations

import math
import threading
from functools import lru_cache

import numpy as np

from .langfeatures import letter_count

SAMPLE_CHARS = 1000  # measured against 3000: the same on article text, one whole page more left unsure, 1.5x faster
MIN_LETTERS = 12  # fewer letters than this: no guess (a short CJK sentence has about 15)
NO_LANGUAGE = "zxx"  # the model's label for text without linguistic content
MIN_PROBABILITY = 0.5  # the model's normalised probability of its guess, below it: no guess


class _Detector:
    """py3langid's model and its naive Bayes decision, with the byte walk compiled
    (:mod:`cleaner.strip.langfeatures`) and the scoring table stored row by row in float32: the
    model ships it column-major float16, so gathering a text's ~500 feature rows read scattered
    memory and numpy's float16 products (or a conversion of the rows) have no fast path: together
    a third of a detection.  The price: the table takes 47 MB per process instead of 23 MB."""

    def __init__(self, identifier) -> None:
        from .langfeatures import FeatureWalk

        self.identifier = identifier
        self.walk = FeatureWalk(identifier.tk_nextmove, identifier.tk_row, identifier.tk_output)
        self.table = np.ascontiguousarray(identifier.nb_ptc, dtype=np.float32)
        self.prior = identifier.nb_pc
        self.classes = identifier.nb_classes
        self.aliases = identifier._alias_pairs  # (first, duplicate) columns of one label (srl -> sr)
        self.rows = np.empty((0, self.table.shape[1]), dtype=self.table.dtype)  # a text's rows of the table
        self.lock = threading.Lock()

    def classify(self, text: str) -> tuple[str, float]:
        """(language, normalised probability): py3langid's ``classify`` with ``norm_probs=True``."""
        data = self.identifier._encode(text)
        found = self.walk.features(data)
        if found is None:  # no features: py3langid's uniform scores, which no guess passes
            scores = np.zeros(len(self.classes), dtype=np.float32)
        else:
            indexes, counts = found
            with self.lock:  # (the rows are gathered into one buffer, reused: no new 250 kB array a text)
                if len(self.rows) < len(indexes):
                    self.rows = np.empty((2 * len(indexes), self.table.shape[1]), dtype=self.table.dtype)
                rows = self.rows[:len(indexes)]
                np.take(self.table, indexes, axis=0, out=rows)
                scores = np.log1p(counts.astype(np.float32)) @ rows + self.prior
        scores *= 1.0 / math.sqrt(len(data) or 1)  # py3langid: T = sqrt(bytes) calibrates the softmax
        np.exp(scores - scores.max(), out=scores)
        scores /= scores.sum()
        for first, duplicate in self.aliases:
            scores[first] += scores[duplicate]
            scores[duplicate] = 0.0
        best = int(scores.argmax())
        return self.classes[best], float(scores[best])


@lru_cache(maxsize=1)
def _identifier() -> _Detector:
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    identifier = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    # Only languages with an ISO 639-1 code (what a record's ``language`` holds and rule tables are
    # named by), and "zxx" (no linguistic content: code, numbers), which answers None.  The model's
    # rarer varieties (yue, wuu, bcl ...) then count for their language or drop out.
    identifier.set_languages([code for code in identifier.nb_classes if len(code) == 2 or code == NO_LANGUAGE])
    return _Detector(identifier)


def sample(text: str, limit: int = SAMPLE_CHARS) -> str:
    """The text the detector sees: the longest lines first, up to ``limit`` characters."""
    if len(text) <= limit:
        return text
    lines = sorted((line.strip() for line in text.splitlines()), key=len, reverse=True)  # stable: ties keep order
    picked: list[str] = []
    size = 0
    for line in lines:
        if size >= limit or not line:
            break
        picked.append(line[: limit - size])
        size += len(picked[-1]) + 1
    return "\n".join(picked)


def detect_language(text: str | None) -> str | None:
    """ISO 639-1 code of the text's language ("en", "de", "zh" ...), or None when unsure."""
    if not text:
        return None
    chosen = sample(text)
    if letter_count(chosen) < MIN_LETTERS:
        return None
    code, probability = _identifier().classify(chosen)
    if probability < MIN_PROBABILITY or code == NO_LANGUAGE:
        return None
    return str(code)


def base_language(tag: str | None) -> str | None:
    """"en-GB", "pt_BR", "EN" -> "en", "pt", "en"; None or "" -> None."""
    if not tag or not tag.strip():
        return None
    return tag.strip().replace("_", "-").split("-")[0].lower() or None
