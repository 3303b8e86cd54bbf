"""Canonical copy of a cluster: which member, why, and what cross-copy evidence removes.

Choice: the most complete clean copy, judged by the other copies.  Every line
of a member is either *supported* - another copy has it: after normalisation,
a line of up to three words as a word sequence, a longer one by at least 80%
of its word 3-grams - or not.  A member scores its supported words minus the
words of its unsupported lines that do not read as prose (a sentence, or a
long line).  Story text the others share counts for a copy, short site lines
that survived the strip stage (which no other site has) count against it,
and unsupported prose - the paragraphs other copies cut, or prose-like
furniture - is neutral, except in a copy that extends every other one (they
are its truncated or preview copies), where it is the rest of the story.  Ties: the words of its prose lines, then earliest
date, then smallest id - a total order, so the choice does not depend on
input order.  A single document is its own canonical.

Cross-copy evidence: in a cluster of at least ``min_copies`` copies, a line of
the canonical text that none of the other copies has (same comparison) is
most likely the canonical site's own noise.  It is removed only when the line
itself also looks like site furniture (short and without sentence
punctuation, a link, or a title-cased label) - the evidence and the features
must agree.  A line that any other copy shares is never removed.

Cross-site restoration, the converse: a line the strip stage cut from the
canonical copy by its *place or shape* (outside the article core, a
headline-like run, a line the site repeats: :data:`RESTORABLE_KINDS`, not a
rule that recognised its words) comes back into the text when copies on at
least ``restore_sites`` other sites carry it too (same comparison, against
their whole input text) and the line itself reads as story text
(:func:`reads_as_story`, not a copy's title).  Site furniture differs between
sites; a story's own lines are what its copies on unrelated sites share.
"""
from __future__ import annotations

import hashlib
import re
from collections import Counter
from collections.abc import Callable, MutableMapping, Sequence
from functools import lru_cache

import numpy as np

from ..records import Attribution, Canonical, Cluster, Document, Member, Span
from .shingles import normalise_bytes, normalise_lines

_WORD = re.compile(r"\w+")
# a sentence ends here, possibly followed by closing quotes or brackets
_SENTENCE_END = re.compile(r"[.!?…:;。！？][\"'”’)\]»」』]*\s*$")
_LINK = re.compile(r"https?://|www\.|@\w", re.IGNORECASE)
# scripts written without spaces between words: count characters instead
_UNSPACED = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\u0e00-\u0e7f]")

PROSE_MIN_WORDS = 6  # a sentence line shorter than this is a label, not prose
PROSE_LONG_WORDS = 25  # a line this long is prose even without a final stop
NOISE_MAX_WORDS = 15  # cross-copy removal: lines at most this long ...
TITLE_LINE_MAX_WORDS = 20  # ... or title-cased lines at most this long
FUZZY_PRESENT = 0.8  # share of a line's word 3-grams another copy must have
# strip-stage kinds cross-site agreement can overrule: decided by a line's place or shape (outside
# the core, a headline-like run, a line the site repeats) or parts a story carries with it to other
# sites (standfirst, captions, lines under a related-links heading) - not the kinds recognised from
# a line's words as site furniture or metadata (navigation, share, ads, copyright, byline, title)
RESTORABLE_KINDS = frozenset({"site_header", "site_footer", "headline_list", "boilerplate_repeated",
                              "standfirst", "see_also", "photo_credit"})
# ... of which a rule recognised the words (a caption): only the same line on other sites overrules it
# (a site's own caption quoting a sentence of the story is not that sentence)
VERBATIM_KINDS = frozenset({"photo_credit"})


def site_key(doc: Document) -> str | None:
    """The site a document is compared under (case-folded), None when unknown."""
    return doc.site.strip().casefold() if doc.site and doc.site.strip() else None


def line_words(line: str) -> int:
    """Words of a line; in Chinese, Japanese or Thai two characters count as one."""
    words = len(_WORD.findall(line))
    if line.isascii():  # the common case: no unspaced script to look for
        return words
    unspaced = len(_UNSPACED.findall(line))
    return max(words, unspaced // 2) if unspaced else words


def _prose_words(words: int, line: str) -> bool:
    return words >= PROSE_LONG_WORDS or (words >= PROSE_MIN_WORDS and bool(_SENTENCE_END.search(line)))


def is_prose(line: str) -> bool:
    return _prose_words(line_words(line), line)


@lru_cache(maxsize=1 << 16)
def completeness(text: str | None) -> int:
    """Words in the prose lines of a cleaned text (memoised: ranking and reasons ask again)."""
    if not text:
        return 0
    total = 0
    for line in text.split("\n"):
        words = line_words(line)
        if _prose_words(words, line):
            total += words
    return total


def rank_documents(docs: Sequence[Document], linked: Sequence[bool] | None = None) -> list[int]:
    """Rank of every document (0 = best canonical): completeness, date, id.

    ``linked`` (optional): which documents can share a cluster at all; the
    others are ranked without their completeness, which only orders copies.
    """
    scores = np.asarray([completeness(d.text) if linked is None or linked[k] else 0 for k, d in enumerate(docs)], dtype=np.int64)
    by_date = sorted(range(len(docs)), key=lambda k: (docs[k].date is None, docs[k].date or "", docs[k].id))
    founding = np.empty(len(docs), dtype=np.int64)
    founding[by_date] = np.arange(len(docs))
    return rank_rows(scores, founding).tolist()


def rank_rows(scores: np.ndarray, founding: np.ndarray) -> np.ndarray:
    """:func:`rank_documents` from numbers (a streaming driver holds no documents): ``scores`` the
    completeness that counts (0 where it does not), ``founding`` each document's position in
    (date, id) order (undated last)."""
    rank = np.empty(scores.size, dtype=np.int64)
    rank[np.lexsort((founding, -scores))] = np.arange(scores.size)
    return rank


def group_key(group: Sequence[Document]) -> str:
    """What the canonical choice of a group depends on: each member's id, date and text."""
    h = hashlib.sha256()
    for d in sorted(group, key=lambda d: d.id):
        h.update(f"{d.id}\x00{d.date}\x00".encode("utf-8", "surrogatepass"))
        h.update((d.text or "").encode("utf-8", "surrogatepass"))
        h.update(b"\x01")
    return h.hexdigest()


def cluster_id(founder_id: str) -> str:
    """A cluster's id: derived from its founding member's id alone (see
    :func:`cleaner.neardup.founding_key`), so it does not change when a copy joins."""
    digest = hashlib.sha1(founder_id.encode("utf-8", "surrogatepass")).hexdigest()
    return "c-" + digest[:16]


_SHORT = "short, no sentence punctuation"


def noise_features(line: str) -> str | None:
    """Why a line looks like site furniture rather than story text, or None."""
    words = _WORD.findall(line)
    if not words:
        return "no words"
    sentence = bool(_SENTENCE_END.search(line))
    if _LINK.search(line) and not sentence and len(words) <= TITLE_LINE_MAX_WORDS:
        return "link-like"
    if line_words(line) <= NOISE_MAX_WORDS and not sentence:
        return _SHORT
    alpha = [w for w in words if w[0].isalpha()]
    if alpha and not sentence and len(words) <= TITLE_LINE_MAX_WORDS:
        titled = sum(1 for w in alpha if w[0].isupper())
        if titled / len(alpha) >= 0.8:
            return "title-cased label"
    return None


def _grams(tokens: Sequence[bytes]) -> set[tuple[bytes, ...]]:
    """Word 3-grams of a text, plus its 1- and 2-grams (for lines that short)."""
    out: set[tuple[bytes, ...]] = set(zip(tokens))  # zip builds the n-gram tuples in C
    out.update(zip(tokens, tokens[1:]))
    out.update(zip(tokens, tokens[1:], tokens[2:]))
    return out


class _Other:
    """Another copy's text, as the word n-grams a line of ours is looked up in.

    A line of up to three words is present when it occurs as a word sequence
    (what a substring test on the normalised text would say); a longer line
    when most of its word 3-grams occur (so an edited or re-split paragraph
    still counts as shared).
    """

    __slots__ = ("grams",)

    def __init__(self, normal: bytes) -> None:
        self.grams = _grams(normal.split(b" ") if normal else [])

    def has(self, line: _Line) -> bool:
        if line.sequence is not None:
            return line.sequence in self.grams
        return len(line.trigrams & self.grams) >= FUZZY_PRESENT * len(line.trigrams)


PARAGRAPH_MAX_LINES = 12  # a run of more lines is not one hard-wrapped paragraph


class _Units:
    """Another copy's whole input text as lines and paragraphs (runs of non-empty lines), which a
    line of ours must match *as a whole*: most of its word 3-grams in one unit, and that unit's
    mostly in it (a caption that quotes a sentence of the story is not that sentence's paragraph)."""

    __slots__ = ("grams", "pairs", "units", "whole")

    def __init__(self, text: str) -> None:
        normals = normalise_lines(text)
        lines = [n for n in normals if n]
        units = list(lines)
        run: list[bytes] = []
        for normal in normals:
            if normal:
                run.append(normal)
            else:
                if 1 < len(run) <= PARAGRAPH_MAX_LINES:
                    units.append(b" ".join(run))
                run = []
        if 1 < len(run) <= PARAGRAPH_MAX_LINES:
            units.append(b" ".join(run))
        self.pairs = set(zip(lines, lines[1:]))  # consecutive non-empty lines
        self.whole = Counter(units)
        # the word 3-grams of each unit long enough to match a line that comes back by its
        # words (reads_as_story), and all of them together (the cheap first test)
        self.units: list[frozenset] = []
        self.grams: set[tuple[bytes, ...]] = set()
        for unit in units:
            if unit.count(b" ") >= PROSE_MIN_WORDS - 1:
                tokens = unit.split(b" ")
                grams = frozenset(zip(tokens, tokens[1:], tokens[2:]))
                self.units.append(grams)
                self.grams.update(grams)

    def count(self, line: _Line, normal: bytes, verbatim: bool = False) -> int:
        """How many units match ``line`` (``normal``: its normalised text); ``verbatim``: only
        the same words."""
        if verbatim or not line.trigrams:
            return self.whole[normal]
        need = FUZZY_PRESENT * len(line.trigrams)
        if len(line.trigrams & self.grams) < need:
            return 0  # not even in the whole text
        found = 0
        for grams in self.units:
            n = len(line.trigrams & grams)
            if n >= need and n >= FUZZY_PRESENT * len(grams):
                found += 1
        return found


class _Line:
    """A non-empty line of a copy, parsed once: what support and removal look at."""

    __slots__ = ("index", "prose", "sequence", "text", "trigrams", "words")

    def __init__(self, index: int, text: str, normal: bytes) -> None:
        self.index, self.text = index, text
        self.words = line_words(text)
        self.prose = _prose_words(self.words, text)
        tokens = normal.split(b" ")
        self.sequence = tuple(tokens) if len(tokens) <= 3 else None
        self.trigrams = frozenset(zip(tokens, tokens[1:], tokens[2:]))


MAX_PEERS = 8  # a member is compared with at most this many others (best ranked first)


class CopyTexts:
    """Normalised forms of the copies' texts, computed once per document.

    The canonical choice compares every member with several others, and a
    split cluster is looked at again; without this cache a big cluster would
    normalise the same texts many times over.
    """

    def __init__(self, peer_text: Callable[[Document], str] | None = None, restore_sites: int | None = None) -> None:
        self._views: dict[str, _Other] = {}
        self._sources: dict[str, _Units] = {}
        self._removed: dict[str, _Removed] = {}
        # (copy id, sorted ids of the other copies) -> restorable_lines
        self.restorations: dict[tuple[str, tuple[str, ...]], list[Restored]] = {}
        self._lines: dict[str, list[_Line]] = {}
        # what a copy offers as support to the others: its article text as signed
        # (cleaner.neardup.sign.article_text), else its cleaned text
        self.peer_text = peer_text
        # cross-site restoration (restorable_lines): copies on this many other sites must carry a
        # line the strip stage cut; None: no restoration
        self.restore_sites = restore_sites

    def view(self, doc: Document) -> _Other:
        v = self._views.get(doc.id)
        if v is None:
            text = self.peer_text(doc) if self.peer_text is not None else (doc.text or "")
            v = self._views[doc.id] = _Other(normalise_bytes(text))
        return v

    def source_units(self, doc: Document) -> _Units:
        """A copy's whole input text (before the strip stage), as the units a line is matched with."""
        v = self._sources.get(doc.id)
        if v is None:
            v = self._sources[doc.id] = _Units(doc.source_text if doc.source_text is not None else (doc.text or ""))
        return v

    def removed_lines(self, doc: Document) -> _Removed:
        """What cross-site restoration looks at in a copy (:class:`_Removed`)."""
        v = self._removed.get(doc.id)
        if v is None:
            v = self._removed[doc.id] = _Removed(doc)
        return v

    def lines(self, doc: Document) -> list[_Line]:
        """The non-empty lines (after normalisation) of a copy."""
        out = self._lines.get(doc.id)
        if out is None:
            out = []
            for k, line in enumerate((doc.text or "").split("\n")):
                norm = normalise_bytes(line)
                if norm:
                    out.append(_Line(k, line, norm))
            self._lines[doc.id] = out
        return out


def line_support(member: Document, others: Sequence[Document], texts: CopyTexts | None = None) -> list[tuple[_Line, bool]]:
    """Every non-empty line of ``member`` and whether another copy has it."""
    texts = texts or CopyTexts()
    views = [texts.view(o) for o in others]
    return [(line, any(v.has(line) for v in views)) for line in texts.lines(member)]


def support_score(member: Document, others: Sequence[Document], texts: CopyTexts | None = None,
                  restored: Sequence[Restored] = ()) -> tuple[int, int]:
    """(words in lines another copy has, words in non-prose lines no other copy has).

    Unsupported *prose* counts neither way: it may be paragraphs the other
    copies cut, or a site's own prose-like furniture. ``restored`` lines (the record would
    have them back, :func:`restorable_lines`) count as supported: other sites carry them.
    """
    supported, unsupported = sum(line_words(r.line) for r in restored), 0
    for line, has in line_support(member, others, texts):
        if has:
            supported += line.words
        elif not line.prose:
            unsupported += line.words
    return supported, unsupported


EXTENDS_COVERAGE = 0.8  # share of a shorter copy's words the fuller copy must have ...
EXTENDS_RATIO = 1.25  # ... and how much more prose it must have, to extend it


class _Coverage:
    """Share of one copy's words that another copy has, computed once per pair."""

    def __init__(self, members: Sequence[Document], texts: CopyTexts) -> None:
        self.members, self.texts, self._known = members, texts, {}

    def __call__(self, p: int, q: int) -> float:
        key = (p, q)
        if key not in self._known:
            support = line_support(self.members[p], [self.members[q]], self.texts)
            total = sum(line.words for line, _ in support)
            self._known[key] = sum(line.words for line, has in support if has) / total if total else 0.0
        return self._known[key]


def extension_words(k: int, peers: Sequence[int], members: Sequence[Document], texts: CopyTexts,
                    cover: _Coverage | None = None) -> int:
    """The words of member ``k``'s prose lines no peer has, when ``k`` extends every peer (each
    is a truncated or preview copy of it: at least EXTENDS_COVERAGE of its words are in ``k``,
    which has EXTENDS_RATIO times its prose) and no two peers agree on a fuller extent (cover
    each other): then those lines are the rest of the story, not neutral; else 0."""
    cover = cover or _Coverage(members, texts)
    own = completeness(members[k].text)
    if any(own < EXTENDS_RATIO * completeness(members[p].text) for p in peers):
        return 0  # the cheap test first: most copies are not much fuller than all others
    if any(cover(p, k) < EXTENDS_COVERAGE for p in peers):
        return 0
    for a, p in enumerate(peers):
        for q in peers[a + 1 :]:
            if cover(p, q) >= EXTENDS_COVERAGE and cover(q, p) >= EXTENDS_COVERAGE:
                return 0  # two copies of the same extent: the story ends where they do
    others = [members[p] for p in peers]
    return sum(line.words for line, has in line_support(members[k], others, texts) if not has and line.prose)


def choose_canonical(members: Sequence[Document], rank: Sequence[int], texts: CopyTexts | None = None) -> int:
    """Index (into ``members``) of the canonical copy; see the module doc."""
    if len(members) == 1:
        return 0
    texts = texts or CopyTexts()
    by_rank = sorted(range(len(members)), key=lambda k: rank[k])
    cover = _Coverage(members, texts)
    scored = []
    for k in by_rank:
        peer_ids = [p for p in by_rank if p != k][:MAX_PEERS]
        sup, uns = support_score(members[k], [members[p] for p in peer_ids], texts)
        score = sup - uns + extension_words(k, peer_ids, members, texts, cover)
        bound = texts.removed_lines(members[k]).words if texts.restore_sites is not None else 0
        scored.append((score, bound, k))
    # restored lines add at most their words: a member whose bound cannot beat the best is not
    # looked at further (restoration is the costly part)
    best_key, best = None, 0
    for score, bound, k in sorted(scored, key=lambda t: (-(t[0] + t[1]), rank[t[2]])):
        if best_key is not None and (-(score + bound), rank[k]) > best_key:
            break
        if bound:
            others = [members[p] for p in by_rank if p != k]
            score += sum(line_words(r.line) for r in restorable_lines(members[k], others, texts))
        key = (-score, rank[k])
        if best_key is None or key < best_key:
            best_key, best = key, k
    return best


def cross_copy_lines(canonical: Document, others: Sequence[Document], min_copies: int, texts: CopyTexts | None = None) -> list[tuple[int, str, str]]:
    """Lines of the canonical text to remove: (line index, line, feature reason)."""
    if len(others) + 1 < min_copies or not canonical.text:
        return []
    found = []
    for line, shared in line_support(canonical, others, texts):
        why = None if shared else noise_features(line.text)
        if why:
            found.append((line.index, line.text, why))
    return found


def reads_as_story(line: str) -> bool:
    """Whether a removed line may come back on cross-site evidence: at least PROSE_MIN_WORDS words
    and no feature of site furniture but shortness (a line without sentence punctuation, even a
    title-cased heading, can be story text; a link is not). Measured: also refusing title-cased
    lines of up to TITLE_LINE_MAX_WORDS words loses story subheadings on both syndicated sets."""
    return line_words(line) >= PROSE_MIN_WORDS and noise_features(line) in (None, _SHORT)


def _holds_title(normal: bytes, titles: set[bytes]) -> bool:
    """Whether a normalised line is a copy's title, or a title with a little more (a site name)."""
    return any(t in normal and len(normal) < 2 * len(t) for t in titles) or any(normal in t for t in titles)


class Restored:
    """A line of the canonical copy's input that the strip stage removed and cross-site agreement
    brings back: its offsets in the input, its text, the kind it was removed as, the sites carrying it."""

    __slots__ = ("end", "kind", "line", "sites", "start")

    def __init__(self, start: int, end: int, line: str, kind: str, sites: int) -> None:
        self.start, self.end, self.line, self.kind, self.sites = start, end, line, kind, sites


class _Removed:
    """What cross-site restoration looks at in one copy, computed once per document: its input's
    non-empty lines (start, end, stripped line, kind: None kept, "" partly removed), which lines
    are story text so far (kept), the removed lines that could come back (long ones, short ones)
    and the normalised form of those and their neighbours, and the normalised lines of its text."""

    __slots__ = ("have", "lines", "long", "normals", "short", "story", "words")

    def __init__(self, doc: Document) -> None:
        source = doc.source_text or ""
        spans = sorted(doc.removed, key=lambda sp: sp.start)
        self.lines: list[tuple[int, int, str, str | None]] = []
        self.long: list[int] = []
        self.short: list[int] = []
        self.normals: dict[int, bytes] = {}
        self.words = 0  # of the lines that could come back: a bound of what restoring adds
        k, pos = 0, 0
        pieces = source.split("\n") if any(sp.kind in RESTORABLE_KINDS for sp in spans) else []
        normal_of = normalise_lines(source) if pieces else []
        for n, piece in enumerate(pieces):
            start, pos = pos, pos + len(piece) + 1
            line = piece.strip()
            if not line:
                continue
            lo = start + len(piece) - len(piece.lstrip())
            hi = lo + len(line)
            while k < len(spans) and spans[k].end <= lo:
                k += 1
            kind: str | None = None
            if k < len(spans) and spans[k].start < hi:
                kind = spans[k].kind if spans[k].start <= lo and hi <= spans[k].end else ""
            if normal_of[n]:
                self.normals[len(self.lines)] = normal_of[n]
            if kind and kind in RESTORABLE_KINDS:
                if len(line) >= 2 * PROSE_MIN_WORDS - 1 and line_words(line) >= PROSE_MIN_WORDS:
                    if reads_as_story(line):
                        self.long.append(len(self.lines))
                elif _WORD.search(line) and not (_LINK.search(line) and not _SENTENCE_END.search(line)):
                    self.short.append(len(self.lines))  # (noise_features: none, or only shortness)
            self.lines.append((lo, hi, line, kind))
        self.words = sum(line_words(self.lines[i][2]) for i in self.long + self.short)
        self.story = [kind is None for _, _, _, kind in self.lines]
        self.have = Counter(normalise_bytes(line) for line in (doc.text or "").split("\n")) if self.long else Counter()


def restorable_lines(canonical: Document, others: Sequence[Document], texts: CopyTexts) -> list[Restored]:
    """Lines the strip stage removed from ``canonical`` as :data:`RESTORABLE_KINDS` that copies on
    at least ``texts.restore_sites`` other sites carry in their input and that read as story text
    (see the module doc), in input order. A line the text would then hold k times needs k
    matching lines or paragraphs in each of those copies. A short line (a heading, a table cell)
    comes back when it sits next to a line of the story (kept or restored) and those copies have
    the two lines next to each other too. Remembered per (copy, other copies) in ``texts``."""
    min_sites = texts.restore_sites
    if min_sites is None or len(others) < min_sites or not canonical.removed or canonical.source_text is None:
        return []
    info = texts.removed_lines(canonical)
    if not info.long and not info.short:
        return []
    key = (canonical.id, tuple(sorted(o.id for o in others)))
    known = texts.restorations.get(key)
    if known is not None:
        return known
    titles = {t for t in (normalise_bytes(d.title) for d in (canonical, *others) if d.title) if t}
    lines, normals = info.lines, info.normals
    story = list(info.story)
    own = site_key(canonical)
    views = [(site_key(o) or "\x00" + o.id, texts.source_units(o)) for o in others if site_key(o) is None or site_key(o) != own]
    have = Counter(info.have)
    sites_of: dict[int, int] = {}
    for i in info.long:
        normal, kind = normals.get(i, b""), lines[i][3]
        if not normal or _holds_title(normal, titles):
            continue
        # the k-th time a line would be in the text: as often on the other sites
        parsed, k = _Line(0, lines[i][2], normal), have[normal] + 1
        sites = {key for key, view in views if view.count(parsed, normal, kind in VERBATIM_KINDS) >= k}
        if len(sites) >= min_sites:
            have[normal] = k
            story[i] = True
            sites_of[i] = len(sites)
    pending = {i for i in info.short if normals.get(i) and not _holds_title(normals[i], titles)}
    while pending:  # grow the story's runs through the short lines, as far as the copies agree
        grown = False
        for i in sorted(pending):
            for a, b in ((i - 1, i), (i, i + 1)):
                j = a if b == i else b
                if 0 <= j < len(lines) and story[j]:
                    sites = {key for key, view in views if (normals.get(a), normals.get(b)) in view.pairs}
                    if len(sites) >= min_sites:
                        story[i] = True
                        sites_of[i] = len(sites)
                        pending.discard(i)
                        grown = True
                        break
        if not grown:
            break
    out = [Restored(lines[i][0], lines[i][1], lines[i][2], lines[i][3] or "", n) for i, n in sorted(sites_of.items())]
    texts.restorations[key] = out
    return out


def with_restored(text: str, source: str, restored: Sequence[Restored]) -> str:
    """``text`` (lines that are substrings of ``source``, a hard-wrapped paragraph with its line
    breaks as spaces) with the ``restored`` lines put back at their places in ``source``."""
    flat = source.replace("\r", " ").replace("\n", " ")
    out: list[str] = []
    k, cursor = 0, 0
    for line in text.split("\n") if text else []:
        pos = _locate(flat, line, cursor) if line else -1
        if pos >= 0:
            cursor = pos + len(line)
            while k < len(restored) and restored[k].start < pos:
                out.append(restored[k].line)
                k += 1
        out.append(line)
    out.extend(r.line for r in restored[k:])
    return "\n".join(out)


def without_restored(spans: Sequence[Span], restored: Sequence[Restored]) -> list[Span]:
    """The removed spans with the restored lines cut out of them."""
    out = []
    for span in spans:
        pieces = [(span.start, span.end)]
        for r in restored:
            if span.start <= r.start and r.end <= span.end:
                pieces = [p for a, b in pieces for p in ((a, min(b, r.start)), (max(a, r.end), b)) if p[1] > p[0]]
        out.extend(Span(a, b, span.kind, span.reason) for a, b in pieces)
    return out


def _locate(haystack: str, needle: str, cursor: int) -> int:
    pos = haystack.find(needle, cursor)
    return haystack.find(needle) if pos < 0 else pos


def merged_attribution(members: Sequence[Document]) -> Attribution:
    """Union of the members' attributions (canonical first, so its publisher wins).

    When the text names an original publisher, every member on another site
    republished the story.
    """
    merged = Attribution()
    for d in members:
        merged = merged.merge(d.attribution)
    if merged.original_publisher:
        origin = merged.original_publisher.casefold()
        sites = {d.site for d in members if d.site and d.site.casefold() != origin}
        merged.republished_by = sorted(set(merged.republished_by) | sites)
    return merged


def build_canonical(members: Sequence[Document], similarity: Sequence[float], *, min_copies: int = 3, cross_copy: bool = True,
                    texts: CopyTexts | None = None, memo: MutableMapping[str, str] | None = None,
                    founder: str | None = None) -> Canonical:
    """The output record of one cluster; ``members[0]`` is the canonical copy,
    the rest follow in rank order. ``memo`` remembers choice reasons across runs.
    ``founder``: the id the cluster id derives from (default: the earliest dated
    member, then the smallest id). Lines the strip stage cut from the canonical copy come back
    when copies on ``texts.restore_sites`` other sites carry them (:func:`restorable_lines`)."""
    doc = members[0]
    ids = [d.id for d in members]
    if founder is None:
        founder = min(members, key=lambda d: (d.date is None, d.date or "", d.id)).id
    cid = cluster_id(founder)
    texts = texts or CopyTexts()
    if memo is not None and len(members) > 1:
        key = "reason:" + "\x00".join(ids) + ":" + group_key(members)  # member order matters to the reason
        reason = memo.get(key)
        if reason is None:
            reason = memo[key] = _choice_reason(members, texts)
    else:
        reason = _choice_reason(members, texts)
    text = doc.text or ""
    removed = list(doc.removed)
    if cross_copy:
        drops = cross_copy_lines(doc, members[1:], min_copies, texts)
        if drops:
            source = doc.source_text if doc.source_text is not None else text
            lines = text.split("\n")
            dropped = {k for k, _, _ in drops}
            cursor = 0
            spans = []
            by_index = {k: (line, why) for k, line, why in drops}
            for k, line in enumerate(lines):
                pos = _locate(source, line, cursor) if line else -1
                if pos >= 0:
                    cursor = pos + len(line)
                if k in by_index and pos >= 0:
                    why = by_index[k][1]
                    spans.append(Span(pos, pos + len(line), "cross_copy",
                                      f"in none of the other {len(members) - 1} copies of the story; {why}"))
            text = "\n".join(line for k, line in enumerate(lines) if k not in dropped)
            removed = sorted(removed + spans, key=lambda s: (s.start, s.end, s.kind))
            shown = "; ".join(repr(line[:60]) for _, line, _ in drops[:3])
            more = f" (+{len(drops) - 3} more)" if len(drops) > 3 else ""
            reason += (f"; removed {len(drops)} line(s) that none of the other {len(members) - 1} "
                       f"copies has and that look like site lines: {shown}{more}")
    restored = restorable_lines(doc, members[1:], texts) if cross_copy else []
    restored_spans = [Span(r.start, r.end, r.kind, f"removed as {r.kind}; copies on {r.sites} other sites carry it")
                      for r in restored]
    if restored:
        assert doc.source_text is not None
        text = with_restored(text, doc.source_text, restored)
        removed = without_restored(removed, restored)
        kinds = ", ".join(sorted({r.kind for r in restored}))
        shown = "; ".join(repr(r.line[:60]) for r in restored[:3])
        more = f" (+{len(restored) - 3} more)" if len(restored) > 3 else ""
        reason += (f"; restored {len(restored)} line(s) the strip stage removed ({kinds}) that copies on "
                   f"{min(r.sites for r in restored)}+ other sites carry: {shown}{more}")
    cluster = Cluster(
        id=cid,
        canonical_id=doc.id,
        members=[
            Member(id=d.id, similarity=float(s), site=d.site, url=d.url, removed=d.removed_counts(),
                   removed_chars=d.removed_chars(), chars=len(d.source_text or ""))
            for d, s in zip(members, similarity)
        ],
        reason=reason,
    )
    return Canonical(
        id=doc.id,  # a story's record is named after its canonical copy (the contract); the cluster keeps cid
        title=story_title(members),
        text=text,
        cluster=cluster,
        document=doc,
        attribution=merged_attribution(members),
        removed=removed,
        restored=restored_spans,
    )


def _title_style(title: str) -> int:
    """0 for a headline as usually written, 1 for Every Word Capitalised, 2 for ALL CAPS."""
    words = [w for w in _WORD.findall(title) if w[0].isalpha()]
    if len(words) >= 3 and all(w.isupper() for w in words if len(w) > 1):
        return 2
    if len(words) >= 4 and all(w[0].isupper() for w in words):
        return 1
    return 0


def story_title(members: Sequence[Document]) -> str | None:
    """The story's title: the wording most copies share (the canonical copy's on a tie), written
    as a headline usually is when some copy has it so (not Title Cased or ALL CAPS by one site)."""
    titles = [d.title for d in members if d.title]
    if not titles:
        return None
    by_key: dict[bytes, list[str]] = {}
    for t in titles:
        by_key.setdefault(normalise_bytes(t), []).append(t)
    first = normalise_bytes(members[0].title) if members[0].title else None
    key = max(by_key, key=lambda k: (len(by_key[k]), k == first))
    variants = by_key[key]
    best = min(_title_style(t) for t in variants)
    for t in ([members[0].title] if members[0].title in variants else []) + variants:
        if _title_style(t) == best:
            return t
    return variants[0]  # pragma: no cover - the loop always returns


def _choice_reason(members: Sequence[Document], texts: CopyTexts) -> str:
    doc = members[0]
    if len(members) == 1:
        return "single copy"
    peers = list(members[1 : MAX_PEERS + 1])
    sup, uns = support_score(doc, peers, texts, restorable_lines(doc, members[1:], texts))
    runner = members[1]
    r_sup, r_uns = support_score(runner, [doc] + list(members[2 : MAX_PEERS + 1]), texts,
                                 restorable_lines(runner, [doc, *members[2:]], texts))
    head = (f"most complete clean copy: {sup} words that other copies share, {uns} in short lines that none has "
            f"(best ranked other: {runner.id} with {r_sup} / {r_uns})")
    if sup - uns == r_sup - r_uns:
        words, r_words = completeness(doc.text), completeness(runner.text)
        if words != r_words:
            head += f"; tie broken by prose words {words} vs {r_words}"
        elif doc.date is not None and (runner.date is None or doc.date < runner.date):
            head += f"; tie broken by earliest date {doc.date}"
        else:
            head += "; tie broken by smallest id"
    return f"{head}; {len(members)} copies"
