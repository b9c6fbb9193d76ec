"""The audit chain is keyed: rewriting it needs a key the database does not hold; old chains migrate."""

from __future__ import annotations

import hashlib
import json

from sqlalchemy import delete, select

from classifiers.policy import read_policy
from review_queue import audit
from review_queue.accounts import add_user
from review_queue.db import Database
from review_queue.models import AuditEntry, ReviewItem, User
from review_queue.queue import QueueFilter
from review_queue.web import views
from tests.review_queue.conftest import Cast

KEY = b"a key kept outside the database, in the data directory"


def _keyed(db: Database, key: bytes = KEY) -> Database:
    return Database(db.url, audit_key=key)


def _write(db: Database, n: int) -> None:
    with db.session_scope() as s:
        for i in range(n):
            audit.record(s, user=None, action="view.item", object_type="item", object_id=i, school_id=1)


def _sha_rehash(s) -> None:
    """What someone with write access but no key would do: recompute every hash with plain SHA-256."""
    prev = audit.GENESIS
    for e in s.scalars(select(AuditEntry).order_by(AuditEntry.id)):
        e.prev_hash = prev
        fields = ("user_id", "user_email", "school_id", "action", "object_type", "object_id", "detail")
        payload = {"at": e.at.isoformat(), "prev_hash": e.prev_hash, **{f: getattr(e, f) for f in fields}}
        blob = json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()
        e.entry_hash = hashlib.sha256(blob).hexdigest()
        prev = e.entry_hash


def test_deleting_the_oldest_entries_and_recomputing_the_rest_fails_verification(db: Database):
    keyed = _keyed(db)
    _write(keyed, 150)
    with keyed.session_scope() as s:
        anchored = s.get_one(AuditEntry, 100)
        anchor = audit.Anchor(anchored.id, anchored.entry_hash[:16])
        assert audit.verify_chain(s, anchor).ok
    with keyed.session_scope() as s:
        s.execute(delete(AuditEntry).where(AuditEntry.id <= 120))
        _sha_rehash(s)
    with keyed.session_scope() as s:
        report = audit.verify_chain(s, anchor)
        assert not report.ok
        assert not audit.verify_chain(s).ok  # even without the anchor: the hashes are not keyed
    # Without the key, the same check has nothing to hold on to: that is why the key is kept apart.
    with _keyed(db, b"").session_scope() as s:
        assert audit.verify_chain(s).ok
        report = audit.verify_chain(s, anchor)
        assert not report.ok and "no recorded retention prune" in report.problem


def test_an_unkeyed_chain_is_rehashed_under_the_key_once_and_keeps_verifying(db: Database):
    _write(db, 5)  # written before the key existed
    keyed = _keyed(db)
    with keyed.session_scope() as s:
        assert not audit.verify_chain(s).ok
        assert audit.ensure_keyed(s)
    with keyed.session_scope() as s:
        assert audit.verify_chain(s).ok
        assert not audit.ensure_keyed(s)  # once
        assert (
            s.scalars(select(AuditEntry.action).order_by(AuditEntry.id.desc())).first()
            == audit.REKEYED_ACTION
        )
    _write(keyed, 2)
    with keyed.session_scope() as s:
        assert audit.verify_chain(s).ok


def test_a_broken_unkeyed_chain_is_not_laundered_by_rekeying(db: Database):
    _write(db, 5)
    with db.session_scope() as s:
        s.execute(delete(AuditEntry).where(AuditEntry.id == 3))
    with _keyed(db).session_scope() as s:
        assert not audit.ensure_keyed(s)
        assert not audit.verify_chain(s).ok


def test_an_admin_looking_at_the_queue_is_audited_under_each_school_shown(
    db: Database, cast: Cast, make_item
):
    item = make_item()
    with db.session_scope() as s:
        admin = s.scalars(select(User).where(User.role == "admin")).first()
        if admin is None:
            admin = add_user(s, "admin@trust.test", "admin", "kettle orbit lantern")
        views.queue_page(s, admin, QueueFilter(), read_policy())
    with db.session_scope() as s:
        school_of_item = s.get_one(ReviewItem, item).school_id
        entries = list(s.scalars(select(AuditEntry).where(AuditEntry.action == "view.queue")))
    assert [e.school_id for e in entries] == [school_of_item]
    assert entries[0].detail["items"] == [item]
