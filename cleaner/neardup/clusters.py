"""Clusters from verified edges: connected components with a chaining guard.

Connected components alone chain: A~B and B~C put A and C together even
when they share little (a story, its follow-up, and the follow-up's
follow-up).  The guard keeps a component only when every member is similar
enough to the component's canonical copy; members that are not are detached
and clustered again among themselves, using only the edges between them, and
so on until every cluster passes.  Canonical = the member with the smallest
``rank`` (the caller's order: most complete copy, earliest date, smallest id).
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

# close(canonical_indices, member_indices) -> whether each member is close
# enough to its canonical to stay (the caller's edge test)
CloseFn = Callable[[np.ndarray, np.ndarray], np.ndarray]
# choose(member_indices) -> the canonical's document index (None: smallest rank)
ChooseFn = Callable[[np.ndarray], int]


@dataclass
class ClusterSet:
    """Clusters as flat arrays (a million singletons must not become a million objects).

    Cluster ``c`` holds documents ``order[starts[c]:starts[c + 1]]``: its
    canonical first, then the others by rank.
    """

    canonical: np.ndarray  # (clusters,) document index of each cluster's canonical
    order: np.ndarray  # (documents,) document indices grouped by cluster
    starts: np.ndarray  # (clusters + 1,) offsets into order
    split_by_guard: int  # components the guard had to split
    detached: int  # documents moved away from their component's canonical
    moved: np.ndarray  # (detached,) those documents' indices

    def __len__(self) -> int:
        return int(self.canonical.size)

    def members(self, c: int) -> np.ndarray:
        return self.order[self.starts[c] : self.starts[c + 1]]

    def sizes(self) -> np.ndarray:
        return np.diff(self.starts)


def components(n: int, i: np.ndarray, j: np.ndarray) -> np.ndarray:
    """Component label of every document (0..k-1) for undirected edges i-j.

    Union-find in numpy: every edge hooks the larger of its two roots under
    the smaller, then pointer jumping flattens the trees; repeated until no
    edge joins two roots. Roots are component minima, so labels number the
    components by their smallest member, as scipy's connected_components
    does (a test checks they agree); this avoids importing scipy.sparse,
    which costs a warm pre-commit run 0.2 s.
    """
    if i.size == 0:
        return np.arange(n)
    parent = np.arange(n)
    while True:
        pi, pj = parent[i], parent[j]
        join = pi != pj
        if not join.any():
            break
        np.minimum.at(parent, np.maximum(pi, pj)[join], np.minimum(pi, pj)[join])
        while True:
            grand = parent[parent]
            if np.array_equal(grand, parent):
                break
            parent = grand
    _, labels = np.unique(parent, return_inverse=True)
    return labels


def _bridged(group: np.ndarray, ok: np.ndarray, gi: np.ndarray, gj: np.ndarray, bridge: CloseFn) -> np.ndarray:
    """``ok`` grown by the members that ``bridge`` ties, along an edge, to a member that stays
    (repeated until nothing changes): a copy far from the canonical but held by a fuller copy."""
    ok = ok.copy()
    pos = {int(d): k for k, d in enumerate(group)}
    a = np.array([pos[int(d)] for d in gi], dtype=np.int64)
    b = np.array([pos[int(d)] for d in gj], dtype=np.int64)
    tried: set[tuple[int, int]] = set()
    while True:
        # edges from a staying member to one that would leave, not tried yet
        stay, leave = np.concatenate([a[ok[a] & ~ok[b]], b[ok[b] & ~ok[a]]]), np.concatenate([b[ok[a] & ~ok[b]], a[ok[b] & ~ok[a]]])
        fresh = [(int(x), int(y)) for x, y in zip(stay, leave) if (int(x), int(y)) not in tried]
        if not fresh:
            return ok
        tried.update(fresh)
        xs = np.array([x for x, _ in fresh], dtype=np.int64)
        ys = np.array([y for _, y in fresh], dtype=np.int64)
        held = bridge(group[xs], group[ys])
        if not held.any():
            return ok
        ok[ys[held]] = True


def _settle(members: np.ndarray, ei: np.ndarray, ej: np.ndarray, rank: np.ndarray, close: CloseFn, choose: ChooseFn | None,
            out: list, bridge: CloseFn | None = None) -> tuple[int, np.ndarray]:
    """Split one component until every part passes the guard.

    Returns (splits, documents detached from the component's canonical).
    """
    pending = [(members, ei, ej)]
    splits = 0
    detached = np.empty(0, dtype=np.int64)
    while pending:
        group, gi, gj = pending.pop()
        canon = choose(group) if choose is not None and group.size > 1 else group[np.argmin(rank[group])]
        ok = close(np.full(group.size, canon), group) | (group == canon)
        if bridge is not None and not ok.all():
            ok = _bridged(group, ok, gi, gj, bridge)
        if ok.all():
            out.append((canon, group))
            continue
        splits += 1
        out.append((canon, group[ok]))
        rest = group[~ok]
        if group is members:
            detached = rest
        inside = np.isin(gi, rest) & np.isin(gj, rest)
        ri, rj = gi[inside], gj[inside]
        local = {int(d): k for k, d in enumerate(rest)}
        li = np.array([local[int(d)] for d in ri], dtype=np.int64)
        lj = np.array([local[int(d)] for d in rj], dtype=np.int64)
        labels = components(rest.size, li, lj)
        for lab in np.unique(labels):
            part = rest[labels == lab]
            keep = np.isin(ri, part)
            pending.append((part, ri[keep], rj[keep]))
    return splits, detached


def guarded_clusters(n: int, ei: np.ndarray, ej: np.ndarray, rank: np.ndarray, close: CloseFn, choose: ChooseFn | None = None,
                     bridge: CloseFn | None = None) -> ClusterSet:
    """Components of the edge graph, split where the chaining guard requires.

    ``bridge(a, b)``: whether member ``b``, which fails the guard, is held in its
    cluster by member ``a``, which stays, along an edge (e.g. a preview of the full copy
    when the canonical lacks the first paragraphs); None: no member is held so.

    ``rank`` orders members within a cluster (and picks the canonical when no
    ``choose`` is given); ``choose`` picks the canonical of a multi-member
    group from evidence among its members.
    """
    labels = components(n, ei, ej)
    n_groups = int(labels.max()) + 1 if n else 0
    sizes = np.bincount(labels, minlength=n_groups)
    # canonical of each component: its member with the smallest rank
    best = np.full(n_groups, np.iinfo(np.int64).max, dtype=np.int64)
    np.minimum.at(best, labels, rank)
    canon_of = np.empty(n_groups, dtype=np.int64)
    is_best = rank == best[labels]
    canon_of[labels[is_best]] = np.flatnonzero(is_best)
    by_label = np.argsort(labels, kind="stable")  # each component's members, in document order
    bounds = np.concatenate(([0], np.cumsum(sizes)))
    if choose is not None:
        for g in np.flatnonzero(sizes > 1):
            canon_of[g] = choose(by_label[bounds[g] : bounds[g + 1]])
    passes = np.ones(n, dtype=bool)
    multi = np.flatnonzero(sizes[labels] > 1)
    if multi.size:
        passes[multi] = close(canon_of[labels[multi]], multi)
    passes[canon_of] = True
    failing = np.unique(labels[~passes])

    cluster_of = labels.astype(np.int64)
    canonical = list(canon_of)
    splits = 0
    moved: list[np.ndarray] = []
    if failing.size:
        edge_label = labels[ei]
        edge_order = np.argsort(edge_label, kind="stable")
        edge_sorted = edge_label[edge_order]
        for lab in failing:
            members = by_label[bounds[lab] : bounds[lab + 1]]  # (not labels == lab: n per failing component)
            lo, hi = np.searchsorted(edge_sorted, [lab, lab + 1])
            idx = edge_order[lo:hi]
            parts: list = []
            s, d = _settle(members, ei[idx], ej[idx], rank, close, choose, parts, bridge)
            splits += s
            moved.append(d)
            for k, (canon, part) in enumerate(parts):
                if k == 0:
                    canonical[lab] = canon
                    cluster = lab
                else:
                    cluster = len(canonical)
                    canonical.append(canon)
                cluster_of[part] = cluster
    canonical_arr = np.asarray(canonical, dtype=np.int64)
    # group by cluster; canonical first, then by rank
    not_canon = np.arange(n) != canonical_arr[cluster_of]
    order = np.lexsort((rank, not_canon, cluster_of))
    starts = np.searchsorted(cluster_of[order], np.arange(canonical_arr.size + 1))
    moved_arr = np.concatenate(moved) if moved else np.empty(0, dtype=np.int64)
    return ClusterSet(canonical_arr, order, starts, splits, int(moved_arr.size), moved_arr)
