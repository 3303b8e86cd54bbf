"""Noise stripping for plain text that a scraper already flattened.

How a document is read, in order:

1. **Segment** it into non-blank lines (:mod:`cleaner.strip.segment`); the lines of a
   hard-wrapped document (cut at one width, as mail and plain-text archives are) are joined
   back into paragraphs first, keeping their offsets in the input.
2. **Rules**: every line is matched against the language's rule table
   (:mod:`cleaner.strip.rules`; data, not code): see-also links, ads, cookie
   banners, comment forms, captions with credits, syndication notices ...
   A caption glued to the end of a paragraph is cut off, the paragraph kept.
3. **Evidence**: lines the corpus pass saw on many pages of the same site, lines
   that show another document's title, lines repeated within this document,
   boxes of headline-like lines (alternating with a repeated line such as
   the site's name, or under a "Related" heading), and rows of links joined by
   separators whose every item a line rule names ("About us | Contact").
4. **Prose score**: a line reads as article prose when it is long enough and
   ends a sentence (or is long and dense in function words).  Prose lines score
   +their length; other lines a gap penalty; inline noise (ad labels, see-also
   links, captions) almost nothing; clustered time stamps and comment buttons
   (comment threads, teaser lists) a large penalty; comment-section headings a
   barrier penalty, unless article prose follows them directly.
5. **Article core**: runs of lines with a maximal total score (Kadane's
   maximum-sum subarray, found recursively).  A run right below a headline
   counts more, runs below a comment-section heading much less, and the
   earliest run worth most of the best one is the article: articles come before
   the comments and teasers that can outweigh a short story.  A body ending in
   "...:" takes the list it announces.  Everything outside the core is site
   chrome (header, footer, menus, headline lists); inside it only what a rule,
   the evidence or a link-list detector names is removed, so subheadings stay.
   With ``TextOptions(extracted=True)`` (text an HTML extractor already reduced
   to the main content) the whole text is the core.
6. **Title**: the given title's line, or the headline-like line just above the
   core (or a Title-Case headline inside it), becomes the record's title (kind
   ``title``), not part of the text.

Every removed span carries a kind and a reason a person can read.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

from ..records import Attribution, Span
from . import _analysis, _build, segment
from .rules import load_rules
from .segment import Line

# which build of the stage's decisions (cleaner/strip/_analysis.py, segment.py) runs; the manifest
# records it: "compiled" by Cython, or the same source interpreted (CLEANER_PURE_PYTHON=1, or no C
# compiler at install time)
CORE = "compiled" if {_build.build_of(_analysis), _build.build_of(segment)} == {"compiled"} else _build.build_of(
    _analysis if _build.build_of(_analysis) != "compiled" else segment)

if TYPE_CHECKING:  # pragma: no cover
    from .corpus import DocumentEvidence


@dataclass
class TextOptions:
    """Knobs of the text stage. The defaults are the settings measured best (benchmarks/bench_text.py)."""

    # The text is already an extractor's main content (HTML mode): the whole text is the article
    # body, so only what a rule, the evidence or a link-list detector names is removed; the
    # article-core cut (made for whole flattened pages) is skipped.
    extracted: bool = False
    # The summary line between headline and body ("standfirst", dek) is not body text in news
    # gold standards (keeping it: aeb-text F1 0.938 -> 0.935), so it is removed by default and
    # kept in the record's `standfirst` field instead; True keeps it in the text.
    keep_standfirst: bool = False
    favor_precision: bool = False  # as in trafilatura: drop borderline lines
    favor_recall: bool = False  # as in trafilatura: keep borderline lines
    min_prose_words: int = 5  # a line with fewer words never reads as prose
    min_unterminated_prose_words: int = 20  # a line without final punctuation needs this many (headlines have fewer)
    gap_penalty: float = 40.0  # score of a non-prose line (in characters of prose it cancels) ...
    gap_char_weight: float = 0.5  # ... plus this much per character of it
    barrier_penalty: float = 2000.0  # score of a line that marks the end of an article
    inline_noise_penalty: float = 5.0  # score of an ad label, see-also link or caption between paragraphs
    item_metadata_penalty: float = 200.0  # score of a time stamp, rating or comment button between lines
    earlier_share: float = 0.75  # an earlier run of prose worth this share of the best run is the article
    after_barrier_factor: float = 0.1  # runs below the first end-of-article marker count this much
    min_prose_above_barrier: int = 300  # ... when at least this many characters of prose are above it
    title_bonus: float = 1.5  # a run of prose right below a headline-like line counts this much more
    max_list_items: int = 60  # a body ending in a colon takes up to this many list lines after it
    max_section_gap: int = 15  # the body goes on below at most this many short lines (subheadings, list items) ...
    max_section_line_words: int = 25  # ... each at most this many words
    headline_run: int = 4  # this many headline-like lines alternating with a repeated line are a link box
    repeat_in_document: int = 3  # a short line this often in one document is template
    # When site evidence would remove more than this share of a page's prose, the page is a copy of
    # another page of the site (not template): its prose is kept.
    site_prose_guard: float = 0.9
    max_rule_chars: int = 400  # rules never see more than this many characters of a line
    title_window: int = 12  # lines above the article body searched for its headline
    max_title_words: int = 30
    inner_title_window: int = 40  # lines of the body searched for a headline when none is above it


_DEFAULT_OPTIONS = TextOptions()  # read, never changed: one instance serves every call


@dataclass
class Stripped:
    """The result of :func:`strip_text`."""

    # kept article paragraphs joined by "\n"; each a verbatim substring of the input (a hard-wrapped
    # paragraph: its lines joined by spaces, see cleaner.strip.segment.wrap_width)
    text: str
    title: str | None  # the article headline (given or detected); not part of ``text``
    removed: list[Span]  # sorted, offsets into the input text
    attribution: Attribution = field(default_factory=Attribution)


class _Evidence(Protocol):  # noqa: PYI046  (what the analysis needs of cleaner.strip.corpus.DocumentEvidence)
    def site_support(self, line: str) -> int: ...
    def other_title(self, line: str, own_title: str | None = None) -> str | None: ...
    @property
    def min_support(self) -> int: ...
    @property
    def min_prose_support(self) -> int: ...


def strip_text(
    text: str,
    *,
    title: str | None = None,
    site: str | None = None,
    evidence: DocumentEvidence | None = None,
    language: str = "en",
    options: TextOptions | None = None,
) -> Stripped:
    """Split ``text`` into article paragraphs and explained noise spans.

    ``title`` is the document's known headline, if any; ``site`` its site name
    (lines naming the site are template); ``evidence`` the corpus evidence for
    this document (:meth:`cleaner.strip.corpus.CorpusEvidence.for_document`),
    or None for a document on its own.
    """
    analysis = _analysis.Analysis(text, load_rules(language), options or _DEFAULT_OPTIONS, evidence, site)
    analysis.find_title(title)
    if evidence is not None:
        analysis.apply_title_evidence()
    kept, removed = analysis.result_parts()
    return Stripped(
        text=kept,
        title=analysis.title if analysis.title is not None else (title or None),
        removed=removed,
        attribution=analysis.attribution,
    )


def guess_title(text: str, language: str = "en", site: str | None = None) -> str | None:
    """The headline of a flattened page: the headline-like line just above its article body
    (or a line "Headline | <site>" when the site's name is known)."""
    return analyse_title(text, language, site)[1]


def analyse_title(text: str, language: str = "en", site: str | None = None) -> tuple[list[Line], str | None]:
    """The page's lines and its guessed headline (the corpus pass needs both)."""
    analysis = _analysis.Analysis(text, load_rules(language), _DEFAULT_OPTIONS, None, site)
    analysis.find_title(None)
    return analysis.lines, analysis.title
