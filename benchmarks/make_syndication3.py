"""Make ``syndication3``: a third syndicated check set, made differently from the other two.

Usage::

    python benchmarks/make_syndication3.py [--eval ../shared/eval] [--out benchmarks/_work/syndication3] [--seed 20261206]

Deterministic: the same seed gives byte-identical files (``random.Random(seed)``
only, choices in a fixed order, no clocks, no hash order). The data is not
committed (``benchmarks/_work/`` is git-ignored); this generator is. It is a
*check* set: decide a mechanism on syndication-dev or syndication2, then look
here. How it differs from them:

* **Pages are built in HTML and flattened by a scraper**, not assembled from
  pre-flattened noise lines: the story is put into the real HTML template of an
  AEB page (``../shared/eval/aeb/html``; the article container is the XPath in
  ``syndication-dev/sites.json``), and the whole page is flattened by one of two
  scrapers fixed per site: ``resiliparse`` (``extract_plain_text`` of the
  whole page, ``main_content=False``: what CommonCrawl-style pipelines keep) or
  ``get_text`` (every text node of the DOM on its own line, stripped, as
  BeautifulSoup's ``get_text("\\n", strip=True)`` does; links inside a menu
  line become lines of their own). syndication-dev used inscriptis on the same
  templates, syndication2 inscriptis on the readability templates. The body
  itself is put in by text after flattening (a marker paragraph in the
  container), so the republisher's layout (hard wrap, blank lines, CRLF) is
  exact.
* **Few sites, many stories each**: 48 sites (one template per host, drawn
  from the templates whose container holds their article and whose page keeps
  little of its own story once the container is emptied); every site carries
  stories of its own: pairs of *different* stories on one site share the
  whole template (the hard negatives of a near-duplicate detector).
* **Stories** = AEB ground-truth bodies (paragraphs on newlines; at least 4
  paragraphs and 120 words, at most 40 paragraphs kept), titled with
  syndication-dev's ``sites.json`` ``story_title``.
* **Copies**: 35% of the stories one copy, the others 2-10 (weights 22, 18,
  15, 12, 10, 8, 6, 5, 4). Copies are on different sites, except that with
  probability 0.06 a story gets one more copy on a site it is already on (the
  same wire story published twice, lightly edited: ``same_site_repeat``). For
  half of the stories the first copy is the original (``on_origin_site``) and
  is unedited.
* **Edits** (per copy that is not the original: one *main* edit uniformly,
  a second with probability 0.3; counts in ``stats.json``):
  ``hard_wrap`` (72-80 columns, blank line between paragraphs),
  ``preview`` (first 3-5 paragraphs of prose + a ``Continue reading … at
  <site>`` line, not in clean_text),
  ``truncate`` (cut mid-sentence after 30-60% of the words, ``…`` appended),
  ``swap_paragraphs``, ``drop_sentence``,
  ``number_format`` (5% / 5 percent / 5 per cent / 5 pc, 12,000 / 12000,
  $5 million / $5m / $5mn / US$5 million),
  ``spelling`` (British <-> American with this generator's own *rules* on
  word endings - -our/-or, -ise/-ize and inflections, -re/-er, -ll-/-l-,
  -ogue/-og, -ence/-ense - applied to the words of a small stem list written
  here, independently of cleaner's table),
  ``editor_note`` (an editor's note / correction / update paragraph at the
  start or end; part of clean_text),
  ``none``.
  On top, independently: dateline prefix added or changed (25%; in
  clean_text), a byline line under the title (40%; not in clean_text),
  straight <-> curly quotes and dashes (30%), headline variants (unchanged,
  ``Title | Site``, upper case, shortened, or *rewritten* from the lede's
  first words), CRLF line endings for the whole file (15%).
* **Inline noise** (per copy; kinds in ``labels.noise``): ``advertisement``
  lines, ``read_more`` (``Read more: <other story of the site>`` between
  paragraphs), ``newsletter`` (a sign-up line after the body),
  ``share_bar`` (``Share`` + network names, above or below the body),
  ``related_block`` (a heading and 3-6 titles of other stories of the site).

Files, as in syndication-dev: ``txt/<docid>.txt``, ``corpus.jsonl``
(``{"id", "site", "url", "text"}``), ``labels.jsonl`` (``{"id", "story",
"clean_text", "title", "noise", "edits", "site_template", "on_origin_site",
"html": false, "scraper"}``; clean_text = the copy's body paragraphs after the
edits, a wrapped paragraph as one line, joined by ``"\\n"``), ``stats.json``.
"""
from __future__ import annotations

import gzip
import hashlib
import json
import random
import re
import sys
import textwrap
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))

from make_syndication2 import (  # noqa: E402
    cli,
    draw_main_edits,
    edit_drop_sentence,
    edit_spelling,
    edit_swap,
    edit_typography,
    grams,
    hash_int,
    keep_preview,
    write_docs,
)
from make_syndication2 import edit_numbers as edit_numbers_like_set2  # noqa: E402

_WORDS = re.compile(r"\w+")
N_SITES = 48
PROSE_WORDS = 20
MAIN_EDITS = ["hard_wrap", "preview", "truncate", "swap_paragraphs", "drop_sentence", "number_format", "spelling",
              "editor_note", "none"]
TITLE_MARK, BODY_MARK = "QQTITLEMARKQQ", "QQBODYMARKQQ"
_DROP_TAGS = ("script", "style", "noscript", "template", "svg", "iframe")
_BLOCK = {"address", "article", "aside", "blockquote", "dd", "div", "dl", "dt", "fieldset", "figcaption", "figure",
          "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr", "li", "main", "nav", "ol", "p",
          "pre", "section", "table", "td", "th", "tr", "ul", "br", "option", "select", "label", "button"}

# British spelling rules (stem -> (British ending set, American ending set)); written for this generator.
# Each stem takes the listed suffixes; the British and American forms differ in the ending only.
_OUR = ["colour", "favour", "honour", "labour", "neighbour", "behaviour", "humour", "harbour", "rumour", "flavour",
        "vapour", "endeavour", "savour", "armour", "parlour", "odour", "vigour", "valour", "rigour", "tumour"]
_ISE = ["organis", "realis", "recognis", "apologis", "criticis", "emphasis", "prioritis", "authoris", "summaris",
        "minimis", "maximis", "optimis", "utilis", "customis", "standardis", "finalis", "legalis", "mobilis",
        "normalis", "stabilis", "privatis", "modernis", "specialis", "capitalis", "characteris", "hospitalis",
        "penalis", "subsidis", "categoris", "globalis", "localis", "neutralis", "publicis", "visualis", "memoris"]
_RE = ["centre", "theatre", "metre", "litre", "fibre", "calibre", "spectre", "sombre", "meagre", "lustre"]
_LL = ["travell", "cancell", "modell", "label", "fuell", "signall", "channell", "tunnell", "marshall", "levell",
       "counsell", "totall", "equall", "dial", "panell", "quarrell", "rivall", "jewell"]
_ENCE = [("defence", "defense"), ("offence", "offense"), ("licence", "license"), ("pretence", "pretense")]
_OGUE = ["catalogue", "dialogue", "analogue", "monologue", "prologue"]
_MISC = [("grey", "gray"), ("tyre", "tire"), ("aluminium", "aluminum"), ("programme", "program"), ("cheque", "check"),
         ("manoeuvre", "maneuver"), ("paediatric", "pediatric"), ("oestrogen", "estrogen"), ("sceptical", "skeptical"),
         ("ageing", "aging"), ("judgement", "judgment"), ("plough", "plow"), ("mould", "mold"), ("draught", "draft"),
         ("kerb", "curb"), ("pyjamas", "pajamas"), ("artefact", "artifact"), ("sulphur", "sulfur")]


def spelling_pairs() -> dict[str, str]:
    """British -> American word forms made from the stems and ending rules above."""
    pairs: dict[str, str] = {}
    for s in _OUR:
        am = s[:-2] + "r"
        for suf in ("", "s", "ed", "ing", "ful", "able", "ite", "ites", "ly"):
            pairs[s + suf] = am + suf
    for s in _ISE:
        am = s[:-1] + "z"
        for suf in ("e", "es", "ed", "ing", "ation", "ations", "er", "ers"):
            pairs[s + suf] = am + suf
    for s in _RE:
        am = s[:-2] + "er"
        for suf in ("", "s", "d"):
            pairs[s + suf] = am + suf
    for s in _LL:
        br = s if s.endswith("ll") else s + "l"
        am = br[:-1]
        for suf in ("ed", "ing", "er", "ers", "or", "ors"):
            pairs[br + suf] = am + suf
    for br, am in _ENCE + _MISC:
        pairs[br] = am
        pairs[br + "s"] = am + "s"
    for s in _OGUE:
        pairs[s] = s[:-2]
        pairs[s + "s"] = s[:-2] + "s"
    return {b: a for b, a in pairs.items() if b != a}


FIRST = ["Alex", "Sam", "Jordan", "Morgan", "Casey", "Robin", "Jamie", "Taylor", "Avery", "Riley", "Quinn", "Drew"]
LAST = ["Harlow", "Okafor", "Lindqvist", "Moreau", "Castellano", "Brandt", "Nakamura", "Osei", "Petrov", "Whitfield"]
DATELINES = ["LONDON (Global Wire) — ", "CHICAGO — ", "MADRID (NewsLine) - ", "TOKYO, June 9 (Agency) - ",
             "(Wire Report) — ", "NAIROBI — ", "OTTAWA (Canadian Desk) — ", "BRUSSELS (EuroWire) – "]
_DATELINE = re.compile(r"^(?:[A-Z][A-Z .,']{2,40}(?:,? [A-Z][a-z]{2,8}\.? \d{1,2})?\s*)?(?:\([^)]{2,40}\))?\s*[—–-]{1,2}\s+")
NOTES = ["Editor's note: This story has been updated with comment from the company.",
         "Correction: An earlier version of this article misstated the date of the announcement.",
         "Update: This article was updated to include additional details from officials.",
         "Editor’s note: Some quotes have been lightly edited for length and clarity.",
         "This article has been updated to reflect new information."]
ADS = ["ADVERTISEMENT", "Advertisement - scroll to continue reading", "Story continues below", "Sponsored"]
READ_MORE = ["Read more: {t}", "READ MORE: {t}", "Related: {t}", "Also read — {t}"]
NEWSLETTER = ["Sign up for our morning newsletter to get the day's top stories.",
              "Get the latest headlines delivered to your inbox. Subscribe now",
              "Want more stories like this? Join our free newsletter."]
SHARE = ["Share\nFacebook\nTwitter\nEmail", "Share this article: Facebook | X | LinkedIn | Email",
         "Share on Facebook Share on Twitter Copy link"]
RELATED_HEAD = ["You may also like", "More stories", "Trending now", "Popular on {site}"]
CONTINUE = ["Continue reading … at {site}", 'Continue reading "{title}" on {site}', "Read the full article at {site} »",
            "Keep reading at {site}"]


# -- scrapers ----------------------------------------------------------------

def flatten_resiliparse(html: str) -> str:
    from resiliparse.extract.html2text import extract_plain_text

    return extract_plain_text(html, main_content=False, alt_texts=False, links=False)


def flatten_get_text(tree) -> str:
    """Every text node on its own line, stripped, empty ones dropped (BeautifulSoup's
    ``get_text("\\n", strip=True)``)."""
    out = []
    for el in tree.iter():
        if not isinstance(el.tag, str):
            if el.tail and el.tail.strip():
                out.append(el.tail.strip())
            continue
        if el.text and el.text.strip():
            out.append(el.text.strip())
        if el.tail and el.tail.strip():
            out.append(el.tail.strip())
    return "\n".join(re.sub(r"\s+", " ", x) for x in out)


def page_template(html: str, container: str, title: str, scraper: str) -> tuple[list[str], list[str]] | None:
    """(header lines, footer lines) of a template: the page flattened by the scraper with its
    article container holding only a title and a body marker; None when the markers are lost."""
    import lxml.html

    tree = lxml.html.document_fromstring(html)
    for bad in tree.xpath("//" + " | //".join(_DROP_TAGS)):
        bad.drop_tree()
    found = tree.xpath(container)
    if not found:
        return None
    box = found[0]
    for child in list(box):
        box.remove(child)
    box.text = None
    # headings outside the container that repeat the template's own headline
    tg = set(grams(title))
    for h in tree.xpath("//h1 | //h2"):
        g = grams(h.text_content())
        if g and tg and sum(1 for x in g if x in tg) >= 0.5 * len(g):
            h.drop_tree()
    h1 = lxml.html.Element("h1")
    h1.text = TITLE_MARK
    p = lxml.html.Element("p")
    p.text = BODY_MARK
    box.append(h1)
    box.append(p)
    if scraper == "resiliparse":
        text = flatten_resiliparse(lxml.html.tostring(tree, encoding="unicode"))
    else:
        body = tree.find("body")
        text = flatten_get_text(body if body is not None else tree)
    lines = [line.strip() for line in text.split("\n")]
    try:
        ti = next(k for k, line in enumerate(lines) if TITLE_MARK in line)
        bi = next(k for k, line in enumerate(lines) if BODY_MARK in line)
    except StopIteration:
        return None
    if bi < ti:
        return None

    def tidy(block: list[str]) -> list[str]:
        out: list[str] = []
        for line in block:
            if line or (out and out[-1]):
                out.append(line)
        while out and not out[-1]:
            out.pop()
        return out

    return tidy(lines[:ti]), tidy(lines[bi + 1 :])


# -- edits -------------------------------------------------------------------

_PERCENT = re.compile(r"(\d)(?:\s?%|\s+percent\b|\s+per\s+cent\b|\s?pc\b)")
_THOUSANDS = re.compile(r"\b(\d{1,3})(?:,(\d{3}))+\b")
_PLAIN_THOUSANDS = re.compile(r"(?<![\d.,$£€])(\d{5,7})(?![\d.,])")
_MONEY = re.compile(r"(US\$|[$£€])(\d+(?:\.\d+)?)\s?(million|billion|m|bn|mn)\b")


def edit_numbers(paras: list[str], rng: random.Random) -> bool:
    """syndication2's number edit, with more forms: "5pc" and "US$5 million"."""
    return edit_numbers_like_set2(paras, rng, percents=("%", " percent", " per cent", "pc"),
                                  moneys=("long", "short", "mn", "us"),
                                  patterns=(_PERCENT, _THOUSANDS, _PLAIN_THOUSANDS, _MONEY))


def edit_truncate(paras: list[str], rng: random.Random) -> bool:
    words = [len(p.split()) for p in paras]
    total = sum(words)
    if total < 150 or len(paras) < 3:
        return False
    goal = int(total * rng.uniform(0.3, 0.6))
    run = 0
    for k, n in enumerate(paras):
        if run + words[k] > goal and k >= 1:
            toks = paras[k].split()
            cut = max(3, min(len(toks) - 2, goal - run))
            if cut >= len(toks) - 1:
                del paras[k + 1 :]
                return True
            paras[k] = " ".join(toks[:cut]).rstrip(",;:") + "…"
            del paras[k + 1 :]
            return True
        run += words[k]
    return False


def edit_dateline(paras: list[str], rng: random.Random) -> str:
    prefix = rng.choice(DATELINES)
    m = _DATELINE.match(paras[0])
    if m and m.end() < 60:
        paras[0] = prefix + paras[0][m.end() :]
        return "changed"
    paras[0] = prefix + paras[0]
    return "added"


def title_variant(title: str, site: str, paras: list[str], rng: random.Random, origin: bool) -> tuple[str, str]:
    kinds = ["unchanged", "suffix_bar"] + ([] if origin else ["upper", "shortened", "rewritten", "rewritten"])
    kind = rng.choice(kinds)
    if kind == "suffix_bar":
        return f"{title} | {site}", kind
    if kind == "upper":
        return title.upper(), kind
    if kind == "shortened":
        words = title.split()
        return (" ".join(words[: max(3, len(words) * 2 // 3)]) if len(words) > 5 else title), kind
    if kind == "rewritten":  # the lede's first words as the headline
        lede = re.split(r"(?<=[.!?])\s", paras[0], maxsplit=1)[0].split()
        return " ".join(lede[: rng.randint(7, 11)]).rstrip(",;:—-"), kind
    return title, kind


def make(eval_dir: Path, out: Path, seed: int) -> dict:
    aeb = eval_dir / "aeb"
    gt = json.loads((aeb / "ground-truth.json").read_text(encoding="utf-8"))
    sites_info = json.loads((eval_dir / "syndication-dev" / "sites.json").read_text(encoding="utf-8"))
    names = sorted(gt)
    rng = random.Random(seed)
    # -- sites: one template per host, its container emptied, little of its own story left
    by_host: dict[str, list[str]] = {}
    for name in names:
        if name in sites_info and sites_info[name]["container_f1"] >= 0.9:
            by_host.setdefault(sites_info[name]["host"], []).append(name)
    hosts = sorted(by_host)
    rng.shuffle(hosts)
    sites: dict[str, dict] = {}
    for host in hosts:
        if len(sites) >= N_SITES:
            break
        tpl = sorted(by_host[host])[0]
        info = sites_info[tpl]
        scraper = "resiliparse" if hash_int(f"{seed}:{host}") % 2 else "get_text"
        html = gzip.open(aeb / "html" / f"{tpl}.html.gz", "rt", encoding="utf-8").read()
        parts = page_template(html, info["container"], info["story_title"], scraper)
        if parts is None:
            continue
        header, footer = parts
        own = set(grams(gt[tpl]["articleBody"]))
        noise = set(grams("\n".join(header + footer)))
        if own and len(own & noise) > 0.1 * len(own):
            continue  # the template shows its own story outside the container
        sites[tpl] = {"site": info["name"], "host": info["host"], "header": header, "footer": footer, "scraper": scraper}
    templates = sorted(sites)
    # -- stories
    stories = []
    for name in names:
        paras = [p.strip() for p in gt[name]["articleBody"].split("\n") if p.strip()]
        if len(paras) < 4 or sum(len(p.split()) for p in paras) < 120:
            continue
        stories.append({"story": name, "paras": paras[:40], "title": sites_info[name]["story_title"]})
    sizes = [1 if rng.random() < 0.35 else rng.choices(range(2, 11), weights=[22, 18, 15, 12, 10, 8, 6, 5, 4])[0]
             for _ in stories]
    placements = []
    for st, n in zip(stories, sizes):
        others = list(templates)
        rng.shuffle(others)
        chosen = others[: min(n, len(others))]
        repeat = len(chosen) >= 1 and rng.random() < 0.06
        placements.append((rng.random() < 0.5, chosen, repeat))
    on_site: dict[str, list[str]] = {}
    for st, (_, chosen, _) in zip(stories, placements):
        for tpl in chosen:
            on_site.setdefault(tpl, []).append(st["title"])
    docs = []
    edit_counts: Counter = Counter()
    noise_counts: Counter = Counter()
    for si, (st, (on_origin, chosen, repeat)) in enumerate(zip(stories, placements)):
        origin_site = sites[chosen[0]]["site"]
        copies = [(tpl, False) for tpl in chosen] + ([(rng.choice(chosen), True)] if repeat else [])
        for ci, (tpl, is_repeat) in enumerate(copies):
            s = sites[tpl]
            site = s["site"]
            origin_copy = on_origin and ci == 0
            paras = list(st["paras"])
            edits: dict = {}
            wrap = preview = None
            if is_repeat:
                edits["same_site_repeat"] = True
                if rng.random() < 0.5:
                    paras.append(rng.choice(NOTES))
                    edits["editor_note"] = "end"
            elif not origin_copy:
                for e in draw_main_edits(rng, MAIN_EDITS, 0.3):
                    done = True
                    if e == "hard_wrap":
                        wrap = rng.randint(72, 80)
                    elif e == "preview" and sum(1 for p in paras if len(p.split()) >= PROSE_WORDS) >= 7:
                        preview = rng.randint(3, 5)
                    elif e == "preview":
                        done = False
                    elif e == "truncate":
                        done = preview is None and edit_truncate(paras, rng)
                    elif e == "swap_paragraphs":
                        done = edit_swap(paras, rng)
                    elif e == "number_format":
                        done = edit_numbers(paras, rng)
                    elif e == "drop_sentence":
                        done = edit_drop_sentence(paras, rng)
                    elif e == "spelling":
                        done = edit_spelling(paras, rng, list(spelling_pairs().items()))
                    elif e == "editor_note":
                        where = rng.choice(["start", "end"])
                        note = rng.choice(NOTES)
                        if where == "start":
                            paras.insert(0, note)
                        else:
                            paras.append(note)
                        edits[e] = where
                        continue
                    if not done and e != "none":
                        e = "drop_sentence" if edit_drop_sentence(paras, rng) else "none"
                    edits[e] = wrap if e == "hard_wrap" else (preview if e == "preview" else True)
                if rng.random() < 0.3 and edit_typography(paras, rng, (" - ", " -- ", " – ")):
                    edits["quotes_dashes"] = True
                if rng.random() < 0.25:
                    edits["dateline"] = edit_dateline(paras, rng)
            if preview:
                paras = keep_preview(paras, preview)
            if not edits:
                edits["none"] = True
            title, tkind = title_variant(st["title"], site, paras, rng, origin_copy)
            edits["title"] = tkind
            noise: list[str] = []
            blocks = [textwrap.fill(p, wrap) if wrap else p for p in paras]
            others = [t for t in on_site.get(tpl, []) if t != st["title"]]
            if rng.random() < 0.3 and len(blocks) > 2:
                blocks.insert(rng.randrange(1, len(blocks)), rng.choice(ADS))
                noise.append("advertisement")
            if others and rng.random() < 0.25 and len(blocks) > 3:
                blocks.insert(rng.randrange(2, len(blocks)), rng.choice(READ_MORE).format(t=rng.choice(others)))
                noise.append("read_more")
            if preview:
                blocks.append(rng.choice(CONTINUE).format(title=st["title"], site=origin_site))
                noise.append("continue_reading")
            head: list[str] = []
            if rng.random() < 0.4:
                name = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
                head.append(rng.choice([f"By {name}", f"By {name}, {site}", f"{name} | Staff writer", f"By {name.upper()}"]))
                edits["byline"] = True
            if rng.random() < 0.25:
                bar = rng.choice(SHARE)
                if rng.random() < 0.5:
                    head.append(bar)
                else:
                    blocks.append(bar)
                noise.append("share_bar")
            if rng.random() < 0.25:
                blocks.append(rng.choice(NEWSLETTER))
                noise.append("newsletter")
            tail: list[str] = []
            if len(others) >= 3 and rng.random() < 0.4:
                tail = [rng.choice(RELATED_HEAD).format(site=site)] + rng.sample(others, min(len(others), rng.randint(3, 6)))
                noise.append("related_block")
            joiner = "\n\n" if (wrap or hash_int(tpl) % 3) else "\n"
            text = "\n".join(s["header"]) + "\n\n" + title + "\n" + ("\n".join(head) + "\n" if head else "") + "\n"
            text += joiner.join(blocks)
            if tail:
                text += "\n\n" + "\n".join(tail)
            text += "\n\n" + "\n".join(s["footer"]) + "\n"
            if rng.random() < 0.15:
                text = text.replace("\n", "\r\n")
                edits["crlf"] = True
            doc_id = hashlib.sha256(f"s3:{seed}:{st['story']}:{ci}".encode()).hexdigest()[:12]
            slug = "-".join(_WORDS.findall(st["title"].lower())[:6]) or "story"
            for e in edits:
                if e != "title":
                    edit_counts[e] += 1
            edit_counts["title_" + tkind] += 1
            for k in noise:
                noise_counts[k] += 1
            docs.append({
                "corpus": {"id": doc_id, "site": site, "url": f"https://{s['host']}/{2019 + si % 5}/{slug}-{ci}", "text": text},
                "label": {"id": doc_id, "story": st["story"], "clean_text": "\n".join(paras), "title": title,
                          "noise": noise, "edits": edits, "site_template": tpl, "on_origin_site": origin_copy,
                          "html": False, "scraper": s["scraper"]},
            })
    write_docs(out, docs)
    stats = {
        "seed": seed, "docs": len(docs), "stories": len(stories), "sites": len(sites),
        "scrapers": dict(sorted(Counter(s["scraper"] for s in sites.values()).items())),
        "cluster_sizes": dict(sorted(Counter(Counter(d["label"]["story"] for d in docs).values()).items())),
        "edits": dict(sorted(edit_counts.items())), "noise": dict(sorted(noise_counts.items())),
        "on_origin_site": sum(1 for d in docs if d["label"]["on_origin_site"]),
        "header_lines_mean": round(sum(len(s["header"]) for s in sites.values()) / max(1, len(sites)), 1),
        "footer_lines_mean": round(sum(len(s["footer"]) for s in sites.values()) / max(1, len(sites)), 1),
    }
    (out / "stats.json").write_text(json.dumps(stats, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    return stats


if __name__ == "__main__":
    cli(make, __doc__, "syndication3", 20261206)
