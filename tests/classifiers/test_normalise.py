from __future__ import annotations

import pytest

from classifiers.normalise import MAX_CHARS, normalise


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("You f*ck1ng 1d10t", "you fucking idiot"),
        ("sh1t head", "shit head"),
        ("f u c k you", "fuck you"),
        ("i.d.i.o.t", "idiot"),
        ("b!tch", "bitch"),
        ("ＦＵＣＫ", "fuck"),  # full-width letters
        ("Mrs Cаrter", "mrs carter"),  # Cyrillic а
        ("w\u200bhore", "whore"),  # zero-width space inside a word
        ("stuuuuupid", "stuupid"),
    ],
)
def test_obfuscation_is_undone(raw: str, expected: str) -> None:
    assert normalise(raw).text == expected


def test_ordinary_digits_are_left_alone() -> None:
    assert normalise("Y4 at 5pm on the 3rd").text == "y4 at 5pm on the 3rd"


def test_a_span_in_the_normalised_text_maps_back_to_what_the_author_wrote() -> None:
    raw = "Mrs Cаrter is a w\u200bh0re"
    n = normalise(raw)
    start = n.text.index("whore")
    a, b = n.original_span(start, start + len("whore"))
    assert raw[a:b] == "w\u200bh0re"


def test_spaced_letters_map_back_to_the_whole_spaced_run() -> None:
    raw = "you are a f u c k i n g joke"
    n = normalise(raw)
    start = n.text.index("fucking")
    a, b = n.original_span(start, start + len("fucking"))
    assert raw[a:b] == "f u c k i n g"


def test_lone_surrogates_and_direction_overrides_are_dropped() -> None:
    assert normalise("\ud800ab\u202ec\udfff").text == "abc"


def test_huge_text_is_cut_to_the_limit_but_remembers_its_length() -> None:
    n = normalise("a" * (MAX_CHARS + 10))
    assert len(n.text) <= MAX_CHARS and n.original_length == MAX_CHARS + 10


def test_empty_text_maps_to_an_empty_span() -> None:
    assert normalise("").original_span(0, 5) == (0, 0)
