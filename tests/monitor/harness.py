"""Working parts for the scale-out and fault tests: real worker processes, a stoppable Redis proxy, a school.

Workers are real `gatepost worker` subprocesses talking to the real Redis and a fresh
PostgreSQL database.  Each test uses its own Redis key prefix, so tests (and other
people's) sharing the server never see each other's queues.  The Redis server itself is
never stopped: an outage is a local TCP proxy in front of it that is closed and reopened.
"""

from __future__ import annotations

import contextlib
import json
import os
import selectors
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import func, select

from review_queue import audit, schedule
from review_queue.db import Database
from review_queue.models import AuditEntry, Decision, JobSchedule, Post, ReviewItem, School
from review_queue.queue import decide
from review_queue.store import ensure_school, ingest_posts

REDIS_HOST, REDIS_PORT = "127.0.0.1", 6379
REPO = Path(__file__).resolve().parents[2]
SCHOOL = "Hollybrook Primary School"


def wait_for(predicate: Callable[[], bool], timeout: float, what: str, interval: float = 0.05) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


# ------------------------------------------------------------------ a school


def write_school(directory: Path, posts: int, *, first: int = 0, slug: str = "hollybrook") -> Path:
    """A profile with one sample source of `posts` posts that all mention the school."""
    directory.mkdir(parents=True, exist_ok=True)
    append_posts(directory / "posts.jsonl", first, posts)
    profile = directory / "school.toml"
    profile.write_text(
        f'[school]\nname = "{SCHOOL}"\naliases = ["Hollybrook"]\nslug = "{slug}"\n\n'
        '[[sources]]\nkind = "sample"\ninterval_minutes = 1\npath = "posts.jsonl"\n',
        encoding="utf-8",
    )
    return profile


def append_posts(path: Path, first: int, count: int) -> None:
    with path.open("a", encoding="utf-8") as fh:
        for i in range(first, first + count):
            record = {
                "id": f"p{i}",
                "author": f"parent_{i % 97}",
                "text": f"Hollybrook update number {i}",
                "created_at": "2026-11-02T09:00:00+00:00",
            }
            fh.write(json.dumps(record) + "\n")


def stored_ids(db: Database, slug: str = "hollybrook") -> list[str]:
    with db.session_scope() as s:
        return list(s.scalars(select(Post.external_id).join(School).where(School.slug == slug)))


def post_count(db: Database, slug: str = "hollybrook") -> int:
    with db.session_scope() as s:
        q = select(func.count()).select_from(Post).join(School).where(School.slug == slug)
        return int(s.scalar(q) or 0)


def assert_each_stored_once(db: Database, expected: int) -> None:
    ids = stored_ids(db)
    assert len(ids) == len(set(ids)), "a post was stored twice"
    assert sorted(ids) == sorted(f"p{i}" for i in range(expected)), f"{len(ids)} of {expected} posts stored"


# ------------------------------------------------------------------ what must survive a fault


@dataclass(frozen=True)
class Record:
    """What existed before a fault: decided items, audit entries and a claimed digest."""

    decisions: int
    audit_entries: int
    audit_head: str


# The audit key every gatepost process of these tests uses (worker_env passes it on), so the
# seeded log is keyed as the product keys it and no process re-keys it mid-test.
AUDIT_KEY = "fault-tests-audit-key-kept-outside-the-database"


def keyed(db: Database) -> Database:
    return Database(db.url, audit_key=AUDIT_KEY.encode())


def seed_records(db: Database, items: int = 5) -> Record:
    """A separate school with flagged, decided items, their audit entries, and a digest due now."""
    created = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
    db = keyed(db)
    with db.session_scope() as s:
        school = ensure_school(s, "seeded", "Seeded Academy")
        from connectors.base import Post as PostIn

        rows = ingest_posts(
            s,
            school.id,
            None,
            [
                PostIn(
                    kind="sample",
                    external_id=f"seed{i}",
                    url="",
                    author_handle="a",
                    text="Seeded",
                    created_at=created,
                )
                for i in range(items)
            ],
        )
        for row in rows:
            item = ReviewItem(
                post_id=row.id,
                school_id=school.id,
                severity="high",
                severity_rank=3,
                categories=["abuse_of_staff"],
            )
            s.add(item)
            s.flush()
            decide(
                s,
                item,
                action="confirm",
                reason="breach of the code",
                categories=["abuse_of_staff"],
                user_id=None,
                known_categories=["abuse_of_staff"],
            )
            audit.record(
                s, user=None, action="decide", object_type="item", object_id=item.id, school_id=school.id
            )
        schedule.ensure_job(s, "digest:seeded", created)
    record = snapshot(db)
    db.dispose()
    return record


def snapshot(db: Database) -> Record:
    with db.session_scope() as s:
        head = s.scalar(select(AuditEntry.entry_hash).order_by(AuditEntry.id.desc()).limit(1)) or ""
        return Record(
            decisions=int(s.scalar(select(func.count()).select_from(Decision)) or 0),
            audit_entries=int(s.scalar(select(func.count()).select_from(AuditEntry)) or 0),
            audit_head=head,
        )


def send_digest_twice_at_once(db: Database) -> int:
    """Two workers try to send the due digest at the same moment; return how many won the claim."""
    now = datetime(2026, 11, 9, 7, 0, tzinfo=UTC)
    rule = schedule.Weekly()
    barrier = threading.Barrier(2)
    wins: list[bool] = []

    def attempt() -> None:
        with db.session_scope() as s:
            s.scalar(select(JobSchedule.id).limit(1))  # open the transaction before racing
            barrier.wait()
            claim = schedule.claim_due(s, "digest:seeded", now, rule)
            if claim is not None:
                schedule.mark_sent(s, claim, now)
            wins.append(claim is not None)

    threads = [threading.Thread(target=attempt) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    # A restart after sending must not send it again either.
    with db.session_scope() as s:
        again = schedule.claim_due(s, "digest:seeded", now + timedelta(minutes=1), rule)
    return sum(wins) + (again is not None)


def assert_nothing_lost(db: Database, before: Record) -> None:
    db = keyed(db)
    after = snapshot(db)
    assert after.decisions == before.decisions, "a decision was lost"
    assert after.audit_entries == before.audit_entries and after.audit_head == before.audit_head
    with db.session_scope() as s:
        assert audit.verify_chain(s).ok
    assert send_digest_twice_at_once(db) == 1, "the digest was sent twice (or not at all)"


# ------------------------------------------------------------------ workers


class Worker:
    """A real `gatepost worker` process (and its pool), in its own process group."""

    def __init__(self, env: dict[str, str], log: Path, concurrency: int = 1):
        self.log = log
        self._fh = log.open("ab")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "monitor.cli", "worker", f"--concurrency={concurrency}"],
            cwd=REPO,
            env=env,
            stdout=self._fh,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def kill(self) -> None:
        """SIGKILL the worker and its pool at once: the machine it ran on is gone."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(10)
        self._fh.close()

    def stop(self) -> None:
        if self.proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.kill()
                return
        self._fh.close()

    def output(self) -> str:
        return self.log.read_text(errors="replace")


def worker_env(
    home: Path, database_url: str, broker_url: str, prefix: str, visibility_timeout: int = 3600
) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GATEPOST_")}
    env.update(
        GATEPOST_HOME=str(home),
        GATEPOST_AUDIT_KEY=AUDIT_KEY,
        GATEPOST_DATABASE_URL=database_url,
        GATEPOST_BROKER_URL=broker_url,
        GATEPOST_BROKER_KEY_PREFIX=prefix,
        GATEPOST_BROKER_VISIBILITY_TIMEOUT=str(visibility_timeout),
        GATEPOST_LOG_LEVEL="INFO",
        PYTHONPATH=str(REPO),
    )
    return env


def delete_keys(prefix: str) -> None:
    import redis

    client = redis.Redis(host=REDIS_HOST, port=REDIS_PORT)
    try:
        keys = list(client.scan_iter(match=f"{prefix}*", count=500))
        if keys:
            client.delete(*keys)
    finally:
        client.close()


# ------------------------------------------------------------------ an outage we can switch


class TcpProxy:
    """A local TCP proxy to Redis that can be stopped (connections cut, port refused) and restarted."""

    def __init__(self, target: tuple[str, int] = (REDIS_HOST, REDIS_PORT)):
        self.target = target
        probe = socket.socket()
        probe.bind(("127.0.0.1", 0))
        self.port = probe.getsockname()[1]
        probe.close()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self._stop.clear()
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(64)
        listener.setblocking(False)
        self._thread = threading.Thread(target=self._serve, args=(listener,), daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(5)

    @contextlib.contextmanager
    def outage(self, seconds: float) -> Iterator[None]:
        """Redis is unreachable for `seconds` (tests pass a few seconds for 'a minute')."""
        self.stop()
        try:
            time.sleep(seconds)
            yield
        finally:
            self.start()

    def _serve(self, listener: socket.socket) -> None:
        sel = selectors.DefaultSelector()
        sel.register(listener, selectors.EVENT_READ, None)
        peers: dict[socket.socket, socket.socket] = {}
        try:
            while not self._stop.is_set():
                for key, _ in sel.select(timeout=0.05):
                    sock = key.fileobj
                    assert isinstance(sock, socket.socket)
                    if sock is listener:
                        client, _addr = listener.accept()
                        upstream = socket.create_connection(self.target)
                        for a, b in ((client, upstream), (upstream, client)):
                            a.setblocking(True)
                            peers[a] = b
                            sel.register(a, selectors.EVENT_READ, None)
                        continue
                    try:
                        data = sock.recv(65536)
                    except OSError:
                        data = b""
                    other = peers.get(sock)
                    if not data or other is None:
                        self._drop(sel, peers, sock)
                        continue
                    try:
                        other.sendall(data)
                    except OSError:
                        self._drop(sel, peers, sock)
        finally:
            for sock in list(peers):
                self._drop(sel, peers, sock)
            sel.close()
            listener.close()

    @staticmethod
    def _drop(
        sel: selectors.BaseSelector, peers: dict[socket.socket, socket.socket], sock: socket.socket
    ) -> None:
        for s in (sock, peers.get(sock)):
            if s is None:
                continue
            with contextlib.suppress(KeyError, ValueError):
                sel.unregister(s)
            peers.pop(s, None)
            with contextlib.suppress(OSError):
                s.close()
