"""Who may do what, route by route: every route of the console, for every role, against the table.

The console is assembled the way `gatepost serve` assembles it (`monitor.console.make_app`),
so a route added anywhere is walked.  The table below is this test's own copy of
`review_queue.permissions`: changing who may do something means changing it in both, on
purpose.  A route that is neither public nor listed here, or that checks no permission,
fails the test.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from unittest import mock

import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from starlette.routing import BaseRoute, Mount

import monitor.console
from classifiers.policy import Policy
from monitor.settings import load_settings
from review_queue import accounts
from review_queue.casework import incidents, platform_reports
from review_queue.db import Database
from review_queue.models import ROLES, ReviewItem
from review_queue.permissions import ROLES_FOR, Permission
from review_queue.queue import decide
from review_queue.submissions import SubmissionRefused
from review_queue.web.deps import ROLE_REFUSED, Require
from tests.review_queue.conftest import PASSWORD, SCHOOL, Cast, ItemFactory, csrf, signin

ALL = frozenset(ROLES)
# This test's copy of review_queue.permissions.ROLES_FOR.
EXPECTED_ROLES: dict[str, frozenset[str]] = {
    "signed_in": ALL,
    "read_content": frozenset({"admin", "dsl", "reviewer", "headteacher"}),
    "decide": frozenset({"admin", "dsl", "reviewer"}),
    "manage_queue": frozenset({"admin", "dsl"}),
    "take_items": frozenset({"dsl", "reviewer"}),
    "take_escalations": frozenset({"dsl", "headteacher"}),
    "report": frozenset({"admin", "dsl"}),
    "incident_read": frozenset({"admin", "dsl", "headteacher"}),
    "incident_write": frozenset({"admin", "dsl", "headteacher"}),
    "submit": frozenset({"admin", "dsl", "reviewer", "headteacher"}),
    "see_sources": frozenset({"admin", "dsl"}),
    "see_trends": frozenset({"admin", "dsl", "headteacher", "governor", "trust"}),
    "read_audit": frozenset({"admin", "dsl"}),
    "export_feedback": frozenset({"admin", "dsl"}),
    "export_csv": frozenset({"admin", "dsl"}),
    "subject_rights": frozenset({"admin", "dsl"}),
    "every_school": frozenset({"admin", "trust"}),
}
# Routes anyone may reach: signing in and out.  Listed so that the list is known to be whole.
PUBLIC = {
    ("GET", "/signin"),
    ("POST", "/signin"),
    ("GET", "/signin/once/{token}"),
    ("POST", "/signin/once/{token}"),
    ("POST", "/signout"),
}
# Files served as they are (the stylesheet), with no account.
MOUNTS = {"/static"}
# Every other route, and the permission it needs.
ROUTES: dict[tuple[str, str], str] = {
    ("GET", "/"): "signed_in",
    ("GET", "/queue"): "read_content",
    ("POST", "/queue/bulk"): "decide",
    ("GET", "/queue.csv"): "export_csv",
    ("GET", "/decisions.csv"): "export_csv",
    ("GET", "/items/{item_id}"): "read_content",
    ("GET", "/items/{item_id}/media/{n}"): "read_content",
    ("POST", "/items/{item_id}/claim"): "decide",
    ("POST", "/items/{item_id}/release"): "decide",
    ("POST", "/items/{item_id}/decide"): "decide",
    ("POST", "/api/items/{item_id}/decision"): "decide",
    ("POST", "/items/{item_id}/assign"): "manage_queue",
    ("POST", "/items/{item_id}/escalation"): "take_escalations",
    ("POST", "/items/{item_id}/possible-iic"): "report",
    ("POST", "/items/{item_id}/reports"): "report",
    ("POST", "/reports/{report_id}"): "report",
    ("GET", "/incidents"): "incident_read",
    ("GET", "/incidents/{incident_id}"): "incident_read",
    ("GET", "/incidents/{incident_id}/evidence.html"): "incident_read",
    ("GET", "/incidents/{incident_id}/evidence.pdf"): "incident_read",
    ("GET", "/people/{person_id}"): "incident_read",
    ("POST", "/people/{person_id}"): "incident_write",
    ("POST", "/incidents"): "incident_write",
    ("POST", "/incidents/{incident_id}/person"): "incident_write",
    ("POST", "/incidents/{incident_id}/items"): "incident_write",
    ("POST", "/incidents/{incident_id}/letters"): "incident_write",
    ("POST", "/letters/{letter_id}"): "incident_write",
    ("POST", "/letters/{letter_id}/sent"): "incident_write",
    ("POST", "/incidents/{incident_id}/meetings"): "incident_write",
    ("POST", "/incidents/{incident_id}/police"): "incident_write",
    ("POST", "/incidents/{incident_id}/legal"): "incident_write",
    ("POST", "/incidents/{incident_id}/close"): "incident_write",
    ("GET", "/audit"): "read_audit",
    ("GET", "/feedback.jsonl"): "export_feedback",
    ("GET", "/trends"): "see_trends",
    ("GET", "/trends/termly.html"): "see_trends",
    ("GET", "/trends/termly.pdf"): "see_trends",
    ("GET", "/trends/trends.css"): "see_trends",
    ("GET", "/submit"): "submit",
    ("POST", "/submit"): "submit",
    ("GET", "/sources"): "see_sources",
}


# The path parameters that name rows.
PATH_IDS = ("item_id", "n", "report_id", "incident_id", "letter_id", "person_id")


def routes(app: FastAPI) -> Iterator[tuple[str, BaseRoute]]:
    """(path, route) for every route the app answers, however its routers were included."""
    try:
        from fastapi.routing import iter_route_contexts  # FastAPI that includes routers lazily
    except ImportError:
        for route in app.routes:
            yield getattr(route, "path", ""), route
        return
    for context in iter_route_contexts(app.routes):
        yield context.path or "", context.original_route


def permissions_checked(route: APIRoute) -> list[str]:
    """The permissions a route's dependencies require, at any depth."""
    found: list[str] = []
    stack = list(route.dependant.dependencies)
    while stack:
        dep = stack.pop()
        if isinstance(dep.call, Require):
            found.append(str(dep.call.permission))
        stack.extend(dep.dependencies)
    return found


@pytest.fixture
def console(db: Database, cast: Cast) -> FastAPI:
    """The console as `gatepost serve` builds it; a submission is refused without judging anything."""

    def refuse(*args: Any, **kwargs: Any) -> Any:
        raise SubmissionRefused("refused by the permissions test")

    with mock.patch.object(monitor.console, "submitter", autospec=True, return_value=refuse):
        return monitor.console.make_app(load_settings(), db)


@pytest.fixture
def ids(db: Database, school_id: int, cast: Cast, make_item: ItemFactory, policy: Policy) -> dict[str, Any]:
    """A real row behind every path parameter, so that an allowed request finds what it asks for."""
    item_id = make_item(media=[{"type": "image", "url": "https://images.example.test/a.png"}])
    with db.session_scope() as s:
        accounts.add_user(s, "ada.admin@trust.test", "admin", PASSWORD)
        accounts.add_user(s, "tom.trust@trust.test", "trust", PASSWORD)
        item = s.get(ReviewItem, item_id)
        decide(
            s,
            item,
            action="confirm",
            reason="abusive",
            categories=["abuse"],
            user_id=cast.dsl.id,
            known_categories=list(policy.categories),
        )
        report = platform_reports.draft_report(
            s, item, platform="x", policy=policy, school_name=SCHOOL.name, user_id=cast.dsl.id
        )
        inc = incidents.open_incident(s, school_id=school_id, item_ids=[item_id], user_id=cast.dsl.id)
        person = incidents.add_person(s, school_id=school_id, name="Sam Parent")
        incidents.set_person(s, inc, person.id, cast.dsl.id)
        letter = incidents.draft_letter(
            s,
            inc,
            policy.incidents.stages[0].letter,
            school=SCHOOL,
            policy=policy,
            user_id=cast.dsl.id,
        )
        return {
            "item_id": item_id,
            "n": 0,
            "report_id": report.id,
            "incident_id": inc.id,
            "letter_id": letter.id,
            "person_id": person.id,
            "token": "not-a-token",
            "assignee_id": cast.reviewer.id,
            "template": letter.template,
        }


def emails(cast: Cast) -> dict[str, str]:
    return {
        "admin": "ada.admin@trust.test",
        "dsl": cast.dsl.email,
        "reviewer": cast.reviewer.email,
        "headteacher": cast.headteacher.email,
        "governor": cast.governor.email,
        "trust": "tom.trust@trust.test",
    }


def ask(client: TestClient, method: str, path: str, ids: dict[str, Any], token: str) -> Any:
    url = path.format(**ids)
    if method == "GET":
        return client.get(url)
    if path.startswith("/api/"):
        body = {"action": "confirm", "reason": "abusive", "categories": ["abuse"]}
        return client.post(url, json=body, headers={"X-CSRF-Token": token})
    form = {
        "csrf": token,
        "item_id": ids["item_id"],
        "assignee_id": ids["assignee_id"],
        "action": "confirm",
        "reason": "abusive",
        "categories": "abuse",
        "platform": "x",
        "reference": "REF-1",
        "name": "Sam Parent",
        "body": "A letter.",
        "template": ids["template"],
        "held_on": "2026-11-21",
        "outcome": "Met the parent.",
        "where_from": "Year 4 WhatsApp",
        "text": "",
    }
    return client.post(url, data=form)


def refused_for_role(response: Any) -> bool:
    return bool(response.status_code == 403 and ROLE_REFUSED in response.text)


def test_the_table_is_the_one_this_test_expects() -> None:
    assert {str(p): roles for p, roles in ROLES_FOR.items()} == EXPECTED_ROLES
    assert set(EXPECTED_ROLES) == {str(p) for p in Permission}
    assert all(roles <= ALL for roles in EXPECTED_ROLES.values())


def test_every_route_is_public_or_checks_exactly_the_permission_listed(console: FastAPI) -> None:
    seen: set[tuple[str, str]] = set()
    mounts: set[str] = set()
    for path, route in routes(console):
        if isinstance(route, Mount):
            mounts.add(path)
            continue
        assert isinstance(route, APIRoute), f"{path}: a route of a kind this test does not know"
        for method in route.methods:
            key = (method, path)
            seen.add(key)
            checked = permissions_checked(route)
            if key in PUBLIC:
                assert checked == [], f"{key} is listed as public but checks {checked}"
            else:
                assert key in ROUTES, f"{key} is neither public nor in ROUTES: give it a permission"
                assert checked == [ROUTES[key]], f"{key} checks {checked}, expected {ROUTES[key]}"
    assert mounts == MOUNTS
    assert seen == PUBLIC | set(ROUTES), "ROUTES or PUBLIC lists a route the console no longer has"


def test_someone_signed_out_is_sent_to_sign_in_from_every_route(
    console: FastAPI, ids: dict[str, Any]
) -> None:
    with TestClient(console, follow_redirects=False) as client:
        for method, path in ROUTES:
            # A fresh token each time: being sent to sign in clears the session, token and all.
            r = ask(client, method, path, ids, csrf(client))
            assert r.status_code == 303 and r.headers["location"].startswith("/signin?next="), (method, path)


@pytest.mark.parametrize("role", sorted(ROLES))
def test_each_role_is_let_through_or_refused_on_every_route_as_the_table_says(
    role: str, console: FastAPI, cast: Cast, ids: dict[str, Any]
) -> None:
    with TestClient(console, follow_redirects=False) as client:
        assert signin(client, emails(cast)[role]).status_code == 303
        token = csrf(client)
        wrong = []
        for (method, path), permission in ROUTES.items():
            r = ask(client, method, path, ids, token)
            # Still signed in: no route sends a signed-in account back to the sign-in page.
            assert not r.headers.get("location", "").startswith("/signin"), (method, path)
            allowed = role in EXPECTED_ROLES[permission]
            if refused_for_role(r) == allowed:
                wrong.append(f"{method} {path}: {r.status_code}, expected {'allowed' if allowed else 403}")
            if not allowed and "{" in path:
                # Refused before anything is looked up: an id that does not exist is refused alike.
                missing = ask(client, method, path, {**ids, **dict.fromkeys(PATH_IDS, 999_999)}, token)
                if not refused_for_role(missing):
                    wrong.append(f"{method} {path} with a missing id: {missing.status_code}, expected 403")
        assert wrong == []
