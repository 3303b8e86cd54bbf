"""Documents that do not say their site are grouped by their template's short lines."""
from __future__ import annotations

import json
from pathlib import Path

from cleaner.pipeline import RunOptions, run_paths
from cleaner.strip.corpus import template_key

HEADER = "Valley Courier\nHome\nNews\nSport\nWeather\n\n"
FOOTER = "\n\nAbout us\nContact\nPrivacy\n"
SITE_LINE = "The Valley Courier has served readers across the region as an independent newspaper since 1890."


def page(n: int, extra: str = "") -> str:
    body = (f"Story number {n} about the valley\n\n"
            f"The council met on day {n} to discuss the budget, which includes road repairs and a new library wing.\n\n"
            f"Officials said the plan number {n} would go to a public vote in the spring after a consultation.\n\n")
    return HEADER + body + extra + FOOTER


def test_pages_of_one_template_share_a_key_and_copies_on_other_sites_do_not() -> None:
    assert template_key(page(1)) == template_key(page(2)) is not None
    bare = "A headline only\n\nOne paragraph of an article that has no template around it at all, only prose.\n"
    assert template_key(bare) is None  # no short template lines: no stand-in
    other = "Other Gazette\nHome\nWorld\n\n" + page(1)[len(HEADER):-len(FOOTER)] + "\n\nImprint\nJobs\n"
    assert template_key(other) != template_key(page(1))  # the same story on another site


def test_site_lines_of_pages_without_a_site_are_removed_as_template(tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    raw.mkdir()
    for n in range(4):  # plain text files: no site field anywhere
        (raw / f"p{n}.txt").write_text(page(n, SITE_LINE + "\n\n"))
    out = tmp_path / "out"
    run_paths([str(raw)], out, RunOptions(dedup=False))
    docs = [json.loads(line) for line in (out / "documents.jsonl").read_text().splitlines()]
    assert len(docs) == 4
    for d in docs:
        assert SITE_LINE not in d["text"] and "public vote" in d["text"]
        assert d["site"] is None  # the stand-in is for evidence only, never written as the site
