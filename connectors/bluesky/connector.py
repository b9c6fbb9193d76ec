"""Turn Bluesky `searchPosts` results into `Post`s, with a `since` cursor.

One search per distinct term (a term that contains another whole-word, like
"Hollybrook Primary" beside "Hollybrook", adds nothing), sorted latest, newer than the
cursor's `since`.  Results come newest first, so the cursor moves only in a run's
last batch; a run abandoned part-way re-reads the same window and the store drops
the repeats.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar, Literal

from connectors import cursors
from connectors.base import Batch, ConnectorError, Media, Post, SchoolQuery, SourceConfig
from connectors.bluesky.client import bluesky_errors, forget_session, make_client, session_was_refused
from connectors.matching import SchoolMatcher
from connectors.query import distinct_terms

# Results per page (Bluesky's maximum) and pages per term per run.
PAGE_SIZE = 100
MAX_PAGES = 10
# Bluesky's `since` compares with the post's own createdAt, which clients set and
# which arrives late; re-read this far before the cursor (the store drops repeats).
OVERLAP = timedelta(minutes=10)


class BlueskyConfig(SourceConfig):
    kind: Literal["bluesky"] = "bluesky"
    handle: str

    def describe(self) -> str:
        return f"bluesky search (signed in as {self.handle})"


class BlueskyConnector:
    """Bluesky posts that mention the school."""

    kind: ClassVar[str] = "bluesky"
    secrets: ClassVar[tuple[str, ...]] = ("GATEPOST_BLUESKY_APP_PASSWORD",)
    optional_secrets: ClassVar[tuple[str, ...]] = ()

    def __init__(self, config: BlueskyConfig, school: SchoolQuery, secrets: Mapping[str, str]):
        self.config = config
        self.matcher = SchoolMatcher(school)
        self.terms = distinct_terms(school)
        self.password = secrets["GATEPOST_BLUESKY_APP_PASSWORD"]
        self._client: Any = None

    @property
    def client(self) -> Any:
        if self._client is None:
            self._client = make_client(self.config.handle, self.password, self.config.api_base)
        return self._client

    def fetch(self, cursor: str | None) -> Iterator[Batch]:
        state = cursors.load(cursor)
        since = state.get("since")
        newest = since
        seen: set[str] = set()
        for term in self.terms:
            page_cursor: str | None = None
            for _ in range(MAX_PAGES):
                params: dict[str, Any] = {
                    "q": f'"{term}"' if " " in term else term,
                    "sort": "latest",
                    "limit": PAGE_SIZE,
                }
                if since:
                    params["since"] = (
                        (datetime.fromisoformat(since) - OVERLAP).isoformat().replace("+00:00", "Z")
                    )
                if page_cursor:
                    params["cursor"] = page_cursor
                page = self._search(params)
                posts = []
                for view in page.posts:
                    if view.uri in seen:
                        continue
                    seen.add(view.uri)
                    post = _post(view)
                    if self.matcher.mentions(post.text):
                        posts.append(post)
                        stamp = post.created_at.astimezone(UTC).isoformat()
                        newest = max(newest or stamp, stamp)
                yield Batch(posts=posts, cursor=cursor)
                page_cursor = page.cursor
                if not page_cursor or not page.posts:
                    break
        yield Batch(posts=[], cursor=cursors.dump({"since": newest}) if newest else cursor)

    def recheck(self, external_ids: Sequence[str]) -> dict[str, Post | None]:
        """The current version of each post (None when deleted)."""
        found: dict[str, Post | None] = dict.fromkeys(external_ids)
        for i in range(0, len(external_ids), 25):
            with bluesky_errors("getPosts"):
                res = self.client.app.bsky.feed.get_posts({"uris": list(external_ids[i : i + 25])})
            for view in res.posts:
                found[view.uri] = _post(view)
        return found

    def _search(self, params: dict[str, Any]) -> Any:
        for attempt in range(2):
            try:
                with bluesky_errors("searchPosts"):
                    return self.client.app.bsky.feed.search_posts(params)
            except ConnectorError as exc:
                # A reused session may have been revoked or expired: log in afresh, once.
                if attempt == 0 and session_was_refused(exc):
                    forget_session(self.config.handle, self.config.api_base)
                    self._client = None
                    continue
                raise
        raise AssertionError("unreachable")


def _post(view: Any) -> Post:
    """A Post from an `app.bsky.feed.defs#postView` model."""
    from atproto_client.models.utils import get_model_as_dict

    raw = get_model_as_dict(view)
    record = raw.get("record") or {}
    handle = view.author.handle
    rkey = view.uri.rsplit("/", 1)[-1]
    media: list[Media] = []
    embed = raw.get("embed") or {}
    for image in embed.get("images") or (embed.get("media") or {}).get("images") or []:
        media.append(
            Media(type="image", url=str(image.get("fullsize") or ""), alt_text=str(image.get("alt") or ""))
        )
    if "video" in str(embed.get("$type") or embed.get("py_type") or ""):
        media.append(Media(type="video", url=str(embed.get("playlist") or "")))
    created_raw = str(record.get("createdAt") or record.get("created_at") or view.indexed_at)
    try:
        created = datetime.fromisoformat(created_raw.replace("Z", "+00:00"))
    except ValueError:
        created = datetime.now(UTC)
    if created.tzinfo is None:
        created = created.replace(tzinfo=UTC)
    parent = ((record.get("reply") or {}).get("parent") or {}).get("uri")
    return Post(
        kind="bluesky",
        external_id=view.uri,
        url=f"https://bsky.app/profile/{handle}/post/{rkey}",
        author_handle=handle,
        text=str(record.get("text") or ""),
        created_at=created,
        media=tuple(media),
        raw=cursors.jsonable(raw),
        parent_external_id=str(parent) if parent else None,
    )
