"""Escalation reaches someone: named, emailed, in their queue, and theirs to decide or hand back."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from classifiers.policy import Policy
from review_queue import accounts, escalations
from review_queue.db import Database
from review_queue.models import Decision, Escalation, Notice, ReviewItem
from review_queue.store import ensure_school
from tests.review_queue.conftest import PASSWORD, Cast, ItemFactory, post_form, signin


def escalate(client: TestClient, item: int, to: int, reason: str = "Needs the head's view.") -> Any:
    return post_form(
        client,
        f"/items/{item}/decide",
        {"action": "escalate", "escalate_to": to, "categories": "incitement", "reason": reason},
    )


def holder(client: TestClient, item: int, action: str, reason: str, categories: str = "incitement") -> Any:
    return post_form(
        client, f"/items/{item}/escalation", {"action": action, "categories": categories, "reason": reason}
    )


def test_an_escalation_names_who_it_goes_to_owes_them_an_email_and_shows_in_their_queue(
    client: TestClient, db: Database, cast: Cast, make_item: ItemFactory
) -> None:
    item = make_item(text="Everyone email Ofsted about Hollybrook!", flags=("incitement",))
    signin(client, cast.reviewer.email)
    page = client.get(f"/items/{item}").text
    assert f'<option value="{cast.headteacher.id}">Headteacher: {cast.headteacher.email}</option>' in page
    assert f'<option value="{cast.dsl.id}">DSL: {cast.dsl.email}</option>' in page
    assert cast.governor.email not in page  # a governor never takes an escalation
    assert escalate(client, item, cast.headteacher.id).status_code == 303

    page = client.get(f"/items/{item}").text
    assert "Nobody is working on this item" not in page
    assert f"Escalated to Headteacher {cast.headteacher.email} by {cast.reviewer.email}" in page
    assert f"to {cast.headteacher.email}" in page  # in the history too
    with db.session_scope() as s:
        (esc,) = s.scalars(select(Escalation)).all()
        assert (esc.to_user_id, esc.by_user_id, esc.outcome) == (
            cast.headteacher.id,
            cast.reviewer.id,
            "open",
        )
        (notice,) = s.scalars(select(Notice)).all()
        assert (notice.user_id, notice.kind, notice.sent_at) == (cast.headteacher.id, "escalated", None)

    signin(client, cast.headteacher.email)
    queue = client.get("/queue").text
    assert "1</strong> escalated to you" in queue and "escalated to you</span>" in queue
    mine = client.get("/queue?escalated_to=me").text
    assert f'href="/items/{item}"' in mine
    page = client.get(f"/items/{item}").text
    assert "Escalated to you" in page and f'action="/items/{item}/escalation"' in page
    assert f'action="/items/{item}/decide"' not in page  # a headteacher decides only what is theirs


def test_only_the_holder_or_the_dsl_may_decide_an_escalated_item_though_anyone_may_add_a_note(
    client: TestClient, db: Database, cast: Cast, make_item: ItemFactory
) -> None:
    item = make_item(flags=("incitement",))
    signin(client, cast.reviewer.email)
    escalate(client, item, cast.headteacher.id)
    refused = post_form(
        client, f"/items/{item}/decide", {"action": "dismiss", "categories": "incitement", "reason": "Fine."}
    )
    assert refused.status_code == 400 and "only they, or the DSL, may decide it" in refused.text
    note = {"action": "note", "categories": "incitement", "reason": "The parent rang the office too."}
    assert post_form(client, f"/items/{item}/decide", note).status_code == 303
    # Not the reviewer's to take, either: the holder's form refuses them.
    assert holder(client, item, "confirm", "Breach.").status_code == 403

    signin(client, cast.headteacher.email)
    assert holder(client, item, "confirm", "Urging others to complain: a breach.").status_code == 303
    with db.session_scope() as s:
        assert s.get(ReviewItem, item).status == "confirmed"
        (esc,) = s.scalars(select(Escalation)).all()
        assert (esc.outcome, esc.resolved_by_id) == ("decided", cast.headteacher.id)
    # Decided, it is no longer escalated to anyone: the holder's form is closed to them.
    assert holder(client, item, "dismiss", "Changed my mind.").status_code == 400


def test_the_dsl_may_decide_an_item_escalated_to_the_headteacher(
    client: TestClient, db: Database, cast: Cast, make_item: ItemFactory
) -> None:
    item = make_item(flags=("incitement",))
    signin(client, cast.reviewer.email)
    escalate(client, item, cast.headteacher.id)
    signin(client, cast.dsl.email)
    r = post_form(
        client, f"/items/{item}/decide", {"action": "dismiss", "categories": "incitement", "reason": "Fine."}
    )
    assert r.status_code == 303
    with db.session_scope() as s:
        assert s.scalars(select(Escalation.outcome)).one() == "decided"


def test_handing_back_returns_the_item_to_whoever_escalated_it_with_the_note_and_tells_them(
    client: TestClient, db: Database, cast: Cast, make_item: ItemFactory
) -> None:
    item = make_item(flags=("incitement",))
    signin(client, cast.dsl.email)
    escalate(client, item, cast.headteacher.id)
    signin(client, cast.headteacher.email)
    r = holder(client, item, "hand_back", "Speak to the parent first, then decide.")
    assert r.status_code == 303
    with db.session_scope() as s:
        it = s.get(ReviewItem, item)
        assert it.status == "open" and it.decided_at is None and it.assigned_to_id == cast.dsl.id
        assert s.scalars(select(Escalation.outcome)).one() == "handed_back"
        kinds = [(n.user_id, n.kind) for n in s.scalars(select(Notice).order_by(Notice.id))]
        assert kinds == [(cast.headteacher.id, "escalated"), (cast.dsl.id, "handed_back")]
        last = s.scalars(select(Decision).order_by(Decision.id.desc())).first()
        assert (last.action, last.reason) == ("hand_back", "Speak to the parent first, then decide.")

    signin(client, cast.dsl.email)
    page = client.get(f"/items/{item}").text
    assert "You are working on this item." in page
    assert "hand back" in page and "Speak to the parent first, then decide." in page


def test_escalating_again_passes_it_on_and_the_first_holder_can_no_longer_act(
    client: TestClient, db: Database, cast: Cast, make_item: ItemFactory
) -> None:
    item = make_item(flags=("incitement",))
    with db.session_scope() as s:
        deputy = accounts.add_user(
            s, "dan.deputy@hollybrook.test", "dsl", PASSWORD, school_id=s.get(ReviewItem, item).school_id
        )
        deputy_id = deputy.id
    signin(client, cast.reviewer.email)
    escalate(client, item, deputy_id)
    signin(client, cast.dsl.email)
    escalate(client, item, cast.headteacher.id, "Over to the head.")
    with db.session_scope() as s:
        outcomes = [(e.to_user_id, e.outcome) for e in s.scalars(select(Escalation).order_by(Escalation.id))]
        assert outcomes == [(deputy_id, "passed_on"), (cast.headteacher.id, "open")]
    signin(client, "dan.deputy@hollybrook.test")
    assert holder(client, item, "hand_back", "Not mine now.").status_code == 400


def test_an_escalation_must_name_an_active_account_of_the_school_that_may_take_it(
    client: TestClient, db: Database, cast: Cast, make_item: ItemFactory
) -> None:
    item = make_item(flags=("incitement",))
    with db.session_scope() as s:
        other = ensure_school(s, "elsewhere", "Elsewhere Academy")
        far = accounts.add_user(s, "head@elsewhere.test", "headteacher", PASSWORD, school_id=other.id)
        far_id = far.id
    signin(client, cast.reviewer.email)
    for to in (cast.governor.id, cast.reviewer.id, far_id, 999_999):
        r = escalate(client, item, to)
        assert r.status_code == 400 and "cannot take escalations" in r.text, to
    r = post_form(
        client,
        f"/items/{item}/decide",
        {"action": "escalate", "escalate_to": "x", "categories": "abuse", "reason": "?"},
    )
    assert r.status_code == 400
    with db.session_scope() as s:
        assert s.get(ReviewItem, item).status == "open"
        assert s.scalars(select(Notice)).all() == []


def test_the_json_endpoint_escalates_by_naming_the_account_as_the_form_does(
    client: TestClient, db: Database, cast: Cast, make_item: ItemFactory
) -> None:
    item = make_item(flags=("incitement",))
    signin(client, cast.dsl.email)
    token = client.get("/queue").text.split('name="csrf" value="')[1].split('"')[0]
    body: dict[str, Any] = {"action": "escalate", "reason": "For the head.", "categories": ["incitement"]}
    assert (
        client.post(f"/api/items/{item}/decision", json=body, headers={"X-CSRF-Token": token}).status_code
        == 400
    )
    body["escalate_to"] = cast.headteacher.id
    r = client.post(f"/api/items/{item}/decision", json=body, headers={"X-CSRF-Token": token})
    assert r.status_code == 201
    with db.session_scope() as s:
        assert escalations.waiting_for(s, cast.headteacher.id) == 1


def test_an_item_escalated_before_escalations_were_named_can_be_escalated_to_someone(
    client: TestClient, db: Database, cast: Cast, make_item: ItemFactory, policy: Policy
) -> None:
    from review_queue.queue import decide

    item = make_item(flags=("incitement",))
    with db.session_scope() as s:
        decide(
            s,
            s.get(ReviewItem, item),
            action="escalate",
            reason="Old style",
            categories=["incitement"],
            user_id=cast.reviewer.id,
            known_categories=list(policy.categories),
        )
    signin(client, cast.dsl.email)
    page = client.get(f"/items/{item}").text
    assert "Nobody is working on this item." in page and "Escalate to" in page
    assert escalate(client, item, cast.headteacher.id).status_code == 303
    with db.session_scope() as s:
        assert escalations.waiting_for(s, cast.headteacher.id) == 1


@pytest.mark.parametrize("role", ["reviewer", "governor"])
def test_roles_that_take_no_escalations_have_no_holders_form(
    client: TestClient, cast: Cast, make_item: ItemFactory, role: str
) -> None:
    item = make_item(flags=("incitement",))
    signin(client, getattr(cast, role).email)
    assert holder(client, item, "confirm", "Breach.").status_code == 403


def test_the_headteacher_can_call_an_escalated_complaint_criticism_in_one_action(
    client: TestClient, db: Database, cast: Cast, make_item: ItemFactory
) -> None:
    from review_queue.queue import CRITICISM_REASON

    item = make_item(text="I have emailed the head to complain about the trip.", flags=("incitement",))
    signin(client, cast.dsl.email)
    escalate(client, item, cast.headteacher.id)
    signin(client, cast.headteacher.email)
    page = client.get(f"/items/{item}").text
    assert page.count("Criticism, not misconduct</button>") == 1  # on the head's own form
    assert holder(client, item, "dismiss", CRITICISM_REASON, categories="criticism").status_code == 303
    with db.session_scope() as s:
        assert s.get(ReviewItem, item).status == "dismissed"
        last = s.scalars(select(Decision).order_by(Decision.id.desc())).first()
        assert (last.action, last.categories, last.user_id) == ("dismiss", ["criticism"], cast.headteacher.id)
