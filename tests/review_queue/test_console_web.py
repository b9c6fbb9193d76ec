"""The console over HTTP: signing in, roles, CSRF, the queue, decisions, reports, incidents and escaping."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, update

from classifiers.policy import Policy
from review_queue import audit
from review_queue.db import Database
from review_queue.models import AuditEntry, Decision, ReviewItem, utcnow
from review_queue.web import create_app
from tests.review_queue.conftest import PASSWORD, Cast, ItemFactory, console_config, csrf, post_form, signin

HOSTILE = (
    "Hollybrook parents <script>alert('x')</script> look "
    "<img src=x onerror=\"alert('img')\"> and "
    '<a href="javascript:alert(1)">click me</a> javascript:alert(2)'
)


def test_a_dsl_signs_in_and_sees_the_queue(client: TestClient, cast: Cast, make_item: ItemFactory) -> None:
    make_item()
    r = signin(client, cast.dsl.email)
    assert r.status_code == 303
    page = client.get("/queue")
    assert page.status_code == 200
    assert "useless liar" in page.text
    cookie = r.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=lax" in cookie and "secure" not in cookie


def test_cookies_are_secure_when_served_over_https(db: Database, policy: Policy, cast: Cast) -> None:
    app = create_app(db, console_config(policy, base_url="https://gatepost.school.test"))
    with TestClient(app, base_url="https://testserver", follow_redirects=False) as c:
        r = signin(c, cast.dsl.email)
        assert "secure" in r.headers["set-cookie"].lower()


def test_a_wrong_password_is_refused_and_then_throttled(client: TestClient, cast: Cast) -> None:
    for _ in range(5):
        assert signin(client, cast.dsl.email, "wrong password!!").status_code == 401
    # The right password no longer works for a while: the account is throttled.
    r = signin(client, cast.dsl.email, PASSWORD)
    assert r.status_code == 429
    assert "too many" in r.text.lower()


def test_someone_with_no_account_is_sent_to_sign_in(client: TestClient, make_item: ItemFactory) -> None:
    item = make_item()
    r = client.get(f"/items/{item}")
    assert r.status_code == 303 and r.headers["location"].startswith("/signin?next=")
    assert signin(client, "nobody@example.test").status_code == 401


def test_a_form_without_its_csrf_token_is_refused(
    client: TestClient, cast: Cast, make_item: ItemFactory
) -> None:
    item = make_item()
    signin(client, cast.dsl.email)
    r = client.post(
        f"/items/{item}/decide", data={"action": "dismiss", "categories": "abuse", "reason": "fine"}
    )
    assert r.status_code == 403
    r = client.post(
        f"/items/{item}/decide",
        data={"action": "dismiss", "categories": "abuse", "reason": "fine", "csrf": "forged"},
    )
    assert r.status_code == 403


def test_a_governor_is_refused_post_content(client: TestClient, cast: Cast, make_item: ItemFactory) -> None:
    item = make_item(text="A secret sentence about Mrs Carter")
    signin(client, cast.governor.email)
    for path in ("/queue", f"/items/{item}", "/incidents", "/audit", "/feedback.jsonl"):
        r = client.get(path)
        assert r.status_code == 403, path
        assert "secret sentence" not in r.text
    home = client.get("/")
    assert home.status_code == 303 and home.headers["location"] == "/trends"


def test_a_reviewer_takes_an_item_to_a_confirmed_decision(
    client: TestClient, db: Database, cast: Cast, make_item: ItemFactory
) -> None:
    item = make_item(flags=("abuse",))
    signin(client, cast.reviewer.email)
    assert post_form(client, f"/items/{item}/claim", {}).status_code == 303
    r = post_form(
        client,
        f"/items/{item}/decide",
        {
            "action": "confirm",
            "categories": ["abuse", "individual_child"],
            "reason": "Names the head; abusive.",
        },
    )
    assert r.status_code == 303
    page = client.get(f"/items/{item}")
    assert "confirmed" in page.text and "Names the head; abusive." in page.text
    with db.session_scope() as s:
        row = s.get(ReviewItem, item)
        assert row.status == "confirmed" and row.categories == ["abuse", "individual_child"]
        actions = [e.action for e in s.scalars(select(AuditEntry))]
        assert "view.item" in actions and "decide" in actions


def test_a_decision_needs_a_reason_and_a_category(
    client: TestClient, cast: Cast, make_item: ItemFactory
) -> None:
    item = make_item()
    signin(client, cast.reviewer.email)
    assert (
        post_form(client, f"/items/{item}/decide", {"action": "dismiss", "reason": "no"}).status_code == 400
    )
    r = post_form(client, f"/items/{item}/decide", {"action": "dismiss", "categories": "abuse", "reason": ""})
    assert r.status_code == 400


def test_no_two_reviewers_work_the_same_item(
    client: TestClient, app, cast: Cast, make_item: ItemFactory, db: Database
) -> None:
    item = make_item()
    signin(client, cast.reviewer.email)
    post_form(client, f"/items/{item}/claim", {})
    with TestClient(app, follow_redirects=False) as other:
        signin(other, cast.dsl.email)
        assert post_form(other, f"/items/{item}/claim", {}).status_code == 409
        r = post_form(
            other, f"/items/{item}/decide", {"action": "dismiss", "categories": "abuse", "reason": "ok"}
        )
        assert r.status_code == 409
        assert "rey.reviewer@hollybrook.test" in other.get("/queue").text
    with db.session_scope() as s:
        assert s.scalar(select(Decision).where(Decision.item_id == item)) is None


def test_the_queue_filters_and_orders_by_severity_then_age(
    client: TestClient, cast: Cast, make_item: ItemFactory
) -> None:
    low = make_item(text="abuse post", flags=("abuse",))
    urgent = make_item(text="threat post", flags=("threat",), platform="reddit")
    signin(client, cast.dsl.email)
    page = client.get("/queue").text
    assert page.index(f"/items/{urgent}") < page.index(f"/items/{low}")
    assert "due in" in page
    only = client.get("/queue?category=abuse").text
    assert f"/items/{low}" in only and f"/items/{urgent}" not in only
    assert f"/items/{low}" not in client.get("/queue?source=reddit").text
    assert f"/items/{urgent}" not in client.get("/queue?severity=medium").text
    assert client.get("/queue?since=not-a-date").status_code == 400


def test_hostile_post_text_renders_as_inert_text(
    client: TestClient, cast: Cast, make_item: ItemFactory
) -> None:
    item = make_item(
        text=HOSTILE,
        evidence=[{"category": "abuse", "start": 18, "end": 60, "why": "<b>why</b>"}],
        media=[{"type": "image", "url": "javascript:alert(3)", "alt_text": "<script>x</script>"}],
        url="javascript:alert(4)",
    )
    signin(client, cast.dsl.email)
    page = client.get(f"/items/{item}").text
    assert "<script>alert" not in page
    assert "<img src=x" not in page
    assert 'href="javascript:' not in page and 'src="javascript:' not in page
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in page
    assert "<mark" in page  # the evidence span is still highlighted
    assert "&lt;b&gt;why&lt;/b&gt;" in page
    queue = client.get("/queue").text
    assert "<script>alert" not in queue


def test_security_headers_forbid_scripts(client: TestClient) -> None:
    r = client.get("/signin")
    assert "default-src 'none'" in r.headers["content-security-policy"]
    assert r.headers["x-frame-options"] == "DENY"
    assert r.headers["referrer-policy"] == "no-referrer"


def _confirm(client: TestClient, item: int, categories: list[str]) -> None:
    r = post_form(
        client, f"/items/{item}/decide", {"action": "confirm", "categories": categories, "reason": "breach"}
    )
    assert r.status_code == 303


def test_a_dsl_drafts_reports_for_x_and_reddit_and_records_the_reference(
    client: TestClient, cast: Cast, make_item: ItemFactory
) -> None:
    item = make_item(flags=("abuse",))
    signin(client, cast.dsl.email)
    _confirm(client, item, ["abuse"])
    for platform, rule in (("x", "Abuse and harassment policy"), ("reddit", "Reddit Content Policy, Rule 1")):
        r = post_form(client, f"/items/{item}/reports", {"platform": platform, "staff_targeted": "1"})
        assert r.status_code == 303
        page = client.get(f"/items/{item}").text
        assert rule in page and "appears to breach" in page
        assert "defamatory" not in page.lower()
    report_id = int(re.findall(r'id="report-(\d+)"', page)[-1])
    assert post_form(client, f"/reports/{report_id}", {"reference": "RD-12345"}).status_code == 303
    assert "RD-12345" in client.get(f"/items/{item}").text


def test_a_reviewer_cannot_draft_a_report(client: TestClient, cast: Cast, make_item: ItemFactory) -> None:
    item = make_item()
    signin(client, cast.reviewer.email)
    _confirm(client, item, ["abuse"])
    assert post_form(client, f"/items/{item}/reports", {"platform": "x"}).status_code == 403


def test_possible_defamation_goes_to_legal_advice_not_a_report(
    client: TestClient, cast: Cast, make_item: ItemFactory
) -> None:
    item = make_item(flags=("defamation",))
    signin(client, cast.dsl.email)
    _confirm(client, item, ["defamation"])
    page = client.get(f"/items/{item}").text
    assert "legal adviser" in page and "Draft report" not in page
    assert post_form(client, f"/items/{item}/reports", {"platform": "x"}).status_code == 400


def test_a_possible_indecent_image_is_never_shown_and_points_to_the_iwf(
    client: TestClient, cast: Cast, make_item: ItemFactory
) -> None:
    item = make_item(
        flags=("pupil_image",), media=[{"type": "image", "url": "https://cdn.example.test/a.jpg"}]
    )
    signin(client, cast.dsl.email)
    assert 'src="https://cdn.example.test/a.jpg"' in client.get(f"/items/{item}/media/0").text
    post_form(client, f"/items/{item}/possible-iic", {})
    _confirm(client, item, ["pupil_image"])
    page = client.get(f"/items/{item}").text
    assert "<img" not in page and "https://cdn.example.test/a.jpg" in page
    assert client.get(f"/items/{item}/media/0").status_code == 404  # its page is gone too
    assert "report.iwf.org.uk" in page and "ceop" in page.lower()
    assert post_form(client, f"/items/{item}/reports", {"platform": "x"}).status_code == 400


@pytest.mark.needs("pango")
def test_an_incident_letter_is_drafted_and_the_ladder_moves_when_it_is_sent(
    client: TestClient, db: Database, cast: Cast, make_item: ItemFactory
) -> None:
    item = make_item(flags=("abuse",))
    signin(client, cast.dsl.email)
    _confirm(client, item, ["abuse"])
    r = post_form(client, "/incidents", {"item_id": item, "summary": "Posts about the head"})
    assert r.status_code == 303
    inc = r.headers["location"]
    post_form(
        client,
        f"{inc}/person",
        {"name": "Sam Parent", "relationship": "parent of a pupil in Year 4", "address": "1 Road, Ashby"},
        inc,
    )
    r = post_form(client, f"{inc}/letters", {"template": "meeting_invitation"}, inc)
    assert r.status_code == 303
    page = client.get(inc).text
    assert "Dear Sam Parent," in page
    assert "Hollybrook Primary School" in page and "Denise Carter" in page
    assert "Parent/Carer Code of Conduct" in page
    assert "Abusive or personal comments about staff, pupils or other parents" in page
    letter_id = re.search(r'action="/letters/(\d+)/sent"', page).group(1)
    post_form(client, f"/letters/{letter_id}/sent", {}, inc)
    page = client.get(inc).text
    assert "Stage reached: invitation" in page
    pack = client.get(f"{inc}/evidence.html")
    assert pack.status_code == 200 and "Evidence pack GP-" in pack.text and "Dear Sam Parent" in pack.text
    pdf = client.get(f"{inc}/evidence.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")


def test_the_audit_chain_holds_and_breaks_when_a_row_is_altered(
    client: TestClient, db: Database, cast: Cast, make_item: ItemFactory
) -> None:
    item = make_item()
    signin(client, cast.dsl.email)
    client.get(f"/items/{item}")
    assert "The chain holds" in client.get("/audit").text
    with db.session_scope() as s:
        first = s.scalar(select(AuditEntry.id).order_by(AuditEntry.id).limit(1))
        s.execute(update(AuditEntry).where(AuditEntry.id == first).values(action="view.nothing"))
    with db.session_scope() as s:
        assert not audit.verify_chain(s).ok
    assert "The chain is broken" in client.get("/audit").text


def test_a_one_time_link_signs_in_once(client: TestClient, db: Database, school_id: int) -> None:
    from review_queue.accounts import demo_signin_link

    with db.session_scope() as s:
        link = demo_signin_link(s, school_id=school_id, base_url="http://127.0.0.1:8000")
    path = link.removeprefix("http://127.0.0.1:8000")
    token = csrf(client, path)
    assert client.post(path, data={"csrf": token}).status_code == 303
    assert client.get("/queue").status_code == 200
    client.post("/signout", data={"csrf": csrf(client, "/queue")})
    assert client.post(path, data={"csrf": csrf(client, path)}).status_code == 400


def test_the_json_endpoint_records_the_same_decision_as_the_form(
    client: TestClient, db: Database, cast: Cast, make_item: ItemFactory
) -> None:
    item = make_item()
    signin(client, cast.reviewer.email)
    body = {"action": "dismiss", "reason": "Civil criticism.", "categories": ["abuse"]}
    assert client.post(f"/api/items/{item}/decision", json=body).status_code == 403  # no CSRF header
    token = csrf(client, "/queue")
    r = client.post(f"/api/items/{item}/decision", json=body, headers={"X-CSRF-Token": token})
    assert r.status_code == 201
    with db.session_scope() as s:
        assert s.get(ReviewItem, item).status == "dismissed"
        assert s.scalar(select(AuditEntry).where(AuditEntry.action == "decide")) is not None


def test_an_escalated_item_still_waits_in_the_default_queue(
    client: TestClient, cast: Cast, make_item: ItemFactory
) -> None:
    item, other = make_item(text="escalate me"), make_item(text="dismiss me")
    signin(client, cast.reviewer.email)
    unnamed = {"action": "escalate", "categories": "abuse", "reason": "Not sure."}
    assert post_form(client, f"/items/{item}/decide", unnamed).status_code == 400  # to whom?
    post_form(client, f"/items/{item}/decide", {**unnamed, "escalate_to": cast.headteacher.id})
    post_form(
        client, f"/items/{other}/decide", {"action": "dismiss", "categories": "abuse", "reason": "Fine."}
    )
    page = client.get("/queue").text
    listed = page[page.index("<table") :]  # the list, not the notice about the last decision
    assert f'href="/items/{item}"' in listed and f'href="/items/{other}"' not in listed
    assert f'href="/items/{item}"' not in client.get("/queue?status=open").text
    # An item opened from a view carries it, so that deciding leads to the next item in it.
    assert f'href="/items/{other}?status=dismissed"' in client.get("/queue?status=dismissed").text


def test_a_headteacher_reads_and_writes_letters_but_does_not_decide(
    client: TestClient, app, cast: Cast, make_item: ItemFactory
) -> None:
    item = make_item()
    with TestClient(app, follow_redirects=False) as dsl:
        signin(dsl, cast.dsl.email)
        _confirm(dsl, item, ["abuse"])
        inc = post_form(dsl, "/incidents", {"item_id": item}).headers["location"]
    signin(client, cast.headteacher.email)
    page = client.get(f"/items/{item}").text
    assert "useless liar" in page and "Record decision" not in page
    r = post_form(
        client, f"/items/{item}/decide", {"action": "dismiss", "categories": "abuse", "reason": "x y z"}
    )
    assert r.status_code == 403
    assert post_form(client, f"{inc}/letters", {"template": "meeting_invitation"}, inc).status_code == 303
    post_form(
        client,
        f"{inc}/meetings",
        {"held_on": "2026-11-25", "attendees": "Head, parent", "outcome": "Agreed to remove the post."},
        inc,
    )
    post_form(client, f"{inc}/police", {"reference": "NP-2026-123"}, inc)
    post_form(client, f"{inc}/legal", {}, inc)
    post_form(client, f"{inc}/close", {"reason": "Post removed; no further concerns."}, inc)
    page = client.get(inc).text
    for line in (
        "Meeting held on 2026-11-25",
        "Referred to the police",
        "NP-2026-123",
        "Legal advice sought",
        "Closed: Post removed; no further concerns.",
        "Agreed to remove the post.",
    ):
        assert line in page, line
    assert "closed" in client.get("/incidents?status=closed").text


def test_the_item_page_shows_the_thread_and_the_authors_other_posts(
    client: TestClient, cast: Cast, make_item: ItemFactory
) -> None:
    make_item(text="Parent thread opener about sports day", external_id="t1", author="@opener")
    reply = make_item(text="Reply that was flagged", external_id="t2", parent="t1", author="@replier")
    make_item(text="Another post by the same account", author="@replier")
    signin(client, cast.dsl.email)
    page = client.get(f"/items/{reply}").text
    assert "Thread context" in page and "Parent thread opener about sports day" in page
    assert "Another post by the same account" in page
    assert "Model test-model-1" in page and "Abuse or insults 0.91" in page


def test_a_dsl_assigns_an_item_to_a_reviewer(
    client: TestClient, app, cast: Cast, make_item: ItemFactory
) -> None:
    item = make_item()
    signin(client, cast.dsl.email)
    assert post_form(client, f"/items/{item}/assign", {"assignee_id": cast.governor.id}).status_code == 400
    assert post_form(client, f"/items/{item}/assign", {"assignee_id": cast.reviewer.id}).status_code == 303
    assert "rey.reviewer@hollybrook.test is working on this item" in client.get(f"/items/{item}").text
    with TestClient(app, follow_redirects=False) as rey:
        signin(rey, cast.reviewer.email)
        assert "You are working on this item" in rey.get(f"/items/{item}").text
        assert post_form(rey, f"/items/{item}/assign", {"assignee_id": cast.reviewer.id}).status_code == 403


def test_a_new_password_or_disabling_the_account_signs_it_out_everywhere(
    client: TestClient, db: Database, cast: Cast, make_item: ItemFactory
) -> None:
    from review_queue import accounts

    make_item()
    signin(client, cast.dsl.email)
    assert client.get("/queue").status_code == 200
    with db.session_scope() as s:
        accounts.set_password(s, cast.dsl.email, "a brand new passphrase")
    r = client.get("/queue")
    assert r.status_code == 303 and r.headers["location"].startswith("/signin")
    # The old password is gone; the new one works.
    assert signin(client, cast.dsl.email, PASSWORD).status_code == 401
    assert signin(client, cast.dsl.email, "a brand new passphrase").status_code == 303
    assert client.get("/queue").status_code == 200
    with db.session_scope() as s:
        accounts.set_disabled(s, cast.dsl.email, True)
    assert client.get("/queue").status_code == 303
    with db.session_scope() as s:
        actions = [e.action for e in s.scalars(select(AuditEntry).order_by(AuditEntry.id))]
    assert "account.password_set" in actions and "account.disabled" in actions


def test_an_attachment_loads_only_on_its_own_page_which_is_audited_and_allows_only_its_host(
    client: TestClient, db: Database, cast: Cast, make_item: ItemFactory
) -> None:
    item = make_item(
        flags=("pupil_image",),
        media=[{"type": "image", "url": "https://cdn.example.test/a.jpg", "alt_text": "x"}],
    )
    signin(client, cast.dsl.email)
    page = client.get(f"/items/{item}")
    assert "<img" not in page.text and f"/items/{item}/media/0" in page.text
    assert "img-src 'self';" in page.headers["content-security-policy"]
    media = client.get(f"/items/{item}/media/0")
    assert media.status_code == 200 and '<img src="https://cdn.example.test/a.jpg"' in media.text
    assert "img-src 'self' https://cdn.example.test;" in media.headers["content-security-policy"]
    assert client.get(f"/items/{item}/media/1").status_code == 404
    with db.session_scope() as s:
        actions = [e.action for e in s.scalars(select(AuditEntry))]
    assert actions.count("item.media_viewed") == 1


def test_what_people_type_is_capped_everywhere_in_the_console(
    client: TestClient, cast: Cast, make_item: ItemFactory
) -> None:
    item = make_item()
    signin(client, cast.dsl.email)
    huge = "x" * 5_000_000
    r = post_form(client, f"/items/{item}/decide", {"action": "dismiss", "reason": huge}, f"/items/{item}")
    assert r.status_code in (400, 413)  # Starlette's own 1 MB part limit, or ours
    r = post_form(
        client, f"/items/{item}/decide", {"action": "dismiss", "reason": "z" * 30_000}, f"/items/{item}"
    )
    assert r.status_code == 413
    r = post_form(
        client, f"/items/{item}/decide", {"action": "dismiss", "reason": "y" * 5000}, f"/items/{item}"
    )
    assert r.status_code == 400 and "at most 4000" in r.text


def test_a_right_to_left_override_in_a_post_cannot_reorder_the_page_around_it(
    client: TestClient, cast: Cast, make_item: ItemFactory
) -> None:
    rlo = "\u202egnirts desrever"
    item = make_item(text=f"Hollybrook {rlo} end", author=f"dad{rlo}")
    signin(client, cast.dsl.email)
    for page in (client.get("/queue").text, client.get(f"/items/{item}").text):
        # Every place the author or the text lands inline is isolated from what follows it.
        assert f"<bdi>dad{rlo}</bdi>" in page
    assert 'id="post-text" dir="auto"' in client.get(f"/items/{item}").text


def test_the_console_and_the_digest_show_a_category_by_the_label_the_schools_policy_gives_it(
    db: Database, cast: Cast, make_item: ItemFactory, school_id: int, tmp_path: Path
) -> None:
    from config import POLICY_PATH
    from monitor import build
    from monitor.settings import Settings
    from review_queue.oversight.digest import build_digest, render_digest

    # The school's copy of the policy words two categories its own way; the names stored stay.
    path = tmp_path / "policy.toml"
    text = POLICY_PATH.read_text(encoding="utf-8")
    for old, new in (
        ('label = "Threat or intimidation"', 'label = "Menacing words"'),
        ('label = "Pupil image"', 'label = "Photo of our pupils"'),
    ):
        assert old in text
        text = text.replace(old, new)
    path.write_text(text, encoding="utf-8")
    policy = build.policy(Settings(home=tmp_path, database_url="sqlite://", policy_path=path))
    item = make_item(flags=("threat", "pupil_image"))
    with TestClient(create_app(db, console_config(policy)), follow_redirects=False) as c:
        signin(c, cast.dsl.email)
        queue_page = c.get("/queue").text
        item_page = c.get(f"/items/{item}").text
    for page in (queue_page, item_page):
        assert '<span class="cat">Menacing words</span>' in page
        assert '<span class="cat">Photo of our pupils</span>' in page
        assert "Threat or intimidation" not in page and "pupil image" not in page.lower()
    # The filter offers the label and sends the stored name.
    assert '<option value="threat">Menacing words</option>' in queue_page
    assert re.search(r'value="threat"( checked)?> Menacing words</label>', item_page)
    with db.session_scope() as s:
        digest = build_digest(
            s,
            school_id,
            utcnow() + timedelta(days=1),
            timezone="Europe/London",
            base_url="https://g",
            policy=policy,
        )
    _subject, html, plain = render_digest(digest)
    assert "Menacing words" in html and "- Menacing words: 1" in plain
