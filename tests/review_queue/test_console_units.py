"""Unit tests for the console: highlighting, drafts, letters, incidents, audit, accounts."""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import delete, select, update

from classifiers.policy import Policy
from monitor.cli import main as gatepost
from review_queue import accounts, audit, feedback
from review_queue.casework import incidents, letters, platform_reports
from review_queue.db import Database
from review_queue.models import (
    AuditEntry,
    ConductIncident,
    IncidentEvent,
    Letter,
    OneTimeSignin,
    ReviewItem,
    User,
    utcnow,
)
from review_queue.queue import decide
from review_queue.web.views import safe_url, segments
from tests.review_queue.conftest import PASSWORD, SCHOOL, Cast, ItemFactory

# ---- highlighting ---------------------------------------------------------------


def test_segments_cover_the_text_exactly_and_merge_overlapping_spans() -> None:
    text = "<b>abc</b> def ghi"
    spans = [
        {"category": "abuse", "start": 3, "end": 12, "why": "one"},
        {"category": "threat", "start": 8, "end": 15, "why": "two"},
        {"category": "x", "start": 40, "end": 50},  # out of range: ignored
        {"category": "y", "start": 5, "end": 2},  # inverted: ignored
        {"start": "nonsense"},
    ]
    segs = segments(text, spans)
    assert "".join(s.text for s in segs) == text
    both = [s for s in segs if set(s.categories) == {"abuse", "threat"}]
    assert both and both[0].why == "one; two"


def test_only_http_urls_become_links() -> None:
    assert safe_url("https://x.com/a") == "https://x.com/a"
    for bad in ("javascript:alert(1)", " JAVASCRIPT:alert(1)", "data:text/html,x", "//evil.test", "http://"):
        assert safe_url(bad) is None


# ---- report drafts ----------------------------------------------------------------


def _confirmed(
    db: Database, make_item: ItemFactory, cats: list[str], policy: Policy, user_id: int, **kw
) -> int:
    item_id = make_item(flags=tuple(cats), **kw)
    with db.session_scope() as s:
        decide(
            s,
            s.get(ReviewItem, item_id),
            action="confirm",
            reason="a breach",
            categories=cats,
            user_id=user_id,
            known_categories=list(policy.categories),
        )
    return item_id


@pytest.mark.parametrize("platform", list(platform_reports.PLATFORMS))
def test_every_platform_draft_says_appears_to_breach_and_never_defamatory(
    platform: str, db: Database, make_item: ItemFactory, policy: Policy, cast: Cast
) -> None:
    item_id = _confirmed(db, make_item, ["abuse", "threat", "defamation"], policy, cast.dsl.id)
    with db.session_scope() as s:
        r = platform_reports.draft_report(
            s,
            s.get(ReviewItem, item_id),
            platform=platform,
            policy=policy,
            school_name=SCHOOL.name,
            user_id=1,
        )
        post = s.get(ReviewItem, item_id).post
        assert "appears to breach" in r.body
        assert "defamat" not in r.body.lower()
        assert post.url in r.body and post.evidence_hash in r.body and "> Mrs Carter" in r.body
        assert platform_reports.PLATFORMS[platform].rules["harassment"] in r.body


def test_drafts_are_refused_for_unconfirmed_items_and_defamation_alone(
    db: Database, make_item: ItemFactory, policy: Policy, cast: Cast
) -> None:
    open_item = make_item()
    defam = _confirmed(db, make_item, ["defamation"], policy, cast.dsl.id)
    with db.session_scope() as s:
        with pytest.raises(platform_reports.ReportError, match="confirmed"):
            platform_reports.draft_report(
                s, s.get(ReviewItem, open_item), platform="x", policy=policy, school_name="S", user_id=None
            )
        with pytest.raises(platform_reports.ReportError, match="legal advice"):
            platform_reports.draft_report(
                s, s.get(ReviewItem, defam), platform="x", policy=policy, school_name="S", user_id=None
            )


def test_escalation_is_suggested_48_hours_after_a_report_and_posh_only_for_staff(
    db: Database, make_item: ItemFactory, policy: Policy, cast: Cast
) -> None:
    item_id = _confirmed(db, make_item, ["abuse"], policy, cast.dsl.id)
    with db.session_scope() as s:
        item = s.get(ReviewItem, item_id)
        r = platform_reports.draft_report(s, item, platform="x", policy=policy, school_name="S", user_id=None)
        assert platform_reports.escalation_suggestions(r) == []  # not reported yet
        reported = utcnow() - timedelta(hours=47)
        platform_reports.record_outcome(s, r, reference="X-1", reported_at=reported)
        assert platform_reports.escalation_suggestions(r) == []
        later = reported + timedelta(hours=48, minutes=1)
        (rhc,) = platform_reports.escalation_suggestions(r, later)
        assert "reportharmfulcontent.com" in rhc
        r.staff_targeted = True
        assert any("0344 381 4772" in x for x in platform_reports.escalation_suggestions(r, later))
        platform_reports.record_outcome(s, r, outcome="removed")
        assert platform_reports.escalation_suggestions(r, later) == []


# ---- letters and incidents --------------------------------------------------------


@pytest.mark.parametrize("template", letters.available())
def test_every_letter_template_fills_every_placeholder_in_british_english(template: str) -> None:
    out = letters.render(
        template,
        school=SCHOOL,
        recipient_name="Sam Parent",
        recipient_address="1 Road",
        incident_ref="GP-0001",
        posts=[letters.PostRef("X (Twitter)", date(2026, 11, 3), "https://x.test/1")],
        breaches=["Abusive or personal comments about staff, pupils or other parents."],
        today=date(2026, 11, 22),
        previous_letter_date=date(2026, 11, 1),
    )
    assert out.subject
    assert not re.search(r"\$[a-z_]+", out.body), "an unfilled placeholder"
    assert "Parent/Carer Code of Conduct" in out.body and "Hollybrook Primary School" in out.body
    assert "22 November 2026" in out.body and "Denise Carter" in out.body
    for american in ("behavior", "color", "organize", "recognize", "license ", "Sincerely yours"):
        assert american not in out.body
    assert "defamatory" not in out.body.lower()


def _incident(db: Database, make_item: ItemFactory, policy: Policy, cast: Cast) -> int:
    item_id = _confirmed(db, make_item, ["abuse"], policy, cast.dsl.id)
    with db.session_scope() as s:
        school_id = s.get(ReviewItem, item_id).school_id
        return incidents.open_incident(s, school_id=school_id, item_ids=[item_id], user_id=cast.dsl.id).id


def _with_person(db: Database, inc_id: int, address: str = "12 Acacia Avenue, Ashby Fields") -> None:
    with db.session_scope() as s:
        inc = s.get(ConductIncident, inc_id)
        person = incidents.add_person(s, school_id=inc.school_id, name="Sam Parent", address=address)
        incidents.set_person(s, inc, person.id, None)


def _completed(s: Any, letter: Letter) -> Letter:
    """The headteacher completes every "[...]" note, as the templates ask, and saves the letter."""
    body = letter.body
    while letters.unfilled(body):
        body = re.sub(r"\[([^\[\]\n]*)\]", r"\1", body)
    incidents.edit_letter(s, letter, body)
    return letter


def test_the_ladder_moves_a_stage_when_each_letter_is_sent(
    db: Database, make_item: ItemFactory, policy: Policy, cast: Cast
) -> None:
    inc_id = _incident(db, make_item, policy, cast)
    _with_person(db, inc_id)
    with db.session_scope() as s:
        inc = s.get(ConductIncident, inc_id)
        for expected in ("invitation", "warning", "ban"):
            nxt = incidents.next_stage(inc, policy)
            assert nxt is not None and nxt.key == expected
            letter = incidents.draft_letter(s, inc, nxt.letter, school=SCHOOL, policy=policy, user_id=None)
            assert inc.stage != expected  # drafting alone does not move the ladder
            incidents.mark_letter_sent(s, inc, _completed(s, letter), policy, None)
            assert inc.stage == expected
        assert incidents.next_stage(inc, policy) is None
        warning = incidents.letters_for(s, inc_id)[1]
        assert "I wrote to you on " + letters.long_date(utcnow().date()) in warning.body


def test_a_serious_case_goes_straight_to_a_ban_and_the_timeline_says_so(
    db: Database, make_item: ItemFactory, policy: Policy, cast: Cast
) -> None:
    inc_id = _incident(db, make_item, policy, cast)
    _with_person(db, inc_id)
    with db.session_scope() as s:
        inc = s.get(ConductIncident, inc_id)
        letter = incidents.draft_letter(s, inc, "ban", school=SCHOOL, policy=policy, user_id=None)
        incidents.mark_letter_sent(s, inc, _completed(s, letter), policy, None)
        assert inc.stage == "ban"
        events = [
            e.summary for e in s.scalars(select(IncidentEvent).where(IncidentEvent.incident_id == inc_id))
        ]
        assert "Earlier stages skipped: a serious case" in events
        with pytest.raises(incidents.IncidentError):
            incidents.draft_letter(s, inc, "no_such_letter", school=SCHOOL, policy=policy, user_id=None)
        with pytest.raises(incidents.IncidentError):
            incidents.edit_letter(s, letter, "changed after sending")


def test_an_incident_starts_only_from_confirmed_items_and_people_keep_their_history(
    db: Database, make_item: ItemFactory, policy: Policy, cast: Cast, school_id: int
) -> None:
    open_item = make_item()
    with db.session_scope() as s, pytest.raises(incidents.IncidentError):
        incidents.open_incident(s, school_id=school_id, item_ids=[open_item], user_id=None)
    first, second = _incident(db, make_item, policy, cast), _incident(db, make_item, policy, cast)
    with db.session_scope() as s:
        person = incidents.add_person(s, school_id=school_id, name="Sam Parent")
        for i in (first, second):
            incidents.set_person(s, s.get(ConductIncident, i), person.id, None)
        assert {i.id for i in incidents.person_history(s, person.id)} == {first, second}


# ---- audit ------------------------------------------------------------------------


def test_the_audit_chain_detects_a_removed_row(db: Database, cast: Cast) -> None:
    with db.session_scope() as s:
        assert audit.verify_chain(s).ok
        user = s.get(User, cast.dsl.id)
        for i in range(5):
            audit.record(s, user=user, action="view.item", object_type="item", object_id=i)
    with db.session_scope() as s:
        report = audit.verify_chain(s)
        assert report.ok and report.entries == 5
        middle = s.scalars(select(AuditEntry.id).order_by(AuditEntry.id)).all()[2]
        s.execute(delete(AuditEntry).where(AuditEntry.id == middle))
    with db.session_scope() as s:
        report = audit.verify_chain(s)
        assert not report.ok and "removed" in report.problem


def test_gatepost_audit_verify_checks_the_chain_and_an_anchor_and_prints_the_head(
    db: Database, cast: Cast, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("GATEPOST_DATABASE_URL", db.url)
    with db.session_scope() as s:
        audit.record(s, user=s.get(User, cast.dsl.id), action="decide", object_type="item", object_id=1)
        audit.record(s, user=s.get(User, cast.dsl.id), action="decide", object_type="item", object_id=2)
    # Written by this unkeyed test database: not signed with the installation's key until the
    # operator re-signs it, once, as after an upgrade (no command does it on its own).
    assert gatepost(["audit", "verify"]) == 1
    assert gatepost(["audit", "verify"]) == 1
    assert gatepost(["audit", "rekey"]) == 0
    assert "re-signed under this installation's audit key" in capsys.readouterr().out
    assert gatepost(["audit", "verify"]) == 0
    out = capsys.readouterr().out
    # Two entries, and the one that records re-hashing them under the audit key.
    assert "holds (3 entries)" in out
    anchor = out.splitlines()[-1].split()[1]
    assert gatepost(["audit", "verify", "--anchor", anchor]) == 0
    assert "anchored entry" in capsys.readouterr().out
    entry_id = anchor.split(":")[0]
    assert gatepost(["audit", "verify", "--anchor", f"{entry_id}:{'0' * 64}"]) == 1
    assert "rewritten" in capsys.readouterr().err
    assert gatepost(["audit", "verify", "--anchor", "12:abc"]) == 2
    with db.session_scope() as s:
        s.execute(update(AuditEntry).where(AuditEntry.object_id == "1").values(action="view.item"))
    assert gatepost(["audit", "verify"]) == 1
    assert "BROKEN" in capsys.readouterr().err


def test_an_anchor_written_down_earlier_shows_that_the_newest_entries_were_removed(
    db: Database, cast: Cast
) -> None:
    with db.session_scope() as s:
        user = s.get(User, cast.dsl.id)
        for i in range(3):
            audit.record(s, user=user, action="view.item", object_type="item", object_id=i)
    with db.session_scope() as s:
        anchor = audit.head(s)
        assert anchor is not None and len(anchor.hash_prefix) == 64
        audit.record(s, user=s.get(User, cast.dsl.id), action="view.item", object_type="item", object_id=9)
    with db.session_scope() as s:
        assert audit.verify_chain(s, anchor).ok
        # Someone with database access removes the last two entries: the chain alone still holds.
        newest = s.scalars(select(AuditEntry.id).order_by(AuditEntry.id.desc()).limit(2)).all()
        s.execute(delete(AuditEntry).where(AuditEntry.id.in_(newest)))
    with db.session_scope() as s:
        assert audit.verify_chain(s).ok
        # As written down: the entry id and the first 16 hex digits of its hash.
        written = audit.Anchor.parse(f"{anchor.entry_id}:{anchor.hash_prefix[:16]}")
        report = audit.verify_chain(s, written)
        assert not report.ok and report.first_bad_id == anchor.entry_id and "removed" in report.problem


# ---- accounts ---------------------------------------------------------------------


def test_gatepost_users_add_hashes_with_argon2(
    db: Database, school_id: int, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("GATEPOST_DATABASE_URL", db.url)
    monkeypatch.setenv("GATEPOST_NEW_PASSWORD", PASSWORD)
    assert gatepost(["users", "add", "New.DSL@School.test", "--role", "dsl"]) == 0
    assert gatepost(["users", "add", "new.dsl@school.test", "--role", "dsl"]) == 1  # taken
    monkeypatch.setenv("GATEPOST_NEW_PASSWORD", "short")
    assert gatepost(["users", "add", "other@school.test", "--role", "reviewer"]) == 1
    with db.session_scope() as s:
        user = s.scalar(select(User).where(User.email == "new.dsl@school.test"))
        assert user.password_hash.startswith("$argon2id$") and PASSWORD not in user.password_hash
        assert user.school_id == school_id
        assert accounts.authenticate(s, "new.dsl@school.test", PASSWORD, "127.0.0.1").id == user.id


def test_gatepost_users_lists_resets_and_disables_accounts(
    db: Database, cast: Cast, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("GATEPOST_DATABASE_URL", db.url)
    assert gatepost(["users", "list"]) == 0
    listing = capsys.readouterr().out
    assert cast.dsl.email in listing and cast.governor.email in listing and "active" in listing
    monkeypatch.setenv("GATEPOST_NEW_PASSWORD", "another long passphrase")
    assert gatepost(["users", "password", cast.reviewer.email]) == 0
    assert gatepost(["users", "password", "nobody@school.test"]) == 1
    assert gatepost(["users", "disable", cast.governor.email]) == 0
    assert gatepost(["users", "list"]) == 0
    assert any(
        cast.governor.email in line and "disabled" in line for line in capsys.readouterr().out.splitlines()
    )
    with db.session_scope() as s:
        with pytest.raises(accounts.AuthError):
            accounts.authenticate(s, cast.reviewer.email, PASSWORD, "127.0.0.1")
        assert accounts.authenticate(s, cast.reviewer.email, "another long passphrase", "127.0.0.1")
        with pytest.raises(accounts.AuthError):
            accounts.authenticate(s, cast.governor.email, PASSWORD, "127.0.0.1")
    assert gatepost(["users", "enable", cast.governor.email]) == 0
    with db.session_scope() as s:
        assert accounts.authenticate(s, cast.governor.email, PASSWORD, "127.0.0.1")


def test_sign_in_is_throttled_per_address_across_accounts(db: Database, cast: Cast) -> None:
    for i in range(accounts.MAX_FAILURES_PER_ADDRESS):
        with db.session_scope() as s, pytest.raises(accounts.AuthError):
            accounts.authenticate(s, f"guess{i}@school.test", "wrong", "203.0.113.9")
    with db.session_scope() as s:
        with pytest.raises(accounts.Throttled):
            accounts.authenticate(s, cast.dsl.email, PASSWORD, "203.0.113.9")
        assert accounts.authenticate(s, cast.dsl.email, PASSWORD, "198.51.100.1").id == cast.dsl.id


def test_disabled_accounts_and_expired_links_do_not_sign_in(db: Database, cast: Cast) -> None:
    with db.session_scope() as s:
        user = s.get(User, cast.reviewer.id)
        token = accounts.create_one_time_signin(s, user)
        s.execute(update(OneTimeSignin).values(expires_at=utcnow() - timedelta(minutes=1)))
        with pytest.raises(accounts.AuthError):
            accounts.redeem_one_time_signin(s, token)
        user.disabled = True
        with pytest.raises(accounts.AuthError):
            accounts.authenticate(s, cast.reviewer.email, PASSWORD, "127.0.0.1")


# ---- feedback ---------------------------------------------------------------------


def test_dismissals_and_corrections_are_exported_as_labelled_feedback(
    db: Database, make_item: ItemFactory, policy: Policy, cast: Cast
) -> None:
    dismissed, corrected = make_item(flags=("abuse",)), make_item(flags=("abuse",))
    with db.session_scope() as s:
        for item_id, action, cats in ((dismissed, "dismiss", ["abuse"]), (corrected, "confirm", ["threat"])):
            decide(
                s,
                s.get(ReviewItem, item_id),
                action=action,
                reason="reviewed",
                categories=cats,
                user_id=cast.dsl.id,
                known_categories=list(policy.categories),
            )
        rows = {r["decision"]: r for r in feedback.labelled_feedback(s)}
    assert rows["dismiss"]["kind"] == "false_positive" and rows["dismiss"]["label"] == []
    assert rows["confirm"]["kind"] == "corrected" and rows["confirm"]["label"] == ["threat"]
    assert rows["confirm"]["model_flags"] == ["abuse"]


def test_the_item_page_gives_each_evidence_reason_once(
    db: Database, make_item: ItemFactory, cast: Cast, policy: Policy
) -> None:
    from review_queue.models import User
    from review_queue.web.views import item_detail

    text = "I know where he parks and he'll regret it, I know where he parks"
    spans = [
        {"category": "threat", "start": 2, "end": 21, "why": "veiled threat"},
        {"category": "threat", "start": 34, "end": 43, "why": "veiled threat"},
        {"category": "threat", "start": 45, "end": 64, "why": "veiled threat"},
    ]
    item_id = make_item(text=text, flags=["threat"], evidence=spans)
    with db.session_scope() as s:
        user = s.get_one(User, cast.dsl.id)
        detail = item_detail(s, user, item_id, policy)
    assert detail is not None
    (flag,) = detail.flags
    assert flag["why"] == "veiled threat"
