"""Remove what is certainly noise from a parsed page before extraction.

The rules are data (``html_rules.toml`` beside this file): each names a kind,
a reason and how the element is recognised (tag, ARIA role, id/class token,
whole class name, boolean attribute, inline style).

Nothing is removed from the selectolax (Lexbor) tree here.  The HTML stage
walks the page once; on the way it skips the tags that never carry article
text (``drop`` rules: scripts, styles, frames) and every element
:func:`match_element` marks, so nothing inside noise is ever looked at.  When
that leaves no article, the page is walked again with the marked elements
in, and :func:`choose_prunes` decides which of them go.

An element that holds the article is never pruned, whatever it is called:
when it is or contains ``<main>``, ``role=main`` or ``itemprop=articleBody``,
or when it holds at least ``guard_share`` of the page's prose, it is kept and
the keep is reported instead.
"""
from __future__ import annotations

import re
import sys
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, NamedTuple

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on 3.10 only
    import tomli as tomllib

_MISSING = object()
RULES_PATH = Path(__file__).with_name("html_rules.toml")

# Elements that mark the article itself; never pruned, nor anything holding them.
PROTECTED = "main, [role=main], [itemprop~=articleBody]"

_HUMP = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")
_NON_ALNUM = re.compile(r"[^a-z0-9]+")


@dataclass(frozen=True)
class DropRule:
    """Tags removed with their content, unguarded (they never hold article text)."""

    kind: str
    tags: tuple[str, ...]
    reason: str


@dataclass(frozen=True)
class PruneRule:
    """One kind of noise element and the marks that identify it."""

    kind: str
    reason: str
    tags: frozenset[str] = frozenset()
    roles: frozenset[str] = frozenset()
    tokens: frozenset[str] = frozenset()
    prefixes: tuple[str, ...] = ()
    classes: frozenset[str] = frozenset()
    attributes: tuple[str, ...] = ()
    styles: tuple[str, ...] = ()
    comments: bool = False  # the rule is off when comments are wanted
    guard_share: float | None = None  # own share of prose that keeps an element (None: the file's)
    protect: bool = True  # containing <main>/articleBody keeps the element
    inline: bool = False  # also applies to inline elements (captions are often <span>s)
    unless: str | None = None  # CSS: an element holding a match is not marked by this rule


@dataclass(frozen=True)
class PruneRules:
    drops: tuple[DropRule, ...]
    rules: tuple[PruneRule, ...]
    guard_share: float
    guard_min_blocks: int = 1
    article_chars: int = 400
    inline_tags: frozenset[str] = frozenset()
    ignore_word_prefixes: tuple[str, ...] = ()
    ignore_word_tokens: frozenset[str] = frozenset()
    # lookups derived from ``rules`` (first rule in file order wins)
    by_tag: dict[str, PruneRule] = field(default_factory=dict, compare=False)
    by_role: dict[str, PruneRule] = field(default_factory=dict, compare=False)
    _marks_cache: dict[str, PruneRule | None] = field(default_factory=dict, compare=False, repr=False)
    _word_cache: dict[str, int] = field(default_factory=dict, compare=False, repr=False)
    _index: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        words = sorted({w for r in self.rules for w in (*r.tokens, *r.prefixes, *r.classes)}, key=len, reverse=True)
        self._index["drop_by_tag"] = {t: d for d in self.drops for t in d.tags}
        self._index["flag_attributes"] = tuple(sorted({a for r in self.rules for a in r.attributes}))
        self._index["attribute_rules"] = tuple(r for r in self.rules if r.attributes or r.styles)
        self._index["any_substring"] = re.compile("|".join(map(re.escape, words)) if words else "(?!)")
        # per token and whole class name, the first rule (file order) naming it; prefixes in rule order
        first_token: dict[str, int] = {}
        first_class: dict[str, int] = {}
        for i, r in enumerate(self.rules):
            for t in r.tokens:
                first_token.setdefault(t, i)
            for c in r.classes:
                first_class.setdefault(c, i)
        self._index["first_token"] = first_token
        self._index["first_class"] = first_class
        self._index["prefixes"] = tuple((p, i) for i, r in enumerate(self.rules) for p in r.prefixes)

    def rule_for_marks(self, marks: str) -> PruneRule | None:
        """The first rule (file order) that a word of an id/class string matches.

        Memoised twice: on the whole string (repeats within a page and a site)
        and on each word (``clearfix``, ``col-md-6`` repeat across sites).
        """
        cache = self._marks_cache
        found = cache.get(marks, _MISSING)
        if found is not _MISSING:
            return found  # type: ignore[return-value]
        words = self._word_cache
        best = len(self.rules)
        for word in marks.split():
            i = words.get(word)
            if i is None:
                i = self._rule_index_of_word(word)
                if len(words) < 200_000:
                    words[word] = i
            if i < best:
                best = i
        found = self.rules[best] if best < len(self.rules) else None
        if len(cache) < 200_000:
            cache[marks] = found
        return found

    def _rule_index_of_word(self, word: str) -> int:
        """Index of the first rule one id/class word matches (``len(rules)``: none)."""
        # Every token, prefix and class of a match is a substring of the
        # lower-cased word, so one search rules out most words at once.
        lower = word.lower()
        if not self._any_substring.search(lower) or lower.startswith(self.ignore_word_prefixes):
            return len(self.rules)
        tokens, classes = attribute_tokens(word)
        if not self.ignore_word_tokens.isdisjoint(tokens):
            return len(self.rules)
        # the first rule whose tokens, classes or prefixes match (shares a token or a
        # whole class name, or a token starts with one of its prefixes), looked up
        best = len(self.rules)
        first_token, first_class = self._index["first_token"], self._index["first_class"]
        for t in tokens:
            best = min(best, first_token.get(t, best))
        for c in classes:
            best = min(best, first_class.get(c, best))
        for prefix, i in self._index["prefixes"]:
            if i >= best:
                break
            if any(t.startswith(prefix) for t in tokens):
                best = i
                break
        return best

    @property
    def drop_by_tag(self) -> dict[str, DropRule]:
        return self._index["drop_by_tag"]

    @property
    def flag_attributes(self) -> tuple[str, ...]:
        """Boolean attributes some rule looks for (``hidden``)."""
        return self._index["flag_attributes"]

    @property
    def attribute_rules(self) -> tuple[PruneRule, ...]:
        """Rules that look at boolean attributes or inline style."""
        return self._index["attribute_rules"]

    @property
    def _any_substring(self) -> re.Pattern[str]:
        return self._index["any_substring"]


def rules_from_mapping(data: dict[str, Any]) -> PruneRules:
    """Build :class:`PruneRules` from the parsed TOML mapping."""
    drops = tuple(
        DropRule(kind=d["kind"], tags=tuple(d["tags"]), reason=d["reason"]) for d in data.get("drop", [])
    )
    rules = tuple(
        PruneRule(
            kind=r["kind"],
            reason=r["reason"],
            tags=frozenset(r.get("tags", ())),
            roles=frozenset(x.lower() for x in r.get("roles", ())),
            tokens=frozenset(x.lower() for x in r.get("tokens", ())),
            prefixes=tuple(x.lower() for x in r.get("prefixes", ())),
            classes=frozenset(x.lower() for x in r.get("classes", ())),
            attributes=tuple(r.get("attributes", ())),
            styles=tuple(s.replace(" ", "").lower() for s in r.get("styles", ())),
            comments=bool(r.get("comments", False)),
            guard_share=r.get("guard_share"),
            protect=bool(r.get("protect", True)),
            inline=bool(r.get("inline", False)),
            unless=r.get("unless"),
        )
        for r in data.get("rule", [])
    )
    by_tag: dict[str, PruneRule] = {}
    by_role: dict[str, PruneRule] = {}
    for rule in rules:
        for tag in rule.tags:
            by_tag.setdefault(tag, rule)
        for role in rule.roles:
            by_role.setdefault(role, rule)
    return PruneRules(
        drops,
        rules,
        float(data.get("guard_share", 0.4)),
        int(data.get("guard_min_blocks", 1)),
        int(data.get("article_chars", 400)),
        frozenset(data.get("inline_tags", ())),
        tuple(p.lower() for p in data.get("ignore_word_prefixes", ())),
        frozenset(t.lower() for t in data.get("ignore_word_tokens", ())),
        by_tag,
        by_role,
    )


@lru_cache(maxsize=8)
def load_rules(path: str | None = None) -> PruneRules:
    """The rules in ``path`` (default: the packaged ``html_rules.toml``)."""
    with open(path or RULES_PATH, "rb") as f:
        return rules_from_mapping(tomllib.load(f))


def attribute_tokens(value: str) -> tuple[frozenset[str], frozenset[str]]:
    """Lower-case word tokens and whole class names of an id/class value.

    ``"relatedArticles share_bar"`` -> tokens {related, articles, share, bar},
    classes {relatedarticles, share_bar}.
    """
    words = value.split()
    classes = frozenset(w.lower() for w in words)
    tokens: set[str] = set()
    for word in words:
        tokens.update(t for t in _NON_ALNUM.split(_HUMP.sub("-", word).lower()) if t)
    return frozenset(tokens), classes


def selector_of(node: Any) -> str:
    """``tag#id.class1.class2`` of an element, for reports."""
    attrs = node.attributes
    out = node.tag or "?"
    if attrs.get("id"):
        out += "#" + attrs["id"].strip()
    if attrs.get("class"):
        out += "".join("." + c for c in attrs["class"].split())
    return out


def match_element(
    tag: str, attrs: dict[str, str | None], rules: PruneRules, include_comments: bool = False, node: Any = None
) -> PruneRule | None:
    """The rule that marks an element as noise, if any: by tag, ARIA role,
    boolean attribute or inline style, else by id/class/aria-label words
    (first rule in file order; on inline elements only ``inline`` rules).
    ``node`` (the element) is needed for rules with ``unless``."""
    rule = rules.by_tag.get(tag)
    if rule is None and attrs:
        role = attrs.get("role")
        if role:
            rule = rules.by_role.get(role.strip().lower())
        if rule is None and rules.attribute_rules:
            style = attrs.get("style")
            if style or any(a in attrs for a in rules.flag_attributes):
                style = style.replace(" ", "").lower() if style else ""
                for candidate in rules.attribute_rules:
                    if any(a in attrs for a in candidate.attributes) or (
                        style and any(s in style for s in candidate.styles)
                    ):
                        rule = candidate
                        break
        if rule is None:
            marks_text = f'{attrs.get("id") or ""} {attrs.get("class") or ""} {attrs.get("aria-label") or ""}'
            if marks_text != "  ":
                found = rules._marks_cache.get(marks_text, _MISSING)
                rule = rules.rule_for_marks(marks_text) if found is _MISSING else found  # type: ignore[assignment]
                if rule is not None and not rule.inline and tag in rules.inline_tags:
                    rule = None  # a link or span named "related" is part of its sentence
    if rule is None or (rule.comments and include_comments) or tag in ("html", "body"):
        return None
    if rule.unless and node is not None and node.css_first(rule.unless) is not None:
        return None
    return rule


class Mark(NamedTuple):
    node: Any
    rule: PruneRule


def shield_ids(protected: list[Any]) -> set[int]:
    """``mem_id`` of the protected elements and of all their ancestors: never pruned."""
    out: set[int] = set()
    for node in protected:
        while node is not None:
            out.add(node.mem_id)
            node = node.parent
    return out


def protected_nodes(root: Any) -> list[Any]:
    """The elements that mark the article itself (``<main>``, ``itemprop=articleBody`` ...)."""
    return list(root.css(PROTECTED))


def choose_prunes(
    parent: list[int],
    end: list[int],
    marked: dict[int, PruneRule],
    protected: list[int],
    prose: list[float],
    guard_share: float,
    prose_blocks: list[float] | None = None,
    guard_min_blocks: int = 1,
) -> tuple[list[int], list[int]]:
    """Which marked elements to prune and which to keep because they hold the article.

    Elements are pre-order indices of a block tree: ``parent[i]`` encloses
    ``i``, and ``i..end[i]-1`` are ``i`` and its descendants.  ``prose[i]`` is
    the prose (paragraph-like text) in ``i``'s subtree; an element holding at
    least ``guard_share`` of the page's prose in at least ``guard_min_blocks``
    prose blocks (``prose_blocks[i]``; one long notice is not an article), or
    a protected element, is kept.
    Returns (pruned, kept), outermost first; nothing inside a pruned element
    is listed.
    """
    total = prose[0] if prose else 0.0

    pruned: list[int] = []
    kept: list[int] = []
    skip_until = -1
    for i in sorted(marked):
        if i < skip_until:
            continue  # inside an element already pruned
        rule = marked[i]
        share = guard_share if rule.guard_share is None else rule.guard_share
        holds_article = (rule.protect and any(i <= p < end[i] for p in protected)) or (
            total > 0
            and prose[i] >= share * total
            and (prose_blocks is None or prose_blocks[i] >= guard_min_blocks)
        )
        if holds_article:
            kept.append(i)
        else:
            pruned.append(i)
            skip_until = end[i]
    return pruned, kept
