"""Corpus evidence: site boilerplate and links to other documents' titles (invented corpora)."""
from __future__ import annotations

import pickle

from cleaner.strip.corpus import CorpusEvidence, gather_evidence
from cleaner.strip.text import strip_text

STORIES = {
    "Dam inspection finds cracks in spillway": [
        "Inspectors from the water board found three cracks in the concrete spillway of the Holmvik dam during the annual survey, the board said on Friday.",
        "The cracks are not a danger to the town below, according to the survey, but the spillway will be closed to walkers until repairs are finished in June.",
    ],
    "Library extends opening hours for exam season": [
        "The central library will stay open until midnight on weekdays for the next six weeks so that students preparing for exams have a quiet place to work.",
        "Extra staff have been hired for the late shifts, and the cafe on the ground floor will serve hot drinks until eleven in the evening.",
    ],
    "Bus drivers vote to accept new pay offer": [
        "Members of the drivers' union voted by a large majority to accept the operator's improved offer, ending a dispute that had lasted since the autumn.",
        "The agreement raises basic pay by six percent this year and adds a paid break on routes longer than four hours, the union said in a statement.",
    ],
    "Farmers market moves to the old station square": [
        "The Saturday farmers market will move to the old station square from next month, after traders complained about the lack of parking at the harbour.",
        "The council has promised new lighting and a covered area for about twenty stalls, and the first market at the new site is planned for the 4th.",
    ],
}

HEADER = ["The Holmvik Herald", "Independent news for the valley since 1921", "Valley News Sport Culture Opinion"]
FOOTER = ["Contact the newsroom at our office on Quay Street, open on weekdays from nine until five in the afternoon.",
          "Holmvik Herald Media Group"]


def _page(title: str, paragraphs: list[str], extra: list[str] = ()) -> str:
    lines = HEADER + ["", title, ""] + [p + "\n" for p in paragraphs] + list(extra) + [""] + FOOTER
    return "\n".join(lines) + "\n"


def _corpus(extra_for_first: list[str] = ()):
    docs = []
    for n, (title, paragraphs) in enumerate(STORIES.items()):
        docs.append(("Holmvik Herald", _page(title, paragraphs, extra_for_first if n == 0 else ()), None))
    return docs


def test_site_boilerplate_needs_evidence():
    docs = _corpus()
    evidence = gather_evidence(docs, min_support=3)
    site, text, _ = docs[1]
    alone = strip_text(text, site=site)
    with_corpus = strip_text(text, site=site, evidence=evidence.for_document(site, None))
    assert with_corpus.text.split("\n") == STORIES["Library extends opening hours for exam season"]
    footer_at = text.index(FOOTER[0])
    covering = [s for s in with_corpus.removed if s.start <= footer_at < s.end]
    assert covering and covering[0].kind == "boilerplate_repeated"
    assert "4 pages of this site" in covering[0].reason
    # a single page cannot tell the footer sentence from the article
    assert FOOTER[0] in alone.text


def test_lines_are_counted_once_per_document():
    evidence = CorpusEvidence(min_support=3)
    evidence.add("A", "Menu line\nMenu line\nMenu line\nA sentence of the article.\n")
    evidence.add("A", "Menu line\nAnother article sentence.\n")
    per_doc = evidence.for_document("A", None)
    assert per_doc.site_support("Menu line") == 2
    assert per_doc.site_support("menu   LINE") == 2  # case and spacing do not matter
    assert per_doc.site_support("Nothing like it") == 0
    assert evidence.for_document("B", None).site_support("Menu line") == 0
    assert evidence.for_document(None, None).site_support("Menu line") == 0


def test_other_documents_title_is_see_also():
    other_title = "Bus drivers vote to accept new pay offer"
    docs = _corpus(extra_for_first=[other_title, ""])
    evidence = gather_evidence(docs, min_support=3)
    site, text, _ = docs[0]
    out = strip_text(text, site=site, evidence=evidence.for_document(site, None))
    kinds = {text[s.start:s.end]: s.kind for s in out.removed}
    assert kinds[other_title] == "see_also"
    assert kinds["Dam inspection finds cracks in spillway"] == "title"  # its own title is not a link
    assert out.title == "Dam inspection finds cracks in spillway"
    assert out.text.split("\n") == STORIES["Dam inspection finds cracks in spillway"]


def test_line_starting_with_another_title_is_see_also():
    evidence = CorpusEvidence()
    evidence.add(None, "x", title="Farmers market moves to the old station square")
    per_doc = evidence.for_document(None, "Some other story")
    assert per_doc.other_title("Farmers market moves to the old station square - Holmvik Herald")
    assert per_doc.other_title("Farmers market moves") is None  # a prefix of a title is not the title
    assert per_doc.other_title("The farmers market moves to the old station square") is None


def test_shared_title_of_a_copy_is_not_another_document():
    evidence = CorpusEvidence()
    evidence.add(None, "x", title="Library extends opening hours for exam season")
    mine = evidence.for_document(None, "Library extends opening hours for exam season")
    assert mine.other_title("Library extends opening hours for exam season") is None
    evidence.add(None, "y", title="Library extends opening hours for exam season")  # a syndicated copy
    assert evidence.for_document(None, "Library extends opening hours for exam season").other_title(
        "Library extends opening hours for exam season")


def test_merge_of_shards_equals_one_pass():
    docs = _corpus()
    whole = gather_evidence(docs)
    merged = gather_evidence(docs[:2]).merge(gather_evidence(docs[2:]))
    assert merged.sites == whole.sites
    assert merged.site_docs == whole.site_docs
    assert merged.titles == whole.titles
    assert merged.title_lengths == whole.title_lengths


def test_evidence_pickles():
    evidence = gather_evidence(_corpus())
    again = pickle.loads(pickle.dumps(evidence))
    assert again.sites == evidence.sites and again.titles == evidence.titles
    site, text, _ = _corpus()[2]
    a = strip_text(text, site=site, evidence=evidence.for_document(site, None))
    b = strip_text(text, site=site, evidence=again.for_document(site, None))
    assert a == b


def test_memory_stays_bounded():
    evidence = CorpusEvidence(max_lines_per_site=50, max_titles=40)
    for n in range(300):
        evidence.add("Big site", f"unique line {n}\nshared menu\nshared footer\n", title=f"Story number {n} of many")
    assert len(evidence.sites["Big site"]) <= 50
    assert len(evidence.titles) <= 40
    # lines seen on many documents survive pruning
    assert evidence.for_document("Big site", None).site_support("shared menu") > 1
    merged = evidence.merge(evidence)
    assert len(merged.sites["Big site"]) <= 50 and len(merged.titles) <= 40


def test_copies_of_one_article_on_a_site_are_not_emptied():
    # the same story published three times on one site: its paragraphs are on every page,
    # but they are the page's prose, not the template's
    title, paragraphs = next(iter(STORIES.items()))
    docs = [("Holmvik Herald", _page(title, paragraphs), None) for _ in range(3)]
    evidence = gather_evidence(docs, min_support=3)
    site, text, _ = docs[0]
    out = strip_text(text, site=site, evidence=evidence.for_document(site, None))
    kept = out.text.split("\n")
    assert all(p in kept for p in paragraphs)
    assert not any(s.kind == "boilerplate_repeated" and text[s.start:s.end] in paragraphs for s in out.removed)


def test_stock_sentence_of_a_big_site_is_not_template():
    stock = "The harbour authority did not respond to a request for comment on Friday afternoon."
    footer = "Thank you for reading the Holmvik Herald, the independent voice of the valley since 1921."
    docs = []
    for n in range(40):
        paragraphs = [
            f"Story number {n} begins with a sentence about the valley and the {n} people who live in it.",
            f"Its second paragraph adds more detail about the events of day {n}, as reported by our staff.",
        ]
        if n < 3:
            paragraphs.append(stock)
        docs.append(("Holmvik Herald", "\n\n".join(paragraphs + [footer]) + "\n", f"Story {n} of the valley"))
    evidence = gather_evidence(docs)
    site, text, title = docs[0]
    out = strip_text(text, site=site, title=title, evidence=evidence.for_document(site, title))
    kept = out.text.split("\n")
    assert stock in kept  # on 3 of 40 pages: below the prose share
    assert footer not in kept  # on every page: template
