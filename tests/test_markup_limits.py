"""Pre-parse caps of the HTML stage: pages the parser would spend minutes on are refused first."""
from __future__ import annotations

import time

import pytest
from conftest import eval_path

from cleaner import run
from cleaner.errors import ExtractionError
from cleaner.strip.html import HtmlOptions, extract_html
from cleaner.strip.markup_limits import markup_problem


def test_many_attributes_refused_quickly() -> None:
    page = "<html><body><div " + " ".join(f"a{i}=1" for i in range(1_000_000)) + ">x</div></body></html>"
    t0 = time.perf_counter()
    with pytest.raises(ExtractionError, match="max_attributes"):
        extract_html(page)
    assert time.perf_counter() - t0 < 5  # Lexbor alone: over 25 minutes


def test_deep_nesting_refused() -> None:
    page = "<html><body>" + "<div>" * 100_000 + "x" + "</div>" * 100_000 + "</body></html>"
    with pytest.raises(ExtractionError, match="max_depth"):
        extract_html(page)


def test_a_quoted_angle_bracket_does_not_hide_attributes() -> None:
    page = '<div a=">" ' + " ".join(f"b{i}" for i in range(3000)) + ">x</div>"
    assert "3001 attributes" in markup_problem(page, 1000, 2000)


def test_tags_in_scripts_and_comments_and_optional_ends_are_not_counted() -> None:
    script = "<script>" + "var s = '<div>';" * 5000 + "</script>"
    comment = "<!--" + "<div>" * 5000 + "-->"
    paragraphs = "<p>x" * 5000 + "<li>y" * 5000 + "<svg>" + "<path d='M0'/>" * 5000 + "</svg>"
    page = f"<html><body>{script}{comment}{paragraphs}<div>text</div></body></html>"
    assert markup_problem(page, 1000, 2000) is None
    assert markup_problem(page, 1000, 2000) is None
    assert markup_problem("<div>" * 2001, 1000, 2000) is not None
    assert markup_problem("<div>" * 2000, 1000, 2000) is None


def test_unclosed_comment_and_script_are_linear() -> None:
    page = "<!--" * 200_000 + "<script>" * 200_000
    t0 = time.perf_counter()
    assert markup_problem(page, 1000, 2000) is None
    assert time.perf_counter() - t0 < 2


def test_limits_are_options() -> None:
    page = "<html><body>" + "<section>" * 50 + "<p>" + "Words of the article. " * 40 + "</p>" + "</section>" * 50 + "</body></html>"
    with pytest.raises(ExtractionError, match="max_depth"):
        extract_html(page, options=HtmlOptions(max_depth=20))
    assert extract_html(page).text


def test_a_refused_page_is_a_rejection_in_a_run(tmp_path) -> None:
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "deep.html").write_text("<html><body>" + "<div>" * 5000 + "</body></html>")
    (tmp_path / "in" / "ok.txt").write_text("A plain article with enough words to be kept as a document of its own.\n")
    result = run(str(tmp_path / "in"))
    assert [r.id for r in result.rejected] == ["deep"] and "max_depth" in result.rejected[0].reason


def test_real_pages_are_under_the_limits() -> None:
    folder = eval_path("aeb", "html")
    for path in sorted(folder.iterdir()):
        assert markup_problem(path.read_bytes().decode("utf-8", "replace"), 1000, 2000) is None, path.name
