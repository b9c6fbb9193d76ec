"""Run sources: each batch and its cursor stored in one transaction, one source's failure isolated.

This is one of the two places a broad `except Exception` belongs: a broken source is
logged (by id, never post text), recorded on its row, and the next source runs.

A run first claims the source's lease (`review_queue.leases`), so two schedulers or
many workers never fetch one source at once; each batch renews it as a fence.  A 429's
Retry-After is kept on the source and no run is attempted before it.
"""

from __future__ import annotations

import dataclasses
import itertools
import logging
import os
import socket
import time
import uuid
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from connectors.base import ConnectorError, SourceConfig
from monitor import build
from monitor.retry import DEFAULT_RETRY, RetryPolicy
from monitor.settings import Profile
from review_queue import leases
from review_queue.db import Database
from review_queue.models import Source, utcnow
from review_queue.store import SetAside, ingest_posts, record_set_aside, save_cursor

log = logging.getLogger(__name__)

# A run of one source stops taking batches after this long, so one slow platform cannot
# starve the others; the cursor keeps its place and the next run carries on.
RUN_BUDGET_SECONDS = 120.0


@dataclasses.dataclass
class SourceResult:
    key: str
    kind: str
    stored: int = 0
    seen: int = 0
    error: str | None = None
    permanent: bool = False
    # Not run: another runner holds the source's lease, or the platform asked us to wait.
    skipped: bool = False
    # Records passed over because they could not be stored (each recorded on the source).
    set_aside: int = 0
    new_post_ids: list[int] = dataclasses.field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.error is None


def run_source(
    db: Database,
    profile: Profile,
    source_id: int,
    config: SourceConfig,
    *,
    budget_seconds: float = RUN_BUDGET_SECONDS,
    env: Mapping[str, str] | None = None,
    clock: Callable[[], float] = time.monotonic,
    now: Callable[[], datetime] = utcnow,
    owner: str | None = None,
    retry: RetryPolicy = DEFAULT_RETRY,
    sleep: Callable[[float], None] = time.sleep,
) -> SourceResult:
    """Fetch one source from its stored cursor; store each batch with its cursor atomically.

    `owner` names this run in the source's lease; a retry of the same unit of work (a
    re-delivered task) passes the same owner and may take over its own dead lease.
    """
    owner = owner or run_owner()
    with db.session_scope() as session:
        claimed = leases.claim(session, source_id, owner, now())
        source = session.get_one(Source, source_id)
        cursor, key, school_id = source.cursor, source.key, source.school_id
        if claimed:
            source.last_run_at = now()
    result = SourceResult(key=key, kind=config.kind)
    if not claimed:
        result.skipped = True
        log.info("source %s skipped: running elsewhere or backing off", key)
        return result
    started = clock()
    try:
        # Transient failures are retried in the run (monitor.retry), each time from the
        # cursor the last stored batch left behind.
        for attempt in itertools.count():
            try:
                batches = build.connector(config, profile, env).fetch(cursor)
                try:
                    for batch in batches:
                        with db.session_scope() as session:
                            leases.renew(session, source_id, owner, now())
                            source = session.get_one(Source, source_id)
                            set_aside = [SetAside(s.ref, s.reason) for s in batch.set_aside]
                            new = ingest_posts(
                                session, school_id, source_id, batch.posts, set_aside=set_aside
                            )
                            save_cursor(session, source, batch.cursor, len(new), batch.reads)
                            record_set_aside(session, source, set_aside, now())
                            result.new_post_ids.extend(p.id for p in new)
                            result.set_aside += len(set_aside)
                        result.stored += len(new)
                        result.seen += len(batch.posts)
                        if clock() - started > budget_seconds:
                            break
                finally:
                    close = getattr(batches, "close", None)
                    if close is not None:
                        close()
                break
            except ConnectorError as exc:
                wait = retry.delay(exc, attempt, budget_seconds - (clock() - started))
                if wait is None:
                    raise
                log.info("source %s: transient failure, retry %d in %.1fs: %s", key, attempt + 1, wait, exc)
                sleep(wait)
                with db.session_scope() as session:
                    cursor = session.get_one(Source, source_id).cursor
    except ConnectorError as exc:
        result.error, result.permanent = str(exc), exc.permanent
        if exc.retry_after:
            with db.session_scope() as session:
                leases.back_off(session, source_id, now() + timedelta(seconds=exc.retry_after), now())
    except leases.LeaseLost:
        result.error = "lease lost to another runner"
    except Exception as exc:  # the runner is where a broken source must not stop the rest
        log.exception("source %s failed unexpectedly", key)
        result.error, result.permanent = f"unexpected {type(exc).__name__}", False
    with db.session_scope() as session:
        _record_health(session, session.get_one(Source, source_id), result, now())
        leases.release(session, source_id, owner)
    if result.error:
        log.warning(
            "source %s failed (%s): %s", key, "permanent" if result.permanent else "transient", result.error
        )
    else:
        log.info("source %s stored %d new posts of %d seen", key, result.stored, result.seen)
    return result


def run_owner() -> str:
    """A lease owner token unique to one run in one process on one machine."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def _record_health(session: Session, source: Source, result: SourceResult, now: datetime) -> None:
    if result.ok:
        source.last_success_at = now
        source.consecutive_failures = 0
        source.failing_permanently = False
    else:
        source.last_error_at = now
        source.last_error = result.error
        source.consecutive_failures += 1
        source.failing_permanently = result.permanent


def fetch_school(db: Database, profile: Profile, env: Mapping[str, str] | None = None) -> list[SourceResult]:
    """Run every source of one school once."""
    with db.session_scope() as session:
        _, pairs = build.register_school(session, profile)
        plan = [(source.id, config) for source, config in pairs]
    return [run_source(db, profile, sid, cfg, env=env) for sid, cfg in plan]
