"""The story's title: the wording most copies share, written as a headline usually is."""
from __future__ import annotations

from cleaner.neardup.canonical import story_title
from cleaner.records import Document


def doc(i: int, title: str | None) -> Document:
    return Document(id=f"d{i}", content="", text="x", title=title)


def test_title_case_of_the_canonical_copy_gives_way_to_the_usual_spelling() -> None:
    members = [doc(0, "Coastal Town Votes To Turn Disused Rail Line Into A Trail"),
               doc(1, "Coastal town votes to turn disused rail line into a trail"),
               doc(2, "COASTAL TOWN VOTES TO TURN DISUSED RAIL LINE INTO A TRAIL")]
    assert story_title(members) == "Coastal town votes to turn disused rail line into a trail"


def test_the_wording_most_copies_share_wins_and_ties_keep_the_canonical() -> None:
    assert story_title([doc(0, "Short title"), doc(1, "A longer shared title"), doc(2, "A longer shared title")]) == "A longer shared title"
    assert story_title([doc(0, "Canonical wording here"), doc(1, "Other wording here")]) == "Canonical wording here"
    assert story_title([doc(0, None), doc(1, None)]) is None
    assert story_title([doc(0, None), doc(1, "Only one has a title")]) == "Only one has a title"
