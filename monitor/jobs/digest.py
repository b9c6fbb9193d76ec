"""The weekly digest job: when a school's digest is due, claim it, build it and email it, once.

The due time lives in the database (`review_queue.schedule`), so several workers, or a
worker restarted mid-morning, send each week's digest exactly once.  A send that fails
gives the claim back and the next tick retries it.  It goes to the school's headteacher
and DSL contacts.  A change of day, hour or time zone in settings moves the next run at
the next check (`schedule.follow_rule`).

Two ways to look at it without waiting for Monday, neither touching the schedule:
`render` (`gatepost digest --preview`) and `send_now` (`gatepost digest --send-now --to
ADDRESS`).  Logs carry the school slug and codes, never addresses or content.
"""

from __future__ import annotations

import logging
import ssl
from datetime import UTC, datetime, time

from sqlalchemy import select

from classifiers.policy import Policy
from monitor import mail
from monitor.settings import Profile, Settings
from review_queue import schedule
from review_queue.db import Database
from review_queue.models import School
from review_queue.oversight.digest import build_digest, render_digest

log = logging.getLogger(__name__)


def rule(settings: Settings, profile: Profile) -> schedule.Weekly:
    """Settings' day and hour, in the school's own time zone."""
    return schedule.Weekly(
        weekday=settings.digest.weekday,
        at=time.fromisoformat(settings.digest.at),
        timezone=profile.timezone(settings),
    )


def job_name(profile: Profile) -> str:
    return f"digest:{profile.slug}"


def recipients(profile: Profile) -> list[str]:
    return list(dict.fromkeys([*profile.contacts.headteacher, *profile.contacts.dsl]))


def render(
    db: Database, settings: Settings, profile: Profile, policy: Policy, now: datetime
) -> tuple[str, str, str] | None:
    """(subject, html, text) of the school's digest for the week ending `now`; None if unknown school."""
    with db.session_scope() as session:
        school = session.scalar(select(School).where(School.slug == profile.slug))
        if school is None:
            return None
        digest = build_digest(
            session,
            school.id,
            now,
            timezone=profile.timezone(settings),
            base_url=settings.base_url,
            policy=policy,
        )
    return render_digest(digest)


def send_digest_if_due(
    db: Database,
    settings: Settings,
    profile: Profile,
    policy: Policy,
    *,
    now: datetime | None = None,
    ssl_context: ssl.SSLContext | None = None,
) -> bool:
    """Send the school's digest if it is due and this worker wins the claim; True if sent."""
    if not settings.digest.enabled:
        return False
    now = now or datetime.now(UTC)
    weekly = rule(settings, profile)
    name = job_name(profile)
    with db.session_scope() as session:
        schedule.ensure_job(session, name, weekly.next_after(now))
        if schedule.follow_rule(session, name, weekly, now) is not None:
            log.info("digest for %s rescheduled: settings changed its day, hour or time zone", profile.slug)
    with db.session_scope() as session:
        # Committed when this block ends: from then on no other worker can take this run.
        claim = schedule.claim_due(session, name, now, weekly)
    if claim is None:
        return False
    rendered = render(db, settings, profile, policy, now)
    to = recipients(profile)
    if rendered is None or not to:
        # Nothing to send to: keep the claim (retrying every minute would not help) and say why.
        log.warning("digest for %s skipped: no school row or no contacts.headteacher/dsl", profile.slug)
        return False
    subject, html, text = rendered
    try:
        message = mail.build_message(
            sender=settings.smtp.from_address, to=to, subject=subject, text=text, html=html
        )
        mail.send(settings.smtp, message, ssl_context)
    except mail.MailError as exc:
        with db.session_scope() as session:
            schedule.release(session, claim, str(exc))
        log.warning("digest for %s not sent (%s); will retry", profile.slug, exc)
        return False
    with db.session_scope() as session:
        schedule.mark_sent(session, claim, datetime.now(UTC))
    log.info("digest for %s sent to %d recipient(s)", profile.slug, len(to))
    return True


def send_now(
    db: Database,
    settings: Settings,
    profile: Profile,
    policy: Policy,
    to: list[str],
    *,
    now: datetime | None = None,
    ssl_context: ssl.SSLContext | None = None,
) -> str:
    """Build this week's digest and send it to `to` now; the subject.  The schedule is left alone.

    For trying the digest (a test address, a new headteacher).  Raises LookupError for a
    school with no data yet and `mail.MailError` when the mail server refuses.
    """
    rendered = render(db, settings, profile, policy, now or datetime.now(UTC))
    if rendered is None:
        raise LookupError(f"school {profile.slug!r} has no data yet")
    subject, html, text = rendered
    message = mail.build_message(
        sender=settings.smtp.from_address, to=to, subject=subject, text=text, html=html
    )
    mail.send(settings.smtp, message, ssl_context)
    log.info("digest for %s sent now to %d address(es); schedule unchanged", profile.slug, len(to))
    return subject


def next_run(db: Database, settings: Settings, profile: Profile) -> datetime | None:
    """When the scheduled digest will next go, as settings now say (None: never checked yet)."""
    weekly = rule(settings, profile)
    with db.session_scope() as session:
        due = schedule.next_due(session, job_name(profile))
    if due is None:
        return None
    return due if weekly.occurs_at(due) else weekly.next_after(datetime.now(UTC))


def digest_job(settings_file: str, profile_path: str) -> None:
    """Scheduler entry point, run every few minutes; the database decides whether it is due."""
    from monitor import build

    with build.job(settings_file, profile_path) as job:
        send_digest_if_due(job.db, job.settings, job.school, job.policy)
