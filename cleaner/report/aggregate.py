"""What the report shows, computed in one streaming pass over an output folder.

Every figure is a counter, a fixed-bin histogram or a bounded heap, so memory
does not grow with the number of records (per-site counters grow with the
number of sites, capped at :data:`MAX_SITES`). Records are read one line at a
time from ``documents.jsonl`` / ``clusters.jsonl`` / ``rejected.jsonl`` (or
their Parquet twins, in batches) and dropped after they are counted. Ties are
broken by id, so the same folder always gives the same aggregate.
"""
from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..io.writers import CLUSTERS, DOCUMENTS, MANIFEST, REJECTED

NO_SITE = "(no site)"
OTHER_SITES = "(other sites)"
OTHER_REASONS = "(other reasons)"
MAX_SITES = 100_000  # distinct sites counted one by one; later ones go to OTHER_SITES
MAX_REASONS = 1_000  # distinct rejection reasons counted one by one
SIMILARITY_BINS = 50  # of width 0.02 over [0, 1]
TOP_MERGES = 8  # largest merges and merges closest to the threshold, each
TOP_SITES = 20  # sites with the largest share of their text removed
MIN_SITE_DOCUMENTS = 3  # a share from fewer documents is noise: such sites rank after the others
MERGE_MEMBERS_SHOWN = 40  # members listed per merge (the rest are counted)
REJECTED_ROWS = 200  # rejected inputs listed one by one (the rest are counted by reason)

def iter_records(out_dir: Path, name: str) -> Iterator[dict[str, Any]]:
    """The records of ``<name>.jsonl`` (or ``<name>.parquet``), one at a time; nothing when neither exists."""
    jsonl, parquet = out_dir / f"{name}.jsonl", out_dir / f"{name}.parquet"
    if jsonl.is_file():
        with jsonl.open(encoding="utf-8") as handle:
            for line in handle:
                if line.strip():
                    yield json.loads(line)
    elif parquet.is_file():
        import pyarrow as pa
        import pyarrow.parquet as pq

        from ..io.formats import rows_from_parquet  # the schema's nested lists back to the JSONL form

        for batch in pq.ParquetFile(parquet).iter_batches(batch_size=1024):
            yield from rows_from_parquet(name, pa.Table.from_batches([batch]))


@dataclass
class SiteTotals:
    documents: int = 0
    chars: int = 0  # input text the strip stage saw
    removed_chars: int = 0
    removed_spans: int = 0
    example: tuple[int, str] | None = None  # (removed chars, document id) of its most-cleaned document

    @property
    def share(self) -> float:
        return self.removed_chars / self.chars if self.chars else 0.0


@dataclass
class MergeSummary:
    """One cluster with copies, as the merge list shows it."""

    cluster: str
    canonical_id: str
    title: str | None
    size: int
    lowest_similarity: float
    members: list[dict[str, Any]]  # id, site, similarity (at most MERGE_MEMBERS_SHOWN)
    canonical_text: str
    canonical_removed: list[dict[str, Any]]  # spans of the record, cross-copy ones included

    @property
    def compared_id(self) -> str:
        """The member diffed against the canonical copy: the least similar one shown."""
        others = self.members[1:]
        return min(others, key=lambda m: (m["similarity"], m["id"]))["id"] if others else self.canonical_id


@dataclass
class Aggregate:
    manifest: dict[str, Any]
    records: int = 0
    inputs_placed: int = 0  # rows of clusters.jsonl
    kinds_spans: Counter = field(default_factory=Counter)
    kinds_chars: Counter = field(default_factory=Counter)
    sites: dict[str, SiteTotals] = field(default_factory=dict)
    cluster_sizes: Counter = field(default_factory=Counter)
    similarity_bins: list[int] = field(default_factory=lambda: [0] * SIMILARITY_BINS)
    copies: int = 0  # non-canonical members
    largest: list[MergeSummary] = field(default_factory=list)
    closest: list[MergeSummary] = field(default_factory=list)
    rejected: int = 0
    rejected_by_reason: Counter = field(default_factory=Counter)  # (stage, reason) -> n
    rejected_rows: list[dict[str, Any]] = field(default_factory=list)
    chars_known: bool = True  # every member carried `chars`/`removed_chars` (older outputs do not)

    @property
    def threshold(self) -> float | None:
        params = self.manifest.get("parameters", {}).get("dedup_params", {})
        return params.get("threshold")

    def top_sites(self, n: int = TOP_SITES) -> list[tuple[str, SiteTotals]]:
        ranked = [(name, t) for name, t in self.sites.items() if t.chars and name != OTHER_SITES]
        return sorted(ranked, key=lambda item: (item[1].documents < MIN_SITE_DOCUMENTS, -item[1].share, item[0]))[:n]

    def wanted_ids(self) -> list[str]:
        """The documents shown in full (explain view, diff), in a fixed order: the examples file holds these."""
        ids: list[str] = []
        for merge in self.largest + self.closest:  # the two copies each diff compares
            ids.extend((merge.canonical_id, merge.compared_id))
        for _, totals in self.top_sites():
            if totals.example:
                ids.append(totals.example[1])
        return list(dict.fromkeys(ids))


def _site_totals(agg: Aggregate, site: str | None) -> SiteTotals:
    name = site if site else NO_SITE
    totals = agg.sites.get(name)
    if totals is None:
        if len(agg.sites) >= MAX_SITES:
            name = OTHER_SITES
            totals = agg.sites.get(name)
        if totals is None:
            totals = agg.sites[name] = SiteTotals()
    return totals


def _span_chars(spans: list[dict[str, Any]]) -> Counter:
    chars: Counter = Counter()
    for span in spans:
        chars[span["kind"]] += span["end"] - span["start"]
    return chars


class _TopK:
    """The k items with the smallest sort keys, keeping at most 2k at any time."""

    def __init__(self, k: int) -> None:
        self.k = k
        self._kept: list[tuple[tuple, Any]] = []
        self._bar: tuple | None = None  # the k-th best key at the last trim: worse keys cannot enter

    def offer(self, key: tuple, make: Any) -> None:
        if self._bar is not None and key >= self._bar:
            return
        self._kept.append((key, make()))
        if len(self._kept) >= 2 * self.k:
            self._trim()

    def _trim(self) -> None:
        self._kept.sort(key=lambda item: item[0])
        del self._kept[self.k:]
        if len(self._kept) == self.k:
            self._bar = self._kept[-1][0]

    def items(self) -> list[Any]:
        self._trim()
        return [item for _, item in self._kept]


def _add_document(agg: Aggregate, record: dict[str, Any], largest: _TopK, closest: _TopK) -> None:
    agg.records += 1
    provenance = record.get("provenance") or [
        {"id": record["id"], "site": record.get("site"), "similarity": 1.0, "removed": {}}
    ]
    canonical_id = record["id"]
    for member in provenance:
        totals = _site_totals(agg, member.get("site"))
        totals.documents += 1
        spans = member.get("removed") or {}
        if member["id"] == canonical_id and not spans:
            spans = Counter(s["kind"] for s in record.get("removed", []))
        chars = member.get("removed_chars")
        if chars is None:
            # Outputs written before `removed_chars` existed: only the canonical copy's spans have offsets.
            agg.chars_known = False
            chars = _span_chars(record.get("removed", [])) if member["id"] == canonical_id else {}
        removed_chars = sum(chars.values())
        agg.kinds_spans.update(spans)
        agg.kinds_chars.update(chars)
        totals.removed_spans += sum(spans.values())
        totals.removed_chars += removed_chars
        totals.chars += member.get("chars", removed_chars + (len(record.get("text") or "") if member["id"] == canonical_id else 0))
        best = totals.example
        if removed_chars and (best is None or removed_chars > best[0] or (removed_chars == best[0] and member["id"] < best[1])):
            totals.example = (removed_chars, member["id"])
    size = len(provenance)
    agg.cluster_sizes[size] += 1
    if size < 2:
        return
    lowest = min(float(m.get("similarity", 1.0)) for m in provenance[1:])

    def summary() -> MergeSummary:
        return MergeSummary(
            cluster=(record.get("cluster") or {}).get("id", ""),
            canonical_id=canonical_id,
            title=record.get("title"),
            size=size,
            lowest_similarity=lowest,
            members=[{"id": m["id"], "site": m.get("site"), "similarity": m.get("similarity")}
                     for m in provenance[:MERGE_MEMBERS_SHOWN]],
            canonical_text=record.get("text") or "",
            canonical_removed=list(record.get("removed") or []),
        )

    largest.offer((-size, canonical_id), summary)
    threshold = agg.threshold
    if threshold is not None:
        closest.offer((abs(lowest - threshold), canonical_id), summary)


def _add_cluster_row(agg: Aggregate, row: dict[str, Any]) -> None:
    agg.inputs_placed += 1
    if row.get("canonical_id") == row.get("id"):
        return
    agg.copies += 1
    similarity = min(max(float(row.get("similarity") or 0.0), 0.0), 1.0)
    agg.similarity_bins[min(int(similarity * SIMILARITY_BINS), SIMILARITY_BINS - 1)] += 1


def _add_rejected(agg: Aggregate, row: dict[str, Any]) -> None:
    agg.rejected += 1
    key = (row.get("stage", ""), row.get("reason", ""))
    if key not in agg.rejected_by_reason and len(agg.rejected_by_reason) >= MAX_REASONS:
        key = (row.get("stage", ""), OTHER_REASONS)
    agg.rejected_by_reason[key] += 1
    if len(agg.rejected_rows) < REJECTED_ROWS:  # the file is sorted by id: the first rows are a fixed sample
        agg.rejected_rows.append({k: row.get(k) for k in ("id", "stage", "reason", "path", "line")})


def read_manifest(out_dir: Path) -> dict[str, Any]:
    path = out_dir / MANIFEST
    if not path.is_file():
        from ..errors import InputError

        raise InputError(str(out_dir), f"no {MANIFEST}; is it the output folder of `cleaner run`?")
    return json.loads(path.read_text(encoding="utf-8"))


def aggregate_output(out_dir: str | Path) -> Aggregate:
    """Stream the output folder once and return everything the report shows."""
    out_dir = Path(out_dir)
    agg = Aggregate(manifest=read_manifest(out_dir))
    largest, closest = _TopK(TOP_MERGES), _TopK(TOP_MERGES)
    for record in iter_records(out_dir, DOCUMENTS.split(".")[0]):
        _add_document(agg, record, largest, closest)
    agg.largest, agg.closest = largest.items(), closest.items()
    for row in iter_records(out_dir, CLUSTERS.split(".")[0]):
        _add_cluster_row(agg, row)
    for row in iter_records(out_dir, REJECTED.split(".")[0]):
        _add_rejected(agg, row)
    return agg
