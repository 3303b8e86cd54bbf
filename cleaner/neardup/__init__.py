"""Near-duplicate stage: sign -> candidates -> verified edges -> clusters -> canonical records.

Pure core: :func:`dedup_documents` takes cleaned :class:`~cleaner.records.Document` s
and returns clusters and one :class:`~cleaner.records.Canonical` per cluster. It is
the in-memory driver of steps a streaming driver can call on its own:

* :func:`cleaner.neardup.sign.sign_documents` - per document (and its corpus
  evidence): fixed-size data (signature, shingle counts, lead signature, sample);
* :func:`candidates` over signatures / band keys; :func:`verify_pairs` and
  :func:`cleaner.neardup.sign.sample_overlap` - per pair of documents' data;
* :func:`cleaner.neardup.clusters.guarded_clusters` - integer ids and edge arrays;
* :func:`cleaner.neardup.canonical.build_canonical` - one cluster's member documents.
The optional ``index`` (:mod:`cleaner.neardup.index`) carries earlier runs'
documents, signatures and edges, so a run deduplicates new documents against
everything seen before without reading old inputs again.

Defaults were chosen by measurement on the syndication dev set and the
estimation benchmark (``benchmarks/results/neardup.md``).
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Callable, MutableMapping, Sequence
from dataclasses import asdict, dataclass, field, replace
from typing import TYPE_CHECKING, Any

import numpy as np

from ..errors import ConfigError, InputError
from ..records import Canonical, Cluster, Document, Rejected
from .canonical import (
    CopyTexts,
    build_canonical,
    choose_canonical,
    group_key,
    rank_documents,
    site_key,
)
from .clusters import ClusterSet, guarded_clusters
from .lsh import (
    band_keys,
    candidate_pairs,
    containment_from_jaccard,
    lsh_params,
    pair_jaccard,
    sorted_unique,
)
from .normalise import DEFAULT_SCHEME, SCHEMES
from .sign import (
    LEAD_BANDS,
    LEAD_ROWS,
    Sketches,
    anchor_pairs,
    pair_overlap,
    signing_texts,
    sketch_with,
)

if TYPE_CHECKING:
    from .index import NearDupIndex

__all__ = ["DedupParams", "DedupResult", "dedup_documents", "singletons"]

# fields that shape signatures and edges: an index built with other values
# cannot be extended (cross-copy knobs only affect the written records)
INDEX_FIELDS = (
    "threshold", "num_perm", "ngram", "seed", "bands", "rows", "lsh_threshold",
    "containment", "min_shingles", "short_threshold", "same_site_threshold", "bucket_window",
    "normalisation", "article_only", "verify", "sample_size", "lead_candidates", "anchor_candidates",
)


@dataclass(frozen=True)
class DedupParams:
    threshold: float = 0.3  # estimated Jaccard for an edge between two sites' copies
    num_perm: int = 128
    ngram: int = 5  # word shingle size
    seed: int = 1
    bands: int | None = None  # None: datasketch's optimal (bands, rows) for lsh_threshold/num_perm
    rows: int | None = None
    # LSH tuned for a lower similarity than the edge test, so that truncated
    # copies (high containment, low Jaccard) become candidates; None = threshold
    lsh_threshold: float | None = 0.2
    # an edge also when the smaller copy is this much contained in the larger
    # (truncated copies); None disables containment edges
    containment: float | None = 0.6
    # a text with fewer shingles than this is short: a few shared words are
    # chance there, so it is never "contained" and needs Jaccard >= short_threshold
    min_shingles: int = 20
    short_threshold: float = 0.8
    # two documents of the same site share template text that cleaning may
    # have left; a same-site pair needs this Jaccard (containment never counts)
    same_site_threshold: float | None = 0.8
    guard: float | None = None  # chaining guard's Jaccard threshold (None: threshold)
    # the guard keeps a member whose share of article text in common with the canonical
    # (containment of the smaller) is at least this, even below the edge test
    guard_containment: float = 0.5
    # ... and a member failing that stays when a staying member it has an edge to shares this
    # share of the smaller one's shingles (a fuller copy holding a preview)
    bridge_containment: float = 0.8
    bucket_window: int = 64  # pair each bucket member with this many sorted neighbours
    cross_copy: bool = True
    cross_copy_min_copies: int = 3
    # lines the strip stage cut from the canonical copy by place or shape come back into the
    # record when copies on this many other sites carry them (canonical.restorable_lines); None: never
    restore_sites: int | None = 2
    # shingle normalisation scheme (cleaner.neardup.normalise): "news-v1", or "plain" for
    # signatures bit-identical to datasketch's
    normalisation: str = DEFAULT_SCHEME
    # leave out of the shingles the lines the corpus evidence shows on other pages of the site
    article_only: bool = True
    # "exact": verify candidates with exact shingle-set Jaccard/containment (bottom-k of
    # sample_size hashes for longer texts); "minhash": with the signature estimates
    verify: str = "exact"
    sample_size: int = 1024
    # candidates also from the lead signature (first shingles): preview and truncated copies
    lead_candidates: bool = True
    # ... and from shared anchors (a fixed sample of the shingles): a short copy held anywhere in
    # a longer text, e.g. an excerpt, or a preview whose lede the cleaning lost
    anchor_candidates: bool = True

    def __post_init__(self) -> None:
        problems = []
        if not 0.0 < self.threshold <= 1.0:
            problems.append(f"threshold must be in (0, 1], got {self.threshold}")
        if self.ngram < 1 or self.num_perm < 2:
            problems.append(f"ngram must be >= 1 and num_perm >= 2, got {self.ngram} and {self.num_perm}")
        if (self.bands is None) != (self.rows is None):
            problems.append("give both bands and rows, or neither")
        elif self.bands is not None and self.rows is not None and self.bands * self.rows > self.num_perm:
            problems.append(f"bands * rows ({self.bands} * {self.rows}) must not exceed num_perm ({self.num_perm})")
        if self.normalisation not in SCHEMES:
            problems.append(f"normalisation must be one of {', '.join(SCHEMES)}, got {self.normalisation!r}")
        if self.verify not in ("exact", "minhash"):
            problems.append(f"verify must be 'exact' or 'minhash', got {self.verify!r}")
        if self.sample_size < 16:
            problems.append(f"sample_size must be >= 16, got {self.sample_size}")
        if problems:
            raise ConfigError("near-duplicate parameters: " + "; ".join(problems))

    @property
    def band_rows(self) -> tuple[int, int]:
        if self.bands is not None and self.rows is not None:
            return self.bands, self.rows
        return lsh_params(self.lsh_threshold if self.lsh_threshold is not None else self.threshold, self.num_perm)

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["bands"], d["rows"] = self.band_rows
        d["hash"] = "xxh32"
        d["scheme"] = "datasketch affine32"
        return d

    def index_key(self) -> dict[str, Any]:
        d = self.to_dict()
        return {k: d[k] for k in INDEX_FIELDS + ("hash", "scheme")}


@dataclass
class DedupResult:
    clusters: list[Cluster]
    canonicals: list[Canonical]
    stats: dict[str, Any] = field(default_factory=dict)
    rejected: list[Rejected] = field(default_factory=list)  # inputs this stage could not place


def singleton_record(doc: Document) -> Canonical:
    """The record of a document alone in its story (``--no-dedup``; the streaming run's too)."""
    return build_canonical([doc], [1.0], cross_copy=False)


def singletons(docs: Sequence[Document]) -> DedupResult:
    """One record per input (``--no-dedup``), in the same record shape."""
    canonicals = [singleton_record(d) for d in sorted(docs, key=lambda d: d.id)]
    canonicals.sort(key=lambda c: c.id)
    return DedupResult(
        clusters=sorted((c.cluster for c in canonicals), key=lambda c: c.id),
        canonicals=canonicals,
        stats={"documents": len(canonicals), "clusters": len(canonicals), "dedup": False},
    )


def _check_ids(docs: Sequence[Document]) -> None:
    seen: set[str] = set()
    for d in docs:
        if d.id in seen:
            raise InputError(d.id, "duplicate document id in the near-duplicate stage")
        seen.add(d.id)


class EdgeTest:
    """The one test a pair must pass to be near-duplicates - as a verified
    candidate edge and, in the chaining guard, between a member and its
    cluster's canonical copy.

    Different sites: Jaccard >= ``threshold``, or the smaller copy contained
    >= ``containment`` in the larger.  Short texts (fewer than
    ``min_shingles`` shingles): Jaccard >= ``short_threshold``.  Same site:
    Jaccard >= ``same_site_threshold``.  Empty texts never pass.  With
    ``sketches`` and ``verify="exact"`` the measures are the exact shingle-set
    ones (:func:`~cleaner.neardup.sign.pair_overlap`); otherwise the MinHash
    estimates.
    """

    def __init__(self, sigs: np.ndarray, sizes: np.ndarray, sites: np.ndarray, params: DedupParams,
                 sketches: Sketches | None = None) -> None:
        self.sigs, self.sizes, self.sites, self.params = sigs, sizes, sites, params
        self.sketches = sketches if params.verify == "exact" else None
        self.by_containment = 0

    def measures(self, a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """(Jaccard, containment, smaller set size, same site) of pairs."""
        if self.sketches is not None:
            jac, cont = pair_overlap(self.sketches, a, b)
            sa, sb = self.sketches.distinct[a].astype(float), self.sketches.distinct[b].astype(float)
        else:
            jac = pair_jaccard(self.sigs, a, b)
            sa, sb = self.sizes[a].astype(float), self.sizes[b].astype(float)
            cont = containment_from_jaccard(jac, sa, sb)
        same = (self.sites[a] == self.sites[b]) & (self.sites[a] >= 0)
        return jac, cont, np.minimum(sa, sb), same

    def __call__(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        return self.judge(a, b)[0]

    def judge(self, a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, ...]:
        """(passes, Jaccard, containment, smaller size, same site) of pairs."""
        p = self.params
        jac, cont, small, same = self.measures(a, b)
        ok = jac >= p.threshold
        big_enough = small >= p.min_shingles
        if p.containment is not None:
            extra = ~ok & big_enough & (cont >= p.containment)
            self.by_containment += int(np.count_nonzero(extra & ~(same & (p.same_site_threshold is not None))))
            ok |= extra
        ok = np.where(big_enough, ok, jac >= p.short_threshold)
        if p.same_site_threshold is not None:
            ok = np.where(same, jac >= p.same_site_threshold, ok)
        return ok & (self.sizes[a] > 0) & (self.sizes[b] > 0), jac, cont, small, same


class ChainGuard:
    """The chaining guard's test of a member against its cluster's canonical copy.

    A member stays when it passes the edge test with the canonical, or (other
    sites) when the smaller of the two shares at least ``guard_containment``
    of its article shingles with the other: a chain is split only where the
    canonical and a member have too little text in common to be one story.
    Remembers, for every member it failed, why (the manifest's reasons).
    """

    def __init__(self, test: EdgeTest, params: DedupParams) -> None:
        self.test, self.params = test, params
        self.failed: dict[int, str] = {}

    def __call__(self, canon: np.ndarray, members: np.ndarray) -> np.ndarray:
        p = self.params
        ok, _, cont, small, same = self.test.judge(canon, members)
        if ok.all():
            return ok
        rescue = ~same & (small >= p.min_shingles) & (cont >= p.guard_containment)
        ok = ok | rescue
        for k in np.flatnonzero(ok):
            self.failed.pop(int(members[k]), None)
        for k in np.flatnonzero(~ok):
            m = int(members[k])
            if m == int(canon[k]) or m in self.failed:
                continue
            if same[k]:
                why = "same site as the canonical and Jaccard below the same-site threshold"
            elif small[k] < p.min_shingles:
                why = "short text and Jaccard below the short-text threshold"
            else:
                why = "little article text in common with the canonical"
            self.failed[m] = why
        return ok

    def bridge(self, stay: np.ndarray, members: np.ndarray) -> np.ndarray:
        """Whether a staying member holds each member in the cluster: the smaller of the two is
        at least ``bridge_containment`` inside the other (a preview or truncated copy and a
        fuller copy), so the pair is one story whatever the canonical lacks."""
        p = self.params
        ok, _, cont, small, same = self.test.judge(stay, members)
        held = ok & ~same & (small >= p.min_shingles) & (cont >= p.bridge_containment)
        for m in members[held]:
            self.failed.pop(int(m), None)
        return held


def site_codes(docs: Sequence[Document]) -> np.ndarray:
    """An integer per site name (:func:`site_key`); -1 when unknown."""
    codes: dict[str, int] = {}
    out = np.full(len(docs), -1, dtype=np.int64)
    for k, d in enumerate(docs):
        key = site_key(d)
        if key is not None:
            out[k] = codes.setdefault(key, len(codes))
    return out


def candidate_signatures(params: DedupParams) -> list[tuple[str, int, int]]:
    """The signatures whose LSH bands make candidates: (the :class:`~cleaner.neardup.sign.Sketches`
    field, bands, rows) - the signature, and with ``lead_candidates`` the lead signature."""
    bands, rows = params.band_rows
    return [("sigs", bands, rows)] + ([("lead", LEAD_BANDS, LEAD_ROWS)] if params.lead_candidates else [])


def candidates(sketches: Sketches, params: DedupParams, new_from: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Candidate pairs ``(i, j)``, ``i < j``: a band of the signature in common, or (with
    ``lead_candidates``) a band of the lead signature, or (with ``anchor_candidates``) enough
    anchors (:func:`~cleaner.neardup.sign.anchor_pairs`). ``new_from``: only pairs with a
    document from that row on. (A streaming run finds the band pairs part by part:
    :func:`cleaner.neardup.lsh.bucket_parts`, :func:`~cleaner.neardup.lsh.part_pairs`.)"""
    bands, rows = params.band_rows
    ci, cj = candidate_pairs(band_keys(sketches.sigs, bands, rows), params.bucket_window, new_from=new_from)
    return containment_candidates(sketches, params, ci, cj, new_from)


def containment_candidates(sketches: Sketches, params: DedupParams, ci: np.ndarray, cj: np.ndarray,
                           new_from: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """``(ci, cj)`` with the candidates for containment added: the lead's and the anchors' pairs."""
    if params.lead_candidates and len(sketches):
        li, lj = candidate_pairs(band_keys(sketches.lead, LEAD_BANDS, LEAD_ROWS), params.bucket_window, new_from=new_from)
        ci, cj = merge_pairs(ci, cj, li, lj, len(sketches))
    if params.anchor_candidates and len(sketches):
        ai, aj = anchor_pairs(sketches, params.bucket_window, new_from=new_from)
        ci, cj = merge_pairs(ci, cj, ai, aj, len(sketches))
    return ci, cj


def merge_pairs(ai: np.ndarray, aj: np.ndarray, bi: np.ndarray, bj: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """The union of two pair lists (``i < j``), sorted."""
    codes = sorted_unique(np.concatenate([ai * n + aj, bi * n + bj]))
    return codes // n, codes % n


def judge_pairs(test: EdgeTest, ci: np.ndarray, cj: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(passes, Jaccard) of candidate pairs: one piece of the verification, in any chunks
    (``test.by_containment`` counts the pieces' containment edges)."""
    ok, jac, _, _, _ = test.judge(ci, cj)
    return ok, jac


def verification_counts(ok: np.ndarray, jac: np.ndarray, by_containment: int) -> dict[str, Any]:
    """What :func:`record_verification` needs of one piece of the verification (``ok``, ``jac``: its
    candidates'), summable over pieces."""
    return {"candidates": int(ok.size), "passed": int(np.count_nonzero(ok)), "by_containment": int(by_containment),
            "verified": histogram(jac[ok]), "rejected": histogram(jac[~ok])}


def record_verification(stats: dict[str, Any], pieces: Sequence[dict[str, Any]], exact: bool) -> None:
    """The verification's counts and similarity histogram in ``stats``, from the
    :func:`verification_counts` of all its pieces."""
    bins = len(HISTOGRAM_BINS) - 1
    candidates_, passed = sum(p["candidates"] for p in pieces), sum(p["passed"] for p in pieces)
    stats["candidate_pairs"] = candidates_
    stats["verified_edges"] = passed
    stats["rejected_at_verification"] = candidates_ - passed
    stats["containment_edges"] = sum(p["by_containment"] for p in pieces)
    stats["similarity_histogram"] = {
        "measure": "exact shingle Jaccard" if exact else "estimated Jaccard (MinHash)",
        "bins": [round(b, 1) for b in HISTOGRAM_BINS[:-1]],
        "verified_edges": [sum(p["verified"][k] for p in pieces) for k in range(bins)],
        "rejected_candidates": [sum(p["rejected"][k] for p in pieces) for k in range(bins)],
    }


def verify_pairs(test: EdgeTest, ci: np.ndarray, cj: np.ndarray, stats: dict[str, Any]) -> tuple[np.ndarray, np.ndarray]:
    """The verified edges among candidate pairs; counts and the similarity histogram go to ``stats``."""
    ok, jac = judge_pairs(test, ci, cj)
    record_verification(stats, [verification_counts(ok, jac, test.by_containment)], test.sketches is not None)
    return ci[ok], cj[ok]


HISTOGRAM_BINS = np.linspace(0.0, 1.0, 11)


def histogram(values: np.ndarray) -> list[int]:
    """Counts per tenth of [0, 1] (the last bin holds 1.0)."""
    return np.histogram(np.clip(values, 0.0, 1.0), bins=HISTOGRAM_BINS)[0].astype(int).tolist()


def founding_key(doc: Document) -> tuple:
    """The order documents enter the stage (and an index): earliest date first (undated
    last), then smallest id. A cluster's founding member, whose id its id derives from, is
    the member that entered first - with an index, in the earliest run."""
    return (doc.date is None, doc.date or "", doc.id)


def sign_batch(docs: Sequence[Document], params: DedupParams, evidence: Any = None,
               evidence_sites: Callable[[Document], str | None] | None = None,
               signer: Callable[[list[str], DedupParams], Sketches] | None = None) -> tuple[Sketches, list[str]]:
    """The sign step of a batch: (:class:`Sketches`, the texts signed, :func:`article_texts`)."""
    texts, left = article_texts(docs, params, evidence, evidence_sites)
    out = (signer or sketch_with)(texts, params)
    out.left_out_lines = left
    return out, texts


def article_texts(docs: Sequence[Document], params: DedupParams, evidence: Any = None,
                  evidence_sites: Callable[[Document], str | None] | None = None) -> tuple[list[str], int]:
    """The texts signed (:func:`~cleaner.neardup.sign.signing_texts`: the articles) and the lines
    left out; ``evidence_sites(doc)`` is the site a document's lines were counted under in
    ``evidence`` (default its ``site``). A pure function of each document and the evidence."""
    sites = [evidence_sites(d) for d in docs] if evidence_sites is not None else None
    return signing_texts(docs, params, evidence, sites)


def copy_texts(docs: Sequence[Document], signed: Sequence[str], params: DedupParams) -> CopyTexts:
    """The copies' texts for the canonical choice and record: each judged against what was signed
    (the article, where it differs from the cleaned text); ``signed[k]`` is ``docs[k]``'s. With
    ``params.restore_sites`` (and ``cross_copy``), cross-site restoration of the lines the strip
    stage cut."""
    signed_as = {d.id: t for d, t in zip(docs, signed) if t is not (d.text or "")}
    restore = params.restore_sites if params.cross_copy else None
    return CopyTexts((lambda d: signed_as.get(d.id, d.text or "")) if signed_as else None, restore)


def choose_member(group: Sequence[Document], ranks: Sequence[int], texts: CopyTexts,
                  memo: MutableMapping[str, str] | None = None) -> int:
    """Index (into ``group``) of a group's canonical copy: :func:`~cleaner.neardup.canonical.choose_canonical`,
    remembered in ``memo`` (group key -> chosen id) when given."""
    key = f"{group_key(group)}:{texts.restore_sites}" if memo is not None else None
    if key is not None:
        chosen = memo.get(key)
        for k, d in enumerate(group):
            if d.id == chosen:
                return k
    k = choose_canonical(group, list(ranks), texts)
    if key is not None:
        memo[key] = group[k].id
    return k


def chain_guard(test: EdgeTest, sk: Sketches, sites: np.ndarray, params: DedupParams) -> ChainGuard:
    """The chaining guard of a run (its own Jaccard threshold when ``params.guard`` is set)."""
    guard_test = test if params.guard is None else EdgeTest(sk.sigs, sk.sizes, sites, replace(params, threshold=params.guard), sk)
    return ChainGuard(guard_test, params)


def linked_rows(n: int, ei: np.ndarray, ej: np.ndarray) -> np.ndarray:
    """Which rows have an edge: only they can share a cluster, so only their completeness is
    computed (ranking the others by it decides nothing, and it is the costly part of ranking)."""
    linked = np.zeros(n, dtype=bool)
    linked[ei] = linked[ej] = True
    return linked


def member_similarities(test: EdgeTest, members: np.ndarray) -> np.ndarray:
    """Member.similarity: each member's Jaccard to the canonical (``members[0]``; exact where
    cheap, see :class:`EdgeTest`)."""
    if members.size > 1:
        sims = test.measures(np.full(members.size, members[0]), members)[0]
        sims[0] = 1.0
        return sims
    return np.ones(1)


def story_record(members: Sequence[Document], sims: np.ndarray, params: DedupParams, texts: CopyTexts,
                 founder: str, memo: MutableMapping[str, str] | None = None) -> Canonical:
    """One cluster's record (:func:`~cleaner.neardup.canonical.build_canonical`), ``members[0]`` canonical."""
    return build_canonical(members, sims.tolist(), min_copies=params.cross_copy_min_copies, cross_copy=params.cross_copy,
                           texts=texts, memo=memo, founder=founder)


def record_counts(canonical: Canonical) -> Counter:
    """What one written record adds to the stage's counts (summed over records, in any parts)."""
    size = canonical.cluster.size
    return Counter(clusters=1, clusters_with_copies=int(size > 1), copies_found=size - 1,
                   cross_copy_lines_removed=sum(1 for s in canonical.removed if s.kind == "cross_copy"),
                   cross_copy_lines_restored=len(canonical.restored))


def finish_stats(stats: dict[str, Any], params: DedupParams, sizes: np.ndarray, clusters: ClusterSet, guard: ChainGuard,
                 written: Counter, members_to_canonical: list[int]) -> None:
    """The stage's statistics after the records are written: ``sizes`` are this run's
    documents' shingle counts, ``written`` the sum of :func:`record_counts`,
    ``members_to_canonical`` the histogram of the members' similarities."""
    bands, rows = params.band_rows
    sizes_out = clusters.sizes()
    reasons: dict[str, int] = {}
    for m in clusters.moved:
        why = guard.failed.get(int(m), "split off with a detached part")
        reasons[why] = reasons.get(why, 0) + 1
    stats["similarity_histogram"]["members_to_canonical"] = members_to_canonical
    stats.update({
        "documents": int(sizes.size),
        "empty_documents": int(np.count_nonzero(sizes == 0)),
        "bands": bands,
        "rows": rows,
        "clusters": int(written["clusters"]),
        "clusters_with_copies": int(written["clusters_with_copies"]),
        "copies_found": int(written["copies_found"]),
        "largest_cluster": int(sizes_out.max()) if sizes_out.size else 0,
        "split_by_chaining_guard": clusters.split_by_guard,
        "detached_by_chaining_guard": clusters.detached,
        "chaining_guard": {"components_split": clusters.split_by_guard, "documents_moved": int(clusters.moved.size),
                           "reasons": dict(sorted(reasons.items()))},
        "cross_copy_lines_removed": int(written["cross_copy_lines_removed"]),
        "cross_copy_lines_restored": int(written["cross_copy_lines_restored"]),
    })


def dedup_documents(
    docs: Sequence[Document],
    params: DedupParams = DedupParams(),
    *,
    index: NearDupIndex | None = None,
    memo: MutableMapping[str, str] | None = None,
    signer: Callable[[list[str], DedupParams], Sketches] | None = None,
    evidence: Any = None,
    evidence_sites: Callable[[Document], str | None] | None = None,
) -> DedupResult:
    """Cluster cleaned documents into stories; one canonical record per cluster.

    The in-memory driver of the stage's steps: :func:`~cleaner.neardup.sign.sign_documents`
    (here as its two halves, to keep the signed texts for the canonical choice)
    (per document), :func:`candidates`, :func:`verify_pairs` (per pair),
    :func:`~cleaner.neardup.clusters.guarded_clusters` (integer ids and edge
    arrays) and :func:`~cleaner.neardup.canonical.build_canonical` (per cluster).

    Order-independent: documents are processed sorted by :func:`founding_key`.  With an
    ``index``, documents already in it are skipped (``already_indexed``),
    the new ones are clustered together with everything indexed before, and
    the result holds the clusters that contain at least one new document;
    the index is updated in memory (the caller persists it with ``save()``).
    ``memo`` (group key -> chosen id, e.g. a persistent cache) remembers the
    canonical choice of a group of copies, the costly part of a warm re-run.
    ``signer(texts, params)`` replaces :func:`~cleaner.neardup.sign.sketch_with`
    (same result), e.g. to reuse sketches cached by text. ``evidence`` (a
    :class:`cleaner.strip.corpus.CorpusEvidence`) lets signing leave a site's
    repeated lines out; ``evidence_sites`` gives the site a document's lines
    were counted under (default its ``site``).
    """
    new_docs = sorted(docs, key=founding_key)
    _check_ids(new_docs)
    stats: dict[str, Any] = {}
    rejected: list[Rejected] = []
    bands, rows = params.band_rows
    if index is not None:
        index.check_params(params)
        old_docs, old_sigs, _old_sizes, old_edges = index.state()
        known = {d.id: d for d in old_docs}
        # A document the index already holds is not added again, but it is part of this run's
        # input, so its cluster is written; one whose text changed since cannot replace the
        # indexed version (edges to it are already made) and is rejected with the reason.
        for d in new_docs:
            old = known.get(d.id)
            if old is not None and (old.text or "") != (d.text or ""):
                rejected.append(Rejected(
                    id=d.id, stage="dedup", path=d.origin.path, line=d.origin.line,
                    reason="already in the near-duplicate index with other text; the index keeps the first "
                           "version (start a new index to replace documents)",
                ))
        stats["already_indexed"] = sum(1 for d in new_docs if d.id in known)
        wanted_old = {d.id for d in new_docs if d.id in known and (known[d.id].text or "") == (d.text or "")}
        new_docs = [d for d in new_docs if d.id not in known]
        stats["indexed_before"] = len(old_docs)
    else:
        old_docs, old_sigs = [], np.empty((0, params.num_perm), np.uint32)
        old_edges = np.empty((0, 2), np.int64)
        wanted_old = set()
    n_old = len(old_docs)

    new_sk, new_texts = sign_batch(new_docs, params, evidence, evidence_sites, signer)
    all_docs = list(old_docs) + new_docs
    if n_old:
        # the index keeps signatures, not the samples of exact verification: old documents are
        # signed again (a pure function of their text); their stored signatures give the candidates
        old_sk, old_texts = sign_batch(list(old_docs), params, evidence, evidence_sites, signer)
        old_sk.sigs = np.asarray(old_sigs, dtype=np.uint32)
        sk = Sketches.concatenate([old_sk, new_sk])
    else:
        sk, old_texts = new_sk, []
    stats["lines_left_out_of_shingles"] = new_sk.left_out_lines

    pairs = index.candidates(new_sk.sigs, n_old, bands, rows) if index is not None else None
    if pairs is None:
        pairs = candidates(sk, params, new_from=n_old if n_old else None)
    else:
        pairs = containment_candidates(sk, params, pairs[0], pairs[1], new_from=n_old if n_old else None)
    sites = site_codes(all_docs)
    test = EdgeTest(sk.sigs, sk.sizes, sites, params, sk)
    ei, ej = verify_pairs(test, pairs[0], pairs[1], stats)
    if index is not None:
        index.add(new_docs, new_sk.sigs, new_sk.sizes, np.stack([ei, ej], axis=1))
    if old_edges.size:
        ei = np.concatenate([old_edges[:, 0], ei])
        ej = np.concatenate([old_edges[:, 1], ej])

    rank = np.asarray(rank_documents(all_docs, linked_rows(len(all_docs), ei, ej)), dtype=np.int64)
    texts = copy_texts(all_docs, list(old_texts) + new_texts, params)

    def choose(members: np.ndarray) -> int:
        return int(members[choose_member([all_docs[i] for i in members], [int(rank[i]) for i in members], texts, memo)])

    guard = chain_guard(test, sk, sites, params)
    clusters = guarded_clusters(len(all_docs), ei, ej, rank, guard, choose, guard.bridge)

    canonicals: list[Canonical] = []
    written: Counter = Counter()
    member_sims: list[float] = []
    for c in range(len(clusters)):
        members = clusters.members(c)
        if n_old and members.max() < n_old and not any(all_docs[i].id in wanted_old for i in members):
            continue  # none of this run's inputs in this cluster: written by an earlier run
        sims = member_similarities(test, members)
        member_sims.extend(sims[1:].tolist())
        first = all_docs[int(members.min())].id  # rows are in founding order (old rows first)
        canonical = story_record([all_docs[i] for i in members], sims, params, texts, first, memo)
        written.update(record_counts(canonical))
        canonicals.append(canonical)
    canonicals.sort(key=lambda c: c.id)
    finish_stats(stats, params, new_sk.sizes, clusters, guard, written, histogram(np.asarray(member_sims)))
    clusters_out = sorted((c.cluster for c in canonicals), key=lambda c: c.id)
    return DedupResult(clusters=clusters_out, canonicals=canonicals, stats=stats, rejected=rejected)
