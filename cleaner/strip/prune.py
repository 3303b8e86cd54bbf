"""Remove what is certainly noise from a parsed page before extraction.

The rules are data (``html_rules.toml`` beside this file): each names a kind,
a reason and how the element is recognised (tag, ARIA role, id/class token,
whole class name, boolean attribute, inline style).

Two steps, so that the page is walked only once: :func:`drop_tags` removes
tags that never carry article text (scripts, styles, frames) from the
selectolax (Lexbor) tree; :func:`mark_noise` marks the elements a rule names,
and after the HTML stage has cut the page into text blocks,
:func:`choose_prunes` decides which marked elements go.

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
from typing import Any

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on 3.10 only
    import tomli as tomllib

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

    def matches_tokens(self, tokens: frozenset[str], classes: frozenset[str]) -> bool:
        if self.tokens & tokens or self.classes & classes:
            return True
        return any(t.startswith(p) for p in self.prefixes for t in tokens)


@dataclass(frozen=True)
class PruneRules:
    drops: tuple[DropRule, ...]
    rules: tuple[PruneRule, ...]
    guard_share: float
    guard_min_blocks: int = 1
    article_chars: int = 400
    # lookups derived from ``rules`` (first rule in file order wins)
    by_tag: dict[str, PruneRule] = field(default_factory=dict, compare=False)
    by_role: dict[str, PruneRule] = field(default_factory=dict, compare=False)
    _marks_cache: dict[str, PruneRule | None] = field(default_factory=dict, compare=False, repr=False)
    _index: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        prefixes = sorted({p for r in self.rules for p in r.prefixes})
        self._index["attribute_rules"] = tuple(r for r in self.rules if r.attributes or r.styles)
        self._index["tokens"] = frozenset(t for r in self.rules for t in r.tokens)
        self._index["classes"] = frozenset(c for r in self.rules for c in r.classes)
        self._index["prefix_re"] = (
            re.compile(r"(?:^| )(?:" + "|".join(map(re.escape, prefixes)) + ")") if prefixes else None
        )

    def rule_for_marks(self, marks: str) -> PruneRule | None:
        """The first rule whose tokens, prefixes or classes occur in an id/class string (memoised)."""
        cache = self._marks_cache
        if marks in cache:
            return cache[marks]
        tokens, classes = attribute_tokens(marks)
        found = None
        if not (self._all_tokens.isdisjoint(tokens) and self._all_classes.isdisjoint(classes)) or (
            self._prefix_re is not None and self._prefix_re.search(" ".join(tokens))
        ):
            found = next((r for r in self.rules if r.matches_tokens(tokens, classes)), None)
        if len(cache) < 100_000:
            cache[marks] = found
        return found

    @property
    def attribute_rules(self) -> tuple[PruneRule, ...]:
        """Rules that look at boolean attributes or inline style."""
        return self._index["attribute_rules"]

    @property
    def _all_tokens(self) -> frozenset[str]:
        return self._index["tokens"]

    @property
    def _all_classes(self) -> frozenset[str]:
        return self._index["classes"]

    @property
    def _prefix_re(self) -> re.Pattern[str] | None:
        return self._index["prefix_re"]

    @property
    def candidate_selector(self) -> str:
        """CSS selecting every element some rule could match."""
        parts = sorted(self.by_tag) + ["[class]", "[id]", "[role]", "[aria-label]"]
        parts += sorted({f"[{a}]" for r in self.rules for a in r.attributes})
        if any(r.styles for r in self.rules):
            parts.append("[style]")
        return ", ".join(parts)


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
        by_tag,
        by_role,
    )


@lru_cache(maxsize=8)
def load_rules(path: str | None = None) -> PruneRules:
    """The rules in ``path`` (default: the packaged ``html_rules.toml``)."""
    with open(path or RULES_PATH, "rb") as f:
        return rules_from_mapping(tomllib.load(f))


@lru_cache(maxsize=65536)
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


def match_rule(node: Any, rules: PruneRules) -> PruneRule | None:
    """The rule that marks ``node`` as noise, if any: by tag, then ARIA role,
    then id/class/aria-label tokens (first rule in file order), then boolean
    attributes and inline style."""
    rule = rules.by_tag.get(node.tag)
    if rule is not None:
        return rule
    attrs = node.attributes
    role = attrs.get("role")
    if role:
        rule = rules.by_role.get(role.strip().lower())
        if rule is not None:
            return rule
    marks = " ".join(v for k in ("id", "class", "aria-label") if (v := attrs.get(k)))
    if marks:
        rule = rules.rule_for_marks(marks)
        if rule is not None:
            return rule
    style = attrs.get("style")
    style = style.replace(" ", "").lower() if style else ""
    for rule in rules.attribute_rules:
        if rule.attributes and any(a in attrs for a in rule.attributes):
            return rule
        if style and rule.styles and any(s in style for s in rule.styles):
            return rule
    return None


def _is_inside(node: Any, ids: set[int]) -> bool:
    parent = node.parent
    while parent is not None:
        if parent.mem_id in ids:
            return True
        parent = parent.parent
    return False


def drop_tags(root: Any, rules: PruneRules) -> list[dict]:
    """Remove the unguarded tags (scripts, styles, frames, form controls) in place; report them."""
    report = []
    for drop in rules.drops:
        nodes = root.css(", ".join(drop.tags))
        if not nodes:
            continue
        chars = 0
        seen: set[int] = set()
        outer = []
        for node in nodes:  # document order: an ancestor comes before its descendants
            if node.mem_id in seen or _is_inside(node, seen):
                continue
            seen.add(node.mem_id)
            outer.append(node)
            if drop.kind != "code":  # the text of scripts and styles is not page text
                chars += len(node.text(deep=True))
        found = sorted({n.tag for n in outer})
        for node in outer:
            node.decompose()
        report.append(
            {"kind": drop.kind, "reason": drop.reason, "selector": ", ".join(found), "chars": chars, "count": len(outer)}
        )
    return report


def mark_noise(root: Any, rules: PruneRules, *, include_comments: bool = False) -> dict[int, PruneRule]:
    """Elements under ``root`` that a rule marks as noise, by ``mem_id`` (nothing is removed yet)."""
    marks: dict[int, PruneRule] = {}
    for node in root.css(rules.candidate_selector):
        mem_id = node.mem_id
        if mem_id in marks or node.tag in ("html", "body"):
            continue  # a node matching several selectors is listed once per selector
        rule = match_rule(node, rules)
        if rule is None or (rule.comments and include_comments):
            continue
        marks[mem_id] = rule
    return marks


def protected_ids(root: Any) -> set[int]:
    """``mem_id`` of the elements that mark the article itself."""
    return {node.mem_id for node in root.css(PROTECTED)}


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
