"""Conduct incidents along the code of conduct's ladder: open, attach posts and a person, draft
letters, record meetings, police referrals and legal advice, and keep the timeline.

The ladder's stages come from policy.toml `[incidents]`; an incident reaches a stage when
that stage's letter is marked sent.  A serious case may skip straight to the ban, as the
code allows.  Nothing here sends a letter or contacts the police: staff do, and record it.

A letter is drafted from what the record knows; when the record changes (the person is
recorded or corrected, a meeting is recorded, another letter is sent), every unsent draft
has what it was filled with replaced by the new values (`refresh_letters`), and a letter
that still has a placeholder to complete cannot be marked sent.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from classifiers.policy import Policy, Stage
from review_queue.casework import letters as letters_mod
from review_queue.casework.platform_reports import PLATFORMS, platform_for
from review_queue.models import (
    ConductIncident,
    IncidentEvent,
    IncidentPost,
    Letter,
    Meeting,
    Person,
    ReviewItem,
    utcnow,
)


class IncidentError(ValueError):
    """An incident change that cannot be made as asked."""


def incident_ref(incident_id: int) -> str:
    return f"GP-{incident_id:04d}"


def next_stage(incident: ConductIncident, policy: Policy) -> Stage | None:
    stages = policy.incidents.stages
    keys = policy.incidents.stage_keys
    if incident.stage is None:
        return stages[0] if stages else None
    i = keys.index(incident.stage) if incident.stage in keys else len(keys)
    return stages[i + 1] if i + 1 < len(stages) else None


def _event(session: Session, incident: ConductIncident, kind: str, summary: str, user_id: int | None) -> None:
    session.add(
        IncidentEvent(incident_id=incident.id, kind=kind, summary=summary, user_id=user_id, at=utcnow())
    )


def _confirmed_item(session: Session, school_id: int, item_id: int) -> ReviewItem:
    item = session.get(ReviewItem, item_id)
    if item is None or item.school_id != school_id:
        raise IncidentError("no such item")
    if item.status != "confirmed":
        raise IncidentError("only a confirmed item can be part of an incident")
    return item


def open_incident(
    session: Session,
    *,
    school_id: int,
    item_ids: Sequence[int],
    user_id: int | None,
    summary: str = "",
    person_id: int | None = None,
) -> ConductIncident:
    if not item_ids:
        raise IncidentError("an incident starts from at least one confirmed item")
    items = [_confirmed_item(session, school_id, i) for i in dict.fromkeys(item_ids)]
    incident = ConductIncident(
        school_id=school_id, summary=summary.strip()[:2000], opened_by_id=user_id, opened_at=utcnow()
    )
    session.add(incident)
    session.flush()
    if person_id is not None:
        set_person(session, incident, person_id, user_id)
    for item in items:
        session.add(IncidentPost(incident_id=incident.id, item_id=item.id))
    _event(
        session,
        incident,
        "opened",
        f"Incident opened from item(s) {', '.join(str(i.id) for i in items)}",
        user_id,
    )
    session.flush()
    return incident


def add_item(session: Session, incident: ConductIncident, item_id: int, user_id: int | None) -> None:
    item = _confirmed_item(session, incident.school_id, item_id)
    exists = session.scalar(
        select(IncidentPost.id).where(
            IncidentPost.incident_id == incident.id, IncidentPost.item_id == item.id
        )
    )
    if exists is None:
        session.add(IncidentPost(incident_id=incident.id, item_id=item.id))
        _event(session, incident, "post", f"Item {item.id} added", user_id)
        session.flush()


def add_person(
    session: Session,
    *,
    school_id: int,
    name: str,
    relationship: str = "",
    address: str = "",
    handles: str = "",
) -> Person:
    name = name.strip()
    if not name:
        raise IncidentError("give the person's name")
    person = Person(
        school_id=school_id,
        name=name[:200],
        relationship_to_school=relationship.strip()[:200],
        address=address.strip()[:1000],
        handles=handles.strip()[:1000],
    )
    session.add(person)
    session.flush()
    return person


def set_person(session: Session, incident: ConductIncident, person_id: int, user_id: int | None) -> None:
    person = session.get(Person, person_id)
    if person is None or person.school_id != incident.school_id:
        raise IncidentError("no such person")
    incident.person_id = person.id
    _event(session, incident, "note", "Person recorded", user_id)
    session.flush()
    refresh_letters(session, incident, user_id)


def edit_person(
    session: Session,
    person: Person,
    *,
    name: str,
    relationship: str = "",
    address: str = "",
    handles: str = "",
    user_id: int | None,
) -> None:
    """Correct a person's record; the unsent letters of their open incidents follow it."""
    name = name.strip()
    if not name:
        raise IncidentError("give the person's name")
    person.name = name[:200]
    person.relationship_to_school = relationship.strip()[:200]
    person.address = address.strip()[:1000]
    person.handles = handles.strip()[:1000]
    session.flush()
    for incident in person_history(session, person.id):
        if incident.status == "open":
            _event(session, incident, "note", "Person's record corrected", user_id)
            refresh_letters(session, incident, user_id)


def incident_items(session: Session, incident_id: int) -> list[ReviewItem]:
    q = (
        select(ReviewItem)
        .join(IncidentPost, IncidentPost.item_id == ReviewItem.id)
        .where(IncidentPost.incident_id == incident_id)
        .order_by(IncidentPost.id)
    )
    return list(session.scalars(q))


def _breaches(items: Sequence[ReviewItem], policy: Policy) -> list[str]:
    out: list[str] = []
    for item in items:
        for c in item.categories or []:
            rule = policy.categories.get(c)
            ref = rule.code_reference if rule else ""
            if ref and ref not in out:
                out.append(ref)
    return out


def draft_letter(
    session: Session,
    incident: ConductIncident,
    template: str,
    *,
    school: letters_mod.SchoolDetails,
    policy: Policy,
    user_id: int | None,
    today: date | None = None,
) -> Letter:
    """Draft a letter from a template; it does not change the stage until it is marked sent."""
    stage_by_letter = {s.letter: s.key for s in policy.incidents.stages}
    allowed = set(stage_by_letter) | {b.letter for b in policy.incidents.beside.values()}
    if template not in allowed:
        raise IncidentError("that letter is not part of this policy's ladder")
    items = incident_items(session, incident.id)
    person = session.get(Person, incident.person_id) if incident.person_id else None
    last_sent, last_meeting = _last_letter_and_meeting(session, incident)
    rendered = letters_mod.render(
        template,
        school=school,
        recipient_name=person.name if person else "",
        recipient_address=person.address if person else "",
        incident_ref=incident_ref(incident.id),
        posts=[
            letters_mod.PostRef(PLATFORMS[platform_for(i.post)].name, i.post.created_at.date(), i.post.url)
            for i in items
        ],
        breaches=_breaches(items, policy),
        today=today or utcnow().date(),
        previous_letter_date=last_sent,
        meeting_date=last_meeting,
    )
    letter = Letter(
        incident_id=incident.id,
        template=template,
        stage=stage_by_letter.get(template),
        body=f"Subject: {rendered.subject}\n\n{rendered.body}" if rendered.subject else rendered.body,
        fields=dict(rendered.fields),
        created_by_id=user_id,
    )
    session.add(letter)
    session.flush()
    _event(session, incident, "letter", f"Letter drafted: {template.replace('_', ' ')}", user_id)
    return letter


def _last_letter_and_meeting(session: Session, incident: ConductIncident) -> tuple[date | None, date | None]:
    """When the incident's last letter went out, and when its last meeting was held."""
    last_sent = session.scalar(
        select(Letter.sent_at)
        .where(Letter.incident_id == incident.id, Letter.sent_at.is_not(None))
        .order_by(Letter.sent_at.desc())
        .limit(1)
    )
    held_on = session.scalar(
        select(Meeting.held_on)
        .where(Meeting.incident_id == incident.id)
        .order_by(Meeting.held_on.desc())
        .limit(1)
    )
    return (last_sent.date() if last_sent else None, date.fromisoformat(held_on) if held_on else None)


def refresh_letters(session: Session, incident: ConductIncident, user_id: int | None) -> list[Letter]:
    """Fill each unsent letter's placeholders from the record as it is now; returns the letters changed.

    Only what a letter was filled with (`letters.REFRESHED`) is replaced, so staff edits
    stay.  Each change is a line in the timeline.
    """
    person = session.get(Person, incident.person_id) if incident.person_id else None
    last_sent, last_meeting = _last_letter_and_meeting(session, incident)
    now = letters_mod.record_fields(
        recipient_name=person.name if person else "",
        recipient_address=person.address if person else "",
        previous_letter_date=last_sent,
        meeting_date=last_meeting,
    )
    changed_letters = []
    for letter in letters_for(session, incident.id):
        if letter.sent_at is not None:
            continue
        body, changed = letters_mod.refill(letter.body, letter.fields, now)
        letter.fields = dict(now)
        if changed:
            letter.body = body
            changed_letters.append(letter)
            what = ", ".join(FIELD_WORDS.get(c, c) for c in changed)
            _event(
                session,
                incident,
                "letter",
                f"Letter filled in from the record ({what}): {letter.template.replace('_', ' ')}",
                user_id,
            )
    session.flush()
    return changed_letters


# How each refreshed field is named in the timeline.
FIELD_WORDS = {
    "recipient_name": "name",
    "recipient_address": "address",
    "previous_letter_date": "date of the previous letter",
    "meeting_thanks": "meeting",
}


def edit_letter(session: Session, letter: Letter, body: str) -> None:
    if letter.sent_at is not None:
        raise IncidentError("a sent letter cannot be changed")
    if not body.strip():
        raise IncidentError("a letter cannot be empty")
    letter.body = body.replace("\r\n", "\n")[:50_000]
    session.flush()


def mark_letter_sent(
    session: Session,
    incident: ConductIncident,
    letter: Letter,
    policy: Policy,
    user_id: int | None,
) -> None:
    """Record that a letter went out; a ladder letter moves the incident to its stage."""
    if letter.incident_id != incident.id:
        raise IncidentError("that letter belongs to another incident")
    if letter.sent_at is not None:
        return
    missing = letters_mod.unfilled(letter.body)
    if missing:
        raise IncidentError(
            "This letter still has placeholders to complete: "
            + ", ".join(missing)
            + ". Fill them in (or record what is missing), save the letter, then mark it sent."
        )
    letter.sent_at = utcnow()
    _event(session, incident, "letter_sent", f"Letter sent: {letter.template.replace('_', ' ')}", user_id)
    if letter.stage:
        keys = policy.incidents.stage_keys
        current = keys.index(incident.stage) if incident.stage in keys else -1
        target = keys.index(letter.stage)
        if target > current:
            if target > current + 1:
                _event(session, incident, "stage", "Earlier stages skipped: a serious case", user_id)
            incident.stage = letter.stage
            _event(session, incident, "stage", f"Stage reached: {letter.stage}", user_id)
    police, legal = policy.incidents.beside.get("police"), policy.incidents.beside.get("legal")
    if police and letter.template == police.letter and not incident.police_referred_at:
        incident.police_referred_at = letter.sent_at
    if legal and letter.template == legal.letter and not incident.legal_advice_at:
        incident.legal_advice_at = letter.sent_at
    session.flush()
    # The other drafts now have a previous letter to refer to.
    refresh_letters(session, incident, user_id)


def refer_to_police(session: Session, incident: ConductIncident, reference: str, user_id: int | None) -> None:
    incident.police_referred_at = incident.police_referred_at or utcnow()
    incident.police_reference = reference.strip()[:200] or None
    _event(session, incident, "police", "Referred to the police", user_id)
    session.flush()


def record_legal_advice(session: Session, incident: ConductIncident, user_id: int | None) -> None:
    incident.legal_advice_at = incident.legal_advice_at or utcnow()
    _event(session, incident, "legal", "Legal advice sought", user_id)
    session.flush()


def record_meeting(
    session: Session,
    incident: ConductIncident,
    *,
    held_on: date,
    attendees: str,
    outcome: str,
    user_id: int | None,
) -> Meeting:
    if not outcome.strip():
        raise IncidentError("record the meeting's outcome")
    meeting = Meeting(
        incident_id=incident.id,
        held_on=held_on.isoformat(),
        attendees=attendees.strip()[:2000],
        outcome=outcome.strip()[:10_000],
        recorded_by_id=user_id,
    )
    session.add(meeting)
    _event(session, incident, "meeting", f"Meeting held on {held_on.isoformat()}", user_id)
    session.flush()
    refresh_letters(session, incident, user_id)
    return meeting


def close_incident(session: Session, incident: ConductIncident, reason: str, user_id: int | None) -> None:
    if len(reason.strip()) < 3:
        raise IncidentError("closing an incident needs a reason")
    incident.status = "closed"
    incident.closed_at = utcnow()
    _event(session, incident, "closed", f"Closed: {reason.strip()[:500]}", user_id)
    session.flush()


def list_incidents(session: Session, school_id: int | None, status: str = "open") -> list[ConductIncident]:
    q = select(ConductIncident).order_by(ConductIncident.opened_at.desc())
    if school_id is not None:
        q = q.where(ConductIncident.school_id == school_id)
    if status:
        q = q.where(ConductIncident.status == status)
    return list(session.scalars(q))


def person_history(session: Session, person_id: int) -> list[ConductIncident]:
    """Every incident the person is on, newest first."""
    q = (
        select(ConductIncident)
        .where(ConductIncident.person_id == person_id)
        .order_by(ConductIncident.opened_at.desc())
    )
    return list(session.scalars(q))


def people(session: Session, school_id: int | None) -> list[Person]:
    q = select(Person).order_by(Person.name)
    if school_id is not None:
        q = q.where(Person.school_id == school_id)
    return list(session.scalars(q))


def timeline(session: Session, incident_id: int) -> list[IncidentEvent]:
    q = (
        select(IncidentEvent)
        .where(IncidentEvent.incident_id == incident_id)
        .order_by(IncidentEvent.at, IncidentEvent.id)
    )
    return list(session.scalars(q))


def letters_for(session: Session, incident_id: int) -> list[Letter]:
    return list(session.scalars(select(Letter).where(Letter.incident_id == incident_id).order_by(Letter.id)))


def meetings_for(session: Session, incident_id: int) -> list[Meeting]:
    return list(
        session.scalars(select(Meeting).where(Meeting.incident_id == incident_id).order_by(Meeting.held_on))
    )
