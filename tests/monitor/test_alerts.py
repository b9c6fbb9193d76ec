"""Urgent alerts: one per item, within the minute, to whoever is on duty, never with post text."""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from classifiers.policy import read_policy
from config import POLICY_PATH
from monitor.jobs import alerts as alert_job
from monitor.settings import Settings, SmtpSettings, parse_profile
from review_queue.db import Database
from review_queue.models import Judgement, Post, ReviewItem, School, UrgentAlert
from tests.fakes.smtp import SmtpServer

TZ = "Europe/London"
TUESDAY_10 = datetime(2026, 11, 17, 10, 0, tzinfo=UTC)  # school hours
SATURDAY_10 = datetime(2026, 11, 21, 10, 0, tzinfo=UTC)
CHRISTMAS_TUESDAY = datetime(2026, 12, 22, 11, 0, tzinfo=UTC)
TUESDAY_NIGHT = datetime(2026, 11, 17, 21, 0, tzinfo=UTC)
THREAT_TEXT = "If that teacher at Hollybrook shouts at my son again I know where he parks"
HANDLE = "jk_ashby_threatener"
POST_URL = "https://www.facebook.com/groups/ashbyfieldsparents/posts/1003"


def _profile(webhook: str | None = None) -> Any:
    return parse_profile(
        {
            "school": {
                "name": "Hollybrook Primary School",
                "slug": "hollybrook",
                "allow_private_hosts": True,
            },
            "contacts": {
                "dsl": ["dsl@hollybrook.example"],
                "deputy": ["deputy@hollybrook.example"],
                "out_of_hours": ["oncall@hollybrook.example"],
                "on_call": [{"to": ["weekend@hollybrook.example"], "weekdays": ["sat", "sun"]}],
                "holidays": [{"start": "2026-12-19", "end": "2027-01-04", "name": "Christmas"}],
                "webhook_url": webhook,
            },
        }
    )


def _settings(tmp_path: Path, db: Database, server: SmtpServer) -> Settings:
    return Settings(
        home=tmp_path,
        database_url=db.url,
        base_url="https://gatepost.hollybrook.example",
        smtp=SmtpSettings(host=server.host, port=server.port, from_address="gatepost@hollybrook.example"),
    )


def _flag(db: Database, category: str, severity: str, n: int = 1, at: datetime = TUESDAY_10) -> list[int]:
    ids = []
    with db.session_scope() as s:
        school = s.scalar(select(School).where(School.slug == "hollybrook"))
        if school is None:
            school = School(slug="hollybrook", name="Hollybrook Primary School")
            s.add(school)
            s.flush()
        for i in range(n):
            post = Post(
                school_id=school.id,
                kind="facebook",
                external_id=f"{category}-{i}-{at.isoformat()}",
                url=POST_URL,
                author_handle=HANDLE,
                text=THREAT_TEXT,
                created_at=at,
                captured_at=at,
                content_hash="0" * 64,
                evidence_hash="1" * 64,
            )
            s.add(post)
            s.flush()
            s.add(Judgement(post_id=post.id, model_version="t", flags=[category], severity=severity))
            item = ReviewItem(
                post_id=post.id,
                school_id=school.id,
                severity=severity,
                severity_rank=4,
                categories=[category],
                created_at=at,
            )
            s.add(item)
            s.flush()
            ids.append(item.id)
    return ids


def _send(db, settings, profile, now, **kw) -> int:
    return alert_job.send_owed_alerts(db, settings, profile, read_policy(POLICY_PATH), now=now, **kw)


def test_an_urgent_flag_raises_one_alert_with_no_post_text(sqlite_db, tmp_path):
    [item_id] = _flag(sqlite_db, "threat", "urgent")
    _flag(sqlite_db, "abuse", "medium")  # not urgent: no alert
    with SmtpServer() as server:
        settings = _settings(tmp_path, sqlite_db, server)
        assert _send(sqlite_db, settings, _profile(), TUESDAY_10 + timedelta(seconds=30)) == 1
        assert _send(sqlite_db, settings, _profile(), TUESDAY_10 + timedelta(minutes=1)) == 0
        assert _send(sqlite_db, settings, _profile(), TUESDAY_10 + timedelta(hours=1)) == 0
    assert len(server.messages) == 1
    msg = server.messages[0]
    assert server.envelopes[0][1] == ["dsl@hollybrook.example", "deputy@hollybrook.example"]
    raw = msg.as_string()
    body = msg.get_content()
    assert "URGENT" in msg["Subject"] and "Threat" in msg["Subject"]
    assert "Severity: urgent" in body
    assert "Tue 17 Nov 2026, 10:00 GMT" in body
    assert f"https://gatepost.hollybrook.example/items/{item_id}" in body
    for secret in (THREAT_TEXT, "knows where", "where he parks", HANDLE, POST_URL, "facebook.com"):
        assert secret.casefold() not in raw.casefold()


def test_two_workers_at_once_send_each_alert_once(any_db, tmp_path):
    _flag(any_db, "security", "urgent", n=3)
    with SmtpServer() as server:
        settings = _settings(tmp_path, any_db, server)
        workers = [Database(any_db.url) for _ in range(4)]
        barrier = threading.Barrier(len(workers))
        sent: list[int] = []
        errors: list[BaseException] = []

        def work(db: Database) -> None:
            try:
                barrier.wait()
                sent.append(_send(db, settings, _profile(), TUESDAY_10))
            except BaseException as exc:
                errors.append(exc)

        threads = [threading.Thread(target=work, args=(w,)) for w in workers]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        for w in workers:
            w.dispose()
    assert errors == []
    assert sum(sent) == 3
    assert len(server.messages) == 3


@pytest.mark.parametrize(
    ("now", "expected", "out_of_hours"),
    [
        (TUESDAY_10, ["dsl@hollybrook.example", "deputy@hollybrook.example"], False),
        (TUESDAY_NIGHT, ["oncall@hollybrook.example"], True),
        (SATURDAY_10, ["weekend@hollybrook.example"], True),
        (CHRISTMAS_TUESDAY, ["oncall@hollybrook.example"], True),
    ],
)
def test_outside_school_hours_the_alert_goes_to_whoever_is_on_call(now, expected, out_of_hours):
    assert alert_job.recipients(_profile().contacts, now, TZ) == (expected, out_of_hours)


def test_with_nobody_on_call_the_dsl_still_gets_it():
    contacts = parse_profile({"school": {"name": "X"}, "contacts": {"dsl": ["dsl@x.example"]}}).contacts
    assert alert_job.recipients(contacts, SATURDAY_10, TZ) == (["dsl@x.example"], True)


def test_a_failed_send_is_retried_until_it_goes(sqlite_db, tmp_path):
    _flag(sqlite_db, "pupil_image", "urgent")
    with SmtpServer() as server:
        settings = _settings(tmp_path, sqlite_db, server)
    # The server has stopped: the send fails and the alert stays owed.
    assert _send(sqlite_db, settings, _profile(), TUESDAY_10) == 0
    with sqlite_db.session_scope() as s:
        alert = s.scalar(select(UrgentAlert))
        assert (
            alert is not None
            and alert.sent_at is None
            and alert.last_error == "smtp connect: ConnectionRefusedError"
        )
    with SmtpServer() as server:
        settings = _settings(tmp_path, sqlite_db, server)
        assert (
            _send(sqlite_db, settings, _profile(), TUESDAY_10 + timedelta(seconds=10)) == 0
        )  # waits a minute
        assert _send(sqlite_db, settings, _profile(), TUESDAY_10 + timedelta(minutes=1)) == 1
    assert len(server.messages) == 1


class _Hook(BaseHTTPRequestHandler):
    received: list[dict[str, Any]] = []

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        _Hook.received.append(json.loads(body))
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        pass


def test_the_webhook_gets_the_same_thin_message(sqlite_db, tmp_path):
    _flag(sqlite_db, "threat", "urgent")
    _Hook.received = []
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Hook)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{httpd.server_address[1]}/hook"
        with SmtpServer() as server:
            settings = _settings(tmp_path, sqlite_db, server)
            assert _send(sqlite_db, settings, _profile(webhook=url), TUESDAY_10) == 1
    finally:
        httpd.shutdown()
    [payload] = _Hook.received
    assert payload["categories"] == ["threat"] and payload["severity"] == "urgent"
    assert payload["link"].startswith("https://gatepost.hollybrook.example/items/")
    dumped = json.dumps(payload).casefold()
    assert HANDLE not in dumped and "parks" not in dumped and "facebook" not in dumped
    with sqlite_db.session_scope() as s:
        alert = s.scalar(select(UrgentAlert))
        assert alert is not None and alert.webhook_ok is True and alert.recipients == 2


def test_a_judged_threat_goes_from_the_queue_to_one_alert(sqlite_db, tmp_path):
    """The real road: store a judgement the way the classify job does, then run the alert job."""
    from review_queue.queue import record_judgement
    from review_queue.store import ensure_school

    policy = read_policy(POLICY_PATH)
    with sqlite_db.session_scope() as s:
        school = ensure_school(s, "hollybrook", "Hollybrook Primary School")
        post = Post(
            school_id=school.id,
            kind="x",
            external_id="1003",
            url=POST_URL,
            author_handle=HANDLE,
            text=THREAT_TEXT,
            created_at=TUESDAY_10,
            content_hash="0" * 64,
            evidence_hash="1" * 64,
        )
        s.add(post)
        s.flush()
        item = record_judgement(
            s, post, {"flags": ["threat"], "severity": "urgent", "model_version": "t"}, policy
        )
        assert item is not None
    with SmtpServer() as server:
        settings = _settings(tmp_path, sqlite_db, server)
        assert _send(sqlite_db, settings, _profile(), datetime.now(UTC)) == 1
        assert _send(sqlite_db, settings, _profile(), datetime.now(UTC) + timedelta(minutes=2)) == 0
    assert len(server.messages) == 1
    assert THREAT_TEXT not in server.messages[0].as_string()


def test_a_retry_for_the_email_does_not_post_the_webhook_again(sqlite_db, tmp_path):
    _flag(sqlite_db, "threat", "urgent")
    _Hook.received = []
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Hook)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{httpd.server_address[1]}/hook"
    try:
        with SmtpServer() as server:
            settings = _settings(tmp_path, sqlite_db, server)
        assert _send(sqlite_db, settings, _profile(webhook=url), TUESDAY_10) == 0  # SMTP is down
        with SmtpServer() as server:
            settings = _settings(tmp_path, sqlite_db, server)
            assert _send(sqlite_db, settings, _profile(webhook=url), TUESDAY_10 + timedelta(minutes=1)) == 1
    finally:
        httpd.shutdown()
    assert len(_Hook.received) == 1
    assert len(server.messages) == 1
