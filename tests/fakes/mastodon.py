"""A fake Mastodon instance: hashtag timelines, v2 search, status lookup, `X-RateLimit-*` headers.

`min_id` pages walk forward as Mastodon's do (the statuses just after min_id, newest
first within the page); `max_id`/`since_id` are honoured too.  Status search returns
results only with a token and when `search_supported` is on, as on real instances.
"""

from __future__ import annotations

import itertools
import re
from datetime import UTC, datetime, timedelta
from typing import Any

from tests.fakes.server import FakeServer, Request, Response

TOKEN = "fake-mastodon-token"


class FakeMastodon(FakeServer):
    def __init__(self) -> None:
        super().__init__()
        self.statuses: list[dict[str, Any]] = []
        self.search_supported = True
        self._ids = itertools.count(113_000_000_000_000_000)
        self.route("GET", "/api/v1/timelines/tag/*", self._tag)
        self.route("GET", "/api/v2/search", self._search)
        self.route("GET", "/api/v1/statuses/*", self._status)

    def add_status(
        self,
        html: str,
        *,
        tags: tuple[str, ...] = (),
        acct: str = "parent@ashby.social",
        image: str | None = None,
    ) -> dict[str, Any]:
        sid = str(next(self._ids))
        username = acct.split("@")[0]
        status: dict[str, Any] = {
            "id": sid,
            "created_at": "2026-11-21T20:00:00.000Z",
            "in_reply_to_id": None,
            "in_reply_to_account_id": None,
            "sensitive": False,
            "spoiler_text": "",
            "visibility": "public",
            "language": "en",
            "uri": f"https://ashby.social/users/{username}/statuses/{sid}",
            "url": f"https://ashby.social/@{username}/{sid}",
            "replies_count": 0,
            "reblogs_count": 0,
            "favourites_count": 0,
            "edited_at": None,
            "content": html,
            "reblog": None,
            "account": {
                "id": str(abs(hash(acct)) % 10**9),
                "username": username,
                "acct": acct,
                "display_name": username.title(),
                "url": f"https://ashby.social/@{username}",
                "created_at": "2024-01-01T00:00:00.000Z",
                "bot": False,
                "locked": False,
            },
            "media_attachments": [],
            "mentions": [],
            "emojis": [],
            "card": None,
            "poll": None,
            "tags": [{"name": t.lower(), "url": f"https://ashby.social/tags/{t.lower()}"} for t in tags],
        }
        if image:
            status["media_attachments"].append(
                {
                    "id": sid + "1",
                    "type": "image",
                    "url": image,
                    "preview_url": image,
                    "remote_url": None,
                    "description": "children in a playground",
                    "meta": {},
                }
            )
        self.statuses.append(status)
        return status

    def _headers(self) -> dict[str, str]:
        reset = (datetime.now(UTC) + timedelta(minutes=5)).isoformat().replace("+00:00", "Z")
        return {"X-RateLimit-Limit": "300", "X-RateLimit-Remaining": "299", "X-RateLimit-Reset": reset}

    def _window(self, req: Request, hits: list[dict[str, Any]]) -> list[dict[str, Any]]:
        limit = min(int(req.arg("limit") or 20), 40)
        ids = sorted(hits, key=lambda s: int(s["id"]))
        if req.arg("max_id"):
            ids = [s for s in ids if int(s["id"]) < int(req.arg("max_id") or 0)]
        if req.arg("since_id"):
            ids = [s for s in ids if int(s["id"]) > int(req.arg("since_id") or 0)]
        if req.arg("min_id"):
            page = [s for s in ids if int(s["id"]) > int(req.arg("min_id") or 0)][:limit]
        else:
            page = ids[-limit:]
        return list(reversed(page))

    def _tag(self, req: Request) -> Response:
        tag = req.path.rsplit("/", 1)[-1].lower()
        if req.headers.get("authorization") not in (None, f"Bearer {TOKEN}"):
            return Response(401, {"error": "The access token is invalid"})
        hits = [s for s in self.statuses if tag in {t["name"] for t in s["tags"]}]
        return Response(200, self._window(req, hits), self._headers())

    def _search(self, req: Request) -> Response:
        empty: dict[str, Any] = {"accounts": [], "statuses": [], "hashtags": []}
        if req.headers.get("authorization") != f"Bearer {TOKEN}" or not self.search_supported:
            return Response(200, empty, self._headers())
        q = (req.arg("q") or "").lower()
        hits = [
            s for s in self.statuses if re.search(r"(?<!\w)" + re.escape(q) + r"(?!\w)", s["content"].lower())
        ]
        return Response(200, {**empty, "statuses": self._window(req, hits)}, self._headers())

    def _status(self, req: Request) -> Response:
        sid = req.path.rsplit("/", 1)[-1]
        found = next((s for s in self.statuses if s["id"] == sid), None)
        if found is None:
            return Response(404, {"error": "Record not found"})
        return Response(200, found, self._headers())
