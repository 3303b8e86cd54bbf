"""HTML stage: the second opinion (blocks two extractors agree on) and the article's paragraph style."""
from __future__ import annotations

from cleaner.strip.html import DensityParams, HtmlOptions, extract_html


def _para(topic: str, n: int) -> str:
    return (f"The committee reviewed the {topic} plan in detail on Monday and heard from residents who "
            f"had waited months to speak, then agreed to publish its findings before the end of the year ({n}).")


def _split_article() -> str:
    # an article in two parts: its second part sits deep in other wrappers, so the density finder's
    # container misses it; a story teaser (linked heading + summary) follows
    part1 = "".join(f"<p>{_para('harbour', i)}</p>" for i in range(6))
    part2 = "".join(
        f"<div class='feature'><div><div><div><h3>Feature {i}</h3><p class='feature-text'>{_para('railway', i)}</p>"
        "</div></div></div></div>"
        for i in range(3)
    )
    teaser = ("<div class='item'><h3><a href='/other'>A different story about a farm that opened a shop</a></h3>"
              "<div>The farm opened its shop on Saturday and the owners said that they were pleased with the "
              "number of visitors who came.</div></div>")
    return f"<html><body><main><div class='body'>{part1}</div><section>{part2}</section>{teaser}</main></body></html>"


def test_second_opinion_adds_the_part_of_the_article_the_container_missed():
    page = _split_article()
    alone = extract_html(page, options=HtmlOptions(density=DensityParams(second_opinion_below=0.0)))
    assert "railway" not in alone.text  # the finder's container alone misses the second part
    result = extract_html(page)
    assert result.engine == "density+trafilatura"
    for i in range(3):
        assert _para("railway", i) in result.text
        assert f"Feature {i}" in result.text  # a short heading trafilatura kept as a paragraph of its own
    assert result.text.index("harbour") < result.text.index("railway")  # page order


def test_second_opinion_does_not_take_teaser_summaries():
    # the other extractor kept the teaser's summary (as trafilatura does with many story lists)
    from selectolax.lexbor import LexborHTMLParser

    from cleaner.strip.html import agreed_blocks, collect_blocks, main_content

    page = _split_article()
    params = DensityParams()
    tree = collect_blocks(LexborHTMLParser(page).body)
    removed = [False] * len(tree.parent)
    region, chosen = main_content(tree, params, removed)
    other = "\n".join([*(_para("railway", i) for i in range(3)),
                       ("The farm opened its shop on Saturday and the owners said that they were pleased with the "
                        "number of visitors who came."), "A paragraph that is not on the page at all, only in the other text."])
    texts = [b.text for b in agreed_blocks(tree, region, chosen, removed, other, params)]
    assert _para("railway", 2) in texts
    assert not any("farm opened" in t for t in texts)
    assert not any("not on the page" in t for t in texts)


def test_no_second_opinion_when_the_container_holds_the_prose():
    page = "<html><body><article>" + "".join(f"<p>{_para('harbour', i)}</p>" for i in range(5)) + "</article></body></html>"
    assert extract_html(page).engine == "density"


def test_code_listings_do_not_set_the_article_style():
    # long code blocks outweigh the paragraphs in characters; the article's style (which its
    # span is trimmed to) is still that of its paragraphs
    from selectolax.lexbor import LexborHTMLParser

    from cleaner.strip.html import _climb, collect_blocks

    code = "<pre>" + "\n".join(f"def function_number_{i}(argument):    return argument * {i} + 1" for i in range(12)) + "</pre>"
    body = "".join(f"<div class='highlight'>{code}</div><p>{_para('code', i)}</p>" for i in range(1, 4))
    page = f"<html><body><article>{body}</article></body></html>"
    tree = collect_blocks(LexborHTMLParser(page).body)
    article = tree.tags.index("article")
    _, style = _climb(tree, article, DensityParams(), [False] * len(tree.parent))
    assert style is not None and style[0] == "p"


def test_linked_table_cells_in_the_article_are_kept():
    rows = "".join(
        f"<tr><td><a href='/film/{i}'>Film number {i}</a></td><td>{1990 + i}</td><td>{_para('film', i)}</td></tr>"
        for i in range(4)
    )
    page = (f"<html><body><article><p>{_para('list', 0)}</p><p>{_para('list', 1)}</p>"
            f"<table>{rows}</table><p>{_para('list', 2)}</p></article></body></html>")
    text = extract_html(page).text
    assert "Film number 2" in text and _para("film", 2) in text


def test_a_lead_sentence_set_as_a_heading_is_kept():
    lead = ("The town council has spent three years arguing about the harbour, and on Monday it finally "
            "agreed on what to do with it?")
    body = "".join(f"<p class='text'>{_para('harbour', i)}</p>" for i in range(4))
    page = (f"<html><body><article><h1>Harbour plan agreed</h1><div class='story'><h2>{lead}</h2>{body}</div>"
            "</article></body></html>")
    text = extract_html(page).text
    assert lead in text
    assert "Harbour plan agreed" not in text.split("\n")[1:]  # a title stays a title


def test_linked_subheadings_in_the_article_are_kept():
    body = "".join(f"<h3><a href='/game/{i}'>Game number {i} ($20)</a></h3><p>{_para('game', i)}</p>" for i in range(4))
    page = f"<html><body><nav><a href='/'>Home</a> <a href='/news'>News</a></nav><article>{body}</article></body></html>"
    text = extract_html(page).text
    assert "Game number 2 ($20)" in text
    assert "Home" not in text


def test_second_opinion_takes_table_rows_the_other_extractor_kept_whole():
    # short cells are not evidence one by one (a year, a name), but a row the other extractor
    # wrote as one line is; a row it did not keep stays out
    from selectolax.lexbor import LexborHTMLParser

    from cleaner.strip.html import agreed_blocks, collect_blocks, main_content

    paragraphs = "".join(f"<p>{_para('harbour', i)}</p>" for i in range(6))
    rows = "".join(f"<tr><td>Film number {i} of the series</td><td>{1990 + i}</td></tr>" for i in range(4))
    page = (f"<html><body><main><div class='body'>{paragraphs}</div>"
            f"<div><div><table>{rows}<tr><td>Buy now</td><td>Share</td></tr></table></div></div></main></body></html>")
    params = DensityParams()
    tree = collect_blocks(LexborHTMLParser(page).body)
    removed = [False] * len(tree.parent)
    region, chosen = main_content(tree, params, removed)
    assert not any("Film number" in b.text for b in chosen)
    other = "\n".join([_para("harbour", 0), *(f"| Film number {i} of the series | {1990 + i} |" for i in range(4))])
    texts = [b.text for b in agreed_blocks(tree, region, chosen, removed, other, params)]
    for i in range(4):
        assert f"Film number {i} of the series" in texts and str(1990 + i) in texts
    assert "Buy now" not in texts and "Share" not in texts


def test_prose_right_in_the_container_is_kept_past_a_link_label():
    # the lists hold most of the text and so set the article's style; the two paragraphs before
    # them sit right in the container, parted from the lists by a linked label
    from selectolax.lexbor import LexborHTMLParser

    from cleaner.strip.html import collect_blocks, main_content

    items = "".join(f"<li>Feature {i} of the device is described in a short line</li>" for i in range(12))
    page = ("<html><body><div class='entry'>"
            f"<p>{_para('market', 1)}</p><p>{_para('market', 2)}</p>"
            "<div class='more'><a href='/x'>Read also:</a></div>"
            f"<h2>The device</h2><ul class='specs'>{items}</ul></div></body></html>")
    params = DensityParams()
    tree = collect_blocks(LexborHTMLParser(page).body)
    _, blocks = main_content(tree, params, [False] * len(tree.parent))
    texts = [b.text for b in blocks]
    assert _para("market", 1) in texts and _para("market", 2) in texts
    assert "Feature 11 of the device is described in a short line" in texts


def test_a_sentence_with_links_in_it_is_not_a_link_list():
    from cleaner.strip.html import Block, is_link_list

    params = DensityParams()
    sentence = "The suspect, Michael Webb, was sentenced to life in prison last week."
    headline = "Eleven Facts About Our Galaxy and the Stars In It Tonight"
    as_block = lambda text, linked: Block(text, len(text), int(len(text) * linked), 0, "p")  # noqa: E731
    assert not is_link_list(as_block(sentence, 0.6), params, params.link_density_max)
    assert is_link_list(as_block(headline, 0.6), params, params.link_density_max)  # no sentence's end
    assert is_link_list(as_block(sentence, 1.0), params, params.link_density_max)  # all links: a teaser
