"""Sessions end when people expect; throttling cannot lock the DSL out; passwords resist guessing."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
import time_machine
from fastapi import FastAPI
from fastapi.testclient import TestClient

from review_queue import accounts
from review_queue.db import Database
from review_queue.models import utcnow
from tests.review_queue.conftest import PASSWORD, Cast, ItemFactory, csrf, signin


def _copy_of(app: FastAPI, client: TestClient) -> TestClient:
    """A second browser holding a copy of the first one's cookie (a shared or stolen computer)."""
    other = TestClient(app, follow_redirects=False)
    other.cookies.update(client.cookies)
    return other


def _signed_out(client: TestClient) -> bool:
    r = client.get("/queue")
    return r.status_code == 303 and r.headers["location"].startswith("/signin")


def test_signing_out_ends_every_copy_of_the_session(app, client, cast: Cast, make_item: ItemFactory):
    make_item()
    signin(client, cast.dsl.email)
    kept = _copy_of(app, client)
    assert kept.get("/queue").status_code == 200
    assert client.post("/signout", data={"csrf": csrf(client, "/queue")}).status_code == 303
    assert _signed_out(kept)
    assert _signed_out(client)
    # Signing in again starts a new session; the old cookie stays dead.
    signin(client, cast.dsl.email)
    assert client.get("/queue").status_code == 200
    assert _signed_out(_copy_of(app, kept))


def test_disabling_then_enabling_an_account_does_not_revive_its_old_sessions(
    app, client, db: Database, cast: Cast, make_item: ItemFactory
):
    make_item()
    signin(client, cast.dsl.email)
    assert client.get("/queue").status_code == 200
    with db.session_scope() as s:
        accounts.set_disabled(s, cast.dsl.email, True)
    with db.session_scope() as s:
        accounts.set_disabled(s, cast.dsl.email, False)
    assert _signed_out(client)


def test_a_session_ends_twelve_hours_after_sign_in_however_busy(client, cast: Cast, make_item: ItemFactory):
    make_item()
    start = utcnow()
    with time_machine.travel(start, tick=False) as clock:
        signin(client, cast.dsl.email)
        for _ in range(11):  # a page every hour keeps the idle limit at bay ...
            clock.shift(timedelta(hours=1))
            assert client.get("/queue").status_code == 200
        clock.shift(timedelta(hours=1, minutes=1))
        assert _signed_out(client)  # ... but not the absolute one


def test_a_session_left_idle_for_two_hours_ends(client, cast: Cast, make_item: ItemFactory):
    make_item()
    with time_machine.travel(utcnow(), tick=False) as clock:
        signin(client, cast.dsl.email)
        clock.shift(timedelta(hours=1, minutes=59))
        assert client.get("/queue").status_code == 200
        clock.shift(timedelta(hours=2, minutes=1))
        assert _signed_out(client)


def test_failures_from_one_address_do_not_lock_the_account_out_elsewhere(app, cast: Cast):
    attacker = TestClient(app, follow_redirects=False, client=("203.0.113.9", 50000))
    for _ in range(5):
        assert signin(attacker, cast.dsl.email, "wrong password!!").status_code == 401
    assert signin(attacker, cast.dsl.email, PASSWORD).status_code == 429
    dsl = TestClient(app, follow_redirects=False, client=("198.51.100.7", 50000))
    assert signin(dsl, cast.dsl.email, PASSWORD).status_code == 303


@pytest.mark.parametrize("which", ["sqlite_db", pytest.param("pg_db", marks=pytest.mark.postgres)])
def test_parallel_wrong_passwords_are_counted_atomically(request, which):
    db: Database = request.getfixturevalue(which)
    with db.session_scope() as s:
        accounts.add_user(s, "dsl@school.test", "dsl", PASSWORD)
    outcomes: list[str] = []
    lock = threading.Lock()
    go = threading.Barrier(12)

    def attempt() -> None:
        go.wait()
        try:
            with db.session_scope() as s:
                try:
                    accounts.authenticate(s, "dsl@school.test", "wrong password!!", "203.0.113.9")
                except accounts.Throttled:
                    result = "throttled"
                except accounts.AuthError:
                    result = "checked"
        except Exception as exc:  # a busy SQLite write lock would show here
            result = type(exc).__name__
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=attempt) for _ in range(12)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert sorted(outcomes) == ["checked"] * 5 + ["throttled"] * 7


@pytest.mark.parametrize(
    "password", [" " * 12, "password1234", "aaaaaaaaaaaa", "qwertyuiop12", "hollybrook2026"]
)
def test_common_and_trivial_passwords_are_refused(db: Database, password: str):
    with db.session_scope() as s, pytest.raises(accounts.AccountError, match="too easy to guess"):
        accounts.add_user(s, "head@hollybrook.example", "headteacher", password)


def test_a_long_random_passphrase_is_accepted(db: Database):
    with db.session_scope() as s:
        accounts.add_user(s, "head@school.test", "headteacher", "kettle orbit lantern")
