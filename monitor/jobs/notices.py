"""The notices job: send each email owed to an account about an item (escalated to them, handed back) once.

Escalating an item in the console owes its new holder an email (review_queue.escalations);
this job, run beside the urgent alerts, claims the owed emails, sends them and records the
outcome, retrying a failed one shortly.  Claiming and wording are in review_queue.notices:
an email says only that an item awaits the reader, with a console link, never post text or
names.  It logs ids and codes, never content or addresses.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select

from monitor import mail
from monitor.settings import Settings
from review_queue import notices
from review_queue.db import Database
from review_queue.models import School

log = logging.getLogger(__name__)

Sender = Callable[[Any, Any], None]


def send_owed_notices(
    db: Database,
    settings: Settings,
    school_slug: str | None = None,
    *,
    now: datetime | None = None,
    send: Sender = mail.send,
) -> int:
    """Claim and send the owed notices (one school's, or every school's); returns how many were sent."""
    fixed = now

    def clock() -> datetime:
        return fixed or datetime.now(UTC)

    with db.session_scope() as session:
        school_id = None
        if school_slug is not None:
            school_id = session.scalar(select(School.id).where(School.slug == school_slug))
            if school_id is None:
                return 0
        # Committed before sending, so no other worker takes the same notice meanwhile.
        claimed = notices.claim_notices(session, clock(), school_id)
    sent = 0
    for notice in claimed:
        message = notices.compose(notice, base_url=settings.base_url)
        error = None
        try:
            send(
                settings.smtp,
                mail.build_message(
                    sender=settings.smtp.from_address,
                    to=[notice.to],
                    subject=message.subject,
                    text=message.text,
                ),
            )
        except mail.MailError as exc:
            error = str(exc)
        with db.session_scope() as session:
            if error is None:
                notices.mark_sent(session, notice.notice_id, clock())
                sent += 1
                log.info("notice %s (%s) for item %s sent", notice.notice_id, notice.kind, notice.item_id)
            else:
                notices.mark_failed(session, notice.notice_id, clock(), error)
                log.warning(
                    "notice %s for item %s not sent (%s); will retry", notice.notice_id, notice.item_id, error
                )
    return sent


def notices_job(settings_file: str, profile_path: str) -> None:
    """Scheduler entry point (string arguments only: the job store pickles them)."""
    from monitor import build
    from monitor.settings import load_profile, load_settings

    settings = load_settings(settings_file or None)
    profile = load_profile(profile_path)
    db = build.database(settings)
    try:
        send_owed_notices(db, settings, profile.slug)
    finally:
        db.dispose()
