"""`gatepost audit`: a chain rewritten without the key stays broken, run after run; re-signing an
old chain is the operator's explicit step, not something any command does on its own."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import delete

from monitor import build
from monitor.cli import main
from monitor.settings import load_settings
from review_queue import audit
from review_queue.models import AuditEntry
from tests.review_queue.test_audit_keyed import _sha_rehash


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("GATEPOST_HOME", str(tmp_path))
    monkeypatch.delenv("GATEPOST_DATABASE_URL", raising=False)
    monkeypatch.delenv("GATEPOST_AUDIT_KEY", raising=False)
    return tmp_path


def _write(n: int) -> None:
    db = build.database(load_settings(None))
    db.upgrade()
    with db.session_scope() as s:
        for i in range(n):
            audit.record(s, user=None, action="view.item", object_type="item", object_id=i, school_id=1)
    db.dispose()


def test_a_chain_rewritten_without_the_key_is_never_signed_by_the_next_command(
    home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _write(30)
    assert main(["audit", "verify"]) == 0
    db = build.database(load_settings(None))
    with db.session_scope() as s:
        s.execute(delete(AuditEntry).where(AuditEntry.id <= 10))
        _sha_rehash(s)  # what someone with the database but not the key can do
    db.dispose()
    capsys.readouterr()
    for _ in range(2):  # the first command must not launder it for the second
        assert main(["audit", "verify"]) == 1
        assert "BROKEN at entry 11" in capsys.readouterr().err


def test_an_anchor_removed_by_a_recorded_prune_is_said_to_be_pruned_not_to_match(
    home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _write(3)
    db = build.database(load_settings(None))
    with db.session_scope() as s:
        first = s.get_one(AuditEntry, 1)
        anchor = f"1:{first.entry_hash[:16]}"
        last = s.get_one(AuditEntry, 1)
        audit.record(
            s,
            user=None,
            action=audit.PRUNED_ACTION,
            object_type="audit_log",
            object_id=1,
            detail={"through_id": 1, "anchor_hash": last.entry_hash},
        )
    with db.session_scope() as s:
        s.execute(delete(AuditEntry).where(AuditEntry.id == 1))
    db.dispose()
    assert main(["audit", "verify", "--anchor", anchor]) == 0
    out = capsys.readouterr().out
    assert "anchored entry 1 was removed by a recorded retention prune" in out and "matches" not in out
