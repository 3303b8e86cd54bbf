"""Signatures: bit-identical to datasketch, normalisation, shingles, XXH32."""
from __future__ import annotations

import random

import numpy as np
import pytest
import xxhash
from datasketch import LeanMinHash, MinHash, MinHashLSH

from cleaner.neardup.lsh import band_keys, candidate_pairs, lsh_params
from cleaner.neardup.minhash import (
    EMPTY_HASH,
    sign_texts,
    signatures,
    to_datasketch,
    xxh32_hashfunc,
    xxh32_ranges,
)
from cleaner.neardup.shingles import ShingleBatch, normalise, normalise_batch, normalise_bytes, shingle_bytes

TEXTS = [
    "The council voted 7-2 on Tuesday to approve the plan, officials said.",
    "The Council voted 7–2 on Tuesday to approve the “plan”, officials said!",
    "",
    "   \n\t ",
    "one",
    "two words",
    "Straße ΣΊΣΥΦΟΣ naïve café — ‘quoted’ … done",
    "東京都は月曜日、新しい計画を発表した。計画は来年から始まる。",
    "서울시는 월요일 새로운 계획을 발표했다",
    "Zero\u200bwidth and non\u00a0breaking spaces, tabs\tand\nnewlines\n\nend",
    "snake_case and e-mail@example.com and 3.14 and C++ and #hashtag",
    "x\x00y NUL inside",
    " ".join(f"word{i}" for i in range(400)),
]


def test_normalise_folds_case_punctuation_and_space():
    assert normalise("The  “Plan”—approved!\nYes") == "the plan approved yes"
    assert normalise("Straße") == "strasse"
    assert normalise("--- !!! ") == ""
    # quote and dash variants of one sentence normalise alike
    assert normalise(TEXTS[0]) == normalise(TEXTS[1])


def test_batch_normalisation_equals_per_text():
    buffer = normalise_batch(TEXTS)
    assert buffer.tobytes() == b"".join(normalise_bytes(t) + b"\x00" for t in TEXTS)


def test_unspaced_scripts_become_character_tokens():
    tokens = normalise(TEXTS[7]).split(" ")
    assert "東" in tokens and "京" in tokens


@pytest.mark.parametrize("ngram", [1, 3, 5])
def test_shingle_batch_matches_reference_shingles(ngram):
    normals = [normalise_bytes(t) for t in TEXTS]
    batch = ShingleBatch.from_normals(normals, ngram)
    for d, normal in enumerate(normals):
        got = [batch.shingle(k) for k in range(batch.first[d], batch.first[d] + batch.counts[d])]
        assert got == shingle_bytes(normal, ngram)


def test_short_text_is_one_shingle_and_empty_has_none():
    assert shingle_bytes(b"a b", 5) == [b"a b"]
    assert shingle_bytes(b"", 5) == []
    assert shingle_bytes(b"a b c", 2) == [b"a b", b"b c"]


@pytest.mark.parametrize("seed", [0, 1, 123456789])
def test_xxh32_ranges_equals_xxhash(seed):
    rng = random.Random(seed)
    pieces = [bytes(rng.randrange(256) for _ in range(n)) for n in list(range(70)) + [rng.randrange(200) for _ in range(50)]]
    buffer = np.frombuffer(b"".join(pieces), dtype=np.uint8)
    lengths = np.array([len(p) for p in pieces], dtype=np.int64)
    starts = np.concatenate(([0], np.cumsum(lengths)[:-1]))
    got = xxh32_ranges(buffer, starts, lengths, seed)
    want = np.array([xxhash.xxh32_intdigest(p, seed=seed) for p in pieces], dtype=np.uint32)
    assert np.array_equal(got, want)


@pytest.mark.parametrize("num_perm,seed,ngram", [(128, 1, 5), (64, 7, 3), (256, 42, 1)])
def test_signatures_bit_identical_to_datasketch(num_perm, seed, ngram):
    sigs = signatures(TEXTS, num_perm=num_perm, seed=seed, ngram=ngram)
    assert sigs.dtype == np.uint32 and sigs.shape == (len(TEXTS), num_perm)
    for text, sig in zip(TEXTS, sigs):
        m = MinHash(num_perm=num_perm, seed=seed, hashfunc=xxh32_hashfunc(seed))
        m.update_batch(shingle_bytes(normalise_bytes(text), ngram))
        assert np.array_equal(m.hashvalues, sig), text[:40]


def test_signatures_do_not_depend_on_batching():
    whole = signatures(TEXTS * 3, batch_size=1000)
    assert np.array_equal(whole, signatures(TEXTS * 3, batch_size=1))
    assert np.array_equal(whole, signatures(TEXTS * 3, batch_size=7))


def test_empty_text_has_empty_signature_and_size_zero():
    sigs, sizes = sign_texts(["", "some words here", "!!"])
    assert (sigs[0] == EMPTY_HASH).all() and (sigs[2] == EMPTY_HASH).all()
    assert sizes.tolist() == [0, 1, 0]


def test_leanminhash_and_minhashlsh_interop():
    base = " ".join(f"w{i}" for i in range(300))
    copy = base.replace("w150", "changed")
    other = " ".join(f"v{i}" for i in range(300))
    sigs = signatures([base, copy, other])
    lean = [to_datasketch(s, seed=1, lean=True) for s in sigs]
    assert all(isinstance(m, LeanMinHash) for m in lean)
    assert lean[0].jaccard(lean[1]) == np.count_nonzero(sigs[0] == sigs[1]) / sigs.shape[1]
    # serialisation round trip keeps the values
    buf = bytearray(lean[0].bytesize())
    lean[0].serialize(buf)
    assert np.array_equal(LeanMinHash.deserialize(buf).hashvalues, sigs[0])
    # a datasketch MinHash built the datasketch way is interchangeable with ours
    ours = to_datasketch(sigs[1], seed=1)
    theirs = MinHash(num_perm=128, seed=1, hashfunc=xxh32_hashfunc(1))
    theirs.update_batch(shingle_bytes(normalise_bytes(copy), 5))
    assert ours.jaccard(theirs) == 1.0
    lsh = MinHashLSH(threshold=0.5, num_perm=128)
    lsh.insert("base", lean[0])
    lsh.insert("other", lean[2])
    assert lsh.query(theirs) == ["base"]


def test_band_candidates_match_datasketch_buckets():
    rng = random.Random(5)
    words = [f"t{i}" for i in range(500)]
    texts = []
    for _ in range(40):
        start = rng.randrange(200)
        texts.append(" ".join(words[start : start + rng.randrange(60, 250)]))
    sigs = signatures(texts)
    bands, rows = lsh_params(0.5, 128)
    ci, cj = candidate_pairs(band_keys(sigs, bands, rows))
    ours = set(zip(ci.tolist(), cj.tolist()))
    lsh = MinHashLSH(num_perm=128, params=(bands, rows))
    for k, s in enumerate(sigs):
        lsh.insert(k, to_datasketch(s, seed=1, lean=True))
    theirs = set()
    for k, s in enumerate(sigs):
        for other in lsh.query(to_datasketch(s, seed=1, lean=True)):
            if other != k:
                theirs.add((min(k, other), max(k, other)))
    assert ours == theirs
