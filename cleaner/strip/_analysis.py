"""The text stage's analysis of one document: its lines, their classes, the article core, the
title and the result parts.  This is the one implementation of the stage's decisions.

It is plain Python.  When a C compiler is there, setup.py also compiles this very file with
Cython (pure-Python mode: the types are declared in ``_analysis.pxd`` beside it), which runs the
same source about ten times faster; ``CLEANER_PURE_PYTHON=1`` runs it interpreted instead
(tests/test_strip_core.py checks that both give the same results).

What makes it fast, besides compiled loops: a line's rule result is a function of its text and
the options, so it is remembered by text (:func:`clear_memo`): site templates repeat their lines
on every page, and a remembered line skips the rule table's regular expressions.
"""
from __future__ import annotations

import re
from typing import TYPE_CHECKING

from ..records import Attribution, Span
from .hints import dispatch_key, hint_text
from .rules import TAIL_WINDOW
from .segment import Line, no_space_chars, split_lines

if TYPE_CHECKING:  # pragma: no cover
    from .rules import RuleSet
    from .text import TextOptions, _Evidence

# Line classes (small ints: they are compared in the hot loop).
_PROSE, _OTHER, _NOISE = 1, 0, -1

# Per-item metadata: time stamps, ratings, comment buttons.  Articles rarely carry them between
# paragraphs; comment threads and teaser lists carry one per item, so they cut such lists into small runs.
_ITEM_METADATA = frozenset({"dateline", "reading_time", "comment_form", "byline"})

# Noise that sits between the paragraphs of an article (links to other stories, ad labels,
# captions, stray markup): it does not break the article body.
_INLINE_NOISE = frozenset({"see_also", "advertisement", "photo_credit", "markup"})

# Noise between a headline and its article body (skipped when looking for the headline above a run).
_SKIPPABLE_ABOVE_BODY = frozenset(
    {"byline", "dateline", "photo_credit", "share_subscribe", "reading_time", "advertisement"}
)

_NO_RULE = object()  # marks a line that no search or tail rule can match

_TITLE_REASON = "the article's headline; it became the record's title"

# Line rule results remembered by line text, per rule table and options.  Site templates repeat
# their lines on every page (menus, share bars, "Advertisement", footers): on the aeb-text pages,
# in one pass, half the lines are a line seen before.  Bounded: a memo is emptied when it holds
# _MEMO_LINES lines, and at most _MAX_MEMOS tables and options are remembered.
_MEMO_LINES = 100_000
_MAX_MEMOS = 16
_MEMOS: dict[tuple, tuple] = {}  # (id(rules), options key) -> (rules, {line text: entry})


def _memo_for(rules, key: tuple) -> dict:
    found = _MEMOS.get((id(rules), key))
    if found is None or found[0] is not rules:
        if len(_MEMOS) >= _MAX_MEMOS:
            del _MEMOS[next(iter(_MEMOS))]
        found = _MEMOS[(id(rules), key)] = (rules, {})
    return found[1]


def clear_memo() -> None:
    """Forget the remembered lines (benchmarks measure a cold start with it)."""
    _MEMOS.clear()


def memo_sizes() -> list[int]:
    """How many lines each memo holds (tests check the bounds)."""
    return [len(lines) for _, lines in _MEMOS.values()]


class Analysis:
    """One document's lines, their classification, the article core and its title (all the
    decisions of the text stage; see cleaner.strip.text for the order they are taken in)."""

    def __init__(self, text: str, rules: RuleSet, options: TextOptions,
                 evidence: _Evidence | None, site: str | None) -> None:
        self.source = text
        self.rules = rules
        self.options = options
        self.evidence = evidence
        self.lines: list[Line] = split_lines(text)
        n = len(self.lines)
        # per line: the noise (kind, reason) a rule or evidence gave it, or None
        self.noise: list[tuple[str, str] | None] = [None] * n
        self.cls: list[int] = [_OTHER] * n
        self.barrier: list[bool] = [False] * n
        self.starts_list: list[bool] = [False] * n
        self.in_headline_run: set[int] = set()  # lines of a run of headline-like lines
        self.announced: set[int] = set()  # lines of a list that a body line ending in ":" announced
        self.site_prose: list[int] = []  # prose lines that site evidence marked as boilerplate
        self.table_row: set[int] = set()  # lines of a numeric table, a code block or a chart: neutral for the core, kept inside it
        # line -> (offset in the line where a caption glued to its end starts, reason)
        self.caption_at: dict[int, tuple[int, str]] = {}
        self.attribution = Attribution()
        self.title: str | None = None
        self.title_line: int | None = None
        self.site_key = _norm(site) if site else None
        self._classify()
        self.core = self._find_core()

    def _guard_site_evidence(self) -> None:
        """Site templates are a small part of a page's prose.  When the site's repeated lines would
        take most of it, the document is a copy of another page of the site, not template: keep its prose."""
        if not self.site_prose:
            return
        flagged = sum(self.lines[i].end - self.lines[i].start for i in self.site_prose)
        prose = flagged + sum(ln.end - ln.start for ln, c in zip(self.lines, self.cls) if c == _PROSE)
        if flagged > self.options.site_prose_guard * prose:
            for i in self.site_prose:
                self.noise[i] = None
                self.cls[i] = _PROSE

    def _wordy(self, body: str) -> bool:
        """Long line without final punctuation: prose when dense in function words.

        Without a stopword list for the text's language (or when the text is in
        another language than the table's), a long line with clause commas and
        mostly lower-case words reads as prose too.
        """
        if not body.isascii() and 2 * no_space_chars(body) >= len(body):
            # Chinese, Japanese: no spaces to count function words by; a long line that pauses
            # inside (a comma or enumeration mark, or a space, which such text uses as a pause)
            # reads as prose
            return "，" in body or "、" in body or " " in body.strip()
        tokens = body.lower().split()
        stop = self.rules.stopwords
        if stop:
            found = 0
            for token in tokens:
                found += token in stop
            if found >= 0.22 * len(tokens):
                return True
        if len(tokens) < 20 or "," not in body:
            return False
        capitalised = 0
        for token in body.split():
            capitalised += token[:1].isupper()
        return capitalised <= 0.3 * len(tokens)

    def _applicable(self, rule_id: str | None, words: int, prose: bool, capped: str):
        """The rule that matched, if its limits allow it; else any other rule of the table that applies."""
        rule = self.rules.rules[rule_id] if rule_id else None
        if rule is not None and _allowed(rule, words, prose):
            return rule
        # The combined pattern reports only the first alternative that matched;
        # when that one is ruled out by its limits, try the others one by one.
        for other in self.rules.rules.values():
            if other is rule or other.mode == "tail" or not _allowed(other, words, prose):
                continue
            if other.mode != "search":
                if other.regex.match(capped) is not None:
                    return other
            elif other.search_in(capped, capped.lower()):
                return other
        return None

    def _mark_rule(self, i: int, rule, capped: str) -> None:
        self.noise[i] = (rule.kind, rule.reason)
        self.cls[i] = _NOISE
        self.barrier[i] = rule.barrier
        self.starts_list[i] = rule.starts_list
        if rule.kind in ("attribution", "syndication_notice"):
            self.attribution.notices.append(self.lines[i].text)
            if rule.sets:
                found = rule.regex.match(capped) if rule.mode != "search" else rule.regex.search(capped)
                name = _clean_name(found.group("name")) if found is not None else ""
                if name:
                    if rule.sets == "original_publisher":
                        if self.attribution.original_publisher is None:
                            self.attribution.original_publisher = name
                    elif name not in self.attribution.republished_by:
                        self.attribution.republished_by.append(name)

    def _match_tail(self, i: int, line: Line, window_hits=None) -> None:
        """A photo caption with its credit at the end of the line.  ``window_hits``: the hint
        scan of the line's last TAIL_WINDOW characters when the caller has it."""
        body = line.body
        rules = self.rules
        if window_hits is None:
            window_hits = rules.hint_scan.hits(hint_text(body[-TAIL_WINDOW:].lower()))
        hits = window_hits >> len(rules.search)
        low_body = None
        for t in range(len(rules.tail)):
            rule = rules.tail[t]
            if not (hits >> t) & 1:
                continue
            window_start = max(0, len(body) - self.options.max_rule_chars)
            # the rule is anchored at the end of the line and can match at most rule.width
            # characters: search only there (a search from every position of a 400-character
            # window is the stage's costliest regex call); the caption before the credit is then
            # found in the whole window
            width = rule.width if rule.width is not None else self.options.max_rule_chars
            start = max(window_start, len(body) - width)
            if rule.low_regex is not None:
                if low_body is None:
                    low_body = body.lower()
                # offsets in the lower case are the body's unless a character lower-cases to two
                found = len(low_body) == len(body)
                m = rule.low_regex.search(low_body, start) if found else rule.regex.search(body, start)
            else:
                m = rule.regex.search(body, start)
            if m is None:
                continue
            cut = _caption_start(body, m.start(), window_start)
            kept_words = body[:cut].count(" ") + 1 if cut > 0 else 0
            if kept_words < self.options.min_prose_words:
                self.noise[i] = (rule.kind, rule.reason.split(",")[0] + " (the whole line)")
                self.cls[i] = _NOISE
            else:
                self.caption_at[i] = (line.body_offset + cut, rule.reason)
            return

    def _match_link_row(self, i: int, body: str) -> None:
        """A row of links joined by separators ("About us | Contact | Careers"): noise when every
        item is a line a rule names on its own (a menu or share bar flattened into one line)."""
        items = [item.strip().lower() for item in _ROW_SEPARATOR.split(body)]
        line_rules, rules = self.rules.line, self.rules.rules
        if len(items) < 2 or line_rules is None:
            return
        kinds = []
        for item in items:
            m = line_rules.match(item) if item else None
            if m is None:
                return
            kinds.append(rules[m.lastgroup].kind)
        self.noise[i] = (kinds[0], f"row of {len(items)} links, each a {kinds[0].replace('_', ' ')} label")
        self.cls[i] = _NOISE

    def _match_evidence(self, i: int, line: Line, prose: bool) -> None:
        ev = self.evidence
        assert ev is not None
        support = ev.site_support(line.body)
        if support >= (ev.min_prose_support if prose else ev.min_support):
            self.noise[i] = ("boilerplate_repeated", f"line seen on {support} pages of this site")
            self.cls[i] = _NOISE
            if prose:
                self.site_prose.append(i)

    def _extend_over_list(self, end: int) -> int:
        """A body that ends in "...dates:" goes on with the list it announces (dates, items, rows)."""
        lines, noise = self.lines, self.noise
        n = len(lines)
        if end + 1 < n and noise[end + 1] is None and lines[end + 1].text.endswith(":") and lines[end + 1].words >= 3:
            end += 1
        if not lines[end].text.endswith(":"):
            return self._extend_over_parallel_list(end)
        last = end
        for i in range(end + 1, min(n, end + 1 + self.options.max_list_items)):
            kind = noise[i]
            if kind is not None and kind[0] not in _INLINE_NOISE:
                break
            if kind is None and (self.cls[i] == _PROSE or i in self.repeated):
                break
            if kind is None:
                last = i
                self.announced.add(i)
        return last

    def _extend_over_sections(self, end: int) -> int:
        """A body goes on below subheadings, list items, captions and code lines between its
        paragraphs (a how-to's "Step 2", an "Ingredients" list, a figure's caption): when the lines
        after the body up to the next paragraph are only such short lines, none named noise by a
        rule or the evidence (ads, see-also links and captions between paragraphs excepted), none
        repeated in the document and none an end-of-article marker, the body takes them and the
        paragraphs after them.  Each such gap costs the core search more than a short paragraph
        after it brings, so the search alone keeps the first section only.  The sections taken must
        hold more prose than the lines between them and a paragraph of article length (a footer of
        widgets, tags and one-line prompts does not).  Code, table and figure lines (neutral in the
        core's scores) and the items of a list that a gap line ending in ":" announced do not count
        towards the gap's length; a paragraph right after the body (the body ended on a list it
        announced) is a section with an empty gap."""
        lines, cls, noise, barrier, repeated = self.lines, self.cls, self.noise, self.barrier, self.repeated
        table = self.table_row
        n = len(lines)
        limit = self.options.max_section_gap
        words = self.options.max_section_line_words
        # (the sections taken hold more prose than the lines between them: the body ends at the
        # last paragraph where that holds, not at the first section that is mostly headings)
        balance = 0
        last = end
        paragraph = False
        paragraph_words = self.options.min_unterminated_prose_words
        i = end + 1
        while i < n:
            j = i
            gap = 0  # the lines of the gap that count towards its limit ...
            announced = False
            while j < n and cls[j] != _PROSE:
                kind = noise[j]
                if kind is None and j in table:  # ... not a code, table or figure line (free, as in the core's scores)
                    j += 1
                    continue
                if (barrier[j] or j in repeated or lines[j].words > words or gap >= limit
                        or (kind is not None and kind[0] not in _INLINE_NOISE)):
                    return last
                if kind is None:
                    balance -= lines[j].end - lines[j].start
                # ... nor the items of a list a line ending in ":" announced ("You will need:")
                gap += not (announced and lines[j].bullet)
                announced = announced or lines[j].ending == 1 and lines[j].text[-1] == ":"
                j += 1
            if j >= n:
                return last
            balance += lines[j].end - lines[j].start
            paragraph = paragraph or lines[j].words >= paragraph_words
            while j + 1 < n and cls[j + 1] == _PROSE:
                j += 1
                balance += lines[j].end - lines[j].start
                paragraph = paragraph or lines[j].words >= paragraph_words
            if balance >= 0 and paragraph:
                last = j
            i = j + 1
        return last

    def _introduced_by_headline(self, start: int) -> bool:
        """A headline-like line (not a rule's noise) at most three lines above ``start``."""
        seen = 0
        for i in range(start - 1, -1, -1):
            if self.noise[i] is not None and self.noise[i][0] in _SKIPPABLE_ABOVE_BODY:
                continue
            line = self.lines[i]
            if self.noise[i] is None and 4 <= line.words <= 30 and line.ending != 2 and not line.bullet:
                return True
            seen += 1
            if seen >= 3:
                return False
        return False

    def _extend_over_parallel_list(self, end: int) -> int:
        """A list right below the body whose items share one shape ("June 9 – Tampa, FL", "3. Step
        three: ...") belongs to the article (schedules, results); headline lists do not share one."""
        lines, noise = self.lines, self.noise
        n = len(lines)
        start = end + 1
        # one short heading may introduce the list ("Tour dates", "Schedule")
        if (start + 1 < n and noise[start] is None and lines[start].words <= 12 and self.cls[start] != _PROSE
                and _item_shape(lines[start + 1].body) != _item_shape(lines[start].body)):
            start += 1
        items: list[int] = []
        shape = None
        for i in range(start, min(n, start + self.options.max_list_items)):
            if noise[i] is not None or self.cls[i] == _PROSE or i in self.repeated:
                break
            this = _item_shape(lines[i].body)
            if this is None or (shape is not None and this != shape):
                break
            shape = this
            items.append(i)
        if len(items) < 3:
            return end
        self.announced.update(range(end + 1, items[-1] + 1))
        return items[-1]

    def apply_title_evidence(self) -> None:
        """Lines showing another document's title are links to it (the document's own title line excepted)."""
        ev = self.evidence
        assert ev is not None
        changed = False
        for i, line in enumerate(self.lines):
            if i == self.title_line or self.noise[i] is not None or line.words > 40:
                continue
            if self.cls[i] == _PROSE and line.words > 25:
                continue
            other = ev.other_title(line.body, self.title)
            if other is not None:
                self.noise[i] = ("see_also", f"shows the title of another document in the corpus ({_short(other)})")
                self.cls[i] = _NOISE
                changed = True
        if changed:
            self.core = self._find_core()
            self._start_after_title()

    def find_title(self, given: str | None) -> None:
        if given:
            self.title = given.strip() or None
            self.title_line = self._line_of_title(given)
        elif (suffixed := self._title_with_site_suffix()) is not None:
            self.title_line, self.title = suffixed
        else:
            index = self._detect_title()
            if index is None:
                index = self._headline_inside_core()
            if index is not None:
                self.title_line = index
                self.title = self.lines[index].text
        self._start_after_title()

    def _start_after_title(self) -> None:
        """The article starts below its headline: a title line near the top of the body ends the
        template prose that ran into it (whole-page text only)."""
        if self.core is None or self.title_line is None or self.options.extracted:
            return
        lo, hi = self.core
        if lo <= self.title_line < min(hi, lo + self.options.inner_title_window):
            self.core = (self.title_line + 1, hi)

    def _title_with_site_suffix(self) -> tuple[int, str] | None:
        """"Headline | Site" (or " - Site"): the page title, marked by the document's own site name.

        Searched above the article body and in its first lines.  The record's title is the headline
        without the suffix."""
        if self.site_key is None or self.core is None:
            return None
        lo, hi = self.core
        for i in range(min(hi + 1, lo + self.options.title_window)):
            line = self.lines[i]
            if line.words > self.options.max_title_words + 6 or self.noise[i] is not None:
                continue
            m = _SITE_SUFFIX.fullmatch(line.text)
            if m is None or _norm(m.group(2)) != self.site_key or len(_WORD.findall(m.group(1))) < 3:
                continue
            return i, m.group(1).strip()
        return None

    def _headline_inside_core(self) -> int | None:
        """No headline above the body: a page whose template prose ran into the article puts the
        headline inside the run.  A Title-Case headline-like line followed by prose starts the article."""
        if self.core is None or self.options.extracted:
            return None
        lo, hi = self.core
        for i in range(lo + 1, min(hi, lo + self.options.inner_title_window)):
            line = self.lines[i]
            if self.cls[i + 1] != _PROSE or line.words < 6 or not self._title_like(i):
                continue
            words = line.text.split()
            capitalised = sum(1 for w in words if w[:1].isupper() or not w[:1].isalpha())
            if len(words) >= 6 and capitalised >= 0.8 * len(words):
                return i
        return None

    def _line_of_title(self, given: str) -> int | None:
        """The line that shows the given title (also with a site suffix, shortened or upper-cased)."""
        key = _norm(given)
        if not key:
            return None
        limit = self.core[1] if self.core else len(self.lines) - 1
        for i in range(min(limit + 1, len(self.lines))):
            line = self.lines[i]
            if line.words > 80:
                continue
            cand = _norm(line.text)
            if not cand:
                continue
            if cand == key or (len(cand) >= 0.5 * len(key) and (cand.startswith(key) or key.startswith(cand))):
                return i
        return None

    def _detect_title(self) -> int | None:
        if self.core is None:
            return None
        first = self.core[0]
        # the headline-like lines just above the body; a short one (a kicker, "Filed to: x", a
        # dateline) loses to a full headline a few lines further up
        best, best_score = None, 0.0
        for distance, i in enumerate(range(first - 1, max(-1, first - 1 - self.options.title_window), -1)):
            if self._title_like(i):
                score = min(self.lines[i].words, 12) - 0.5 * distance
                if score > best_score:
                    best, best_score = i, score
        if best is not None:
            return best
        # extracted text (HTML mode) starts with its headline: the body's first line, when a
        # headline-like line is followed by prose
        followed_by_prose = first + 1 < len(self.lines) and self.cls[first + 1] == _PROSE
        if self.options.extracted and self._title_like(first) and followed_by_prose:
            return first
        return None

    def _title_like(self, i: int) -> bool:
        line = self.lines[i]
        if self.noise[i] is not None or line.bullet:
            return False
        if self.cls[i] == _PROSE and line.text[-1] == ".":
            return False
        if not 3 <= line.words <= self.options.max_title_words or line.text[-1] in ".,;:":
            return False
        if _AGENCY_DATELINE.match(line.body):  # "WASHINGTON (AP) — ..." opens a paragraph, not a headline
            return False
        return len(_WORD.findall(line.text)) >= 3


    def _classify(self) -> None:
        opts = self.options
        cap = opts.max_rule_chars
        min_words = opts.min_prose_words
        if opts.favor_recall:
            min_words = max(3, min_words - 2)
        elif opts.favor_precision:
            min_words += 2
        min_unterminated = opts.min_unterminated_prose_words
        memo = _memo_for(self.rules, (cap, min_words, min_unterminated, opts.min_prose_words))
        rule_of = self.rules.rules
        short_counts: dict[str, int] = {}
        keys: list[str] = []  # per line, its key in short_counts
        evidence = self.evidence
        cls, noise, site_key, caption_at = self.cls, self.noise, self.site_key, self.caption_at
        lines = self.lines
        for i in range(len(lines)):
            line = lines[i]
            body = line.body
            words = line.words
            key = body.lower() if words <= 8 else body
            keys.append(key)
            short_counts[key] = short_counts.get(key, 0) + 1
            entry = memo.get(line.text)
            if entry is None:
                entry = self._line_rules(i, line, cap, min_words, min_unterminated)
                if len(memo) >= _MEMO_LINES:  # bounded: a run's template lines come back soon enough
                    memo.clear()
                memo[line.text] = entry
            prose = entry[0]
            if prose:
                cls[i] = _PROSE
            if entry[1] is not None:
                self._mark_rule(i, rule_of[entry[1]], body[:cap])
                continue
            if entry[2] is not None:  # a caption's credit or a row of links: the whole line
                noise[i] = entry[2]
                cls[i] = _NOISE
            if entry[3] is not None:  # a caption glued to the end of the line
                caption_at[i] = entry[3]
            if evidence is not None and noise[i] is None:
                self._match_evidence(i, line, prose)
            if site_key is not None and noise[i] is None and words <= 12 and not prose and _norm(body) == site_key:
                noise[i] = ("site_header", "the site's name")
                cls[i] = _NOISE
            if entry[4] and noise[i] is None:
                self.table_row.add(i)
        self._keep_markup_of_code_samples()
        self._guard_site_evidence()
        self._release_barriers_before_prose()
        # short lines repeated within the document: template (menus, "Global Upfront" between headlines)
        limit = opts.repeat_in_document
        self.repeated: dict[int, int] = {}
        repeated = self.repeated
        extracted = opts.extracted
        for i in range(len(lines)):
            if noise[i] is not None:
                continue
            line = lines[i]
            if line.words <= 8:
                if cls[i] != _PROSE:
                    count = short_counts.get(keys[i], 0)
                    if count >= limit:
                        repeated[i] = count
            elif not extracted:  # an extractor already dropped the page's repeated blocks
                count = short_counts.get(keys[i], 0)
                if count >= 2:  # a whole paragraph twice: an author bio, a notice, a teaser ...
                    # ... or the recurring question of an interview: not prose for the core, removed
                    # only outside it
                    repeated[i] = count
                    cls[i] = _OTHER
        self._find_headline_runs()
        self._find_teaser_lists()

    def _find_teaser_lists(self) -> None:
        """A list of teasers: links to other stories, each a headline followed by its one-paragraph
        summary ("* Headline" / "Summary sentence."), _TEASER_PAIRS or more in a row.  An article's
        list items do not each carry a paragraph; a teaser box does.  Headlines that are not bullet
        points need one pair more (an article's subheadings, each over a short paragraph, look alike)."""
        lines, noise, cls = self.lines, self.noise, self.cls
        n = len(lines)
        limit = self.options.min_unterminated_prose_words * 2
        i = 0
        while i + 1 < n:
            j = i
            while (j + 1 < n and (lines[j].bullet or lines[j].ending == 0) and noise[j] is None and cls[j] != _PROSE
                   and 4 <= lines[j].words <= 25 and not lines[j + 1].bullet and cls[j + 1] == _PROSE
                   and noise[j + 1] is None and lines[j + 1].words <= limit):
                j += 2
            pairs = (j - i) // 2
            if pairs >= _TEASER_PAIRS + (not all(lines[k].bullet for k in range(i, j, 2))):
                reason = f"one of {pairs} teasers in a row (a headline and its summary: links to other stories)"
                for k in range(i, j):
                    noise[k] = ("headline_list", reason)
                    cls[k] = _NOISE
                    self.in_headline_run.add(k)
            i = j + 1 if j > i else i + 1

    def _line_rules(self, i: int, line: Line, cap: int, min_words: int, min_unterminated: int) -> tuple:
        """What the rule table, a glued caption and a row of links make of line i: a function of
        the line's text (and the options) alone, so :meth:`_classify` remembers it by text.

        (prose, the id of the rule that matched or None, the noise (kind, reason) of a caption or
        link row that is the whole line, the caption cut (offset, reason) or None, whether the line
        is a row of a numeric table)."""
        rules = self.rules
        scan = rules.hint_scan  # (typed locals: compiled, their methods are called directly)
        search = rules.search
        body = line.body
        words = line.words
        ending = line.ending
        # prose or not, from cheap features first
        if line.bullet:
            prose = words >= 15 and ending == 2
        elif ending == 2:
            prose = words >= min_words
        elif ending == 1:
            prose = words >= 2 * min_words
        else:
            prose = words >= min_unterminated and self._wordy(body)
        if (body[0] == "<" or body[0] == "-" or body[0] == "]") and len(body) <= cap and _MARKUP_LINE.fullmatch(body):
            return (prose, None, _MARKUP, None, False)
        # rules: one match for the line and prefix rules that can start with the line's first
        # characters (the first that matches in table order wins), one search
        capped = body[:cap]
        low = capped.lower()
        hint_low = hint_text(low)  # where hints are looked for
        hit = None
        start_key = dispatch_key(low)
        dispatch = rules.start_dispatch
        starts = dispatch.pattern_for(start_key)
        m = starts.match(low) if starts is not None else None
        if m is not None and len(body) > rules.line_max_chars and rules.rules[m.lastgroup].mode == "line":
            # no line rule can match a line this long (only its capped start)
            dispatch = rules.prefix_dispatch
            prefixes = dispatch.pattern_for(start_key)
            m = prefixes.match(low) if prefixes is not None else None
        if m is not None:
            hit = self._applicable(m.lastgroup, words, prose, capped)
        if hit is None and (search or rules.tail):
            hits = scan.hits(hint_low)
            search_mask = rules.search_mask_prose if prose else rules.search_mask
            if len(body) <= cap and not hits & (search_mask | rules.tail_mask):
                hit = _NO_RULE  # no hint of any search or tail rule: neither can match
            elif hits & search_mask:
                for r in range(len(search)):
                    if not (hits >> r) & 1:  # (not 1 << r: r is a C integer once compiled, hits may have more bits)
                        continue
                    rule = search[r]
                    if (rule.max_words is not None and words > rule.max_words) or (rule.only_nonprose and prose):
                        continue
                    if rule.search_in(capped, low):
                        hit = rule
                        break
        if hit is not None and hit is not _NO_RULE:
            return (prose, hit.id, None, None, False)
        # the caption and link-row passes write into the analysis; what they wrote is the result
        noise = self.noise
        if hit is None and rules.tail:
            # (the hints in the line's last TAIL_WINDOW characters; in a line that short, the
            # whole line's, found above)
            tail_hits = ((hits if len(hint_low) <= TAIL_WINDOW else scan.hits(hint_low, len(hint_low) - TAIL_WINDOW))
                         if len(body) <= cap else scan.hits(hint_text(body[-TAIL_WINDOW:].lower())))
            if tail_hits & rules.tail_mask:
                self._match_tail(i, line, hits if len(body) <= cap and len(body) <= TAIL_WINDOW else None)
        if noise[i] is None and not prose and words <= 15 and _ROW_SEPARATOR.search(body):
            self._match_link_row(i, body)
        entry = (prose, None, noise[i], self.caption_at.pop(i, None),
                 noise[i] is None and not prose and (
                     (words >= 4 and _is_table_row(body, words)) or _is_figure_or_code(body)))
        noise[i] = None
        self.cls[i] = _OTHER
        return entry

    def _find_headline_runs(self) -> None:
        """Boxes of links to other stories: headline-like lines in a row that alternate with a
        repeated short line (the site's name, "Read more") or follow a list heading ("Related").

        Inside an article such a box is inline noise; a plain run of short lines is not enough
        evidence (articles have lists too).
        """
        n = len(self.lines)
        headline_like = self._headline_flags()
        i = 0
        while i < n:
            if self.noise[i] is None and headline_like[i]:
                members: list[int] = []
                separators = 0
                j = i
                while j < n and ((self.noise[j] is None and headline_like[j]) or j in self.repeated):
                    if j in self.repeated:
                        separators += 1
                    else:
                        members.append(j)
                    j += 1
                labelled = i > 0 and self.starts_list[i - 1]
                if (len(members) >= self.options.headline_run and separators >= len(members) - 1) or (
                    labelled and len(members) >= 2
                ):
                    why = "after a list heading" if labelled else "alternating with a repeated line"
                    reason = f"one of {len(members)} headline-like lines in a row {why} (links to other stories)"
                    for k in members:
                        self.noise[k] = ("headline_list", reason)
                        self.cls[k] = _NOISE
                        self.in_headline_run.add(k)
                i = j
            else:
                i += 1

    def _keep_markup_of_code_samples(self) -> None:
        """Stray markup is a tag line or two a scraper left between the lines of text.  An article
        about HTML quotes it in code samples: a run of MARKUP_RUN or more lines that all hold tags.
        The markup lines of such a run are the article's, not noise."""
        lines, noise, cls = self.lines, self.noise, self.cls
        n = len(lines)
        i = 0
        while i < n:
            if noise[i] is not _MARKUP:
                i += 1
                continue
            start = i
            while start > 0 and _HAS_TAG.search(lines[start - 1].text) is not None:
                start -= 1
            end = i
            while end + 1 < n and _HAS_TAG.search(lines[end + 1].text) is not None:
                end += 1
            if end - start + 1 >= _MARKUP_RUN:
                for k in range(start, end + 1):
                    if noise[k] is _MARKUP:
                        noise[k] = None
                        cls[k] = _OTHER
                    if noise[k] is None and cls[k] != _PROSE:
                        self.table_row.add(k)  # a code sample: neutral for the core, like code lines
            i = end + 1

    def _release_barriers_before_prose(self) -> None:
        """An end-of-article marker ("Comments are closed.", "Join the conversation") followed
        directly by article prose ends nothing: a comment section starts with a form, a count, a
        name or a date, not with another paragraph.  The marker is still noise, but it no longer
        cuts off the paragraphs after it."""
        lines, cls, noise, barrier = self.lines, self.cls, self.noise, self.barrier
        for i in range(len(lines)):
            if not barrier[i]:
                continue
            j = i + 1
            while j < len(lines) and noise[j] is not None and noise[j][0] in _INLINE_NOISE:
                j += 1
            if j < len(lines) and cls[j] == _PROSE:
                barrier[i] = False

    def _find_core(self) -> tuple[int, int] | None:
        """The article body: the earliest run of lines whose score comes close to the best run's.

        Runs are maximum-sum subarrays of the line scores (Kadane), found
        recursively: the best run, then the best runs left and right of it.
        A run that a headline-like line introduces (the article's title, at
        most a few lines above it) counts ``title_bonus`` times its score.  The
        earliest run worth at least ``earlier_share`` of the best one is the
        article: articles come before the comments, teasers and footers that
        can outweigh a short story.
        """
        if self.options.extracted:
            return (0, len(self.lines) - 1) if self.lines else None
        scores = self._scores()
        # the first end-of-article marker (a comment-section heading) below a fair amount of prose
        # (a "Leave a comment" link under the headline is not the end of the article)
        first_barrier = None
        prose_chars = 0
        for i, c in enumerate(self.cls):
            if c == _PROSE:
                prose_chars += self.lines[i].end - self.lines[i].start
            elif self.barrier[i] and prose_chars >= self.options.min_prose_above_barrier:
                first_barrier = i
                break
        runs: list[tuple[int, int, float]] = []
        pending = [(0, len(scores))]
        while pending and len(runs) < 24:
            lo, hi = pending.pop()
            found = _best_run(scores, lo, hi)
            if found is None:
                continue
            start, end, total = found
            if self._introduced_by_headline(start):
                total *= self.options.title_bonus
            if first_barrier is not None and start > first_barrier:
                total *= self.options.after_barrier_factor
            runs.append((start, end, total))
            pending.append((lo, start))
            pending.append((end + 1, hi))
        if not runs:
            return None
        best = max([run[2] for run in runs])
        share = self.options.earlier_share
        for start, end, total in sorted(runs):
            if total >= share * best:
                return start, self._extend_over_sections(self._extend_over_list(end))
        return None  # pragma: no cover - the best run always qualifies

    def _scores(self) -> list[float]:
        opts = self.options
        gap, weight, wall = opts.gap_penalty, opts.gap_char_weight, opts.barrier_penalty
        if opts.favor_precision:
            gap *= 1.6
        elif opts.favor_recall:
            gap *= 0.5
        scores: list[float] = []
        append = scores.append
        lines, cls, barrier, table, noise = self.lines, self.cls, self.barrier, self.table_row, self.noise
        item, inline = opts.item_metadata_penalty, opts.inline_noise_penalty
        runs = self.in_headline_run
        listed_meta = self._listed_metadata()
        for i in range(len(lines)):
            c = cls[i]
            length = lines[i].end - lines[i].start
            if c == _PROSE:
                append(float(length))
            elif c == _NOISE:
                if barrier[i]:
                    append(-wall)
                elif i in listed_meta:
                    append(-(item + weight * length))
                elif i in runs or (noise[i] is not None and noise[i][0] in _INLINE_NOISE):
                    append(-inline)
                else:
                    append(-(gap + weight * length))
            elif i in table:
                append(0.0)
            else:
                append(-(gap + weight * length))
        return scores

    def _listed_metadata(self) -> set[int]:
        """Metadata lines (time stamps, bylines, comment buttons) that mark the items of a list.

        A comment thread or teaser list carries such lines close together: two within 8 lines
        with no prose between them ("headline / date / headline / date", "date / Reply / name"),
        or three "stops" within 8 lines of each other with other lines between them (one per
        comment or teaser).  A byline above an article and one time stamp or comment link after
        its first paragraph are neither: they must not cut that paragraph off the article.
        """
        noise, cls = self.noise, self.cls
        meta = []
        for i in range(len(noise)):
            if noise[i] is not None and noise[i][0] in _ITEM_METADATA:
                meta.append(i)
        listed: set[int] = set()
        for k in range(1, len(meta)):
            a, b = meta[k - 1], meta[k]
            if b - a <= 8 and _PROSE not in cls[a + 1:b]:
                listed.update((a, b))
        cluster: list[int] = []
        stops = 0
        for i in meta + [-100]:  # the sentinel closes the last cluster
            if cluster and 0 < i - cluster[-1] <= 8:
                stops += i - cluster[-1] > 1
                cluster.append(i)
                continue
            if stops >= 2:  # three stops, two gaps between them
                listed.update(cluster)
            cluster, stops = [i], 0
        return listed

    def result_parts(self) -> tuple[str, list[Span]]:
        """The kept text and the removed spans (the title line included)."""
        n = len(self.lines)
        kinds: list[tuple[str, str] | None] = [None] * n
        lines, noise, cls = self.lines, self.noise, self.cls
        core = self.core
        lo, hi = core if core is not None else (0, n - 1)
        if core is None:  # no prose at all: keep what no rule named
            lo, hi = 0, n - 1
        list_mode = broad_list = False
        list_bullets: bool | None = None
        headline_like = self._headline_flags()
        for i in range(n):
            if i == self.title_line:
                kinds[i] = ("title", _TITLE_REASON)
                list_mode = False
                continue
            if noise[i] is not None:
                kinds[i] = noise[i]
                if self.starts_list[i]:
                    list_mode = True
                    # under a list heading ("See also:", "More from X") the links may read like
                    # sentences; after a bare "Read more" only headline-like lines follow
                    broad_list = noise[i][0] == "headline_list"
                    list_bullets = None  # whether the list's items are bullet points (a list keeps its style)
                continue
            count = self.repeated.get(i)
            if count is not None and list_mode:
                kinds[i] = ("headline_list", f"line repeated {count} times between the headlines of a link list")
                continue
            if count is not None and (i < lo or i > hi or self._beside_list(i, headline_like)):
                kinds[i] = ("boilerplate_repeated", f"line repeated {count} times in this document")
                continue
            if list_mode:
                line = lines[i]
                inside = lo <= i <= hi
                if (cls[i] != _PROSE and (line.bullet or headline_like[i])) or (
                    not inside and line.ending == 0 and line.words <= 30
                ) or (
                    broad_list and line.words <= 25 and list_bullets in (None, line.bullet)
                    and line.body[-1] != "." and _one_sentence(line.body)
                ):
                    if list_bullets is None:
                        list_bullets = line.bullet
                    kinds[i] = ("headline_list", "headline in a list of links to other stories")
                    continue
                list_mode = False
            if i < lo or i > hi:
                kinds[i] = self._outside_kind(i, i < lo, headline_like)
                if kinds[i][0] == "standfirst" and self.options.keep_standfirst:
                    kinds[i] = None
        kept: list[str] = []
        spans: list[Span] = []
        source = self.source
        caption_at = self.caption_at
        for i in range(n):
            line = lines[i]
            kind = kinds[i]
            if kind is not None:
                spans.append((line.start, line.end, kind))
                continue
            cut = caption_at.get(i) if caption_at else None
            if cut is not None:
                offset, reason = cut
                kept_text = line.text[:offset].rstrip()  # (a reflowed paragraph's text has spaces for its line breaks)
                kept.append(kept_text)
                spans.append((line.start + offset, line.end, ("photo_credit", reason)))
            else:
                kept.append(line.text)
        return "\n".join(kept), _merge_spans(spans, source)

    def _beside_list(self, i: int, headline_like: list[bool]) -> bool:
        """A repeated short line between headlines or noise (a site name alternating with links)."""
        for j in (i - 1, i + 1):
            if 0 <= j < len(self.lines) and (headline_like[j] or self.noise[j] is not None):
                return True
        return False

    def _headline_flags(self) -> list[bool]:
        """Per line: a short line without a sentence end that is not a bullet point, a table row or
        an announced list item: what a link to a story looks like."""
        cls, table, announced, lines = self.cls, self.table_row, self.announced, self.lines
        flags = []
        for i in range(len(lines)):
            # (a loop, not a list comprehension: Cython 3.0-3.3 miscompiles this one, see setup.py)
            line = lines[i]
            flags.append(cls[i] != _PROSE and not line.bullet and 4 <= line.words <= 25 and line.ending == 0
                         and i not in table and i not in announced)
        return flags

    def _outside_kind(self, i: int, before: bool, headline_like: list[bool]) -> tuple[str, str]:
        line = self.lines[i]
        where = "above" if before else "below"
        if before and self.title_line is not None and i > self.title_line and line.words >= 12:
            return ("standfirst", "summary line between the headline and the article body")
        if line.bullet:
            return ("navigation", f"menu item or link {where} the article body")
        if line.words <= 3:
            kind = "site_header" if before else "site_footer"
            return (kind, f"short line {where} the article body (site name, section label, link)")
        if not before and headline_like[i] and (
            (i > 0 and headline_like[i - 1]) or (i + 1 < len(headline_like) and headline_like[i + 1])
        ):
            return ("headline_list", "headline-like line in a list below the article body")
        if before:
            return ("site_header", "above the article body (site header)")
        return ("site_footer", "below the article body (site footer)")




def _best_run(scores: list[float], lo: int, hi: int) -> tuple[int, int, float] | None:
    """The maximum-sum run scores[a..b] within [lo, hi) as (a, b, total), or None if no run is positive."""
    best = 0.0
    found: tuple[int, int, float] | None = None
    current = 0.0
    start = lo
    for i in range(lo, hi):
        score = scores[i]
        if current <= 0:
            current, start = score, i
        else:
            current += score
        if current > best:
            best = current
            found = (start, i, current)
    return found


# A line of nothing but HTML tags, comments or their ends ("<![endif]-->", "<div id="x"></div>",
# "<br>"): markup a scraper left in the text, whatever the page's language.
_MARKUP_LINE = re.compile(r"(?:\s*(?:<[!/?]?[A-Za-z\[][^<>]{0,300}>?|<!--[^<>]{0,300}>?|-->|\]\]>))+\s*")
_MARKUP = ("markup", "stray HTML markup in the text (tags a scraper left)")
_HAS_TAG = re.compile(r"<[!/?]?[A-Za-z][^<>]{0,300}>")
_MARKUP_RUN = 3  # lines in a row that hold tags: a code sample
_TEASER_PAIRS = 3  # bullet headlines, each followed by its summary, in a row: a teaser list

# Separators between the items of a menu or share bar flattened into one line.
_ROW_SEPARATOR = re.compile(r"\s[|·•]\s")
# "Headline | Site", "Headline - Site", "Headline — Site"
_SITE_SUFFIX = re.compile(r"(.{8,300}?) ?[|\-–—·:] ?([^|\-–—·:]{2,60})")
# The dateline that opens a news paragraph: "(Reuters) — ", "WASHINGTON (AP) - ", "LONDON, May 3 (Reuters) -".
_AGENCY_DATELINE = re.compile(r"[^()\n]{0,60}\([^()\n]{1,30}\) ?[—–-]")
_NUMBER = re.compile(r"(?<!\S)[-+$€£]?\d[\d.,:%]{0,15}(?!\S)")


def _is_table_row(body: str, words: int) -> bool:
    """A row of a flattened table: at least half of its words are numbers."""
    head = body[:8]
    digits = False
    for k in range(len(head)):
        digits = digits or head[k].isdigit()
    if not digits and body.count("  ") < 2:
        return False
    return 2 * len(_NUMBER.findall(body[:400])) >= min(words, 60)


# A line of source code (a statement, a call, a brace, a comment marker) or of a chart's labels (a
# few numbers alone): articles about software and data quote code blocks and figures between their
# paragraphs, site chrome has neither.  Like a table row it is neutral for the core, kept inside it.
_CODE_LINE = re.compile(
    r"[;{}]\s*(?://[^\n]*)?\Z|\A[}\])](?:[;,)]|\s|\Z)|\A(?://|/\*|\*/|#!|#include\b|\$ )"
    r"|[A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)+\(|\w\([^()\n]*\)\s*[;{]"
    r"|\s(?:===?|!==?|=>|\+=|-=|:=|&&|\|\|)\s|\A[\w.$\[\]]+\s=\s")
_NUMBERS_ONLY = re.compile(r"(?:[-+$€£¥(]?[’']?\d[\d.,:%]{0,12}[)%]?(?:\s|\Z)){1,3}")


def _is_figure_or_code(body: str) -> bool:
    """A code line or a chart's labels (see _CODE_LINE)."""
    if len(body) > 200:
        return False
    first = body[0]
    if (first.isdigit() or first in "$€£¥’'(-+") and _NUMBERS_ONLY.fullmatch(body + " ") is not None:
        return True
    # (every code shape needs one of these characters: most lines skip the search)
    if first in "/*#$}])" or "(" in body or ";" in body or "{" in body or "}" in body or "=" in body or "&&" in body or "||" in body:
        return _CODE_LINE.search(body) is not None
    return False


_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
_ITEM_SEPARATORS = (" – ", " — ", " -- ", " - ", " @ ", ": ", " | ")


def _item_shape(body: str) -> tuple[str, str] | None:
    """(how the line starts, the separator it uses) for a list item, or None if it has no separator."""
    separator = next((sep for sep in _ITEM_SEPARATORS if sep in body[:120]), None)
    if separator is None:
        return None
    first = body.split(" ", 1)[0].lower()
    if first[:1].isdigit():
        start = "number"
    elif first[:3] in _MONTHS:
        start = "month"
    else:
        return None
    return start, separator


def _one_sentence(body: str) -> bool:
    """No sentence break inside (a headline may end with a period, a paragraph has several)."""
    return _SENTENCE_BREAK.search(body, 0, max(0, len(body) - 2)) is None


def _allowed(rule, words: int, prose: bool) -> bool:
    if rule.max_words is not None and words > rule.max_words:
        return False
    return not (rule.only_nonprose and prose)


# A sentence end followed by the start of another sentence.
_SENTENCE_BREAK = re.compile(r"[.!?…][\"'”’)\]]?\s+(?=[\"“‘(\[]?[A-Z0-9À-ÖØ-Þ])")


def _caption_start(body: str, credit_start: int, window_start: int) -> int:
    """Where the caption glued before a credit starts: after the last sentence end before it."""
    head = body[window_start:credit_start].rstrip()
    # the caption's own final period sits just before the credit; look before it
    if head and head[-1] in ".!?":
        head = head[:-1]
    last = None
    for last in _SENTENCE_BREAK.finditer(head):
        pass
    if last is None:
        return max(0, window_start)
    return window_start + last.end()


_NON_WORD = re.compile(r"[\W_]+")
_WORD = re.compile(r"\w+")


def _norm(s: str) -> str:
    """Comparison key of a title or line: case-folded words joined by single spaces."""
    return _NON_WORD.sub(" ", s.casefold()).strip()


def _clean_name(name: str) -> str:
    return name.strip().strip(".,;:'\"“”‘’ ").strip()


def _short(s: str, width: int = 60) -> str:
    return s if len(s) <= width else s[: width - 1] + "…"


# Span is a frozen dataclass: its __init__ sets each field through object.__setattr__ in an
# interpreted frame (1.6 us; an aeb-text page has ~70 removed spans, ~10% of its text stage).
# The slots' own setters store the same four fields in a few C calls.
_SPAN_SET_START, _SPAN_SET_END, _SPAN_SET_KIND, _SPAN_SET_REASON = (
    getattr(Span, name).__set__ for name in Span.__slots__)  # (unpacking fails if Span's fields change)


def _new_span(start: int, end: int, kind: str, reason: str) -> Span:
    """``Span(start, end, kind, reason)``, built without the frozen dataclass's __init__."""
    span = object.__new__(Span)
    _SPAN_SET_START(span, start)
    _SPAN_SET_END(span, end)
    _SPAN_SET_KIND(span, kind)
    _SPAN_SET_REASON(span, reason)
    return span


def _merge_spans(spans: list, source: str) -> list[Span]:
    """The removed spans, (start, end, (kind, reason)) in order, as Spans; adjacent spans of the
    same kind and reason become one (only whitespace between them)."""
    merged: list[Span] = []
    k = 0
    n = len(spans)
    while k < n:
        start, end, kind = spans[k]
        k += 1
        while k < n and spans[k][2] == kind and not source[end:spans[k][0]].strip():
            end = spans[k][1]
            k += 1
        merged.append(_new_span(start, end, kind[0], kind[1]))
    return merged
