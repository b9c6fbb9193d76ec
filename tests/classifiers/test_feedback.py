"""A school's decisions as training rows and gold labels: "criticism, not misconduct" is learnt."""

from __future__ import annotations

from classifiers.base import CATEGORIES, Classification
from classifiers.evaluate import score_rows
from classifiers.feedback import decision_gold, feedback_rows

RECORDS = [
    {
        "text": "I have emailed the head to complain.",
        "label": ["criticism"],
        "decided_at": "2026-11-20T09:00:00+00:00",
    },
    {"text": "just a joke about the school run", "label": [], "decided_at": "2026-11-20T09:00:00+00:00"},
    {"text": "Mrs Carter is a cow", "label": ["abuse"], "decided_at": "2026-11-20T09:00:00+00:00"},
]


def test_a_criticism_dismissal_teaches_criticism_while_a_plain_dismissal_leaves_it_unsaid():
    crit, plain, abuse = feedback_rows(RECORDS, "feedback")
    assert crit.labels == {"criticism"} and crit.known == set(CATEGORIES) | {"criticism"}
    assert plain.labels == frozenset() and plain.known == set(CATEGORIES)  # "not a breach" says no more
    assert abuse.labels == {"abuse"} and abuse.known == set(CATEGORIES)


def test_held_back_criticism_decisions_count_in_the_criticism_false_flag_rate():
    gold = decision_gold(RECORDS)
    assert gold == [["criticism"], [], ["abuse"]]
    flagged_as_abuse = Classification(flags=("abuse",), scores={}, severity="medium", evidence=())
    clean = Classification(flags=(), scores={}, severity="none", evidence=())
    report = score_rows("held-back decisions", gold, [flagged_as_abuse, clean, flagged_as_abuse])
    assert report.criticism_rows == 1 and report.criticism_false_flag_rate == 1.0
    assert report.harmless_rows == 2  # criticism is harmless: no flag category
