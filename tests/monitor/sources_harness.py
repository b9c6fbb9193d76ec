"""Every fake platform at once, seeded with posts about Hollybrook (and decoys), plus a profile for them.

Used by the fetch, sources and crash tests: the real connectors, through the real
runner, against fake servers on 127.0.0.1.
"""

from __future__ import annotations

import contextlib
import dataclasses
import time
from collections.abc import Iterator
from pathlib import Path

from connectors.bluesky.client import SESSIONS
from tests.fakes.bluesky import APP_PASSWORD, HANDLE, FakeBluesky
from tests.fakes.mastodon import FakeMastodon
from tests.fakes.reddit import CLIENT_ID, CLIENT_SECRET, FakeReddit
from tests.fakes.rss import FakeFeeds
from tests.fakes.x import BEARER, FakeX

NOW = time.time()


@dataclasses.dataclass
class Platforms:
    reddit: FakeReddit
    x: FakeX
    bluesky: FakeBluesky
    mastodon: FakeMastodon
    feeds: FakeFeeds

    def env(self) -> dict[str, str]:
        return {
            "GATEPOST_REDDIT_CLIENT_ID": CLIENT_ID,
            "GATEPOST_REDDIT_CLIENT_SECRET": CLIENT_SECRET,
            "GATEPOST_X_BEARER_TOKEN": BEARER,
            "GATEPOST_BLUESKY_APP_PASSWORD": APP_PASSWORD,
        }

    def profile(self, directory: Path) -> Path:
        path = directory / "school.toml"
        path.write_text(
            '[school]\nname = "Hollybrook Primary School"\naliases = ["Hollybrook", "HPS"]\n'
            "allow_private_hosts = true  # the fake platforms listen on 127.0.0.1\n"
            'town = "Ashby Fields"\nexclude = ["Hollybrook Garden Centre", "Hollybrook Road"]\n\n'
            f'[[sources]]\nkind = "reddit"\napi_base = "{self.reddit.base}"\nsubreddits = ["AshbyFields"]\n\n'
            f'[[sources]]\nkind = "x"\napi_base = "{self.x.base}"\ndaily_read_budget = 500\n\n'
            f'[[sources]]\nkind = "bluesky"\napi_base = "{self.bluesky.base}"\nhandle = "{HANDLE}"\n\n'
            f'[[sources]]\nkind = "mastodon"\napi_base = "{self.mastodon.base}"\n'
            'hashtags = ["Hollybrook"]\n\n'
            f'[[sources]]\nkind = "rss"\nurl = "{self.feeds.base}/alerts/feed.xml"\n',
            encoding="utf-8",
        )
        return path

    def seed(self) -> set[tuple[str, str]]:
        """Posts on every platform; returns the (kind, external id) of those that refer to the school."""
        wanted: set[tuple[str, str]] = set()
        t = self.reddit.add_submission(
            "Hollybrook head should resign", created=NOW - 300, subreddit="AshbyFields"
        )
        wanted.add(("reddit", t["name"]))
        c = self.reddit.add_comment(t, "agreed, total disgrace", created=NOW - 200)
        wanted.add(("reddit", c["name"]))
        self.reddit.add_submission("Hollybrook Garden Centre opening hours", created=NOW - 100)
        wanted.add(("x", self.x.add_tweet("HPS nativity chaos", username="ashby_dad")["id"]))
        self.x.add_tweet("Hollybrook Road is closed")
        wanted.add(("bluesky", self.bluesky.add_post("Hollybrook parents: meet at the gates")["uri"]))
        self.bluesky.add_post("Hollybrook Garden Centre has a sale")
        host = self.mastodon.base.removeprefix("http://")
        s = self.mastodon.add_status("<p>#Hollybrook staff are liars</p>", tags=("Hollybrook",))
        wanted.add(("mastodon", f"{host}:{s['id']}"))
        self.mastodon.add_status("<p>#Hollybrook Road roadworks</p>", tags=("Hollybrook",))
        self.feeds.add_item("Hollybrook Primary in the news", "https://ashbyecho.example/1")
        wanted.add(("rss", "https://ashbyecho.example/1"))
        self.feeds.add_item("Hollybrook Garden Centre wins award", "https://ashbyecho.example/2")
        return wanted


@contextlib.contextmanager
def platforms() -> Iterator[Platforms]:
    SESSIONS.clear()
    with FakeReddit() as r, FakeX() as x, FakeBluesky() as b, FakeMastodon() as m, FakeFeeds() as f:
        yield Platforms(r, x, b, m, f)
    SESSIONS.clear()
