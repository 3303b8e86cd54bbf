"""A warm run with the stage cache gives exactly what a cold run gives, whatever changed."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from cleaner.cache import StageCache, digest, stable_form
from cleaner.pipeline import RunOptions, run_paths

BODY = (
    "The {n} council met on Tuesday to discuss the new budget, which includes funds for road repairs and a library.\n\n"
    "Officials said the plan would be put to a public vote in the spring after a consultation with residents.\n\n"
)

SITE_LINE = "The Valley Gazette has served readers across the region as an independent newspaper since 1890."


def article(n: int, extra: str = "") -> str:
    return f"Story number {n} about the council budget\n\n" + BODY.format(n=n) + extra


def write(folder: Path, docs: dict[str, dict]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / "feed.jsonl", "w") as fh:
        for doc_id, rec in docs.items():  # new documents at the end: the others keep their line numbers
            fh.write(json.dumps({"id": doc_id, **rec}) + "\n")


def outputs(tmp: Path, name: str, inputs: Path, cache: Path | None) -> bytes:
    out = tmp / name
    run_paths([str(inputs)], out, RunOptions(cache=str(cache) if cache else None))
    return (out / "documents.jsonl").read_bytes() + (out / "clusters.jsonl").read_bytes()


def test_warm_equals_cold_after_adds_edits_and_deletes(tmp_path: Path) -> None:
    raw, cache = tmp_path / "raw", tmp_path / "cache"
    docs = {f"d{n}": {"site": "Site A" if n % 2 else "Site B", "text": article(n, "Subscribe to our daily briefing\n")} for n in range(6)}
    # Two pages of Site A carry a site line: below the support needed to call it boilerplate,
    # until three more pages of the site with the same line arrive (step 3).
    for n in (1, 3):
        docs[f"d{n}"]["text"] += "\n" + SITE_LINE + "\n"
    # d0 links to a story that is not in the corpus yet: once it is, the line is a "see also" link.
    # Its title has as many words as the other titles, so no new title length forces a full recompute.
    docs["d0"]["text"] += "\nDredging of the old harbour starts soon\n"
    steps = [
        lambda d: None,
        lambda d: d.update({"new": {"site": "Site C", "text": "Dredging of the old harbour starts soon\n\n" + BODY.format(n=99)}}),
        lambda d: d["d1"].update({"text": d["d1"]["text"] + "Share on Facebook\n"}),
        lambda d: d.update({f"a{n}": {"site": "Site A", "text": article(100 + n, SITE_LINE + "\n")} for n in range(3)}),
        lambda d: d.pop("new"),
        lambda d: d.pop("a0"),
    ]
    for i, step in enumerate(steps):
        step(docs)
        write(raw, docs)
        warm = outputs(tmp_path, f"warm{i}", raw, cache)
        cold = outputs(tmp_path, f"cold{i}", raw, None)
        assert warm == cold, f"step {i}"


def test_stable_form_ignores_set_and_dict_order() -> None:
    assert digest({"a": 1, "b": {3, 1, 2}}) == digest({"b": {2, 3, 1}, "a": 1})
    assert stable_form((1, "x")) == [1, "x"]


def test_stage_cache_round_trip_and_prune(tmp_path: Path) -> None:
    cache = StageCache(tmp_path)
    cache.put_many("s", {"k1": {"v": 1}, "k2": [2]})
    assert cache.get_many("s", ["k1", "k3"]) == {"k1": {"v": 1}}
    assert cache.prune("s", keep=["k1"]) == 1
    assert cache.get_many("s", ["k2"]) == {}
    cache.close()


def test_warm_equals_cold_when_a_site_grows_past_the_prose_share(tmp_path: Path) -> None:
    # A prose line on 2 of a site's pages is template while the site has 20 pages; at 21 pages it needs 3.
    words = "alpha bravo charlie delta echo foxtrot golf hotel india juliet kilo lima mike november".split()
    line = "The council said it would publish the full report on its website early next month after the review."

    def corpus(n: int) -> dict[str, dict]:
        docs = {}
        for i in range(n):
            paras = [" ".join(words[(i * 7 + k * 3 + j) % len(words)] for j in range(30)).capitalize() + "." for k in range(4)]
            if i < 2:
                paras.insert(2, line)
            docs[f"d{i:02d}"] = {"site": "Site S", "title": f"Story number {i} about {words[i % 14]} things", "text": "\n\n".join(paras)}
        return docs

    raw, cache = tmp_path / "raw", tmp_path / "cache"
    for step, n in enumerate((20, 21)):
        write(raw, corpus(n))
        assert outputs(tmp_path, f"warm{step}", raw, cache) == outputs(tmp_path, f"cold{step}", raw, None), n


def test_cache_guesses_titles_as_an_uncached_run_does(tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    write(raw, {
        "a": {"site": "Daily Planet", "text": "Mayor Opens New Bridge Over River Today | Daily Planet\n\n"
              "The mayor opened the new bridge over the river on Tuesday morning in front of a large crowd of residents.\n\n"
              "Construction of the bridge took three years and cost the city about forty million dollars, officials said.\n"},
        "b": {"site": "Other Gazette", "title": "School Board Extends School Day", "text":
              "The school board voted on Monday night to extend the school day by thirty minutes starting next autumn.\n\n"
              "Mayor Opens New Bridge Over River Today\n\n"
              "Parents at the meeting were divided over whether the longer day would help pupils or only tire them out.\n"},
    })
    assert outputs(tmp_path, "warm", raw, tmp_path / "cache") == outputs(tmp_path, "cold", raw, None)


def test_cached_signatures_equal_fresh_ones(tmp_path: Path) -> None:
    import numpy as np

    from cleaner.cache import cached_signer
    from cleaner.neardup.minhash import sign_texts

    texts = [article(n) for n in range(5)] + ["", "short"]
    signer = cached_signer(StageCache(tmp_path))
    fresh = sign_texts(texts, 64, 1, 5)
    for _ in range(2):  # cold, then every signature from the cache
        sigs, sizes = signer(texts, 64, 1, 5)
        assert np.array_equal(sigs, fresh[0]) and np.array_equal(sizes, fresh[1])
    assert not np.array_equal(signer(texts, 64, 2, 5)[0], fresh[0])  # another seed is another key


def test_known_pairs_are_not_measured_again_and_measure_the_same(tmp_path: Path, monkeypatch) -> None:
    import numpy as np

    from cleaner.cache import cached_sketcher
    from cleaner.neardup import DedupParams
    from cleaner.neardup import sign as sign_module

    texts = [article(n) for n in range(6)] + [article(1) + "\n\nOne more closing line about the bridge.", ""]
    params = DedupParams()
    i, j = np.triu_indices(len(texts), k=1)
    fresh = sign_module.pair_overlap(sign_module.sketch_with(texts, params), i, j)
    first = cached_sketcher(StageCache(tmp_path))
    assert all(np.array_equal(a, b) for a, b in zip(sign_module.pair_overlap(first(texts, params), i, j), fresh))
    first.save()
    calls = []
    real = sign_module.sample_overlap
    monkeypatch.setattr(sign_module, "sample_overlap", lambda *a: calls.append(1) or real(*a))
    again = cached_sketcher(StageCache(tmp_path))
    texts[3] = article(9)  # one text changed: only its pairs are measured
    order = [7, 6, 5, 4, 3, 2, 1, 0]  # and rows in another order: pairs are named by the rows' texts
    sk = again(texts, params)
    ii, jj = np.array(order)[i], np.array(order)[j]
    got = sign_module.pair_overlap(sk, ii, jj)
    want = sign_module.pair_overlap(sign_module.sketch_with(texts, params), ii, jj)
    assert all(np.array_equal(a, b) for a, b in zip(got, want))
    assert len(calls) == int(np.count_nonzero((ii == 3) | (jj == 3))) + i.size  # the changed row's pairs, then `want`


@pytest.mark.parametrize("known", [(b"x" * 33, b"", b""), (b"x" * 32, b"y" * 8, b""), None])
def test_a_damaged_pair_snapshot_knows_nothing(known) -> None:
    import numpy as np

    from cleaner.neardup.sign import PairMemo

    memo = PairMemo(np.zeros((2, 2), np.uint64), known)
    jac, cont = np.zeros(1), np.zeros(1)
    assert not memo.lookup(memo.codes(np.array([0]), np.array([1])), jac, cont).any()
