""" "Criticism, not misconduct" in one action: a dismissal the retraining export labels ["criticism"]."""

from __future__ import annotations

import json

from fastapi.testclient import TestClient
from sqlalchemy import select

from review_queue.db import Database
from review_queue.models import Decision, ReviewItem
from review_queue.queue import CRITICISM_REASON
from tests.review_queue.conftest import Cast, ItemFactory, post_form, signin

POLITE = "I am disappointed with how Hollybrook handled the trip, so I have emailed the head to complain."


def test_one_action_dismisses_a_polite_complaint_as_criticism_and_the_export_learns_it(
    client: TestClient, db: Database, cast: Cast, make_item: ItemFactory
) -> None:
    item = make_item(text=POLITE, flags=("incitement",))
    signin(client, cast.reviewer.email)
    page = client.get(f"/items/{item}").text
    assert "Criticism, not misconduct</button>" in page
    # What the button posts: nothing to fill in.
    form = {"action": "dismiss", "categories": "criticism", "reason": CRITICISM_REASON}
    assert post_form(client, f"/items/{item}/decide", form).status_code == 303
    with db.session_scope() as s:
        assert s.get(ReviewItem, item).status == "dismissed"
        d = s.scalars(select(Decision)).one()
        assert (d.action, d.categories, d.reason) == ("dismiss", ["criticism"], CRITICISM_REASON)

    signin(client, cast.dsl.email)
    (line,) = client.get("/feedback.jsonl").text.splitlines()
    example = json.loads(line)
    assert example["text"] == POLITE and example["label"] == ["criticism"]
    assert example["model_flags"] == ["incitement"] and example["kind"] == "false_positive"


def test_criticism_is_never_confirmed_and_a_plain_dismissal_says_nothing_about_criticism(
    client: TestClient, db: Database, cast: Cast, make_item: ItemFactory
) -> None:
    first, second = make_item(flags=("incitement",)), make_item(flags=("abuse",))
    signin(client, cast.dsl.email)
    r = post_form(
        client,
        f"/items/{first}/decide",
        {"action": "confirm", "categories": "criticism", "reason": "Criticism."},
    )
    assert r.status_code == 400 and "criticism is never a breach" in r.text
    post_form(
        client, f"/items/{second}/decide", {"action": "dismiss", "categories": "abuse", "reason": "A joke."}
    )
    (line,) = client.get("/feedback.jsonl").text.splitlines()
    assert json.loads(line)["label"] == []
