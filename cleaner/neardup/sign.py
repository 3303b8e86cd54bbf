"""Per-document signing: a cleaned document -> fixed-size data that the later steps compare.

:func:`sign_documents` is a pure function of the documents (and, when given,
the corpus evidence of their sites): every document's row depends on that
document alone, so a driver may sign in any batches, on any worker, and keep
only the result (a streaming driver spills it and reads the texts back only
to build canonicals). Per document it gives:

* ``sigs[k]`` - the MinHash signature (``num_perm`` uint32) of its shingles,
  datasketch's affine32 scheme (bit-identical to datasketch with the
  ``plain`` normalisation);
* ``sizes[k]`` - its number of shingles (with repeats; 0 = empty);
* ``lead[k]`` - a ``LEAD_PERM``-value signature of its first ``LEAD_SHINGLES``
  shingles: a preview or truncated copy starts like the full story, so the
  two share the lead even where their Jaccard is low (candidates for
  containment);
* ``distinct[k]`` and ``sample(k)`` - its number of distinct shingle hashes
  and the smallest ``sample_size`` of them, sorted (all of them for a text of
  at most ``sample_size`` distinct shingles): exact Jaccard and containment
  of two such texts, a bottom-k estimate for longer ones
  (:func:`pair_overlap`).

What is shingled is the *article*: :func:`article_text` leaves out the lines
that the corpus evidence shows on other pages of the same site (template the
strip stage kept), so two stories of one site do not look alike through their
site; when the strip stage cut the article (:func:`source_article`), the
source text without the site's repeated lines and the spans removed for what
they are is shingled instead.
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..records import Document
from .canonical import line_words
from .lsh import bucket_pairs
from .minhash import _min_permuted, fmix, permutations, xxh32_ranges
from .shingles import ShingleBatch

LEAD_SHINGLES = 64  # shingles in a document's lead
LEAD_PERM = 32  # values of the lead signature (its LSH: LEAD_BANDS x LEAD_ROWS)
LEAD_BANDS, LEAD_ROWS = 8, 4
# a document whose site-repeated lines hold at least this share of its words is not
# templated: it is a story the site published twice (an update, a second URL: its
# paragraphs are on the other page, a dateline, a note or a dropped sentence not), kept
# whole; after the strip stage a page's template leftovers are a small part of its text.
# (Two such pages of one story join; two stories of one site still need the same-site
# Jaccard, which only pages of almost nothing but template reach, and those are caught
# by the every-page test below.)
MAX_TEMPLATE_SHARE = 0.5


@dataclass
class Sketches:
    """Fixed-size per-document data of many documents (row k = document k)."""

    sigs: np.ndarray  # (n, num_perm) uint32
    sizes: np.ndarray  # (n,) int64 shingles, with repeats
    lead: np.ndarray  # (n, LEAD_PERM) uint32
    distinct: np.ndarray  # (n,) int64 distinct shingle hashes
    sample_starts: np.ndarray  # (n + 1,) int64 offsets into sample_values
    sample_values: np.ndarray  # sorted smallest distinct hashes of each document, back to back
    left_out_lines: int = 0  # template / title lines not shingled
    pairs: PairMemo | None = None  # measures of pairs known from an earlier run (a stage cache's)

    def __len__(self) -> int:
        return int(self.sizes.size)

    def sample(self, k: int) -> np.ndarray:
        return self.sample_values[self.sample_starts[k] : self.sample_starts[k + 1]]

    @classmethod
    def empty(cls, num_perm: int) -> Sketches:
        return cls(np.empty((0, num_perm), np.uint32), np.empty(0, np.int64), np.empty((0, LEAD_PERM), np.uint32),
                   np.empty(0, np.int64), np.zeros(1, np.int64), np.empty(0, np.uint32))

    @classmethod
    def concatenate(cls, parts: Sequence[Sketches]) -> Sketches:
        parts = [p for p in parts if len(p)] or list(parts[:1])
        starts = [parts[0].sample_starts]
        offset = int(parts[0].sample_starts[-1])
        for p in parts[1:]:
            starts.append(p.sample_starts[1:] + offset)
            offset += int(p.sample_starts[-1])
        return cls(
            np.concatenate([p.sigs for p in parts]), np.concatenate([p.sizes for p in parts]),
            np.concatenate([p.lead for p in parts]), np.concatenate([p.distinct for p in parts]),
            np.concatenate(starts), np.concatenate([p.sample_values for p in parts]),
            sum(p.left_out_lines for p in parts),
        )

    def row(self, k: int) -> dict[str, Any]:
        """One document's data (what a streaming driver keeps per document)."""
        return {"signature": self.sigs[k], "shingles": int(self.sizes[k]), "lead": self.lead[k],
                "distinct": int(self.distinct[k]), "sample": self.sample(k)}


# Kinds the strip stage gives a line for *where* it is (outside the article core it found),
# not for what it is: when that search went wrong they hold the article itself.
POSITIONAL_KINDS = frozenset({"site_header", "site_footer", "headline_list", "standfirst"})
# a line of at least this many words reads as text, not as a menu item or label
TEXT_LINE_WORDS = 8
# the strip stage kept less than this share of the text lines that the evidence does not
# explain: its article-core search went wrong, and the source is shingled instead
KEPT_SHARE = 0.5


def _site_lines(lines: list[str], ev: Any) -> list[bool]:
    """Which lines the evidence shows on other pages of the site (support >= 2, the page itself
    being one). Links to other stories by their titles are the strip stage's (see_also)."""
    if not ev.site_counts:
        return [False] * len(lines)
    return [bool(line.strip()) and ev.site_support(line) >= 2 for line in lines]


def _text_words(lines: list[str]) -> int:
    """Words in the lines that read as text (in Chinese, Japanese or Thai two characters count as a word)."""
    total = 0
    for line in lines:
        # spaces count words; a line with few spaces may be in a script written without them
        n = line.count(" ") + 1
        if n < TEXT_LINE_WORDS and not line.isascii():
            n = line_words(line)
        if n >= TEXT_LINE_WORDS and line.strip():
            total += n
    return total


def source_article(doc: Document, ev: Any, kept_words: int | None = None) -> str | None:
    """The source text without the spans the strip stage removed for what they are (ads,
    links, credits, ...; not the positional kinds) and without the lines the evidence shows on
    other pages of the site - when that keeps at least twice the text lines the cleaned text
    has (the strip stage cut the article), else None. ``kept_words``: the words of the
    article the strip stage kept (default: all words of the cleaned text's text lines; a
    caller that knows some of them are the site's template leaves those out)."""
    source = doc.source_text
    if not source or doc.extracted or not doc.removed:
        return None
    if not any(span.kind in POSITIONAL_KINDS for span in doc.removed):
        return None
    if kept_words is None:
        kept_words = _text_words((doc.text or "").split("\n"))
    if kept_words >= KEPT_SHARE * _text_words(source.split("\n")):
        return None  # even the whole source has too little more text: nothing was cut
    pieces, cursor = [], 0
    for span in sorted((sp for sp in doc.removed if sp.kind not in POSITIONAL_KINDS), key=lambda sp: sp.start):
        if span.start > cursor:
            pieces.append(source[cursor : span.start])
        cursor = max(cursor, span.end)
    pieces.append(source[cursor:])
    lines = [line.strip() for line in "\n".join(pieces).split("\n") if line.strip()]
    lines = [line for line, repeated in zip(lines, _site_lines(lines, ev)) if not repeated]
    if kept_words >= KEPT_SHARE * _text_words(lines):
        return None
    return "\n".join(lines)


def article_text(doc: Document, evidence: Any = None, site: str | None = None) -> tuple[str, int]:
    """The text of ``doc`` that is shingled, and how many lines were left out.

    ``evidence`` is a :class:`cleaner.strip.corpus.CorpusEvidence` (or None);
    ``site`` the site its lines were counted under (default: ``doc.site``).
    A line is left out when the evidence has it on another page of the same
    site (support >= 2, the document itself being one) - the site's template -
    unless the lines so found hold ``MAX_TEMPLATE_SHARE`` of the words and are not
    all on every page of the site: then the page itself repeats (a story the site
    published twice) and is kept whole. When the strip stage cut the article
    (:func:`source_article`, judged by the kept text that is not template), the
    source is shingled instead.
    """
    text = doc.text or ""
    if evidence is None or not text:
        return text, 0
    site = doc.site if site is None else site
    if not site:
        return text, 0
    ev = evidence.for_document(site, doc.title)
    lines = text.split("\n")
    repeated = _site_lines(lines, ev)
    words = sum(line.count(" ") + 1 for line in lines if line.strip())
    left = sum(line.count(" ") + 1 for line, r in zip(lines, repeated) if r)
    twice = False
    if left and left >= MAX_TEMPLATE_SHARE * words:
        # most of it is on other pages of the site: a page the site published twice - unless
        # every such line is on every page of a site of several pages, which only a template is
        pages = evidence.site_docs.get(site, 0)
        twice = pages < 3 or any(r and ev.site_support(line) < pages for line, r in zip(lines, repeated))
    kept_words = None
    if left and not twice:
        kept_words = _text_words([line for line, r in zip(lines, repeated) if not r])
    rescued = source_article(doc, ev, kept_words)
    if rescued is not None:
        return rescued, 0
    if not left or twice:
        return text, 0
    return "\n".join(line for line, r in zip(lines, repeated) if not r), sum(repeated)


def sketch_texts(texts: Sequence[str], num_perm: int = 128, seed: int = 1, ngram: int = 5, *,
                 scheme: str = "plain", sample_size: int = 1024, batch_size: int = 256) -> Sketches:
    """:class:`Sketches` of raw texts (see the module doc); ``sigs`` equal
    :func:`cleaner.neardup.minhash.sign_texts` with the same scheme."""
    parts = []
    for i in range(0, len(texts), batch_size):
        parts.append(_sketch_batch(ShingleBatch.from_texts(texts[i : i + batch_size], ngram, scheme), num_perm, seed, sample_size))
    return Sketches.concatenate(parts) if parts else Sketches.empty(num_perm)


def _sketch_batch(batch: ShingleBatch, num_perm: int, seed: int, sample_size: int) -> Sketches:
    hashes = fmix(xxh32_ranges(batch.buffer, batch.starts, batch.lengths, seed), 32)
    a, b = permutations(num_perm, seed)
    sigs = _min_permuted(hashes, batch.first, batch.counts, a, b)
    n = batch.counts.size
    # the lead: the first LEAD_SHINGLES shingles of every document, gathered contiguously
    lead_counts = np.minimum(batch.counts, LEAD_SHINGLES)
    lead_first = np.zeros(n, dtype=np.int64)
    np.cumsum(lead_counts[:-1], out=lead_first[1:])
    doc_of = np.repeat(np.arange(n), lead_counts)
    pos = batch.first[doc_of] + (np.arange(doc_of.size) - lead_first[doc_of])
    lead = _min_permuted(hashes[pos], lead_first, lead_counts, a[:LEAD_PERM], b[:LEAD_PERM])
    # distinct hashes per document, sorted: one sort of (document, hash) keys
    owner = np.repeat(np.arange(n, dtype=np.uint64), batch.counts)
    keys = np.sort((owner << np.uint64(32)) | hashes.astype(np.uint64))
    if keys.size:
        fresh = np.empty(keys.size, dtype=bool)
        fresh[0] = True
        np.not_equal(keys[1:], keys[:-1], out=fresh[1:])
        keys = keys[fresh]
    key_doc = (keys >> np.uint64(32)).astype(np.int64)
    distinct = np.bincount(key_doc, minlength=n).astype(np.int64)
    kept = np.minimum(distinct, sample_size)
    starts = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(kept, out=starts[1:])
    if distinct.size and distinct.max() > sample_size:  # some documents keep only their smallest hashes
        dstart = np.zeros(n, dtype=np.int64)
        np.cumsum(distinct[:-1], out=dstart[1:])
        keys = keys[(np.arange(keys.size) - dstart[key_doc]) < sample_size]
    values = keys.astype(np.uint32)  # the low 32 bits: the hash
    return Sketches(sigs, batch.counts.astype(np.int64), lead, distinct, starts, values)


def signing_texts(docs: Sequence[Document], params: Any, evidence: Any = None,
                  sites: Sequence[str | None] | None = None) -> tuple[list[str], int]:
    """The texts that are shingled (:func:`article_text` with ``article_only``), and how
    many lines were left out."""
    texts = []
    left = 0
    for k, d in enumerate(docs):
        if params.article_only and evidence is not None:
            text, n = article_text(d, evidence, sites[k] if sites is not None else None)
            left += n
        else:
            text = d.text or ""
        texts.append(text)
    return texts, left


def sketch_with(texts: Sequence[str], params: Any) -> Sketches:
    """:func:`sketch_texts` under ``params`` (a :class:`~cleaner.neardup.DedupParams`)."""
    return sketch_texts(texts, params.num_perm, params.seed, params.ngram, scheme=params.normalisation,
                        sample_size=params.sample_size)


def sign_documents(docs: Sequence[Document], params: Any, evidence: Any = None,
                   sites: Sequence[str | None] | None = None, sketcher: Any = None) -> Sketches:
    """:class:`Sketches` of cleaned documents under ``params`` (a
    :class:`~cleaner.neardup.DedupParams`); see the module doc. ``sites``: the
    site each document's lines were counted under in ``evidence`` (default
    its ``site``). ``sketcher(texts, params)`` replaces :func:`sketch_with`
    (same result), e.g. to reuse sketches cached by text."""
    texts, left = signing_texts(docs, params, evidence, sites)
    out = (sketcher or sketch_with)(texts, params)
    out.left_out_lines = left
    return out


# Anchors: the shingles whose hash is below 2**32 >> ANCHOR_BITS (one in 16), a sample that is
# the same subset of the shingles in every document: all of a short copy's anchors are anchors of
# the longer text holding it, wherever in it the copy starts (the lead finds only copies that
# start like it). At most ANCHOR_CAP a document (the smallest hashes: texts of about 1,000
# distinct shingles keep all of theirs), read from the exact-verification sample.
ANCHOR_BITS = 4
ANCHOR_CAP = 64
# a pair is a candidate when it shares at least ANCHOR_MIN anchors and this share of the
# anchors of the one with fewer (below the containment edge test, so that test decides)
ANCHOR_MIN = 2
ANCHOR_SHARE = 0.4


def anchor_pairs(sk: Sketches, window: int, new_from: int | None = None,
                 chunk: int = 1 << 15) -> tuple[np.ndarray, np.ndarray]:
    """Candidate pairs ``(i, j)``, ``i < j``, by shared anchors (see ``ANCHOR_BITS``): a copy
    contained in a longer text at any place. Each anchor's documents are paired with their next
    ``window`` neighbours (as LSH buckets are); ``new_from``: only pairs with ``j >= new_from``.
    Memory: 8 bytes an anchor (at most ``ANCHOR_CAP`` a document), the samples read ``chunk``
    documents at a time."""
    n = len(sk)
    empty = np.empty(0, dtype=np.int64)
    if n < 2:
        return empty, empty
    starts = np.asarray(sk.sample_starts, dtype=np.int64)
    values = sk.sample_values
    limit = np.uint32(1 << (32 - ANCHOR_BITS))
    rank = np.arange(ANCHOR_CAP, dtype=np.int64)
    parts = []
    for lo in range(0, n, chunk):
        hi = min(n, lo + chunk)
        # samples are sorted: a document's anchors are a prefix of its sample
        length = np.minimum(np.diff(starts[lo : hi + 1]), ANCHOR_CAP)
        at = starts[lo:hi, None] + rank[None, :]
        valid = rank[None, :] < length[:, None]
        vals = np.asarray(values[np.minimum(at, max(int(starts[-1]) - 1, 0))]) if int(starts[-1]) else np.zeros(at.shape, np.uint32)
        keep = valid & (vals < limit)
        rows = np.broadcast_to(np.arange(lo, hi, dtype=np.uint64)[:, None], keep.shape)[keep]
        parts.append((vals[keep].astype(np.uint64) << np.uint64(32)) | rows)
    keys = np.concatenate(parts)
    keys.sort()
    doc = (keys & np.uint64(0xFFFFFFFF)).astype(np.int32)
    anchor = (keys >> np.uint64(32)).astype(np.uint32)
    del keys
    count = np.bincount(doc, minlength=n)
    found = bucket_pairs(doc, anchor, n, window, new_from)
    codes = np.sort(np.concatenate(found)) if found else empty
    if codes.size == 0:
        return empty, empty
    first = np.flatnonzero(np.concatenate(([True], codes[1:] != codes[:-1])))
    shared = np.diff(np.append(first, codes.size))
    codes = codes[first]
    i, j = codes // n, codes % n
    ok = (shared >= ANCHOR_MIN) & (shared >= ANCHOR_SHARE * np.minimum(count[i], count[j]))
    return i[ok], j[ok]


def sample_overlap(sa: np.ndarray, na: int, sb: np.ndarray, nb: int) -> tuple[float, float]:
    """(Jaccard, containment of the smaller) of two documents from their samples (sorted
    smallest distinct hashes) and distinct shingle counts: one document's data each.

    Exact when both samples hold all their document's hashes. Otherwise a sample holds
    every hash of its document up to its largest value, so below ``t`` = the smaller of the
    cut samples' largest values both sets are known exactly; the measures are those of the
    two sets restricted to hashes <= ``t`` (a uniform sample of the shingles, hashes being
    random), which also estimates the containment of a short text in a long one without bias.
    """
    if na == 0 or nb == 0:
        return 0.0, 0.0
    cut_a, cut_b = sa.size < na, sb.size < nb
    if cut_a or cut_b:
        t = min(sa[-1] if cut_a else np.uint32(0xFFFFFFFF), sb[-1] if cut_b else np.uint32(0xFFFFFFFF))
        sa = sa[: np.searchsorted(sa, t, side="right")]
        sb = sb[: np.searchsorted(sb, t, side="right")]
    if sa.size == 0 or sb.size == 0:
        return 0.0, 0.0
    inter = np.intersect1d(sa, sb, assume_unique=True).size
    small = sa.size if na <= nb else sb.size  # the document with fewer shingles, by its full count
    return inter / (sa.size + sb.size - inter), inter / small


def pair_overlap(sk: Sketches, i: np.ndarray, j: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """:func:`sample_overlap` of many pairs of rows of ``sk`` (those ``sk.pairs`` does not know)."""
    jac = np.zeros(i.size, dtype=np.float64)
    cont = np.zeros(i.size, dtype=np.float64)
    starts, values, distinct = sk.sample_starts, sk.sample_values, sk.distinct
    todo: Iterable[int] = range(i.size)
    memo = sk.pairs
    if memo is not None:
        codes = memo.codes(i, j)
        known = memo.lookup(codes, jac, cont)
        todo = np.flatnonzero(~known).tolist()
    for k in todo:
        a, b = int(i[k]), int(j[k])
        jac[k], cont[k] = sample_overlap(values[starts[a] : starts[a + 1]], int(distinct[a]),
                                         values[starts[b] : starts[b + 1]], int(distinct[b]))
    if memo is not None:
        memo.seen(codes, jac, cont)
    return jac, cont


class PairMemo:
    """:func:`sample_overlap` of pairs of rows, known from an earlier run by the rows' ids.

    A row's measures with another depend on the two rows' data alone, and each
    row's data on what it was sketched from; ``ids`` (two uint64 per row) name
    that (e.g. a digest of the text and the sketch parameters), so a pair of
    ids seen before has the values computed then, bit for bit. Every pair
    looked up is kept (:meth:`snapshot`): what to know next time.
    """

    def __init__(self, ids: np.ndarray, known: tuple[bytes, bytes, bytes] | None = None) -> None:
        self.ids = np.ascontiguousarray(ids, dtype=np.uint64).reshape(-1, 2)
        codes, jac, cont = known or (b"", b"", b"")
        try:
            self.known = np.frombuffer(codes, dtype="S32")
            self.known_jac = np.frombuffer(jac, dtype=np.float64)
            self.known_cont = np.frombuffer(cont, dtype=np.float64)
        except ValueError:  # not whole items: not a snapshot this code wrote
            self.known, self.known_jac, self.known_cont = np.empty(0, dtype="S32"), np.empty(0), np.empty(0)
        if not (self.known.size == self.known_jac.size == self.known_cont.size):
            self.known = self.known[:0]
        self._seen: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []

    def codes(self, i: np.ndarray, j: np.ndarray) -> np.ndarray:
        """One 32-byte code per pair: the smaller row id, then the other (a pair is unordered)."""
        a, b = self.ids[np.asarray(i, dtype=np.int64)], self.ids[np.asarray(j, dtype=np.int64)]
        swap = (a[:, 0] > b[:, 0]) | ((a[:, 0] == b[:, 0]) & (a[:, 1] > b[:, 1]))
        lo, hi = np.where(swap[:, None], b, a), np.where(swap[:, None], a, b)
        return np.ascontiguousarray(np.concatenate([lo, hi], axis=1)).view("S32").ravel()

    def lookup(self, codes: np.ndarray, jac: np.ndarray, cont: np.ndarray) -> np.ndarray:
        """Fills ``jac``/``cont`` where the pair is known; returns which were."""
        if not self.known.size or not codes.size:
            return np.zeros(codes.size, dtype=bool)
        pos = np.minimum(np.searchsorted(self.known, codes), self.known.size - 1)
        hit = self.known[pos] == codes
        jac[hit], cont[hit] = self.known_jac[pos[hit]], self.known_cont[pos[hit]]
        return hit

    def seen(self, codes: np.ndarray, jac: np.ndarray, cont: np.ndarray) -> None:
        self._seen.append((codes, jac.copy(), cont.copy()))

    def snapshot(self) -> tuple[bytes, bytes, bytes]:
        """(codes, Jaccards, containments) of the pairs looked up, sorted by code: ``known`` for the next run."""
        if not self._seen:
            return b"", b"", b""
        codes = np.concatenate([c for c, _, _ in self._seen])
        order = np.argsort(codes, kind="stable")
        codes = codes[order]
        first = np.ones(codes.size, dtype=bool)
        first[1:] = codes[1:] != codes[:-1]
        pick = order[first]
        jac = np.concatenate([v for _, v, _ in self._seen])[pick]
        cont = np.concatenate([v for _, _, v in self._seen])[pick]
        return codes[first].tobytes(), jac.tobytes(), cont.tobytes()
