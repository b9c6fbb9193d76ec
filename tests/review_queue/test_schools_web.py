"""A school filter narrows a trust-wide account's lists and never widens a school account's."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from classifiers.policy import Policy
from review_queue import accounts
from review_queue.casework import incidents
from review_queue.db import Database
from review_queue.models import ReviewItem
from review_queue.queue import decide
from review_queue.store import ensure_school, ensure_source
from review_queue.web import create_app
from review_queue.web.routes import governors, submissions
from tests.review_queue.conftest import PASSWORD, Cast, ItemFactory, console_config, signin


@pytest.fixture
def other_school(db: Database, school_id: int, cast: Cast, make_item: ItemFactory, policy: Policy) -> int:
    """A second school with a source; each school has one open incident."""
    item = make_item()
    with db.session_scope() as s:
        other = ensure_school(s, "ashby-vale", "Ashby Vale Infants").id
        ensure_source(s, other, "reddit", "reddit-ashby")
        ensure_source(s, school_id, "rss", "rss-hollybrook")
        accounts.add_user(s, "ada.admin@trust.test", "admin", PASSWORD)
        decide(
            s,
            s.get(ReviewItem, item),
            action="confirm",
            reason="abusive",
            categories=["abuse"],
            user_id=cast.dsl.id,
            known_categories=list(policy.categories),
        )
        incidents.open_incident(s, school_id=school_id, item_ids=[item], user_id=cast.dsl.id)
    return other


@pytest.fixture
def client(db: Database, policy: Policy) -> Any:
    def refuse(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("nothing is submitted here")

    app = create_app(
        db,
        console_config(policy),
        extra_routers=[governors.make_router(), submissions.make_router(refuse)],
        extra_template_dirs=[governors.TEMPLATE_DIR],
    )
    with TestClient(app, follow_redirects=False) as c:
        yield c


def test_a_school_accounts_school_filter_is_ignored_not_obeyed(client, cast, other_school):
    signin(client, cast.dsl.email)
    page = client.get("/incidents?school=ashby-vale")
    assert page.status_code == 200 and "GP-0001" in page.text
    assert 'name="school"' not in page.text  # no filter for one school
    sources = client.get("/sources?school=ashby-vale").text
    assert "rss-hollybrook" in sources and "reddit-ashby" not in sources


def test_an_admin_narrows_to_one_school_and_a_mistyped_school_is_not_found(client, other_school):
    signin(client, "ada.admin@trust.test")
    everyone = client.get("/incidents").text
    assert "Hollybrook Primary School" in everyone and "GP-0001" in everyone
    assert "GP-0001" not in client.get("/incidents?school=ashby-vale").text
    assert client.get("/incidents?school=no-such-school").status_code == 404
    assert client.get("/sources?school=no-such-school").status_code == 404
    assert client.get("/trends?school=no-such-school").status_code == 404
    both = client.get("/sources").text
    assert "rss-hollybrook" in both and "reddit-ashby" in both
    # The submit form is only offered once a school is chosen, and is posted with it.
    assert 'name="where_from"' not in client.get("/submit").text
    chosen = client.get("/submit?school=ashby-vale").text
    assert 'name="school" value="ashby-vale"' in chosen and 'name="where_from"' in chosen
