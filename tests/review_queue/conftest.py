"""The console's shared fixtures: a school, the named cast, flagged items, and the app.

The cast, as STYLE.md asks: Dee the DSL, Rey the reviewer, Hal the headteacher, Gil the
governor, and Nobody, who has no account at all.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

import config
from classifiers.policy import Policy, read_policy
from review_queue import accounts
from review_queue.casework.letters import SchoolDetails
from review_queue.db import Database
from review_queue.queue import record_judgement
from review_queue.store import ensure_school, ingest_posts
from review_queue.web import ConsoleConfig, create_app

PASSWORD = "correct horse battery staple"
POLICY_PATH = Path(config.__file__).resolve().parent / "policy.toml"
SCHOOL = SchoolDetails(
    name="Hollybrook Primary School",
    town="Ashby Fields",
    headteacher_name="Denise Carter",
    code_title="Parent/Carer Code of Conduct",
)


@dataclass(frozen=True)
class Person:
    id: int
    email: str
    role: str


@dataclass(frozen=True)
class Cast:
    dsl: Person
    reviewer: Person
    headteacher: Person
    governor: Person
    nobody_email: str = "nobody@example.test"


@dataclass(frozen=True)
class PostIn:
    """Shaped like connectors.base.Post, for store.ingest_posts."""

    kind: str
    external_id: str
    url: str
    author_handle: str
    text: str
    created_at: datetime
    media: Sequence[Any] = ()
    raw: dict[str, Any] = field(default_factory=dict)
    parent_external_id: str | None = None


@pytest.fixture
def policy() -> Policy:
    return read_policy(POLICY_PATH)


@pytest.fixture
def db(sqlite_db: Database) -> Database:
    return sqlite_db


@pytest.fixture
def school_id(db: Database) -> int:
    with db.session_scope() as s:
        return ensure_school(s, "hollybrook", SCHOOL.name).id


@pytest.fixture
def cast(db: Database, school_id: int) -> Cast:
    people = {}
    with db.session_scope() as s:
        for role, email in [
            ("dsl", "dee.dsl@hollybrook.test"),
            ("reviewer", "rey.reviewer@hollybrook.test"),
            ("headteacher", "hal.head@hollybrook.test"),
            ("governor", "gil.governor@hollybrook.test"),
        ]:
            u = accounts.add_user(s, email, role, PASSWORD, school_id=school_id)
            people[role] = Person(u.id, u.email, role)
    return Cast(**people)


ItemFactory = Callable[..., int]


@pytest.fixture
def make_item(db: Database, school_id: int, policy: Policy) -> ItemFactory:
    """Store a post and its judgement; return the queue item's id."""
    counter = iter(range(1, 10_000))

    def make(
        text: str = "Mrs Carter is a useless liar and everyone knows it",
        flags: Sequence[str] = ("abuse",),
        evidence: Sequence[dict[str, Any]] | None = None,
        platform: str = "x",
        author: str = "@angry_parent",
        media: Sequence[dict[str, Any]] = (),
        parent: str | None = None,
        external_id: str | None = None,
        severity: str | None = None,
        url: str | None = None,
    ) -> int:
        ext = external_id or f"p{next(counter)}"
        post = PostIn(
            kind=platform,
            external_id=ext,
            url=url if url is not None else f"https://{platform}.example.test/status/{ext}",
            author_handle=author,
            text=text,
            created_at=datetime(2026, 11, 20, 8, 30, tzinfo=UTC),
            media=[dict(m) for m in media],
            raw={"id": ext},
            parent_external_id=parent,
        )
        sev = severity or max(
            (policy.severity(f) for f in flags),
            key=policy.rank,
            default="low",
        )
        with db.session_scope() as s:
            (row,) = ingest_posts(s, school_id, None, [post])
            item = record_judgement(
                s,
                row,
                {
                    "model_version": "test-model-1",
                    "flags": list(flags),
                    "scores": {f: 0.91 for f in flags},
                    "severity": sev,
                    "evidence": list(evidence)
                    if evidence is not None
                    else [{"category": flags[0], "start": 0, "end": min(len(text), 10), "why": "test span"}]
                    if flags
                    else [],
                },
                policy,
            )
            assert item is not None
            return item.id

    return make


def console_config(policy: Policy, **kw: Any) -> ConsoleConfig:
    return ConsoleConfig(
        secret_key="test-secret-key-not-for-production",
        policy=policy,
        schools={"hollybrook": SCHOOL},
        **kw,
    )


@pytest.fixture
def app(db: Database, policy: Policy) -> FastAPI:
    return create_app(db, console_config(policy))


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app, follow_redirects=False) as c:
        yield c


_CSRF = re.compile(r'name="csrf" value="([^"]+)"')


def csrf(client: TestClient, path: str = "/signin") -> str:
    page = client.get(path)
    m = _CSRF.search(page.text)
    assert m, f"no CSRF token on {path}"
    return m.group(1)


def signin(client: TestClient, email: str, password: str = PASSWORD) -> Any:
    token = csrf(client)
    return client.post("/signin", data={"email": email, "password": password, "next": "/", "csrf": token})


def post_form(client: TestClient, path: str, data: dict[str, Any], page: str = "/queue") -> Any:
    """POST a form the way a browser would: with the CSRF token from a page."""
    return client.post(path, data={**data, "csrf": csrf(client, page)})
