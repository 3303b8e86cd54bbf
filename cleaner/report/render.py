"""The report page from an :class:`Aggregate` and the example rows: pure string building.

One self-contained HTML file: inline CSS, inline SVG charts (each followed by
the same figures as a table), ``<details>`` for what is folded, and a few
lines of inline JavaScript that only sort tables and open a linked
``<details>``; the page reads fully without it. A Content-Security-Policy
forbids every request, so a stray reference cannot leak to the network.
"""
from __future__ import annotations

import difflib
import json
import re
from collections.abc import Sequence
from html import escape
from itertools import pairwise
from typing import Any

from ..explain import explain_steps
from ..records import Span
from .aggregate import MIN_SITE_DOCUMENTS, SIMILARITY_BINS, Aggregate, MergeSummary
from .examples import MAX_CHARS

CHART_ROWS = 25  # bars per chart (the table under it has the same rows)
SITE_ROWS = 100  # rows of the per-site table

CSS = """
:root{--fg:#1b1f24;--muted:#57606a;--line:#d0d7de;--bg:#fff;--alt:#f6f8fa;--bar:#0969da;--bar2:#8250df;
--del:#ffebe9;--delfg:#82071e;--ins:#dafbe1;--mark:#cf222e}
*{box-sizing:border-box}
body{margin:0;font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,Helvetica,Arial,sans-serif;color:var(--fg);background:var(--bg)}
main{max-width:1200px;margin:0 auto;padding:16px}
h1{font-size:1.6em;margin:.2em 0}h2{font-size:1.3em;margin:1.6em 0 .4em;border-bottom:1px solid var(--line)}
h3{font-size:1.05em;margin:1em 0 .3em}
nav{display:flex;flex-wrap:wrap;gap:.2em 1em}
.lead{font-size:1.15em}.muted{color:var(--muted)}
.grid{display:grid;grid-template-columns:repeat(auto-fit,minmax(320px,1fr));gap:16px}
.card{border:1px solid var(--line);border-radius:6px;padding:8px 12px;min-width:0}
.scroll{overflow-x:auto}
table{border-collapse:collapse;width:100%;font-size:.92em}
th,td{border-bottom:1px solid var(--line);padding:3px 6px;text-align:left;vertical-align:top}
td.n,th.n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
th{background:var(--alt)}
table.sortable th{cursor:pointer}
svg{display:block;width:100%;overflow:visible}
svg text{font-size:12px;fill:var(--fg)}
svg .bar{fill:var(--bar)}svg .bar2{fill:var(--bar2)}svg .thr{stroke:var(--mark);stroke-width:2}
svg .axis{stroke:var(--line)}
details{margin:.4em 0}summary{cursor:pointer}
.doc{font-size:.9em;border-left:3px solid var(--line);padding-left:8px}
.doc p{margin:.15em 0;white-space:pre-wrap;overflow-wrap:anywhere}
.doc .drop{color:var(--delfg)}
.doc del{background:var(--del);color:var(--delfg)}
.doc .reason{color:var(--muted);font-style:italic;margin-left:1.5em}
.kind{display:inline-block;font-size:.78em;background:var(--alt);border:1px solid var(--line);border-radius:3px;padding:0 4px;margin-left:4px;color:var(--muted)}
.diff{table-layout:fixed}.diff td{width:50%;white-space:pre-wrap;overflow-wrap:anywhere;font-size:.88em}
.diff del{background:var(--del);text-decoration:line-through}.diff ins{background:var(--ins);text-decoration:none}
.diff tr.eq td{color:var(--muted)}
@media (max-width:640px){body{font-size:14px}main{padding:8px}.grid{grid-template-columns:1fr}
 th,td{padding:2px 4px}.diff td{font-size:.8em}}
"""

JS = """
document.querySelectorAll('table.sortable').forEach(function(table){
  table.querySelectorAll('th').forEach(function(th, col){
    th.addEventListener('click', function(){
      var body = table.tBodies[0], rows = Array.prototype.slice.call(body.rows);
      var asc = th.getAttribute('data-order') !== 'asc';
      rows.sort(function(a, b){
        var x = a.cells[col].getAttribute('data-v') || a.cells[col].textContent;
        var y = b.cells[col].getAttribute('data-v') || b.cells[col].textContent;
        var nx = parseFloat(x), ny = parseFloat(y);
        var c = (!isNaN(nx) && !isNaN(ny)) ? nx - ny : x.localeCompare(y);
        return asc ? c : -c;
      });
      rows.forEach(function(r){ body.appendChild(r); });
      th.setAttribute('data-order', asc ? 'asc' : 'desc');
    });
  });
});
function openTarget(){
  var id = decodeURIComponent(location.hash.slice(1));
  var el = id && document.getElementById(id);
  if (el && el.tagName === 'DETAILS') { el.open = true; }
}
window.addEventListener('hashchange', openTarget);
openTarget();
"""


def _e(value: Any) -> str:
    return escape("" if value is None else str(value), quote=True)


def _n(value: float) -> str:
    return f"{value:,}" if isinstance(value, int) else f"{value:,.4f}"


def _pct(part: float, whole: float) -> str:
    return f"{100 * part / whole:.1f}%" if whole else "–"


# -- charts -------------------------------------------------------------------

def bar_chart(title: str, rows: Sequence[tuple[str, float]], unit: str, css: str = "bar") -> str:
    """Horizontal bars: the label on the left and the value on the right of a line, the bar under it.

    No viewBox, so text keeps its size at any width, and nothing is drawn past the right edge.
    """
    if not rows:
        return f'<p class="muted">{_e(title)}: nothing to show.</p>'
    top = max(v for _, v in rows) or 1
    step, parts = 34, []
    for i, (label, value) in enumerate(rows):
        y = i * step
        shown = label if len(label) <= 36 else label[:35] + "…"
        parts.append(
            f'<text x="0" y="{y + 12}"><title>{_e(label)}</title>{_e(shown)}</text>'
            f'<text x="100%" y="{y + 12}" text-anchor="end">{_e(_n(value))} {unit}</text>'
            f'<rect class="{css}" x="0" y="{y + 16}" width="{100 * value / top:.2f}%" height="12" rx="2"></rect>'
        )
    height = len(rows) * step
    return (f'<svg role="img" aria-label="{_e(title)}" height="{height}"><title>{_e(title)}</title>'
            + "".join(parts) + "</svg>")


def histogram(title: str, counts: Sequence[int], labels: Sequence[str], marker: float | None = None,
              marker_label: str = "", css: str = "bar", axis: Sequence[tuple[float, str]] | None = None) -> str:
    """Vertical bars over equal bins; ``axis`` is (0..1 of the width, label) ticks (default: some bins' labels);
    ``marker`` (0..1 of the width) draws a labelled line."""
    if not any(counts):
        return f'<p class="muted">{_e(title)}: nothing to show.</p>'
    top, n, height, parts = max(counts), len(counts), 140, []
    for i, count in enumerate(counts):
        if count:
            h = max(1.0, (height - 20) * count / top)
            parts.append(f'<rect class="{css}" x="{100 * i / n + 0.1:.3f}%" y="{height - h:.1f}" '
                         f'width="{100 / n - 0.2:.3f}%" height="{h:.1f}"><title>{_e(labels[i])}: {count:,}</title></rect>')
    parts.append(f'<line class="axis" x1="0" y1="{height}" x2="100%" y2="{height}"></line>')
    if axis is None:
        every = max(1, n // 8)
        axis = [((i + 0.5) / n, labels[i]) for i in range(0, n, every)]
    for x, label in axis:
        anchor = "start" if x == 0 else "end" if x == 1 else "middle"
        parts.append(f'<text x="{100 * x:.2f}%" y="{height + 16}" text-anchor="{anchor}">{_e(label)}</text>')
    parts.append(f'<text x="0" y="12">max {top:,}</text>')
    if marker is not None:
        x = f"{100 * marker:.2f}%"
        side = 'dx="-4" text-anchor="end"' if marker > 0.7 else 'dx="4"'  # the label stays inside the chart
        parts.append(f'<line class="thr" x1="{x}" y1="0" x2="{x}" y2="{height}"></line>'
                     f'<text x="{x}" y="26" {side}>{_e(marker_label)}</text>')
    return (f'<svg role="img" aria-label="{_e(title)}" height="{height + 24}"><title>{_e(title)}</title>'
            + "".join(parts) + "</svg>")


def table(headers: Sequence[str], rows: Sequence[Sequence[Any]], numeric: Sequence[bool] | None = None,
          sortable: bool = True, caption: str | None = None) -> str:
    numeric = numeric or [False] * len(headers)
    head = "".join(f'<th{" class=n" if num else ""}>{_e(h)}</th>' for h, num in zip(headers, numeric))
    body = []
    for row in rows:
        cells = []
        for value, num in zip(row, numeric):
            if num and isinstance(value, (int, float)):
                cells.append(f'<td class="n" data-v="{value}">{_e(_n(value))}</td>')
            elif num and isinstance(value, tuple):  # (sort value, shown text)
                cells.append(f'<td class="n" data-v="{value[0]}">{_e(value[1])}</td>')
            elif num:
                cells.append(f'<td class="n">{value if isinstance(value, Raw) else _e(value)}</td>')
            else:
                cells.append(f"<td>{value if isinstance(value, Raw) else _e(value)}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    cap = f"<caption>{_e(caption)}</caption>" if caption else ""
    return (f'<div class="scroll"><table{" class=sortable" if sortable else ""}>{cap}<thead><tr>{head}</tr></thead>'
            f'<tbody>{"".join(body)}</tbody></table></div>')


class Raw(str):
    """Markup a table cell takes as is (already escaped)."""


def chart_with_table(title: str, chart: str, headers: Sequence[str], rows: Sequence[Sequence[Any]],
                     numeric: Sequence[bool]) -> str:
    return (f'<div class="card"><h3>{_e(title)}</h3>{chart}'
            f"<details><summary>{_e(title)}: table</summary>{table(headers, rows, numeric)}</details></div>")


# -- documents: explain view and diff -----------------------------------------

def explain_html(source: str, spans: Sequence[dict[str, Any]]) -> str:
    """The `cleaner explain` view (:func:`cleaner.explain.explain_steps`) as HTML: removed text struck through."""
    removed = [Span(s["start"], s["end"], s["kind"], s["reason"]) for s in spans]
    out = []
    for step in explain_steps(source, removed):
        if step.status == "keep":
            out.append(f"<p>{_e(step.text)}</p>")
        elif step.status == "drop":
            out.append(f'<p class="drop"><del>{_e(step.text)}</del><span class="kind">{_e(step.kind)}</span></p>')
        elif step.status == "part":
            pieces = "".join(_e(text) if kind is None else f'<del title="{_e(kind)}">{_e(text)}</del><span class="kind">{_e(kind)}</span>'
                             for text, kind in step.pieces)
            out.append(f"<p>{pieces}</p>")
        else:
            out.append(f'<p class="reason">↳ {_e(step.kind)}: {_e(step.reason)}</p>')
    return f'<div class="doc">{"".join(out)}</div>'


_TOKEN = re.compile(r"\S+|\s+")


def _words_diff(a: str, b: str) -> tuple[str, str]:
    """Both sides with the words only one of them has marked (whitespace, newlines included, kept)."""
    ta, tb = _TOKEN.findall(a), _TOKEN.findall(b)
    left, right = [], []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, ta, tb, autojunk=False).get_opcodes():
        x, y = "".join(ta[i1:i2]), "".join(tb[j1:j2])
        if op == "equal":
            left.append(_e(x))
            right.append(_e(y))
            continue
        left.append(f"<del>{_e(x)}</del>" if x.strip() else _e(x))  # a space against a newline is no change
        right.append(f"<ins>{_e(y)}</ins>" if y.strip() else _e(y))
    return "".join(left), "".join(right)


def diff_html(left_title: str, left: str, right_title: str, right: str) -> str:
    """Side-by-side diff of two cleaned texts: paragraphs aligned by difflib; a run of changed
    paragraphs is one row, diffed word by word (copies often split or join paragraphs)."""
    a, b = left.split("\n"), right.split("\n")
    rows = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if op == "equal":
            rows.extend(f'<tr class="eq"><td>{_e(x)}</td><td>{_e(x)}</td></tr>' for x in a[i1:i2])
            continue
        x, y = "\n".join(a[i1:i2]), "\n".join(b[j1:j2])
        if x and y:
            dx, dy = _words_diff(x, y)
        else:
            dx, dy = (f"<del>{_e(x)}</del>" if x else ""), (f"<ins>{_e(y)}</ins>" if y else "")
        rows.append(f"<tr><td>{dx}</td><td>{dy}</td></tr>")
    return (f'<div class="scroll"><table class="diff"><thead><tr><th>{_e(left_title)}</th><th>{_e(right_title)}</th></tr></thead>'
            f'<tbody>{"".join(rows)}</tbody></table></div>')


# -- sections -----------------------------------------------------------------

def _figure(key: str, value: Any, suffix: str = "") -> str:
    """A manifest figure, tagged with its key and raw value (the browser test compares them)."""
    shown = f"{value:,}" if isinstance(value, (int, float)) and not isinstance(value, bool) else str(value)
    return (f'<span class="fig" data-manifest="{_e(key)}" data-value="{_e(json.dumps(value))}">'
            f"{_e(shown)}{suffix}</span>")


def summary_section(agg: Aggregate) -> str:
    m = agg.manifest
    counts = m.get("counts", {})
    c = lambda key: _figure(f"counts.{key}", counts.get(key, 0))
    lead = (f'<p class="lead">{c("inputs")} inputs → {c("records")} stories '
            f'({c("clusters_with_copies")} with several copies, largest {c("largest_cluster")}) · '
            f'{c("rejected")} rejected</p>')
    figures = [
        ("inputs read", "inputs"), ("documents cleaned", "documents"), ("HTML documents", "html_documents"),
        ("stories written", "records"), ("stories with copies", "clusters_with_copies"),
        ("largest cluster", "largest_cluster"), ("rejected", "rejected"),
    ]
    rows = [(label, Raw(c(key))) for label, key in figures if key in counts]
    by_stage = [(stage, Raw(_figure(f"counts.rejected_by_stage.{stage}", n)))
                for stage, n in (counts.get("rejected_by_stage") or {}).items()]
    reasons = sorted(agg.rejected_by_reason.items(), key=lambda item: (-item[1], item[0]))[:5]
    reason_rows = [(f"{stage}: {reason}", n) for (stage, reason), n in reasons]
    timings = m.get("timings_s") or {}
    total = sum(timings.values())
    timing_rows = [(stage, Raw(_figure(f"timings_s.{stage}", t, " s")), _pct(t, total)) for stage, t in timings.items()]
    versions = [(name, Raw(_figure(f"versions.{name}", v))) for name, v in (m.get("versions") or {}).items()]
    versions.insert(0, ("cleaner", Raw(_figure("cleaner", m.get("cleaner")))))
    params = m.get("parameters", {})
    dp = params.get("dedup_params", {})
    param_rows = [(k, Raw(_figure(f"parameters.dedup_params.{k}", v))) for k, v in dp.items()]
    param_rows += [(k, Raw(_figure(f"parameters.{k}", params[k]))) for k in ("dedup", "corpus_evidence", "workers", "engine")
                   if k in params]
    inputs = (m.get("inputs") or {}).get("paths") or []
    return (
        '<section id="summary"><h2>Run summary</h2>' + lead
        + (f'<p class="muted">inputs: {_e(", ".join(inputs))}</p>' if inputs else "")
        + '<div class="grid">'
        + f'<div class="card"><h3>Counts</h3>{table(["figure", "value"], rows, [False, True], sortable=False)}'
        + (f'<h3>Rejected by stage</h3>{table(["stage", "inputs"], by_stage, [False, True], sortable=False)}' if by_stage else "")
        + (f'<h3>Rejected by reason</h3>{table(["reason", "inputs"], reason_rows, [False, True], sortable=False)}'
           '<p class="muted"><a href="#rejected">every reason and input</a></p>' if reason_rows else "")
        + "</div>"
        + f'<div class="card"><h3>Time per stage</h3>{table(["stage", "seconds", "share"], timing_rows, [False, True, True], sortable=False)}'
        + f"<p class=muted>total {total:,.2f} s (the manifest's timings; the report adds none)</p></div>"
        + f'<div class="card"><h3>Versions</h3>{table(["component", "version"], versions, [False, False], sortable=False)}</div>'
        + f'<div class="card"><h3>Parameters</h3><details><summary>{len(param_rows)} parameters (threshold '
        + f'{_e(dp.get("threshold"))}, {_e(dp.get("num_perm"))} permutations)</summary>'
        + f'{table(["parameter", "value"], param_rows, [False, False], sortable=False)}</details></div>'
        + "</div></section>"
    )


def removed_section(agg: Aggregate) -> str:
    kinds = sorted(set(agg.kinds_chars) | set(agg.kinds_spans), key=lambda k: (-agg.kinds_chars[k], -agg.kinds_spans[k], k))
    total_chars = sum(agg.kinds_chars.values())
    kind_rows = [(k, agg.kinds_chars[k], _pct(agg.kinds_chars[k], total_chars), agg.kinds_spans[k]) for k in kinds]
    by_spans = sorted(kinds, key=lambda k: (-agg.kinds_spans[k], k))
    sites = sorted(agg.sites.items(), key=lambda item: (-item[1].removed_chars, item[0]))
    sites_by_spans = sorted(agg.sites.items(), key=lambda item: (-item[1].removed_spans, item[0]))
    site_rows = [(name, t.documents, t.chars, t.removed_chars, _pct(t.removed_chars, t.chars), t.removed_spans)
                 for name, t in sites[:SITE_ROWS]]
    note = "" if agg.chars_known else (
        '<p class="muted">These outputs predate per-copy character counts: characters are the canonical copies\' only.</p>')
    return (
        '<section id="removed"><h2>Removed text</h2>' + note
        + '<div class="grid">'
        + chart_with_table("By kind: characters removed",
                           bar_chart("Characters removed by kind", [(k, agg.kinds_chars[k]) for k in kinds[:CHART_ROWS]], "chars"),
                           ["kind", "characters", "share", "spans"], kind_rows, [False, True, True, True])
        + chart_with_table("By kind: spans removed",
                           bar_chart("Spans removed by kind", [(k, agg.kinds_spans[k]) for k in by_spans[:CHART_ROWS]], "spans", "bar2"),
                           ["kind", "characters", "share", "spans"], kind_rows, [False, True, True, True])
        + chart_with_table("By site: characters removed",
                           bar_chart("Characters removed by site", [(n, t.removed_chars) for n, t in sites[:CHART_ROWS]], "chars"),
                           ["site", "documents", "characters in", "removed", "share", "spans"], site_rows,
                           [False, True, True, True, True, True])
        + chart_with_table("By site: spans removed",
                           bar_chart("Spans removed by site", [(n, t.removed_spans) for n, t in sites_by_spans[:CHART_ROWS]], "spans", "bar2"),
                           ["site", "documents", "characters in", "removed", "share", "spans"], site_rows,
                           [False, True, True, True, True, True])
        + f'</div><p class="muted">{len(agg.sites):,} sites; tables list the {min(SITE_ROWS, len(agg.sites))} with the most characters removed.</p></section>'
    )


class Views:
    """Explain views of the example documents, each rendered once and linked by anchor."""

    def __init__(self, agg: Aggregate, examples: dict[str, dict[str, Any]]) -> None:
        self.examples = examples
        self.order = [i for i in agg.wanted_ids() if i in examples]
        self.anchor = {doc_id: f"doc-{k}" for k, doc_id in enumerate(self.order)}
        # A merge's canonical copy is shown with the record's spans (cross-copy removals included).
        self.spans = {m.canonical_id: m.canonical_removed for m in agg.largest + agg.closest}

    def link(self, doc_id: str) -> str:
        anchor = self.anchor.get(doc_id)
        return f'<a href="#{anchor}">{_e(doc_id)}</a>' if anchor else _e(doc_id)

    def section(self) -> str:
        if not self.order:
            return ('<section id="documents"><h2>Documents explained</h2><p class="muted">No example texts in this output '
                    "folder (examples.jsonl is written by `cleaner run`).</p></section>")
        parts = []
        for doc_id in self.order:
            row = self.examples[doc_id]
            spans = self.spans.get(doc_id, row.get("removed", []))
            kinds: dict[str, int] = {}
            for s in spans:
                kinds[s["kind"]] = kinds.get(s["kind"], 0) + 1
            head = ", ".join(f"{k}={v}" for k, v in sorted(kinds.items())) or "nothing"
            cut = f' <span class="muted">(first {MAX_CHARS:,} characters)</span>' if row.get("truncated") else ""
            parts.append(
                f'<details id="{self.anchor[doc_id]}"><summary><b>{_e(doc_id)}</b> · {_e(row.get("site") or "no site")} · '
                f'{_e(row.get("mode"))} mode · removed: {_e(head)}{cut}</summary>'
                + (f'<p><b>title:</b> {_e(row["title"])}</p>' if row.get("title") else "")
                + explain_html(row.get("source_text") or "", spans) + "</details>"
            )
        return ('<section id="documents"><h2>Documents explained</h2><p class="muted">As <code>cleaner explain</code> shows them: '
                "removed text struck through, with its kind; the reason follows the first line of each span.</p>"
                + "".join(parts) + "</section>")


def sites_section(agg: Aggregate, views: Views) -> str:
    rows = []
    for name, t in agg.top_sites():
        example = views.link(t.example[1]) if t.example else "–"
        rows.append((name, t.documents, t.chars, t.removed_chars, (f"{t.share:.4f}", _pct(t.removed_chars, t.chars)), Raw(example)))
    return ('<section id="sites"><h2>Sites that lose the most text</h2><p class="muted">The sites with the largest share of their '
            f"input text removed (sites with fewer than {MIN_SITE_DOCUMENTS} documents rank after the others); the example is "
            "the site's document with the most characters removed (open it for why).</p>"
            + table(["site", "documents", "characters in", "removed", "share", "example"], rows,
                    [False, True, True, True, True, False]) + "</section>")


def clusters_section(agg: Aggregate) -> str:
    sizes = sorted(agg.cluster_sizes.items())
    size_rows = [(size, n, size * n) for size, n in sizes]
    if sizes and sizes[-1][0] <= 60:
        counts = [agg.cluster_sizes.get(s, 0) for s in range(1, sizes[-1][0] + 1)]
        labels = [str(s) for s in range(1, sizes[-1][0] + 1)]
    else:  # long tail: bins by powers of two
        edges = [1]
        while edges[-1] <= (sizes[-1][0] if sizes else 1):
            edges.append(edges[-1] * 2)
        counts = [sum(n for s, n in sizes if lo <= s < hi) for lo, hi in pairwise(edges)]
        labels = [f"{lo}-{hi - 1}" if hi - 1 > lo else str(lo) for lo, hi in pairwise(edges)]
    threshold = agg.threshold
    bins = agg.similarity_bins
    sim_labels = [f"{i / SIMILARITY_BINS:.2f}" for i in range(SIMILARITY_BINS)]
    sim_rows = [(f"{i / SIMILARITY_BINS:.2f}–{(i + 1) / SIMILARITY_BINS:.2f}", n) for i, n in enumerate(bins) if n]
    return (
        '<section id="clusters"><h2>Clusters</h2><div class="grid">'
        + chart_with_table("Cluster sizes (stories by number of copies)",
                           histogram("Stories by cluster size", counts, labels),
                           ["size", "stories", "inputs"], size_rows, [True, True, True])
        + chart_with_table("Similarity of each copy to its canonical copy",
                           histogram("Copies by similarity to the canonical copy", bins, sim_labels,
                                     axis=[(k / 4, f"{k / 4:.2f}") for k in range(5)], marker=threshold, marker_label=f"threshold {threshold}" if threshold is not None else "",
                                     css="bar2"),
                           ["similarity", "copies"], sim_rows, [False, True])
        + f'</div><p class="muted">{agg.copies:,} copies merged into {sum(n for s, n in sizes if s > 1):,} stories; '
        "a threshold in a valley of the similarity histogram separates copies from different stories cleanly. "
        "(Similarity is the estimated Jaccard similarity of the cleaned texts' shingles.)</p></section>"
    )


def merge_anchor(merge: MergeSummary) -> str:
    return f"merge-{merge.canonical_id}"


def merge_html(merge: MergeSummary, views: Views, open_: bool = False) -> str:
    members = [(Raw(views.link(m["id"])), m.get("site") or "–", m.get("similarity")) for m in merge.members]
    more = merge.size - len(merge.members)
    other = merge.compared_id
    other_row = views.examples.get(other)
    if other_row is not None and other != merge.canonical_id:
        diff = diff_html(f"{merge.canonical_id} (canonical, as written)", merge.canonical_text,
                         f"{other} (similarity {next(m['similarity'] for m in merge.members if m['id'] == other)})",
                         other_row.get("text") or "")
    else:
        diff = '<p class="muted">The other copy\'s cleaned text is not in this output folder (examples.jsonl).</p>'
    return (
        f'<details id="{_e(merge_anchor(merge))}"{" open" if open_ else ""}><summary><b>{_e(merge.title or merge.canonical_id)}</b> · {merge.size} copies · '
        f"lowest similarity {merge.lowest_similarity:.4f} · cluster {_e(merge.cluster)}</summary>"
        + table(["member", "site", "similarity"], members, [False, False, True], caption="members (the first is the canonical copy)")
        + (f'<p class="muted">… and {more:,} more members (documents.jsonl)</p>' if more > 0 else "")
        + "<h3>Cleaned text: canonical copy vs the least similar copy</h3>" + diff + "</details>"
    )


def merges_section(agg: Aggregate, views: Views) -> str:
    if not agg.largest:
        return '<section id="merges"><h2>Merges</h2><p class="muted">No story has several copies in this run.</p></section>'
    shown = {m.canonical_id for m in agg.largest}
    closest = "".join(
        merge_html(m, views) if m.canonical_id not in shown else
        f'<p><a href="#{_e(merge_anchor(m))}">{_e(m.title or m.canonical_id)}</a> · {m.size} copies · '
        f"lowest similarity {m.lowest_similarity:.4f} (listed above)</p>"
        for m in agg.closest)
    largest = "".join(merge_html(m, views, open_=k == 0) for k, m in enumerate(agg.largest))
    return ('<section id="merges"><h2>Merges</h2><h3>The largest</h3>' + largest
            + f"<h3>The closest to the threshold ({_e(agg.threshold)})</h3>"
            + '<p class="muted">By the similarity of their least similar copy: where a wrong merge would be.</p>'
            + closest + "</section>")


def rejected_section(agg: Aggregate) -> str:
    if not agg.rejected:
        return '<section id="rejected"><h2>Rejected inputs</h2><p>None: every input is in a story.</p></section>'
    reasons = sorted(agg.rejected_by_reason.items(), key=lambda item: (-item[1], item[0]))
    reason_rows = [(stage, reason, n) for (stage, reason), n in reasons[:50]]
    rows = [(r["id"], r["stage"], r["reason"], r.get("path") or "", r.get("line") or "") for r in agg.rejected_rows]
    more = agg.rejected - len(rows)
    return ('<section id="rejected"><h2>Rejected inputs</h2><h3>By reason</h3>'
            + table(["stage", "reason", "inputs"], reason_rows, [False, False, True])
            + f"<h3>Inputs{f' (the first {len(rows)} by id)' if more > 0 else ''}</h3>"
            + table(["id", "stage", "reason", "path", "line"], rows, [False, False, False, False, True])
            + (f'<p class="muted">… and {more:,} more in rejected.jsonl</p>' if more > 0 else "") + "</section>")


def render_report(agg: Aggregate, examples: dict[str, dict[str, Any]]) -> str:
    """The whole page. Deterministic: the same aggregate and examples give the same bytes."""
    views = Views(agg, examples)
    body = (summary_section(agg) + removed_section(agg) + sites_section(agg, views) + clusters_section(agg)
            + merges_section(agg, views) + rejected_section(agg) + views.section())
    nav = "".join(f'<a href="#{i}">{t}</a>' for i, t in [
        ("summary", "Summary"), ("removed", "Removed text"), ("sites", "Sites"), ("clusters", "Clusters"),
        ("merges", "Merges"), ("rejected", "Rejected"), ("documents", "Documents")])
    csp = "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:"
    return (
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
        f'<meta http-equiv="Content-Security-Policy" content="{csp}">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>cleaner report</title><style>{CSS}</style></head><body><main>"
        f"<h1>cleaner run report</h1><nav>{nav}</nav>{body}"
        f'<p class="muted">Written by cleaner {_e(agg.manifest.get("cleaner"))} from the output folder\'s files alone '
        "(<code>cleaner report OUT</code> rebuilds it).</p>"
        f"</main><script>{JS}</script></body></html>\n"
    )
