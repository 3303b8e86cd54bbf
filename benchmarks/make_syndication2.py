"""Make ``syndication2``: a second syndicated development set, from the readability pages.

Usage::

    python benchmarks/make_syndication2.py [--eval ../shared/eval] [--out benchmarks/_work/syndication2] [--seed 20261204]

Deterministic: the same seed gives byte-identical files (no clocks, no hash
order; ``random.Random(seed)`` only, and every choice is made in a fixed
order).  The data is not committed (``benchmarks/_work/`` is git-ignored);
this generator is.  It exists because a mechanism tuned on syndication-dev
can only be judged on copies made differently: other templates, other
stories, and the edits real republishers make.

Made from ``../shared/eval/readability`` only (Mozilla Readability's test
pages, Apache-2.0; nothing from AEB):

* **Stories** = the pages' ground-truth ``articleBody``, split into
  paragraphs on newlines; pages whose body has fewer than 4 paragraphs or 120
  words are not used as stories, nor is a page whose body shares half of its
  word 4-grams with an earlier page's (the same article saved twice: one
  story). A body longer than 40 paragraphs is cut
  after its 40th (news-sized stories; the cut is the story). The story title
  is the ground truth's ``title`` with the site name cut off when the title
  ends with it (`` | Site``, `` - Site``, `` – Site``).
* **Sites** = all 94 page templates. A template's noise is its flattened
  text (``txt/``, inscriptis) without the article: a line is article text
  when at least half of its word 4-grams (lines of 1-3 words: the whole line)
  occur in the page's ground truth; lines before the first such line are the
  site **header**, lines after the last the **footer** (leading whitespace
  stripped, runs of blank lines cut to one). Lines inside the article span
  are dropped, and so are header/footer lines that repeat the page's own
  title. Site name: the ground truth's ``site`` when given, else the page
  name without a trailing ``-N`` (so ``bbc-1`` and ``bbc-2`` are one site).
* **Copies**: 40% of the stories have one copy, the others 2-8 (weights 18,
  17, 16, 14, 13, 11, 11 for 2..8). All copies of a story are on different
  sites. For 70% of the stories the first copy is on the story's own page
  template (``on_origin_site``) and keeps the body as published. Doc ids are
  opaque (hash of seed, story and copy number); files are in id order.
* **Edits** (per copy not on the origin site; each copy gets one *main* edit
  drawn uniformly, and with probability 0.25 a second one; counts in
  ``stats.json``):
  ``hard_wrap`` (every paragraph re-flowed at a width drawn from 72-80
  columns, paragraphs separated by a blank line),
  ``preview`` (only the first 3-5 paragraphs of prose - of at least 20
  words; shorter lines before them, headings or list items, are kept too -
  then a line such as ``Continue reading "<title>" at <origin site>``; the
  line is not part of clean_text; only for stories of at least 7 such
  paragraphs),
  ``swap_paragraphs`` (two paragraphs after the first trade places),
  ``number_format`` (every ``5%`` / ``5 percent`` / ``5 per cent`` written
  one way, thousands separators dropped or added, ``$5 million`` /
  ``$5m`` / ``$5mn``; a story without such numbers gets another edit),
  ``drop_sentence`` (one sentence of a paragraph of two or more sentences
  removed),
  ``spelling`` (British <-> American spelling of the words in this
  generator's own table, which is independent of the table cleaner uses),
  ``none``.
  On top (drawn independently): straight <-> curly quotes and em dash <->
  `` - `` / ``--`` (30%); a dateline prefix on the first paragraph such as
  ``LONDON (Wire Service) — `` (20%; part of clean_text); title variants
  (unchanged, ``Title | Site``, ``Title - Site``, upper case, shortened).
* **Inline noise** (per copy; kinds listed in ``labels.noise``):
  ``advertisement`` (one of three ad-marker lines between paragraphs, 30%),
  ``related_block`` (``More from <site>`` and the titles of 2-5 *other
  stories on the same site*, after the body, 35%): a same-site pair shares
  these lines and the site's header/footer, never article text.

Files (as in syndication-dev):

* ``txt/<docid>.txt`` - header + title line + body blocks (separated by a
  blank line, or by one newline on some sites) + [related block] + footer.
* ``corpus.jsonl`` - ``{"id", "site", "url", "text"}`` per doc.
* ``labels.jsonl`` - ``{"id", "story", "clean_text", "title", "noise",
  "edits", "site_template", "on_origin_site"}``; ``clean_text`` is the body
  paragraphs of the copy after the edits (a hard-wrapped paragraph as one
  line), joined by ``"\\n"``.
* ``stats.json`` - docs, stories, cluster-size histogram, docs per edit and
  noise kind.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import random
import re
import textwrap
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

_WORDS = re.compile(r"\w+")

# The generator's own spelling table (British, American); written for this
# generator, independently of cleaner/neardup/spelling.tsv.
SPELLING = [
    ("colour", "color"), ("colours", "colors"), ("favour", "favor"), ("favourite", "favorite"),
    ("honour", "honor"), ("labour", "labor"), ("neighbour", "neighbor"), ("neighbours", "neighbors"),
    ("behaviour", "behavior"), ("humour", "humor"), ("harbour", "harbor"), ("rumour", "rumor"),
    ("centre", "center"), ("centres", "centers"), ("theatre", "theater"), ("metre", "meter"),
    ("metres", "meters"), ("litre", "liter"), ("fibre", "fiber"),
    ("organise", "organize"), ("organised", "organized"), ("organisation", "organization"),
    ("organisations", "organizations"), ("realise", "realize"), ("realised", "realized"),
    ("recognise", "recognize"), ("recognised", "recognized"), ("apologise", "apologize"),
    ("criticise", "criticize"), ("criticised", "criticized"), ("emphasise", "emphasize"),
    ("prioritise", "prioritize"), ("authorised", "authorized"), ("summarise", "summarize"),
    ("analyse", "analyze"), ("analysed", "analyzed"), ("paralysed", "paralyzed"),
    ("defence", "defense"), ("offence", "offense"), ("licence", "license"), ("pretence", "pretense"),
    ("travelled", "traveled"), ("travelling", "traveling"), ("cancelled", "canceled"),
    ("cancelling", "canceling"), ("modelling", "modeling"), ("labelled", "labeled"),
    ("fuelled", "fueled"), ("counsellor", "counselor"), ("jewellery", "jewelry"),
    ("catalogue", "catalog"), ("dialogue", "dialog"), ("analogue", "analog"),
    ("programme", "program"), ("programmes", "programs"), ("grey", "gray"), ("tyre", "tire"),
    ("cheque", "check"), ("aluminium", "aluminum"), ("manoeuvre", "maneuver"),
    ("paediatric", "pediatric"), ("oestrogen", "estrogen"), ("anaemia", "anemia"),
    ("enrol", "enroll"), ("fulfil", "fulfill"), ("skilful", "skillful"), ("ageing", "aging"),
    ("judgement", "judgment"), ("plough", "plow"), ("sceptical", "skeptical"),
    ("optimise", "optimize"), ("optimised", "optimized"), ("utilise", "utilize"),
    ("customise", "customize"), ("customised", "customized"), ("initialise", "initialize"),
    ("standardise", "standardize"), ("minimise", "minimize"), ("maximise", "maximize"),
]

DATELINES = ["LONDON (Wire Service) — ", "NEW YORK — ", "PARIS (Newswire) - ", "BERLIN, March 3 (Agency) - ",
             "(Press Association) — ", "SYDNEY — ", "TORONTO (CP) — ", "WASHINGTON (Wire) — "]
ADS = ["Advertisement", "ADVERTISEMENT", "Sponsored content"]
CONTINUE = ['Continue reading "{title}" at {site}', "Continue reading at {site}",
            "Read the full story at {site}", "Continue reading… at {site}"]
PROSE_WORDS = 20  # a paragraph of prose, for previews: at least this many words
MAIN_EDITS = ["hard_wrap", "preview", "swap_paragraphs", "number_format", "drop_sentence", "spelling", "none"]


def grams(text: str, n: int = 4) -> list[tuple[str, ...]]:
    toks = _WORDS.findall(text.lower())
    if len(toks) < n:
        return [tuple(toks)] if toks else []
    return [tuple(toks[i : i + n]) for i in range(len(toks) - n + 1)]


def site_name(name: str, gt: dict) -> str:
    if gt.get("site"):
        return gt["site"].strip()
    base = re.sub(r"-\d+$", "", name)
    return " ".join(w.capitalize() for w in re.split(r"[-_]", base))


def template(name: str, txt: str, gt: dict) -> tuple[list[str], list[str]]:
    """(header lines, footer lines) of a page: its flattened text without the article."""
    truth = set(grams(gt["articleBody"]))
    lines = [line.strip() for line in txt.split("\n")]
    article = []
    for k, line in enumerate(lines):
        g = grams(line)
        if g and sum(1 for x in g if x in truth) >= 0.5 * len(g):
            article.append(k)
    if not article:
        return [], []
    title_grams = set(grams(gt.get("title") or ""))

    def keep(line: str) -> bool:
        g = grams(line)
        return not (g and title_grams and sum(1 for x in g if x in title_grams) >= 0.5 * len(g))

    def tidy(block: list[str]) -> list[str]:
        out: list[str] = []
        for line in block:
            if not line:
                if out and out[-1]:
                    out.append("")
            elif keep(line):
                out.append(line)
        while out and not out[-1]:
            out.pop()
        while out and not out[0]:
            out.pop(0)
        return out

    return tidy(lines[: article[0]]), tidy(lines[article[-1] + 1 :])


def story_title(gt: dict, site: str) -> str:
    title = (gt.get("title") or "").strip()
    for sep in (" | ", " - ", " – ", " — "):
        if sep in title and title.rsplit(sep, 1)[1].strip().casefold() == site.casefold():
            title = title.rsplit(sep, 1)[0].strip()
    return title


# -- edits -------------------------------------------------------------------

_SENT = re.compile(r"(?<=[.!?])\s+(?=[A-Z\"“])")


def edit_drop_sentence(paras: list[str], rng: random.Random) -> bool:
    cands = [k for k, p in enumerate(paras) if len(_SENT.split(p)) >= 2]
    if not cands:
        return False
    k = rng.choice(cands)
    sents = _SENT.split(paras[k])
    del sents[rng.randrange(len(sents))]
    paras[k] = " ".join(sents)
    return True


def edit_swap(paras: list[str], rng: random.Random) -> bool:
    if len(paras) < 3:
        return False
    a = rng.randrange(1, len(paras) - 1)
    paras[a], paras[a + 1] = paras[a + 1], paras[a]
    return True


_PERCENT = re.compile(r"(\d)(?:\s?%|\s+percent\b|\s+per\s+cent\b)")
_THOUSANDS = re.compile(r"\b(\d{1,3})(?:,(\d{3}))+\b")
_PLAIN_THOUSANDS = re.compile(r"(?<![\d.,])(\d{4,7})(?![\d.,])")
_MONEY = re.compile(r"([$£€])(\d+(?:\.\d+)?)\s?(million|billion|m|bn|mn|b)\b")


# (percent pattern, written-with-separator pattern, plain-number pattern, money pattern)
NUMBER_PATTERNS = (_PERCENT, _THOUSANDS, _PLAIN_THOUSANDS, _MONEY)
_UNITS = {"m": "million", "mn": "million", "million": "million", "b": "billion", "bn": "billion", "billion": "billion"}


def edit_numbers(paras: list[str], rng: random.Random, percents: tuple[str, ...] = ("%", " percent", " per cent"),
                 moneys: tuple[str, ...] = ("long", "short", "mn"), patterns: tuple = NUMBER_PATTERNS) -> bool:
    """Numbers written another way: one percent form, thousands with or without the separator and
    one money form (``long`` "$5 million", ``short`` "$5m", ``mn`` "$5mn", ``us`` "US$5 million"), drawn."""
    percent, thousands, plain_thousands, money_pattern = patterns
    pct = rng.choice(list(percents))
    sep = rng.random() < 0.5  # write thousands with or without the separator
    money = rng.choice(list(moneys))
    changed = False
    for k, p in enumerate(paras):
        q = percent.sub(lambda m: m.group(1) + pct, p)
        if sep:
            q = plain_thousands.sub(lambda m: f"{int(m.group(1)):,}" if not (1900 <= int(m.group(1)) <= 2100) else m.group(1), q)
        else:
            q = thousands.sub(lambda m: m.group(0).replace(",", ""), q)

        def cash(m: re.Match) -> str:
            unit, sym = _UNITS[m.group(3)], m.group(1)
            if money == "us" and sym in ("$", "US$"):
                return f"US${m.group(2)} {unit}"
            if money in ("long", "us"):
                return f"{sym}{m.group(2)} {unit}"
            short = {"million": "m", "billion": "bn"}[unit] if money == "short" else {"million": "mn", "billion": "bn"}[unit]
            return f"{sym}{m.group(2)}{short}"

        q = money_pattern.sub(cash, q)
        changed |= q != p
        paras[k] = q
    return changed


def draw_main_edits(rng: random.Random, kinds: list[str], second_share: float) -> list[str]:
    """One main edit of ``kinds`` for a copy, and with ``second_share`` a second, different one."""
    main = [rng.choice(kinds)]
    if rng.random() < second_share:
        main.append(rng.choice([e for e in kinds if e not in main and e != "none"]))
    return main


def keep_preview(paras: list[str], preview: int) -> list[str]:
    """The first ``preview`` paragraphs of prose (headings and list items do not count) and what precedes them."""
    prose = [k for k, p in enumerate(paras) if len(p.split()) >= PROSE_WORDS]
    return paras[: prose[preview - 1] + 1] if len(prose) >= preview else paras[:preview]


def edit_spelling(paras: list[str], rng: random.Random, pairs: list[tuple[str, str]] = SPELLING) -> bool:
    """Every word of ``pairs`` (British, American) written the other way, in one direction drawn."""
    to_american = rng.random() < 0.5
    table = {b: a for b, a in pairs} if to_american else {a: b for b, a in pairs}
    pattern = re.compile(r"\b(" + "|".join(sorted(map(re.escape, table), key=len, reverse=True)) + r")\b", re.IGNORECASE)

    def swap(m: re.Match) -> str:
        word = m.group(0)
        out = table[word.lower()]
        return out.capitalize() if word[0].isupper() else out

    changed = False
    for k, p in enumerate(paras):
        q = pattern.sub(swap, p)
        changed |= q != p
        paras[k] = q
    return changed


def edit_typography(paras: list[str], rng: random.Random, dashes: tuple[str, ...] = (" - ", " -- ")) -> bool:
    curly = rng.random() < 0.5
    dash = rng.choice(list(dashes))
    changed = False
    for k, p in enumerate(paras):
        if curly:
            q = re.sub(r'"(\w)', "“\\1", p)
            q = re.sub(r'(\S)"', "\\1”", q)
            q = re.sub(r"(\w)'(\w)", "\\1’\\2", q)
        else:
            q = p.replace("“", '"').replace("”", '"').replace("’", "'").replace("‘", "'")
        q = re.sub(r"\s*—\s*", dash, q)
        changed |= q != p
        paras[k] = q
    return changed


def title_variant(title: str, site: str, rng: random.Random, origin: bool) -> tuple[str, str]:
    kinds = ["unchanged", "suffix_bar", "suffix_dash"] + ([] if origin else ["upper", "shortened"])
    kind = rng.choice(kinds)
    if kind == "suffix_bar":
        return f"{title} | {site}", kind
    if kind == "suffix_dash":
        return f"{title} - {site}", kind
    if kind == "upper":
        return title.upper(), kind
    if kind == "shortened":
        words = title.split()
        return (" ".join(words[: max(3, len(words) * 2 // 3)]) if len(words) > 5 else title), kind
    return title, kind


def make(eval_dir: Path, out: Path, seed: int) -> dict:
    rd = eval_dir / "readability"
    gt = json.loads((rd / "ground-truth.json").read_text(encoding="utf-8"))
    names = sorted(gt)
    sites = {}
    for name in names:
        header, footer = template(name, (rd / "txt" / f"{name}.txt").read_text(encoding="utf-8"), gt[name])
        sites[name] = {"site": site_name(name, gt[name]), "header": header, "footer": footer}
    stories = []
    seen_bodies: list[set] = []
    for name in names:
        paras = [p.strip() for p in gt[name]["articleBody"].split("\n") if p.strip()]
        if len(paras) < 4 or sum(len(p.split()) for p in paras) < 120:
            continue
        body = set(grams(gt[name]["articleBody"]))
        if any(len(body & other) >= 0.5 * min(len(body), len(other)) for other in seen_bodies):
            continue  # the same article saved twice is one story, not two
        seen_bodies.append(body)
        stories.append({"story": name, "paras": paras[:40], "title": story_title(gt[name], sites[name]["site"])})
    rng = random.Random(seed)
    sizes = []
    for _ in stories:
        sizes.append(1 if rng.random() < 0.4 else rng.choices(range(2, 9), weights=[18, 17, 16, 14, 13, 11, 11])[0])
    # which site each copy is on: the origin template first (70%), then distinct other sites
    placements = []
    for st, n in zip(stories, sizes):
        on_origin = rng.random() < 0.7
        others = [s for s in names if sites[s]["site"] != sites[st["story"]]["site"]]
        rng.shuffle(others)
        chosen = [st["story"]] if on_origin else []
        for tpl in others:  # one copy per site name (two templates of one site are one site)
            if len(chosen) < n and all(sites[tpl]["site"] != sites[c]["site"] for c in chosen):
                chosen.append(tpl)
        placements.append((on_origin, chosen))
    # titles of the stories on each site, for the related blocks
    on_site: dict[str, list[str]] = {}
    for st, (_, chosen) in zip(stories, placements):
        for tpl in chosen:
            on_site.setdefault(sites[tpl]["site"], []).append(st["title"])
    docs = []
    edit_counts: Counter = Counter()
    noise_counts: Counter = Counter()
    for si, (st, (on_origin, chosen)) in enumerate(zip(stories, placements)):
        origin_site = sites[st["story"]]["site"]
        for ci, tpl in enumerate(chosen):
            site = sites[tpl]["site"]
            origin_copy = on_origin and ci == 0
            paras = list(st["paras"])
            edits: dict = {}
            wrap = None
            preview = None
            if not origin_copy:
                for e in draw_main_edits(rng, MAIN_EDITS, 0.25):
                    done = False
                    if e == "hard_wrap":
                        wrap = rng.randint(72, 80)
                        done = True
                    elif e == "preview" and sum(1 for p in paras if len(p.split()) >= PROSE_WORDS) >= 7:
                        preview = rng.randint(3, 5)
                        done = True
                    elif e == "swap_paragraphs":
                        done = edit_swap(paras, rng)
                    elif e == "number_format":
                        done = edit_numbers(paras, rng)
                    elif e == "drop_sentence":
                        done = edit_drop_sentence(paras, rng)
                    elif e == "spelling":
                        done = edit_spelling(paras, rng)
                    if not done and e != "none":
                        # the story offers nothing for this edit: drop a sentence instead
                        e = "drop_sentence" if edit_drop_sentence(paras, rng) else "none"
                    edits[e] = wrap if e == "hard_wrap" else (preview if e == "preview" else True)
                if rng.random() < 0.3 and edit_typography(paras, rng):
                    edits["quotes_dashes"] = True
                if rng.random() < 0.2:
                    prefix = rng.choice(DATELINES)
                    paras[0] = prefix + paras[0]
                    edits["dateline"] = prefix.strip()
            if preview:
                paras = keep_preview(paras, preview)
            if not edits:
                edits["none"] = True
            title, tkind = title_variant(st["title"], site, rng, origin_copy)
            edits["title"] = tkind
            noise = []
            blocks = [textwrap.fill(p, wrap) if wrap else p for p in paras]
            if rng.random() < 0.3 and len(blocks) > 2:
                blocks.insert(rng.randrange(1, len(blocks)), rng.choice(ADS))
                noise.append("advertisement")
            if preview:
                blocks.append(rng.choice(CONTINUE).format(title=st["title"], site=origin_site))
                noise.append("continue_reading")
            tail = []
            related = [t for t in on_site.get(site, []) if t != st["title"]]
            if related and rng.random() < 0.35:
                tail = [rng.choice(["More from " + site, "Related", "Most read"])]
                tail += rng.sample(related, min(len(related), rng.randint(2, 5)))
                noise.append("related_block")
            joiner = "\n\n" if (wrap or hash_int(site) % 3) else "\n"
            s = sites[tpl]
            text = "\n".join(s["header"]) + "\n\n" + title + "\n\n" + joiner.join(blocks)
            if tail:
                text += "\n\n" + "\n".join(tail)
            text += "\n\n" + "\n".join(s["footer"]) + "\n"
            doc_id = hashlib.sha256(f"{seed}:{st['story']}:{ci}".encode()).hexdigest()[:12]
            slug = "-".join(_WORDS.findall(st["title"].lower())[:6]) or "story"
            host = re.sub(r"[^a-z0-9]+", "-", site.lower()).strip("-") + ".example"
            for e in edits:
                if e != "title":
                    edit_counts[e] += 1
            for k in noise:
                noise_counts[k] += 1
            docs.append({
                "corpus": {"id": doc_id, "site": site, "url": f"https://{host}/{2020 + si % 6}/{slug}", "text": text},
                "label": {"id": doc_id, "story": st["story"], "clean_text": "\n".join(paras), "title": title,
                          "noise": noise, "edits": edits, "site_template": tpl, "on_origin_site": origin_copy},
            })
    write_docs(out, docs)
    stats = {
        "seed": seed, "docs": len(docs), "stories": len(stories), "sites": len({s["site"] for s in sites.values()}),
        "cluster_sizes": dict(sorted(Counter(Counter(d["label"]["story"] for d in docs).values()).items())),
        "edits": dict(sorted(edit_counts.items())), "noise": dict(sorted(noise_counts.items())),
        "on_origin_site": sum(1 for d in docs if d["label"]["on_origin_site"]),
    }
    (out / "stats.json").write_text(json.dumps(stats, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    return stats


def write_docs(out: Path, docs: list[dict]) -> None:
    """txt/, corpus.jsonl and labels.jsonl of a set, in doc id order (a rerun leaves exactly its files)."""
    docs.sort(key=lambda d: d["corpus"]["id"])
    (out / "txt").mkdir(parents=True, exist_ok=True)
    for old in (out / "txt").glob("*.txt"):
        old.unlink()
    with (out / "corpus.jsonl").open("w", encoding="utf-8") as fc, (out / "labels.jsonl").open("w", encoding="utf-8") as fl:
        for d in docs:
            fc.write(json.dumps(d["corpus"], ensure_ascii=False) + "\n")
            fl.write(json.dumps(d["label"], ensure_ascii=False) + "\n")
            (out / "txt" / f"{d['corpus']['id']}.txt").write_bytes(d["corpus"]["text"].encode("utf-8"))


def hash_int(s: str) -> int:
    return int(hashlib.sha256(s.encode()).hexdigest()[:8], 16)


def cli(make_set, doc: str, name: str, seed: int) -> None:
    """The command line of a set generator: --eval, --out (benchmarks/_work/NAME), --seed."""
    ap = argparse.ArgumentParser(description=doc.splitlines()[0])
    ap.add_argument("--eval", default=str(ROOT.parent / "shared" / "eval"))
    ap.add_argument("--out", default=str(ROOT / "benchmarks" / "_work" / name))
    ap.add_argument("--seed", type=int, default=seed)
    args = ap.parse_args()
    print(json.dumps(make_set(Path(args.eval), Path(args.out), args.seed), indent=1))


if __name__ == "__main__":
    cli(make, __doc__, "syndication2", 20261204)
