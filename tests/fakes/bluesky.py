"""A fake Bluesky PDS/AppView: createSession, refreshSession, searchPosts and getPosts over XRPC.

Tokens are real-shaped JWTs (unsigned; atproto reads their `exp`).  `searchPosts`
answers PostViews newest first with a `cursor`, honours `q`, `since` and `limit`,
and sends `ratelimit-*` headers.  `sessions_created` counts logins, to prove reuse.
"""

from __future__ import annotations

import base64
import itertools
import json
import re
import time
from typing import Any

from tests.fakes.server import FakeServer, Request, Response

HANDLE = "school-monitor.bsky.social"
APP_PASSWORD = "abcd-efgh-ijkl-mnop"


def _jwt(claims: dict[str, Any]) -> str:
    def b64(obj: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(obj).encode()).decode().rstrip("=")

    return f"{b64({'alg': 'HS256', 'typ': 'JWT'})}.{b64(claims)}.c2ln"


class FakeBluesky(FakeServer):
    def __init__(self) -> None:
        super().__init__()
        self.posts: list[dict[str, Any]] = []
        self.sessions_created = 0
        self.refreshes = 0
        # Seconds an access token lives; atproto refreshes it when under 15 minutes remain.
        self.access_ttl = 7200
        self.valid_tokens: set[str] = set()
        self._n = itertools.count(1)
        self.route("POST", "/xrpc/com.atproto.server.createSession", self._create_session)
        self.route("POST", "/xrpc/com.atproto.server.refreshSession", self._refresh_session)
        self.route("GET", "/xrpc/app.bsky.feed.searchPosts", self._search)
        self.route("GET", "/xrpc/app.bsky.feed.getPosts", self._get_posts)

    def add_post(
        self,
        text: str,
        *,
        handle: str = "parent.bsky.social",
        created: str = "2026-11-21T20:00:00.000Z",
        image: str | None = None,
    ) -> dict[str, Any]:
        n = next(self._n)
        did = f"did:plc:{abs(hash(handle)) % 10**10:010d}"
        view: dict[str, Any] = {
            "uri": f"at://{did}/app.bsky.feed.post/3lpost{n:05d}",
            "cid": f"bafyreicid{n:05d}",
            "author": {"did": did, "handle": handle, "displayName": handle.split(".")[0], "labels": []},
            "record": {"$type": "app.bsky.feed.post", "text": text, "createdAt": created, "langs": ["en"]},
            "replyCount": 0,
            "repostCount": 0,
            "likeCount": 0,
            "quoteCount": 0,
            "indexedAt": created,
            "labels": [],
        }
        if image:
            view["embed"] = {
                "$type": "app.bsky.embed.images#view",
                "images": [{"thumb": image + "@thumb", "fullsize": image, "alt": "playground"}],
            }
        self.posts.append(view)
        return view

    def expire_all_sessions(self) -> None:
        self.valid_tokens.clear()

    def _session(self) -> dict[str, Any]:
        self.sessions_created += 1
        now = int(time.time())
        access = _jwt(
            {
                "scope": "com.atproto.appPass",
                "sub": "did:plc:monitor",
                "iat": now,
                "exp": now + self.access_ttl,
                "jti": str(next(self._n)),
            }
        )
        refresh = _jwt(
            {
                "scope": "com.atproto.refresh",
                "sub": "did:plc:monitor",
                "iat": now,
                "exp": now + 86400 * 60,
                "jti": str(next(self._n)),
            }
        )
        self.valid_tokens.add(access)
        return {
            "accessJwt": access,
            "refreshJwt": refresh,
            "handle": HANDLE,
            "did": "did:plc:monitor",
            "active": True,
            "email": "dsl@example.org",
            "emailConfirmed": True,
        }

    def _create_session(self, req: Request) -> Response:
        body = req.json() or {}
        if body.get("identifier") != HANDLE or body.get("password") != APP_PASSWORD:
            return Response(
                401, {"error": "AuthenticationRequired", "message": "Invalid identifier or password"}
            )
        return Response(200, self._session())

    def _refresh_session(self, req: Request) -> Response:
        self.refreshes += 1
        self.sessions_created -= 1  # a refresh is not a new login
        return Response(200, self._session())

    def _authorised(self, req: Request) -> Response | None:
        token = (req.headers.get("authorization") or "").removeprefix("Bearer ")
        if token not in self.valid_tokens:
            return Response(400, {"error": "ExpiredToken", "message": "Token has expired"})
        return None

    def _headers(self) -> dict[str, str]:
        return {
            "ratelimit-limit": "3000",
            "ratelimit-remaining": "2999",
            "ratelimit-reset": str(int(time.time()) + 300),
            "ratelimit-policy": "3000;w=300",
        }

    def _search(self, req: Request) -> Response:
        if (denied := self._authorised(req)) is not None:
            return denied
        q = (req.arg("q") or "").strip('"').lower()
        since = req.arg("since")
        hits = [
            p
            for p in self.posts
            if re.search(r"(?<!\w)" + re.escape(q) + r"(?!\w)", p["record"]["text"].lower())
            and (not since or p["record"]["createdAt"] >= since.replace("+00:00", "Z"))
        ]
        hits.sort(key=lambda p: p["record"]["createdAt"], reverse=True)
        start = int(req.arg("cursor") or 0)
        limit = int(req.arg("limit") or 25)
        page = hits[start : start + limit]
        body: dict[str, Any] = {"posts": page, "hitsTotal": len(hits)}
        if start + limit < len(hits):
            body["cursor"] = str(start + limit)
        return Response(200, body, self._headers())

    def _get_posts(self, req: Request) -> Response:
        if (denied := self._authorised(req)) is not None:
            return denied
        uris = req.query.get("uris", [])
        return Response(200, {"posts": [p for p in self.posts if p["uri"] in uris]}, self._headers())
