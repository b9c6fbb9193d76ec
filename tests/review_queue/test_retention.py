"""Retention on the demo school: exactly what policy.toml says goes, at exactly the right time."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest
import time_machine
from sqlalchemy import delete, select, text

from classifiers.policy import Policy
from config import POLICY_PATH
from monitor import build
from monitor.jobs.retention import run_retention
from monitor.settings import Settings, StartupError
from review_queue import audit
from review_queue.db import Database
from review_queue.models import AuditEntry, Base, ConductIncident, Person, Post, ReviewItem, utcnow
from review_queue.records.retention import (
    EXEMPT_TABLES,
    TABLES,
    apply_retention,
    years_before,
)
from tests.review_queue import demo_data
from tests.review_queue.demo_data import POLICY, T0

RULES = POLICY.retention.model_dump()
INVALID = "is invalid .*; fix: correct its value"
# policy.toml's [retention] table, its comments and keys, up to the incidents' comment.
RETENTION_SECTION = re.compile(r"^\[retention\]\n(?:[^\[\n].*\n|\n)*?(?=# Conduct incidents)", re.M)
NOTHING = dict.fromkeys(TABLES, 0)


def row_counts(db: Database) -> dict[str, int]:
    with db.session_scope() as s:
        return {t: int(s.execute(text(f"SELECT count(*) FROM {t}")).scalar_one()) for t in TABLES}


def years_after(moment: datetime, years: int) -> datetime:
    return years_before(moment, -years)


def expect(**deleted: int) -> dict[str, int]:
    return {**NOTHING, **deleted}


def minus(before: dict[str, int], deleted: dict[str, int]) -> dict[str, int]:
    return {t: before[t] - deleted[t] for t in TABLES}


@pytest.fixture
def clock() -> Iterator[time_machine.Traveller]:
    with time_machine.travel(T0, tick=False) as traveller:
        yield traveller


def run(db: Database, *, apply: bool = True) -> dict[str, int]:
    return run_retention(db, POLICY.retention, apply=apply).deleted


def test_a_retention_run_on_the_demo_data_deletes_exactly_what_policy_toml_says(
    any_db: Database, clock: time_machine.Traveller
) -> None:
    sc = demo_data.build(any_db)
    flagged = len(demo_data.FLAGS)
    stored = len(sc.post_ids)
    assert (stored, flagged) == (37, 21)

    # A day before the unflagged period ends: nothing is due.
    clock.move_to(T0 + timedelta(days=RULES["unflagged_posts_days"] - 1))
    before = row_counts(any_db)
    assert run(any_db) == NOTHING
    # Each run is audited, so the log grows by one entry; nothing else changes.
    assert row_counts(any_db) == {**before, "audit_log": before["audit_log"] + 1}

    # The unflagged period has passed: the 16 posts never flagged go, with their judgements,
    # and the stale failed sign-in.  Every flagged post stays, whatever its status.
    clock.move_to(T0 + timedelta(days=RULES["unflagged_posts_days"], hours=1))
    before = row_counts(any_db)
    deleted = run(any_db)
    want = expect(posts=stored - flagged, judgements=stored - flagged, post_revisions=1, signin_failures=1)
    assert deleted == want
    assert row_counts(any_db) == {**minus(before, want), "audit_log": before["audit_log"] + 1}
    with any_db.session_scope() as s:
        left = set(s.scalars(select(Post.external_id)))
    assert left == set(demo_data.FLAGS)

    # The dismissed period has passed: the four dismissed flags go, all of each.
    clock.move_to(T0 + timedelta(days=RULES["dismissed_days"], hours=1))
    before = row_counts(any_db)
    deleted = run(any_db)
    n = len(demo_data.DISMISSED)
    want = expect(review_items=n, posts=n, judgements=n, decisions=n)
    assert deleted == want
    assert row_counts(any_db) == {**minus(before, want), "audit_log": before["audit_log"] + 1}

    # A day short of the records period: confirmed items, incidents and the audit log stay.
    clock.move_to(years_after(T0 + timedelta(days=-1), RULES["confirmed_years"]))
    assert run(any_db) == NOTHING

    # The records period has passed.  Confirmed items not held by an incident go, with their
    # report, safeguarding mark and alert; the incident closed at T0 goes with its letter,
    # timeline, post links, posts and person; the audit entries written at T0 go.
    clock.move_to(years_after(T0 + timedelta(days=1), RULES["confirmed_years"]))
    assert RULES["audit_years"] == RULES["confirmed_years"]
    before = row_counts(any_db)
    deleted = run(any_db)
    n = len(demo_data.CONFIRMED_ALONE) + len(demo_data.CLOSED_INCIDENT)
    want = expect(
        review_items=n,
        posts=n,
        judgements=n,
        post_revisions=1,
        decisions=n,
        platform_reports=1,
        safeguarding_marks=1,
        urgent_alerts=1,
        conduct_incidents=1,
        incident_posts=len(demo_data.CLOSED_INCIDENT),
        letters=1,
        incident_events=3,
        people=1,
        audit_log=sc.audit_entries_at_t0,
    )
    assert deleted == want
    # Two entries appended by this run: the prune anchor and the run's counts.
    assert row_counts(any_db) == {
        **minus(before, want),
        "audit_log": before["audit_log"] - want["audit_log"] + 2,
    }

    with any_db.session_scope() as s:
        statuses = {
            ext: status
            for ext, status in s.execute(
                select(Post.external_id, ReviewItem.status).join(ReviewItem, ReviewItem.post_id == Post.id)
            )
        }
        # Undecided items are never deleted: a person has not decided yet.
        undecided = set(demo_data.FLAGS) - set(
            demo_data.DISMISSED
            + demo_data.CONFIRMED_ALONE
            + demo_data.CLOSED_INCIDENT
            + demo_data.OPEN_INCIDENT
        )
        assert {d for d, st in statuses.items() if st in ("open", "escalated")} == undecided
        # The open incident's confirmed posts are its evidence: kept while it is open.
        assert all(statuses[d] == "confirmed" for d in demo_data.OPEN_INCIDENT)
        assert s.get(ConductIncident, sc.open_incident_id) is not None
        assert s.get(Person, sc.open_person_id) is not None
        assert s.get(ConductIncident, sc.closed_incident_id) is None
        assert s.get(Person, sc.closed_person_id) is None
        report = audit.verify_chain(s)
        assert report.ok, report
        runs = list(
            s.scalars(select(AuditEntry).where(AuditEntry.action == "retention.run").order_by(AuditEntry.id))
        )
        assert runs[-1].detail == {"deleted": {k: v for k, v in want.items() if v}}
        assert runs[-1].user_id is None

    # Run again straight away: nothing more is due.
    assert run(any_db) == NOTHING


def test_a_dry_run_counts_what_an_applied_run_deletes_and_changes_nothing(
    any_db: Database, clock: time_machine.Traveller
) -> None:
    demo_data.build(any_db)
    clock.move_to(years_after(T0 + timedelta(days=1), RULES["confirmed_years"]))
    before = row_counts(any_db)
    rehearsed = run(any_db, apply=False)
    assert row_counts(any_db) == before
    assert sum(rehearsed.values()) > 0
    assert run(any_db, apply=True) == rehearsed


def test_items_of_a_closed_incident_are_kept_for_the_records_period_from_its_closure(
    any_db: Database, clock: time_machine.Traveller
) -> None:
    sc = demo_data.build(any_db)
    closes_at = T0 + timedelta(days=400)
    clock.move_to(closes_at)
    with any_db.session_scope() as s:
        inc = s.get_one(ConductIncident, sc.open_incident_id)
        inc.status, inc.closed_at = "closed", utcnow()
    years = RULES["confirmed_years"]
    # The items were confirmed at T0, so their own period is over, but the incident holds them.
    clock.move_to(years_after(closes_at - timedelta(days=1), years))
    run(any_db)
    with any_db.session_scope() as s:
        assert s.get(ConductIncident, sc.open_incident_id) is not None
        assert all(s.get(ReviewItem, sc.item_ids[d]) is not None for d in demo_data.OPEN_INCIDENT)
    clock.move_to(years_after(closes_at + timedelta(days=1), years))
    deleted = run(any_db)
    assert deleted["conduct_incidents"] == 1
    assert deleted["review_items"] == len(demo_data.OPEN_INCIDENT)
    assert deleted["people"] == 1
    assert deleted["incident_meetings"] == 1
    with any_db.session_scope() as s:
        assert s.get(ConductIncident, sc.open_incident_id) is None
        assert s.get(Person, sc.open_person_id) is None
        assert audit.verify_chain(s).ok


def test_the_audit_chain_verifies_after_pruning_but_not_after_a_silent_deletion(
    any_db: Database, clock: time_machine.Traveller
) -> None:
    demo_data.build(any_db)
    clock.move_to(years_after(T0 + timedelta(days=1), RULES["audit_years"]))
    with any_db.session_scope() as s:
        apply_retention(s, POLICY.retention, utcnow())
    with any_db.session_scope() as s:
        assert audit.verify_chain(s).ok
        pruned = s.scalars(select(AuditEntry).where(AuditEntry.action == audit.PRUNED_ACTION)).one()
        first = s.scalars(select(AuditEntry).order_by(AuditEntry.id).limit(1)).one()
        assert first.prev_hash == pruned.detail["anchor_hash"]
        # Someone removes the oldest surviving entry without a prune record: the chain says so.
        s.execute(delete(AuditEntry).where(AuditEntry.id == first.id))
    with any_db.session_scope() as s:
        report = audit.verify_chain(s)
        assert not report.ok


def test_retention_never_writes_post_text_or_handles_into_the_audit_log(
    sqlite_db: Database, clock: time_machine.Traveller
) -> None:
    demo_data.build(sqlite_db)
    clock.move_to(years_after(T0 + timedelta(days=1), RULES["confirmed_years"]))
    run(sqlite_db)
    with sqlite_db.session_scope() as s:
        details = " ".join(
            repr(e.detail) + e.object_id
            for e in s.scalars(select(AuditEntry).where(AuditEntry.action.like("retention.%")))
        )
    assert "Hollybrook" not in details and "angrydad" not in details


def test_every_table_is_either_covered_by_retention_or_exempt_with_a_reason() -> None:
    tables = {t.name for t in Base.metadata.sorted_tables}
    assert tables == set(TABLES) | set(EXEMPT_TABLES), (
        "a table was added: add it to review_queue.records.retention.TABLES (and to privacy) or EXEMPT_TABLES"
    )
    assert not set(TABLES) & set(EXEMPT_TABLES)


@pytest.mark.parametrize(
    ("section", "message"),
    [
        ({}, "missing required key 'retention.unflagged_posts_days'; fix: add it"),
        (
            {**RULES, "dismissed_days": "90"},
            f"key 'retention.dismissed_days' {INVALID}",
        ),
        (
            {**RULES, "dismissed_days": True},
            f"key 'retention.dismissed_days' {INVALID}",
        ),
        ({**RULES, "audit_years": 0}, f"key 'retention.audit_years' {INVALID}"),
        ({**RULES, "keep_forever": True}, "unknown key 'retention.keep_forever'; fix: remove it"),
    ],
)
def test_a_bad_retention_section_is_refused_at_start_up_in_one_line_with_the_key_and_the_fix(
    tmp_path: Path, section: dict[str, object], message: str
) -> None:
    path = tmp_path / "policy.toml"
    lines = "".join(f"{key} = {json.dumps(value)}\n" for key, value in section.items())
    path.write_text(
        RETENTION_SECTION.sub(f"[retention]\n{lines}\n", POLICY_PATH.read_text()), encoding="utf-8"
    )
    with pytest.raises(StartupError, match=message) as err:
        build.policy(Settings(home=tmp_path, database_url="sqlite://", policy_path=path))
    assert len(str(err.value).splitlines()) == 1 and str(path) in str(err.value)


def test_a_policy_without_the_newer_signin_key_keeps_a_month_of_sign_in_records() -> None:
    data = POLICY.model_dump()
    del data["retention"]["signin_records_days"]
    assert Policy.model_validate(data).retention.signin_records_days == 30


def test_the_default_policy_keeps_what_the_issue_asks() -> None:
    rules = POLICY.retention
    assert (rules.unflagged_posts_days, rules.dismissed_days) == (30, 90)
    assert rules.confirmed_years >= 1 and rules.audit_years >= rules.confirmed_years
