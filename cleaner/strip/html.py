"""HTML stage: page bytes or text -> main article text plus metadata.

One parse with selectolax (Lexbor).  Metadata is read from ``<meta>``,
``<title>``, ``<link rel=canonical>``, ``<html lang>`` and JSON-LD.  Then one
walk over the body cuts its text into blocks, skipping scripts, styles and
every element a prune rule marks as noise (rules are data:
``html_rules.toml``, see :mod:`cleaner.strip.prune`).  The main content is
the element with the most prose close under it (:func:`main_content`), widened
to every paragraph styled like its own and trimmed to the article's span.
When everything marked was pruned and no article is left, the page is walked
again and marked elements that hold the article are kept (an article inside
``<div class="related-content">``).  When the chosen blocks hold little of the
page's prose, trafilatura gives a second opinion and the blocks both keep are
added (:func:`agreed_blocks`).  When the finder returns too little text
the pruned page goes to trafilatura; when that is empty too, the whole-page
text is used and the record says so (``fallback``, ``notes``).  The text stage
(``strip_text``) runs on :attr:`Extracted.text` afterwards.

Pure core: no I/O, no printing.  Limits: ``HtmlOptions.timeout`` (wall clock
per document, see :func:`time_limit`) and ``HtmlOptions.max_bytes``.
"""
from __future__ import annotations

import codecs
import json
import re
import signal
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from typing import Any, Iterator

from selectolax.lexbor import LexborHTMLParser

from cleaner.errors import ConfigError, ExtractionError, ExtractionTimeout
from cleaner.strip.markup_limits import markup_problem
from cleaner.strip.prune import (
    Mark,
    PruneRules,
    choose_prunes,
    load_rules,
    match_element,
    protected_nodes,
    selector_of,
    shield_ids,
)

__all__ = [
    "HtmlOptions",
    "Extracted",
    "decode_html",
    "extract_html",
    "read_metadata",
    "main_content",
    "time_limit",
]


ENGINES = ("auto", "density", "trafilatura")


@dataclass
class HtmlOptions:
    """Options of the HTML stage; names follow trafilatura's where they mean the same."""

    timeout: float | None = 10.0  # per-document wall-clock limit (s); exceeded -> ExtractionTimeout
    max_bytes: int = 20_000_000  # larger input -> ExtractionError (size of the bytes, or of the UTF-8 text)
    max_attributes: int = 1_000  # attributes on one element; more -> ExtractionError before parsing (markup_limits)
    max_depth: int = 2_000  # nesting depth of elements; deeper -> ExtractionError before parsing (markup_limits)
    favor_precision: bool = False  # density finder: also drop short fragments inside the article
    favor_recall: bool = False  # density finder: keep blocks up to 0.8 link density
    include_comments: bool = False  # keep reader comments (turns the comments prune rule off)
    include_tables: bool = True  # keep text of tables inside the article
    include_images: bool = False  # image alt texts (trafilatura engine only; the density finder reads no alt text)
    deduplicate: bool = False  # drop a block repeated verbatim earlier in the text
    prune: bool = True  # apply the prune rules before extraction
    # "auto": density finder, trafilatura when it finds < min_chars, and as a second opinion when its
    # container holds little of the page's prose (DensityParams.second_opinion_below); "density"; "trafilatura"
    engine: str = "auto"
    min_chars: int = 200  # below this the density finder's result is "not confident"
    rules_path: str | None = None  # another prune rules file (TOML) instead of the packaged one
    density: DensityParams | None = None  # weights of the density finder (None: the defaults)


@dataclass
class Extracted:
    """The HTML stage's result for one page."""

    text: str  # main content, paragraphs joined by "\n"
    title: str | None = None
    author: str | None = None
    date: str | None = None
    site: str | None = None
    url: str | None = None
    language: str | None = None
    pruned: list[dict] = field(default_factory=list)  # {"kind", "reason", "selector", "chars"}
    notes: list[str] = field(default_factory=list)
    fallback: bool = False  # text is the whole-page text, not an extracted article
    engine: str = "density"  # which extractor produced ``text``: density | density+trafilatura | trafilatura | page


# ---------------------------------------------------------------------------
# decoding

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),  # before UTF-16 LE: its BOM starts with that one
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_LATINISH = re.compile(r"Latin|Punctuation|Currency|Symbols|Forms", re.I)
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.I)
# WHATWG Encoding: these labels mean windows-1252 in HTML.
_AS_CP1252 = {"iso-8859-1", "iso8859-1", "latin-1", "latin1", "l1", "ascii", "us-ascii", "iso_8859-1", "cp819"}


def _codec(label: str | None) -> str | None:
    if not label:
        return None
    label = label.strip().strip("\"'").lower()
    if label in _AS_CP1252:
        return "cp1252"
    try:
        return codecs.lookup(label).name
    except LookupError:
        return None


def decode_html(data: bytes, *, declared: str | None = None) -> str:
    """Decode page bytes: BOM, then the declared charset (HTTP header), then
    ``<meta charset>``, then strict UTF-8, then detection (charset_normalizer),
    then windows-1252 (which decodes any byte)."""
    for bom, name in _BOMS:
        if data.startswith(bom):
            return data[len(bom):].decode(name, errors="replace")
    head = data[:4096]
    for label in (declared, *(m.group(1).decode("ascii", "replace") for m in _META_CHARSET.finditer(head))):
        name = _codec(label)
        if name is None:
            continue
        if name.startswith("utf-16") or name.startswith("utf-32"):
            continue  # a page that declares UTF-16 in ASCII bytes is not UTF-16 (WHATWG)
        try:
            return data.decode(name)
        except UnicodeDecodeError:
            continue  # the declaration lies; try the next clue
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        from charset_normalizer import from_bytes
    except ImportError:  # pragma: no cover - a trafilatura dependency, normally present
        matches = []
    else:
        matches = list(from_bytes(data))
    if matches:
        best = matches[0]
        # Western text fits cp1250/cp1252/cp1257 ... about equally well and the
        # detector's pick among them is close to chance on short pages; when
        # its guess is a Latin-script one and windows-1252 (the web's usual
        # legacy charset) is a near match, take windows-1252.  Non-Latin
        # guesses (Cyrillic, Greek, Arabic ...) are trusted.
        latin = all(_LATINISH.search(a) for a in best.alphabets)
        for match in matches:
            if latin and match.encoding == "cp1252" and match.percent_chaos <= best.percent_chaos + 10.0:
                return str(match)
        return str(best)
    return data.decode("cp1252", errors="replace")


# ---------------------------------------------------------------------------
# time limit


class _Alarm(BaseException):
    """Raised by the SIGALRM handler; a BaseException so no `except Exception` swallows it."""


@contextmanager
def time_limit(seconds: float | None, doc_id: str) -> Iterator[float | None]:
    """Limit the wall-clock time of the block to ``seconds``.

    In the main thread of a process (a CLI run, or each worker of a process
    pool) a SIGALRM timer interrupts any code, trafilatura's included, and
    :class:`ExtractionTimeout` is raised.  Elsewhere (a thread pool, a Dask
    threaded worker) signals cannot be used; the block then runs without the
    alarm and only the density finder's own deadline checks apply, so a hang
    inside trafilatura is not cut short there.  Yields the deadline
    (``time.monotonic()`` based) for such cooperative checks, or None.
    """
    if not seconds or seconds <= 0:
        yield None
        return
    deadline = time.monotonic() + seconds
    use_alarm = hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()
    if not use_alarm:
        yield deadline
        return

    def _on_alarm(signum: int, frame: Any) -> None:
        raise _Alarm()

    previous = signal.signal(signal.SIGALRM, _on_alarm)
    started = time.monotonic()
    outer_delay, outer_interval = signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield deadline
    except _Alarm:
        raise ExtractionTimeout(doc_id, f"extraction exceeded the {seconds:g} s time limit") from None
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
        if outer_delay > 0:  # a caller's own timer keeps running, less the time spent here
            remaining = outer_delay - (time.monotonic() - started)
            signal.setitimer(signal.ITIMER_REAL, max(remaining, 1e-3), outer_interval)


def _check_deadline(deadline: float | None, doc_id: str, limit: float | None) -> None:
    if deadline is not None and time.monotonic() > deadline:
        raise ExtractionTimeout(doc_id, f"extraction exceeded the {limit:g} s time limit")


# ---------------------------------------------------------------------------
# metadata

_ARTICLE_TYPES = ("article", "posting", "report", "story", "webpage", "blog")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def _clean(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, list):
        value = value[0] if value else None
        return _clean(value)
    if isinstance(value, dict):
        return _clean(value.get("name"))
    text = " ".join(str(value).split())
    return text or None


def _json_ld_objects(tree: LexborHTMLParser) -> list[dict]:
    """Article-like objects of the page's JSON-LD (``@graph`` and lists flattened)."""
    out: list[dict] = []
    for script in tree.css('script[type="application/ld+json"]'):
        try:
            data = json.loads(script.text(deep=True))
        except ValueError:
            continue
        stack = [data]
        while stack:
            item = stack.pop()
            if isinstance(item, list):
                stack.extend(item)
            elif isinstance(item, dict):
                if "@graph" in item:
                    stack.append(item["@graph"])
                kind = item.get("@type")
                kinds = " ".join(kind) if isinstance(kind, list) else str(kind or "")
                if any(t in kinds.lower() for t in _ARTICLE_TYPES):
                    out.append(item)
    return out


def _iso_date(value: str | None) -> str | None:
    if not value:
        return None
    m = _DATE.search(value)
    return m.group(0) if m else value


def read_metadata(tree: LexborHTMLParser, url: str | None = None) -> dict[str, str | None]:
    """Title, author, date, site, url and language from ``<meta>``, ``<title>``,
    ``<link rel=canonical>``, ``<html lang>`` and JSON-LD (call before pruning)."""
    meta: dict[str, str] = {}
    for node in tree.css("meta[content]"):
        attrs = node.attributes
        key = attrs.get("property") or attrs.get("name") or attrs.get("itemprop") or attrs.get("http-equiv")
        content = attrs.get("content")
        if key and content and content.strip():
            meta.setdefault(key.strip().lower(), content.strip())
    ld = _json_ld_objects(tree)

    def from_ld(key: str) -> str | None:
        return next((v for obj in ld if (v := _clean(obj.get(key)))), None)

    title_node = tree.css_first("title")
    h1 = tree.css_first("h1")
    title = (
        meta.get("og:title")
        or meta.get("twitter:title")
        or from_ld("headline")
        or (_clean(title_node.text()) if title_node else None)
        or (_clean(h1.text()) if h1 else None)
    )
    author = meta.get("author") or meta.get("article:author") or meta.get("parsely-author") or from_ld("author")
    if author and author.startswith("http"):
        author = from_ld("author")  # article:author is often a profile URL
    time_node = tree.css_first("time[datetime]")
    date = (
        meta.get("article:published_time")
        or meta.get("og:published_time")
        or meta.get("datepublished")
        or from_ld("datePublished")
        or meta.get("date")
        or meta.get("pubdate")
        or meta.get("publishdate")
        or meta.get("dc.date")
        or meta.get("dcterms.created")
        or meta.get("parsely-pub-date")
        or (time_node.attributes.get("datetime") if time_node else None)
    )
    publisher = next((obj.get("publisher") for obj in ld if obj.get("publisher")), None)
    site = meta.get("og:site_name") or _clean(publisher) or meta.get("application-name")
    canonical = tree.css_first('link[rel="canonical"][href]')
    page_url = (canonical.attributes.get("href") if canonical else None) or meta.get("og:url") or url
    if page_url and not page_url.startswith(("http://", "https://")):
        page_url = url or page_url  # a relative canonical says less than the URL we were given
    html_node = tree.css_first("html")
    language = (
        (html_node.attributes.get("lang") if html_node else None)
        or meta.get("content-language")
        or meta.get("og:locale")
        or from_ld("inLanguage")
    )
    if language:
        language = language.strip().replace("_", "-").split(",")[0] or None
    return {
        "title": _clean(title),
        "author": _clean(author),
        "date": _iso_date(_clean(date)),
        "site": _clean(site),
        "url": _clean(page_url),
        "language": language,
    }


# ---------------------------------------------------------------------------
# main-content finder: text density over the block structure

# Elements that start a new block of text.
BLOCK_TAGS = frozenset(
    "address article aside blockquote body center dd details dialog dir div dl dt fieldset figcaption figure "
    "footer form h1 h2 h3 h4 h5 h6 header hgroup hr html li main menu nav ol p pre section summary table "
    "tbody td tfoot th thead tr ul caption legend".split()
)
HEADINGS = frozenset("h1 h2 h3 h4 h5 h6".split())
# Elements whose text is never article text (after pruning some may remain).
SKIP_TAGS = frozenset("script style noscript template svg math head title button select textarea input option".split())
_DEADLINE_EVERY = 1024  # nodes between two deadline checks


@dataclass(slots=True)
class Block:
    """A run of text between two block boundaries."""

    text: str
    chars: int
    link_chars: int
    owner: int  # index of the nearest enclosing block element
    tag: str  # that element's tag

    @property
    def link_density(self) -> float:
        return self.link_chars / self.chars if self.chars else 0.0


@dataclass
class BlockTree:
    """Blocks of a page and the elements that hold them, as pre-order indices.

    Only block elements, marked (prune candidate) and protected elements get
    an index; inline elements belong to the nearest indexed ancestor.
    """

    blocks: list[Block]
    parent: list[int]  # parent[i]: enclosing element of element i (-1 for the root)
    end: list[int]  # elements i..end[i]-1 are i and its descendants
    tags: list[str]
    nodes: list[Any]
    marked: dict[int, Any] = field(default_factory=dict)  # index -> PruneRule
    protected: list[int] = field(default_factory=list)
    pruned_nodes: list[Mark] = field(default_factory=list)  # marked elements not entered
    skipped: dict[str, int] = field(default_factory=dict)  # tags not entered (scripts ...), counted

    def subtree_sums(self, values: list[float]) -> list[float]:
        """Per element, the sum of ``values`` (indexed by element) over its subtree."""
        out = list(values)
        parent = self.parent
        for i in range(len(out) - 1, 0, -1):  # children have higher indices than parents
            out[parent[i]] += out[i]
        return out

    def per_element(self, value: Any) -> list[float]:
        """Sum of ``value(block)`` over each element's own blocks (not its subtree)."""
        out = [0.0] * len(self.parent)
        for block in self.blocks:
            out[block.owner] += value(block)
        return out

    def removed_mask(self, roots: list[int]) -> list[bool]:
        """True for every element inside one of the subtrees ``roots``."""
        dead = [False] * len(self.parent)
        for r in roots:
            for i in range(r, self.end[r]):
                dead[i] = True
        return dead


def _normalise(raw: str) -> str:
    lines = (" ".join(line.split()) for line in raw.split("\n"))
    return "\n".join(line for line in lines if line)


@dataclass
class WalkMarks:
    """How the block walk treats noise (see :mod:`cleaner.strip.prune`)."""

    rules: PruneRules
    shield: set[int]  # mem_ids never pruned: protected elements and their ancestors
    protected: set[int]  # mem_ids of the protected elements themselves
    prune: bool = True  # True: marked elements are not entered; False: they are indexed
    include_comments: bool = False


def collect_blocks(
    root: Any,
    *,
    marks: WalkMarks | None = None,
    skip_tags: frozenset[str] = SKIP_TAGS,
    deadline: float | None = None,
    doc_id: str = "<html>",
    limit: float | None = None,
) -> BlockTree:
    """Walk ``root`` once and cut its text into blocks at block-element boundaries.

    Elements in ``skip_tags`` are not entered (their count goes to
    ``tree.skipped``).  With ``marks``, every element is checked against the
    prune rules on the way: when ``marks.prune``, a marked element outside the
    shield is not entered and goes to ``tree.pruned_nodes``, so nothing inside
    noise is ever looked at; otherwise marked and protected elements are
    indexed (even when inline) so that pruning can be decided after the walk.
    """
    rules = marks.rules if marks is not None else None
    shield = marks.shield if marks is not None else set()
    protected = marks.protected if marks is not None else set()
    prune_marked = marks is not None and marks.prune
    include_comments = marks is not None and marks.include_comments
    blocks: list[Block] = []
    tree = BlockTree(blocks, [-1], [0], [root.tag or ""], [root])
    parent, end, tags, nodes = tree.parent, tree.end, tree.tags, tree.nodes
    skipped = tree.skipped
    buf: list[str] = []
    has_break = False  # a <br> in the current block: keep its line breaks
    link_chars = 0
    in_link = 0
    owner_stack = [0]  # open indexed elements
    # frames: (children iterator, kind); kind bits: 1 = indexed element, 2 = link (0 = other inline)
    frames: list[tuple[Iterator[Any], int]] = [(root.iter(include_text=True), 1)]
    seen = 0

    def flush() -> None:
        nonlocal buf, link_chars, has_break
        if buf:
            raw = "".join(buf)
            text = _normalise(raw) if has_break else " ".join(raw.split())
            if text:
                chars = len(text)
                owner = owner_stack[-1]
                blocks.append(Block(text, chars, min(link_chars, chars), owner, tags[owner]))
            buf = []
        link_chars = 0
        has_break = False

    while frames:
        it, kind = frames[-1]
        child = next(it, None)
        if child is None:
            frames.pop()
            if kind & 1:
                flush()
                idx = owner_stack.pop()
                end[idx] = len(parent)
            if kind & 2:
                in_link -= 1
            continue
        seen += 1
        if deadline is not None and seen % _DEADLINE_EVERY == 0:
            _check_deadline(deadline, doc_id, limit)
        tag = child.tag
        if tag == "-text":
            text = child.text_content
            if text and (buf or not text.isspace()):  # whitespace before a block's first word is nothing
                buf.append(text)
                if in_link:
                    link_chars += len(text.strip())
            continue
        if tag in skip_tags:
            skipped[tag] = skipped.get(tag, 0) + 1
            continue
        if tag == "br":
            if buf:
                buf.append("\n")
                has_break = True
            continue
        if tag == "-comment":
            continue
        mark = None
        mem_id = 0
        if rules is not None:
            rule = match_element(tag, child.attributes, rules, include_comments, child)
            if rule is not None:
                mark = Mark(child, rule)
                mem_id = child.mem_id
                if prune_marked and not (rule.protect and mem_id in shield):
                    flush()
                    tree.pruned_nodes.append(mark)
                    continue
            elif protected:
                mem_id = child.mem_id
        if tag in BLOCK_TAGS or mark is not None or mem_id in protected:
            flush()
            idx = len(parent)
            parent.append(owner_stack[-1])
            end.append(idx + 1)
            tags.append(tag)
            nodes.append(child)
            if mark is not None:
                tree.marked[idx] = mark.rule
            if mem_id in protected:
                tree.protected.append(idx)
            owner_stack.append(idx)
            if tag == "a":  # an indexed link: its text is still link text
                in_link += 1
                frames.append((child.iter(include_text=True), 3))
            else:
                frames.append((child.iter(include_text=True), 1))
        elif tag == "a":
            in_link += 1
            frames.append((child.iter(include_text=True), 2))
        else:
            frames.append((child.iter(include_text=True), 0))
    flush()
    end[0] = len(parent)
    return tree


@dataclass(frozen=True)
class DensityParams:
    """Weights of the density finder (see :func:`main_content`)."""

    min_chars: int = 25  # a block shorter than this is "short" (labels, buttons, datelines)
    link_density_max: float = 0.5  # above: a link list (menus, story lists)
    link_penalty: float = 1.0  # weight of link-list text against the container
    short_penalty: float = 0.3  # weight of short-block text against the container
    link_weight: float = 2.0  # prose loses this many times its link share (teasers are partly links)
    # share of a block's value that reaches the ancestor d levels above its owner
    decay: tuple[float, ...] = (1.0, 1.0, 0.5, 1 / 3, 0.25, 0.2)
    sibling_share: float = 0.2  # a sibling of the best element joins with this share of its score
    sibling_prose: int = 80  # ... or when it is a paragraph at least this long with few links
    siblings: bool = True
    linked_paragraph: int = 100  # in the article, a one-line block this long (a sentence with links in it) is kept up to ...
    linked_paragraph_density: float = 0.85  # ... this link density
    sentence_words: int = 8  # ... and so is a shorter one shaped like a sentence of at least this many words
    trim: str = "adjacent"  # outside the article-styled span keep: "none" (all), "fragments" (prose), "adjacent", "all"
    climb: int = 6  # levels the container may widen to gather paragraphs styled like its own
    climb_gain: float = 1.1  # ... when that adds at least this factor of such paragraphs
    # When the article's blocks hold less than this share of the page's prose (what pruning left),
    # the container may have missed part of the article (sections cut apart, a lead trimmed off):
    # trafilatura is asked too, and the page's blocks that both it kept and pruning left are added
    # (:func:`agreed_blocks`).  0 turns the second opinion off.
    second_opinion_below: float = 0.75
    second_opinion_reach: int = 3  # ... blocks within this many levels above the container


def block_value(block: Block, params: DensityParams) -> float:
    """How much a block says "article here": + for prose, - for links and fragments."""
    ld = block.link_density
    if ld > params.link_density_max:
        return -params.link_penalty * block.chars
    if block.chars < params.min_chars and block.tag not in HEADINGS:
        return -params.short_penalty * block.chars
    return block.chars * max(0.0, 1.0 - params.link_weight * ld)


def is_prose(block: Block, params: DensityParams) -> bool:
    return block.chars >= params.min_chars and block.link_density <= params.link_density_max


def is_linked_paragraph(block: Block, params: DensityParams) -> bool:
    """A one-line paragraph that is mostly links but still prose (names
    linked to profiles, a linked story summary): long, or shaped like a
    sentence.  A link list is short items without a sentence's end (headlines,
    menu labels), several <br>-separated lines, or nearly all links."""
    return (
        (block.chars >= params.linked_paragraph or _is_sentence(block.text, params))
        and block.link_density <= params.linked_paragraph_density
        and "\n" not in block.text
    )


_SENTENCE_END = (".", "!", "?", "\u3002", "\uff01", "\uff1f")  # also the ideographic full stop, ！ and ？


def _is_sentence(text: str, params: DensityParams) -> bool:
    """Shaped like a sentence: enough words and a sentence's end (closing quotes and brackets aside)."""
    return text.rstrip().rstrip("\"'\u201d\u2019\u00bb)]").endswith(_SENTENCE_END) and len(text.split()) >= params.sentence_words


def _children(tree: BlockTree, i: int) -> Iterator[int]:
    c = i + 1
    while c < tree.end[i]:
        yield c
        c = tree.end[c]


def main_content(tree: BlockTree, params: DensityParams, removed: list[bool]) -> tuple[list[int], list[Block]]:
    """The elements that hold the article, and their blocks in page order.

    Each block adds its value (+ prose, - link lists and fragments) to its
    element and, fading with distance, to a few ancestors: the best element is
    the one with the most prose close under it, which is the article's
    paragraph container rather than a page-wide wrapper or a list of story
    teasers (whose excerpts sit deeper, each in its own item).  It is widened
    to the ancestor that holds every paragraph styled like its own
    (:func:`_climb`: articles cut into columns or by ad slots), siblings that
    score well or are good paragraphs join it, and its blocks are trimmed to
    the span of the article-styled paragraphs (:func:`_trim`).  Pruned
    elements count nothing.
    """
    parent = tree.parent
    decay = params.decay
    reach = len(decay)
    score = [0.0] * len(parent)
    own_value: dict[int, float] = {}
    for block in tree.blocks:
        if removed[block.owner]:
            continue
        value = block_value(block, params)
        node, d = block.owner, 0
        while node >= 0 and d < reach:
            score[node] += value * decay[d]
            node = parent[node]
            d += 1
        own_value[block.owner] = own_value.get(block.owner, 0.0) + value
    best = max(range(len(score)), key=score.__getitem__)
    region, article_sig = _climb(tree, best, params, removed)
    chosen = [region]
    up = parent[region]
    if up >= 0 and params.siblings:
        threshold = max(params.sibling_share * score[best], 1.0)
        chosen = [
            c
            for c in _children(tree, up)
            if c == region
            or (not removed[c] and (score[c] >= threshold or _is_good_paragraph(tree, c, own_value, params)))
        ]
    spans = [(c, tree.end[c]) for c in chosen]
    blocks = [b for b in tree.blocks if not removed[b.owner] and any(lo <= b.owner < hi for lo, hi in spans)]
    if params.trim != "none" and article_sig is not None:
        blocks = _trim(tree, blocks, article_sig, params, chosen)
    return chosen, blocks


def _trim(
    tree: BlockTree, blocks: list[Block], article_sig: tuple, params: DensityParams, region: list[int] | tuple = ()
) -> list[Block]:
    """Drop what precedes the first and follows the last article-styled paragraph
    (bylines, dates, captions, tags, bios, teasers).

    ``trim="fragments"`` keeps every prose block out there; ``"adjacent"``
    only the prose that continues the article without a link list in between
    (a lead or a last paragraph styled differently) or that sits beside the
    styled paragraphs, not prose after a headline link (story teasers);
    ``"all"`` keeps nothing out there (``"none"`` does not trim).
    """
    styled = [k for k, b in enumerate(blocks) if is_prose(b, params) and _signature(tree, b.owner) == article_sig]
    if not styled:
        return blocks
    first, last = styled[0], styled[-1]

    def prose(b: Block) -> bool:
        return (is_prose(b, params) or is_linked_paragraph(b, params)) and (b.tag not in HEADINGS or _reads_as_sentence(b))

    if params.trim == "fragments":
        return [b for k, b in enumerate(blocks) if first <= k <= last or prose(b)]
    if params.trim == "adjacent":
        first = _extend(blocks, first, -1, prose, params)
        last = _extend(blocks, last, 1, prose, params)
        # Prose sitting right beside the styled paragraphs (same parent), or
        # right in the container (``region``), is article too, even past a
        # link list: a lead styled differently, paragraphs before the lists
        # that set the article's style.
        homes = {tree.parent[blocks[k].owner] for k in styled} | set(region)
        return [
            b for k, b in enumerate(blocks) if first <= k <= last or (prose(b) and tree.parent[b.owner] in homes)
        ]
    return blocks[first : last + 1]


def _reads_as_sentence(block: Block) -> bool:
    """A heading element that holds a sentence, not a title: long and ending like a sentence
    (sites set a lead paragraph in <h2>; headlines do not end with a full stop)."""
    return block.chars >= 80 and block.text.rstrip().rstrip("\"'”’»)]").endswith((".", "!", "?"))


def _extend(blocks: list[Block], k: int, step: int, prose: Any, params: DensityParams) -> int:
    """Index of the farthest prose block reached from ``k`` going ``step``,
    passing headings and short unlinked blocks (labels) but no link-dense one."""
    reach, i = k, k + step
    while 0 <= i < len(blocks):
        block = blocks[i]
        if prose(block):
            reach = i
        elif block.link_density > params.link_density_max or (
            block.chars >= params.min_chars and block.tag not in HEADINGS
        ):
            break
        i += step
    return reach


def _signature(tree: BlockTree, i: int) -> tuple[str, ...]:
    """Tag and first class name of an element, and its parent's tag (and
    first class name, when the element has no class of its own).

    Paragraphs of one article share it.  Only first class names count, as
    sites add modifiers to some paragraphs ("para speakable", "para lead"),
    and without digits; a bare ``<p>`` is told apart by where it sits.
    """
    up = tree.parent[i]
    first = _first_class(tree.nodes[i])
    up_tag = tree.tags[up] if up >= 0 else ""
    if first:
        return tree.tags[i], first, up_tag
    return tree.tags[i], "", up_tag, _first_class(tree.nodes[up]) if up >= 0 else ""


_DIGITS = re.compile(r"\d+")


def _first_class(node: Any) -> str:
    """First class name, digits dropped ("para-1", "para-2" are one style)."""
    first = (node.attributes.get("class") or "").split(" ", 1)[0]
    return _DIGITS.sub("", first) if first else first


_NOT_RUNNING_TEXT = frozenset({"pre", "td", "th", "code"})


def _climb(tree: BlockTree, best: int, params: DensityParams, removed: list[bool]) -> tuple[int, tuple | None]:
    """Widen ``best`` to the ancestor that holds all paragraphs styled like its own.

    Long articles are often cut into several wrappers (columns, ad breaks);
    their paragraphs keep the same element signature, so the article's true
    container is the smallest ancestor (a few levels up at most) beyond which
    no more such paragraphs are found.
    """
    prose = [b for b in tree.blocks if not removed[b.owner] and is_prose(b, params)]
    lo, hi = best, tree.end[best]
    weight: dict[tuple[str, ...], int] = {}
    for b in prose:
        if lo <= b.owner < hi:
            sig = _signature(tree, b.owner)
            weight[sig] = weight.get(sig, 0) + b.chars
    if not weight:
        return best, None
    # Code listings and table cells sit inside articles but are not their running text: the
    # paragraphs' style is the article's whenever there are paragraphs of another kind.
    running = {sig: w for sig, w in weight.items() if sig[0] not in _NOT_RUNNING_TEXT} or weight
    article_sig = max(running, key=running.__getitem__)
    styled = [b for b in prose if b.chars and _signature(tree, b.owner) == article_sig]

    def styled_chars(i: int) -> int:
        lo, hi = i, tree.end[i]
        return sum(b.chars for b in styled if lo <= b.owner < hi)

    region, inside = best, weight[article_sig]
    up = best
    for _ in range(params.climb):  # wrappers that add nothing are passed, not a reason to stop
        up = tree.parent[up]
        if up < 0:
            break
        wider = styled_chars(up)
        if wider > inside * params.climb_gain:
            region, inside = up, wider
    return region, article_sig


def _is_good_paragraph(tree: BlockTree, i: int, own_value: dict[int, float], params: DensityParams) -> bool:
    return tree.tags[i] == "p" and own_value.get(i, 0.0) >= params.sibling_prose


# Inside the article, a table cell that is a link (a name linked to its page) is a datum of a table
# the article holds, and a heading that is a link (a product or place linked to its page) is one of
# its sub-headings: neither is a link list (those are menus and story lists, pruned or outside).
_KEPT_LINKED = frozenset({"td", "th", *HEADINGS})


def is_link_list(block: Block, params: DensityParams, max_density: float) -> bool:
    """A block of the article's container that is (part of) a list of links, not article text."""
    return block.link_density > max_density and not is_linked_paragraph(block, params) and block.tag not in _KEPT_LINKED


def select_blocks(blocks: list[Block], params: DensityParams, options: HtmlOptions, title: str | None) -> list[str]:
    """The article's lines: the container's blocks without link lists, the title and repeats."""
    out: list[str] = []
    seen: set[str] = set()
    norm_title = " ".join(title.split()).lower() if title else None
    max_ld = params.link_density_max if not options.favor_recall else 0.8
    for block in blocks:
        if is_link_list(block, params, max_ld):
            continue
        if options.favor_precision and block.chars < params.min_chars and block.tag not in HEADINGS:
            continue
        if norm_title and block.tag in HEADINGS and _is_title(block.text.lower(), norm_title):
            continue
        if options.deduplicate:
            if block.text in seen:
                continue
            seen.add(block.text)
        out.append(block.text)
    return out


def _is_title(heading: str, title: str) -> bool:
    """A heading that is the page title, or the title without a " | Site" suffix."""
    if heading == title:
        return True
    return len(heading) >= 20 and title.startswith(heading) and title[len(heading) :].lstrip()[:1] in ("|", "-", "–", "—", ":")


_FOLD = re.compile(r"\W+")


def _folded(text: str) -> str:
    """Words only, lower-cased, one blank between them: how two extractors' texts are compared."""
    return " ".join(_FOLD.sub(" ", text.lower()).split())


def prose_share(tree: BlockTree, blocks: list[Block], params: DensityParams, removed: list[bool]) -> float:
    """Share of the page's prose (blocks pruning left) that ``blocks`` hold."""
    total = sum(b.chars for b in tree.blocks if not removed[b.owner] and is_prose(b, params))
    inside = sum(b.chars for b in blocks if is_prose(b, params))
    return inside / total if total else 1.0


def agreed_blocks(
    tree: BlockTree, region: list[int], chosen: list[Block], removed: list[bool], other_text: str, params: DensityParams
) -> list[Block]:
    """``chosen`` plus the page's other blocks that a second extractor also kept, in page order.

    Two extractors that agree on a block are evidence that it is article text: the density finder
    picks one container and may miss the rest of an article cut into sections, or trim off a lead
    styled differently; trafilatura decides block by block and may keep teasers.  A block is added
    when pruning left it, it lies within ``second_opinion_reach`` levels above the container
    (``region``), it is not a link list, its words occur in the other extractor's text (a
    short block: a section heading as a whole paragraph of it, a table cell or list item when its
    row or list, read together, occurs there), and it is not the excerpt
    of a story teaser (a block right after a linked heading in the same item: a headline link
    and its summary).  Text only the other extractor has is never taken.
    """
    lines = [_folded(line) for line in other_text.splitlines()]
    other = " " + " ".join(line for line in lines if line) + " "
    if not other.strip():
        return chosen
    whole_lines = set(lines)
    have = {id(b) for b in chosen}
    blocks = tree.blocks
    parent = tree.parent
    top = region[0]
    for _ in range(params.second_opinion_reach):
        if parent[top] < 0:
            break
        top = parent[top]
    lo, hi = top, tree.end[top]
    rows = _row_texts(tree, lo, hi, removed)
    out: list[Block] = []
    for k, block in enumerate(blocks):
        if id(block) in have:
            out.append(block)
            continue
        if not lo <= block.owner < hi or removed[block.owner] or is_link_list(block, params, params.link_density_max):
            continue
        words = _folded(block.text)
        if not words:
            continue
        if block.chars >= params.min_chars:
            if f" {words} " not in other:
                continue
        elif not (
            (words in whole_lines and block.tag in HEADINGS)
            or (
                block.tag in _ITEM_TAGS
                and len(row := rows.get(parent[block.owner], "")) >= params.min_chars
                and f" {row} " in other
            )
        ):
            continue
        if k > 0 and _after_headline_link(blocks[k - 1], block, parent, params):
            continue
        out.append(block)
    return out


# Cells of a table row and items of a list: short each, read together (a row, a list).
_ITEM_TAGS = frozenset({"td", "th", "li", "dd", "dt"})


def _row_texts(tree: BlockTree, lo: int, hi: int, removed: list[bool]) -> dict[int, str]:
    """Per element of ``lo..hi``, the folded text of the blocks of its children, in page order: a
    table row's cells or a list's items, which the other extractor writes as one line."""
    parts: dict[int, list[str]] = {}
    for block in tree.blocks:
        if lo <= block.owner < hi and not removed[block.owner] and block.tag in _ITEM_TAGS:
            parts.setdefault(tree.parent[block.owner], []).append(_folded(block.text))
    return {up: " ".join(p for p in texts if p) for up, texts in parts.items()}


def _after_headline_link(previous: Block, block: Block, parent: list[int], params: DensityParams) -> bool:
    """``block`` follows a linked heading of the same item (a teaser's headline, then its summary)."""
    if previous.tag not in HEADINGS or previous.link_density <= params.link_density_max:
        return False
    up = parent[block.owner]
    return previous.owner in (block.owner, up) or parent[previous.owner] in (block.owner, up)


# ---------------------------------------------------------------------------
# trafilatura path


def _trafilatura_text(html: str, options: HtmlOptions, url: str | None, fast: bool = False) -> str:
    """trafilatura's text of the page; ``fast``: without its fallback extractors (a second opinion
    needs its block decisions, not its best guess at the whole article; faster)."""
    import trafilatura  # imported late: slow to import and often not needed

    return (
        trafilatura.extract(
            html,
            url=url,
            fast=fast,
            favor_precision=options.favor_precision,
            favor_recall=options.favor_recall,
            include_comments=options.include_comments,
            include_tables=options.include_tables,
            include_images=options.include_images,
            deduplicate=options.deduplicate,
            with_metadata=False,
        )
        or ""
    )


# ---------------------------------------------------------------------------
# the stage


def _skip_tags(rules: PruneRules, options: HtmlOptions) -> frozenset[str]:
    skip = SKIP_TAGS | rules.drop_by_tag.keys() if options.prune else SKIP_TAGS
    return skip if options.include_tables else skip | {"table"}


def _text_chars(node: Any) -> int:
    """Characters of an element's text, each text node trimmed (whitespace between them not counted)."""
    return len(node.text(deep=True, strip=True))


def _walk_with_guard(
    body: Any, marks: WalkMarks, params: DensityParams, walk: dict[str, Any]
) -> tuple[BlockTree, list[Mark], list[Mark], list[bool]]:
    """Walk the page with the marked elements in, and prune those that do not hold the article."""
    tree = collect_blocks(body, marks=replace(marks, prune=False), **walk)
    prose = tree.subtree_sums(tree.per_element(lambda b: b.chars if is_prose(b, params) else 0))
    prose_blocks = tree.subtree_sums(tree.per_element(lambda b: 1.0 if is_prose(b, params) else 0.0))
    rules = marks.rules
    pruned, kept = choose_prunes(
        tree.parent, tree.end, tree.marked, tree.protected, prose, rules.guard_share, prose_blocks, rules.guard_min_blocks
    )
    by_index = {i: Mark(tree.nodes[i], tree.marked[i]) for i in (*pruned, *kept)}
    return tree, [by_index[i] for i in pruned], [by_index[i] for i in kept], tree.removed_mask(pruned)


@dataclass
class WalkedPage:
    """A page's blocks after pruning and the main-content choice."""

    tree: BlockTree
    region: list[int]  # the elements that hold the article
    chosen: list[Block]  # the article's blocks, in page order
    pruned: list[Mark]  # marked elements left out (outermost)
    kept: list[Mark]  # marked elements kept because they hold the article
    removed: list[bool]  # per element of ``tree``: inside a pruned element


def walk_page(body: Any, marks: WalkMarks | None, params: DensityParams, article_chars: int, walk: dict[str, Any]) -> WalkedPage:
    """Prune and choose the main content.

    First pass: every marked element goes unwalked, except those holding
    <main>/articleBody.  Only when that leaves no article is the page walked
    again with them in, and those holding much of its prose are kept: the
    article then sat in a container named like noise.
    """
    tree = collect_blocks(body, marks=marks, **walk)
    removed = [False] * len(tree.parent)
    region, chosen = main_content(tree, params, removed)
    pruned: list[Mark] = tree.pruned_nodes
    kept: list[Mark] = []
    if tree.pruned_nodes and sum(b.chars for b in chosen if is_prose(b, params)) < article_chars:
        assert marks is not None  # pruned nodes come from marks
        tree, pruned, kept, removed = _walk_with_guard(body, marks, params, walk)
        region, chosen = main_content(tree, params, removed)
    return WalkedPage(tree, region, chosen, pruned, kept, removed)


def _size_of(html: str | bytes, limit: int) -> int:
    """Size in bytes (of the UTF-8 form for text); encodes only when the length leaves it open."""
    if isinstance(html, bytes) or len(html) > limit or 4 * len(html) <= limit:
        return len(html)  # a str longer than the limit is over it in any encoding
    return len(html.encode("utf-8", errors="ignore"))


def extract_html(
    html: str | bytes,
    *,
    doc_id: str = "<html>",
    url: str | None = None,
    options: HtmlOptions | None = None,
) -> Extracted:
    """Main text and metadata of one page.

    Raises :class:`ExtractionError` when the page is too big or has no text at
    all, and :class:`ExtractionTimeout` when it takes longer than
    ``options.timeout``.  Never returns an empty text.
    """
    options = options or HtmlOptions()
    if options.engine not in ENGINES:
        raise ConfigError(f"unknown HTML engine {options.engine!r}; one of {', '.join(ENGINES)}")
    size = _size_of(html, options.max_bytes)
    if size > options.max_bytes:
        raise ExtractionError(doc_id, f"page is {size} bytes, over the {options.max_bytes}-byte limit (max_bytes)")
    problem = markup_problem(html, options.max_attributes, options.max_depth)
    if problem is not None:  # the parser's cost grows with their square and cannot be interrupted
        raise ExtractionError(doc_id, f"not parsed: {problem}")
    with time_limit(options.timeout, doc_id) as deadline:
        return _extract(html, doc_id=doc_id, url=url, options=options, deadline=deadline)


def _extract(
    html: str | bytes, *, doc_id: str, url: str | None, options: HtmlOptions, deadline: float | None
) -> Extracted:
    if isinstance(html, bytes):
        html = decode_html(html)
    if not html.strip():
        raise ExtractionError(doc_id, "empty page")
    dom = LexborHTMLParser(html)
    meta = read_metadata(dom, url)
    result = Extracted(text="", **meta)
    body = dom.body or dom.root
    if body is None:
        raise ExtractionError(doc_id, "page has no document tree")
    rules = load_rules(options.rules_path)
    params = options.density or DensityParams()
    skip_tags = _skip_tags(rules, options)
    walk = {"skip_tags": skip_tags, "deadline": deadline, "doc_id": doc_id, "limit": options.timeout}
    protected = protected_nodes(body)
    marks = (
        WalkMarks(
            rules=rules,
            shield=shield_ids(protected),
            protected={n.mem_id for n in protected},
            include_comments=options.include_comments,
        )
        if options.prune
        else None
    )
    page = walk_page(body, marks, params, rules.article_chars, walk)
    tree, region, chosen, pruned, kept, removed = (
        page.tree, page.region, page.chosen, page.pruned, page.kept, page.removed
    )
    for mark in pruned:
        result.pruned.append(
            {
                "kind": mark.rule.kind,
                "reason": mark.rule.reason,
                "selector": selector_of(mark.node),
                "chars": _text_chars(mark.node),
            }
        )
    for tag, count in sorted(tree.skipped.items()):
        drop = rules.drop_by_tag.get(tag)
        result.pruned.append(
            {
                "kind": drop.kind if drop else "skipped",
                "reason": drop.reason if drop else "not article text",
                "selector": tag,
                "chars": 0,
                "count": count,
            }
        )
    if kept:
        result.notes.append("kept (holds the article): " + ", ".join(f"{m.rule.kind} {selector_of(m.node)}" for m in kept))

    text = ""
    decomposed = False
    if options.engine in ("auto", "density"):
        text = "\n".join(select_blocks(chosen, params, options, result.title))
        result.engine = "density"
        if len(text) < options.min_chars and options.engine == "auto":
            result.notes.append(f"density finder found {len(text)} chars (< {options.min_chars}); used trafilatura")
            text = ""
        elif options.engine == "auto" and (share := prose_share(tree, chosen, params, removed)) < params.second_opinion_below:
            for mark in pruned:  # outermost only, so no node is freed twice
                mark.node.decompose()
            decomposed = True
            other = _trafilatura_text(dom.html or html, options, url, fast=True)
            agreed = agreed_blocks(tree, region, chosen, removed, other, params)
            if len(agreed) > len(chosen):
                result.notes.append(f"the article's blocks held {share:.0%} of the page's prose; added "
                                    f"{len(agreed) - len(chosen)} blocks trafilatura also kept")
                result.engine = "density+trafilatura"
                text = "\n".join(select_blocks(agreed, params, options, result.title))
    if not text and options.engine in ("auto", "trafilatura"):
        if not decomposed:
            for mark in pruned:  # outermost only, so no node is freed twice
                mark.node.decompose()
        text = _trafilatura_text(dom.html or html, options, url)
        result.engine = "trafilatura"
    if not text.strip():
        text = "\n".join(b.text for b in tree.blocks if not removed[b.owner])
        if not text.strip():  # all the text was in pruned elements: take it all, from a fresh parse
            whole = LexborHTMLParser(html)
            root = whole.body or whole.root
            text = "\n".join(b.text for b in collect_blocks(root, skip_tags=skip_tags).blocks) if root else ""
        if not text.strip():
            raise ExtractionError(doc_id, "no text in the page (only markup, scripts or media)")
        result.fallback = True
        result.engine = "page"
        result.notes.append("extraction returned nothing; fell back to the whole-page text")
    result.text = text
    return result
