"""report.html: written by every run, rebuilt by `cleaner report`, self-contained, figures equal to the manifest's."""
from __future__ import annotations

import json
import os
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cleaner.cli import app
from cleaner.records import Document, Span
from cleaner.report import REPORT, aggregate_output, build_report, write_report
from cleaner.report.aggregate import (
    MERGE_MEMBERS_SHOWN,
    REJECTED_ROWS,
    TOP_MERGES,
    _TopK,
)
from cleaner.report.examples import EXAMPLES, MAX_CHARS, example_row, read_examples
from cleaner.report.render import diff_html, explain_html

runner = CliRunner()


@pytest.fixture(scope="module")
def samples_out(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("report") / "out"
    result = runner.invoke(app, ["run", "samples", "-o", str(out)])
    assert result.exit_code == 0, result.output
    return out


class _Figures(HTMLParser):
    """The manifest figures a page shows: data-manifest key -> (raw value, shown text)."""

    def __init__(self) -> None:
        super().__init__()
        self.found: dict[str, tuple[str, str]] = {}
        self._open: list[tuple[str, str]] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if "data-manifest" in a:
            self._open.append((a["data-manifest"], a["data-value"]))
            self._text = ""

    def handle_data(self, data):
        if self._open:
            self._text += data

    def handle_endtag(self, tag):
        if tag == "span" and self._open:
            key, value = self._open.pop()
            self.found[key] = (value, self._text)


def manifest_value(manifest: dict, key: str):
    value = manifest
    for part in key.split("."):
        value = value[part]
    return value


def check_figures(figures: dict[str, tuple[str, str]], manifest: dict) -> None:
    """Every figure shown is the manifest's (raw and as displayed), and the main ones are all shown."""
    for key in ("counts.inputs", "counts.records", "counts.rejected", "counts.documents", "counts.clusters_with_copies",
                "counts.largest_cluster", "cleaner", *(f"timings_s.{k}" for k in manifest["timings_s"]),
                *(f"versions.{k}" for k in manifest["versions"])):
        assert key in figures, key
    for key, (raw, shown) in figures.items():
        expected = manifest_value(manifest, key)
        assert json.loads(raw) == expected, key
        text = shown.replace(",", "").removesuffix(" s")
        if isinstance(expected, bool) or expected is None or isinstance(expected, str):
            assert text == str(expected), key
        else:
            assert float(text) == pytest.approx(expected), key


def test_run_writes_report_whose_figures_equal_the_manifest(samples_out: Path) -> None:
    page = (samples_out / REPORT).read_text(encoding="utf-8")
    manifest = json.loads((samples_out / "manifest.json").read_text())
    parser = _Figures()
    parser.feed(page)
    check_figures(parser.found, manifest)


def test_provenance_carries_characters_removed_by_kind(samples_out: Path) -> None:
    """The per-copy character counts the site figures are made of (an extension of `provenance`)."""
    for line in (samples_out / "documents.jsonl").read_text().splitlines():
        record = json.loads(line)
        for member in record["provenance"]:
            assert member["chars"] > 0 and set(member["removed_chars"]) == set(member["removed"])
            assert sum(member["removed_chars"].values()) < member["chars"]
        canonical = record["provenance"][0]
        own = {k: v for k, v in _span_chars(record["removed"]).items() if k != "cross_copy"}
        assert canonical["removed_chars"] == own


def _span_chars(spans):
    chars = {}
    for s in spans:
        chars[s["kind"]] = chars.get(s["kind"], 0) + s["end"] - s["start"]
    return chars


def test_report_is_rebuilt_byte_identical_from_the_folder(samples_out: Path, tmp_path: Path) -> None:
    before = (samples_out / REPORT).read_bytes()
    result = runner.invoke(app, ["report", str(samples_out)])
    assert result.exit_code == 0, result.output
    assert (samples_out / REPORT).read_bytes() == before
    # a copy of the folder somewhere else gives the same page: nothing path- or clock-dependent
    copy = tmp_path / "copy"
    copy.mkdir()
    for name in ("documents.jsonl", "clusters.jsonl", "rejected.jsonl", "manifest.json", EXAMPLES):
        (copy / name).write_bytes((samples_out / name).read_bytes())
    write_report(copy)
    assert (copy / REPORT).read_bytes() == before


def test_page_is_self_contained(samples_out: Path) -> None:
    page = (samples_out / REPORT).read_text(encoding="utf-8")
    assert "default-src 'none'" in page  # the browser itself refuses any request
    tags = re.findall(r"<[a-zA-Z][^>]*>", page)  # text is escaped, so these are the real tags
    assert not [t for t in tags if re.search(r"\ssrc\s*=", t)]
    links = [re.search(r'\shref="([^"]*)"', t).group(1) for t in tags if " href=" in t]
    assert links and all(link.startswith("#") for link in links)  # only in-page links
    assert "<link" not in page and "@import" not in page and "url(" not in page


def test_report_shows_merge_diff_and_explain_views(samples_out: Path) -> None:
    page = (samples_out / REPORT).read_text(encoding="utf-8")
    agg = aggregate_output(samples_out)
    merge = agg.largest[0]
    assert merge.size == 4 and len(merge.members) == 4
    assert 'class="diff"' in page and merge.compared_id in page
    # the two compared copies link to their explain views, which strike their removed spans through
    for doc_id in (merge.canonical_id, merge.compared_id):
        anchor = re.search(rf'<a href="#(doc-\d+)">{re.escape(doc_id)}</a>', page)
        assert anchor, doc_id
        view = page[page.index(f'id="{anchor.group(1)}"'):]
        view = view[:view.index("</details>")]
        assert "<del" in view and 'class="reason"' in view
    # the canonical copy's view shows the record's spans (cross-copy removals included)
    canonical_spans = {s["kind"] for s in merge.canonical_removed}
    assert canonical_spans <= set(re.findall(r'class="kind">([a-z_]+)<', page))


def test_no_report_option(tmp_path: Path, samples: Path) -> None:
    out = tmp_path / "out"
    result = runner.invoke(app, ["run", str(samples), "-o", str(out), "--no-report"])
    assert result.exit_code == 0, result.output
    assert (out / "documents.jsonl").is_file()
    assert not (out / REPORT).exists() and not (out / EXAMPLES).exists()


def test_report_command_errors_name_the_folder(tmp_path: Path) -> None:
    result = runner.invoke(app, ["report", str(tmp_path / "nope")])
    assert result.exit_code == 2 and "nope" in result.output
    result = runner.invoke(app, ["report", str(tmp_path)])
    assert result.exit_code == 2 and "manifest.json" in result.output


def test_report_reads_parquet_outputs(tmp_path: Path, samples: Path, samples_out: Path) -> None:
    pytest.importorskip("pyarrow")
    out = tmp_path / "pq"
    assert runner.invoke(app, ["run", str(samples), "-o", str(out), "--format", "parquet"]).exit_code == 0
    a, b = aggregate_output(out), aggregate_output(samples_out)
    assert (a.records, a.kinds_chars, a.cluster_sizes, a.similarity_bins) == (b.records, b.kinds_chars, b.cluster_sizes, b.similarity_bins)


# -- aggregation on synthetic output folders ----------------------------------

def write_folder(out: Path, n: int, rejected: int = 0, members: int = 3, threshold: float = 0.5) -> None:
    """An output folder of ``n`` stories of ``members`` copies each, as `cleaner run` writes it."""
    out.mkdir(parents=True, exist_ok=True)
    docs, clusters = [], []
    for i in range(n):
        cid = f"d{i:06d}"
        provenance = []
        for k in range(members):
            mid = cid if k == 0 else f"{cid}-{k}"
            similarity = 1.0 if k == 0 else round(0.4 + ((i * 7 + k) % 60) / 100, 4)
            provenance.append({"id": mid, "site": f"site{(i + k) % 5}", "url": None, "similarity": similarity,
                               "removed": {"advertisement": 1 + k}, "removed_chars": {"advertisement": 10 * (1 + k)},
                               "chars": 1000})
            clusters.append({"id": mid, "cluster": f"c{i}", "canonical_id": cid, "similarity": similarity})
        docs.append({"id": cid, "title": f"story {i}", "text": "a b c", "cluster": {"id": f"c{i}", "size": members},
                     "members": [m["id"] for m in provenance], "provenance": provenance,
                     "removed": [{"start": 0, "end": 10, "kind": "advertisement", "reason": "ad"}]})
    (out / "documents.jsonl").write_text("".join(json.dumps(d) + "\n" for d in docs))
    (out / "clusters.jsonl").write_text("".join(json.dumps(c) + "\n" for c in sorted(clusters, key=lambda c: c["id"])))
    (out / "rejected.jsonl").write_text("".join(
        json.dumps({"id": f"r{j:05d}", "stage": "read", "reason": f"invalid JSON ({j % 3})"}) + "\n" for j in range(rejected)))
    manifest = {"cleaner": "0.1.0", "versions": {"python": "3"}, "timings_s": {"read": 1.5},
                "parameters": {"dedup_params": {"threshold": threshold}},
                "counts": {"inputs": n * members + rejected, "records": n, "rejected": rejected}}
    (out / "manifest.json").write_text(json.dumps(manifest))


def test_aggregate_counts_sites_kinds_and_similarities(tmp_path: Path) -> None:
    write_folder(tmp_path, 30, rejected=REJECTED_ROWS + 5)
    agg = aggregate_output(tmp_path)
    assert agg.records == 30 and agg.inputs_placed == 90 and agg.copies == 60
    assert agg.kinds_spans["advertisement"] == 30 * (1 + 2 + 3)
    assert agg.kinds_chars["advertisement"] == 30 * (10 + 20 + 30)
    assert sum(t.documents for t in agg.sites.values()) == 90
    assert sum(t.chars for t in agg.sites.values()) == 90_000
    assert sum(agg.similarity_bins) == 60
    assert agg.cluster_sizes == {3: 30}
    assert len(agg.rejected_rows) == REJECTED_ROWS and agg.rejected == REJECTED_ROWS + 5
    assert sum(agg.rejected_by_reason.values()) == agg.rejected and len(agg.rejected_by_reason) == 3
    # the merges closest to the threshold are those whose least similar copy is nearest it
    gaps = sorted(abs(min(0.4 + ((i * 7 + k) % 60) / 100 for k in (1, 2)) - 0.5) for i in range(30))
    assert [round(abs(m.lowest_similarity - 0.5), 6) for m in agg.closest] == [round(g, 6) for g in gaps[:TOP_MERGES]]
    assert len(agg.largest) == TOP_MERGES


def test_sites_with_few_documents_rank_after_the_others(tmp_path: Path) -> None:
    write_folder(tmp_path, 30)
    folder_docs = tmp_path / "documents.jsonl"
    # one more story from a site of its own, nearly all of it removed: a share from one document
    record = json.loads(folder_docs.read_text().splitlines()[0])
    record["id"] = "zz"
    record["provenance"] = [{"id": "zz", "site": "tiny", "similarity": 1.0, "removed": {"advertisement": 1},
                             "removed_chars": {"advertisement": 990}, "chars": 1000}]
    folder_docs.write_text(folder_docs.read_text() + json.dumps(record) + "\n")
    ranked = [name for name, _ in aggregate_output(tmp_path).top_sites()]
    assert ranked[-1] == "tiny" and len(ranked) == 6


def test_outputs_without_character_counts_say_so(tmp_path: Path) -> None:
    """An output folder written before `removed_chars` existed still gives a report, and says what it lacks."""
    write_folder(tmp_path, 4)
    path = tmp_path / "documents.jsonl"
    records = [json.loads(line) for line in path.read_text().splitlines()]
    for record in records:
        for member in record["provenance"]:
            del member["removed_chars"], member["chars"]
    path.write_text("".join(json.dumps(r) + "\n" for r in records))
    agg = aggregate_output(tmp_path)
    assert not agg.chars_known and agg.kinds_chars["advertisement"] == 4 * 10  # the canonical copies' spans only
    assert "predate per-copy character counts" in build_report(tmp_path)[0]


def test_merge_members_listed_are_bounded(tmp_path: Path) -> None:
    write_folder(tmp_path, 2, members=MERGE_MEMBERS_SHOWN + 10)
    agg = aggregate_output(tmp_path)
    assert all(len(m.members) == MERGE_MEMBERS_SHOWN and m.size == MERGE_MEMBERS_SHOWN + 10 for m in agg.largest)
    page, _ = build_report(tmp_path)
    assert "and 10 more members" in page


def test_top_k_keeps_the_k_smallest_keys() -> None:
    import random

    rng = random.Random(3)
    keys = [(rng.random(), f"id{i}") for i in range(1000)]
    top = _TopK(7)
    for key in keys:
        top.offer(key, lambda key=key: key)
    assert top.items() == sorted(keys)[:7]


def test_example_rows_are_cut_with_spans_clipped() -> None:
    source = "x" * (MAX_CHARS + 500)
    doc = Document(id="a", content=source, text="y" * 10, source_text=source,
                   removed=[Span(0, 5, "navigation", "nav"), Span(MAX_CHARS - 5, MAX_CHARS + 10, "ad", "ad"),
                            Span(MAX_CHARS + 20, MAX_CHARS + 30, "ad", "ad")])
    row = example_row(doc)
    assert len(row["source_text"]) == MAX_CHARS and row["truncated"]
    assert [(s["start"], s["end"]) for s in row["removed"]] == [(0, 5), (MAX_CHARS - 5, MAX_CHARS)]


def test_examples_file_holds_the_wanted_documents_only(tmp_path: Path) -> None:
    write_folder(tmp_path, 12)
    agg = aggregate_output(tmp_path)
    wanted = agg.wanted_ids()
    docs = [Document(id=f"d{i:06d}" + (f"-{k}" if k else ""), content="t", text="t", source_text="t")
            for i in range(12) for k in range(3)]
    write_report(tmp_path, docs)
    rows = read_examples(tmp_path, wanted)
    assert set(rows) == set(wanted) and len(wanted) < len(docs)
    lines = (tmp_path / EXAMPLES).read_text().splitlines()
    assert [json.loads(line)["id"] for line in lines] == [i for i in wanted if i in rows]


# -- rendering pieces ---------------------------------------------------------

def test_explain_html_strikes_removed_text_with_kind_and_reason() -> None:
    source = "Site Name\nThe council met on Tuesday. Photo: J. Smith\nMore text here."
    start = source.index("Photo")
    spans = [{"start": 0, "end": 9, "kind": "site_header", "reason": "the site's name"},
             {"start": start, "end": start + len("Photo: J. Smith"), "kind": "photo_credit", "reason": "a credit"}]
    html = explain_html(source, spans)
    assert '<p class="drop"><del>Site Name</del><span class="kind">site_header</span></p>' in html
    assert '<del title="photo_credit">Photo: J. Smith</del>' in html
    assert "↳ site_header: the site&#x27;s name" in html and "↳ photo_credit: a credit" in html
    assert "<p>More text here.</p>" in html


def test_diff_marks_changed_words_and_paragraphs() -> None:
    html = diff_html("a", "Same line.\nThe mayor said yes.\nOnly left.", "b", "Same line.\nThe mayor said no.")
    assert '<tr class="eq"><td>Same line.</td><td>Same line.</td></tr>' in html
    assert "The mayor said <del>yes.\nOnly left.</del>" in html and "The mayor said <ins>no.</ins>" in html
    # a copy that splits a paragraph in two differs by whitespace only: no word is marked
    split = diff_html("a", "Intro.\nThe council met. It voted yes.", "b", "Intro.\nThe council met.\nIt voted yes.")
    assert "<del>" not in split and "<ins>" not in split
    assert "The council met. It voted yes." in split and "The council met.\nIt voted yes." in split


# -- in a real browser --------------------------------------------------------

def _chromium_or_skip() -> str:
    from cleaner.report.browser import find_chromium

    required = os.environ.get("CLEANER_REQUIRE_CHROMIUM") == "1"
    exe = find_chromium()
    try:
        import websocket  # noqa: F401
    except ImportError:
        exe = None
    if exe is None:
        if required:
            pytest.fail("CLEANER_REQUIRE_CHROMIUM=1 but chromium or websocket-client is missing")
        pytest.skip("chromium (and websocket-client) not installed")
    return exe


FIGURES_JS = ("JSON.stringify(Object.fromEntries([...document.querySelectorAll('[data-manifest]')]"
              ".map(e => [e.dataset.manifest, [e.dataset.value, e.textContent]])))")


def test_report_in_headless_chromium(samples_out: Path, tmp_path: Path) -> None:
    from cleaner.report.browser import visit

    exe = _chromium_or_skip()
    page = samples_out / REPORT
    seen = visit(page, width=1280, height=900, expression=FIGURES_JS, full_page=True, chromium=exe)
    assert seen.console_errors == []
    assert seen.requests == [page.resolve().as_uri()]  # the file itself, nothing else
    check_figures({k: tuple(v) for k, v in json.loads(seen.value).items()}, json.loads((samples_out / "manifest.json").read_text()))
    assert seen.scroll_width <= 1280
    shot = tmp_path / "report-1280.png"
    shot.write_bytes(seen.screenshot)
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and shot.stat().st_size > 10_000
    # a phone: the page itself does not scroll sideways (wide tables scroll inside their box)
    # the inline script sorts a table by the clicked column (numbers as numbers)
    sort_js = ("(() => { const t = document.querySelector('#sites table'); t.tHead.rows[0].cells[3].click();"
               " return [...t.tBodies[0].rows].map(r => +r.cells[3].dataset.v); })()")
    removed = visit(page, expression=sort_js, chromium=exe).value
    assert len(removed) > 1 and removed == sorted(removed)
    phone = visit(page, width=390, height=844, chromium=exe)
    assert phone.console_errors == [] and phone.scroll_width <= 390
    (tmp_path / "report-390.png").write_bytes(phone.screenshot)
