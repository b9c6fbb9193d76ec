"""The `sample` connector: reads posts from a JSONL file, with no network.

It powers the demo and the tests, and goes down the same road as real sources: the
cursor is the number of lines already consumed, so re-running yields only new lines.
Each line: `id`, `text`, and optionally `platform`, `author`, `url`, `created_at`
(ISO 8601), `media` (`[{"type", "url", "alt_text"}]`), `parent_id`.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import ClassVar, Literal

from connectors.base import Batch, ConnectorError, Media, Post, SchoolQuery, SetAside, SourceConfig
from connectors.matching import SchoolMatcher

# Lines per batch: small enough that a crash loses little work, big enough to be quick.
BATCH_SIZE = 200


class SampleConfig(SourceConfig):
    kind: Literal["sample"] = "sample"
    path: str

    def describe(self) -> str:
        return f"sample {Path(self.path).name}"


def post_from_json(data: Mapping[str, object], default_kind: str = "sample") -> Post:
    """Build a Post from one JSONL record (the `classify` and `sample` line shape)."""
    created_raw = data.get("created_at")
    created = datetime.fromisoformat(str(created_raw)) if created_raw else datetime.now(UTC)
    if created.tzinfo is None:
        created = created.replace(tzinfo=UTC)
    media_raw = data.get("media") or []
    media: list[Media] = []
    if isinstance(media_raw, list):
        for m in media_raw:
            if isinstance(m, dict) and m.get("type") in ("image", "video"):
                media.append(
                    Media(type=m["type"], url=str(m.get("url", "")), alt_text=str(m.get("alt_text", "")))
                )
    parent = data.get("parent_id")
    return Post(
        kind=str(data.get("platform") or default_kind),
        external_id=str(data["id"]),
        url=str(data.get("url") or ""),
        author_handle=str(data.get("author") or ""),
        text=str(data.get("text") or ""),
        created_at=created,
        media=tuple(media),
        raw=dict(data),
        parent_external_id=str(parent) if parent else None,
    )


class SampleConnector:
    """Yields the posts of a JSONL file that mention the school, BATCH_SIZE lines at a time."""

    kind: ClassVar[str] = "sample"
    secrets: ClassVar[tuple[str, ...]] = ()
    optional_secrets: ClassVar[tuple[str, ...]] = ()

    def __init__(self, config: SampleConfig, school: SchoolQuery, secrets: Mapping[str, str] | None = None):
        self.path = Path(config.path)
        self.matcher = SchoolMatcher(school)

    def fetch(self, cursor: str | None) -> Iterator[Batch]:
        done = int(cursor or 0)
        try:
            lines = self.path.read_text(encoding="utf-8").splitlines()
        except OSError as exc:
            raise ConnectorError(
                f"cannot read sample file {self.path}: {exc.strerror}", permanent=True
            ) from exc
        for start in range(done, len(lines), BATCH_SIZE):
            chunk = lines[start : start + BATCH_SIZE]
            posts, set_aside = [], []
            for lineno, line in enumerate(chunk, start + 1):
                if not line.strip():
                    continue
                try:
                    post = post_from_json(json.loads(line))
                except (ValueError, KeyError, TypeError, AttributeError, RecursionError) as exc:
                    # One bad line is set aside; the lines around it are still read.
                    set_aside.append(
                        SetAside(f"line {lineno}", f"not a valid post record ({type(exc).__name__})")
                    )
                    continue
                if self.matcher.mentions(post.text):
                    posts.append(post)
            yield Batch(posts=posts, cursor=str(start + len(chunk)), set_aside=tuple(set_aside))
