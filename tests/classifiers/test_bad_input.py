"""Bad input gets a result, never a crash."""

from __future__ import annotations

import pytest

from classifiers.base import CATEGORIES, Classification, MediaInfo
from classifiers.pipeline import Pipeline

BAD_INPUTS = {
    "empty": "",
    "whitespace": "   \n\t ",
    "200 kB": ("Hollybrook is fine. " * 11_000)[:200_000],
    "lone surrogates": "\ud800 Mrs Carter \udfff is \ud83d",
    "only emoji": "😡🔪🙄🤬💯👀",
    "another language": "Die Lehrerin an dieser Schule ist sehr freundlich und hilfsbereit.",
    "arabic": "المدرسة جيدة جدا والمعلمون لطفاء",
    "right-to-left override": "\u202eretraC srM llik lliw I\u202c",
    "control characters": "\x00\x01\x02 hello \x7f",
    "combining marks": "Z̷̢͎a̶̺͝l̸g̵o̶" * 50,
}


@pytest.mark.parametrize("name", sorted(BAD_INPUTS))
def test_bad_input_gets_a_result(pipeline: Pipeline, name: str) -> None:
    text = BAD_INPUTS[name]
    result = pipeline.classify(text)
    assert isinstance(result, Classification)
    assert set(result.flags) <= set(CATEGORIES)
    assert set(result.scores) >= set(CATEGORIES)
    for ev in result.evidence:
        assert 0 <= ev.start <= ev.end <= len(text)
    result.to_json()  # serialisable


def test_a_batch_of_bad_inputs_keeps_its_order_and_length(pipeline: Pipeline) -> None:
    texts = list(BAD_INPUTS.values())
    results = pipeline.classify_many([(t, ()) for t in texts])
    assert len(results) == len(texts)


def test_non_string_text_and_odd_media_do_not_crash(pipeline: Pipeline) -> None:
    result = pipeline.classify_many([(None, (MediaInfo(type="image", face_count=-3),))])  # type: ignore[list-item]
    assert result[0].flags == () or isinstance(result[0].flags, tuple)


def test_an_empty_batch_gives_an_empty_list(pipeline: Pipeline) -> None:
    assert pipeline.classify_many([]) == []
