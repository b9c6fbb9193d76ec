"""The retention job: apply the policy's retention periods in one transaction, or rehearse them.

A dry run performs exactly the same deletes and then rolls the transaction back, so the
counts it prints are the counts an applied run would delete at that moment.  The rules
themselves live in `review_queue.records.retention`.
"""

from __future__ import annotations

import logging
from datetime import datetime

from classifiers.policy import Retention
from review_queue.db import Database
from review_queue.models import utcnow
from review_queue.records.retention import RetentionResult, apply_retention

log = logging.getLogger(__name__)


def run_retention(
    db: Database, rules: Retention, *, apply: bool, now: datetime | None = None
) -> RetentionResult:
    """Delete (or, with apply=False, count) everything past the policy's retention periods
    (`Policy.retention`) as of `now`."""
    at = now or utcnow()
    if apply:
        with db.session_scope() as session:
            result = apply_retention(session, rules, at)
    else:
        session = db.sessions()
        try:
            result = apply_retention(session, rules, at)
        finally:
            session.rollback()
            session.close()
    # Counts only: which rows went is deliberately not logged.
    log.info("retention %s: %d rows past their period", "applied" if apply else "dry run", result.total)
    return result
