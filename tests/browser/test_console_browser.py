"""The console in real headless Chromium: sign in, decide, draft, refusals, inert hostile text."""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser.conftest import shot
from tests.review_queue.conftest import PASSWORD, Cast, ItemFactory

pytestmark = pytest.mark.browser

HOSTILE = (
    "Hollybrook parents <script>window.__pwned = 1; alert('x')</script> look "
    '<img src=x onerror="window.__pwned = 2"> and '
    '<a href="javascript:window.__pwned=3">click me</a> or javascript:window.__pwned=4'
)


def span(category: str, text: str, phrase: str, why: str) -> dict[str, Any]:
    start = text.index(phrase)
    return {"category": category, "start": start, "end": start + len(phrase), "why": why}


def sign_in(page: Any, base: str, email: str) -> None:
    page.goto(f"{base}/signin")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")


def test_a_dsl_signs_in_confirms_an_item_and_drafts_a_report_and_a_letter(
    page: Any, live_server: str, cast: Cast, make_item: ItemFactory
) -> None:
    text = "Mrs Carter is a useless liar and I know where she parks. Everyone should complain."
    item = make_item(
        text=text,
        flags=("abuse", "threat"),
        evidence=[
            span("abuse", text, "a useless liar", "insult aimed at a named member of staff"),
            span("threat", text, "I know where she parks", "veiled threat about where someone parks"),
        ],
    )
    make_item(text="Hollybrook's gate code is 4321, pass it on", flags=("security",), platform="reddit")
    page.goto(f"{live_server}/queue")
    assert "/signin" in page.url
    shot(page, "01-signin")
    sign_in(page, live_server, cast.dsl.email)
    page.wait_for_url(f"{live_server}/queue")
    assert page.locator("table.queue tbody tr").count() == 2
    shot(page, "02-queue")

    page.click(f"a[href='/items/{item}'] >> nth=0")
    assert page.locator("mark.ev").count() == 2
    page.click("text=Take this item")
    shot(page, "03-item")
    page.check("input[name=action][value=confirm]")
    page.fill("textarea[name=reason]", "Insults the headteacher by name and hints at a threat.")
    page.click("text=Record and stay here")  # a report and an incident follow on this item
    page.locator(".status-confirmed").wait_for()
    assert page.locator(".status-confirmed").count() == 1

    # Each form posts and is redirected back to the item at the new report's anchor: wait for
    # that page rather than reading the one being left (this raced once on a loaded machine).
    page.select_option("select[name=platform]", "x")
    page.check("input[name=staff_targeted]")
    page.click("text=Draft report")
    page.wait_for_url(f"**/items/{item}#report-*")
    draft = page.locator("textarea.draft").first.input_value(timeout=30_000)
    assert "appears to breach" in draft and "X Rules" in draft and "defamatory" not in draft.lower()
    page.select_option("select[name=platform]", "reddit")
    page.click("text=Draft report")
    page.locator("textarea.draft").nth(1).wait_for(timeout=30_000)
    assert page.locator("textarea.draft").count() == 2
    page.locator("input[name=reference]").first.fill("X-REF-778")
    page.locator("text=I have reported it").first.click()
    assert page.locator("text=X-REF-778").count() >= 1
    shot(page, "04-reports")

    page.click("text=Open a conduct incident")
    page.wait_for_url("**/incidents/*")
    page.fill("input[name=name]", "Sam Parent")
    page.fill("input[name=relationship]", "parent of a pupil in Year 4")
    page.fill("textarea[name=address]", "12 Acacia Avenue\nAshby Fields")
    page.click("text=Record person")
    page.click("text=Draft this letter")
    letter = page.locator("textarea.letter-body").input_value()
    assert letter.startswith("Subject: Our Parent/Carer Code of Conduct")
    assert "Dear Sam Parent," in letter and "Yours sincerely" in letter and "Denise Carter" in letter
    shot(page, "05-incident-letter")
    page.click("text=Mark as sent")
    assert page.locator(".ladder li.done").count() == 1
    shot(page, "06-incident-after-send")
    page.click("text=Evidence pack (HTML)")
    assert "Evidence pack GP-" in page.content() and "X-REF-778" in page.content()
    shot(page, "11-evidence-pack")


def test_a_governor_is_refused_post_content(
    page: Any, live_server: str, cast: Cast, make_item: ItemFactory
) -> None:
    item = make_item(text="A private sentence about a pupil")
    sign_in(page, live_server, cast.governor.email)
    page.wait_for_load_state()
    response = page.goto(f"{live_server}/items/{item}")
    assert response.status == 403
    assert "private sentence" not in page.content()
    assert page.locator("text=Sign out").count() == 1  # still signed in, with a way out
    shot(page, "07-governor-refused")


def test_hostile_post_text_stays_inert_and_images_load_only_when_asked_then_stay_blurred_until_revealed(
    page: Any, live_server: str, cast: Cast, make_item: ItemFactory, image_host: str
) -> None:
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    fetched: list[str] = []  # every request the DSL's browser makes to the poster's host
    page.on("request", lambda r: fetched.append(r.url) if r.url.startswith(image_host) else None)
    item = make_item(
        text=HOSTILE,
        evidence=[span("abuse", HOSTILE, "<script>window.__pwned = 1; alert('x')</script>", "<i>markup</i>")],
        media=[{"type": "image", "url": f"{image_host}/photo.png", "alt_text": "<b>alt</b>"}],
        url="javascript:window.__pwned=5",
    )
    sign_in(page, live_server, cast.dsl.email)
    page.goto(f"{live_server}/items/{item}")
    quote = page.locator("#post-text")
    assert "<script>window.__pwned = 1" in quote.inner_text()
    assert "<img src=x onerror=" in quote.inner_text()
    for link in page.locator("a").all():
        assert not (link.get_attribute("href") or "").lower().startswith("javascript:")
    page.click("#post-text")  # clicking the text does nothing either
    assert page.evaluate("() => window.__pwned") is None
    # The one script is the app's own keyboard file: nothing inline, nothing from the post.
    assert page.evaluate("() => [...document.scripts].map(s => s.getAttribute('src'))") == ["/static/keys.js"]
    assert dialogs == []

    # Opening the item loads nothing from the poster's host, and its policy would refuse it.
    page.wait_for_load_state("networkidle")
    assert fetched == [] and page.locator("img").count() == 0
    shot(page, "08-item-nothing-remote")
    page.click("text=Load image 1 from")
    img = page.locator(".media img")
    img.wait_for()
    page.wait_for_function("() => document.querySelector('.media img').complete")
    assert fetched == [f"{image_host}/photo.png"]
    assert page.evaluate("() => document.querySelector('.media img').naturalWidth") == 320
    assert "blur" in img.evaluate("e => getComputedStyle(e).filter")
    shot(page, "08b-attachment-blurred")
    page.click("text=Reveal image")
    # The filter eases off over a fifth of a second.
    page.wait_for_function("() => getComputedStyle(document.querySelector('.media img')).filter === 'none'")
    shot(page, "09-image-revealed")
    page.goto(f"{live_server}/queue")
    assert page.evaluate("() => window.__pwned") is None
    shot(page, "10-queue-hostile")
