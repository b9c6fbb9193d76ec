"""The connector interface: `Post`, `Media`, `Batch`, `ConnectorError` and `Connector`.

A connector has a stable lowercase `kind` (stored in the database: never rename one).
It is built from its typed section of the school profile with secrets already
resolved, and never reads the environment or files itself.  Its one method,
`fetch(cursor)`, takes the last stored cursor (None on a first run) and yields
`Batch`es.  Each batch is some posts plus the cursor that becomes true once they are
stored.  The caller may abandon the iterator at any point; that must be safe, because
the caller stores a batch and its cursor in one transaction and nothing else.

Errors, the whole hierarchy:

    ConnectorError(permanent=False)   timeouts, 5xx, rate limits: try again later
    ConnectorError(permanent=True)    revoked credentials, banned subreddit: needs a person

Messages carry ids and status codes, never post text.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator, Mapping, Sequence
from datetime import datetime
from typing import Annotated, Any, ClassVar, Literal, Protocol, runtime_checkable
from urllib.parse import urlsplit

import pydantic

# Posts longer than this are cut when a Post is made: post content is hostile input
# and nothing legitimate on a school's social media needs more.
MAX_TEXT_CHARS = 20_000

MediaType = Literal["image", "video"]


@dataclasses.dataclass(frozen=True, slots=True)
class Media:
    """An attachment, by reference.  Its bytes are never part of a Post."""

    type: MediaType
    url: str
    alt_text: str = ""

    def to_json(self) -> dict[str, str]:
        return {"type": self.type, "url": self.url, "alt_text": self.alt_text}


@dataclasses.dataclass(frozen=True, slots=True)
class Post:
    """One public post, in Gatepost's own shape; nothing platform-shaped gets past a connector."""

    kind: str
    external_id: str
    url: str
    author_handle: str
    text: str
    created_at: datetime
    media: tuple[Media, ...] = ()
    raw: dict[str, Any] = dataclasses.field(default_factory=dict)
    # The external id of the thread or post this one answers, when the platform says.
    parent_external_id: str | None = None

    def __post_init__(self) -> None:
        if len(self.text) > MAX_TEXT_CHARS:
            object.__setattr__(self, "text", self.text[:MAX_TEXT_CHARS])


@dataclasses.dataclass(frozen=True, slots=True)
class SetAside:
    """A record that could not become a stored post, and why: shown to the operator, never post text."""

    ref: str  # the platform's id for it, or a line number: something the operator can look up
    reason: str


@dataclasses.dataclass(frozen=True, slots=True)
class Batch:
    """Posts plus the cursor that is true once they (and every earlier batch) are stored.

    `set_aside` holds the records of this stretch that were not made into posts (a line
    that is not JSON, a payload nested too deep): the cursor moves past them, so one bad
    record never stops its source, and the operator sees each one in `gatepost sources`.
    """

    posts: list[Post]
    cursor: str | None
    # What the batch cost against a platform budget (X charges per post read).
    reads: int = 0
    set_aside: tuple[SetAside, ...] = ()


class ConnectorError(Exception):
    """A source failed; `permanent` says whether trying again later can help."""

    def __init__(self, message: str, *, permanent: bool = False, retry_after: float | None = None):
        super().__init__(message)
        self.permanent = permanent
        self.retry_after = retry_after


class Connector(Protocol):
    """What every connector is.  See the module docstring for the contract."""

    kind: ClassVar[str]
    # Environment variables it cannot run without (resolved by the caller, `VAR` or `VAR_FILE`).
    secrets: ClassVar[tuple[str, ...]]
    # Ones it uses when they are set (a Mastodon token widens search to statuses).
    optional_secrets: ClassVar[tuple[str, ...]]

    def __init__(self, config: Any, school: SchoolQuery, secrets: Mapping[str, str]) -> None: ...

    def fetch(self, cursor: str | None) -> Iterator[Batch]:
        """Yield batches newer than `cursor`.  May be abandoned part-way."""
        ...


@runtime_checkable
class Rechecks(Protocol):
    """A connector that can look its posts up again by id: each id maps to the post as it is
    now, or None when it was deleted or can no longer be seen."""

    def recheck(self, external_ids: Sequence[str]) -> dict[str, Post | None]: ...


# `short_address` keeps addresses to about this many characters: a terminal column.
SHORT_ADDRESS_CHARS = 60


def short_address(url: str) -> str:
    """An address as a label: host and path, no scheme, "www.", query or fragment.

    The query is left out because a feed's may carry a token.  A long one keeps its
    start and its end (where feeds put their ids) around an ellipsis.
    """
    parts = urlsplit(url)
    host = (parts.hostname or "").removeprefix("www.")
    if parts.port:
        host = f"{host}:{parts.port}"
    text = host + parts.path.rstrip("/")
    if len(text) <= SHORT_ADDRESS_CHARS:
        return text
    half = (SHORT_ADDRESS_CHARS - 1) // 2
    return f"{text[:half]}…{text[-half:]}"


def web_address(value: str | None) -> str | None:
    """An http(s) address with a host; anything else (file://, gopher://, a bare path) is refused."""
    if value is None:
        return None
    parts = urlsplit(value.strip())
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        raise ValueError(f"{value!r} is not an http(s) address")
    return value.strip()


class SourceConfig(pydantic.BaseModel):
    """A `[[sources]]` entry of the school profile.  Each connector narrows `kind`.

    Unknown keys are refused (the settings loader turns that into one line that
    names the file, the key and the fix).
    """

    model_config = pydantic.ConfigDict(extra="forbid", frozen=True)

    kind: str
    interval_minutes: int = pydantic.Field(default=15, ge=1, le=24 * 60)
    # The platform's API address: self-hosted instances, proxies and tests.
    api_base: Annotated[str | None, pydantic.AfterValidator(web_address)] = None
    # What the operator calls this source ("Parents' Facebook group feed"); shown instead of
    # `describe()`.  Not part of the stored key: renaming a source keeps its cursor.
    name: (
        Annotated[str, pydantic.StringConstraints(strip_whitespace=True, min_length=1, max_length=80)] | None
    ) = None

    def describe(self) -> str:
        """What this source reads, in a few words a person recognises: "rss news.example.com/feed.xml".

        Each connector's config says it for its own platform; never a secret, never post text.
        """
        return self.kind

    def label(self) -> str:
        """The operator's `name` for this source if it has one, else `describe()`."""
        return self.name or self.describe()


@dataclasses.dataclass(frozen=True, slots=True)
class SchoolQuery:
    """What a connector needs to know about the school to search for it."""

    name: str
    aliases: tuple[str, ...] = ()
    town: str | None = None
    exclude: tuple[str, ...] = ()
    # The profile's `allow_private_hosts`: off, a feed that redirects to a private or local
    # address is refused (connectors/addresses.py).
    allow_private_hosts: bool = False

    @property
    def terms(self) -> tuple[str, ...]:
        """The school's name and aliases, longest first, without repeats."""
        seen: dict[str, None] = {}
        for term in (self.name, *self.aliases):
            if term.strip():
                seen.setdefault(term.strip(), None)
        return tuple(sorted(seen, key=len, reverse=True))
