"""The compiled text core gives what the same source gives interpreted.

The text stage's decisions have one implementation, cleaner/strip/_analysis.py (with segment.py
and hints.py).  setup.py compiles these modules with Cython (pure-Python mode, C types in the .pxd
files); ``CLEANER_PURE_PYTHON=1`` runs their .py source instead.  The tests here run both builds, in
subprocesses, on the same inputs and compare everything: each line's decision (the analysis
state), the text, the title, every removed span with its kind and reason, and the attribution.
A difference means the compiler changed what the source says (Cython has miscompiled
expressions of this code before: see _analysis._headline_flags).  The inputs are invented pages
(the generalisation probes, the samples, the unit-test pages), random pages built from noise and
prose lines with awkward characters (U+0130 and U+03A3, whose lower case is not per character,
other scripts, digits of other scripts, blanks of every kind, bullets, separators), and the
evaluation pages when they are there.

The hint scan (cleaner/strip/hints.py), which replaced one regular expression per rule, is checked
against those literal alternations.
"""
from __future__ import annotations

import json
import os
import random
import re
import subprocess
import sys
from dataclasses import asdict
from pathlib import Path

import pytest
import test_strip_generalisation as G
import test_strip_text as U

from cleaner.strip import _analysis, _build, hints, segment
from cleaner.strip import text as T
from cleaner.strip.corpus import CorpusEvidence
from cleaner.strip.rules import _compile, available_languages, load_rules

TESTS = Path(__file__).resolve().parent
SAMPLES = TESTS.parent / "samples"
EVAL = TESTS.parent.parent / "shared" / "eval"


def _built() -> bool:
    """Whether the extension modules are there (CI requires them)."""
    suffixes = (".so", ".pyd")
    here = Path(_analysis.__file__).parent
    found = all(any(p.name.startswith(f"{m}.") and p.suffix in suffixes for p in here.iterdir())
                for m in _build.COMPILED)
    if not found and os.environ.get("CLEANER_REQUIRE_COMPILED_CORE"):
        pytest.fail("the compiled text core is not built (CLEANER_REQUIRE_COMPILED_CORE is set)")
    return found


def _probe_pages() -> list[str]:
    pages = [G.page()]
    for noise, _kinds in G.NOISE:
        pages += [G.page(top=noise), G.page(middle=noise), G.page(bottom=noise)]
    pages += [G.page(glued=caption) for caption in G.GLUED]
    pages += [G.page(middle=sentence) for sentence in G.NEGATIVE]
    return pages


# ----------------------------------------------------------------------------- random pages
_NOISE_LINES = [noise for noise, _ in G.NOISE] + [
    "Home | News | Sport | İstanbul", "ΑΡΧΙΚΗ ΣΕΛΙΔΑ", "Σχόλια (3)", "İLGİLİ HABERLER", "12 comments",
    "٣ تعليقات", "Photo: REUTERS/Jane Doe", "(AP Photo/John Roe)", "© 2031 Example Media", "Advertisement",
    "— Advertisement —", "*   Share", "• Twitter", "Updated 14:32 GMT, 3 July 2024", "3 min read",
    "Tags: drought, water", "Page 2 of 5", "Next »", "Read more » Dam plans", "1 | 2 | 3",
    "Story continues below advertisement", "Originally published by The Kell Courier.",
    # rows of flattened tables: numbers first, or columns apart by double spaces
    "1  Harbour North   1,204   12.5%", "Harbour  South  987  9.1%  down", "Old  Basin  455", "Q3 2031 120 135 +12%",
    "Harbour North  1,204", "Harbour North   1,204", "   Tides  3.2m  2.9m  3.0m", "Tide level  3.2 2.9 3.0 3.1 2.8 3.3  m",
]
_PROSE_LINES = list(G.PARAGRAPHS) + [U.P1, U.P2, U.P3, U.P4] + [
    "Die Behörde sagte am Dienstag, dass der Damm bis 2027 erneuert werde, und nannte keine Kosten.",
    "İstanbul'daki yetkililer, barajın seviyesinin son elli yılın en düşük düzeyine indiğini söyledi.",
    "ΟΙ ΑΡΧΕΣ ΕΙΠΑΝ ΟΤΙ Η ΣΤΑΘΜΗ ΤΟΥ ΦΡΑΓΜΑΤΟΣ ΕΙΝΑΙ Η ΧΑΜΗΛΟΤΕΡΗ ΕΔΩ ΚΑΙ ΠΕΝΗΝΤΑ ΧΡΟΝΙΑ, ΕΙΠΕ Ο ΔΗΜΑΡΧΟΣ.",
    "水库的水位已降至五十年来的最低点，当局周二表示，农民被要求减少灌溉。",
    "The board said the pipeline would cost\u00a0about 40\u2009million crowns (File photo)",
    "Officials said the reservoir fell to 18 per cent, the lowest in 50 years. Photo: Kell Water Board",
]
_ODD = ["\u0130", "\u03a3", "\u00a0", "\u2028", "\x0b", "\r", "\t", "٣", "ſ", "\u212a", "|", " · ", "•", "-", "»"]


def _random_page(rng: random.Random) -> str:
    lines = []
    for _ in range(rng.randint(0, 60)):
        pool = _NOISE_LINES if rng.random() < 0.55 else _PROSE_LINES
        line = rng.choice(pool)
        if rng.random() < 0.25:  # mangle: case, odd characters, cuts
            pos = rng.randint(0, len(line))
            line = line[:pos] + rng.choice(_ODD) + line[pos:]
        if rng.random() < 0.15:
            line = line.upper()
        if rng.random() < 0.1:
            line = rng.choice(["* ", "- ", "• ", "  ", "\t"]) + line
        if rng.random() < 0.05:
            line = line * rng.randint(2, 12)  # long lines, past the rule window
        lines.append(line)
        if rng.random() < 0.2:
            lines.append(rng.choice(["", " ", "\u3000", "\t \t"]))
    return rng.choice(["\n", "\n\n", "\r\n"]).join(lines)


_OPTIONS = [{"extracted": True}, {"favor_precision": True}, {"favor_recall": True}, {"keep_standfirst": True},
            {"max_rule_chars": 30, "min_prose_words": 3}] + [{"max_rule_chars": cap} for cap in (30, 60, 99, 100, 101)]
_CAP_LINES = ["İzmir officials said the reservoir fell to 18 per cent. Photo: Kell Water Board",
              "ΣOfficials said the reservoir fell to 18 per cent. Photo: Kell Water Board",
              "Officials said the reservoir fell to 18 per cent. Photo: Kell Water Board",
              "x" * 40, "The board met on Friday and said the dam would hold. (AP Photo/Jane Doe)"]


def _cases() -> list[tuple[str, dict]]:
    """(text, strip_text arguments) for both builds; "evidence": True means the corpus evidence of
    :func:`_evidence`; "options" the TextOptions fields."""
    out: list[tuple[str, dict]] = [(text, {}) for text in _probe_pages()]
    texts = [p.read_text(encoding="utf-8") for p in sorted(SAMPLES.rglob("*.txt"))]
    rows = ["1  Harbour North   1,204   12.5%", "2  Harbour South     987    9.1%", "Old  Basin  455  4.0%  up"]
    texts += [U.PAGE, U.P1, U.P1 + "\n" + U.P2, "", "   \n\t\n", "x", "* ", "• a",
              f"Harbour traffic in numbers\n\n{U.P1}\n\n" + "\n".join(rows) + f"\n\n{U.P2}\n\n{U.P3}\n"]
    out += [(text, {}) for text in texts]
    for options in _OPTIONS:
        out += [(text, {"options": options}) for text in _probe_pages()[::7] + [U.PAGE]]
    for cap in (30, 60, 99, 100, 101):
        for text in _CAP_LINES + ["\n".join(_CAP_LINES), "x" * 40 + "\n" + "The board met on Friday.\n" * 50]:
            out.append((text, {"options": {"max_rule_chars": cap}}))
    for language in available_languages():
        for lang, noise, _kinds in G.FOREIGN_NOISE:
            if lang == language:
                out.append((G.page(middle=noise), {"language": language}))
    out.append((U.PAGE, {"title": "Port Verran will rebuild its northern breakwater", "site": "Verran Coast Courier"}))
    out.append((G.page(top="The Kell Courier"), {"site": "The Kell Courier"}))
    out.append((G.page(), {"title": G.HEADLINE + " | The Kell Courier", "site": "The Kell Courier"}))
    out += [(text, {"site": "kell", "evidence": True}) for text in _evidence_pages()[:10]]
    rng = random.Random(7)
    for k in range(200):
        out.append((_random_page(rng), {"options": _OPTIONS[k % len(_OPTIONS)]} if k % 4 == 0 else {}))
    for folder in (EVAL / "aeb-text" / "txt", EVAL / "readability" / "txt"):
        if folder.is_dir():  # (a third of each: the suite's time)
            out += [(p.read_text(encoding="utf-8"), {}) for p in sorted(folder.glob("*.txt"))[::3]]
    return out


def _evidence_pages() -> list[str]:
    return [G.page(top=noise) for noise, _ in G.NOISE[:40]]


def _evidence() -> CorpusEvidence:
    evidence = CorpusEvidence()
    for text in _evidence_pages():
        evidence.add("kell", text, G.HEADLINE)
    evidence.add("kell", "Dam plans approved\nThe Kell Courier", "Water board to meet on Friday")
    return evidence


_STATE = ("noise", "cls", "barrier", "starts_list", "table_row", "repeated", "in_headline_run", "announced",
          "caption_at", "site_prose", "core", "title", "title_line")


def _jsonable(value):
    if isinstance(value, (set, frozenset)):
        return sorted(value)
    if isinstance(value, dict):
        return sorted((k, _jsonable(v)) for k, v in value.items())
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    return value


def _decide(text: str, kw: dict, evidence: CorpusEvidence) -> list:
    """Everything both builds must agree on, for one case (twice: from a cold and a warm memo)."""
    options = T.TextOptions(**kw.get("options", {}))
    ev = evidence.for_document(kw.get("site"), kw.get("title")) if kw.get("evidence") else None
    language = kw.get("language", "en")
    analysis = _analysis.Analysis(text, load_rules(language), options, ev, kw.get("site"))
    analysis.find_title(kw.get("title"))
    if ev is not None:
        analysis.apply_title_evidence()
    state = [[line._fields() for line in analysis.lines]] + [_jsonable(getattr(analysis, n)) for n in _STATE]
    out = T.strip_text(text, title=kw.get("title"), site=kw.get("site"), evidence=ev, language=language,
                       options=options)
    return [state, out.text, out.title, [s.to_dict() for s in out.removed], asdict(out.attribution)]


def dump_decisions(path: str) -> None:
    """(Run in a subprocess, with or without CLEANER_PURE_PYTHON.)  Writes the build and every case's decisions."""
    evidence = _evidence()
    results = []
    for text, kw in _cases():
        _analysis.clear_memo()
        cold = _decide(text, kw, evidence)
        results.append(cold)
        assert _decide(text, kw, evidence) == cold, "a remembered line changed a decision"
    Path(path).write_text(json.dumps({"core": T.CORE, "results": results}, ensure_ascii=False), encoding="utf-8")


def _run_build(tmp_path: Path, interpreted: bool) -> dict:
    env = {k: v for k, v in os.environ.items() if k != "CLEANER_PURE_PYTHON"}
    if interpreted:
        env["CLEANER_PURE_PYTHON"] = "1"
    out = tmp_path / ("interpreted.json" if interpreted else "compiled.json")
    code = f"import sys; sys.path.insert(0, {str(TESTS)!r}); import test_strip_core as M; M.dump_decisions({str(out)!r})"
    subprocess.run([sys.executable, "-c", code], env=env, check=True, cwd=str(TESTS.parent))
    return json.loads(out.read_text(encoding="utf-8"))


def test_compiled_build_takes_the_decisions_of_the_source(tmp_path):
    if not _built():
        pytest.skip("the compiled text core is not built (no C compiler?)")
    compiled = _run_build(tmp_path, interpreted=False)
    interpreted = _run_build(tmp_path, interpreted=True)
    assert compiled["core"] == "compiled"
    assert interpreted["core"] == "python (CLEANER_PURE_PYTHON)"
    assert len(compiled["results"]) == len(interpreted["results"]) > 400
    for k, (got, expected) in enumerate(zip(compiled["results"], interpreted["results"])):
        assert got == expected, f"case {k}: the compiled build decided otherwise"


def test_strip_text_runs_the_compiled_build():
    if os.environ.get("CLEANER_PURE_PYTHON"):
        assert T.CORE == "python (CLEANER_PURE_PYTHON)"
        assert all(m.__file__.endswith(".py") for m in (_analysis, segment, hints))
    elif _built():
        assert T.CORE == "compiled"
        assert not any(m.__file__.endswith(".py") for m in (_analysis, segment, hints))
    else:
        assert T.CORE == "python (not compiled)"


# ----------------------------------------------------------------------------- hint scan
def _literal_hits(hints_by_rule, s):
    bits = 0
    for r, found in enumerate(hints_by_rule):
        if not found or re.search("|".join(re.escape(h) for h in found), s):
            bits |= 1 << r
    return bits


def test_hint_scan_finds_what_literal_alternations_find():
    rng = random.Random(3)
    alphabet = "ab c·»é\u0131\u00a0ſ©x"
    for _ in range(300):
        hints_by_rule = [tuple("".join(rng.choice(alphabet) for _ in range(rng.randint(1, 4)))
                               for _ in range(rng.randint(0, 3))) for _ in range(rng.randint(1, 70))]
        scan = hints.HintScan(hints_by_rule)
        for _ in range(20):
            s = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 30)))
            start = rng.randint(-3, len(s) + 2)
            assert scan.hits(s) == _literal_hits(hints_by_rule, s), (hints_by_rule, s)
            assert scan.hits(s, start) == _literal_hits(hints_by_rule, s[max(start, 0):]), (hints_by_rule, s, start)


def test_hint_scan_of_the_rule_tables():
    rng = random.Random(5)
    for language in available_languages():
        rules = load_rules(language)
        by_rule = [rule.hint for rule in rules.search + rules.tail]
        for _ in range(200):
            line = _random_page(rng).lower()[:400]
            assert rules.hint_scan.hits(line) == _literal_hits(by_rule, line)


def test_many_groups_of_hint_pairs():
    # more than 255 different first pairs: the rest go to the slower table, still found
    pairs = [chr(97 + a) + chr(97 + b) for a in range(26) for b in range(26)]
    hints_by_rule = [tuple(pairs[k::40]) for k in range(40)]
    scan = hints.HintScan(hints_by_rule)
    for pair in pairs:
        assert scan.hits("-" + pair + "-") == _literal_hits(hints_by_rule, "-" + pair + "-")


# ----------------------------------------------------------------------------- memory
def test_a_table_of_more_than_64_search_rules():
    rows = [(f"t{k}", {"kind": "advertisement", "mode": "search", "reason": f"rule {k}", "pattern": f"zq{k}x",
                       "hint": [f"zq{k}x"]}) for k in range(70)]
    big = _compile("t", rows, frozenset())
    analysis = _analysis.Analysis(U.P1 + "\nzq65x here\n" + U.P2, big, T.TextOptions(), None, None)
    assert [n for n in analysis.noise if n is not None] == [("advertisement", "rule 65")]


def test_tail_hints_are_looked_for_in_the_line_only():
    rules = _compile("t", [("t0", {"kind": "photo_credit", "mode": "tail", "reason": "credit", "pattern": "zz",
                                   "hint": ["qq"]})], frozenset())
    for cap in (5, 30, 400):
        text = "qq\n" + "a " * 20 + "zz"
        got = _analysis.Analysis(text, rules, T.TextOptions(max_rule_chars=cap), None, None)
        assert got.caption_at == {} and got.noise == [None, None]


def test_the_line_memory_is_bounded():
    from cleaner.strip.rules import load_rules as load

    assert load("xx-1") is load("en") is load("EN-gb") is load("zz")
    for k in range(40):  # many language tags, few tables, one memo per table and options
        T.strip_text(U.PAGE, language=f"x{k}")
        T.strip_text(U.PAGE, options=T.TextOptions(max_rule_chars=100 + k))
    sizes = _analysis.memo_sizes()
    assert 0 < len(sizes) <= 16
    assert max(sizes) <= 100_000


def test_random_pages_from_cold_and_warm_memory():
    rng = random.Random(99)
    pages = [_random_page(rng) for _ in range(40)]
    _analysis.clear_memo()
    cold = [T.strip_text(p) for p in pages]
    warm = [T.strip_text(p) for p in pages]
    assert cold == warm


