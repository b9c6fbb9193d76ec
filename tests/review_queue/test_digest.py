"""The weekly digest's numbers, words and due time; sending is tested in tests/monitor/test_digest_job.py."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, time, timedelta

import pytest
import time_machine
from sqlalchemy import func, select

from classifiers.policy import read_policy
from config import POLICY_PATH
from review_queue import audit, schedule
from review_queue.db import Database
from review_queue.models import Decision, JobSchedule, ReviewItem
from review_queue.oversight.digest import build_digest, render_digest
from tests.fakes.school_data import seed_school

NOW = datetime(2026, 11, 23, 7, 0, tzinfo=UTC)  # a Monday, 07:00 GMT
TZ = "Europe/London"
MONDAY_7 = schedule.Weekly("mon", time(7, 0), TZ)


@pytest.fixture
def policy():
    return read_policy(POLICY_PATH)


def test_the_digest_counts_match_the_database(sqlite_db: Database, policy):
    with sqlite_db.session_scope() as s:
        seeded = seed_school(s, slug="hollybrook", name="Hollybrook Primary School", now=NOW)
        d = build_digest(
            s, seeded.school_id, NOW, timezone=TZ, base_url="https://gatepost.example", policy=policy
        )
        week = NOW - timedelta(days=7)
        assert d.new_total == s.scalar(
            select(func.count()).select_from(ReviewItem).where(ReviewItem.created_at >= week)
        )
        assert sum(r.total for r in d.new_by_category) >= d.new_total > 0
        decided = s.scalar(
            select(func.count())
            .select_from(Decision)
            .where(Decision.created_at >= week, Decision.action != "note")
        )
        assert d.decisions_total == decided
        assert d.waiting == s.scalar(
            select(func.count()).select_from(ReviewItem).where(ReviewItem.status == "open")
        )
        oldest = s.scalar(
            select(ReviewItem.id).where(ReviewItem.status == "open").order_by(ReviewItem.created_at)
        )
        assert d.oldest_waiting_link == f"https://gatepost.example/items/{oldest}"
        assert sum(n for _, n in d.incidents_by_stage) == 6  # six open, one closed
        assert d.changes


def test_the_digest_links_to_the_console_and_never_quotes_a_post_or_names_anyone(sqlite_db: Database, policy):
    with sqlite_db.session_scope() as s:
        seeded = seed_school(s, slug="hollybrook", name="Hollybrook Primary School", now=NOW)
        d = build_digest(
            s, seeded.school_id, NOW, timezone=TZ, base_url="https://gatepost.example", policy=policy
        )
    subject, html, text = render_digest(d)
    for body in (subject, html, text):
        for secret in seeded.secrets:
            assert secret.casefold() not in body.casefold(), secret
    assert 'href="https://gatepost.example/queue"' in html
    assert "https://gatepost.example/incidents/" in text
    assert "New flags by category" in html and "NEW FLAGS BY CATEGORY" in text
    # Nothing loads from elsewhere: no scripts, images or fonts that a mail client would fetch.
    assert "<script" not in html and "src=" not in html and "@import" not in html


def test_the_digest_carries_the_audit_head_so_the_log_can_be_checked_against_it_later(
    sqlite_db: Database, policy
):
    with sqlite_db.session_scope() as s:
        seeded = seed_school(s, slug="hollybrook", name="Hollybrook Primary School", now=NOW)
        audit.record(s, user=None, action="view.item", object_type="item", object_id=1)
        d = build_digest(
            s, seeded.school_id, NOW, timezone=TZ, base_url="https://gatepost.example", policy=policy
        )
        assert d.audit_anchor == str(audit.head(s))
    _, html, text = render_digest(d)
    line = next(x for x in text.splitlines() if x.startswith("Audit log check: "))
    anchor = audit.Anchor.parse(line.removeprefix("Audit log check: "))
    assert d.audit_anchor in html
    with sqlite_db.session_scope() as s:
        assert audit.verify_chain(s, anchor).ok


def test_monday_seven_is_seven_in_london_in_winter_and_in_summer():
    winter = MONDAY_7.next_after(datetime(2026, 11, 21, 12, 0, tzinfo=UTC))
    summer = MONDAY_7.next_after(datetime(2026, 6, 20, 12, 0, tzinfo=UTC))
    assert winter == datetime(2026, 11, 23, 7, 0, tzinfo=UTC)
    assert summer == datetime(2026, 6, 22, 6, 0, tzinfo=UTC)  # 07:00 BST
    # Across the October clock change the next one is still 07:00 local.
    assert MONDAY_7.next_after(datetime(2026, 10, 20, tzinfo=UTC)) == datetime(2026, 10, 26, 7, 0, tzinfo=UTC)
    # Exactly at the due time, the next is a week on.
    assert MONDAY_7.next_after(winter) == winter + timedelta(days=7)


def _claim(db: Database, now: datetime) -> schedule.Claim | None:
    with db.session_scope() as s:
        schedule.ensure_job(s, "digest:hollybrook", MONDAY_7.next_after(now))
    with db.session_scope() as s:
        return schedule.claim_due(s, "digest:hollybrook", now, MONDAY_7)


def test_a_run_is_claimed_once_per_week_and_not_again_after_a_restart(any_db: Database):
    with time_machine.travel(datetime(2026, 11, 22, 9, 0, tzinfo=UTC), tick=False):
        assert _claim(any_db, datetime.now(UTC)) is None  # first sight: due next Monday
    with time_machine.travel(datetime(2026, 11, 23, 6, 59, tzinfo=UTC), tick=False):
        assert _claim(any_db, datetime.now(UTC)) is None
    with time_machine.travel(datetime(2026, 11, 23, 7, 0, tzinfo=UTC), tick=False):
        claim = _claim(any_db, datetime.now(UTC))
        assert claim is not None and claim.next_due_at == datetime(2026, 11, 30, 7, 0, tzinfo=UTC)
        assert _claim(any_db, datetime.now(UTC)) is None  # the same worker again
    # "Restart": a new engine on the same database finds nothing due.
    again = Database(any_db.url)
    try:
        with time_machine.travel(datetime(2026, 11, 23, 9, 30, tzinfo=UTC), tick=False):
            assert _claim(again, datetime.now(UTC)) is None
        # Down for three weeks: one run, not three.
        with time_machine.travel(datetime(2026, 12, 16, 10, 0, tzinfo=UTC), tick=False):
            assert _claim(again, datetime.now(UTC)) is not None
            assert _claim(again, datetime.now(UTC)) is None
    finally:
        again.dispose()


def test_a_released_claim_is_due_again(sqlite_db: Database):
    _claim(sqlite_db, datetime(2026, 11, 22, tzinfo=UTC))
    claim = _claim(sqlite_db, NOW)
    assert claim is not None
    with sqlite_db.session_scope() as s:
        assert schedule.release(s, claim, "smtp send: 451")
    with sqlite_db.session_scope() as s:
        row = s.scalar(select(JobSchedule))
        assert row is not None and row.next_due_at == NOW and row.last_error == "smtp send: 451"
    assert _claim(sqlite_db, NOW + timedelta(minutes=1)) is not None


def test_two_workers_claiming_at_once_get_one_run(any_db: Database):
    _claim(any_db, datetime(2026, 11, 22, tzinfo=UTC))
    workers = [Database(any_db.url) for _ in range(6)]
    barrier = threading.Barrier(len(workers))
    won: list[schedule.Claim] = []
    errors: list[BaseException] = []

    def work(db: Database) -> None:
        try:
            barrier.wait()
            claim = _claim(db, NOW + timedelta(seconds=5))
            if claim is not None:
                won.append(claim)
        except BaseException as exc:  # a lock timeout would be a failure too
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(db,)) for db in workers]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for db in workers:
        db.dispose()
    assert errors == []
    assert len(won) == 1


def _items(s, school_id: int, n: int, at: datetime, category: str = "abuse") -> None:
    from review_queue.models import Post

    for i in range(n):
        post = Post(
            school_id=school_id,
            kind="x",
            external_id=f"{at.isoformat()}-{category}-{i}",
            created_at=at,
            content_hash="0" * 64,
            evidence_hash="0" * 64,
        )
        s.add(post)
        s.flush()
        s.add(
            ReviewItem(
                post_id=post.id,
                school_id=school_id,
                severity="medium",
                severity_rank=2,
                categories=[category],
                created_at=at,
            )
        )


def test_what_changed_says_first_week_then_names_a_real_rise(sqlite_db: Database, policy):
    from review_queue.models import School

    with sqlite_db.session_scope() as s:
        school = School(slug="new", name="New School")
        s.add(school)
        s.flush()
        _items(s, school.id, 4, NOW - timedelta(days=2))
        first = build_digest(s, school.id, NOW, timezone=TZ, base_url="http://x", policy=policy)
        assert first.changes == [
            "This is the first week with flags in Gatepost, so there is nothing yet to compare it with."
        ]
        _items(s, school.id, 9, NOW + timedelta(days=5), "threat")
        later = build_digest(
            s, school.id, NOW + timedelta(days=7), timezone=TZ, base_url="http://x", policy=policy
        )
    assert later.changes[0] == "New flags are up: 9 this week against 4 the week before."
    assert "Threat or intimidation flags rose to 9, from 0 last week." in later.changes
    assert not any("last term" in c for c in later.changes)  # nothing was watched last term
