"""The bytes path of the corpus evidence's line hash gives the regular expression's answer."""
from cleaner.strip.corpus import _MAX_LINE_CHARS, _hash, _key, _line_hash, line_hashes

LINES = [
    "AUTO NEWS", "  Share this: Facebook | Twitter  ", "Read more >>", "snake_case_words and_more", "",
    "---", "Tab\tseparated\x0bvertical", "Ünïcödé Überschrift – mit Strich", "日本語のニュース見出し",
    "x" * (_MAX_LINE_CHARS + 50) + " tail", "a" * (_MAX_LINE_CHARS - 1) + "é", "Mixed ASCII then ß at the end",
    "123 456, 7.89%", "\x1c\x1d control separators \x1f",
]


def test_line_hash_is_the_hash_of_the_key() -> None:
    for line in LINES:
        key = _key(line)
        assert _line_hash(line) == (_hash(key) if key else None), line


def test_line_hashes_skip_empty_keys() -> None:
    assert line_hashes("AUTO NEWS\n---\n\nAUTO NEWS\nA story line.\n") == sorted({_hash("auto news"), _hash("a story line")})
