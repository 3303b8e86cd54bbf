"""news-v1 shingle normalisation, article-only shingles, lead candidates, exact verification, stats."""
from __future__ import annotations

import numpy as np
from test_neardup_clusters import doc, paragraphs

from cleaner.neardup import DedupParams, dedup_documents
from cleaner.neardup.normalise import spelling_table
from cleaner.neardup.shingles import (
    normalise,
    normalise_batch,
    normalise_bytes,
    shingle_set,
)
from cleaner.neardup.sign import article_text, pair_overlap, sketch_texts
from cleaner.records import Document
from cleaner.strip.corpus import CorpusEvidence


def test_news_v1_matches_what_republishing_changes():
    a = "Prices rose 5% to $5m, and 12,000 people saw the colour of the centre."
    b = "Prices rose 5 per cent to $5 million, and 12000 people saw the color of the center."
    c = "Prices rose 5 percent to $5mn, and 12,000 people saw the colour of the centre."
    assert normalise(a, "news-v1") == normalise(b, "news-v1") == normalise(c, "news-v1")
    assert normalise(a) != normalise(b)  # plain keeps them apart (datasketch-identical)
    # a table word inside another word is left alone; numbers that are not thousands too
    assert normalise("discolour 1,2345", "news-v1") == "discolour 1 2345"


def test_news_v1_batch_equals_per_text():
    texts = ["colour", "", "Colour centre 5%", "x colour", "", "favour"]
    assert normalise_batch(texts, "news-v1").tobytes() == b"".join(normalise_bytes(t, "news-v1") + b"\x00" for t in texts)


def test_spelling_table_is_data_of_pairs():
    table = spelling_table()
    assert table["colour"] == "color" and len(table) > 500
    assert all(b != a and b.islower() for b, a in table.items())


def test_params_name_the_normalisation():
    assert DedupParams().to_dict()["normalisation"] == "news-v1"
    assert "normalisation" in DedupParams().index_key()


def test_exact_overlap_equals_set_measures():
    texts = [" ".join(f"w{i}" for i in range(n, n + 300)) for n in (0, 100, 250)] + [" ".join(f"w{i}" for i in range(3000))]
    sk = sketch_texts(texts, sample_size=1024)
    jac, cont = pair_overlap(sk, np.array([0, 0, 1]), np.array([1, 2, 3]))
    sets = [shingle_set(t, 5) for t in texts]
    for k, (a, b) in enumerate([(0, 1), (0, 2)]):
        inter = len(sets[a] & sets[b])
        assert abs(jac[k] - inter / len(sets[a] | sets[b])) < 1e-9
        assert abs(cont[k] - inter / min(len(sets[a]), len(sets[b]))) < 1e-9
    assert cont[2] > 0.9  # a short text inside a long, sampled one is still found contained


def test_template_lines_are_left_out_of_shingles():
    ev = CorpusEvidence()
    template = "Subscribe to the Daily Bugle newsletter for the best stories of the week in your inbox"
    story_a, story_b = paragraphs(11, count=3), paragraphs(12, count=3)
    for lines in (story_a, story_b):
        ev.add("Bugle", "\n".join(lines + [template]))
    d = doc("a", story_a + [template], site="Bugle")
    text, left = article_text(d, ev)
    assert left == 1 and template not in text and story_a[0] in text


def test_a_preview_joins_its_full_story_and_the_full_text_is_canonical():
    story = paragraphs(21, count=14)
    full = doc("full", story, site="A")
    preview = doc("prev", story[:3] + ["Continue reading at Site A"], site="B")
    other = doc("other", paragraphs(22, count=14), site="C")
    result = dedup_documents([full, preview, other])
    (pair,) = [c for c in result.canonicals if c.cluster.size > 1]
    assert {m.id for m in pair.cluster.members} == {"full", "prev"} and pair.id == "full"
    stats = result.stats
    assert stats["copies_found"] == 1 and stats["clusters"] == 2
    assert sum(stats["similarity_histogram"]["verified_edges"]) == stats["verified_edges"]
    assert "rejected_at_verification" in stats and "documents_moved" in stats["chaining_guard"]


def test_plain_mode_keeps_datasketch_signatures():
    from cleaner.neardup.minhash import sign_texts

    texts = ["The colour rose 5%.", "Another text of a few more words here"]
    sk = sketch_texts(texts, scheme="plain")
    assert np.array_equal(sk.sigs, sign_texts(texts)[0])


def test_the_guard_splits_a_chain_of_two_stories_and_keeps_true_copies():
    a, b = paragraphs(31, count=10), paragraphs(32, count=10)
    docs = [doc("a", a, site="A"), doc("a-preview", a[:3] + ["Continue reading at A"], site="P"),
            doc("a-edit", a[:4] + a[5:], site="E"),  # one paragraph dropped: a true copy
            doc("b", b, site="B"), doc("b-copy", b[:9], site="F"),
            doc("mixed", a[:5] + b[5:], site="M")]  # half of each: links the two stories
    result = dedup_documents(docs)
    parts = {frozenset(m.id for m in c.members) for c in result.clusters}
    with_a = next(p for p in parts if "a" in p)
    assert {"a", "a-preview", "a-edit"} <= with_a and "b" not in with_a
    assert any({"b", "b-copy"} <= p for p in parts)
    guard = result.stats["chaining_guard"]
    assert guard["documents_moved"] >= 1 and sum(guard["reasons"].values()) == guard["documents_moved"]


def test_two_stories_of_one_site_are_not_joined_by_the_template():
    template = paragraphs(41, count=12)  # long site text the strip stage kept on every page
    docs = [doc(f"s{k}", paragraphs(50 + k, count=1) + template, site="S") for k in range(3)]
    ev = CorpusEvidence()
    for d in docs:
        ev.add("S", d.text)
    merged = dedup_documents(docs)
    assert len(merged.clusters) == 1  # without the evidence the template makes them look alike
    apart = dedup_documents(docs, evidence=ev)
    assert len(apart.clusters) == 3 and apart.stats["lines_left_out_of_shingles"] == 3 * 12
    # a page the site published twice (every line repeated) is kept whole, and its copies join
    twice = [doc("t1", docs[0].text.split("\n"), site="S"), doc("t2", docs[0].text.split("\n"), site="S")]
    ev2 = CorpusEvidence()
    for d in twice:
        ev2.add("S", d.text)
    assert len(dedup_documents(twice, evidence=ev2).clusters) == 1


def test_a_copy_whose_article_the_strip_stage_cut_is_shingled_from_its_source():
    from cleaner.neardup.sign import source_article
    from cleaner.records import Span

    story = paragraphs(61, count=6)
    source = "Menu\nHome\n\n" + "\n\n".join(story) + "\n\nAdvertisement\n\nFooter links"
    ad = source.index("Advertisement")
    body_start = source.index(story[0])
    # the strip stage took the article for a site header and kept the menu
    removed = [Span(body_start, ad - 2, "site_header", "above the article body (site header)"),
               Span(ad, ad + len("Advertisement"), "advertisement", "ad marker")]
    d = Document(id="x", content=source, site="S", text="Menu\nHome", source_text=source, removed=removed)
    ev = CorpusEvidence()
    ev.add("S", source)
    ev.add("S", "Menu\nHome\n\nFooter links\n\nAnother page's text of the site, long enough to be a line of text.")
    rescued = source_article(d, ev.for_document("S", None))
    assert rescued is not None and story[0] in rescued and "Advertisement" not in rescued and "Menu" not in rescued
    full = doc("full", story, site="T")
    assert len(dedup_documents([d, full], evidence=ev).clusters) == 1
    assert len(dedup_documents([d, full]).clusters) == 2  # without the evidence: the cleaned text only


def test_the_full_copy_stays_canonical_over_its_preview():
    from cleaner.neardup.canonical import choose_canonical

    story = paragraphs(71, count=12)
    full = doc("full", story + ["Share this"], site="A")  # a little site noise left in the full copy
    preview = doc("prev", story[:3], site="B")
    assert choose_canonical([preview, full], [0, 1]) == 1


def test_a_preview_stays_when_the_canonical_lacks_its_paragraphs():
    from cleaner.neardup.clusters import guarded_clusters

    story = paragraphs(81, count=12)
    docs = [doc("cut", story[3:] + paragraphs(82, count=2), site="A"),  # lost its lead, has more prose
            doc("full", story, site="B"), doc("prev", story[:3], site="C")]
    result = dedup_documents(docs)
    assert [sorted(m.id for m in c.members) for c in result.clusters] == [["cut", "full", "prev"]]
    assert result.stats["chaining_guard"]["documents_moved"] == 0
    # without the bridge the guard detaches the preview from a canonical that lacks its text
    edges_i, edges_j = np.array([0, 1]), np.array([1, 2])
    rank = np.array([0, 1, 2])
    close = lambda canon, members: members != 2
    assert len(guarded_clusters(3, edges_i, edges_j, rank, close)) == 2
    assert len(guarded_clusters(3, edges_i, edges_j, rank, close, bridge=lambda a, b: a == 1)) == 1


def test_a_text_that_is_all_template_of_a_site_never_joins_a_page_of_it():
    template = paragraphs(91, count=4)
    docs = [doc(f"p{k}", template, site="S") for k in range(2)]  # the extractor kept only the template
    ev = CorpusEvidence()
    for k, d in enumerate(docs):
        ev.add("S", d.text)
    ev.add("S", "\n".join(template + paragraphs(92, count=2)))  # a third page: the lines are on every page
    assert len(dedup_documents(docs, evidence=ev).clusters) == 2


def test_extra_prose_counts_only_where_no_two_copies_agree_on_the_end():
    from cleaner.neardup.canonical import CopyTexts, extension_words

    story = paragraphs(101, count=6)
    extra = paragraphs(102, count=8)  # the rest of the story, or another story a template left in
    texts = CopyTexts()
    alone = [doc("long", story + extra, site="A"), doc("short", story[:3], site="B")]
    assert extension_words(0, [1], alone, texts) > 0  # a preview: the extra prose is the rest of the story
    agreed = [doc("long", story + extra, site="A"), doc("full1", story, site="B"), doc("full2", story, site="C")]
    assert extension_words(0, [1, 2], agreed, CopyTexts()) == 0  # two copies end where the story ends


def test_text_lines_of_unspaced_scripts_count_as_text():
    from cleaner.neardup.sign import _text_words

    line = "一波波接續性低溫寒流報到已將新竹尖石鄉後山一帶層層山巒披上嫣紅的彩衣"
    assert _text_words([line]) >= 8 and _text_words(["Home"]) == 0


def test_a_story_a_site_published_twice_with_edits_keeps_its_paragraphs():
    story = paragraphs(91, count=10)
    template = "Subscribe to the Daily Bugle newsletter for the best stories of the week in your inbox"
    others = [paragraphs(92 + k, count=6) for k in range(3)]
    # the second copy on the site: a dateline added, a paragraph rewritten, an editor's note
    twice = ["BERLIN (Wire) - " + story[0]] + story[1:4] + ["A rewritten paragraph of the update."] + story[5:] + \
        ["Editor's note: this story was updated with comment from the company."]
    docs = [doc("first", story + [template], site="Bugle"), doc("again", twice + [template], site="Bugle")]
    docs += [doc(f"o{k}", lines + [template], site="Bugle") for k, lines in enumerate(others)]
    ev = CorpusEvidence()
    for d in docs:
        ev.add("Bugle", d.text)
    text, left = article_text(docs[1], ev)
    assert story[1] in text and left == 0  # its paragraphs are on another page, yet they are the article
    text, left = article_text(docs[2], ev)
    assert template not in text and left == 1  # a page of another story still loses the template line
    parts = {frozenset(m.id for m in c.members) for c in dedup_documents(docs, evidence=ev).clusters}
    assert frozenset({"first", "again"}) in parts and len(parts) == 4


def test_an_excerpt_from_the_middle_of_a_story_is_a_candidate_by_its_anchors():
    from cleaner.neardup import candidates
    from cleaner.neardup.sign import anchor_pairs

    story = paragraphs(95, count=30)
    excerpt = story[12:15]  # neither its start nor a large share of the story
    docs = [doc("full", story, site="A"), doc("excerpt", excerpt, site="B")] + \
        [doc(f"o{k}", paragraphs(96 + k, count=10), site=f"C{k}") for k in range(4)]
    texts = [d.text for d in docs]
    sk = sketch_texts(texts, sample_size=DedupParams().sample_size, scheme="news-v1")
    i, j = anchor_pairs(sk, 64)
    assert set(zip(i.tolist(), j.tolist())) == {(0, 1)}  # only the pair that shares text
    assert set(zip(*[a.tolist() for a in candidates(sk, DedupParams(anchor_candidates=False))])) == set()
    together = {frozenset(m.id for m in c.members) for c in dedup_documents(docs).clusters}
    assert frozenset({"full", "excerpt"}) in together
    apart = {frozenset(m.id for m in c.members) for c in dedup_documents(docs, DedupParams(anchor_candidates=False)).clusters}
    assert frozenset({"full", "excerpt"}) not in apart
    assert DedupParams().index_key()["anchor_candidates"] is True


def test_a_kept_template_does_not_hide_that_the_strip_stage_cut_the_article():
    from cleaner.records import Span

    story = paragraphs(97, count=6)
    leftover = paragraphs(98, count=4)  # the template's own story, on every page of the site
    source = "Menu\n\n" + "\n\n".join(story) + "\n\n" + "\n\n".join(leftover) + "\n\nFooter links"
    start, end = source.index(story[0]), source.index(story[-1]) + len(story[-1])
    removed = [Span(start, end, "site_header", "above the article body (site header)")]
    d = Document(id="x", content=source, site="S", text="\n".join(leftover), source_text=source, removed=removed)
    ev = CorpusEvidence()
    ev.add("S", source)
    for k in range(3):
        ev.add("S", "Menu\n\n" + "\n\n".join(paragraphs(99 + k, count=4) + leftover) + "\n\nFooter links")
    text, _ = article_text(d, ev)
    assert story[0] in text and leftover[0] not in text
