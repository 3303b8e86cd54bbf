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

from functools import lru_cache

SAMPLE_CHARS = 1000  # measured against 3000: the same on article text, one whole page more left unsure, 1.5x faster
MIN_LETTERS = 12  # fewer letters than this: no guess (a short CJK sentence has about 15)
NO_LANGUAGE = "zxx"  # the model's label for text without linguistic content
MIN_PROBABILITY = 0.5  # the model's normalised probability of its guess, below it: no guess


@lru_cache(maxsize=1)
def _identifier():
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    identifier = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    # Only languages with an ISO 639-1 code (what a record's ``language`` holds and rule tables are
    # named by), and "zxx" (no linguistic content: code, numbers), which answers None.  The model's
    # rarer varieties (yue, wuu, bcl ...) then count for their language or drop out.
    identifier.set_languages([code for code in identifier.nb_classes if len(code) == 2 or code == NO_LANGUAGE])
    return identifier


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
    if sum(ch.isalpha() for ch in chosen) < MIN_LETTERS:
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
