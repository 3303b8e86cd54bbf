"""Tests of the HTML stage (cleaner/strip/html.py, cleaner/strip/prune.py)."""
from __future__ import annotations

import codecs
import gzip
import importlib.util
import json
import multiprocessing
import threading
import time
from pathlib import Path

import pytest

from cleaner.errors import ExtractionError, ExtractionTimeout
from cleaner.strip import html as H
from cleaner.strip.html import HtmlOptions, decode_html, extract_html, read_metadata
from cleaner.strip.prune import attribute_tokens, load_rules, rules_from_mapping

DATA = Path(__file__).parent / "data" / "html"
EVAL = Path(__file__).resolve().parents[2] / "shared" / "eval"


def fixture(name: str) -> bytes:
    return (DATA / name).read_bytes()


def kinds(extracted) -> set[str]:
    return {p["kind"] for p in extracted.pruned}


# ---------------------------------------------------------------------------
# pruning


def test_article_in_container_named_like_noise_survives():
    out = extract_html(fixture("article_in_related_container.html"), doc_id="bridge")
    assert "eleven months of repairs" in out.text
    assert "final load test" in out.text
    assert not out.fallback and out.engine == "density"
    assert "related-content" not in {p["selector"] for p in out.pruned}
    assert any("related div.related-content" in note for note in out.notes)
    # the real noise around it still goes
    assert {"navigation", "footer"} <= kinds(out)
    assert "Copyright" not in out.text and "Sport" not in out.text


def test_noise_is_pruned_and_reported():
    out = extract_html(fixture("noisy_article.html"), doc_id="library")
    text = out.text
    for paragraph in ("stay open until nine", "two thousand residents", "mobile library van", "homework club"):
        assert paragraph in text
    for noise in ("cookies", "Share on", "swimming pool", "grandmother", "newsletter", "reading room", "corrections"):
        assert noise not in text
    assert {"cookie_banner", "share", "comments", "newsletter", "navigation", "footer", "caption"} <= kinds(out)
    for entry in out.pruned:
        assert set(entry) >= {"kind", "reason", "selector", "chars"}
        assert entry["reason"]
    assert any(p["selector"] == "section#comments.comments-area" and p["chars"] > 100 for p in out.pruned)


def test_article_split_by_an_ad_comes_out_whole_without_the_story_cards():
    out = extract_html(fixture("split_article_with_teasers.html"), options=HtmlOptions(engine="density"))
    lines = out.text.split("\n")
    assert lines[0].startswith("The island ferry will run") and lines[-1].startswith("The operator said it would review")
    assert len(lines) == 4
    assert "Advertisement" not in out.text and "Harbour festival" not in out.text and "twenty local producers" not in out.text
    assert "Published 12 November" not in out.text  # the dateline before the story is not story


def test_paragraphs_made_of_line_breaks():
    out = extract_html(fixture("br_paragraphs_blog.html"), options=HtmlOptions(engine="density"))
    lines = out.text.split("\n")
    assert len(lines) == 4 and lines[0].startswith("The last of the runner beans") and lines[3].startswith("Next week")
    assert "railway station" not in out.text  # the sidebar's "about me" widget
    assert "rust too" not in out.text  # a comment
    assert {"sidebar", "comments"} <= kinds(out)


def test_include_comments_keeps_comments():
    out = extract_html(fixture("noisy_article.html"), options=HtmlOptions(include_comments=True, engine="density"))
    assert "comments" not in kinds(out)


def test_tables_and_repeats_follow_the_options():
    paras = "".join(f"<p>Paragraph {i} of a report on the council budget and what it pays for.</p>" for i in range(4))
    table = "<table><tr><td>Roads and bridges maintenance budget line</td><td>4.2 million</td></tr></table>"
    page = f"<html><body><article>{paras}{table}<p>Paragraph 0 of a report on the council budget and what it pays for.</p></article></body></html>"
    with_all = extract_html(page, options=HtmlOptions(engine="density"))
    assert "Roads and bridges" in with_all.text and with_all.text.count("Paragraph 0 of") == 2
    lean = extract_html(page, options=HtmlOptions(engine="density", include_tables=False, deduplicate=True))
    assert "Roads and bridges" not in lean.text and lean.text.count("Paragraph 0 of") == 1


def test_prune_off_keeps_marked_elements_in_the_walk():
    page = "<html><body><div class='comments'>" + "<p>Reader comment text that is long enough to be prose here.</p>" * 3
    page += "</div></body></html>"
    assert "Reader comment" in extract_html(page, options=HtmlOptions(prune=False, engine="density")).text


def test_page_wrapping_form_is_no_form_to_prune():
    story = "".join(f"<p>Sentence {i} of the story about the new tram line, long enough to be prose.</p>" for i in range(5))
    notice = "<p>" + "This is a legal notice about the website and its terms of use. " * 3 + "</p>"
    page = (
        "<html><body><form class='search'><label>Search the site</label><input name='q'></form>"
        f"<form id='aspnetForm' method='post'><div class='page'><div class='body'>{story}</div></div></form>"
        f"<div class='legal'>{notice}</div></body></html>"
    )
    out = extract_html(page, options=HtmlOptions(engine="density"))
    assert "Sentence 4 of the story" in out.text and "legal notice" not in out.text
    assert not any("kept" in note for note in out.notes)  # found in the first walk, no guard needed
    assert any(p["selector"] == "form.search" for p in out.pruned)


def test_main_element_is_never_pruned_even_inside_noise_names():
    body = "".join(f"<p>Sentence number {i} of the story, which is long enough to count as prose.</p>" for i in range(4))
    page = f"<html><body><div class='sidebar-layout'><main>{body}</main></div><aside><p>x</p></aside></body></html>"
    out = extract_html(page, options=HtmlOptions(engine="density"))
    assert "Sentence number 3" in out.text
    assert "div.sidebar-layout" not in {p["selector"] for p in out.pruned}


def test_hidden_copy_of_the_article_is_not_doubled():
    body = "".join(f"<p>Paragraph {i} says something about the harbour and the bridge repairs.</p>" for i in range(5))
    page = (
        f"<html><body><div class='story'>{body}</div>"
        f"<div style='display: none' itemscope><div itemprop='articleBody'>{body}</div></div></body></html>"
    )
    out = extract_html(page, options=HtmlOptions(engine="density"))
    assert out.text.count("Paragraph 4 says") == 1
    assert "hidden" in kinds(out)


def test_category_and_tag_classes_mark_nothing():
    rules = load_rules()
    assert rules.rule_for_marks("post type-post category-social-media tag-advertising") is None
    assert rules.rule_for_marks("social-media") is not None
    assert rules.rule_for_marks("content-with-sidebar has-sidebar") is None  # layout modifiers
    assert rules.rule_for_marks("sidebar") is not None


def test_attribute_tokens_split_words_and_humps():
    tokens, classes = attribute_tokens("relatedArticles share_bar ad-slot-300")
    assert {"related", "articles", "share", "bar", "ad", "slot", "300"} <= tokens
    assert "share_bar" in classes


def test_rules_are_data(tmp_path):
    rules = load_rules()
    assert {r.kind for r in rules.rules} >= {"navigation", "cookie_banner", "comments", "advertisement", "related"}
    assert all(r.reason for r in rules.rules)
    # a rules file of our own: only "boxout" elements are noise
    path = tmp_path / "rules.toml"
    path.write_text('guard_share = 0.9\n[[rule]]\nkind = "story_box"\ntokens = ["boxout"]\nreason = "test"\n')
    custom = rules_from_mapping({"rule": [{"kind": "story_box", "tokens": ["boxout"], "reason": "test"}]})
    assert custom.rule_for_marks("wide boxOut") is None  # camelCase humps split: "box", "out"
    assert custom.rule_for_marks("wide boxout") is not None and custom.rule_for_marks("nav") is None
    page = (
        "<html><body><nav><p>Menu text that is a long line but only in a nav element here.</p></nav>"
        + "<div class='boxout'><p>Box text</p></div>"
        + "".join(f"<p>Real paragraph {i} with words enough to be prose in this test page.</p>" for i in range(4))
        + "</body></html>"
    )
    out = extract_html(page, options=HtmlOptions(rules_path=str(path), engine="density"))
    assert kinds(out) == {"story_box"}
    assert "Menu text" in out.text and "Box text" not in out.text


# ---------------------------------------------------------------------------
# limits


def _slow_main_content(*args, **kwargs):
    time.sleep(30)
    raise AssertionError("the time limit did not stop the extraction")


def test_time_limit_stops_a_hanging_extractor(monkeypatch):
    monkeypatch.setattr(H, "main_content", _slow_main_content)
    with pytest.raises(ExtractionTimeout) as err:
        extract_html(fixture("noisy_article.html"), doc_id="slow", options=HtmlOptions(timeout=0.2))
    assert err.value.doc_id == "slow" and "time limit" in err.value.message


def test_time_limit_restores_the_previous_alarm_handler(monkeypatch):
    import signal

    before = signal.getsignal(signal.SIGALRM)
    extract_html(fixture("noisy_article.html"), options=HtmlOptions(timeout=5))
    assert signal.getsignal(signal.SIGALRM) is before
    assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)


def test_time_limit_leaves_a_callers_timer_running():
    import signal

    fired: list[int] = []
    previous = signal.signal(signal.SIGALRM, lambda signum, frame: fired.append(signum))
    try:
        signal.setitimer(signal.ITIMER_REAL, 30)
        extract_html(fixture("noisy_article.html"), options=HtmlOptions(timeout=5))
        remaining, _ = signal.getitimer(signal.ITIMER_REAL)
        assert 0 < remaining <= 30 and not fired
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def _extract_in_worker(page: bytes) -> str:
    H.main_content = _slow_main_content  # this worker's copy of the module only
    try:
        extract_html(page, doc_id="worker", options=HtmlOptions(timeout=0.2))
    except ExtractionTimeout as exc:
        return type(exc).__name__
    return "finished"


def test_time_limit_works_in_a_worker_process():
    ctx = multiprocessing.get_context("fork")
    with ctx.Pool(1) as pool:
        assert pool.apply(_extract_in_worker, (fixture("noisy_article.html"),)) == "ExtractionTimeout"


def test_time_limit_off_the_main_thread_uses_the_walk_deadline():
    # No SIGALRM outside the main thread: the block walk checks its deadline.
    page = "<html><body>" + "<div><p>word</p></div>" * 3000 + "</body></html>"
    result: list[BaseException | None] = []

    def run() -> None:
        try:
            extract_html(page, options=HtmlOptions(timeout=1e-9, engine="density"))
            result.append(None)
        except BaseException as exc:  # noqa: BLE001 - the test inspects it
            result.append(exc)

    thread = threading.Thread(target=run)
    thread.start()
    thread.join()
    assert isinstance(result[0], ExtractionTimeout)


def test_size_cap_rejects_with_reason():
    with pytest.raises(ExtractionError) as err:
        extract_html(b"<html>" + b"x" * 5000 + b"</html>", doc_id="big", options=HtmlOptions(max_bytes=1000))
    assert "max_bytes" in err.value.message and "5013" in err.value.message


# ---------------------------------------------------------------------------
# empty extraction


def test_empty_extraction_falls_back_to_page_text(monkeypatch):
    monkeypatch.setattr(H, "_trafilatura_text", lambda *a, **k: "")
    page = "<html><body><div><span>Opening hours: 9 to 5.</span></div><div>Closed on Sundays.</div></body></html>"
    out = extract_html(page, doc_id="tiny")
    assert out.fallback and out.engine == "page"
    assert "Opening hours: 9 to 5." in out.text and "Closed on Sundays." in out.text
    assert any("fell back to the whole-page text" in n for n in out.notes)
    assert any("used trafilatura" in n for n in out.notes)


def test_link_only_page_falls_back_not_empty():
    page = "<html><body><div>" + "".join(f"<a href='/{i}'>Section {i}</a> " for i in range(5)) + "</div></body></html>"
    out = extract_html(page, options=HtmlOptions(engine="density"))
    assert out.fallback and "Section 4" in out.text


@pytest.mark.parametrize("page", ["", "   ", "<html><body><img src='x.png'><script>var a = 1;</script></body></html>"])
def test_page_without_text_is_rejected_with_reason(page):
    with pytest.raises(ExtractionError) as err:
        extract_html(page, doc_id="empty")
    assert err.value.doc_id == "empty"
    assert "text" in err.value.message or "empty" in err.value.message


def test_text_only_inside_noise_falls_back_to_it(monkeypatch):
    monkeypatch.setattr(H, "_trafilatura_text", lambda *a, **k: "")
    out = extract_html("<html><body><nav><a href='/'>Home</a> <a href='/a'>About us</a></nav></body></html>")
    assert out.fallback and "About us" in out.text


def test_unknown_engine_is_a_config_error():
    from cleaner.errors import ConfigError

    with pytest.raises(ConfigError):
        extract_html("<p>x</p>", options=HtmlOptions(engine="magic"))


def test_short_density_result_goes_to_trafilatura(monkeypatch):
    monkeypatch.setattr(H, "_trafilatura_text", lambda *a, **k: "text from trafilatura")
    out = extract_html("<html><body><p>Just one short line.</p></body></html>")
    assert out.engine == "trafilatura" and out.text == "text from trafilatura" and not out.fallback


def test_trafilatura_engine_runs_on_the_pruned_page():
    out = extract_html(fixture("noisy_article.html"), options=HtmlOptions(engine="trafilatura"))
    assert out.engine == "trafilatura"
    assert "homework club" in out.text and "cookies" not in out.text


# ---------------------------------------------------------------------------
# encodings

TEXT = "Café “Ökonom” – 5 € naïve"


@pytest.mark.parametrize(
    "data, declared",
    [
        (f"<html><head><meta charset='windows-1252'></head><body><p>{TEXT}</p></body></html>".encode("cp1252"), None),
        (f"<html><head><meta charset=\"iso-8859-1\"></head><body><p>{TEXT}</p></body></html>".encode("cp1252"), None),
        (f"<html><body><p>{TEXT}</p></body></html>".encode("cp1252"), "windows-1252"),
        (f"<html><body><p>{TEXT}</p></body></html>".encode(), None),
        (codecs.BOM_UTF8 + f"<html><body><p>{TEXT}</p></body></html>".encode(), None),
        (f"<html><body><p>{TEXT}</p></body></html>".encode("utf-16"), None),  # BOM included
        # the BOM wins over a wrong declaration
        (codecs.BOM_UTF8 + f"<meta charset='latin-1'><p>{TEXT}</p>".encode(), "iso-8859-1"),
        # a declaration the bytes contradict is not trusted
        (f"<meta charset='utf-8'><p>{TEXT}: à la carte, crème brûlée, déjà vu, façade.</p>".encode("cp1252"), None),
    ],
)
def test_decode_html(data, declared):
    assert TEXT in decode_html(data, declared=declared)


def test_decode_latin1_without_declaration():
    text = "Los niños comieron piñas en el jardín de la señora Muñoz, que está en Peñíscola, años atrás."
    data = f"<html><body><p>{text}</p><p>{text}</p></body></html>".encode("latin-1")
    assert text in decode_html(data)


def test_extract_html_decodes_bytes():
    body = "".join(f"<p>{TEXT} is a line of the story, number {i}, with words enough.</p>" for i in range(5))
    out = extract_html(f"<html><head><meta charset='windows-1252'></head><body>{body}</body></html>".encode("cp1252"))
    assert TEXT in out.text


# ---------------------------------------------------------------------------
# metadata


def test_metadata_from_meta_tags():
    out = extract_html(fixture("noisy_article.html"), url="https://other.example/x")
    assert out.title == "Library extends opening hours"
    assert out.author == "Jane Doe"
    assert out.date == "2024-03-05"
    assert out.site == "The Valley Gazette"
    assert out.url == "https://valley-gazette.example/news/library-hours"
    assert out.language == "en-GB"


def test_metadata_from_json_ld_and_http_equiv():
    out = extract_html(fixture("jsonld_metadata.html"), url="https://stadtblatt.example/rad")
    assert (out.title, out.author, out.date, out.site) == (
        "Neue Fahrradwege in der Altstadt",
        "Max Muster",
        "2023-09-14",
        "Stadtblatt",
    )
    assert out.language == "de"
    assert out.url == "https://stadtblatt.example/rad"  # no canonical link: the given URL
    assert "Fahrradwege durch die Altstadt" in out.text


def test_metadata_falls_back_to_title_and_h1():
    from selectolax.lexbor import LexborHTMLParser

    meta = read_metadata(LexborHTMLParser("<html><body><h1>Only a heading</h1></body></html>"))
    assert meta["title"] == "Only a heading" and meta["author"] is None and meta["date"] is None


@pytest.mark.parametrize("title", ["Storm warning for the hills", "Storm warning for the hills | Valley News"])
def test_headline_repeated_in_body_is_not_text(title):
    para = "<p>Line {} of a story about the weather in the hills this week.</p>"
    body = para.format(0) + "<h1>Storm warning for the hills</h1>" + "".join(para.format(i) for i in range(1, 4))
    page = f"<html><head><title>{title}</title></head><body><article>{body}</article></body></html>"
    out = extract_html(page, options=HtmlOptions(engine="density"))
    assert out.title == title and "Storm warning" not in out.text and "Line 3" in out.text


# ---------------------------------------------------------------------------
# the development set, when present (not needed by the core suite)


def _score_module():
    spec = importlib.util.spec_from_file_location("eval_score", EVAL / "score.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.skipif(not (EVAL / "aeb" / "ground-truth.json").exists(), reason="../shared/eval not present")
def test_aeb_extraction_quality():
    score = _score_module()
    truth = json.loads((EVAL / "aeb" / "ground-truth.json").read_text(encoding="utf-8"))
    rows = []
    for path in sorted((EVAL / "aeb" / "html").glob("*.html.gz")):
        doc_id = path.name[: -len(".html.gz")]
        out = extract_html(gzip.decompress(path.read_bytes()), doc_id=doc_id, url=truth[doc_id]["url"])
        assert out.text.strip()
        rows.append(score.doc_score(truth[doc_id]["articleBody"], out.text))
    assert score.aggregate(rows)["f1"] >= 0.97
