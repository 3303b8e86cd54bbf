"""Noise rule tables of the text strip stage, one TOML file per language.

A table (``en.toml``, ``de.toml`` ...) lists rules: a noise *kind*, a *reason*
and a regular expression with a *mode* (``line``, ``prefix``, ``search`` or
``tail``; see the comment at the top of ``en.toml``).  :func:`load_rules`
compiles a table into a :class:`RuleSet`: every rule of one mode is folded into
one alternation with a named group per rule, so classifying a line costs one
regex call per mode, not one per rule.

Regex safety is checked here, by construction: a pattern whose repetition
contains another repetition (``(a+)+``, ``(\\w+\\s?)*`` ...) is refused with a
:class:`~cleaner.errors.ConfigError`, because that shape is what makes
backtracking exponential.  The text stage also never hands a rule more than a
bounded slice of a line, so even polynomial backtracking stays bounded.

Speed: line and prefix rules are folded into one alternation per choice of rules,
and a line is matched only against the rules that can start with its first few
characters (:class:`PrefixDispatch`; :func:`start_strings` works the possible starts
out from the parsed pattern), so most lines cost no regex call at all.
``search`` and ``tail`` rules scan every position of a line, the costly
part of the stage, so each may name ``hint`` strings, of which one must occur
in the (lower-cased) line for the rule to be tried.  A hint must be a
necessary condition of a match; a rule without hints is always tried.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

try:  # Python 3.11+
    import tomllib
except ImportError:  # pragma: no cover - Python 3.10
    import tomli as tomllib  # type: ignore[no-redef]

try:  # Python 3.11+: the parser moved
    from re import _parser as _sre_parse  # type: ignore[attr-defined]
except ImportError:  # pragma: no cover
    import sre_parse as _sre_parse  # type: ignore[no-redef]

from ...errors import ConfigError
from ..hints import DISPATCH_CHARS, HintScan, dispatch_key, hint_text  # noqa: F401 (hint_text: for the rules' users)
from ..hints import PrefixDispatch as _PrefixDispatch
from ..hints import key_char as _key_char

RULES_DIR = Path(__file__).resolve().parent
MODES = ("line", "prefix", "search", "tail")
# A tail rule's hints are looked for in this many last characters of a line (lower-cased): the
# loader refuses a hinted tail rule that can match more than that, since its hint could lie before.
TAIL_WINDOW = 128
ATTRIBUTION_FIELDS = ("original_publisher", "republisher")


@dataclass(frozen=True)
class Rule:
    """One row of a rule table."""

    id: str  # "<language>:<index>", also the named group in the combined pattern
    kind: str
    mode: str
    reason: str
    pattern: str
    regex: re.Pattern  # this rule alone, anchored as its mode requires (used for groups)
    max_words: int | None = None
    only_nonprose: bool = False
    barrier: bool = False
    starts_list: bool = False
    sets: str | None = None  # attribution field filled from the (?P<name>...) group
    hint: tuple[str, ...] = ()
    # the longest text the rule can match (None: unbounded); a tail rule, anchored at the end of
    # the line, is searched for in that many last characters only
    width: int | None = None
    # a search or tail rule whose pattern is all lower case, compiled (anchored as ``regex``)
    # without IGNORECASE for the lower-cased line: the same matches, several times faster (sre
    # skips ahead on literal first characters only when it need not fold case); None: the rule
    # needs the original case
    low_regex: re.Pattern | None = None

    def search_in(self, capped: str, low: str) -> bool:
        """Whether this search rule occurs in the (capped) line; ``low`` is ``capped.lower()``."""
        if self.low_regex is not None:
            return self.low_regex.search(low) is not None
        return self.regex.search(capped) is not None


@dataclass(frozen=True)
class RuleSet:
    """The compiled rules of one language."""

    language: str
    rules: dict[str, Rule]  # by id, in table order
    order: dict[str, int]  # rule id -> position in the table (the first matching rule wins)
    stopwords: frozenset[str]
    # one combined pattern per mode; m.lastgroup is the id of the rule that matched
    # line rules and prefix rules, each folded into one pattern used with .match() on the
    # lower-cased line (the patterns are lower-case; matching lower-cased text is cheaper than
    # IGNORECASE); m.lastgroup names the rule.  Line rules cannot match a line longer than
    # line_max_chars, so such lines skip them.  (The stage uses the dispatches below; these two
    # are the whole tables, for tests and tools.)
    line: re.Pattern | None
    prefix: re.Pattern | None
    line_max_chars: int
    # The prefix rules by the line's first (up to) DISPATCH_CHARS lower-cased characters: see
    # :class:`PrefixDispatch`.  Most lines start with no rule's possible first characters and skip
    # the regex call altogether.
    prefix_dispatch: PrefixDispatch
    # Line and prefix rules in one alternation (table order): its first matching alternative is
    # the first rule of either mode that matches, which is what matching the two patterns and
    # taking the earlier rule gives (a line rule cannot match a line longer than line_max_chars).
    start_dispatch: PrefixDispatch
    search: tuple[Rule, ...]  # search rules, tried one by one (after their hint, if any, occurs)
    tail: tuple[Rule, ...]  # tail rules, tried one by one after their hint occurs
    # Where the hints of the search and tail rules occur: ``hint_scan.hits(line)`` has bit r set
    # for search rule r (``search[r]``) and bit len(search) + t for tail rule t whose hint occurs
    # in the line (or that has none); the masks select the search rules (those that also apply to
    # prose lines), the tail rules, and both (a line hitting none of them skips both kinds of rule).
    hint_scan: HintScan = field(default_factory=lambda: HintScan([]))
    search_mask: int = 0
    search_mask_prose: int = 0
    tail_mask: int = 0

    def rule(self, rule_id: str) -> Rule:
        return self.rules[rule_id]


def available_languages() -> list[str]:
    return sorted(p.stem for p in RULES_DIR.glob("*.toml"))


def load_rules(language: str = "en") -> RuleSet:
    """The rule set for ``language`` ("de", "fr" ...), falling back to English."""
    return _load_table(_table_name(language))


@lru_cache(maxsize=1024)
def _table_name(language: str) -> str:
    """The table a language tag reads ("en-GB", "EN" -> "en"; an unknown tag -> "en")."""
    name = (language or "en").split("-")[0].split("_")[0].lower()
    return name if (RULES_DIR / f"{name}.toml").exists() else "en"


@lru_cache(maxsize=16)
def _load_table(language: str) -> RuleSet:
    # cached by table, not by the tag asked for: documents' language tags ("en-GB", "EN", "xx")
    # are many, the tables few
    rows, stopwords = _read_table(language, set())
    return _compile(language, rows, stopwords)


def _read_table(language: str, seen: set[str]) -> tuple[list[tuple[str, dict]], frozenset[str]]:
    """Rows of a table and of the tables it inherits (their rows first)."""
    if language in seen:
        raise ConfigError(f"rule table {language}.toml inherits from itself")
    seen.add(language)
    path = RULES_DIR / f"{language}.toml"
    try:
        with path.open("rb") as fh:
            table = tomllib.load(fh)
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"cannot read rule table {path}: {exc}") from exc
    rows: list[tuple[str, dict]] = []
    for parent in table.get("meta", {}).get("inherit", []):
        parent_rows, _ = _read_table(parent, seen)
        rows.extend(parent_rows)
    rows.extend((f"{language}{i}", row) for i, row in enumerate(table.get("rule", [])))
    stopwords = frozenset(w.lower() for w in table.get("words", {}).get("stopwords", []))
    return rows, stopwords


def _compile(language: str, rows: list[tuple[str, dict]], stopwords: frozenset[str]) -> RuleSet:
    rules: dict[str, Rule] = {}
    line_parts: list[str] = []
    prefix_parts: list[str] = []
    search_rules: list[Rule] = []
    tail_rules: list[Rule] = []
    prefix_patterns: list[str] = []
    start_parts: list[str] = []  # line and prefix rules together, in table order
    start_patterns: list[str] = []
    for rule_id, row in rows:
        rule = _make_rule(rule_id, row)
        rules[rule_id] = rule
        body = _strip_group_names(rule.pattern)
        if rule.mode == "line":
            line_parts.append(f"(?P<{rule_id}>(?:{body})\\Z)")
            start_parts.append(line_parts[-1])
            start_patterns.append(rule.pattern)
        elif rule.mode == "prefix":
            prefix_parts.append(f"(?P<{rule_id}>{body})")
            prefix_patterns.append(rule.pattern)
            start_parts.append(prefix_parts[-1])
            start_patterns.append(rule.pattern)
        elif rule.mode == "search":
            search_rules.append(rule)
        else:
            tail_rules.append(rule)
    return RuleSet(
        language=language,
        rules=rules,
        order={rule_id: n for n, rule_id in enumerate(rules)},
        stopwords=stopwords,
        line=re.compile("|".join(line_parts)) if line_parts else None,
        prefix=re.compile("|".join(prefix_parts)) if prefix_parts else None,
        line_max_chars=_max_width("|".join(line_parts)) if line_parts else 0,
        prefix_dispatch=PrefixDispatch(prefix_parts, prefix_patterns),
        start_dispatch=PrefixDispatch(start_parts, start_patterns),
        search=tuple(search_rules),
        tail=tuple(tail_rules),
        hint_scan=HintScan([tuple(h.lower() for h in rule.hint) for rule in search_rules + tail_rules]),
        search_mask=(1 << len(search_rules)) - 1,
        search_mask_prose=sum(1 << r for r, rule in enumerate(search_rules) if not rule.only_nonprose),
        tail_mask=((1 << len(tail_rules)) - 1) << len(search_rules),
    )


_MAX_STARTS = 20000  # more possible starts than this: the rule is tried on every line


def PrefixDispatch(parts: list[str], patterns: list[str]) -> _PrefixDispatch:
    """The :class:`cleaner.strip.hints.PrefixDispatch` of these alternatives and their patterns."""
    return _PrefixDispatch(parts, [start_strings(p, DISPATCH_CHARS) for p in patterns])


def start_strings(pattern: str, width: int = DISPATCH_CHARS) -> frozenset[str] | None:
    """Keys (:func:`dispatch_key`) of at most ``width`` characters of which the key of every match
    of ``pattern`` (on lower-cased text, from the first non-blank character of a line) starts with
    one; None when that cannot be bounded (a match can start with any character, or there would be
    too many)."""
    try:
        parsed = _sre_parse.parse(pattern)
    except re.error:  # pragma: no cover - patterns are checked before
        return None
    try:
        open_, done = _expand(list(parsed), {""}, width)
    except _TooMany:
        return None
    found = open_ | done
    if "" in found:
        return None
    return frozenset(found)


class _TooMany(Exception):
    pass


def _expand(items, prefixes: set[str], width: int) -> tuple[set[str], set[str]]:
    """Extend ``prefixes`` by what ``items`` match: (prefixes that may grow further, finished ones).

    A prefix is finished when it is ``width`` long or when the next item cannot be enumerated
    (a negated class, a category, any character): the match still starts with it."""
    done: set[str] = set()
    for op, av in items:
        if not prefixes:
            break
        name = str(op)
        if name == "LITERAL":
            prefixes = _grow(prefixes, (_key_char(chr(av)),), width, done)
        elif name == "IN":
            members = _class_members(av)
            if members is None:
                done |= prefixes
                return set(), done
            prefixes = _grow(prefixes, members, width, done)
        elif name in ("AT", "ASSERT", "ASSERT_NOT"):
            continue  # zero-width
        elif name == "SUBPATTERN":
            prefixes, more = _expand(list(av[-1]), prefixes, width)
            done |= more
        elif name == "ATOMIC_GROUP":
            prefixes, more = _expand(list(av), prefixes, width)
            done |= more
        elif name == "BRANCH":
            grown: set[str] = set()
            for branch in av[1]:
                more_open, more = _expand(list(branch), prefixes, width)
                grown |= more_open
                done |= more
            prefixes = grown
        elif name in _REPEATS:
            low, high, body = av
            if _sre_parse.SubPattern(None, list(body)).getwidth()[0] == 0:  # type: ignore[arg-type]
                done |= prefixes  # a body that can match nothing: no bound on repetitions
                return set(), done
            collected = set(prefixes) if low == 0 else set()
            current = prefixes
            for count in range(1, min(high, width) + 1):
                current, more = _expand(list(body), current, width)
                done |= more
                if count >= low:
                    collected |= current
                if not current:
                    break
            prefixes = collected
        else:  # ANY, NOT_LITERAL, CATEGORY, GROUPREF ...: any character may come next
            done |= prefixes
            return set(), done
        if len(prefixes) + len(done) > _MAX_STARTS:
            raise _TooMany
    return prefixes, done


def _grow(prefixes: set[str], chars, width: int, done: set[str]) -> set[str]:
    grown: set[str] = set()
    for p in prefixes:
        for ch in chars:
            if not p and ch == " ":
                continue  # a line never starts with a blank: segmentation strips it
            q = p + ch
            (done if len(q) >= width else grown).add(q)
    return grown



def _class_members(items) -> tuple[str, ...] | None:
    """Every key character a class matches (None: too many to list, or negated)."""
    members: set[str] = set()
    for op, av in items:
        name = str(op)
        if name == "LITERAL":
            members.add(_key_char(chr(av)))
        elif name == "RANGE":
            low, high = av
            if high - low > 64:
                return None
            members.update(_key_char(chr(c)) for c in range(low, high + 1))
        elif name == "CATEGORY" and str(av) in ("CATEGORY_SPACE", "CATEGORY_DIGIT"):
            members.add(" " if str(av) == "CATEGORY_SPACE" else "0")
        else:  # NEGATE, word characters (Unicode classes)
            return None
    return tuple(sorted(members))


def _width_or_none(pattern: str) -> int | None:
    width = _sre_parse.parse(pattern).getwidth()[1]
    return None if width >= _sre_parse.MAXREPEAT else int(width)


def _max_width(pattern: str) -> int:
    """The longest text the pattern can match (bounded: the loader refuses unbounded line rules)."""
    width = _sre_parse.parse(pattern).getwidth()[1]
    if width >= _sre_parse.MAXREPEAT:
        raise ConfigError("a 'line' rule can match unbounded text; bound its repetitions")
    return int(width)


def _make_rule(rule_id: str, row: dict) -> Rule:
    where = f"rule {rule_id} ({row.get('kind', '?')})"
    for key in ("kind", "mode", "reason", "pattern"):
        if not isinstance(row.get(key), str) or not row[key]:
            raise ConfigError(f"{where}: missing '{key}'")
    mode = row["mode"]
    if mode not in MODES:
        raise ConfigError(f"{where}: mode must be one of {MODES}, not {mode!r}")
    sets = row.get("sets")
    if sets is not None and sets not in ATTRIBUTION_FIELDS:
        raise ConfigError(f"{where}: 'sets' must be one of {ATTRIBUTION_FIELDS}")
    pattern = row["pattern"]
    check_pattern_safety(pattern, where)
    if _BACKREFERENCE.search(pattern):
        # the rules of one mode are folded into one pattern, where group numbers and names shift
        raise ConfigError(f"{where}: backreferences are not allowed (rules share one combined pattern)")
    anchored = {
        "line": f"(?:{pattern})\\Z",
        "prefix": pattern,
        "search": pattern,
        "tail": f"(?:{pattern})\\s?\\Z",
    }[mode]
    try:
        regex = re.compile(anchored, re.IGNORECASE)
    except re.error as exc:
        raise ConfigError(f"{where}: bad pattern: {exc}") from exc
    if sets is not None and "name" not in regex.groupindex:
        raise ConfigError(f"{where}: 'sets' needs a (?P<name>...) group in the pattern")
    width = _width_or_none(anchored)
    if mode == "tail" and row.get("hint") and (width is None or width > TAIL_WINDOW):
        raise ConfigError(f"{where}: a tail rule with hints may match at most {TAIL_WINDOW} characters "
                          f"(its hints are looked for there), this one {width or 'unbounded'}")
    return Rule(
        id=rule_id,
        kind=row["kind"],
        mode=mode,
        reason=row["reason"],
        pattern=pattern,
        regex=regex,
        max_words=row.get("max_words"),
        only_nonprose=bool(row.get("only_nonprose", False)),
        barrier=bool(row.get("barrier", False)),
        starts_list=bool(row.get("starts_list", False)),
        sets=sets,
        hint=tuple(h.lower() for h in row.get("hint", ())),
        width=width,
        low_regex=re.compile(anchored) if mode in ("search", "tail") and _lower_case_only(pattern) else None,
    )


_GROUP_NAME = re.compile(r"\(\?P<\w{1,64}>")
_BACKREFERENCE = re.compile(r"(?<!\\)\\(?:[1-9]|g<)|\(\?P=")


def _strip_group_names(pattern: str) -> str:
    """Named groups become plain groups so that many rules can share one pattern."""
    return _GROUP_NAME.sub("(?:", pattern)


def _lower_case_only(pattern: str) -> bool:
    """No character of the pattern has an upper case form it would miss without IGNORECASE, and
    no part of it asks for case (``(?-i:...)``): then matching the lower-cased text without
    IGNORECASE finds what matching the text with it finds (but for a few characters whose
    lower case is not their case fold, such as the long s)."""
    if "(?-i" in pattern or "(?i" in pattern:
        return False
    try:
        parsed = _sre_parse.parse(pattern)
    except re.error:  # pragma: no cover - patterns are checked before
        return False
    return _all_lower(list(parsed))


def _all_lower(items) -> bool:
    for op, av in items:
        name = str(op)
        if name in ("LITERAL", "NOT_LITERAL"):
            if chr(av) != chr(av).lower():
                return False
        elif name == "RANGE":
            low, high = av
            if any(chr(c) != chr(c).lower() for c in range(low, high + 1)):
                return False
        elif name == "IN":
            if not _all_lower(av):
                return False
        elif name == "SUBPATTERN":
            if av[1] or av[2]:  # flags switched inside the group
                return False
            if not _all_lower(list(av[-1])):
                return False
        elif name in ("ASSERT", "ASSERT_NOT"):
            if not _all_lower(list(av[1])):
                return False
        elif name == "ATOMIC_GROUP":
            if not _all_lower(list(av)):
                return False
        elif name in _REPEATS:
            if not _all_lower(list(av[2])):
                return False
        elif name == "BRANCH":
            if not all(_all_lower(list(branch)) for branch in av[1]):
                return False
        elif name == "GROUPREF_EXISTS":
            return False
    return True


def check_pattern_safety(pattern: str, where: str = "pattern") -> None:
    """Refuse a repetition (max > 1) that contains another repetition (max > 1).

    Nested quantifiers are the shape behind catastrophic backtracking; a
    pattern without them runs in time polynomial in the (capped) input.
    """
    try:
        parsed = _sre_parse.parse(pattern, re.IGNORECASE)
    except re.error as exc:
        raise ConfigError(f"{where}: bad pattern: {exc}") from exc
    if _has_nested_repeat(parsed, inside_repeat=False):
        raise ConfigError(f"{where}: nested quantifiers (a repetition inside a repetition) are not allowed")


_REPEATS = {"MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT"}


def _has_nested_repeat(items, inside_repeat: bool) -> bool:
    for op, av in items:
        name = str(op)
        if name in _REPEATS:
            low, high, sub = av
            repeats = high > 1
            if repeats and inside_repeat:
                return True
            if _has_nested_repeat(sub, inside_repeat or repeats):
                return True
        elif name == "SUBPATTERN":
            if _has_nested_repeat(av[-1], inside_repeat):
                return True
        elif name == "BRANCH":
            if any(_has_nested_repeat(branch, inside_repeat) for branch in av[1]):
                return True
        elif name in {"ASSERT", "ASSERT_NOT"}:
            if _has_nested_repeat(av[1], inside_repeat):
                return True
        elif name == "ATOMIC_GROUP":
            if _has_nested_repeat(av, inside_repeat):
                return True
        elif name == "GROUPREF_EXISTS":
            if _has_nested_repeat(av[1], inside_repeat) or (av[2] and _has_nested_repeat(av[2], inside_repeat)):
                return True
    return False
