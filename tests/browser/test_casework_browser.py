"""Casework paths in real Chromium, tried as their users would: an escalation that reaches the
headteacher, a WhatsApp submission that keeps its source, a letter that cannot go out
unfinished, and "criticism, not misconduct" in one action."""

from __future__ import annotations

import functools
import json
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI

from classifiers.policy import Policy
from monitor import build
from monitor.jobs.notices import send_owed_notices
from monitor.settings import Settings, SmtpSettings
from monitor.submit import submit
from review_queue.db import Database
from review_queue.models import ReviewItem
from review_queue.queue import decide
from review_queue.web import create_app
from review_queue.web.routes import submissions
from tests.browser.conftest import CHROMIUM_ARGS, SCREENSHOTS, shot  # noqa: F401
from tests.browser.test_console_browser import sign_in, span
from tests.fakes.smtp import SmtpServer
from tests.review_queue.conftest import Cast, ItemFactory, console_config
from tests.tools import need_tool

pytestmark = pytest.mark.browser

POLITE = (
    "I am disappointed with how Hollybrook handled the Year 4 trip, so I have emailed the head to complain."
)
LINK = re.compile(r"https?://\S+/items/\d+")


@pytest.fixture
def app(db: Database, policy: Policy) -> FastAPI:
    """The console with the Submit page, judging with the shipped model, as `gatepost serve` has it."""
    submit_fn = functools.partial(submit, db, classifier=build.classifier(None), policy=policy)

    def bound(slug: str, name: str, **kw: Any) -> Any:
        return submit_fn(slug, name, **kw)

    return create_app(db, console_config(policy), extra_routers=[submissions.make_router(bound)])


def both_widths(page: Any, name: str) -> None:
    """A desktop and a phone screenshot of the page as it is."""
    shot(page, f"{name}-1280")
    page.set_viewport_size({"width": 390, "height": 844})
    shot(page, f"{name}-390")
    page.set_viewport_size({"width": 1280, "height": 900})


def settings_for(base: str, db: Database, server: SmtpServer, home: Path) -> Settings:
    return Settings(
        home=home,
        database_url=db.url,
        base_url=base,
        smtp=SmtpSettings(host=server.host, port=server.port, from_address="gatepost@hollybrook.test"),
    )


def confirm_directly(db: Database, item_id: int, cast: Cast, policy: Policy) -> None:
    with db.session_scope() as s:
        decide(
            s,
            s.get(ReviewItem, item_id),
            action="confirm",
            reason="Abusive about a teacher.",
            categories=["abuse"],
            user_id=cast.dsl.id,
            known_categories=list(policy.categories),
        )


def test_the_dsl_escalates_to_the_headteacher_who_is_emailed_hands_it_back_and_then_decides_it(
    page: Any,
    browser: Any,
    live_server: str,
    db: Database,
    cast: Cast,
    make_item: ItemFactory,
    tmp_path: Path,
) -> None:
    text = "Sort this by Friday or it goes to Ofsted and the papers. Everyone email them about Hollybrook!"
    item = make_item(
        text=text,
        flags=("incitement",),
        author="@ashby_mum_77",
        evidence=[span("incitement", text, "Everyone email them", "urging others to complain")],
    )
    sign_in(page, live_server, cast.dsl.email)
    page.goto(f"{live_server}/items/{item}")
    page.check("input[name=action][value=escalate]")
    page.select_option("select[name=escalate_to]", str(cast.headteacher.id))
    page.fill("textarea[name=reason]", "A threat to go to the press: the head should decide.")
    page.click("text=Record decision")
    status = page.locator("#escalation")
    status.wait_for()
    assert f"Escalated to Headteacher {cast.headteacher.email} by {cast.dsl.email}" in status.inner_text()
    assert page.locator("text=Nobody is working on this item").count() == 0
    both_widths(page, "casework-01-escalated-dsl-view")

    with SmtpServer() as server:
        settings = settings_for(live_server, db, server, tmp_path)
        assert send_owed_notices(db, settings) == 1
        (msg,) = server.messages
        assert server.envelopes[0][1] == [cast.headteacher.email]
        body = msg.get_content()
        for secret in ("Ofsted", "papers", "ashby_mum_77", "press", "incitement"):
            assert secret.casefold() not in msg.as_string().casefold()
        link = LINK.search(body)
        assert link is not None and link.group(0) == f"{live_server}/items/{item}"

        # The headteacher follows the link from the email, signs in and lands on the item.
        head_ctx = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB")
        head = head_ctx.new_page()
        head.set_default_timeout(10_000)
        head.goto(link.group(0))
        assert "/signin" in head.url
        head.fill("input[name=email]", cast.headteacher.email)
        head.fill("input[name=password]", "correct horse battery staple")
        head.click("button[type=submit]")
        head.wait_for_url(f"{live_server}/items/{item}")
        card = head.locator("#your-decision")
        assert "Escalated to you" in card.inner_text() and cast.dsl.email in card.inner_text()
        both_widths(head, "casework-02-escalated-to-the-head")
        head.check("#your-decision input[name=action][value=hand_back]")
        head.fill(
            "#your-decision textarea[name=reason]", "Speak to the parent first; bring it back if it goes on."
        )
        head.click("#your-decision >> text=Record decision")
        head.locator(".status-open").wait_for()
        assert head.locator("#your-decision").count() == 0

        # Handed back: the DSL is told, and has it again with the note.
        assert send_owed_notices(db, settings) == 1
        assert server.envelopes[1][1] == [cast.dsl.email]
        assert "handed back to you" in server.messages[1].get_content()
    page.reload()
    assert page.locator("text=You are working on this item.").count() == 1
    history = page.locator("ol.history").inner_text()
    assert "hand back" in history and "Speak to the parent first" in history

    # The parent posts again; the DSL escalates once more and the head decides from the queue.
    page.check("input[name=action][value=escalate]")
    page.select_option("select[name=escalate_to]", str(cast.headteacher.id))
    page.fill("textarea[name=reason]", "Spoke to the parent; it goes on. Please decide.")
    page.click("text=Record decision")
    page.locator("#escalation").wait_for()
    head.goto(f"{live_server}/queue")
    head.click("text=escalated to you, waiting for your decision")
    assert head.locator("table.queue tbody tr").count() == 1
    assert "escalated to you" in head.locator("table.queue tbody tr").inner_text()
    both_widths(head, "casework-03-head-queue-escalated-to-me")
    head.click(f"table.queue a[href='/items/{item}'] >> nth=0")
    head.check("#your-decision input[name=action][value=confirm]")
    head.fill(
        "#your-decision textarea[name=reason]", "Threatening to go to the press to force our hand: a breach."
    )
    head.click("#your-decision >> text=Record decision")
    head.locator(".status-confirmed").wait_for()
    both_widths(head, "casework-04-head-decided")
    head_ctx.close()


def test_a_post_submitted_from_a_whatsapp_group_keeps_its_source_on_the_item_and_in_the_pack(
    page: Any, live_server: str, cast: Cast
) -> None:
    sign_in(page, live_server, cast.dsl.email)
    page.goto(f"{live_server}/submit")
    page.fill("input[name=where_from]", "Year 4 parents WhatsApp")
    page.fill("input[name=author]", "Jason K (jk_ashby)")
    page.fill("textarea[name=text]", "I know where Mr Okafor parks and he will regret it")
    both_widths(page, "casework-05-submit")
    page.click("button:has-text('Submit')")
    page.wait_for_url("**/items/*")
    meta = page.locator("dl.meta").first.inner_text()
    assert "Staff submission from Year 4 parents WhatsApp" in meta and "Other website" not in meta
    assert cast.dsl.email in meta and "Pasted text" in meta and "Jason K (jk_ashby)" in meta
    assert "none given" in meta
    assert "Model " in page.locator("text=Scores:").inner_text()
    both_widths(page, "casework-06-submitted-item")

    page.check("input[name=action][value=confirm]")
    page.fill("textarea[name=reason]", "A veiled threat against a teacher.")
    page.click("text=Record and stay here")
    page.locator(".status-confirmed").wait_for()
    page.click("text=Open a conduct incident")
    page.wait_for_url("**/incidents/*")
    incident_url = page.url
    page.click("text=Evidence pack (HTML)")
    pack = page.locator("body").inner_text()
    assert "Submitted by staff from\tYear 4 parents WhatsApp" in pack
    assert f"Submitted by\t{cast.dsl.email}" in pack and "Pasted text" in pack
    assert "Judged by\tmodel " in pack
    both_widths(page, "casework-07-evidence-pack")

    need_tool("pango")
    need_tool("pdftotext")
    pdf = page.request.get(f"{incident_url}/evidence.pdf")
    assert pdf.ok
    path = Path(SCREENSHOTS).parent / "evidence.pdf"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(pdf.body())
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
    assert "Year 4 parents WhatsApp" in text and cast.dsl.email in text


def test_a_letter_with_a_placeholder_cannot_be_sent_until_the_record_fills_it(
    page: Any, live_server: str, db: Database, cast: Cast, make_item: ItemFactory, policy: Policy
) -> None:
    item = make_item(text="Mrs Carter is a useless liar and everyone knows it", flags=("abuse",))
    confirm_directly(db, item, cast, policy)
    sign_in(page, live_server, cast.headteacher.email)
    page.goto(f"{live_server}/items/{item}")
    page.click("text=Open a conduct incident")
    page.wait_for_url("**/incidents/*")
    incident_url = page.url
    page.click("text=Draft this letter")
    letter = page.locator("textarea.letter-body").input_value()
    assert "Dear [name of the parent or carer]," in letter and "[address]" in letter
    warning = page.locator(".unfilled").inner_text()
    assert "[name of the parent or carer]" in warning and "[address]" in warning
    both_widths(page, "casework-08-letter-not-ready")

    page.click("text=Mark as sent")
    refusal = page.locator("[role=alert]").inner_text()
    assert "placeholders to complete: [name of the parent or carer], [address]" in refusal
    both_widths(page, "casework-09-letter-refused")
    page.goto(incident_url)
    assert page.locator(".ladder li.done").count() == 0

    # Recording the person fills the draft in: no placeholder is left, and it can go.
    page.fill("input[name=name]", "Sam Parent")
    page.fill("textarea[name=address]", "12 Acacia Avenue\nAshby Fields AF1 2BB")
    page.click("text=Record person")
    letter = page.locator("textarea.letter-body").input_value()
    assert "Dear Sam Parent," in letter and "Sam Parent\n12 Acacia Avenue\nAshby Fields AF1 2BB" in letter
    assert page.locator(".unfilled").count() == 0
    page.click("text=Mark as sent")
    page.locator(".ladder li.done").wait_for()

    # The stage-2 letter waits for the meeting; recording it fills the thanks in.
    page.click("text=Draft this letter")
    assert "[and thank you for meeting with me on (date)]" in page.locator(".unfilled").inner_text()
    page.click("text=Record a meeting")
    page.fill("input[name=held_on]", "2026-11-27")
    page.fill("input[name=attendees]", "Sam Parent, Denise Carter")
    page.fill("#meetings textarea[name=outcome]", "Agreed to take posts down.")
    page.click("text=Record meeting")
    page.wait_for_url("**#meetings")
    body = page.locator("textarea.letter-body").input_value()
    assert "and thank you for meeting with me on 27 November 2026." in body
    assert page.locator(".unfilled").count() == 0
    page.click("text=Mark as sent")
    page.wait_for_function("() => document.querySelectorAll('.ladder li.done').length === 2")
    both_widths(page, "casework-10-letters-sent")
    page.click("text=Evidence pack (HTML)")
    pack = page.locator("body").inner_text()
    assert "[address]" not in pack and "thank you for meeting with me on 27 November 2026" in pack


def test_criticism_not_misconduct_in_one_action_and_the_retraining_export_learns_it(
    page: Any, live_server: str, cast: Cast, make_item: ItemFactory
) -> None:
    item = make_item(
        text=POLITE,
        flags=("incitement",),
        evidence=[span("incitement", POLITE, "emailed the head to complain", "a complaint")],
    )
    sign_in(page, live_server, cast.dsl.email)
    page.goto(f"{live_server}/items/{item}")
    both_widths(page, "casework-11-item-criticism-button")
    page.click("text=Criticism, not misconduct")
    page.locator(".status-dismissed").wait_for()
    history = page.locator("ol.history").inner_text()
    assert "dismiss (Criticism)" in history and "Criticism, not misconduct" in history

    page.goto(f"{live_server}/audit")
    with page.expect_download() as download:
        page.click("text=decisions as labelled feedback")
    (line,) = Path(download.value.path()).read_text(encoding="utf-8").splitlines()
    example = json.loads(line)
    assert example["text"] == POLITE and example["label"] == ["criticism"]
    assert example["model_flags"] == ["incitement"]
