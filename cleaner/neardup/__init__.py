"""Near-duplicate stage: sign -> candidates -> verified edges -> clusters -> canonical records.

Pure core: :func:`dedup_documents` takes cleaned :class:`~cleaner.records.Document` s
and returns clusters and one :class:`~cleaner.records.Canonical` per cluster.
The optional ``index`` (:mod:`cleaner.neardup.index`) carries earlier runs'
documents, signatures and edges, so a run deduplicates new documents against
everything seen before without reading old inputs again.

Defaults were chosen by measurement on the syndication dev set and the
estimation benchmark (``benchmarks/results/neardup.md``).
"""
from __future__ import annotations

from collections.abc import Callable, MutableMapping, Sequence
from dataclasses import asdict, dataclass, field, replace
from typing import TYPE_CHECKING, Any

import numpy as np

from ..errors import ConfigError, InputError
from ..records import Canonical, Cluster, Document, Rejected
from .canonical import CopyTexts, build_canonical, choose_canonical, group_key, rank_documents
from .clusters import guarded_clusters
from .lsh import band_keys, candidate_pairs, containment_from_jaccard, lsh_params, pair_jaccard
from .minhash import sign_texts

if TYPE_CHECKING:
    from .index import NearDupIndex

__all__ = ["DedupParams", "DedupResult", "dedup_documents", "singletons"]

# fields that shape signatures and edges: an index built with other values
# cannot be extended (cross-copy knobs only affect the written records)
INDEX_FIELDS = (
    "threshold", "num_perm", "ngram", "seed", "bands", "rows", "lsh_threshold",
    "containment", "min_shingles", "short_threshold", "same_site_threshold", "bucket_window",
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
    bucket_window: int = 64  # pair each bucket member with this many sorted neighbours
    cross_copy: bool = True
    cross_copy_min_copies: int = 3

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


def singletons(docs: Sequence[Document]) -> DedupResult:
    """One record per input (``--no-dedup``), in the same record shape."""
    canonicals = [build_canonical([d], [1.0], cross_copy=False) for d in sorted(docs, key=lambda d: d.id)]
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

    Different sites: estimated Jaccard >= ``threshold``, or the smaller copy
    contained >= ``containment`` in the larger.  Short texts (fewer than
    ``min_shingles`` shingles): Jaccard >= ``short_threshold``.  Same site:
    Jaccard >= ``same_site_threshold``.  Empty texts never pass.
    """

    def __init__(self, sigs: np.ndarray, sizes: np.ndarray, sites: np.ndarray, params: DedupParams) -> None:
        self.sigs, self.sizes, self.sites, self.params = sigs, sizes, sites, params
        self.by_containment = 0

    def __call__(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        p = self.params
        jac = pair_jaccard(self.sigs, a, b)
        ok = jac >= p.threshold
        sa, sb = self.sizes[a].astype(float), self.sizes[b].astype(float)
        big_enough = np.minimum(sa, sb) >= p.min_shingles
        if p.containment is not None:
            cont = containment_from_jaccard(jac, sa, sb)
            extra = ~ok & big_enough & (cont >= p.containment)
            self.by_containment += int(np.count_nonzero(extra))
            ok |= extra
        ok = np.where(big_enough, ok, jac >= p.short_threshold)
        if p.same_site_threshold is not None:
            same = (self.sites[a] == self.sites[b]) & (self.sites[a] >= 0)
            ok = np.where(same, jac >= p.same_site_threshold, ok)
        return ok & (self.sizes[a] > 0) & (self.sizes[b] > 0)


def site_codes(docs: Sequence[Document]) -> np.ndarray:
    """An integer per site name (case-folded); -1 when unknown."""
    codes: dict[str, int] = {}
    out = np.full(len(docs), -1, dtype=np.int64)
    for k, d in enumerate(docs):
        if d.site and d.site.strip():
            out[k] = codes.setdefault(d.site.strip().casefold(), len(codes))
    return out


def dedup_documents(
    docs: Sequence[Document],
    params: DedupParams = DedupParams(),
    *,
    index: "NearDupIndex | None" = None,
    memo: "MutableMapping[str, str] | None" = None,
    signer: "Callable[[list[str], int, int, int], tuple[np.ndarray, np.ndarray]] | None" = None,
) -> DedupResult:
    """Cluster cleaned documents into stories; one canonical record per cluster.

    Order-independent: documents are processed sorted by id.  With an
    ``index``, documents already in it are skipped (``already_indexed``),
    the new ones are clustered together with everything indexed before, and
    the result holds the clusters that contain at least one new document;
    the index is updated in memory (the caller persists it with ``save()``).
    ``memo`` (group key -> chosen id, e.g. a persistent cache) remembers the
    canonical choice of a group of copies, the costly part of a warm re-run.
    ``signer`` replaces :func:`~cleaner.neardup.minhash.sign_texts` (same
    arguments and result), e.g. to reuse signatures cached by text.
    """
    new_docs = sorted(docs, key=lambda d: d.id)
    _check_ids(new_docs)
    stats: dict[str, Any] = {}
    rejected: list[Rejected] = []
    bands, rows = params.band_rows
    if index is not None:
        index.check_params(params)
        old_docs, old_sigs, old_sizes, old_edges = index.state()
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
        old_docs, old_sigs, old_sizes = [], np.empty((0, params.num_perm), np.uint32), np.empty(0, np.int64)
        old_edges = np.empty((0, 2), np.int64)
        wanted_old = set()
    n_old = len(old_docs)
    texts = [d.text or "" for d in new_docs]
    if signer is None:
        new_sigs, new_sizes = sign_texts(texts, params.num_perm, params.seed, params.ngram)
    else:
        new_sigs, new_sizes = signer(texts, params.num_perm, params.seed, params.ngram)
    all_docs = list(old_docs) + new_docs
    sigs = np.concatenate([old_sigs, new_sigs]) if n_old else new_sigs
    sizes = np.concatenate([old_sizes, new_sizes]) if n_old else new_sizes

    pairs = index.candidates(new_sigs, n_old, bands, rows) if index is not None else None
    if pairs is None:
        keys = band_keys(sigs, bands, rows)
        pairs = candidate_pairs(keys, params.bucket_window, new_from=n_old if n_old else None)
    sites = site_codes(all_docs)
    test = EdgeTest(sigs, sizes, sites, params)
    ci, cj = pairs
    keep = test(ci, cj)
    ei, ej = ci[keep], cj[keep]
    stats.update({"candidate_pairs": int(ci.size), "verified_edges": int(ei.size),
                  "containment_edges": test.by_containment})
    if index is not None:
        index.add(new_docs, new_sigs, new_sizes, np.stack([ei, ej], axis=1))
    if old_edges.size:
        ei = np.concatenate([old_edges[:, 0], ei])
        ej = np.concatenate([old_edges[:, 1], ej])

    # Only a document with an edge can share a cluster; for the others (singletons) completeness
    # decides nothing, so it is not computed (it is the costly part of ranking).
    linked = np.zeros(len(all_docs), dtype=bool)
    linked[ei] = linked[ej] = True
    rank = np.asarray(rank_documents(all_docs, linked), dtype=np.int64)
    texts = CopyTexts()

    def choose(members: np.ndarray) -> int:
        group = [all_docs[i] for i in members]
        key = group_key(group) if memo is not None else None
        if key is not None:
            chosen = memo.get(key)
            for k, d in enumerate(group):
                if d.id == chosen:
                    return int(members[k])
        k = choose_canonical(group, [int(rank[i]) for i in members], texts)
        if key is not None:
            memo[key] = group[k].id
        return int(members[k])

    guard = test if params.guard is None else EdgeTest(sigs, sizes, sites, replace(params, threshold=params.guard))
    clusters = guarded_clusters(len(all_docs), ei, ej, rank, guard, choose)

    canonicals: list[Canonical] = []
    for c in range(len(clusters)):
        members = clusters.members(c)
        if n_old and members.max() < n_old and not any(all_docs[i].id in wanted_old for i in members):
            continue  # none of this run's inputs in this cluster: written by an earlier run
        # Member.similarity is the estimated Jaccard to the canonical
        sims = pair_jaccard(sigs, np.full(members.size, members[0]), members) if members.size > 1 else np.ones(1)
        sims[0] = 1.0
        canonicals.append(build_canonical(
            [all_docs[i] for i in members], sims.tolist(),
            min_copies=params.cross_copy_min_copies, cross_copy=params.cross_copy, texts=texts, memo=memo,
        ))
    canonicals.sort(key=lambda c: c.id)
    sizes_out = clusters.sizes()
    stats.update({
        "documents": len(new_docs),
        "empty_documents": int(np.count_nonzero(new_sizes == 0)),
        "bands": bands,
        "rows": rows,
        "clusters": len(canonicals),
        "clusters_with_copies": sum(1 for c in canonicals if c.cluster.size > 1),
        "largest_cluster": int(sizes_out.max()) if sizes_out.size else 0,
        "split_by_chaining_guard": clusters.split_by_guard,
        "detached_by_chaining_guard": clusters.detached,
        "cross_copy_lines_removed": sum(1 for c in canonicals for s in c.removed if s.kind == "cross_copy"),
    })
    clusters_out = sorted((c.cluster for c in canonicals), key=lambda c: c.id)
    return DedupResult(clusters=clusters_out, canonicals=canonicals, stats=stats, rejected=rejected)
