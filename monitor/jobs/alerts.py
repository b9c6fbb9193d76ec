"""The urgent-alert job: every minute, send each owed alert once, to whoever is on duty now.

In school hours an alert goes to the DSL and deputy; outside them to the school's
out-of-hours contacts (see `monitor.settings.Contacts`), and optionally to a webhook
(Teams, Slack, an SMS gateway).  Claiming and recording are in `review_queue.alerts`;
this module picks recipients, sends and commits.  It logs ids and codes, never content
or addresses.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

import httpx
from sqlalchemy import select

from classifiers.policy import Policy
from monitor import mail
from monitor.settings import Contacts, Profile, Settings
from review_queue import alerts
from review_queue.db import Database
from review_queue.models import School

log = logging.getLogger(__name__)

# A webhook that takes longer than this is treated as failed; the email has gone anyway.
WEBHOOK_TIMEOUT_S = 10.0

Sender = Callable[[Any, Any], None]
Poster = Callable[[str, dict[str, Any]], bool]


def in_school_hours(contacts: Contacts, now: datetime, timezone: str) -> bool:
    local = now.astimezone(ZoneInfo(timezone))
    day = local.date()
    if local.strftime("%a").lower() not in contacts.school_days:
        return False
    if any(h.start <= day <= h.end for h in contacts.holidays):
        return False
    start, end = (time.fromisoformat(t) for t in contacts.school_hours.split("-"))
    return start <= local.time().replace(tzinfo=None) < end


def recipients(contacts: Contacts, now: datetime, timezone: str) -> tuple[list[str], bool]:
    """Who gets an urgent alert at `now`, and whether that is the out-of-hours list."""
    on_duty = list(dict.fromkeys([*contacts.dsl, *contacts.deputy]))
    if in_school_hours(contacts, now, timezone):
        return on_duty, False
    local = now.astimezone(ZoneInfo(timezone))
    weekday = local.strftime("%a").lower()
    for rota in contacts.on_call:
        if rota.weekdays and weekday not in rota.weekdays:
            continue
        if not _within(local.date(), rota.start, rota.end):
            continue
        if rota.to:
            return list(dict.fromkeys(rota.to)), True
    if contacts.out_of_hours:
        return list(dict.fromkeys(contacts.out_of_hours)), True
    # Nobody named for out of hours: the alert still goes, to the DSL and deputy.
    return on_duty, True


def _within(day: date, start: date | None, end: date | None) -> bool:
    return (start is None or start <= day) and (end is None or day <= end)


def post_webhook(url: str, payload: dict[str, Any]) -> bool:
    try:
        response = httpx.post(url, json=payload, timeout=WEBHOOK_TIMEOUT_S)
    except httpx.HTTPError as exc:
        log.warning("alert webhook failed: %s", type(exc).__name__)
        return False
    if response.status_code >= 300:
        log.warning("alert webhook answered %s", response.status_code)
        return False
    return True


def send_owed_alerts(
    db: Database,
    settings: Settings,
    profile: Profile,
    policy: Policy,
    *,
    now: datetime | None = None,
    send: Sender = mail.send,
    webhook: Poster = post_webhook,
) -> int:
    """Claim and send one school's owed urgent alerts; returns how many were sent.

    `now` fixes the clock (tests); without it each step reads the real time.
    """
    fixed = now

    def clock() -> datetime:
        return fixed or datetime.now(UTC)

    now = clock()
    with db.session_scope() as session:
        school = session.scalar(select(School).where(School.slug == profile.slug))
        if school is None:
            return 0
        alerts.open_owed_alerts(session, school.id)
        # Committed before sending, so no other worker takes the same alert meanwhile.
        claimed = alerts.claim_alerts(session, now, school.id)
    sent = 0
    for alert in claimed:
        to, out_of_hours = recipients(profile.contacts, now, profile.timezone(settings))
        message = alerts.compose(
            alert,
            policy=policy,
            base_url=settings.base_url,
            timezone=profile.timezone(settings),
            out_of_hours=out_of_hours,
        )
        error = None
        webhook_ok: bool | None = True if alert.webhook_done else None
        if profile.contacts.webhook_url and not alert.webhook_done:
            webhook_ok = webhook(profile.contacts.webhook_url, message.webhook)
        if to:
            try:
                send(
                    settings.smtp,
                    mail.build_message(
                        sender=settings.smtp.from_address, to=to, subject=message.subject, text=message.text
                    ),
                )
            except mail.MailError as exc:
                error = str(exc)
        elif not webhook_ok:
            error = "no recipients: set contacts.dsl or contacts.out_of_hours"
        with db.session_scope() as session:
            if error is None:
                alerts.mark_sent(
                    session,
                    alert.alert_id,
                    clock(),
                    recipients=len(to),
                    out_of_hours=out_of_hours,
                    webhook_ok=webhook_ok,
                )
                sent += 1
                log.info(
                    "urgent alert %s for item %s sent to %d recipient(s)",
                    alert.alert_id,
                    alert.item_id,
                    len(to),
                )
            else:
                alerts.mark_failed(session, alert.alert_id, clock(), error, webhook_ok=webhook_ok)
                log.warning(
                    "urgent alert %s for item %s not sent (%s); will retry",
                    alert.alert_id,
                    alert.item_id,
                    error,
                )
    return sent


def alerts_job(settings_file: str, profile_path: str) -> None:
    """Scheduler entry point (string arguments only: the job store pickles them)."""
    from monitor import build

    with build.job(settings_file, profile_path) as job:
        send_owed_alerts(job.db, job.settings, job.school, job.policy)
