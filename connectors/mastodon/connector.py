"""Turn Mastodon hashtag timelines and v2 search results into `Post`s, with `min_id` cursors.

Hashtag timelines are the reliable public source: any instance serves them without a
token.  Status search (`/api/v2/search`, type statuses) needs a token and an
instance with full-text search; it is tried only with a token, and an instance that
refuses it (4xx) leaves the hashtags working.

With `min_id`, Mastodon answers the statuses just after that id, so pages walk
forward in time and each batch can move its stream's cursor: an abandoned run loses
nothing.  The cursor keeps one `min_id` per stream (`tag:<name>`, `search:<term>`).
A first run takes only the newest page of each stream: the DSL wants what is being
said now, not a tag's whole history.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping, Sequence
from datetime import UTC, datetime
from typing import Annotated, Any, ClassVar, Literal
from urllib.parse import urlsplit

import pydantic

from connectors import cursors
from connectors.base import (
    Batch,
    ConnectorError,
    Media,
    Post,
    SchoolQuery,
    SourceConfig,
    short_address,
    web_address,
)
from connectors.html import html_to_text
from connectors.mastodon.client import make_client, mastodon_errors
from connectors.matching import SchoolMatcher
from connectors.query import distinct_terms

log = logging.getLogger(__name__)

# Mastodon's maximum page for timelines and search.
PAGE_SIZE = 40
# Pages per stream per run: a busy tag catches up over a few runs, not one long one.
MAX_PAGES = 25


class MastodonConfig(SourceConfig):
    kind: Literal["mastodon"] = "mastodon"
    # the instance, e.g. "https://mastodon.social": required here
    api_base: Annotated[str, pydantic.AfterValidator(web_address)]
    hashtags: tuple[str, ...] = ()

    def describe(self) -> str:
        tags = " ".join(f"#{t.lstrip('#')}" for t in self.hashtags) or "the school's names as hashtags"
        return f"mastodon {tags} on {short_address(self.api_base)}"


class MastodonConnector:
    """Statuses on one Mastodon instance that mention the school."""

    kind: ClassVar[str] = "mastodon"
    secrets: ClassVar[tuple[str, ...]] = ()
    optional_secrets: ClassVar[tuple[str, ...]] = ("GATEPOST_MASTODON_TOKEN",)

    def __init__(self, config: MastodonConfig, school: SchoolQuery, secrets: Mapping[str, str]):
        self.config = config
        self.matcher = SchoolMatcher(school)
        self.token = secrets.get("GATEPOST_MASTODON_TOKEN")
        self.client = make_client(config.api_base, self.token)
        self.host = urlsplit(config.api_base).netloc
        tags = config.hashtags or tuple(t.replace(" ", "") for t in distinct_terms(school))
        self.tags = [t.lstrip("#") for t in tags]
        self.terms = distinct_terms(school) if self.token else []

    def fetch(self, cursor: str | None) -> Iterator[Batch]:
        state = cursors.load(cursor)
        for tag in self.tags:
            yield from self._stream(state, f"tag:{tag.lower()}", lambda m, t=tag: self._tag_page(t, m))
        for term in self.terms:
            try:
                yield from self._stream(
                    state, f"search:{term.lower()}", lambda m, q=term: self._search_page(q, m)
                )
            except ConnectorError as exc:
                if not exc.permanent:
                    raise
                # The instance does not offer status search to this token: hashtags still work.
                log.info("mastodon search unavailable on %s: %s", self.config.api_base, exc)
                break
        yield Batch(posts=[], cursor=cursors.dump(state))

    def _tag_page(self, tag: str, min_id: str | None) -> list[Any]:
        with mastodon_errors(f"tag timeline #{tag}", self.client):
            return list(self.client.timeline_hashtag(tag, min_id=min_id, limit=PAGE_SIZE))

    def _search_page(self, term: str, min_id: str | None) -> list[Any]:
        with mastodon_errors("search", self.client):
            found = self.client.search_v2(
                term, resolve=False, result_type="statuses", min_id=min_id, limit=PAGE_SIZE
            )
        return list(found.get("statuses") or [])

    def _stream(self, state: dict[str, Any], key: str, page: Any) -> Iterator[Batch]:
        min_id = state.get(key)
        for _ in range(MAX_PAGES):
            statuses = page(min_id)
            if not statuses:
                return
            posts = [p for p in (_post(s, self.host) for s in statuses) if self.matcher.mentions(p.text)]
            newest = max((str(s["id"]) for s in statuses), key=lambda i: (len(i), i))
            state[key] = newest
            yield Batch(posts=posts, cursor=cursors.dump(state))
            if min_id is None or len(statuses) < PAGE_SIZE:
                return  # first run: newest page only; or caught up
            min_id = newest

    def recheck(self, external_ids: Sequence[str]) -> dict[str, Post | None]:
        """The current version of each status (None when deleted)."""
        found: dict[str, Post | None] = {}
        for external_id in external_ids:
            try:
                with mastodon_errors("status", self.client):
                    found[external_id] = _post(self.client.status(external_id.rsplit(":", 1)[-1]), self.host)
            except ConnectorError as exc:
                if "404" not in str(exc):
                    raise
                found[external_id] = None
        return found


def _post(status: Mapping[str, Any], host: str) -> Post:
    account = status.get("account") or {}
    text = html_to_text(str(status.get("content") or ""))
    if status.get("spoiler_text"):
        text = f"{status['spoiler_text']}\n{text}"
    media = tuple(
        Media(
            type="image" if m.get("type") in ("image", "gifv") else "video",
            url=str(m.get("url") or m.get("remote_url") or ""),
            alt_text=str(m.get("description") or ""),
        )
        for m in status.get("media_attachments") or []
        if m.get("type") in ("image", "gifv", "video")
    )
    created = status.get("created_at")
    if isinstance(created, str):
        created = datetime.fromisoformat(created.replace("Z", "+00:00"))
    if not isinstance(created, datetime):
        created = datetime.now(UTC)
    if created.tzinfo is None:
        created = created.replace(tzinfo=UTC)
    parent = status.get("in_reply_to_id")
    return Post(
        kind="mastodon",
        # Status ids are per instance: the host keeps two instances' ids apart.
        external_id=f"{host}:{status['id']}",
        url=str(status.get("url") or status.get("uri") or ""),
        author_handle=str(account.get("acct") or account.get("username") or ""),
        text=text,
        created_at=created,
        media=media,
        raw=cursors.jsonable(dict(status)),
        parent_external_id=str(parent) if parent else None,
    )
