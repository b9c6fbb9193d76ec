"""A fake feed host: an RSS 2.0 feed (Google Alerts style, redirect-wrapped links) and an Atom feed.

It honours If-None-Match / If-Modified-Since with 304, and can serve a feed bigger
than the connector's cap.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from email.utils import format_datetime
from html import escape
from typing import Any
from urllib.parse import quote

from tests.fakes.server import FakeServer, Request, Response

MODIFIED = format_datetime(datetime(2026, 11, 21, 20, 0, tzinfo=UTC), usegmt=True)


class FakeFeeds(FakeServer):
    def __init__(self) -> None:
        super().__init__()
        self.items: list[dict[str, Any]] = []
        self.huge = False
        # Atom entries served as written: hostile markup the helpers above would escape.
        self.raw_atom_entries: list[str] = []
        self.route("GET", "/alerts/feed.xml", self._alerts)
        self.route("GET", "/news/atom.xml", self._atom)

    def add_item(self, title: str, link: str, summary: str = "") -> None:
        self.items.append({"title": title, "link": link, "summary": summary})

    def _etag(self) -> str:
        return '"' + hashlib.sha256(repr(self.items).encode()).hexdigest()[:16] + '"'

    def _conditional(self, req: Request) -> Response | None:
        if req.headers.get("if-none-match") == self._etag():
            return Response(304, headers={"ETag": self._etag(), "Last-Modified": MODIFIED})
        return None

    def _alerts(self, req: Request) -> Response:
        if (not_modified := self._conditional(req)) is not None:
            return not_modified
        items = "".join(
            f"<item><title>{escape(i['title'])}</title>"
            f"<link>https://www.google.com/url?rct=j&amp;sa=t&amp;url={quote(i['link'], safe='')}"
            "&amp;ct=ga&amp;cd=CAE&amp;usg=AOv</link>"
            f'<guid isPermaLink="false">tag:google.com,2013:googlealerts/feed:{n}</guid>'
            f"<pubDate>Sat, 21 Nov 2026 19:{n:02d}:00 GMT</pubDate>"
            f"<description>{escape(i['summary'])}</description></item>"
            for n, i in enumerate(self.items)
        )
        padding = "<!--" + "x" * (6 * 1024 * 1024) + "-->" if self.huge else ""
        body = (
            f'<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel>'
            f"<title>Google Alert - Hollybrook</title><link>https://www.google.com/alerts</link>"
            f"{items}</channel></rss>{padding}"
        ).encode()
        return Response(
            200,
            raw=body,
            content_type="application/rss+xml; charset=UTF-8",
            headers={"ETag": self._etag(), "Last-Modified": MODIFIED},
        )

    def _atom(self, req: Request) -> Response:
        entries = "".join(
            f"<entry><title type='html'>{escape(i['title'])}</title><link href='{escape(i['link'])}'/>"
            f"<id>{escape(i['link'])}</id><updated>2026-11-21T20:00:00Z</updated>"
            f"<author><name>Ashby Echo</name></author><summary>{escape(i['summary'])}</summary></entry>"
            for i in self.items
        ) + "".join(self.raw_atom_entries)
        body = (
            f'<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">'
            f"<title>Ashby Echo</title><id>urn:ashby-echo</id><updated>2026-11-21T20:00:00Z</updated>"
            f"{entries}</feed>"
        ).encode()
        return Response(200, raw=body, content_type="application/atom+xml")
