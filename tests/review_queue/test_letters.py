"""Letters cannot go out unfinished: placeholders fill from the record, and one left unfilled stops "sent"."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from sqlalchemy import select

from classifiers.policy import Policy
from review_queue.casework import incidents, letters
from review_queue.db import Database
from review_queue.models import ConductIncident, IncidentEvent, Letter, ReviewItem
from review_queue.queue import decide
from tests.review_queue.conftest import SCHOOL, Cast, ItemFactory

ADDRESS = "12 Acacia Avenue\nAshby Fields AF1 2BB"


@pytest.fixture
def incident(db: Database, make_item: ItemFactory, policy: Policy, cast: Cast) -> int:
    item_id = make_item(flags=("abuse",))
    with db.session_scope() as s:
        item = s.get(ReviewItem, item_id)
        decide(
            s,
            item,
            action="confirm",
            reason="Abusive",
            categories=["abuse"],
            user_id=cast.dsl.id,
            known_categories=list(policy.categories),
        )
        return incidents.open_incident(
            s, school_id=item.school_id, item_ids=[item_id], user_id=cast.dsl.id
        ).id


def draft(s: Any, inc: ConductIncident, template: str, policy: Policy) -> Letter:
    return incidents.draft_letter(s, inc, template, school=SCHOOL, policy=policy, user_id=None)


def test_a_letter_drafted_before_the_person_is_recorded_is_filled_in_when_they_are(
    db: Database, incident: int, policy: Policy
) -> None:
    with db.session_scope() as s:
        inc = s.get(ConductIncident, incident)
        letter = draft(s, inc, "meeting_invitation", policy)
        assert "Dear [name of the parent or carer]," in letter.body and "\n[address]\n" in letter.body
        assert letters.unfilled(letter.body) == ["[name of the parent or carer]", "[address]"]
        # The headteacher edits a sentence before the person is known: the edit stays.
        incidents.edit_letter(s, letter, letter.body.replace("I hope that we can", "I trust we can"))
        person = incidents.add_person(s, school_id=inc.school_id, name="Sam Parent", address=ADDRESS)
        incidents.set_person(s, inc, person.id, None)
        assert "Dear Sam Parent," in letter.body and f"Sam Parent\n{ADDRESS}\n" in letter.body
        assert "I trust we can" in letter.body and letters.unfilled(letter.body) == []
        assert "Our Parent/Carer Code of Conduct" in letter.body  # the code's title is not a name
        events = s.scalars(select(IncidentEvent.summary).where(IncidentEvent.incident_id == incident)).all()
        assert "Letter filled in from the record (name, address): meeting invitation" in events


def test_a_letter_with_a_placeholder_is_not_marked_sent_and_the_refusal_says_which(
    db: Database, incident: int, policy: Policy
) -> None:
    with db.session_scope() as s:
        inc = s.get(ConductIncident, incident)
        person = incidents.add_person(s, school_id=inc.school_id, name="Sam Parent")  # no address yet
        incidents.set_person(s, inc, person.id, None)
        letter = draft(s, inc, "meeting_invitation", policy)
        with pytest.raises(incidents.IncidentError, match=r"placeholders to complete: \[address\]\."):
            incidents.mark_letter_sent(s, inc, letter, policy, None)
        assert letter.sent_at is None and inc.stage is None
        # A placeholder typed by hand, or a mistyped $field, stops it too.
        incidents.edit_letter(
            s, letter, letter.body.replace("[address]", "1 Road\n[postcode]  $recipent_name")
        )
        with pytest.raises(incidents.IncidentError, match=r"\[postcode\], \$recipent_name"):
            incidents.mark_letter_sent(s, inc, letter, policy, None)
        incidents.edit_letter(s, letter, letter.body.replace("[postcode]  $recipent_name", "AF1 2BB"))
        incidents.mark_letter_sent(s, inc, letter, policy, None)
        assert letter.sent_at is not None and inc.stage == "invitation"


def test_the_stage_two_letter_thanks_them_for_the_meeting_once_it_is_recorded(
    db: Database, incident: int, policy: Policy
) -> None:
    with db.session_scope() as s:
        inc = s.get(ConductIncident, incident)
        person = incidents.add_person(s, school_id=inc.school_id, name="Sam Parent", address=ADDRESS)
        incidents.set_person(s, inc, person.id, None)
        first = draft(s, inc, "meeting_invitation", policy)
        warning = draft(s, inc, "warning", policy)  # drafted early, before the invitation went
        assert letters.unfilled(warning.body) == [
            "[date of the previous letter]",
            "[and thank you for meeting with me on (date)]",
        ]
        incidents.mark_letter_sent(s, inc, first, policy, None)
        sent_on = letters.long_date(first.sent_at.date())
        assert f"I wrote to you on {sent_on} about" in warning.body
        incidents.record_meeting(
            s, inc, held_on=date(2026, 11, 27), attendees="Sam Parent", outcome="Agreed to stop", user_id=None
        )
        assert "community, and thank you for meeting with me on 27 November 2026. I am sorry" in warning.body
        assert letters.unfilled(warning.body) == []
        incidents.mark_letter_sent(s, inc, warning, policy, None)
        assert inc.stage == "warning"


def test_correcting_the_person_fills_unsent_letters_and_leaves_sent_ones_as_they_went(
    db: Database, incident: int, policy: Policy
) -> None:
    with db.session_scope() as s:
        inc = s.get(ConductIncident, incident)
        person = incidents.add_person(s, school_id=inc.school_id, name="Sam Parnet", address="1 Old Road")
        incidents.set_person(s, inc, person.id, None)
        sent = draft(s, inc, "meeting_invitation", policy)
        incidents.mark_letter_sent(s, inc, sent, policy, None)
        sent_body = sent.body
        police = draft(s, inc, "police_referral", policy)
        assert "Person concerned (if known): Sam Parnet, 1 Old Road" in police.body
        incidents.edit_person(s, person, name="Sam Parent", address=ADDRESS, user_id=None)
        assert f"Person concerned (if known): Sam Parent, {ADDRESS}" in police.body
        assert "Parnet" not in police.body and "1 Old Road" not in police.body
        assert sent.body == sent_body


def test_a_letter_drafted_before_letters_kept_their_fields_is_filled_in_too(
    db: Database, incident: int, policy: Policy
) -> None:
    legacy = (
        "Subject: Our Parent/Carer Code of Conduct: an invitation to meet\n\nPRIVATE AND CONFIDENTIAL\n"
        "Parent/Carer\n[address]\n\nDear Parent/Carer,\n\nOur Parent/Carer Code of Conduct asks..."
    )
    with db.session_scope() as s:
        inc = s.get(ConductIncident, incident)
        s.add(Letter(incident_id=inc.id, template="meeting_invitation", stage="invitation", body=legacy))
        s.flush()
        person = incidents.add_person(s, school_id=inc.school_id, name="Sam Parent", address=ADDRESS)
        incidents.set_person(s, inc, person.id, None)
        (letter,) = incidents.letters_for(s, inc.id)
        assert letter.body == (
            "Subject: Our Parent/Carer Code of Conduct: an invitation to meet\n\nPRIVATE AND CONFIDENTIAL\n"
            f"Sam Parent\n{ADDRESS}\n\nDear Sam Parent,\n\nOur Parent/Carer Code of Conduct asks..."
        )


def test_square_brackets_in_a_posts_address_are_not_placeholders() -> None:
    body = "  • X (Twitter), 3 November 2026: https://x.test/status/1?tags[]=a&f[x]=1\nYours sincerely"
    assert letters.unfilled(body) == []
    assert letters.unfilled("Dear [name],\nfrom [date]") == ["[name]", "[date]"]


@pytest.mark.parametrize("template", letters.available())
def test_a_template_filled_from_a_complete_record_leaves_only_the_headteachers_own_notes(
    template: str,
) -> None:
    out = letters.render(
        template,
        school=SCHOOL,
        recipient_name="Sam Parent",
        recipient_address="1 Road",
        incident_ref="GP-0001",
        posts=[letters.PostRef("X (Twitter)", date(2026, 11, 3), "https://x.test/1")],
        breaches=["Abusive comments."],
        today=date(2026, 11, 22),
        previous_letter_date=date(2026, 11, 1),
        meeting_date=date(2026, 11, 10),
    )
    assert not set(letters.unfilled(out.body)) & set(letters.UNFILLED.values())
    assert not [u for u in letters.unfilled(out.body) if u.startswith("$")]
