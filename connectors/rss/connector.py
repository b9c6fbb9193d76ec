"""Turn RSS/Atom entries into `Post`s; the cursor is the feed's ETag and Last-Modified.

A feed is a window, not a stream: each fetch returns the latest N entries, and the
store drops those already captured.  The cursor therefore only holds the validators
for a conditional GET (a 304 costs nothing) and moves in the run's last batch.
Google Alerts wraps every link in a google.com/url redirect; the real address is
unwrapped so the evidence points at the page itself and two feeds carrying the same
article store it once.
"""

from __future__ import annotations

import calendar
import hashlib
import re
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from typing import Annotated, Any, ClassVar, Literal
from urllib.parse import parse_qs, urlsplit

import feedparser
import pydantic

from connectors import cursors
from connectors.base import Batch, ConnectorError, Post, SchoolQuery, SourceConfig, short_address, web_address
from connectors.html import html_to_text
from connectors.matching import SchoolMatcher
from connectors.rss.client import get_feed

# Entries per batch.
BATCH_SIZE = 100
# The posts table's external_id column holds this many characters; longer links are hashed.
MAX_ID_CHARS = 200


class RssConfig(SourceConfig):
    kind: Literal["rss"] = "rss"
    # http(s) only: a file:// feed would read the server's own files into the queue.
    url: Annotated[str, pydantic.AfterValidator(web_address)]

    def describe(self) -> str:
        parts = urlsplit(self.url)
        if parts.hostname in ("google.com", "www.google.com") and parts.path.startswith("/alerts/feeds/"):
            # The last part of a Google Alerts feed's address tells one alert from another.
            return f"rss Google Alert {parts.path.rstrip('/').rsplit('/', 1)[-1]}"
        return f"rss {short_address(self.url)}"


# A numeric character reference: &#55296; or &#xD800;.
_REFERENCE = re.compile(rb"&#([xX][0-9a-fA-F]{1,16}|[0-9]{1,20});")


def _safe_references(body: bytes) -> bytes:
    """References to characters that cannot exist (a lone surrogate, past U+10FFFF, NUL)
    made feedparser raise for the whole feed: they become U+FFFD before it reads them."""

    def fix(m: re.Match[bytes]) -> bytes:
        digits = m.group(1)
        n = int(digits[1:], 16) if digits[:1] in b"xX" else int(digits)
        return m.group(0) if 0 < n <= 0x10FFFF and not 0xD800 <= n <= 0xDFFF else b"&#xFFFD;"

    return _REFERENCE.sub(fix, body)


def unwrap_link(link: str) -> str:
    """The real address behind a Google redirect link (Google Alerts), else the link itself."""
    parts = urlsplit(link)
    host = parts.netloc.lower()
    if (host.startswith("www.google.") or host.startswith("google.")) and parts.path == "/url":
        query = parse_qs(parts.query)
        for key in ("url", "q"):
            target = query.get(key, [""])[0]
            if target.startswith(("http://", "https://")):
                return target
    return link


class RssConnector:
    """Entries of one RSS or Atom feed that mention the school."""

    kind: ClassVar[str] = "rss"
    secrets: ClassVar[tuple[str, ...]] = ()
    optional_secrets: ClassVar[tuple[str, ...]] = ()

    def __init__(self, config: RssConfig, school: SchoolQuery, secrets: Mapping[str, str] | None = None):
        self.config = config
        self.matcher = SchoolMatcher(school)
        self.allow_private_hosts = school.allow_private_hosts

    def fetch(self, cursor: str | None) -> Iterator[Batch]:
        state = cursors.load(cursor)
        response = get_feed(
            self.config.url,
            state.get("etag"),
            state.get("modified"),
            allow_private_hosts=self.allow_private_hosts,
        )
        if response.body is None:
            yield Batch(posts=[], cursor=cursor)
            return
        try:
            feed = feedparser.parse(_safe_references(response.body))
        except (UnicodeError, ValueError, RecursionError) as exc:
            raise ConnectorError(f"rss: not a readable feed ({type(exc).__name__})") from exc
        if feed.get("bozo") and not feed.get("entries"):
            raise ConnectorError("rss: not a readable feed (malformed XML)")
        source_name = html_to_text(str(feed.get("feed", {}).get("title") or ""))
        posts = [p for p in (_post(e, source_name) for e in feed.entries) if self.matcher.mentions(p.text)]
        new_cursor = cursors.dump(
            {k: v for k, v in (("etag", response.etag), ("modified", response.modified)) if v}
        )
        for i in range(0, len(posts), BATCH_SIZE):
            last = i + BATCH_SIZE >= len(posts)
            yield Batch(posts=posts[i : i + BATCH_SIZE], cursor=new_cursor if last else cursor)
        if not posts:
            yield Batch(posts=[], cursor=new_cursor)


def _post(entry: Any, source_name: str) -> Post:
    link = unwrap_link(str(entry.get("link") or ""))
    title = html_to_text(str(entry.get("title") or ""))
    summary = html_to_text(str(entry.get("summary") or ""))
    ident = link or str(entry.get("id") or "") or hashlib.sha256((title + summary).encode()).hexdigest()
    if len(ident) > MAX_ID_CHARS:
        ident = "sha256:" + hashlib.sha256(ident.encode()).hexdigest()
    stamp = entry.get("published_parsed") or entry.get("updated_parsed")
    created = datetime.fromtimestamp(calendar.timegm(stamp), UTC) if stamp else datetime.now(UTC)
    return Post(
        kind="rss",
        external_id=ident,
        url=link,
        author_handle=str(entry.get("author") or source_name),
        text=f"{title}\n\n{summary}".strip(),
        created_at=created,
        raw=cursors.jsonable({k: v for k, v in dict(entry).items() if not k.endswith("_parsed")}),
    )
