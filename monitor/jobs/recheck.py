"""Re-check flagged posts on their platforms and record edits and deletions.

A parent who posts something abusive often edits or deletes it once the school
notices.  What was captured stays; this job adds what changed, so the DSL sees both.
Only flagged posts are re-checked (each look-up costs requests, and on X it costs
reads), only for RECHECK_DAYS after capture, and only on connectors that offer
`recheck(ids)`.  One source failing is logged and the others go on.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import datetime, timedelta

from connectors.base import ConnectorError, Rechecks
from monitor import build
from monitor.settings import Profile
from review_queue.db import Database
from review_queue.models import Post, utcnow
from review_queue.store import flagged_to_recheck, record_recheck

log = logging.getLogger(__name__)

# Posts are re-checked for this long after capture: edits and deletions come in the
# first days, and a longer window multiplies the requests.
RECHECK_DAYS = 14
# Posts looked up per source per run (X charges a read for each).
MAX_PER_SOURCE = 100


def recheck_school(
    db: Database, profile: Profile, env: Mapping[str, str] | None = None, now: datetime | None = None
) -> dict[str, int]:
    """Re-check every source's flagged posts once.  Returns counts: checked, edited, deleted, failed."""
    now = now or utcnow()
    counts = {"checked": 0, "edited": 0, "deleted": 0, "failed": 0}
    with db.session_scope() as session:
        _, pairs = build.register_school(session, profile)
        plan = [(source.id, source.key, config) for source, config in pairs]
    for source_id, key, config in plan:
        with db.session_scope() as session:
            posts = flagged_to_recheck(session, source_id, now, timedelta(days=RECHECK_DAYS), MAX_PER_SOURCE)
            ids = {p.external_id: p.id for p in posts}
        if not ids:
            continue
        try:
            connector = build.connector(config, profile, env)
            if not isinstance(connector, Rechecks):
                continue
            found = connector.recheck(list(ids))
        except ConnectorError as exc:
            counts["failed"] += 1
            log.warning("re-check of source %s failed: %s", key, exc)
            continue
        with db.session_scope() as session:
            for external_id, post_id in ids.items():
                post = session.get_one(Post, post_id)
                change = record_recheck(session, post, found.get(external_id), now)
                counts["checked"] += 1
                if change:
                    counts[change] += 1
                    log.info("post %d %s on %s", post_id, change, key)
    return counts
