"""Synthetic-but-realistic news corpora for the scale benchmarks.

Article text comes from a word bigram model trained on real news bodies (the
AEB gold bodies in ../shared/eval when present, else the samples), so word
frequencies and sentence lengths look like news; every article is distinct.
Each document is wrapped in one of a few site templates (header, menu, "See
also" lines, footer, cookie banner), and a share of the stories is
republished by other sites with small edits, so the near-duplicate stage has
real work to do.
"""
from __future__ import annotations

import json
import random
import re
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EVAL = ROOT.parent / "shared" / "eval"


def training_text() -> str:
    gold = EVAL / "aeb" / "ground-truth.json"
    if gold.exists():
        data = json.loads(gold.read_text())
        return "\n".join(v["articleBody"] for v in data.values())
    return "\n".join(p.read_text() for p in sorted((ROOT / "samples").rglob("*.txt")))


class Bigrams:
    def __init__(self, text: str) -> None:
        words = re.findall(r"[A-Za-z][A-Za-z'’-]*[.,]?|\d+[.,]?", text)
        self.next: dict[str, list[str]] = defaultdict(list)
        for a, b in zip(words, words[1:]):
            self.next[a].append(b)
        self.starts = [w for w in self.next if w[:1].isupper() and not w.endswith((".", ","))] or ["The"]

    def sentence(self, rng: random.Random) -> str:
        word = rng.choice(self.starts)
        out = [word]
        for _ in range(rng.randint(12, 30)):
            choices = self.next.get(word)
            if not choices:
                break
            word = rng.choice(choices)
            out.append(word)
            if word.endswith(".") and len(out) > 8:
                break
        text = " ".join(out).rstrip(",")
        return text if text.endswith(".") else text + "."

    def article(self, rng: random.Random, paragraphs: int) -> list[str]:
        return [" ".join(self.sentence(rng) for _ in range(rng.randint(2, 4))) for _ in range(paragraphs)]


SITES = [f"The {name} {kind}" for name in ("Riverside", "Northgate", "Harbour", "Valley", "Summit", "Lakeshore", "Pinewood", "Eastfield")
         for kind in ("Herald", "Courier", "Gazette", "Times", "Post")]


def page(site: str, title: str, paragraphs: list[str], others: list[str], rng: random.Random) -> str:
    body: list[str] = []
    for i, p in enumerate(paragraphs):
        body.append(p)
        if i == 1 and others:
            body.append(f"See also  {others[0]}")
    lines = [site, "Home | News | Sport | Business | Opinion", "", title, "", *[x for p in body for x in (p, "")],
             "Share this article", "", "Related stories", *others[1:4], "", f"© 2025 {site}. All rights reserved.",
             "We use cookies to improve your experience. Accept"]
    return "\n".join(lines) + "\n"


def build(n_docs: int, seed: int = 7, copy_share: float = 0.2) -> list[dict]:
    """``n_docs`` records {id, site, text}; about ``copy_share`` of them are copies of other stories."""
    rng = random.Random(seed)
    model = Bigrams(training_text())
    titles: list[str] = []
    stories: list[tuple[str, list[str]]] = []
    records = []
    while len(records) < n_docs:
        if stories and rng.random() < copy_share:
            title, paras = rng.choice(stories)
            paras = paras[: max(2, len(paras) - rng.randint(0, 2))]  # copies drop trailing paragraphs
        else:
            title = model.sentence(rng).rstrip(".")[:90]
            paras = model.article(rng, rng.randint(4, 9))
            stories.append((title, paras))
            titles.append(title)
        site = rng.choice(SITES)
        others = rng.sample(titles, k=min(4, len(titles)))
        records.append({"id": f"doc{len(records):06d}", "site": site, "text": page(site, title, paras, others, rng)})
    return records
