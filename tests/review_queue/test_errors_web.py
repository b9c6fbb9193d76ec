"""Domain errors become HTTP once, in the app: each maps to its status and shows its own message."""

from __future__ import annotations

import pytest
from fastapi import APIRouter
from fastapi.testclient import TestClient

from classifiers.policy import Policy
from review_queue.accounts import AccountError, AuthError, Throttled
from review_queue.casework.incidents import IncidentError
from review_queue.casework.platform_reports import ReportError
from review_queue.db import Database
from review_queue.queue import ClaimedElsewhere, DecisionError
from review_queue.records.privacy import PrivacyError
from review_queue.web import create_app
from review_queue.web.app import DOMAIN_ERRORS
from tests.review_queue.conftest import Cast, ItemFactory, console_config, post_form, signin

EXPECTED = {
    ClaimedElsewhere: 409,
    DecisionError: 400,
    IncidentError: 400,
    ReportError: 400,
    AccountError: 400,
    PrivacyError: 400,
    AuthError: 400,
    Throttled: 429,
}


def test_every_domain_error_has_one_app_level_status() -> None:
    assert DOMAIN_ERRORS == EXPECTED


@pytest.mark.parametrize(("error", "status"), list(EXPECTED.items()))
def test_a_domain_error_from_any_handler_is_answered_with_its_status_and_message(
    db: Database, policy: Policy, error: type[Exception], status: int
) -> None:
    router = APIRouter()

    @router.get("/raises")
    def raises() -> None:
        raise error("a message <for> the user")

    app = create_app(db, console_config(policy), extra_routers=[router])
    with TestClient(app, follow_redirects=False) as client:
        r = client.get("/raises")
    assert r.status_code == status
    assert "a message &lt;for&gt; the user" in r.text


def test_an_incident_refused_by_casework_is_a_400_without_a_try_in_the_handler(
    client: TestClient, cast: Cast, make_item: ItemFactory
) -> None:
    item = make_item()
    signin(client, cast.dsl.email)
    r = post_form(
        client, f"/items/{item}/decide", {"action": "confirm", "categories": "abuse", "reason": "breach"}
    )
    assert r.status_code == 303, r.text
    inc = post_form(client, "/incidents", {"item_id": item}).headers["location"]
    r = post_form(client, f"{inc}/meetings", {"held_on": "2026-11-25", "outcome": ""}, inc)
    assert r.status_code == 400 and "record the meeting" in r.text
    r = post_form(client, f"{inc}/meetings", {"held_on": "25/11/2026", "outcome": "Met."}, inc)
    assert r.status_code == 400 and "Invalid isoformat string" in r.text
    r = post_form(client, f"{inc}/person", {"name": ""}, inc)
    assert r.status_code == 400 and "give the person" in r.text
    r = post_form(client, f"{inc}/person", {"person_id": "999999"}, inc)
    assert r.status_code == 400 and "no such person" in r.text
