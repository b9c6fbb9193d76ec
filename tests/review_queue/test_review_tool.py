"""The review tool's queries and rules, on SQLite and PostgreSQL: search, paging, the next
item, standard reasons, bulk dismissal, CSV cells (the browser tests walk the same paths)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime
from typing import Any

import pydantic
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from classifiers.policy import Policy, read_policy
from review_queue import accounts, queue
from review_queue.db import Database
from review_queue.models import Decision, ReviewItem
from review_queue.queue import DecisionError, QueueFilter, count_items, list_items, next_waiting, search_terms
from review_queue.store import ensure_school, ingest_posts
from review_queue.web import views
from review_queue.web.exports import safe_cell
from review_queue.web.queue_url import read_view_string, view_query
from tests.review_queue.conftest import PASSWORD, Cast, ItemFactory, PostIn, csrf, post_form, signin

# The policy's categories and their labels, which a search matches as well as the names.
CATEGORIES = read_policy().labels()


def flagged(
    s: Session,
    school_id: int,
    policy: Policy,
    n: int,
    text: str,
    *,
    author: str = "@p",
    flag: str = "abuse",
) -> ReviewItem:
    post = PostIn(
        "x", f"e{n}", f"https://x.example.test/{n}", author, text, datetime(2026, 11, 20, tzinfo=UTC)
    )
    (row,) = ingest_posts(s, school_id, None, [post])
    judgement = {"flags": [flag], "severity": policy.severity(flag), "model_version": "t"}
    item = queue.record_judgement(s, row, judgement, policy)
    assert item is not None
    return item


def ids(items: list[ReviewItem]) -> list[int]:
    return [i.id for i in items]


def test_search_matches_text_author_and_category_names_and_takes_wildcards_literally(
    any_db: Database, policy: Policy
) -> None:
    with any_db.session_scope() as s:
        school = ensure_school(s, "hollybrook", "Hollybrook").id
        other = ensure_school(s, "larkrise", "Larkrise").id
        carter = flagged(s, school, policy, 1, "Mrs CARTER is useless")
        dad = flagged(s, school, policy, 2, "nothing to see", author="@Dad_of_three")
        photo = flagged(s, school, policy, 3, "class pic", flag="pupil_image")
        percent = flagged(s, school, policy, 4, "I am 100% sure of it")
        nearly = flagged(s, school, policy, 5, "I am 1000 sure of it")
        theirs = flagged(s, other, policy, 6, "Mrs Carter at Larkrise too")

        def found(q: str, scope: int | None = school, **kw: Any) -> list[int]:
            return ids(list_items(s, scope, QueueFilter(q=q, **kw), CATEGORIES))

        assert found("carter") == [carter.id]
        assert sorted(found("carter", None)) == [carter.id, theirs.id]
        assert found("carter", None, school_id=other) == [theirs.id]
        assert found("@dad_OF") == [dad.id]
        assert found("pupil image") == [photo.id] and found("pupil_image") == [photo.id]
        assert found(CATEGORIES["pupil_image"]) == [photo.id]
        assert found("100%") == [percent.id] and nearly.id not in found("100%")
        assert (
            found('"am 1000 sure"') == [nearly.id]
            and found('"sure am"') == []
            and found("sure am") == [percent.id, nearly.id]
        )
        assert found("carter", status="dismissed") == []


def test_pages_are_stable_and_counted_and_the_next_item_passes_over_claimed_ones(
    any_db: Database, policy: Policy
) -> None:
    with any_db.session_scope() as s:
        school = ensure_school(s, "hollybrook", "Hollybrook").id
        items = [flagged(s, school, policy, n, f"post {n}") for n in range(7)]
        urgent = flagged(s, school, policy, 99, "gate code", flag="security")
        f = QueueFilter(limit=3)
        pages = [ids(list_items(s, school, replace(f, page=p), CATEGORIES)) for p in (1, 2, 3, 4)]
        assert pages[0][0] == urgent.id and pages[3] == []
        assert [i for p in pages for i in p] == [urgent.id, *ids(items)]
        assert count_items(s, school, f, CATEGORIES) == 8
        assert count_items(s, school, QueueFilter(category="security"), CATEGORIES) == 1

        me = accounts.add_user(s, "me@hollybrook.test", "reviewer", PASSWORD, school_id=school)
        them = accounts.add_user(s, "them@hollybrook.test", "reviewer", PASSWORD, school_id=school)
        queue.claim(s, items[1], them.id)
        queue.claim(s, items[2], me.id)
        view = QueueFilter(category="abuse")
        assert next_waiting(s, school, view, items[0], me.id, CATEGORIES) == items[2].id  # mine, not theirs
        assert next_waiting(s, school, view, items[6], me.id, CATEGORIES) == items[0].id  # from the top
        for i in items[3:]:
            i.status = "dismissed"
        items[0].status = "confirmed"
        s.flush()
        assert next_waiting(s, school, view, items[2], me.id, CATEGORIES) is None


def test_search_terms_are_words_or_quoted_phrases_and_capped() -> None:
    assert search_terms('  Carter  "gate code" @dad ') == ["Carter", "gate code", "@dad"]
    assert search_terms('"unclosed') == ["unclosed"]
    assert len(search_terms(" ".join("w" * 3 for _ in range(50)))) == queue.MAX_SEARCH_TERMS


def test_a_decision_reason_is_a_standard_one_free_text_or_both() -> None:
    offered = ["Duplicate of an item already decided"]
    assert queue.reason_text(offered[0], "", offered) == offered[0]
    assert queue.reason_text(offered[0], " see #4 ", offered) == f"{offered[0]} — see #4"
    assert queue.reason_text("", "my own words", offered) == "my own words"
    with pytest.raises(DecisionError, match="not one the policy offers"):
        queue.reason_text("Something else", "", offered)


def test_policy_reasons_are_typed_and_optional(tmp_path: Any) -> None:
    shipped = read_policy()
    assert "Criticism, not misconduct: a civil complaint, opinion or review" in shipped.reasons.dismiss
    assert shipped.reasons.confirm and shipped.reasons.escalate
    data = shipped.model_dump()
    assert Policy.model_validate({k: v for k, v in data.items() if k != "reasons"}).reasons.dismiss == []
    with pytest.raises(pydantic.ValidationError, match=r"reasons\.note"):
        Policy.model_validate({**data, "reasons": {"note": ["x"]}})
    with pytest.raises(pydantic.ValidationError):
        Policy.model_validate({**data, "reasons": {"dismiss": "not a list"}})


@pytest.mark.parametrize(
    ("value", "cell"),
    [
        ("=SUM(A1:A9)", "'=SUM(A1:A9)"),
        ("+44 7700 900123", "'+44 7700 900123"),
        ("-2+3", "'-2+3"),
        ("@parent", "'@parent"),
        ("\tcmd", "'\tcmd"),
        ("\rcmd", "'\rcmd"),
        ("Mrs Carter = useless", "Mrs Carter = useless"),
        (42, "42"),
        (None, ""),
    ],
)
def test_a_csv_cell_that_a_spreadsheet_would_evaluate_is_neutralised(value: object, cell: str) -> None:
    assert safe_cell(value) == cell


def test_the_json_endpoint_takes_a_standard_reason_like_the_form(
    client: TestClient, cast: Cast, make_item: ItemFactory, db: Database, policy: Policy
) -> None:
    item = make_item()
    signin(client, cast.reviewer.email)
    token = csrf(client, "/queue")
    reason = policy.reasons.dismiss[1]
    body = {"action": "dismiss", "standard_reason": reason, "categories": ["abuse"]}
    r = client.post(f"/api/items/{item}/decision", json=body, headers={"X-CSRF-Token": token})
    assert r.status_code == 201
    wrong = {**body, "action": "confirm"}
    assert (
        client.post(f"/api/items/{item}/decision", json=wrong, headers={"X-CSRF-Token": token}).status_code
        == 400
    )
    with db.session_scope() as s:
        assert [d.reason for d in s.scalars(select(Decision))] == [reason]


def test_a_bulk_dismissal_needs_a_reason_and_a_selection_and_decides_nothing_when_refused(
    client: TestClient, cast: Cast, make_item: ItemFactory, db: Database, policy: Policy
) -> None:
    a, b = make_item(), make_item()
    signin(client, cast.reviewer.email)
    for form in (
        {"item_ids": [a, b], "standard_reason": "", "reason": ""},
        {"item_ids": [a, b], "standard_reason": policy.reasons.confirm[0]},
        {"item_ids": [], "standard_reason": policy.reasons.dismiss[0]},
        {
            "item_ids": list(range(1, views.MAX_BULK_ITEMS + 2)),
            "standard_reason": policy.reasons.dismiss[0],
        },
        {"item_ids": ["one"], "standard_reason": policy.reasons.dismiss[0]},
    ):
        assert post_form(client, "/queue/bulk", form).status_code == 400
    with db.session_scope() as s:
        assert list(s.scalars(select(Decision))) == []
        # An item of another school is left alone like one that does not exist.
        other = ensure_school(s, "larkrise", "Larkrise").id
        theirs = flagged(s, other, policy, 1, "elsewhere").id
    r = post_form(
        client, "/queue/bulk", {"item_ids": [a, theirs], "standard_reason": policy.reasons.dismiss[0]}
    )
    assert r.status_code == 303 and r.headers["location"] == "/queue"
    with db.session_scope() as s:
        assert [d.item_id for d in s.scalars(select(Decision))] == [a]
    assert f"#{theirs} (not found)" in client.get("/queue").text


def test_a_view_that_names_an_unknown_value_is_refused_not_guessed(client: TestClient, cast: Cast) -> None:
    signin(client, cast.dsl.email)
    for bad in ("status=nope", "category=nope", "page=0", "page=x", "since=yesterday", "school=hollybrook"):
        assert client.get(f"/queue?{bad}").status_code == 400, bad
    for bad in ("kind=nope", "before=x", "since=2026-13-01"):
        assert client.get(f"/audit?{bad}").status_code == 400, bad


def test_a_view_written_into_a_link_reads_back_as_the_same_view(policy: Policy) -> None:
    schools = {"hollybrook": 1, "larkrise": 2}
    f = QueueFilter(status="", q='carter "gate code"', category="abuse", school_id=2, since=date(2026, 11, 1))
    written = view_query(f, schools)
    assert "status=&" in written and "school=larkrise" in written
    assert read_view_string(written, policy, schools) == f
    assert view_query(QueueFilter()) == ""
