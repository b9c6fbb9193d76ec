"""The escalation emails: one per notice, to the account, through real SMTP, never with post text."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import select

from monitor.jobs import notices as notice_job
from monitor.settings import Settings, SmtpSettings
from review_queue import accounts, escalations, notices
from review_queue.db import Database
from review_queue.models import Judgement, Notice, Post, ReviewItem, School, User
from tests.fakes.smtp import SmtpServer

NOW = datetime(2026, 11, 17, 10, 0, tzinfo=UTC)
TEXT = "Sign the petition to get Mrs Carter sacked, everyone email Ofsted"
HANDLE = "ashby_campaigner_77"
POST_URL = "https://www.facebook.com/groups/ashbyfieldsparents/posts/2001"
POLICY = {"categories": {"incitement": {}}, "recognised": {"criticism": {}}}


def _settings(tmp_path: Path, db: Database, server: SmtpServer) -> Settings:
    return Settings(
        home=tmp_path,
        database_url=db.url,
        base_url="https://gatepost.hollybrook.example",
        smtp=SmtpSettings(host=server.host, port=server.port, from_address="gatepost@hollybrook.example"),
    )


def _escalated(db: Database, n: int = 1) -> tuple[list[int], int]:
    """`n` items escalated by the DSL to the headteacher; returns their ids and the head's id."""
    with db.session_scope() as s:
        school = School(slug="hollybrook", name="Hollybrook Primary School")
        s.add(school)
        s.flush()
        dsl = accounts.add_user(
            s, "dsl@hollybrook.example", "dsl", "a long password here", school_id=school.id
        )
        head = accounts.add_user(
            s, "head@hollybrook.example", "headteacher", "a long password here", school_id=school.id
        )
        ids = []
        for i in range(n):
            post = Post(
                school_id=school.id,
                kind="facebook",
                external_id=f"p{i}",
                url=POST_URL,
                author_handle=HANDLE,
                text=TEXT,
                created_at=NOW,
                content_hash="0" * 64,
                evidence_hash="1" * 64,
            )
            s.add(post)
            s.flush()
            s.add(Judgement(post_id=post.id, model_version="t", flags=["incitement"], severity="medium"))
            item = ReviewItem(
                post_id=post.id,
                school_id=school.id,
                severity="medium",
                severity_rank=2,
                categories=["incitement"],
            )
            s.add(item)
            s.flush()
            escalations.act(
                s,
                dsl,
                item,
                action="escalate",
                reason="For the head",
                categories=["incitement"],
                known_categories=["incitement"],
                escalate_to=head.id,
            )
            ids.append(item.id)
        return ids, head.id


def test_an_escalation_emails_the_account_once_with_a_link_and_nothing_of_the_post(sqlite_db, tmp_path):
    [item_id], _ = _escalated(sqlite_db)
    with SmtpServer() as server:
        settings = _settings(tmp_path, sqlite_db, server)
        assert notice_job.send_owed_notices(sqlite_db, settings, "hollybrook", now=NOW) == 1
        assert (
            notice_job.send_owed_notices(sqlite_db, settings, "hollybrook", now=NOW + timedelta(hours=1)) == 0
        )
    assert len(server.messages) == 1
    assert server.envelopes[0][1] == ["head@hollybrook.example"]
    msg = server.messages[0]
    body = msg.get_content()
    assert (
        str(msg["Subject"]).strip() == "[Gatepost] An item was escalated to you at Hollybrook Primary School"
    )
    assert f"https://gatepost.hollybrook.example/items/{item_id}" in body
    raw = msg.as_string().casefold()
    for secret in (
        TEXT,
        "petition",
        "Mrs Carter",
        HANDLE,
        POST_URL,
        "facebook",
        "incitement",
        "For the head",
    ):
        assert secret.casefold() not in raw


def test_a_failed_send_is_retried_and_a_disabled_account_is_not_emailed(sqlite_db, tmp_path):
    [first, _second], head_id = _escalated(sqlite_db, n=2)
    with SmtpServer() as server:
        settings = _settings(tmp_path, sqlite_db, server)
    # The server has stopped: both stay owed, with the reason.
    assert notice_job.send_owed_notices(sqlite_db, settings, now=NOW) == 0
    with sqlite_db.session_scope() as s:
        assert {n.last_error for n in s.scalars(select(Notice))} == {"smtp connect: ConnectionRefusedError"}
        assert all(n.sent_at is None for n in s.scalars(select(Notice)))
    with SmtpServer() as server:
        settings = _settings(tmp_path, sqlite_db, server)
        assert (
            notice_job.send_owed_notices(sqlite_db, settings, now=NOW + timedelta(seconds=10)) == 0
        )  # waits
        assert notice_job.send_owed_notices(sqlite_db, settings, now=NOW + timedelta(minutes=1)) == 2
        # Another email is owed, and then the account is disabled before the job runs.
        with sqlite_db.session_scope() as s:
            school_id = s.get(ReviewItem, first).school_id
            last = notices.owe(
                s, school_id=school_id, item_id=first, user_id=head_id, kind=notices.ESCALATED
            ).id
            s.get(User, head_id).disabled = True
        assert notice_job.send_owed_notices(sqlite_db, settings, now=NOW + timedelta(minutes=2)) == 0
    assert len(server.messages) == 2
    with sqlite_db.session_scope() as s:
        closed = s.get(Notice, last)
        assert closed.sent_at is not None and closed.last_error == "account disabled"


def test_two_workers_at_once_send_each_notice_once(any_db, tmp_path):
    _escalated(any_db, n=3)
    with SmtpServer() as server:
        settings = _settings(tmp_path, any_db, server)
        workers = [Database(any_db.url) for _ in range(4)]
        barrier = threading.Barrier(len(workers))
        sent: list[int] = []
        errors: list[BaseException] = []

        def work(db: Database) -> None:
            try:
                barrier.wait()
                sent.append(notice_job.send_owed_notices(db, settings, now=NOW))
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
    assert sum(sent) == 3 and len(server.messages) == 3
