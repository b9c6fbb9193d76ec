"""The demo school, taken through a few weeks of review, for the retention and privacy tests.

It runs the same steps as `gatepost demo --no-serve` (the demo profile, the sample
connector, the store) and then judges the posts with a fixed verdict per demo post, so
that what is flagged does not move when the trained model changes.  Then a named cast
decides: the DSL dismisses some flags, confirms others, opens one incident that stays
open and one that is closed, drafts a letter, records a meeting and a platform report.

Everything happens at T0 (the caller freezes the clock there).  `Scenario` records
which rows each rule should remove, so tests can check exact counts.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import select

from classifiers.policy import read_policy
from config import DEMO_SCHOOL_PATH
from monitor.jobs.fetch import fetch_school
from monitor.settings import load_profile
from review_queue import audit
from review_queue.db import Database
from review_queue.models import (
    ConductIncident,
    IncidentEvent,
    IncidentPost,
    Letter,
    Meeting,
    Person,
    PlatformReport,
    Post,
    PostRevision,
    ReviewItem,
    SafeguardingMark,
    School,
    SigninFailure,
    UrgentAlert,
    User,
)
from review_queue.queue import decide, record_judgement

T0 = datetime(2027, 1, 11, 9, 0, tzinfo=UTC)
POLICY = read_policy(DEMO_SCHOOL_PATH.parent / "policy.toml")
CATEGORIES = list(POLICY.categories)

# The demo posts a careful reviewer would see flagged, and the category each is flagged for.
FLAGS: dict[str, str] = {
    "demo-002": "abuse",
    "demo-003": "threat",
    "demo-005": "security",
    "demo-006": "incitement",
    "demo-007": "individual_child",
    "demo-008": "pupil_image",
    "demo-009": "defamation",
    "demo-014": "incitement",
    "demo-016": "security",
    "demo-018": "abuse",
    "demo-019": "pupil_image",
    "demo-020": "threat",
    "demo-023": "incitement",
    "demo-024": "security",
    "demo-026": "individual_child",
    "demo-028": "threat",
    "demo-031": "defamation",
    "demo-035": "threat",
    "demo-036": "pupil_image",
    "demo-037": "defamation",
    "demo-040": "incitement",
}
DISMISSED = ("demo-006", "demo-014", "demo-016", "demo-023")
CONFIRMED_ALONE = ("demo-005", "demo-008", "demo-009", "demo-018")
# angrydad_af's posts: an incident that was closed at T0.
CLOSED_INCIDENT = ("demo-002", "demo-031")
# jk_ashby's threat and a later one: an incident still open.
OPEN_INCIDENT = ("demo-003", "demo-028")
ESCALATED = ("demo-020",)

CLOSED_PERSON = {
    "name": "Darren Holt",
    "address": "14 Mill Lane, Ashby Fields AF3 9QT",
    "handles": "@angrydad_af, anon_ashby",
}
OPEN_PERSON = {
    "name": "Jason Kendal",
    "address": "2 Orchard Close, Ashby Fields AF1 2BB",
    "handles": "jk_ashby",
}


@dataclass
class Scenario:
    school_id: int
    dsl_id: int
    post_ids: dict[str, int] = field(default_factory=dict)  # demo id -> post id
    item_ids: dict[str, int] = field(default_factory=dict)  # demo id -> item id
    open_incident_id: int = 0
    closed_incident_id: int = 0
    open_person_id: int = 0
    closed_person_id: int = 0
    audit_entries_at_t0: int = 0


def _verdict(external_id: str) -> dict[str, object]:
    flag = FLAGS.get(external_id)
    severity = POLICY.severity(flag) if flag else "none"
    return {
        "model_version": "test-fixed",
        "flags": [flag] if flag else [],
        "scores": {flag: 0.9} if flag else {},
        "severity": severity,
        "evidence": [],
        "recognised": [],
    }


def build(db: Database) -> Scenario:
    """Load the demo school and take it through review, all at the (frozen) current time."""
    profile = load_profile(DEMO_SCHOOL_PATH)
    results = fetch_school(db, profile)
    assert all(r.ok for r in results)
    with db.session_scope() as s:
        school = s.scalars(select(School).where(School.slug == profile.slug)).one()
        dsl = User(email="priya.shah@hollybrook.example", role="dsl", password_hash="x", school_id=school.id)
        s.add(dsl)
        s.flush()
        sc = Scenario(school_id=school.id, dsl_id=dsl.id)
        for post in s.scalars(select(Post).where(Post.school_id == school.id).order_by(Post.id)):
            sc.post_ids[post.external_id] = post.id
            item = record_judgement(s, post, _verdict(post.external_id), POLICY)
            if item is not None:
                sc.item_ids[post.external_id] = item.id

        def act(demo_id: str, action: str, reason: str) -> ReviewItem:
            item = s.get_one(ReviewItem, sc.item_ids[demo_id])
            decide(
                s,
                item,
                action=action,
                reason=reason,
                categories=[FLAGS[demo_id]],
                user_id=dsl.id,
                known_categories=CATEGORIES,
            )
            return item

        for d in DISMISSED:
            act(d, "dismiss", "Civil campaigning, not a breach of the code")
        for d in CONFIRMED_ALONE + CLOSED_INCIDENT + OPEN_INCIDENT:
            act(d, "confirm", "Breaches the code of conduct")
        for d in ESCALATED:
            act(d, "escalate", "Needs the headteacher's view")

        s.add(
            PlatformReport(
                item_id=sc.item_ids["demo-018"],
                platform="x",
                rules=["abuse"],
                body="Abusive post about staff",
            )
        )
        s.add(SafeguardingMark(item_id=sc.item_ids["demo-008"], marked_by_id=dsl.id))
        s.add(UrgentAlert(item_id=sc.item_ids["demo-005"], school_id=school.id, recipients=1))

        closed_person = Person(school_id=school.id, relationship_to_school="Parent", **CLOSED_PERSON)
        open_person = Person(school_id=school.id, relationship_to_school="Parent", **OPEN_PERSON)
        s.add_all([closed_person, open_person])
        s.flush()
        closed = ConductIncident(
            school_id=school.id,
            person_id=closed_person.id,
            summary="Abusive posts about the headteacher",
            stage="invitation",
            status="closed",
            opened_by_id=dsl.id,
            closed_at=T0,
        )
        still_open = ConductIncident(
            school_id=school.id,
            person_id=open_person.id,
            summary="Threats against a teacher",
            stage="warning",
            status="open",
            opened_by_id=dsl.id,
            police_referred_at=T0,
            police_reference="AF/2027/0113",
        )
        s.add_all([closed, still_open])
        s.flush()
        for d in CLOSED_INCIDENT:
            s.add(IncidentPost(incident_id=closed.id, item_id=sc.item_ids[d]))
        for d in OPEN_INCIDENT:
            s.add(IncidentPost(incident_id=still_open.id, item_id=sc.item_ids[d]))
        s.add(
            Letter(
                incident_id=closed.id,
                template="meeting_invitation",
                stage="invitation",
                body="Dear Darren Holt,\n14 Mill Lane, Ashby Fields AF3 9QT\n"
                "Your post at https://x.com/angrydad_af/status/1002 breaches our code.",
                created_by_id=dsl.id,
                sent_at=T0,
            )
        )
        s.add(
            Meeting(
                incident_id=still_open.id,
                held_on="2027-01-11",
                attendees="Jason Kendal, Priya Shah",
                outcome="Mr Kendal said that Darren Holt and @angrydad_af started it.",
                recorded_by_id=dsl.id,
            )
        )
        for inc, kind in (
            (closed, "opened"),
            (closed, "letter_sent"),
            (closed, "closed"),
            (still_open, "opened"),
        ):
            s.add(IncidentEvent(incident_id=inc.id, kind=kind, summary=f"{kind} (test)", user_id=dsl.id))
        # Re-checks saw two posts edited: one never flagged, one of angrydad_af's.
        for demo_id, edited in (
            ("demo-001", "Loving the new reading scheme!"),
            ("demo-002", "Mrs Carter should go"),
        ):
            s.add(
                PostRevision(
                    post_id=sc.post_ids[demo_id],
                    change="edited",
                    text=edited,
                    raw={
                        "id": demo_id,
                        "text": edited,
                        "author": "angrydad_af" if demo_id == "demo-002" else "",
                    },
                    content_hash="0" * 64,
                    evidence_hash=demo_id[-1] * 64,
                )
            )
        s.add(SigninFailure(email="someone@example.invalid", address="203.0.113.9"))
        for demo_id in ("demo-002", "demo-003", "demo-018"):
            audit.record(
                s,
                user=dsl,
                action="view.item",
                object_type="item",
                object_id=sc.item_ids[demo_id],
                school_id=school.id,
            )
        s.flush()
        sc.open_incident_id, sc.closed_incident_id = still_open.id, closed.id
        sc.open_person_id, sc.closed_person_id = open_person.id, closed_person.id
    sc.audit_entries_at_t0 = 3
    return sc
