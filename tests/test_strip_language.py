"""Language detection (cleaner.strip.language) and where a document's language comes from."""
from __future__ import annotations

from cleaner.records import Document
from cleaner.strip import StripOptions, prepare_document
from cleaner.strip.language import SAMPLE_CHARS, base_language, detect_language, sample
from cleaner.strip.segment import count_words

GERMAN = ("Der Stadtrat hat am Dienstagabend beschlossen, die stillgelegte Bahnstrecke in einen "
          "Wanderweg umzubauen. Die Arbeiten sollen im kommenden Frühjahr beginnen.")
FRENCH = ("Le conseil municipal a décidé mardi soir de transformer l'ancienne voie ferrée en un "
          "sentier de randonnée. Les travaux doivent commencer au printemps prochain.")


def test_detects_common_languages():
    assert detect_language(GERMAN) == "de"
    assert detect_language(FRENCH) == "fr"
    assert detect_language("Городской совет во вторник решил превратить старую железную дорогу в пешеходную тропу.") == "ru"
    assert detect_language("市议会周二晚上决定把废弃的铁路改建成一条步行道，工程将于明年春天开始。") == "zh"


def test_unsure_is_none():
    assert detect_language("") is None
    assert detect_language(None) is None
    assert detect_language("OK") is None
    assert detect_language("12345 67890 12345 67890 12345 67890 !!!") is None


def test_deterministic():
    assert len({detect_language(FRENCH + " " + GERMAN[:40]) for _ in range(5)}) == 1


def test_prose_lines_outweigh_menu_lines():
    # a long page whose many short lines are English labels, whose prose is German
    menu = "\n".join(["Home", "News", "Sport", "Login", "Share", "Subscribe", "Contact us"] * 80)
    assert len(menu) > 2 * SAMPLE_CHARS
    assert detect_language(menu + "\n" + GERMAN + " " + GERMAN) == "de"
    assert GERMAN in sample(menu + "\n" + GERMAN)


def test_cjk_lines_are_counted_by_characters():
    # the one word count of the text stage (documented in cleaner.strip.language): a CJK sentence
    # is a sentence of many words, not one
    assert count_words("three plain words") == 3
    assert count_words("市议会周二晚上决定把废弃的铁路改建成一条步行道，工程将于明年春天开始。") >= 10
    assert detect_language("市议会周二晚上决定把废弃的铁路改建成一条步行道，工程将于明年春天开始。") == "zh"


def test_base_language():
    assert base_language("en-GB") == "en"
    assert base_language("pt_BR") == "pt"
    assert base_language(" ") is None and base_language(None) is None


def test_detected_language_is_recorded_and_explicit_wins():
    doc = Document(id="d", content=GERMAN + "\n\n" + GERMAN, mode="text")
    assert prepare_document(doc).language == "de"
    assert prepare_document(doc, StripOptions(language="fr")).language == "fr"
    explicit = Document(id="d", content=GERMAN, mode="text", language="en")
    assert prepare_document(explicit).language == "en"


def test_html_detection_beats_template_lang_attribute():
    page = f"<html lang='en'><body><article><p>{GERMAN}</p><p>{GERMAN}</p></article></body></html>"
    assert prepare_document(Document(id="p", content=page, mode="html")).language == "de"
    # too little text to tell: the page's own attribute
    short = "<html lang='fr-FR'><body><p>Oui.</p></body></html>"
    assert prepare_document(Document(id="s", content=short, mode="html")).language == "fr"


MIXED = [GERMAN, FRENCH, "Городской совет во вторник решил превратить старую дорогу в тропу.",
         "市议会周二晚上决定把废弃的铁路改建成一条步行道。", "Home | News | Sport | Weather\nSign in",
         "The council voted on Tuesday to turn the disused railway into a footpath. " * 12, "!!! 123"]


def test_feature_walk_counts_what_py3langid_counts():
    from py3langid.langid import visit_counts

    from cleaner.strip.language import _identifier

    detector = _identifier()
    model = detector.identifier
    for text in MIXED + [""]:
        data = model._encode(text)
        theirs = visit_counts(model.tk_nextmove, model._rowbase, model.tk_output, data)
        ours = detector.walk.features(data)
        if theirs is None:
            assert ours is None
        else:
            assert list(zip(ours[0].tolist(), ours[1].tolist())) == list(theirs.items())  # first-seen order too
    assert not detector.walk.counts.any()  # every call leaves the counts zero for the next


def test_classify_decides_as_py3langid_does():
    from cleaner.strip.language import _identifier

    detector = _identifier()
    for text in MIXED:
        language, probability = detector.identifier.classify(text)
        ours = detector.classify(text)
        assert ours[0] == language and abs(ours[1] - probability) < 1e-4


def test_letter_count_is_str_isalpha_on_every_code_point():
    from cleaner.strip.langfeatures import letter_count

    every = "".join(chr(c) for c in range(0x110000) if not 0xD800 <= c < 0xE000)
    assert letter_count(every) == sum(ch.isalpha() for ch in every)
    assert letter_count("") == 0 and letter_count("ab1 ç市") == 4


def test_feature_walk_of_long_texts_walked_in_stretches():
    """Texts long enough to be walked in several stretches at once count what one walk counts."""
    from py3langid.langid import visit_counts

    from cleaner.strip.language import _identifier

    detector = _identifier()
    model = detector.identifier
    long_texts = ["\n".join(MIXED) * k for k in (1, 2, 5)] + [GERMAN * 7 + "x", "é" * 999, "ab" * 517]
    for text in long_texts:
        data = model._encode(text)
        assert len(data) >= 256
        theirs = visit_counts(model.tk_nextmove, model._rowbase, model.tk_output, data)
        ours = detector.walk.features(data)
        assert list(zip(ours[0].tolist(), ours[1].tolist())) == list(theirs.items())


def test_feature_walk_repairs_stretches_whose_start_needs_more_history():
    """An automaton whose state depends on the whole text so far (a count of "a" bytes modulo 3):
    a stretch's early start cannot fix it, and the walk re-walks the stretches from the true state."""
    import numpy as np

    from cleaner.strip.langfeatures import FeatureWalk

    nextmove = np.zeros((3, 256), dtype=np.uint32)
    for state in range(3):
        nextmove[state, :] = state
        nextmove[state, ord("a")] = (state + 1) % 3
    walk = FeatureWalk(nextmove.ravel(), list(range(3)), [-1, 0, 1])
    rng = np.random.default_rng(7)
    for n in (300, 1001, 4096):
        data = bytes(rng.choice([ord("a"), ord("b")], size=n).tolist())
        state, counts = 0, {}
        for letter in data:  # one walk from the start
            state = int(nextmove[state, letter])
            feature = [-1, 0, 1][state]
            if feature >= 0:
                counts[feature] = counts.get(feature, 0) + 1
        ours = walk.features(data)
        assert list(zip(ours[0].tolist(), ours[1].tolist())) == list(counts.items())
