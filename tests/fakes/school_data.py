"""A term's worth of realistic queue data for digest and trends tests, with every secret it holds.

`seed_school` writes posts (with handles, names and text that must never reach a
governor), judgements, review items, decisions, incidents with people and letters, and
platform reports, spread over the weeks before `now`.  It returns what it wrote so
tests can check both the numbers and the absence of personal data.
"""

from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from review_queue.models import (
    ConductIncident,
    Decision,
    Judgement,
    Letter,
    Person,
    PlatformReport,
    Post,
    ReviewItem,
    School,
)

CATEGORIES = {
    "abuse": "medium",
    "threat": "urgent",
    "defamation": "high",
    "pupil_image": "urgent",
    "individual_child": "high",
    "incitement": "medium",
    "security": "urgent",
}
RANKS = {"low": 1, "medium": 2, "high": 3, "urgent": 4}
KINDS = ("reddit", "x", "facebook", "bluesky")


@dataclass
class Seeded:
    school_id: int
    secrets: list[str] = field(default_factory=list)
    items: list[ReviewItem] = field(default_factory=list)
    posts: list[Post] = field(default_factory=list)


def _hash(s: str) -> str:
    return hashlib.sha256(s.encode()).hexdigest()


def seed_school(
    session: Session,
    *,
    slug: str,
    name: str,
    now: datetime,
    weeks: int = 14,
    per_week: tuple[int, int] = (2, 9),
    seed: int = 7,
) -> Seeded:
    rng = random.Random(seed)
    school = School(slug=slug, name=name)
    session.add(school)
    session.flush()
    out = Seeded(school_id=school.id)
    n = 0
    for w in range(weeks):
        week_start = now - timedelta(days=7 * (w + 1))
        for _ in range(rng.randint(*per_week)):
            n += 1
            created = week_start + timedelta(hours=rng.uniform(1, 160))
            handle = f"{slug}_parent_{n:03d}"
            text = f"Zebracrossing{n:03d} says something unkind about Mrs Quillfeather at {name}"
            kind = rng.choice(KINDS)
            cats = [rng.choice(list(CATEGORIES))]
            if rng.random() < 0.15:
                cats.append("abuse")
            cats = list(dict.fromkeys(cats))
            severity = max((CATEGORIES[c] for c in cats), key=RANKS.__getitem__)
            post = Post(
                school_id=school.id,
                kind=kind,
                external_id=f"{slug}-{n}",
                url=f"https://{kind}.example/{handle}/{n}",
                author_handle=handle,
                text=text,
                created_at=created,
                captured_at=created,
                content_hash=_hash(text),
                evidence_hash=_hash(text + "e"),
            )
            session.add(post)
            session.flush()
            session.add(
                Judgement(
                    post_id=post.id,
                    model_version="test",
                    flags=cats,
                    severity=severity,
                    judged_at=created,
                    recognised=[],
                )
            )
            item = ReviewItem(
                post_id=post.id,
                school_id=school.id,
                status="open",
                severity=severity,
                severity_rank=RANKS[severity],
                categories=cats,
                created_at=created,
                due_at=created + timedelta(hours=24),
            )
            session.add(item)
            session.flush()
            # Older items are mostly decided; this week's mostly wait.
            if w > 0 or rng.random() < 0.4:
                action = "confirm" if rng.random() < 0.6 else "dismiss"
                decided = created + timedelta(hours=rng.uniform(0.5, 70))
                if decided < now:
                    item.status = "confirmed" if action == "confirm" else "dismissed"
                    item.decided_at = decided
                    session.add(
                        Decision(
                            item_id=item.id,
                            action=action,
                            categories=cats,
                            reason=f"Reviewed post by {handle}",
                            created_at=decided,
                        )
                    )
                    if action == "confirm" and rng.random() < 0.7:
                        reported = decided + timedelta(hours=2)
                        outcome = rng.choice(["removed", "removed", "pending", "refused", "restricted"])
                        session.add(
                            PlatformReport(
                                item_id=item.id,
                                platform=kind if kind != "facebook" else "meta",
                                body=f"Report of {handle}: {text}",
                                created_at=decided,
                                reported_at=reported,
                                reference=f"REF-{n}",
                                outcome=outcome,
                                outcome_at=reported + timedelta(hours=30) if outcome != "pending" else None,
                            )
                        )
            out.items.append(item)
            out.posts.append(post)
            out.secrets += [handle, text, post.url]
        # Civil criticism: recognised, never flagged.
        for k in range(rng.randint(0, 8)):
            n += 1
            created = week_start + timedelta(hours=rng.uniform(1, 160))
            text = f"Quokkalantern{n:03d}: homework policy at {name} is too much, I disagree"
            handle = f"{slug}_critic_{n:03d}"
            post = Post(
                school_id=school.id,
                kind=rng.choice(KINDS),
                external_id=f"{slug}-c{n}-{k}",
                url=f"https://reddit.example/{handle}",
                author_handle=handle,
                text=text,
                created_at=created,
                captured_at=created,
                content_hash=_hash(text),
                evidence_hash=_hash(text + "e"),
            )
            session.add(post)
            session.flush()
            session.add(
                Judgement(
                    post_id=post.id,
                    model_version="test",
                    flags=[],
                    severity="none",
                    judged_at=created,
                    recognised=["criticism"],
                )
            )
            out.secrets += [handle, text]
    people = ["Jordan Blackwood-Finch", "Morwenna Tregothnan", "Ignatius Pellow"]
    stages = [None, "invitation", "warning", "ban", "invitation", "warning"]
    for i, stage in enumerate(stages):
        person = Person(
            school_id=school.id,
            name=people[i % len(people)],
            relationship_to_school="Parent",
            address=f"{i} Lanternfish Row",
            handles=f"{slug}_parent_{i + 1:03d}",
        )
        session.add(person)
        session.flush()
        opened = now - timedelta(days=3 + 9 * i)
        inc = ConductIncident(
            school_id=school.id,
            person_id=person.id,
            stage=stage,
            status="open",
            summary=f"{person.name} posted about Mrs Quillfeather",
            opened_at=opened,
        )
        session.add(inc)
        session.flush()
        if stage is not None:
            session.add(
                Letter(
                    incident_id=inc.id,
                    template="meeting_invitation",
                    stage=stage,
                    body=f"Dear {person.name}",
                    created_at=opened,
                    sent_at=opened + timedelta(days=1),
                )
            )
        out.secrets += [person.name, person.address, inc.summary]
    session.add(
        ConductIncident(
            school_id=school.id,
            stage="warning",
            status="closed",
            summary="closed one",
            opened_at=now - timedelta(days=60),
            closed_at=now - timedelta(days=20),
        )
    )
    session.flush()
    out.secrets += ["Mrs Quillfeather", "Zebracrossing", "Quokkalantern", "Lanternfish"]
    return out
