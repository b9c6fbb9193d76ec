"""A fake X API v2: recent search and tweet lookup, bearer-token auth, `x-rate-limit-*` headers.

Search answers newest first with `meta.newest_id/oldest_id/result_count/next_token`,
honours `since_id`, `until_id` and `max_results`, and expands authors and media into
`includes`, as X does.  It evaluates the query's OR group and `-"phrase"` excludes.
"""

from __future__ import annotations

import itertools
import re
import time
from typing import Any

from tests.fakes.server import FakeServer, Request, Response

BEARER = "fake-bearer"


class FakeX(FakeServer):
    def __init__(self) -> None:
        super().__init__()
        self.tweets: list[dict[str, Any]] = []
        self.users: dict[str, dict[str, Any]] = {}
        self.media: dict[str, dict[str, Any]] = {}
        self.reads = 0
        # Ids below this are "older than seven days": since_id below it is refused.
        self.oldest_searchable = 0
        self._ids = itertools.count(1_800_000_000_000_000_000)
        self.route("GET", "/2/tweets/search/recent", self._search)
        self.route("GET", "/2/tweets", self._lookup)

    def add_tweet(
        self, text: str, *, username: str = "ashby_parent", photo: str | None = None
    ) -> dict[str, Any]:
        tid = str(next(self._ids))
        uid = str(abs(hash(username)) % 10**12)
        self.users[uid] = {"id": uid, "username": username, "name": username.title()}
        tweet: dict[str, Any] = {
            "id": tid,
            "text": text,
            "author_id": uid,
            "created_at": "2026-11-21T20:00:00.000Z",
            "edit_history_tweet_ids": [tid],
        }
        if photo:
            key = f"3_{tid}"
            self.media[key] = {"media_key": key, "type": "photo", "url": photo, "alt_text": "a photo"}
            tweet["attachments"] = {"media_keys": [key]}
        self.tweets.append(tweet)
        return tweet

    def _headers(self) -> dict[str, str]:
        return {
            "x-rate-limit-limit": "450",
            "x-rate-limit-remaining": "449",
            "x-rate-limit-reset": str(int(time.time()) + 900),
        }

    def _unauthorised(self, req: Request) -> Response | None:
        if req.headers.get("authorization") != f"Bearer {BEARER}":
            return Response(
                401, {"title": "Unauthorized", "type": "about:blank", "status": 401, "detail": "Unauthorized"}
            )
        return None

    def _page(self, tweets: list[dict[str, Any]]) -> dict[str, Any]:
        users = {t["author_id"] for t in tweets}
        keys = [k for t in tweets for k in (t.get("attachments") or {}).get("media_keys", [])]
        includes: dict[str, Any] = {"users": [self.users[u] for u in users]}
        if keys:
            includes["media"] = [self.media[k] for k in keys]
        return {"data": tweets, "includes": includes}

    def _search(self, req: Request) -> Response:
        if (denied := self._unauthorised(req)) is not None:
            return denied
        query = req.arg("query") or ""
        group = re.search(r"\((.*?)\)", query)
        terms = [t.strip().strip('"').lower() for t in (group.group(1) if group else "").split(" OR ")]
        excludes = [e.lower() for e in re.findall(r'-"([^"]+)"', query)]
        limit = int(req.arg("max_results") or 10)
        if not 10 <= limit <= 100:
            return Response(
                400, {"errors": [{"message": "max_results out of range"}], "title": "Invalid Request"}
            )
        since, until = int(req.arg("since_id") or 0), int(req.arg("until_id") or 10**30)
        if req.arg("since_id") and since < self.oldest_searchable:
            return Response(
                400,
                {
                    "errors": [
                        {
                            "parameters": {"since_id": [str(since)]},
                            "message": "Invalid 'since_id': must be within the last 7 days",
                        }
                    ],
                    "title": "Invalid Request",
                    "detail": "One or more parameters to your request was invalid.",
                    "type": "https://api.twitter.com/2/problems/invalid-request",
                },
            )
        hits = [
            t
            for t in self.tweets
            if since < int(t["id"]) < until
            and any(
                term and re.search(r"(?<!\w)" + re.escape(term) + r"(?!\w)", t["text"].lower())
                for term in terms
            )
            and not any(e in t["text"].lower() for e in excludes)
        ]
        hits.sort(key=lambda t: int(t["id"]), reverse=True)
        start = int(req.arg("next_token") or 0)
        page = hits[start : start + limit]
        self.reads += len(page)
        if not page:
            return Response(200, {"meta": {"result_count": 0}}, self._headers())
        body = self._page(page)
        body["meta"] = {"newest_id": page[0]["id"], "oldest_id": page[-1]["id"], "result_count": len(page)}
        if start + limit < len(hits):
            body["meta"]["next_token"] = str(start + limit)
        return Response(200, body, self._headers())

    def _lookup(self, req: Request) -> Response:
        if (denied := self._unauthorised(req)) is not None:
            return denied
        ids = (req.arg("ids") or "").split(",")
        found = [t for t in self.tweets if t["id"] in ids]
        body = self._page(found) if found else {}
        missing = [i for i in ids if i not in {t["id"] for t in found}]
        if missing:
            body["errors"] = [
                {
                    "value": i,
                    "detail": f"Could not find tweet with ids: [{i}].",
                    "title": "Not Found Error",
                    "resource_type": "tweet",
                    "parameter": "ids",
                    "resource_id": i,
                    "type": "https://api.twitter.com/2/problems/resource-not-found",
                }
                for i in missing
            ]
        return Response(200, body, self._headers())
