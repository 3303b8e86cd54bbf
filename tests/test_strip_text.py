"""The plain-text strip stage on invented pages (none copied from the evaluation sets)."""
from __future__ import annotations

import re
import threading

import pytest

from cleaner.errors import ConfigError
from cleaner.strip.rules import (
    _compile,
    _make_rule,
    available_languages,
    check_pattern_safety,
    dispatch_key,
    load_rules,
    start_strings,
)
from cleaner.strip.segment import split_lines
from cleaner.strip.text import Stripped, TextOptions, guess_title, strip_text

P1 = ("The harbour authority of Port Verran said on Tuesday that the northern breakwater will be rebuilt "
      "over the next three winters, after storms opened two breaches in the stone wall last year.")
P2 = ("Engineers had warned for a decade that the structure, finished in 1911, was settling into the soft "
      "seabed at a rate that would leave it below the spring tide line by the end of the century.")
P3 = ("The work will cost about 40 million crowns, the authority said, most of it paid by the regional "
      "government, and fishing boats will be moved to the southern basin while the cranes are in place.")
P4 = ("Local skippers welcomed the decision but asked for the southern basin to be dredged first, since "
      "larger trawlers already touch bottom there at low water during the autumn months.")

PAGE = f"""Verran Coast Courier
* Home
* Local
* Harbour
* Weather
* Subscribe

Breakwater at Port Verran to be rebuilt after winter storms

By Ines Caldwell
March 3, 2031 at 9:14 am

{P1}

{P2}

Read more: Ferry timetable changes for the spring season

{P3}

ADVERTISEMENT

{P4} The old lighthouse at the end of the northern breakwater, seen from the town beach. (Photo: Tomas Reyes/Coast Images)

Leave a Reply
Your email address will not be published.
Required fields are marked *

Most Read
Council votes to close two rural schools
Storm warning issued for the northern coast
New bakery opens on Market Street

© 2031 Verran Coast Courier. All rights reserved.
"""


def _removed(text: str, out: Stripped) -> dict[str, str]:
    return {text[s.start:s.end]: s.kind for s in out.removed}


def _kind_of(text: str, out: Stripped, snippet: str) -> str | None:
    """The kind of the removed span that covers ``snippet`` (None when it was kept)."""
    start = text.index(snippet)
    for s in out.removed:
        if s.start <= start and start + len(snippet) <= s.end:
            return s.kind
    return None


def test_article_kept_noise_removed():
    out = strip_text(PAGE)
    assert out.text.split("\n") == [P1, P2, P3, P4]
    assert out.title == "Breakwater at Port Verran to be rebuilt after winter storms"
    def kind(snippet):
        return _kind_of(PAGE, out, snippet)

    assert kind("Breakwater at Port Verran to be rebuilt after winter storms") == "title"
    assert kind("Read more: Ferry timetable changes for the spring season") == "see_also"
    assert kind("ADVERTISEMENT") == "advertisement"
    assert kind("By Ines Caldwell") == "byline"
    assert kind("March 3, 2031 at 9:14 am") == "dateline"
    assert kind("* Local") == "navigation"
    assert kind("Most Read") == "headline_list"
    assert kind("Council votes to close two rural schools") == "headline_list"
    assert kind("New bakery opens on Market Street") == "headline_list"
    assert kind("Leave a Reply") == kind("Your email address will not be published.") == "comment_form"
    assert kind("© 2031 Verran Coast Courier. All rights reserved.") == "copyright"


def test_glued_caption_is_cut_paragraph_kept():
    out = strip_text(PAGE)
    kinds = _removed(PAGE, out)
    caption = "The old lighthouse at the end of the northern breakwater, seen from the town beach. (Photo: Tomas Reyes/Coast Images)"
    assert kinds[caption] == "photo_credit"
    assert P4 in out.text.split("\n")
    assert "lighthouse" not in out.text


def test_every_character_is_kept_or_explained():
    out = strip_text(PAGE)
    covered = [False] * len(PAGE)
    for s in out.removed:
        assert s.reason and s.kind
        for k in range(s.start, s.end):
            covered[k] = True
    for paragraph in out.text.split("\n"):
        start = PAGE.index(paragraph)
        for k in range(start, start + len(paragraph)):
            assert not covered[k]
            covered[k] = True
    leftover = "".join(ch for ch, c in zip(PAGE, covered) if not c)
    assert leftover.strip() == ""


def test_spans_sorted_and_disjoint():
    out = strip_text(PAGE)
    for a, b in zip(out.removed, out.removed[1:]):
        assert a.end <= b.start


def test_standalone_caption_with_file_credit():
    text = f"Minister opens new rail line to the coast\n\nThe new station at Oakfield on its opening day. (File)\n\n{P1}\n\n{P2}\n"
    out = strip_text(text)
    assert _removed(text, out)["The new station at Oakfield on its opening day. (File)"] == "photo_credit"
    assert out.text.split("\n") == [P1, P2]


def test_attribution_and_syndication_notice():
    text = (f"Harbour works to start in spring\n\n{P1}\n\n{P2}\n\n"
            "This article was originally published by The Northern Ledger.\n\n"
            "(Except for the headline, this story has not been edited by Coastline Daily staff and is published "
            "from a syndicated feed.)\n")
    out = strip_text(text)
    assert out.text.split("\n") == [P1, P2]
    assert out.attribution.original_publisher == "The Northern Ledger"
    assert out.attribution.republished_by == ["Coastline Daily"]
    assert len(out.attribution.notices) == 2
    kinds = set(_removed(text, out).values())
    assert {"attribution", "syndication_notice", "title"} <= kinds


def test_cookie_banner_and_share_buttons():
    text = (f"We use cookies to give you the best experience. By continuing to browse you agree to our cookie policy.\n"
            f"Accept\n\nRiver levels fall after a week of floods\n\n{P1}\n\n{P2}\n\nShare\nTweet\nEmail\n")
    out = strip_text(text)
    kinds = _removed(text, out)
    assert kinds[text.splitlines()[0]] == "cookie_banner"
    assert kinds["Share\nTweet\nEmail"] == "share_subscribe"
    assert out.text.split("\n") == [P1, P2]


def test_given_title_with_site_suffix_is_found():
    text = f"Menu\n\nBreakwater to be rebuilt | Verran Coast Courier\n\n{P1}\n\n{P2}\n"
    out = strip_text(text, title="Breakwater to be rebuilt")
    assert out.title == "Breakwater to be rebuilt"
    assert _removed(text, out)["Breakwater to be rebuilt | Verran Coast Courier"] == "title"
    assert out.text.split("\n") == [P1, P2]


def test_subheadings_inside_the_body_are_kept():
    text = f"Big storm ahead for the coast\n\n{P1}\n\nWhat happens next\n\n{P2}\n\n{P3}\n"
    out = strip_text(text)
    assert out.text.split("\n") == [P1, "What happens next", P2, P3]


def test_clean_text_is_left_alone():
    text = f"{P1}\n{P2}\n{P3}"
    out = strip_text(text)
    assert out.text == text
    assert out.removed == []


def test_headline_run_inside_body_and_repeated_site_name():
    heads = ["Council votes to close two rural schools", "Storm warning issued for the northern coast",
             "New bakery opens on Market Street", "Police appeal for witnesses after crash"]
    block = "\n".join(f"{h}\nCoast Courier" for h in heads)
    text = f"{P1}\n\n{P2}\n\n{block}\n\n{P3}\n\n{P4}\n"
    out = strip_text(text)
    assert out.text.split("\n") == [P1, P2, P3, P4]
    kinds = _removed(text, out)
    assert set(kinds.values()) <= {"headline_list", "boilerplate_repeated"}


def test_table_rows_inside_body_are_kept():
    rows = ["1  Harbour North   1,204   12.5%", "2  Harbour South     987    9.1%", "3  Old Basin         455    4.0%"]
    text = f"Harbour traffic in numbers\n\n{P1}\n\n" + "\n".join(rows) + f"\n\n{P2}\n\n{P3}\n"
    out = strip_text(text)
    assert out.text.split("\n") == [P1, *rows, P2, P3]


def test_empty_and_blank_input():
    for text in ("", "\n\n   \n", "   "):
        out = strip_text(text)
        assert out.text == "" and out.removed == [] and out.title is None


def test_guess_title():
    assert guess_title(PAGE) == "Breakwater at Port Verran to be rebuilt after winter storms"
    assert guess_title(f"{P1}\n{P2}") is None


def test_options_change_the_decision():
    # a short teaser run below the article: kept by favor_recall's weaker gap penalty, cut by default
    strict = strip_text(PAGE, options=TextOptions(favor_precision=True))
    loose = strip_text(PAGE, options=TextOptions(favor_recall=True))
    assert P1 in strict.text and P1 in loose.text
    assert len(loose.text) >= len(strict.text)


def test_language_tables_and_fallback():
    assert "en" in available_languages()
    assert load_rules("xx").language == "en"
    assert load_rules("en-GB").language == "en"
    for lang in available_languages():
        rules = load_rules(lang)
        assert rules.rules and rules.line is not None and rules.prefix is not None


def test_german_table_inherits_english_rules():
    if "de" not in available_languages():
        pytest.skip("no German table")
    rules = load_rules("de")
    kinds = {r.kind for r in rules.rules.values()}
    assert "comment_form" in kinds  # from en
    text = f"Lesen Sie auch: Neue Fähre nach Sylt\n\n{P1}\n\nAnzeige\n\n{P2}\n"
    out = strip_text(text, language="de")
    assert out.text.split("\n") == [P1, P2]


# ------------------------------------------------------------------ rule tables
def test_every_table_pattern_is_safe():
    for lang in available_languages():
        for rule in load_rules(lang).rules.values():
            check_pattern_safety(rule.pattern, rule.id)


@pytest.mark.parametrize("pattern", [r"(a+)+b", r"(?:\w+\s?)*$", r"(x|y{1,9}){2,}", r"(?:(?:ab)*c)+"])
def test_nested_quantifiers_are_refused(pattern):
    with pytest.raises(ConfigError):
        check_pattern_safety(pattern)


def test_bad_rule_rows_are_refused():
    with pytest.raises(ConfigError):
        _make_rule("t0", {"kind": "x", "mode": "sideways", "reason": "r", "pattern": "a"})
    with pytest.raises(ConfigError):
        _make_rule("t0", {"kind": "x", "mode": "line", "reason": "r", "pattern": "a", "sets": "original_publisher"})
    with pytest.raises(ConfigError):
        _make_rule("t0", {"kind": "x", "mode": "line", "reason": "r", "pattern": "(a+)+"})
    with pytest.raises(ConfigError):
        _make_rule("t0", {"kind": "x", "mode": "line", "pattern": "a"})


@pytest.mark.parametrize("pattern", [r"(a|b) ?x ?\1", r"(?P<sep>[/|]) (?P=sep)", r"(a)\g<1>"])
def test_backreferences_are_refused(pattern):
    # rules of one mode share one combined pattern, where group numbers shift: a backreference
    # there would silently point at another rule's group
    with pytest.raises(ConfigError):
        _make_rule("t0", {"kind": "x", "mode": "line", "reason": "r", "pattern": pattern})
    _make_rule("t0", {"kind": "x", "mode": "line", "reason": "r", "pattern": r"a\\1"})  # an escaped backslash


@pytest.mark.parametrize("pattern,starts", [
    ("foo|bar", {"foo", "bar"}),
    (r"(?:see )?also\b", {"see ", "also"}),
    (r"\d{1,3} min", {"0 mi", "00 m", "000 "}),  # digits are "0" in dispatch keys
    (r"ad\s?[:.]", {"ad:", "ad.", "ad :", "ad ."}),  # blanks are " " in dispatch keys
    (r"ad[^x]", {"ad"}),  # a negated class stops the expansion: the start is what came before
    (r"[^x]foo", None),  # a negated class: any first character
    (r"(?:a)?", None),  # can match the empty string
])
def test_start_strings(pattern, starts):
    found = start_strings(pattern, 4)
    assert (None if found is None else set(found)) == starts


def test_start_strings_of_leading_punctuation():
    found = start_strings(r"[-_\s]{0,3}(?:ad|sponsored)", 4)
    assert {"ad", "spon", "-ad", "- ad", "_-ad", "-- s"} <= found
    assert not any(s.startswith(" ") for s in found)  # a line never starts with a blank


def test_dispatch_key():
    assert dispatch_key("read more") == "read m"[:len(dispatch_key("read more"))]
    assert dispatch_key("12 comments")[:4] == "00 c"
    assert dispatch_key("a\u00a0b")[:3] == "a b"  # every blank is " "
    assert dispatch_key("٣ min")[:2] == "0 "  # every decimal digit is "0"


def test_tail_rules_are_bounded():
    # a tail rule is searched for only in the last `width` characters of a line
    for lang in available_languages():
        for rule in load_rules(lang).tail:
            assert rule.width is not None and rule.width <= 200, rule.id
    assert _make_rule("t0", {"kind": "x", "mode": "tail", "reason": "r", "pattern": r"\(photo\)"}).width == 8  # "(photo)" and a space
    assert _make_rule("t0", {"kind": "x", "mode": "tail", "reason": "r", "pattern": r"\(.+\)"}).width is None


def test_prefix_dispatch_matches_like_the_whole_tables():
    # the dispatch only leaves out rules that cannot match: the first rule that matches (line and
    # prefix rules in table order) is the one the whole tables report
    rules = load_rules("en")
    order = rules.order
    lines = [PAGE, P1, "* Home", "Read more: x", "- Advertisement -", "(Photo: A/B)", "© 2031 X", "12 comments",
             "Share this: Facebook Twitter", "[Read more: x]", "5 min read", "", "über", "9 Kommentare",
             "ADVERTISEMENT", "Advertisement\u00a0", "\u00a0Home", "٣ comments", "Read more » x", "Related: x",
             "Sign up for our newsletter", "Subscribe", "Tags: a, b"]
    for language in available_languages():
        rules = load_rules(language)
        order = rules.order
        for text in "\n".join(lines).split("\n"):
            low = text.strip().lower()
            if not low:
                continue
            found = [m for m in (rules.line.match(low) if rules.line else None,
                                 rules.prefix.match(low) if rules.prefix else None) if m is not None]
            expected = min((m.lastgroup for m in found), key=order.get, default=None)
            pattern = rules.start_dispatch.pattern_for(dispatch_key(low))
            got = pattern.match(low) if pattern is not None else None
            assert (got and got.lastgroup) == expected, (language, text)


def test_combined_pattern_reports_the_rule():
    rules = _compile("t", [("t0", {"kind": "k0", "mode": "line", "reason": "r0", "pattern": "foo"}),
                          ("t1", {"kind": "k1", "mode": "prefix", "reason": "r1", "pattern": "bar"})], frozenset())
    assert rules.line.match("foo").lastgroup == "t0"
    assert rules.line.match("foo bar") is None
    assert rules.prefix.match("bar and more").lastgroup == "t1"
    assert rules.line_max_chars == 3


# ------------------------------------------------------------- adversarial input
def _finishes(fn, seconds: float = 60.0):
    """Run fn in a thread; a hang detector only (catastrophic backtracking would take hours)."""
    result: dict = {}

    def target():
        result["value"] = fn()

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    thread.join(seconds)
    assert not thread.is_alive(), "strip_text did not finish: a pattern backtracks catastrophically"
    return result["value"]


ADVERSARIAL = [
    "a" * 1_000_000,
    " " * 1_000_000 + "x",
    "(" * 200_000,
    "(Photo " * 150_000,
    "See also " * 120_000,
    "by " * 300_000,
    "Originally published by " * 40_000,
    "this story has not been edited by " * 30_000,
    "cookies " * 120_000,
    "1 " * 500_000,
    "." * 1_000_000,
    "\u00a0" * 500_000 + "end.",
    "Ab. " * 250_000,
]


@pytest.mark.parametrize("line", ADVERSARIAL, ids=lambda s: repr(s[:12]))
def test_adversarial_lines_finish_and_are_faithful(line):
    text = f"Title of a page about nothing\n\n{P1}\n\n{line}\n\n{P2}\n"
    out = _finishes(lambda: strip_text(text))
    for paragraph in out.text.split("\n"):
        assert paragraph in text
    for s in out.removed:
        assert 0 <= s.start < s.end <= len(text)


def test_one_megabyte_prose_line_is_kept_whole():
    sentence = "The council met again on Monday and agreed to keep the harbour open through the winter. "
    big = (sentence * (1_000_000 // len(sentence))).strip()
    text = f"Harbour stays open\n\n{big}\n"
    out = _finishes(lambda: strip_text(text))
    assert out.text == big


def test_one_megabyte_caption_tail_line():
    body = "The council met again on Monday and agreed to keep the harbour open. " * 14_000
    line = body + "A crane on the quay at dawn. (AP Photo/" + "x" * 100_000 + ")"
    out = _finishes(lambda: strip_text(f"{P1}\n\n{line}\n\n{P2}\n"))
    assert P1 in out.text and P2 in out.text


def test_segmentation_offsets():
    text = "  first line  \r\n\n\t* second item\n   \nthird"
    lines = split_lines(text)
    assert [ln.text for ln in lines] == ["first line", "* second item", "third"]
    assert [text[ln.start:ln.end] for ln in lines] == ["first line", "* second item", "third"]
    assert lines[1].bullet and lines[1].body == "second item"
    assert re.fullmatch(r"\w+", lines[2].body)


def test_extracted_text_keeps_lists_and_still_applies_rules():
    # an extractor's main content (HTML mode): a table of results after one sentence of prose
    rows = [f"{n} {name}" for n, name in enumerate(["Harbour North", "Harbour South", "Old Basin", "Quay Street",
                                                   "Ferry Pier", "Dry Dock", "Fish Market", "Lighthouse"], 1)]
    text = (f"Results of the harbour survey\n\n{P1}\n\nSurveyed sites\n" + "\n".join(rows)
            + "\n\nSee also: Storm warning issued for the northern coast\n\nPlease enter your comment!\n")
    whole_page = strip_text(text)
    extracted = strip_text(text, options=TextOptions(extracted=True))
    assert extracted.text.split("\n") == [P1, "Surveyed sites", *rows]
    assert extracted.title == "Results of the harbour survey"
    kinds = {text[s.start:s.end]: s.kind for s in extracted.removed}
    assert kinds["See also: Storm warning issued for the northern coast"] == "see_also"
    assert kinds["Please enter your comment!"] == "comment_form"
    # a whole flattened page is cut to its prose core instead
    assert whole_page.text.split("\n") == [P1]


@pytest.mark.parametrize(
    ("line", "kind"),
    [
        ("Story continues below advertisement", "advertisement"),
        ("- Advertisement -", "advertisement"),
        ("Scroll to continue with content", "advertisement"),
        ("Sponsored Content", "advertisement"),
        ("READ MORE: Ferry timetable changes for the spring season", "see_also"),
        ("Also Read | Council votes to close two rural schools", "see_also"),
        ("Related: Storm warning issued for the northern coast", "see_also"),
        ("The old pier at dawn. (Photo by Jane Roe/Getty Images)", "photo_credit"),
        ("Image credit: Coast Images", "photo_credit"),
        ("(AP Photo/John Doe, File)", "photo_credit"),
        ("This article is republished from The Harbour Review under a Creative Commons license.", "attribution"),
        ("Sign up for our daily newsletter to get the latest stories delivered to your inbox.", "share_subscribe"),
        ("Follow us on Twitter and Facebook", "share_subscribe"),
        ("Copyright © 2031 Coast Media Group. All rights reserved.", "copyright"),
        ("Tags: harbour, storms, council", "navigation"),
        ("Updated: March 4, 2031 10:02 am", "dateline"),
        ("5 min read", "reading_time"),
        ("(Reporting by Ines Caldwell; Editing by Tomas Reyes)", "byline"),
        ("FILE PHOTO: A crane lifts a block onto the quay at Port Verran, March 2, 2031.", "photo_credit"),
        ("3 of 12", "photo_credit"),
        ("Share to LinkedIn LinkedIn Share to Facebook Facebook Share to Email Email", "share_subscribe"),
        ("By signing up, you agree to our Terms of Use and Privacy Policy.", "share_subscribe"),
        ("As you comment, please be respectful of other readers and stay on topic.", "comment_form"),
        ("Image caption The old pier at dawn, before the storm", "photo_credit"),
        ("The quay at dawn, seen from the ferry. Credit: Coast Images", "photo_credit"),
        ("This document is subject to copyright.", "copyright"),
        ("Share this with your friends (opens in a new window)", "share_subscribe"),
    ],
)
def test_rule_table_kinds(line, kind):
    text = f"{P1}\n\n{line}\n\n{P2}\n\n{P3}\n"
    out = strip_text(text)
    assert _kind_of(text, out, line) == kind
    assert out.text.split("\n") == [P1, P2, P3]


def test_republished_from_sets_the_original_publisher():
    text = f"{P1}\n\n{P2}\n\nThis article is republished from The Harbour Review under a Creative Commons license.\n"
    assert strip_text(text).attribution.original_publisher == "The Harbour Review"


def test_article_sentences_that_resemble_rules_are_kept():
    # prose that merely mentions cookies, comments, photos or advertising is article text
    lines = [
        "The bakery on Market Street sold more than two thousand cookies on the first day, the owner said.",
        "Residents left more than three hundred comments on the council's plan during the consultation period.",
        "A photo of the flooded quay, taken by a ferry passenger, was shared widely on Monday evening.",
        "Advertising revenue at the regional paper fell by a fifth last year, according to its annual report.",
    ]
    text = "\n\n".join([P1, *lines, P2]) + "\n"
    out = strip_text(text)
    assert out.text.split("\n") == [P1, *lines, P2]


def test_headline_inside_a_prose_run_starts_the_article():
    promo = ("Our newsroom has covered the towns of the northern coast since 1921, and every week our "
             "reporters bring you the stories that matter to the people who live and work here.")
    text = f"Menu\nSearch\n\n{promo}\n\nHarbour Authority Confirms Plan To Rebuild The Northern Breakwater\n\n{P1}\n\n{P2}\n\n{P3}\n"
    out = strip_text(text)
    assert out.title == "Harbour Authority Confirms Plan To Rebuild The Northern Breakwater"
    assert out.text.split("\n") == [P1, P2, P3]
    assert _kind_of(text, out, promo) == "site_header"


def test_title_case_subheading_does_not_cut_the_article():
    text = f"Breakwater to be rebuilt after storms\n\n{P1}\n\nWhat The Engineers Found In The Old Wall\n\n{P2}\n\n{P3}\n"
    out = strip_text(text)
    assert out.title == "Breakwater to be rebuilt after storms"
    assert out.text.split("\n") == [P1, "What The Engineers Found In The Old Wall", P2, P3]


def test_schedule_list_after_the_body_is_kept():
    dates = ["May 3 – Port Verran, Harbour Hall", "May 5 – Oakfield, Town Square", "May 9 – Holmvik, Quay Street Arena",
             "May 12 – Northgate, Riverside Park"]
    heads = ["Council votes to close two rural schools", "Storm warning issued for the northern coast",
             "New bakery opens on Market Street"]
    text = (f"Choir announces spring tour of the coast\n\n{P1}\n\n{P2}\n\nTour dates\n" + "\n".join(dates)
            + "\n\nMost Read\n" + "\n".join(heads) + "\n")
    out = strip_text(text)
    assert out.text.split("\n") == [P1, P2, "Tour dates", *dates]
    assert _kind_of(text, out, heads[0]) == "headline_list"


def test_agency_dateline_paragraph_is_not_the_title():
    text = f"Talks on the harbour fund end without a deal\n\nVERRAN (Reuters) — Talks on the fund ended on Monday\n\n{P1}\n\n{P2}\n"
    out = strip_text(text)
    assert out.title == "Talks on the harbour fund end without a deal"
    assert guess_title(text) == out.title


def test_title_with_the_site_suffix():
    promo = ("Our newsroom has covered the towns of the northern coast since 1921, and every week our "
             "reporters bring you the stories that matter to the people who live and work here.")
    text = f"Menu\n\n{promo}\n\nBreakwater to be rebuilt after storms | Verran Coast Courier\n\n{P1}\n\n{P2}\n"
    out = strip_text(text, site="Verran Coast Courier")
    assert out.title == "Breakwater to be rebuilt after storms"
    assert out.text.split("\n") == [P1, P2]
    assert _kind_of(text, out, "Breakwater to be rebuilt after storms | Verran Coast Courier") == "title"
    assert guess_title(text, site="Verran Coast Courier") == "Breakwater to be rebuilt after storms"


def test_comment_link_under_the_headline_does_not_end_the_article():
    teaser = ("Our newsroom has covered the towns of the northern coast since 1921, and every week our "
              "reporters bring you the stories that matter to the people who live here.")
    text = (f"{teaser}\n\nBreakwater to be rebuilt after storms\nMarch 3, 2031\nLeave a comment\n\n"
            f"{P1}\n\n{P2}\n\n{P3}\n\nLeave a Reply\nYour email address will not be published.\n")
    out = strip_text(text)
    assert out.text.split("\n") == [P1, P2, P3]
    assert out.title == "Breakwater to be rebuilt after storms"


@pytest.mark.parametrize("line,kind", [
    ("Workers at the dam. (FİLE PHOTO)", "photo_credit"),  # İ: "fi̇le" after str.lower()
    ("Workers at the dam. Jane Doe vİa AFP", "photo_credit"),
    ("Workers at the dam. Jane Doe vıa AFP", "photo_credit"),  # dotless i: IGNORECASE takes it for i
    ("Updated ٣:00 GMT", "dateline"),  # \d matches digits of other scripts; the hints name ASCII ones
    ("١٢:30", "dateline"),
])
def test_hints_see_what_the_patterns_see(line, kind):
    # a rule's hints must be a necessary condition of its match: characters that IGNORECASE or \d
    # equate with ASCII (but str.lower does not) must not hide a hint
    text = f"{P1}\n\n{line}\n\n{P2}"
    out = strip_text(text)
    assert _kind_of(text, out, line.split(". ")[-1]) == kind
    assert P1 in out.text and P2 in out.text


def test_a_long_credit_is_found_by_its_hint():
    # a credit label can start more than 100 characters before the end of the line; hints of tail
    # rules are looked for in the last TAIL_WINDOW characters, and no hinted tail rule is longer
    credit = "Photographs courtesy: " + ("Kell Regional Water Board Archive and the Valley Historical Society "
                                        "Collection, " * 2)[:80] + "."
    text = f"{P1}\n\n{P3} {credit}\n\n{P2}"
    out = strip_text(text)
    assert credit not in out.text and P1 in out.text and P2 in out.text


def test_hinted_tail_rules_are_bounded_by_the_window():
    from cleaner.strip.rules import TAIL_WINDOW

    with pytest.raises(ConfigError, match="at most"):
        _make_rule("t0", {"kind": "x", "mode": "tail", "reason": "r", "pattern": r"credit: .{1,200}", "hint": ["credit"]})
    with pytest.raises(ConfigError, match="unbounded"):
        _make_rule("t0", {"kind": "x", "mode": "tail", "reason": "r", "pattern": r"credit: .+", "hint": ["credit"]})
    assert _make_rule("t0", {"kind": "x", "mode": "tail", "reason": "r", "pattern": r"credit: .+"}).hint == ()
    for lang in available_languages():
        assert all(r.width is not None and r.width <= TAIL_WINDOW for r in load_rules(lang).tail if r.hint)


# ----------------------------------------------------------------------------- robustness of the text
def _wrapped(paragraphs, width=72, sep="\n\n"):
    import textwrap

    return sep.join(textwrap.fill(p, width) for p in paragraphs)


@pytest.mark.parametrize("width", [64, 72, 76, 80])
def test_hard_wrapped_paragraphs_are_decided_as_paragraphs(width):
    import textwrap

    flat = strip_text(PAGE)
    page = "\n".join(textwrap.fill(line, width) for line in PAGE.split("\n"))  # as a mail client sends it
    assert max(len(line) for line in page.splitlines()) <= width < max(len(line) for line in PAGE.splitlines())
    wrapped = strip_text(page)
    assert wrapped.text == flat.text  # the same paragraphs, each on one line
    assert [(s.kind, s.reason) for s in wrapped.removed] == [(s.kind, s.reason) for s in flat.removed]
    for span in wrapped.removed:  # offsets into the wrapped input
        assert page[span.start:span.end].strip() and not page[span.start - 1:span.start].strip()


def test_hard_wrapped_text_keeps_offsets_of_a_cut_caption():
    caption = " The old lighthouse at the end of the northern breakwater. (Photo: Tomas Reyes/Coast Images)"
    page = "Breakwater to be rebuilt\n\n" + _wrapped([P1, P2, P3 + caption, P4], 72)
    out = strip_text(page)
    credit = [s for s in out.removed if s.kind == "photo_credit"]
    assert len(credit) == 1 and page[credit[0].start:credit[0].end].replace("\n", " ") == caption.strip()
    assert P3 in out.text.split("\n")


def test_wrapped_lines_without_paragraph_breaks_and_short_last_lines():
    page = "Breakwater to be rebuilt\n" + _wrapped([P1, P2, P3, P4], 72, sep="\n")
    lines = split_lines(page)
    assert [line.text for line in lines][1:] == [P1, P2, P3, P4]


def test_not_reflowed_tables_lists_short_lines_and_unspaced_scripts():
    rows = [f"{k:<4}{name:<22}{k * 97:>8}{k % 7:>8}{k % 3:>8}" for k, name in enumerate(
        ["Harbour North", "Harbour South", "Old Basin", "Fish Quay", "Ferry Pier", "Dry Dock", "Marina"] * 3)]
    for text in ("\n".join(rows),  # a fixed-width table
                 "\n".join(f"* {P1[:70]}" for _ in range(10)),  # list items
                 "\n".join(["Home", "News", "Sport", "Weather"] * 5),
                 "\n".join(["水库的水位已降至五十年来的最低点，当局周二表示，农民被要求减少灌溉。水库的水位已降至五十年来的最低点。"] * 8),
                 PAGE):
        assert len(split_lines(text)) == len([line for line in text.splitlines() if line.strip()])


STRAY_MARKUP = ["<![endif]-->", '<div id="x"></div>', "<br>", "<br/>", "<!--[if lt IE 9]>", "</p>", '<img src="a.jpg" alt="">']


@pytest.mark.parametrize("tag", STRAY_MARKUP)
def test_stray_markup_lines_are_noise(tag):
    clean = strip_text(PAGE)
    page = PAGE.replace(f"\n\n{P2}\n\n", f"\n\n{tag}\n{P2}\n{tag}\n\n").replace("Verran Coast Courier\n", f"{tag}\nVerran Coast Courier\n", 1)
    out = strip_text(page)
    assert out.text == clean.text
    markup = [s for s in out.removed if s.kind == "markup"]
    assert [page[s.start:s.end] for s in markup] == [tag] * 3


def test_text_that_mentions_a_tag_is_kept():
    line = "Type <br> where the line should break, the manual says, and save the file before you close it."
    out = strip_text(f"{P1}\n\n{line}\n\n{P2}")
    assert line in out.text.split("\n")


def test_markup_quoted_in_a_code_sample_is_kept():
    sample = ["<!DOCTYPE html>", "<html>", "<head>", '  <meta charset="utf-8">', "  <title>Test</title>", "</head>"]
    page = f"{P1}\n\nThe test page starts like this:\n\n" + "\n".join(sample) + f"\n\n{P2}\n\n<br>\n\n{P3}"
    out = strip_text(page)
    # (the core may still leave the sample out as a gap between paragraphs: it is not called markup)
    assert [page[s.start:s.end] for s in out.removed if s.kind == "markup"] == ["<br>"]


@pytest.mark.parametrize("variant", ["crlf", "cr-lf-blank", "tabs", "nbsp", "zero-width", "bom"])
def test_blanks_of_every_kind(variant):
    """CRLF line ends, tab indents, non-breaking spaces between words and zero-width spaces give
    the article that the plain page gives (the same paragraphs, blanks aside)."""
    flat = strip_text(PAGE)
    if variant == "crlf":
        page = PAGE.replace("\n", "\r\n")
    elif variant == "cr-lf-blank":
        page = PAGE.replace("\n\n", "\n \r\n\t\n")
    elif variant == "tabs":
        page = "\n".join("\t" + line if line else line for line in PAGE.split("\n"))
    elif variant == "nbsp":
        page = PAGE.replace(P1, P1.replace(" ", "\u00a0")).replace(P3, P3.replace(", ", ",\u202f"))
    elif variant == "zero-width":
        page = PAGE.replace("\n\n", "\n\u200b\n").replace(P2, "\u200b" + P2 + "\u200b")
    else:
        page = "\ufeff" + PAGE
    out = strip_text(page)
    assert [" ".join(p.split()) for p in out.text.split("\n")] == [" ".join(p.split()) for p in flat.text.split("\n")]
    for span in out.removed:
        assert page[span.start:span.end].strip("\u200b\ufeff \t\r\n")


def test_bullets_of_every_kind():
    menu = ["Home", "Local", "Harbour", "Weather", "Subscribe"]
    for bullet in ("*", "•", "◦", "‣", "▪", "►", "–", "-", "·", "→"):
        page = PAGE.replace("* Home\n* Local\n* Harbour\n* Weather\n* Subscribe", "\n".join(f"{bullet} {m}" for m in menu))
        out = strip_text(page)
        assert out.text == strip_text(PAGE).text, bullet


def test_lines_that_mix_scripts():
    mixed = ("港湾局は火曜日、北側の防波堤を今後3年の冬にかけて再建すると発表した (the Port Verran harbour authority), "
             "and said the work would cost about 40 million crowns according to the regional government.")
    page = PAGE.replace(P2, mixed)
    out = strip_text(page)
    assert mixed in out.text.split("\n")


def test_words_apart_by_non_breaking_spaces():
    from cleaner.strip.segment import count_words

    assert count_words("Read\u00a0more") == 2
    assert count_words("The\u00a0board\u202fmet on Friday") == 5
    assert count_words("水库的水位已降至五十年来的最低点，当局周二表示，农民被要求减少灌溉。") >= 10  # (no spaces: by characters)


def test_wrapped_article_inside_an_unwrapped_template_is_reflowed():
    """A page whose template (long headline lines, a footer) is not wrapped while its article is:
    the article's lines are joined back, the template's lines are not."""
    template = [f"Harbour authority news digest number {k}: the ferry timetable for the winter season, the fish "
                f"quay works and the new marina berths explained for readers in part {k}" for k in range(12)]
    page = "\n\n".join(template[:6]) + "\n\n" + _wrapped([P1, P2, P3, P4], 76) + "\n\n" + "\n\n".join(template[6:])
    texts = [line.text for line in split_lines(page)]
    assert all(p in texts for p in (P1, P2, P3, P4))
    assert all(t in texts for t in template)


def test_a_list_of_capitalised_headlines_near_one_column_is_not_reflowed():
    heads = ["Harbour Board Approves Plan For The Northern Breakwater Works",
             "'Ferry Timetable' Changes Announced For The Coming Winter Season",
             "Fish Quay Traders Welcome Extended Opening Hours This Summer",
             "'Lighthouse Keepers' Remembered At The Maritime Museum Today",
             "Marina Berths Sold Out Within Hours Of Going On General Sale",
             "Regional Government Confirms Funding For New Coastal Defences"]
    text = "\n".join(heads * 3)
    assert [line.text for line in split_lines(text)] == heads * 3


HOWTO_STEPS = [
    "Fill the bottom of the jar with a layer of small pebbles about two centimetres deep, so that the water "
    "that drains from the soil has somewhere to collect and the roots of the plants never stand in it.",
    "Add the charcoal.",
    "Spread a thin layer of charcoal over the pebbles; it keeps the air in the jar fresh.",
    "Add the soil and press it down gently with the back of a spoon.",
    "Plant the ferns and mosses, the tallest at the back, and mist them with a little water.",
]


def test_a_body_goes_on_below_subheadings_lists_and_captions():
    page = (
        "Garden Notes\n\n* Home\n* Plants\n* Tools\n\nHow to plant a bottle garden\n\n"
        "A bottle garden is a small world under glass: once it is closed it waters itself, and it needs "
        "little more than a bright window and a look now and then to keep it growing for years.\n\n"
        "A finished bottle garden (Photo archive)\n\nWhat you need:\n\nA large glass jar\nPebbles\n"
        "Charcoal\nPotting soil\nSmall ferns and mosses\n\n"
        + "".join(f"Step {k + 1}\n\n{step}\n\nThe jar after step {k + 1}\n\n" for k, step in enumerate(HOWTO_STEPS))
        + "Tags\n\n* Gardening\n* Indoor plants\n\nSign in to post a reply.\n\nPlease explain (optional)\n\n"
        "Sorry, the comments cannot be loaded right now. Try again.\n"
    )
    kept = strip_text(page).text.split("\n")
    assert all(step in kept for step in HOWTO_STEPS)
    assert "Sign in to post a reply." not in kept and "Sorry, the comments cannot be loaded right now. Try again." not in kept


@pytest.mark.parametrize("language, trailer", [
    ("en", 'Continue reading "Breakwater to be rebuilt" at Verran Coast Courier'),
    ("en", "Read the full story on Verran Coast Courier"),
    ("de", "Weiterlesen auf Verran Küstenbote"),
    ("fr", "Lire la suite sur Le Courrier de Verran"),
    ("es", "Seguir leyendo en El Correo de Verran"),
])
def test_a_previews_link_to_the_rest_of_the_story_is_noise(language, trailer):
    page = f"{P1}\n\n{P2}\n\n{trailer}"
    out = strip_text(page, language=language)
    assert out.text.split("\n") == [P1, P2]
    assert [(s.kind, page[s.start:s.end]) for s in out.removed] == [("see_also", trailer)]


def test_prose_that_mentions_reading_on_is_kept():
    line = "Skippers who want to keep reading the harbour plans can find them at the town hall on Mondays."
    out = strip_text(f"{P1}\n\n{line}\n\n{P2}")
    assert line in out.text.split("\n")


def test_code_block_and_chart_inside_body_are_kept():
    """Code lines and a chart's number labels between paragraphs are neutral for the core: the
    article goes on below them (an article about software or data), and they stay in it."""
    code = ["fetch(url).then(function(res) {", "console.log(res.status);", "});",
            "var total = items.length;", "}"]
    chart = ["$915", "600", "300", "’17", "’18", "’19"]
    text = (f"Harbour traffic in numbers\n\n{P1}\n\n" + "\n".join(code) + f"\n\n{P2}\n\n"
            + "\n".join(chart) + f"\n\n{P3}\n")
    out = strip_text(text)
    assert out.text.split("\n") == [P1, *code, P2, *chart, P3]


def test_words_of_spaced_cells_and_unspaced_scripts():
    from cleaner.strip.segment import count_words, ending_of

    assert count_words("Minecraft News      Powered by Tumblr        ") == 5  # (runs of spaces: one gap)
    assert count_words("a  b   c") == 3
    line = "市议会周二晚上决定把废弃的铁路改建成一条步行道，工程将于明年春天开始。"
    assert count_words(line) == 1 + len(line) // 2  # (CJK: one word per two characters)
    assert ending_of("工程将于明年春天开始，") == 1  # (full-width comma ends a clause)


def test_unterminated_cjk_line_with_pauses_reads_as_prose():
    from cleaner.strip._analysis import Analysis
    from cleaner.strip.rules import load_rules

    line = "玉峰道路一路上雲氣山嵐滯留山頭 順路下切蜿蜒道路後不久即抵達來到玉峰國小門口看見楓紅"
    analysis = Analysis(line, load_rules("zh"), TextOptions(), None, None)
    assert analysis.cls == [1]  # prose: long, and it pauses inside
    headline = "玉峰道路一路上雲氣山嵐滯留山頭順路下切蜿蜒道路後不久即抵達來到玉峰國小門口看見楓紅"
    analysis = Analysis(headline, load_rules("zh"), TextOptions(), None, None)
    assert analysis.cls == [0]  # one run of characters without a pause: not prose by shape


def test_a_body_goes_on_below_a_code_sample_and_the_list_it_announced():
    """Markup quoted in a code sample is neutral for the core like code lines; a body that ends on a
    list it announced goes on with the paragraph right after the list; the items of a list a gap line
    announced do not count towards the gap's length."""
    sample = ["<!DOCTYPE html>", "<html>", "<head>", '  <meta charset="utf-8">', "  <title>Test</title>", "</head>"]
    page = f"{P1}\n\nThe test page starts like this:\n\n" + "\n".join(sample) + f"\n\n{P2}\n"
    assert strip_text(page).text.split("\n") == [P1, "The test page starts like this:", *map(str.strip, sample), P2]

    ports = ["1. Verran", "2. Calder", "3. Ostby", "4. Marn", "5. Hollis", "6. Brede", "7. Tallis", "8. Ewe"]
    page = f"{P1}\n\nThe busiest harbours of the coast last year were, in this order:\n\n" + "\n".join(ports) + f"\n\n{P2}\n"
    assert strip_text(page).text.split("\n")[-1] == P2

    tools = [f"* {name}" for name in ("A trowel", "A bucket of sand", "Gloves", "A tide table", "A spade",
                                      "Rope, ten metres", "A lamp", "A whistle", "Boots", "A flask of tea",
                                      "A map of the bay", "Spare socks", "A notebook", "Two pencils", "A knife",
                                      "A first aid kit", "Sun cream")]
    page = (f"Shore Club\n\n* Home\n* Walks\n\nA day on the tidal flats\n\n{P1}\n\nWhat you need:\n\n"
            + "\n".join(tools) + f"\n\nStep 1\n\n{P2}\n\nStep 2\n\n{P3}\n")
    kept = strip_text(page).text.split("\n")
    assert P2 in kept and P3 in kept


def test_a_list_of_teasers_is_a_headline_list():
    """Bullet headlines, each over a one-paragraph summary, are links to other stories."""
    teasers = [
        ("* Ferry timetable changes for the winter season", "The island ferry will run twice a day from November, the operator said."),
        ("* Lighthouse keeper retires after forty years", "Ada Morrow kept the light at Calder Point through storms and two floods."),
        ("* Fish market moves to the old customs shed", "Traders will open in the new hall in March, a year later than planned."),
    ]
    page = f"{P1}\n\n{P2}\n\n{P3}\n\nMore from the coast\n\n" + "\n\n".join(f"{h}\n{s}" for h, s in teasers) + "\n"
    out = strip_text(page)
    assert out.text.split("\n") == [P1, P2, P3]
    assert {s.kind for s in out.removed if page[s.start:s.end].startswith("* ")} == {"headline_list"}
