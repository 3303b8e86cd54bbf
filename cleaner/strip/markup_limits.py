"""A cheap scan of a page's tags before the HTML parser sees it.

Lexbor's cost grows with the square of an element's attribute count and of the
nesting depth (100k attributes: 18 s; 1M: over 25 minutes; 100k nested
``<div>``: about 20 s), and a C parser cannot be interrupted by a Python time
limit. So a page is measured first, with regular expressions over its tags, in
time linear in its size, and refused before parsing when an element has more
attributes than ``max_attributes`` or elements nest deeper than ``max_depth``.

Depth counts only elements the parser cannot close on its own: void elements
(``<br>``), elements whose end tag is optional (``<p>``, ``<li>``, ``<td>`` ...)
and self-closed ones are not counted, and the content of raw-text elements
(``<script>``, ``<style>`` ...) and comments is skipped, so a real page is never
near the limit (news pages nest 20-60 deep).
"""
from __future__ import annotations

import re
from collections import Counter

# A whole tag, quotes respected (an unrolled loop: linear time), its body in group 3.
_TAG = re.compile(r"""<(/?)([A-Za-z][^\s/>"'=]*)([^>"']*(?:(?:"[^"]*"|'[^']*')[^>"']*)*)>""")
_QUOTED = re.compile(r""""[^"]*"|'[^']*'""")
_ATTRIBUTE = re.compile(r"""[\s/]+[^\s/>="']+""")
_RAW_TEXT = ("script", "style", "textarea", "title", "xmp", "noscript", "iframe", "noembed", "noframes")
# the "<" first, outside the alternation: the search then jumps from one "<" to the next
_SKIPPED_START = re.compile(r"<(?:!--|(" + "|".join(_RAW_TEXT) + r")\b)", re.I)
_RAW_END = {name: re.compile(rf"</{name}", re.I) for name in _RAW_TEXT}
_NOT_COUNTED = frozenset(
    # void elements
    "area base br col embed hr img input link meta param source track wbr keygen basefont bgsound frame".split()
    # end tag optional: the parser closes them itself
    + "p li dt dd option optgroup tr td th thead tbody tfoot colgroup caption rb rt rtc rp html head body".split()
)


def _without_raw_text(text: str) -> str:
    """``text`` without comments and the content of raw-text elements (their "tags" are text).
    Jumps from each start to its end, so it is linear even when ends are missing."""
    kept: list[str] = []
    pos = 0
    while (m := _SKIPPED_START.search(text, pos)) is not None:
        kept.append(text[pos : m.start()])
        if m.group(1) is None:
            end = text.find("-->", m.end())
            pos = len(text) if end < 0 else end + 3
        else:
            end_tag = _RAW_END[m.group(1).lower()].search(text, m.end())
            pos = len(text) if end_tag is None else end_tag.start()
            kept.append(" ")  # the end tag itself stays, and is not counted below
    kept.append(text[pos:])
    return "".join(kept)


_OPEN_NAME = re.compile(r"<([A-Za-z][^\s/>\"'=]*)")
_LONG_TAG: dict[tuple[int, bool], re.Pattern[str]] = {}


def _long_tag(length: int, quoted: bool) -> re.Pattern[str]:
    """A tag start followed by ``length`` characters of the same tag (quotes respected if ``quoted``)."""
    key = (length, quoted)
    if key not in _LONG_TAG:
        # possessive: a unit (a character, or a quoted value) can be read one way only, so giving
        # none back changes no match, and a failed start is not retried unit by unit
        body = r"""(?:[^>"']|"[^"]*+"|'[^']*+')""" if quoted else "[^>]"
        _LONG_TAG[key] = re.compile(f"<[A-Za-z]{body}{{{length}}}+")
    return _LONG_TAG[key]


_QUOTED_GT = re.compile(r"""=\s*(?:"[^"]*>|'[^']*>)""")  # an attribute value holding a ">"


def _counted(opened: Counter) -> int:
    """Elements opened that depth counts, from a count of tag names as written (case folded here,
    once per distinct name)."""
    return sum(n for name, n in opened.items() if (folded := name.lower()) not in _NOT_COUNTED and folded not in _RAW_END)


def markup_problem(html: str | bytes, max_attributes: int, max_depth: int) -> str | None:
    """Why the page must not be parsed (too many attributes on an element, too deep), or None."""
    text = html.decode("latin-1") if isinstance(html, bytes) else html  # tags are ASCII in any encoding
    if text.count("<") <= max_depth and len(text) <= 2 * max_attributes:
        return None  # too few tags to nest that deep, too short for that many attributes
    text = _without_raw_text(text)
    long_tag = 2 * max_attributes  # an attribute takes two characters at least (" a")
    # Fast path, exact: no tag as long as long_tag characters means no element has that many
    # attributes (with no ">" inside a quoted value a tag ends at its first ">", so the plain
    # pattern is enough; else the quote-aware one), and elements cannot nest deeper than the
    # number of counted elements opened.
    long_pattern = _long_tag(long_tag, quoted=_QUOTED_GT.search(text) is not None)
    if long_pattern.search(text) is None:
        if _counted(Counter(_OPEN_NAME.findall(text))) <= max_depth:
            return None
    tags = _TAG.findall(text)  # (slash, name, body): the tag is "<" + slash + name + body + ">"
    for closing, name, body in tags:
        if len(closing) + len(name) + len(body) + 2 > long_tag:
            count = len(_ATTRIBUTE.findall(_QUOTED.sub('""', body)))
            if count > max_attributes:
                return f"an element <{name.lower()}> has {count} attributes, over the limit of {max_attributes} (max_attributes)"
    if _counted(Counter(name for closing, name, _ in tags if not closing)) <= max_depth:
        return None  # fewer counted elements than the limit: they cannot nest deeper
    depth = 0
    for closing, name, body in tags:
        name = name.lower()
        if name in _NOT_COUNTED or name in _RAW_END:
            continue
        if closing:
            if depth:
                depth -= 1
        elif not body.endswith("/"):  # self-closed: foreign content (<svg><path/>) honours it
            depth += 1
            if depth > max_depth:
                return f"elements nest deeper than {max_depth} levels (max_depth)"
    return None
