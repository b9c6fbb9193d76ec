"""Turn Reddit search results and thread comments into `Post`s and a cursor.

Search is r/all plus each subreddit in the profile, sorted new.  Reddit's listing
goes newest first and has no "since" parameter, so the cursor (the newest
`created_utc` seen, plus the threads still being watched) only moves in the last
batch of a run; earlier batches repeat the old cursor.  A run abandoned part-way
therefore re-reads from the same place next time and the store drops the repeats:
nothing is lost, nothing is stored twice.

Comments: every comment of a matching thread is kept (with the thread as its parent),
whether or not it names the school, because a reply in a thread about the school is
about the school.  Matching threads stay watched for WATCH_DAYS so later replies are
found too.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any, ClassVar, Literal

import pydantic

from connectors import cursors
from connectors.base import Batch, Media, Post, SchoolQuery, SourceConfig
from connectors.matching import SchoolMatcher
from connectors.reddit.client import make_reddit, reddit_errors

# Newest results read per search target per run (Reddit's listings stop near 1000).
MAX_RESULTS = 500
# Posts per batch: one transaction each.
BATCH_SIZE = 100
# How long a matching thread is re-read for new comments, and how many at most.
WATCH_DAYS = 3
MAX_WATCHED = 50
# Reddit timestamps have one-second resolution: re-read a little before the cursor
# so posts in the same second are not skipped (the store drops the repeats).
OVERLAP_S = 60
# Reddit's search rejects longer queries.
MAX_QUERY_CHARS = 512


class RedditConfig(SourceConfig):
    kind: Literal["reddit"] = "reddit"
    subreddits: tuple[str, ...] = ()
    include_comments: bool = True

    @pydantic.field_validator("subreddits")
    @classmethod
    def _plain_names(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(s.removeprefix("r/").strip() for s in value if s.strip())

    def describe(self) -> str:
        # r/all is searched by every reddit source, so only the subreddits tell them apart.
        return "reddit " + (" ".join(f"r/{s}" for s in self.subreddits) or "search (r/all)")


def build_query(school: SchoolQuery) -> str:
    """`"Hollybrook Primary" OR Hollybrook ...`, longest terms first, within MAX_QUERY_CHARS.

    Excludes are not put in the query: a post naming both the school and the garden
    centre must still be found.  The matcher drops the ones that only mean the other thing.
    """
    parts: list[str] = []
    for term in school.terms:
        part = f'"{term}"' if " " in term else term
        candidate = " OR ".join([*parts, part])
        if len(candidate) > MAX_QUERY_CHARS:
            break
        parts.append(part)
    return " OR ".join(parts)


class RedditConnector:
    """Reddit submissions and comments that mention the school."""

    kind: ClassVar[str] = "reddit"
    secrets: ClassVar[tuple[str, ...]] = ("GATEPOST_REDDIT_CLIENT_ID", "GATEPOST_REDDIT_CLIENT_SECRET")
    optional_secrets: ClassVar[tuple[str, ...]] = ()

    def __init__(
        self,
        config: RedditConfig,
        school: SchoolQuery,
        secrets: Mapping[str, str],
        *,
        sleep: Callable[[float], None] = time.sleep,
        now: Callable[[], float] = time.time,
    ):
        self.config = config
        self.matcher = SchoolMatcher(school)
        self.query = build_query(school)
        self.now = now
        self.reddit = make_reddit(
            secrets["GATEPOST_REDDIT_CLIENT_ID"],
            secrets["GATEPOST_REDDIT_CLIENT_SECRET"],
            config.api_base,
            sleep=sleep,
        )

    def fetch(self, cursor: str | None) -> Iterator[Batch]:
        state = cursors.load(cursor)
        since = float(state.get("since", 0))
        watched: dict[str, float] = {str(k): float(v) for k, v in state.get("threads", {}).items()}
        newest = since
        pending: list[Post] = []
        seen: set[str] = set()

        for target in ("all", *self.config.subreddits):
            with reddit_errors(f"search r/{target}"):
                results = self.reddit.subreddit(target).search(
                    self.query, sort="new", time_filter="all", limit=MAX_RESULTS
                )
                for submission in results:
                    created = float(submission.created_utc)
                    if created < since - OVERLAP_S:
                        break
                    if submission.fullname in seen:
                        continue
                    seen.add(submission.fullname)
                    post = self._post_from_submission(submission)
                    if not self.matcher.mentions(post.text):
                        continue
                    newest = max(newest, created)
                    pending.append(post)
                    watched[submission.id] = created
                    if len(pending) >= BATCH_SIZE:
                        yield Batch(posts=pending, cursor=cursor)
                        pending = []

        cutoff = self.now() - WATCH_DAYS * 86400
        watched = dict(sorted(((k, v) for k, v in watched.items() if v >= cutoff), key=lambda kv: -kv[1]))
        watched = dict(list(watched.items())[:MAX_WATCHED])
        if self.config.include_comments:
            for thread_id in watched:
                comments = list(self._comments(thread_id))
                for i in range(0, len(comments), BATCH_SIZE):
                    pending.extend(comments[i : i + BATCH_SIZE])
                    if len(pending) >= BATCH_SIZE:
                        yield Batch(posts=pending, cursor=cursor)
                        pending = []
        new_state = {"since": newest, "threads": watched}
        yield Batch(posts=pending, cursor=cursors.dump(new_state))

    def recheck(self, external_ids: Sequence[str]) -> dict[str, Post | None]:
        """The current version of each post (None when deleted or removed)."""
        found: dict[str, Post | None] = {}
        with reddit_errors("recheck"):
            for thing in self.reddit.info(fullnames=list(external_ids)):
                post = (
                    self._post_from_submission(thing)
                    if thing.fullname.startswith("t3_")
                    else self._post_from_comment(thing, thing.link_id)
                )
                gone = vars(thing).get("removed_by_category") or post.text.strip() in (
                    "[deleted]",
                    "[removed]",
                )
                found[thing.fullname] = None if gone else post
        for external_id in external_ids:
            found.setdefault(external_id, None)
        return found

    def _comments(self, thread_id: str) -> Iterable[Post]:
        with reddit_errors(f"comments t3_{thread_id}"):
            submission = self.reddit.submission(id=thread_id)
            submission.comments.replace_more(limit=0)
            comments = submission.comments.list()
        for comment in comments:
            yield self._post_from_comment(comment, f"t3_{thread_id}")

    @staticmethod
    def _post_from_submission(s: Any) -> Post:
        # vars(), not getattr(): a missing attribute on a praw object is a network fetch.
        data = vars(s)
        title = str(data.get("title") or "")
        body = str(data.get("selftext") or "")
        media: list[Media] = []
        url = str(data.get("url") or "")
        if data.get("post_hint") == "image" or url.lower().endswith((".jpg", ".jpeg", ".png", ".gif")):
            media.append(Media(type="image", url=url))
        elif data.get("is_video"):
            media.append(Media(type="video", url=url))
        return Post(
            kind="reddit",
            external_id=s.fullname,
            url="https://www.reddit.com" + str(data.get("permalink") or ""),
            author_handle=_author(s),
            text=f"{title}\n\n{body}".strip(),
            created_at=datetime.fromtimestamp(float(s.created_utc), UTC),
            media=tuple(media),
            raw=_raw(s),
        )

    @staticmethod
    def _post_from_comment(c: Any, thread: str) -> Post:
        return Post(
            kind="reddit",
            external_id=c.fullname,
            url="https://www.reddit.com" + str(vars(c).get("permalink") or ""),
            author_handle=_author(c),
            text=str(vars(c).get("body") or ""),
            created_at=datetime.fromtimestamp(float(c.created_utc), UTC),
            raw=_raw(c),
            parent_external_id=thread,
        )


def _author(thing: Any) -> str:
    author = vars(thing).get("author")
    return str(vars(author).get("name", author)) if author is not None else "[deleted]"


def _raw(thing: Any) -> dict[str, Any]:
    data = {k: v for k, v in vars(thing).items() if not k.startswith("_") and k not in ("comments",)}
    return dict(cursors.jsonable(data))
