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

Speed: line and prefix rules are folded per mode and, for lines that start with
an ASCII character, per first character: a rule whose pattern cannot start with
the line's first character is not in the pattern that line is matched against
(:func:`first_chars` works that set out from the parsed pattern), so a line costs
a few alternatives, not all of them.  ``search`` and ``tail`` rules scan every position of a line, the costly
part of the stage, so each may name ``hint`` strings, of which one must occur
in the (lower-cased) line for the rule to be tried.  A hint must be a
necessary condition of a match; a rule without hints is always tried.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
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

RULES_DIR = Path(__file__).resolve().parent
MODES = ("line", "prefix", "search", "tail")
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
    hint_regex: re.Pattern | None = None  # the hints as one literal alternation (lower-case input)
    # the longest text the rule can match (None: unbounded); a tail rule, anchored at the end of
    # the line, is searched for in that many last characters only
    width: int | None = None


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
    # line_max_chars, so such lines skip them.
    line: re.Pattern | None
    prefix: re.Pattern | None
    line_max_chars: int
    # the same two patterns per first character of the (lower-cased) line, for ASCII characters
    # (index = code point); None where no rule of the mode can start with that character.  Lines
    # that start with another character use ``line`` / ``prefix``.
    line_by_char: tuple[re.Pattern | None, ...]
    prefix_by_char: tuple[re.Pattern | None, ...]
    search: tuple[Rule, ...]  # search rules, tried one by one (after their hint, if any, occurs)
    tail: tuple[Rule, ...]  # tail rules, tried one by one after their hint occurs
    # every hint of the search rules (None when a search rule has none: then they always run),
    # and those of the rules that also apply to prose lines
    search_gate: re.Pattern | None = None
    search_gate_prose: re.Pattern | None = None
    tail_gate: re.Pattern | None = None  # every hint of the tail rules (None: some tail rule has none)
    # the hints of the search and the tail rules together (for prose lines: of the rules that apply
    # to prose): a short line without any of them skips both kinds of rule at once
    hint_gate: re.Pattern | None = None
    hint_gate_prose: re.Pattern | None = None

    def rule(self, rule_id: str) -> Rule:
        return self.rules[rule_id]


def available_languages() -> list[str]:
    return sorted(p.stem for p in RULES_DIR.glob("*.toml"))


@lru_cache(maxsize=16)
def load_rules(language: str = "en") -> RuleSet:
    """The rule set for ``language`` ("de", "fr" ...), falling back to English."""
    language = (language or "en").split("-")[0].split("_")[0].lower()
    path = RULES_DIR / f"{language}.toml"
    if not path.exists():
        language, path = "en", RULES_DIR / "en.toml"
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
    line_starts: list[frozenset[str] | None] = []
    prefix_starts: list[frozenset[str] | None] = []
    for rule_id, row in rows:
        rule = _make_rule(rule_id, row)
        rules[rule_id] = rule
        body = _strip_group_names(rule.pattern)
        if rule.mode == "line":
            line_parts.append(f"(?P<{rule_id}>(?:{body})\\Z)")
            line_starts.append(first_chars(rule.pattern))
        elif rule.mode == "prefix":
            prefix_parts.append(f"(?P<{rule_id}>{body})")
            prefix_starts.append(first_chars(rule.pattern))
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
        line_by_char=_by_first_char(line_parts, line_starts),
        prefix_by_char=_by_first_char(prefix_parts, prefix_starts),
        search=tuple(search_rules),
        tail=tuple(tail_rules),
        search_gate=_gate(search_rules),
        search_gate_prose=_gate([r for r in search_rules if not r.only_nonprose]),
        tail_gate=_gate(tail_rules),
        hint_gate=_gate(search_rules + tail_rules),
        hint_gate_prose=_gate([r for r in search_rules if not r.only_nonprose] + tail_rules),
    )


def _by_first_char(parts: list[str], starts: list[frozenset[str] | None]) -> tuple[re.Pattern | None, ...]:
    """Per ASCII character: the alternation of the parts (in table order, so the first rule that
    matches is still the one the whole pattern reports) that can start with it."""
    compiled: dict[tuple[int, ...], re.Pattern] = {}
    table: list[re.Pattern | None] = []
    for code in range(128):
        ch = chr(code)
        chosen = tuple(n for n, start in enumerate(starts) if start is None or ch in start)
        if not chosen:
            table.append(None)
            continue
        if chosen not in compiled:
            compiled[chosen] = re.compile("|".join(parts[n] for n in chosen))
        table.append(compiled[chosen])
    return tuple(table)


_ASCII = frozenset(chr(c) for c in range(128))
_CATEGORY_CHARS = {  # the ASCII members of the classes (the dispatch is used for ASCII characters only)
    "CATEGORY_DIGIT": frozenset("0123456789"),
    "CATEGORY_SPACE": frozenset(" \t\n\r\f\v"),
    "CATEGORY_WORD": frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_"),
}


def first_chars(pattern: str) -> frozenset[str] | None:
    """The ASCII characters a match of ``pattern`` (on lower-cased text) can start with, or None
    when that cannot be bounded (a negated class, any character, a pattern that can match nothing)."""
    try:
        parsed = _sre_parse.parse(pattern)
    except re.error:  # pragma: no cover - patterns are checked before
        return None
    found, nullable = _first(list(parsed))
    return None if found is None or nullable else frozenset(found)


def _first(items) -> tuple[set[str] | None, bool]:
    """(possible first characters, whether the sequence can match the empty string)."""
    chars: set[str] = set()
    for op, av in items:
        name = str(op)
        if name == "LITERAL":
            chars.add(chr(av))
            return chars, False
        if name == "IN":
            members = _class_chars(av)
            if members is None:
                return None, False
            chars |= members
            return chars, False
        if name in ("AT", "ASSERT", "ASSERT_NOT"):
            continue  # zero-width: the first character comes from what follows
        if name == "SUBPATTERN":
            sub, nullable = _first(list(av[-1]))
        elif name == "ATOMIC_GROUP":
            sub, nullable = _first(list(av))
        elif name in _REPEATS:
            low, _high, body = av
            sub, nullable = _first(list(body))
            nullable = nullable or low == 0
        elif name == "BRANCH":
            sub, nullable = set(), False
            for branch in av[1]:
                found, empty = _first(list(branch))
                if found is None:
                    return None, False
                sub |= found
                nullable = nullable or empty
        else:  # ANY, NOT_LITERAL, GROUPREF ...: unbounded
            return None, False
        if sub is None:
            return None, False
        chars |= sub
        if not nullable:
            return chars, False
    return chars, True


def _class_chars(items) -> set[str] | None:
    members: set[str] = set()
    for op, av in items:
        name = str(op)
        if name == "LITERAL":
            members.add(chr(av))
        elif name == "RANGE":
            low, high = av
            members.update(chr(c) for c in range(low, min(high, 127) + 1))
            if high > 127:
                members.add(chr(high))  # a non-ASCII member; the dispatch only looks up ASCII
        elif name == "CATEGORY" and str(av) in _CATEGORY_CHARS:
            members |= _CATEGORY_CHARS[str(av)]
        else:  # NEGATE, other categories
            return None
    return members


def _width_or_none(pattern: str) -> int | None:
    width = _sre_parse.parse(pattern).getwidth()[1]
    return None if width >= _sre_parse.MAXREPEAT else int(width)


def _max_width(pattern: str) -> int:
    """The longest text the pattern can match (bounded: the loader refuses unbounded line rules)."""
    width = _sre_parse.parse(pattern).getwidth()[1]
    if width >= _sre_parse.MAXREPEAT:
        raise ConfigError("a 'line' rule can match unbounded text; bound its repetitions")
    return int(width)


def _gate(rules: list[Rule]) -> re.Pattern | None:
    """One literal alternation of the rules' hints: no hint in a line, no rule to try."""
    if not rules or any(not r.hint for r in rules):
        return None
    hints = sorted({h for r in rules for h in r.hint}, key=len, reverse=True)
    return re.compile("|".join(re.escape(h) for h in hints))  # hints are lower-case; so is the line they see


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
        hint_regex=re.compile("|".join(re.escape(h.lower()) for h in row["hint"])) if row.get("hint") else None,
        width=_width_or_none(anchored),
    )


_GROUP_NAME = re.compile(r"\(\?P<\w{1,64}>")
_BACKREFERENCE = re.compile(r"(?<!\\)\\(?:[1-9]|g<)|\(\?P=")


def _strip_group_names(pattern: str) -> str:
    """Named groups become plain groups so that many rules can share one pattern."""
    return _GROUP_NAME.sub("(?:", pattern)


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
