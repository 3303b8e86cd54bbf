"""Cross-site restoration: lines the strip stage cut from the canonical copy by place or shape come
back into the record when copies on two other sites carry them (cleaner.neardup.canonical)."""
from __future__ import annotations

import json
import random
from dataclasses import replace
from pathlib import Path

from test_stream import _manifest, _same_run, made_up_paragraph, made_up_words

from cleaner import stream
from cleaner.neardup import DedupParams
from cleaner.neardup.canonical import CopyTexts, _Line, _Units, build_canonical, reads_as_story
from cleaner.neardup.shingles import normalise_bytes
from cleaner.pipeline import RunOptions, run_paths
from cleaner.records import Document, Span


def make_tail_corpus(path: Path, stories: int = 6, copies: int = 3, sites: int = 5, seed: int = 11) -> Path:
    """Stories of made-up words on sites with their own header and footer lines; every story ends
    with three lines below its last paragraph (a heading, a long line without a stop, a label) that
    the strip stage takes for the site's footer, and every copy carries them."""
    rng = random.Random(seed)
    vocab = made_up_words(rng)

    def paragraph() -> str:
        return made_up_paragraph(rng, vocab)

    def label(n: int) -> str:
        return " ".join(rng.choice(vocab) for _ in range(n)).capitalize()

    templates = [(f"Site {k}", [label(2) for _ in range(4)], [label(3) for _ in range(3)]) for k in range(sites)]
    with open(path, "w", encoding="utf-8") as handle:
        for s in range(stories):
            title, body, tail = label(6), [paragraph() for _ in range(8)], [label(2), label(9), label(3)]
            for c in range(copies):
                name, head, foot = templates[(s + c) % sites]
                text = "\n\n".join([*head, title, *body, *tail, *foot])
                handle.write(json.dumps({"id": f"t{s}-{c}", "site": name, "text": text}) + "\n")
    return path


def _tails(corpus: Path) -> dict[str, list[str]]:
    """Per story, the three lines below its last paragraph."""
    out = {}
    for line in corpus.open(encoding="utf-8"):
        record = json.loads(line)
        out.setdefault(record["id"].split("-")[0], record["text"].split("\n\n")[-6:-3])
    return out


def test_lines_the_strip_stage_cut_come_back_when_copies_on_two_other_sites_carry_them(tmp_path: Path) -> None:
    corpus = make_tail_corpus(tmp_path / "c.jsonl")
    result = run_paths([str(corpus)], None, RunOptions())
    tails = _tails(corpus)
    assert len(result.canonicals) == 6
    for record in result.canonicals:
        tail = tails[record.id.split("-")[0]]
        assert record.text.split("\n")[-3:] == tail  # back at their place: after the last paragraph
        assert [record.document.source_text[s.start:s.end] for s in record.restored] == tail
        assert {s.kind for s in record.restored} == {"site_footer"}
        # the record's removed spans no longer hold them; each site's own footer stays removed
        removed = [record.document.source_text[s.start:s.end] for s in record.removed]
        assert not any(line in piece for piece in removed for line in tail)
        assert any(s.kind == "site_footer" for s in record.removed) or any(s.kind == "boilerplate_repeated" for s in record.removed)
        assert "restored 3 line(s)" in record.cluster.reason
        assert record.to_dict()["restored"][0]["kind"] == "site_footer"


def test_two_copies_or_copies_on_one_other_site_are_not_enough(tmp_path: Path) -> None:
    two = make_tail_corpus(tmp_path / "two.jsonl", copies=2)
    assert all(not r.restored for r in run_paths([str(two)], None, RunOptions()).canonicals)
    # three copies, the two others on one site: one other site agrees
    one_site = tmp_path / "one-site.jsonl"
    rows = [json.loads(line) for line in make_tail_corpus(tmp_path / "three.jsonl").open()]
    with one_site.open("w") as handle:
        for row in rows:
            if not row["id"].endswith("-0"):
                row["site"] = "The Other Site"
            handle.write(json.dumps(row) + "\n")
    records = run_paths([str(one_site)], None, RunOptions()).canonicals
    assert records and all(not r.restored for r in records if r.cluster.size > 1)


def test_restore_sites_none_turns_it_off(tmp_path: Path) -> None:
    corpus = make_tail_corpus(tmp_path / "c.jsonl")
    off = RunOptions(dedup_params=replace(DedupParams(), restore_sites=None))
    result = run_paths([str(corpus)], None, off)
    assert all(not r.restored for r in result.canonicals)
    assert result.manifest["dedup"]["cross_copy_lines_restored"] == 0
    assert run_paths([str(corpus)], None, RunOptions()).manifest["dedup"]["cross_copy_lines_restored"] == 18


def test_a_streaming_run_restores_the_same_lines(tmp_path: Path, monkeypatch) -> None:
    corpus = make_tail_corpus(tmp_path / "c.jsonl", stories=12)
    memory = tmp_path / "memory"
    run_paths([str(corpus)], memory, RunOptions(streaming=False))
    assert _manifest(memory)["dedup"]["cross_copy_lines_restored"] == 36
    monkeypatch.setattr(stream, "PART_DOCUMENTS", 5)
    monkeypatch.setattr(stream, "CHOOSE_MEMBERS", 4)
    for driver, out in ((stream.InlineDriver(), "inline"), (None, "pool")):
        stream.run_streaming([str(corpus)], tmp_path / out, RunOptions(workers=2), driver=driver, batch=7)
        _same_run(tmp_path / out, memory)


def test_a_line_matches_a_whole_line_or_paragraph_not_a_sentence_it_quotes() -> None:
    paragraph = ("Wichita West senior David Garcia finished second in the fifty yard freestyle on Saturday, "
                 "a tenth of a second behind the winner from Salina South.")
    units = _Units(f"Header\n\n{paragraph}\n\nFooter line")

    def count(line: str, verbatim: bool = False) -> int:
        normal = normalise_bytes(line)
        return units.count(_Line(0, line, normal), normal, verbatim)

    assert count(paragraph) == 1
    assert count(paragraph.replace("fifty", "50")) == 1  # an edited copy of the line
    assert count("Wichita West senior David Garcia finished second in the fifty. (Photo: AFP)") == 0
    assert count(paragraph.replace("fifty", "50"), verbatim=True) == 0
    # a hard-wrapped copy: the paragraph's lines together
    wrapped = _Units(paragraph.replace(" second in", " second\nin").replace(" a tenth", "\na tenth"))
    assert wrapped.count(_Line(0, paragraph, normalise_bytes(paragraph)), normalise_bytes(paragraph)) == 1


def test_only_lines_that_read_as_story_text_come_back_by_their_words() -> None:
    assert reads_as_story("Make your browser match your style with themes")  # no stop, six words or more
    assert not reads_as_story("* Business")  # short: only next to the story, see below
    assert not reads_as_story("https://example.com/a/story/about/something/else/entirely")
    assert reads_as_story("Rewrite The Story With Depth In Mind")  # a subheading: cross-site evidence decides


def _doc(doc_id: str, site: str, lines: list[str], cut: dict[int, str], title: str = "A story") -> Document:
    """A cleaned copy: ``lines`` joined by blank lines, the ones in ``cut`` removed as that kind."""
    source = "\n\n".join(lines)
    spans, pos, kept = [], 0, []
    for k, line in enumerate(lines):
        if k in cut:
            spans.append(Span(pos, pos + len(line), cut[k], "test"))
        else:
            kept.append(line)
        pos += len(line) + 2
    return Document(id=doc_id, content=source, site=site, title=title, text="\n".join(kept), source_text=source, removed=spans)


def test_short_lines_need_a_story_neighbour_the_other_sites_share() -> None:
    story = ["One paragraph of the story that reads like prose and ends well.",
             "Another paragraph of the same story, also with a stop at its end."]
    # the canonical copy: a menu line above the story, a short heading below it (both cut)
    canonical = _doc("a", "A", ["* Business", *story, "Read more"], {0: "site_header", 3: "site_footer"})
    others = [_doc(i, s, ["* Business", "Home", *story, "Read more"], {}) for i, s in (("b", "B"), ("c", "C"))]
    record = build_canonical([canonical, *others], [1.0, 1.0, 1.0], texts=CopyTexts(None, 2))
    # "Read more" follows the story's last line on both other sites; "* Business" is followed by
    # another line there than the story's first
    assert [record.document.source_text[s.start:s.end] for s in record.restored] == ["Read more"]
    assert record.text.split("\n") == [*story, "Read more"]
    # a caption comes back only when the other sites have the same line
    caption = "A crowd gathers outside the hall before the vote on Tuesday evening."
    canonical = _doc("a", "A", [*story, caption + " (Photo: Wire)"], {2: "photo_credit"})
    others = [_doc(i, s, [*story, caption], {}) for i, s in (("b", "B"), ("c", "C"))]
    assert not build_canonical([canonical, *others], [1.0] * 3, texts=CopyTexts(None, 2)).restored
    canonical = _doc("a", "A", [*story, caption], {2: "photo_credit"})
    assert build_canonical([canonical, *others], [1.0] * 3, texts=CopyTexts(None, 2)).restored


def test_restored_spans_are_in_the_parquet_output_too(tmp_path: Path) -> None:
    pq = __import__("pytest").importorskip("pyarrow.parquet")
    corpus = make_tail_corpus(tmp_path / "c.jsonl")
    run_paths([str(corpus)], tmp_path / "out", RunOptions(formats=("jsonl", "parquet")))
    from_jsonl = {r["id"]: r.get("restored") for r in map(json.loads, (tmp_path / "out" / "documents.jsonl").open())}
    from_parquet = {r["id"]: r["restored"] for r in pq.read_table(tmp_path / "out" / "documents.parquet").to_pylist()}
    assert any(from_jsonl.values())
    assert from_parquet == from_jsonl
