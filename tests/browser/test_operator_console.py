"""What the school's IT person sets up, tried in real headless Chromium: the demo's sign-in link for
each role, and the sources page naming each source and hiding those taken out of the profile."""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import uvicorn

from monitor import build
from monitor.cli import main
from monitor.console import make_app
from monitor.settings import Settings, load_settings
from review_queue import accounts
from review_queue.models import School
from tests.browser.conftest import shot

pytestmark = pytest.mark.browser

# Screenshots at a desktop's width and a phone's.
WIDTHS = (1280, 390)


@contextmanager
def console(settings: Settings) -> Iterator[str]:
    """The console `gatepost serve` runs, on an ephemeral port."""
    db = build.database(settings)
    server = uvicorn.Server(
        uvicorn.Config(make_app(settings, db), host="127.0.0.1", port=0, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{server.servers[0].sockets[0].getsockname()[1]}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        db.dispose()


def open_as(browser: Any, link: str, width: int = 1280) -> Any:
    """A fresh browser context (a private window) signed in through a one-time link."""
    context = browser.new_context(viewport={"width": width, "height": 900}, locale="en-GB")
    page = context.new_page()
    page.set_default_timeout(10_000)
    page.goto(link)
    page.click("button[type=submit]")
    page.wait_for_load_state()
    return page


def test_each_demo_link_opens_the_console_as_its_role(
    browser: Any, gatepost_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["demo", "--no-serve"]) == 0
    out = capsys.readouterr().out
    links = dict(
        re.findall(r"^  (\w+) .*\n +http://127\.0\.0\.1:8000(/signin/once/\S+)$", out, flags=re.MULTILINE)
    )
    roles = {"DSL": "dsl", "headteacher": "headteacher", "governor": "governor", "trust": "trust"}
    assert set(links) == set(roles)
    with console(load_settings()) as base:
        for title, role in roles.items():
            page = open_as(browser, base + links[title])
            assert page.locator(".who").inner_text() == f"{role}@demo.gatepost.invalid · {role}"
            shot(page, f"demo-as-{role}")
            page.context.close()
        # Each link works once.
        page = open_as(browser, base + links["governor"])
        assert "expired or has been used" in page.content()
        page.context.close()


def write_profile(folder: Path, files: list[str]) -> Path:
    for name in files:
        (folder / name).write_text(
            json.dumps({"id": name, "text": "Hollybrook nativity was lovely"}) + "\n", encoding="utf-8"
        )
    path = folder / "school.toml"
    path.write_text(
        '[school]\nname = "Hollybrook Primary School"\naliases = ["Hollybrook"]\n'
        + "".join(f'\n[[sources]]\nkind = "sample"\npath = "{name}"\n' for name in files)
        + '\n[[sources]]\nkind = "sample"\npath = "year4.jsonl"\nname = "Year 4 parents (exported)"\n',
        encoding="utf-8",
    )
    (folder / "year4.jsonl").write_text("", encoding="utf-8")
    return path


def test_the_sources_page_names_each_source_and_hides_those_taken_out_until_asked(
    browser: Any, gatepost_home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    profile = write_profile(tmp_path, ["kept.jsonl", "dropped.jsonl"])
    monkeypatch.setenv("GATEPOST_SCHOOLS", str(profile))
    assert main(["fetch", "--no-classify"]) == 0
    write_profile(tmp_path, ["kept.jsonl"])  # the operator takes one source out
    settings = load_settings()
    db = build.database(settings)
    with db.session_scope() as session:
        school = session.query(School).one()
        dsl = accounts.add_user(
            session, "dsl@hollybrook.example", "dsl", "a long enough pass phrase 42", school.id
        )
        tokens = [accounts.create_one_time_signin(session, dsl) for _ in WIDTHS]
    db.dispose()
    with console(settings) as base:
        for width, token in zip(WIDTHS, tokens, strict=True):
            page = open_as(browser, f"{base}/signin/once/{token}", width)
            page.goto(f"{base}/sources")
            rows = page.locator("table.queue tbody tr")
            assert rows.count() == 2
            assert rows.nth(0).locator("td").nth(0).inner_text().startswith("sample kept.jsonl")
            assert rows.nth(1).locator("td").nth(0).inner_text().startswith("Year 4 parents (exported)")
            assert "dropped" not in page.content()
            assert "1 older source no longer in the profile is hidden" in page.locator("main").inner_text()
            shot(page, f"sources-{width}")
            page.click("text=Show it")
            assert page.url.endswith("/sources?all=1")
            older = page.locator("h2:has-text('No longer in the profile') + p + table tbody tr")
            assert older.count() == 1 and re.match(
                r"sample-[0-9a-f]{8}", older.locator("td").nth(0).inner_text()
            )
            shot(page, f"sources-all-{width}")
            page.context.close()
