"""Corpus-level evidence for the text strip stage, gathered in one extra pass.

Two things a single page cannot tell, but a corpus can:

* **Site boilerplate**: a line that appears on many pages of the same site
  (menus, slogans, "AUTO NEWS", the footer) is template, not article.  Lines
  are counted per site, once per document, as 64-bit hashes of their
  normalised text; a line is boilerplate once ``min_support`` documents of the
  site carry it.
* **Links to other stories**: a line that equals (or starts with) another
  document's title is a "see also" link to that document.

:class:`CorpusEvidence` is plain data (dicts of ints), so it pickles, and
:meth:`CorpusEvidence.merge` combines the evidence of shards (Dask
partitions, parallel workers).  Memory stays bounded: each site keeps at most
``max_lines_per_site`` line hashes and the corpus at most ``max_titles``
title hashes; when a table is full, lines seen only once are pruned first
(they can never reach the minimum support without being seen again).
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Iterable

import xxhash

from .segment import Line, split_lines

DEFAULT_MIN_SUPPORT = 2
# A prose line must also be on this share of the site's documents: a template sentence is on most of
# them, while in a big corpus a stock sentence of articles ("did not respond to a request for
# comment") recurs on a few percent without being template.
DEFAULT_MIN_PROSE_SHARE = 0.1
_NON_WORD = re.compile(r"[\W_]+")
_MAX_LINE_CHARS = 400  # lines are compared on their first 400 characters
_MAX_TITLE_WORDS = 40
_MAX_QUERY_WORDS = 40  # cleaner.strip.text asks other_title() only of lines this short (see digest_for)
_SPACE = re.compile(" ")


def _key(line: str) -> str:
    return _key_bytes(line).decode("utf-8", "surrogatepass")


def _hash(key: str) -> int:
    return xxhash.xxh3_64_intdigest(key.encode("utf-8", "surrogatepass"))


# ASCII bytes that _NON_WORD matches (everything but letters and digits) -> space
_ASCII_NON_WORD = bytes(c if chr(c).isascii() and chr(c).isalnum() else 32 for c in range(256))


_ASCII_BYTES = bytes(range(0x80))


def _key_bytes(line: str) -> bytes:
    """``_key(line)`` as UTF-8. A line that is ASCII, or becomes ASCII when its non-ASCII
    punctuation (curly quotes, dashes: characters ``_NON_WORD`` matches) is a space - most lines -
    takes a bytes path with the same result: lower-casing, the non-word runs as one space and the
    strip are C calls on bytes instead of a regular-expression substitution (this runs for every
    line three times a run)."""
    head = line[:_MAX_LINE_CHARS]
    if not head.isascii():
        head = head.casefold()
        # the distinct non-ASCII characters: the UTF-8 form without its ASCII bytes
        chars = set(head.encode("utf-8", "surrogatepass").translate(None, _ASCII_BYTES).decode("utf-8", "surrogatepass"))
        if any(c.isalnum() for c in chars):  # a word character (\w past ASCII): the regular expression decides
            return _NON_WORD.sub(" ", head).strip().encode("utf-8", "surrogatepass")
        for c in chars:
            head = head.replace(c, " ")
    return b" ".join(head.encode("ascii").lower().translate(_ASCII_NON_WORD).split())


def _line_hash(line: str) -> int | None:
    """``_hash(_key(line))``, None for an empty key."""
    key = _key_bytes(line)
    return xxhash.xxh3_64_intdigest(key) if key else None


@dataclass
class CorpusEvidence:
    """Line counts per site and the titles of all documents, as hashes."""

    min_support: int = DEFAULT_MIN_SUPPORT
    min_prose_share: float = DEFAULT_MIN_PROSE_SHARE
    max_lines_per_site: int = 200_000
    max_titles: int = 2_000_000
    sites: dict[str, dict[int, int]] = field(default_factory=dict)  # site -> line hash -> documents
    site_docs: dict[str, int] = field(default_factory=dict)  # site -> documents seen
    titles: dict[int, int] = field(default_factory=dict)  # title hash -> documents with that title
    title_lengths: dict[int, int] = field(default_factory=dict)  # title length in words -> titles

    def add(self, site: str | None, text: str, title: str | None = None) -> None:
        """Count one document's lines (once each) under its site, and its title."""
        self._add_lines(site, split_lines(text) if site else [], title)

    def _add_lines(self, site: str | None, lines: list[Line], title: str | None) -> None:
        self.add_hashed(site, line_hashes(lines) if site else (), title)

    def add_hashed(self, site: str | None, hashes: Iterable[int], title: str | None = None) -> None:
        """:meth:`add` for a document whose distinct line hashes (:func:`line_hashes`) are known
        already, e.g. cached from an earlier run."""
        if site:
            counts = self.sites.setdefault(site, {})
            self.site_docs[site] = self.site_docs.get(site, 0) + 1
            for h in hashes:
                counts[h] = counts.get(h, 0) + 1
            if len(counts) > self.max_lines_per_site:
                self.sites[site] = _prune(counts, self.max_lines_per_site)
        if title:
            key = _key(title)
            words = key.count(" ") + 1
            if key and words <= _MAX_TITLE_WORDS:
                h = _hash(key)
                if h not in self.titles:
                    self.title_lengths[words] = self.title_lengths.get(words, 0) + 1
                self.titles[h] = self.titles.get(h, 0) + 1
                if len(self.titles) > self.max_titles:
                    self.titles = _prune(self.titles, self.max_titles)

    def merge(self, other: CorpusEvidence) -> CorpusEvidence:
        """The evidence of both shards (a new object; neither input changes)."""
        merged = CorpusEvidence(
            min_support=self.min_support,
            min_prose_share=self.min_prose_share,
            max_lines_per_site=self.max_lines_per_site,
            max_titles=self.max_titles,
        )
        for source in (self, other):
            for site, counts in source.sites.items():
                target = merged.sites.setdefault(site, {})
                for h, c in counts.items():
                    target[h] = target.get(h, 0) + c
            for site, n in source.site_docs.items():
                merged.site_docs[site] = merged.site_docs.get(site, 0) + n
            for h, c in source.titles.items():
                merged.titles[h] = merged.titles.get(h, 0) + c
            for words, n in source.title_lengths.items():
                merged.title_lengths[words] = merged.title_lengths.get(words, 0) + n
        for site, counts in merged.sites.items():
            if len(counts) > merged.max_lines_per_site:
                merged.sites[site] = _prune(counts, merged.max_lines_per_site)
        if len(merged.titles) > merged.max_titles:
            merged.titles = _prune(merged.titles, merged.max_titles)
        return merged

    def for_document(self, site: str | None, title: str | None) -> DocumentEvidence:
        """What :func:`cleaner.strip.text.strip_text` consumes for one document."""
        own = _hash(_key(title)) if title else None
        site_docs = self.site_docs.get(site, 0) if site else 0
        return DocumentEvidence(
            site_counts=self.sites.get(site or "", {}) if site else {},
            min_support=self.min_support,
            min_prose_support=max(self.min_support, math.ceil(self.min_prose_share * site_docs)),
            titles=self.titles,
            title_lengths=frozenset(self.title_lengths),
            own_title=own,
        )


@dataclass(frozen=True)
class DocumentEvidence:
    """The corpus evidence one document is judged with."""

    site_counts: dict[int, int]
    min_support: int
    min_prose_support: int  # support a line that reads as prose needs (min_support, or the share of the site)
    titles: dict[int, int]
    title_lengths: frozenset[int]
    own_title: int | None = None

    def site_support(self, line: str) -> int:
        """On how many documents of this site the line appears."""
        if not self.site_counts:
            return 0
        h = _line_hash(line)
        return self.site_counts.get(h, 0) if h is not None else 0

    def other_title(self, line: str, own_title: str | None = None) -> str | None:
        """The title this line shows (equal to it or starting with it), if it is another document's title."""
        if not self.titles:
            return None
        key = _key(line)
        if not key:
            return None
        own = self.own_title if own_title is None else _hash(_key(own_title))
        words = key.split(" ")
        if len(words) > 3 * _MAX_TITLE_WORDS:
            return None
        # the whole line first, then its prefixes of the lengths titles have (at least 4 words)
        lengths = [len(words)] + sorted((n for n in self.title_lengths if 4 <= n < len(words)), reverse=True)
        for n in lengths:
            if n > _MAX_TITLE_WORDS:
                continue
            prefix = key if n == len(words) else " ".join(words[:n])
            h = _hash(prefix)
            count = self.titles.get(h, 0)
            if count and (h != own or count > 1):
                # a title shared with the document itself is another document's only if others carry it too;
                # the stage never calls this for the document's own title line
                return prefix
        return None

    def digest_for(self, text: str, probes: list[int] | None = None) -> str:
        """A digest of exactly the answers this evidence gives for ``text``'s lines.

        ``strip_text`` reads the evidence only through :meth:`site_support`
        and :meth:`other_title` on the document's own lines, so two evidences
        with equal digests give the same stripped result. A stage cache keyed
        by it (``cleaner.cache``) re-strips a document only when a line of its
        own gained or lost support, not whenever any other document changes.
        ``probes``, when given, receives every title hash looked up: the
        digest can only change when one of those titles changes its count.
        """
        digest = xxhash.xxh3_128()
        digest.update(f"{self.min_support}|{self.min_prose_support}|{self.own_title}\n".encode())
        lengths = sorted(n for n in self.title_lengths if 4 <= n <= _MAX_TITLE_WORDS)
        for line in split_lines(text):
            key = _key(line.body)
            if not key:
                continue
            support = self.site_counts.get(_hash(key), 0) if self.site_counts else 0
            parts = [str(support)]
            # strip_text asks other_title only of lines of at most _MAX_QUERY_WORDS words
            if self.titles and line.words <= _MAX_QUERY_WORDS:
                cuts = [m.start() for m in _SPACE.finditer(key)] + [len(key)]  # prefix of n words = key[:cuts[n-1]]
                for n in (len(cuts), *(n for n in lengths if n < len(cuts))):
                    if n <= _MAX_TITLE_WORDS:
                        h = _hash(key[: cuts[n - 1]])
                        if probes is not None:
                            probes.append(h)
                        count = self.titles.get(h, 0)
                        if count:
                            parts.append(f"{n}:{min(count, 2)}")  # only 0, 1 or "more than one" matters
            digest.update(("|".join(parts) + "\n").encode())
        return digest.hexdigest()


def line_hashes(lines: list[Line] | str) -> list[int]:
    """The distinct hashes of a document's line keys, sorted: what it adds to its site's counts."""
    if isinstance(lines, str):
        lines = split_lines(lines)
    hashes = {_line_hash(line.body) for line in lines}
    hashes.discard(None)
    return sorted(hashes)  # type: ignore[type-var]


def template_key(text: str, probe_lines: int = 8, max_words: int = 5) -> str | None:
    """A stand-in for the site of a document that does not say where it is from.

    Pages of one site share their template: the short lines (menus, site name,
    footer links) among the first and last lines. Their hash groups such
    pages so that per-site line counts work without a site name. Long lines
    (titles, paragraphs) never count, so copies of one story on different
    sites do not share a key. None when the page has too few such lines.
    Reads only the head and the foot of the text: it runs for every page on
    every run.
    """
    first = [b for b in (line.strip(_BULLETS) for line in text[:_PROBE_CHARS].split("\n")) if b]
    if len(text) <= _PROBE_CHARS:  # the whole page was read: the foot must not overlap the head
        head_lines, foot_lines = first[:probe_lines], first[probe_lines:][-probe_lines:]
    else:
        last = [b for b in (line.strip(_BULLETS) for line in text[-_PROBE_CHARS:].split("\n")) if b]
        head_lines, foot_lines = first[:probe_lines], last[-probe_lines:]
    head = [b for b in head_lines if b.count(" ") < max_words]
    foot = [b for b in foot_lines if b.count(" ") < max_words]
    if len(head) + len(foot) < 3:
        return None
    return "template:" + xxhash.xxh3_64_hexdigest("\n".join(head + ["--"] + foot).encode("utf-8", "surrogatepass"))


_PROBE_CHARS = 4000  # head and foot of a page read by template_key
_BULLETS = " \t\r\u00a0*•·-–|>"


def gather_evidence(
    items: Iterable[tuple[str | None, str, str | None]],
    *,
    min_support: int = DEFAULT_MIN_SUPPORT,
    min_prose_share: float = DEFAULT_MIN_PROSE_SHARE,
) -> CorpusEvidence:
    """Evidence over ``(site, text, title)`` items; a missing title is guessed from the text."""
    from .text import analyse_title

    evidence = CorpusEvidence(min_support=min_support, min_prose_share=min_prose_share)
    for site, text, title in items:
        if title:
            evidence.add(site, text, title)
        else:  # one segmentation serves both the title guess and the line counts
            lines, guessed = analyse_title(text, site=site)
            evidence._add_lines(site, lines, guessed)
    return evidence


def _prune(counts: dict[int, int], cap: int) -> dict[int, int]:
    """Keep the most frequent entries: singletons go first, then the rarest, until under the cap."""
    kept = {h: c for h, c in counts.items() if c > 1}
    if len(kept) <= cap:
        return kept
    threshold = sorted(kept.values(), reverse=True)[cap - 1]
    return {h: c for h, c in kept.items() if c > threshold}
