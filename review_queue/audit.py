"""The append-only, hash-chained audit log: record an event, verify that the chain holds, list entries.

Each entry's hash covers its own fields and the previous entry's hash, so altering,
inserting or deleting a row in the middle breaks every hash after it.  The hash is an
HMAC keyed with a secret that is not in the database (the session's `info["audit_key"]`,
from GATEPOST_AUDIT_KEY or a key file in the data directory): someone who can write to
the database but not read the key cannot recompute a rewritten chain.  A chain written
before the key existed is re-hashed under it only when the operator asks (`gatepost audit
rekey`, once, after upgrading; `ensure_keyed`), never on its own: done automatically, it
would sign a plain chain that someone without the key had rewritten.  Deleting or
rewriting the newest rows is not detectable from the table alone, so the head (`head`:
the newest entry's id and hash) is anchored outside the database: the weekly digest
prints it to the headteacher, and `verify_chain(anchor=...)` checks that the chain
still holds that entry.  Details hold ids, never post text.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import ColumnElement, not_, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from review_queue.models import AuditEntry, User, utcnow

GENESIS = "0" * 64
# Appends that lose a race for the same predecessor retry this many times.
APPEND_RETRIES = 5
# The action of the entry a retention run appends before pruning the oldest entries.
PRUNED_ACTION = "audit.pruned"


# An anchor quotes at least this many hex digits of the entry's hash.
ANCHOR_MIN_DIGITS = 16


@dataclass(frozen=True)
class ChainReport:
    ok: bool
    entries: int
    first_bad_id: int | None = None
    problem: str = ""
    # With an anchor: True when the anchored entry was there and matched; False when a
    # recorded retention prune had removed it (so it could not be checked).
    anchor_checked: bool = False


@dataclass(frozen=True)
class Anchor:
    """An entry's id and (a prefix of) its hash, written down outside the database."""

    entry_id: int
    hash_prefix: str

    def __str__(self) -> str:
        return f"{self.entry_id}:{self.hash_prefix}"

    @classmethod
    def parse(cls, text: str) -> Anchor:
        """ "1234:9f2c...": an entry id, a colon, and at least 16 hex digits of its hash."""
        entry_id, sep, digest = text.strip().partition(":")
        digest = digest.strip().lower()
        if not sep or not entry_id.isdigit() or len(digest) < ANCHOR_MIN_DIGITS:
            raise ValueError(f"an anchor is ENTRY_ID:HASH with at least {ANCHOR_MIN_DIGITS} hex digits")
        if any(c not in "0123456789abcdef" for c in digest):
            raise ValueError("an anchor's hash is hexadecimal")
        return cls(int(entry_id), digest)


def _key(session: Session) -> bytes | None:
    key = session.info.get("audit_key")
    return key if isinstance(key, bytes) and key else None


def _entry_hash(entry: AuditEntry, key: bytes | None) -> str:
    payload = {
        "at": entry.at.isoformat(),
        "user_id": entry.user_id,
        "user_email": entry.user_email,
        "school_id": entry.school_id,
        "action": entry.action,
        "object_type": entry.object_type,
        "object_id": entry.object_id,
        "detail": entry.detail,
        "prev_hash": entry.prev_hash,
    }
    blob = json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()
    if not key:  # an unkeyed database (a bare Database in a test); the product always keys
        return hashlib.sha256(blob).hexdigest()
    return hmac.new(key, blob, hashlib.sha256).hexdigest()


def record(
    session: Session,
    *,
    user: User | None,
    action: str,
    object_type: str,
    object_id: int | str,
    school_id: int | None = None,
    detail: Mapping[str, Any] | None = None,
) -> AuditEntry:
    """Append one entry.  Runs inside the caller's transaction, so it commits with the change."""
    for _attempt in range(APPEND_RETRIES):
        last = session.scalar(select(AuditEntry.entry_hash).order_by(AuditEntry.id.desc()).limit(1))
        entry = AuditEntry(
            at=utcnow(),
            user_id=user.id if user else None,
            user_email=user.email if user else "",
            school_id=school_id,
            action=action,
            object_type=object_type,
            object_id=str(object_id),
            detail=dict(detail or {}),
            prev_hash=last or GENESIS,
        )
        entry.entry_hash = _entry_hash(entry, _key(session))
        try:
            with session.begin_nested():
                session.add(entry)
            return entry
        except IntegrityError:
            # Another writer appended after our read: read the new head and try again.
            continue
    raise RuntimeError("could not append to the audit log: too much contention")


def chain_start(session: Session) -> str:
    """The hash the oldest kept entry must follow: GENESIS, or the anchor of the latest prune.

    Retention (review_queue.records.retention) deletes the oldest entries; before it does, it appends
    a PRUNED_ACTION entry naming the hash of the last entry it removes.  That entry is itself
    chained, so it cannot be forged without breaking every hash after it.
    """
    pruned = session.scalar(
        select(AuditEntry).where(AuditEntry.action == PRUNED_ACTION).order_by(AuditEntry.id.desc()).limit(1)
    )
    if pruned is None:
        return GENESIS
    return str(pruned.detail.get("anchor_hash") or GENESIS)


def head(session: Session) -> Anchor | None:
    """The newest entry's id and full hash, to write down outside the database; None if empty."""
    row = session.execute(
        select(AuditEntry.id, AuditEntry.entry_hash).order_by(AuditEntry.id.desc()).limit(1)
    ).first()
    return Anchor(row[0], row[1]) if row else None


def _pruned_through(session: Session) -> int:
    """The highest entry id a recorded retention prune removed (0 if none)."""
    ids = [
        int(d.get("through_id") or 0)
        for d in session.scalars(select(AuditEntry.detail).where(AuditEntry.action == PRUNED_ACTION))
        if isinstance(d, dict)
    ]
    return max(ids, default=0)


def verify_chain(session: Session, anchor: Anchor | None = None, key: bytes | None = None) -> ChainReport:
    """Walk the log in order and check every link and every hash, and the anchored entry if given.

    An anchor whose entry a recorded retention prune removed cannot be checked and is not a
    failure; an anchored entry that is missing otherwise, or has another hash, is.  `key`
    defaults to the session's audit key.
    """
    key = key if key is not None else _key(session)
    prev = chain_start(session)
    n = 0
    anchored_seen = False
    for entry in session.scalars(select(AuditEntry).order_by(AuditEntry.id)).yield_per(500):
        n += 1
        if anchor is not None and entry.id == anchor.entry_id:
            anchored_seen = True
            if not entry.entry_hash.startswith(anchor.hash_prefix):
                return ChainReport(
                    False, n, entry.id, "it is not the entry anchored outside the database (it was rewritten)"
                )
        if entry.prev_hash != prev:
            return ChainReport(
                False, n, entry.id, "does not follow the entry before it (a row was removed or inserted)"
            )
        if _entry_hash(entry, key) != entry.entry_hash:
            return ChainReport(False, n, entry.id, "its contents do not match its hash (the row was altered)")
        prev = entry.entry_hash
    if anchor is not None and not anchored_seen and anchor.entry_id > _pruned_through(session):
        return ChainReport(
            False,
            n,
            anchor.entry_id,
            "the anchored entry is gone, and no recorded retention prune removed it",
        )
    return ChainReport(True, n, anchor_checked=anchored_seen)


REKEYED_ACTION = "audit.rekeyed"


def ensure_keyed(session: Session) -> bool:
    """Re-hash a chain written before the audit key existed under that key; True if it did.

    Only `gatepost audit rekey` calls this, when the operator has just upgraded: a chain
    that verifies as plain SHA-256 could also be one rewritten by someone without the key.
    Only a chain that verifies as it was (unkeyed) is re-hashed, so re-keying cannot launder
    a chain someone already broke; a broken one is left for `gatepost audit verify` to report.
    Nothing to do without a key, on an empty log, or when the newest entry is already keyed.
    """
    key = _key(session)
    newest = session.scalar(select(AuditEntry).order_by(AuditEntry.id.desc()).limit(1))
    if key is None or newest is None or _entry_hash(newest, key) == newest.entry_hash:
        return False
    if not verify_chain(session, key=b"").ok:  # b"": check the old, unkeyed hashes
        return False
    prev = chain_start(session)
    for entry in session.scalars(select(AuditEntry).order_by(AuditEntry.id)).yield_per(500):
        if entry.prev_hash != prev:
            # The first kept entry follows a pruned one: its link is the recorded anchor.
            entry.prev_hash = prev
        entry.entry_hash = _entry_hash(entry, key)
        prev = entry.entry_hash
    session.flush()
    record(session, user=None, action=REKEYED_ACTION, object_type="audit_log", object_id=newest.id)
    return True


def recent(session: Session, limit: int = 100, school_id: int | None = None) -> list[dict[str, Any]]:
    q = select(AuditEntry).order_by(AuditEntry.id.desc()).limit(limit)
    if school_id is not None:
        q = q.where(AuditEntry.school_id == school_id)
    return [
        {
            "id": e.id,
            "at": e.at,
            "user_email": e.user_email,
            "action": e.action,
            "object": f"{e.object_type} {e.object_id}",
        }
        for e in session.scalars(q)
    ]


# Actions that record someone looking (a page, an item, an attachment), not changing anything:
# the audit page hides them by default, so decisions are not buried under page views.
VIEW_ACTION_PREFIX = "view."
VIEW_ACTIONS = ("item.media_viewed",)
# Which entries the audit page lists: decisions and changes (the default), views, or all.
KINDS = ("changes", "views", "all")
# Entries on one page of the audit log.
PAGE_SIZE = 100


@dataclass(frozen=True)
class AuditFilter:
    """Which entries to list.  Empty fields mean "any"; `before`/`after` page by entry id."""

    kind: str = "changes"
    action: str = ""
    person: str = ""  # the account's email, as the entry recorded it
    since: date | None = None
    until: date | None = None
    school_id: int | None = None  # one school, for an account that sees every school
    before: int | None = None  # entries older than this id (the next page)
    after: int | None = None  # entries newer than this id (the page before)
    limit: int = PAGE_SIZE


@dataclass(frozen=True)
class AuditPage:
    entries: list[dict[str, Any]]
    # The cursors for the neighbouring pages, None at either end.
    newer_than: int | None
    older_than: int | None


def _is_view() -> ColumnElement[bool]:
    return or_(AuditEntry.action.startswith(VIEW_ACTION_PREFIX), AuditEntry.action.in_(VIEW_ACTIONS))


def _where(school_id: int | None, f: AuditFilter) -> list[ColumnElement[bool]]:
    where: list[ColumnElement[bool]] = []
    scope = school_id if school_id is not None else f.school_id
    if scope is not None:
        where.append(AuditEntry.school_id == scope)
    if f.kind == "changes":
        where.append(not_(_is_view()))
    elif f.kind == "views":
        where.append(_is_view())
    if f.action:
        where.append(AuditEntry.action == f.action)
    if f.person:
        where.append(AuditEntry.user_email == f.person)
    if f.since:
        where.append(AuditEntry.at >= datetime.combine(f.since, time.min, UTC))
    if f.until:
        where.append(AuditEntry.at < datetime.combine(f.until + timedelta(days=1), time.min, UTC))
    return where


def summary(detail: Mapping[str, Any]) -> str:
    """An entry's detail in a line: ids, actions and categories (details never hold post text)."""
    parts = []
    for key, value in detail.items():
        if value is True:
            parts.append(key)
        elif isinstance(value, list):
            parts.append(
                f"{key}: {', '.join(map(str, value))}" if len(value) <= 5 else f"{key}: {len(value)}"
            )
        elif value not in (None, "", False):
            parts.append(f"{key}: {value}")
    line = " · ".join(parts)
    return line if len(line) <= 160 else line[:159] + "…"


def search(session: Session, school_id: int | None, f: AuditFilter) -> AuditPage:
    """One page of entries, newest first, for an account of `school_id` (None: every school).

    Paged by entry id, not by offset, so a page stays put while new entries arrive; each
    page is an index walk down the primary key with the filters applied on the way.
    """
    where = _where(school_id, f)
    q = select(AuditEntry).where(*where)
    if f.after is not None:
        rows = list(session.scalars(q.where(AuditEntry.id > f.after).order_by(AuditEntry.id).limit(f.limit)))
        rows.reverse()
    else:
        if f.before is not None:
            q = q.where(AuditEntry.id < f.before)
        rows = list(session.scalars(q.order_by(AuditEntry.id.desc()).limit(f.limit)))

    def beyond(condition: ColumnElement[bool]) -> bool:
        return session.scalar(select(AuditEntry.id).where(*where, condition).limit(1)) is not None

    newer = rows[0].id if rows and beyond(AuditEntry.id > rows[0].id) else None
    older = rows[-1].id if rows and beyond(AuditEntry.id < rows[-1].id) else None
    entries = [
        {
            "id": e.id,
            "at": e.at,
            "user_email": e.user_email,
            "school_id": e.school_id,
            "action": e.action,
            "object": f"{e.object_type} {e.object_id}",
            "detail": summary(e.detail or {}),
        }
        for e in rows
    ]
    return AuditPage(entries, newer, older)


def choices(session: Session, school_id: int | None) -> tuple[list[str], list[str]]:
    """The people and the actions the log holds (for the audit page's filters)."""
    scoped = [AuditEntry.school_id == school_id] if school_id is not None else []
    people = session.scalars(
        select(AuditEntry.user_email).where(*scoped).distinct().order_by(AuditEntry.user_email)
    )
    actions = session.scalars(select(AuditEntry.action).where(*scoped).distinct().order_by(AuditEntry.action))
    return [p for p in people if p], list(actions)
