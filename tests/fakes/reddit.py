"""A fake Reddit: the client-credentials token endpoint, subreddit search, thread comments and /api/info.

It speaks Reddit's JSON shapes (Listings of t3 and t1 Things), paginates with
`after`, and sends `x-ratelimit-*` headers on every response.  Faults come from
`FakeServer.fail`; `banned` subreddits answer 403 as Reddit does.
"""

from __future__ import annotations

import base64
import itertools
from typing import Any

from tests.fakes.server import FakeServer, Request, Response

CLIENT_ID = "fake-client-id"
CLIENT_SECRET = "fake-client-secret"


class FakeReddit(FakeServer):
    def __init__(self) -> None:
        super().__init__()
        self.submissions: list[dict[str, Any]] = []
        self.comments: dict[str, list[dict[str, Any]]] = {}
        self.banned: set[str] = set()
        self.revoked = False
        self.page_size = 100
        # Fault: each later page starts with the previous page's last post again, as a
        # listing does when posts shift between two page requests.
        self.repeat_across_pages = False
        # What the next response says about the rate-limit window.
        self.ratelimit = {"x-ratelimit-used": "1", "x-ratelimit-remaining": "599", "x-ratelimit-reset": "0"}
        self._ids = itertools.count(1000)
        self.route("POST", "/api/v1/access_token", self._token)
        self.route("GET", "/r/*", self._search)
        self.route("GET", "/comments/*", self._comments)
        self.route("GET", "/api/info/", self._info)

    def add_submission(
        self,
        title: str,
        selftext: str = "",
        *,
        subreddit: str = "unitedkingdom",
        created: float = 1_790_000_000,
        author: str = "parent_one",
        **extra: Any,
    ) -> dict[str, Any]:
        sid = format(next(self._ids), "x")
        data = {
            "id": sid,
            "name": f"t3_{sid}",
            "title": title,
            "selftext": selftext,
            "author": author,
            "subreddit": subreddit,
            "subreddit_name_prefixed": f"r/{subreddit}",
            "created_utc": created,
            "permalink": f"/r/{subreddit}/comments/{sid}/slug/",
            "url": f"https://www.reddit.com/r/{subreddit}/comments/{sid}/slug/",
            "num_comments": 0,
            "score": 1,
            "over_18": False,
            "is_video": False,
            "removed_by_category": None,
            **extra,
        }
        self.submissions.append(data)
        self.comments[sid] = []
        return data

    def add_comment(
        self, thread: dict[str, Any], body: str, *, created: float, author: str = "parent_two"
    ) -> dict[str, Any]:
        cid = format(next(self._ids), "x")
        data = {
            "id": cid,
            "name": f"t1_{cid}",
            "body": body,
            "author": author,
            "created_utc": created,
            "link_id": thread["name"],
            "parent_id": thread["name"],
            "subreddit": thread["subreddit"],
            "permalink": f"{thread['permalink']}{cid}/",
            "replies": "",
        }
        self.comments[thread["id"]].append(data)
        thread["num_comments"] += 1
        return data

    def delete(self, thing: dict[str, Any]) -> None:
        thing.update(
            {
                "author": "[deleted]",
                "selftext": "[deleted]",
                "body": "[deleted]",
                "removed_by_category": "deleted",
            }
        )

    def _headers(self) -> dict[str, str]:
        return dict(self.ratelimit)

    def _token(self, req: Request) -> Response:
        expected = "Basic " + base64.b64encode(f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode()
        if self.revoked or req.headers.get("authorization") != expected:
            return Response(401, {"message": "Unauthorized", "error": 401})
        if req.form().get("grant_type") != "client_credentials":
            return Response(200, {"error": "unsupported_grant_type"})
        return Response(
            200, {"access_token": "fake-token", "token_type": "bearer", "expires_in": 86400, "scope": "*"}
        )

    def _authorised(self, req: Request) -> bool:
        return req.headers.get("authorization") == "bearer fake-token"

    def _search(self, req: Request) -> Response:
        if not self._authorised(req):
            return Response(401, {"message": "Unauthorized", "error": 401})
        parts = req.path.strip("/").split("/")
        subreddit = parts[1]
        if subreddit.lower() in self.banned:
            return Response(403, {"reason": "banned", "message": "Forbidden", "error": 403}, self._headers())
        terms = [t.strip().strip('"').lower() for t in (req.arg("q") or "").split(" OR ")]
        hits = [
            s
            for s in self.submissions
            if (subreddit == "all" or s["subreddit"].lower() == subreddit.lower())
            and any(t and t in (s["title"] + " " + s["selftext"]).lower() for t in terms)
        ]
        hits.sort(key=lambda s: s["created_utc"], reverse=True)
        after = req.arg("after")
        start = 0
        if after:
            names = [s["name"] for s in hits]
            start = names.index(after) + 1 if after in names else len(hits)
            if self.repeat_across_pages:
                start -= 1
        limit = min(int(req.arg("limit") or 25), self.page_size)
        page = hits[start : start + limit]
        next_after = page[-1]["name"] if page and start + limit < len(hits) else None
        return Response(200, _listing("t3", page, next_after), self._headers())

    def _comments(self, req: Request) -> Response:
        sid = req.path.strip("/").split("/")[1]
        thread = next((s for s in self.submissions if s["id"] == sid), None)
        if thread is None:
            return Response(404, {"message": "Not Found", "error": 404}, self._headers())
        return Response(
            200, [_listing("t3", [thread], None), _listing("t1", self.comments[sid], None)], self._headers()
        )

    def _info(self, req: Request) -> Response:
        wanted = set((req.arg("id") or "").split(","))
        things = [("t3", s) for s in self.submissions if s["name"] in wanted]
        things += [("t1", c) for cs in self.comments.values() for c in cs if c["name"] in wanted]
        return Response(
            200,
            {
                "kind": "Listing",
                "data": {
                    "after": None,
                    "before": None,
                    "dist": len(things),
                    "children": [{"kind": k, "data": d} for k, d in things],
                },
            },
            self._headers(),
        )


def _listing(kind: str, things: list[dict[str, Any]], after: str | None) -> dict[str, Any]:
    return {
        "kind": "Listing",
        "data": {
            "after": after,
            "before": None,
            "dist": len(things),
            "modhash": None,
            "children": [{"kind": kind, "data": t} for t in things],
        },
    }
