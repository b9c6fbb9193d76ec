"""The whole road once: sample connector -> judgement -> queue -> decision -> report draft -> digest.

Every part is the real one (the bundled demo school and posts, the shipped model, the
SQLite database with its migrations); nothing is mocked.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from config import DEMO_SCHOOL_PATH
from monitor import build
from monitor.jobs.classify import classify_pending
from monitor.jobs.fetch import fetch_school
from monitor.settings import load_profile, load_settings
from review_queue.accounts import add_user
from review_queue.casework.platform_reports import draft_report
from review_queue.models import Post, ReviewItem, utcnow
from review_queue.oversight.digest import build_digest, render_digest
from review_queue.queue import decide

THREAT = "I know where he parks"


def test_a_demo_threat_travels_from_the_sample_feed_to_a_report_draft_and_the_digest() -> None:
    settings = load_settings()
    db = build.database(settings)
    db.upgrade()
    profile = load_profile(DEMO_SCHOOL_PATH)
    policy = build.policy(settings)

    results = fetch_school(db, profile)
    assert [r.ok for r in results] == [True]
    judged, queued = classify_pending(db, profile.slug, build.classifier(profile), policy)
    assert judged == results[0].stored == 37
    assert queued >= 10

    with db.session_scope() as s:
        item = s.scalars(select(ReviewItem).join(Post).where(Post.text.contains(THREAT))).one()
        assert item.status == "open" and "threat" in item.categories and item.severity == "urgent"
        dsl = add_user(s, "dsl@hollybrook.example", "dsl", "correct horse battery staple", item.school_id)
        decide(
            s,
            item,
            action="confirm",
            reason="Veiled threat against a teacher; police referral considered",
            categories=["threat"],
            user_id=dsl.id,
            known_categories=list(policy.categories),
        )
        report = draft_report(
            s, item, platform="meta", policy=policy, school_name=profile.school.name, user_id=dsl.id
        )
        assert item.post.url in report.body and item.post.evidence_hash in report.body
        assert "appears to breach" in report.body and "defamatory" not in report.body.lower()
        school_id = item.school_id

    with db.session_scope() as s:
        digest = build_digest(
            s,
            school_id,
            utcnow() + timedelta(minutes=1),
            timezone=settings.timezone,
            base_url=settings.base_url,
            policy=policy,
        )
        subject, html, text = render_digest(digest)
    assert digest.new_total == queued and digest.decisions_total == 1
    assert digest.waiting == queued - 1
    # The digest links into the console; it never quotes a post.
    assert THREAT not in html and THREAT not in text
    assert settings.base_url in html
    assert f"{queued} new flags" in subject
    db.dispose()
