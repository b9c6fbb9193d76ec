"""The console's state changes on both backends: claims by conditional UPDATE, and the audit chain."""

from __future__ import annotations

import pytest
from sqlalchemy import update

from classifiers.policy import read_policy
from review_queue import accounts, audit
from review_queue.db import Database
from review_queue.models import AuditEntry, ReviewItem, User
from review_queue.queue import ClaimedElsewhere, claim, record_judgement
from review_queue.store import ensure_school, ingest_posts
from tests.review_queue.conftest import PASSWORD, PostIn


def _setup(db: Database) -> tuple[int, int, int]:
    from datetime import UTC, datetime

    policy = read_policy()  # abuse waits 72 hours; medium ranks 2
    with db.session_scope() as s:
        school = ensure_school(s, "hollybrook", "Hollybrook Primary School")
        a = accounts.add_user(s, "a@school.test", "reviewer", PASSWORD, school.id)
        b = accounts.add_user(s, "b@school.test", "reviewer", PASSWORD, school.id)
        (post,) = ingest_posts(
            s, school.id, None, [PostIn("x", "1", "https://x.test/1", "@p", "text", datetime.now(UTC))]
        )
        item = record_judgement(s, post, {"flags": ["abuse"], "severity": "medium"}, policy)
        assert item is not None
        return item.id, a.id, b.id


def test_only_one_reviewer_can_claim_an_item(any_db: Database) -> None:
    item_id, a, b = _setup(any_db)
    with any_db.session_scope() as s:
        claim(s, s.get(ReviewItem, item_id), a)
    with any_db.session_scope() as s, pytest.raises(ClaimedElsewhere):
        claim(s, s.get(ReviewItem, item_id), b)
    with any_db.session_scope() as s:
        claim(s, s.get(ReviewItem, item_id), a)  # the holder may claim again


def test_the_audit_chain_holds_and_breaks_on_both_backends(any_db: Database) -> None:
    _, a, _ = _setup(any_db)
    for i in range(3):
        with any_db.session_scope() as s:
            audit.record(
                s, user=s.get(User, a), action="view.item", object_type="item", object_id=i, detail={"n": i}
            )
    with any_db.session_scope() as s:
        assert audit.verify_chain(s).ok
        s.execute(update(AuditEntry).where(AuditEntry.object_id == "1").values(detail={"n": 99}))
    with any_db.session_scope() as s:
        report = audit.verify_chain(s)
        assert not report.ok and report.entries == 2
