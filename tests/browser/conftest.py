"""Browser fixtures: the console served by uvicorn on an ephemeral port, driven by Debian's chromium.

Playwright cannot download browsers here, so it launches /usr/bin/chromium.  Pages
are served on 127.0.0.1 only; a second tiny server plays the platform's image host.
"""

from __future__ import annotations

import functools
import http.server
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from fastapi import FastAPI

from tests.review_queue.conftest import (  # noqa: F401  (fixtures shared with the HTTP tests)
    app,
    cast,
    db,
    make_item,
    policy,
    school_id,
)
from tests.tools import need_tool

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-output" / "screenshots"


@pytest.fixture
def live_server(app: FastAPI) -> Iterator[str]:  # noqa: F811
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline:
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.02)
    port = server.servers[0].sockets[0].getsockname()[1]
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


@pytest.fixture
def image_host(tmp_path: Path) -> Iterator[str]:
    """A stand-in for a platform's image CDN, serving one picture."""
    from PIL import Image, ImageDraw

    img = Image.new("RGB", (320, 200), (40, 120, 200))
    draw = ImageDraw.Draw(img)
    draw.rectangle((20, 20, 300, 180), outline=(250, 200, 0), width=8)
    draw.ellipse((110, 50, 210, 150), fill=(220, 40, 40))
    img.save(tmp_path / "photo.png")
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(tmp_path))

    class Quiet(http.server.ThreadingHTTPServer):
        def handle_error(self, request: Any, client_address: Any) -> None:
            pass

    httpd = Quiet(("127.0.0.1", 0), handler)
    handler.log_message = lambda *a, **k: None  # type: ignore[attr-defined]
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()


@pytest.fixture
def browser() -> Iterator[Any]:
    need_tool("chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield b
        b.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB")
    pg = context.new_page()
    pg.set_default_timeout(10_000)
    yield pg
    context.close()


def shot(page: Any, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)
