"""The real connectors through the real runner against the local fake platforms: time and requests per source.

    .venv/bin/python -m benchmarks.sources [--posts N]

Each fake is seeded with N posts that mention the school (plus as many decoys); one
`fetch_school` run stores them, a second run finds nothing new.  Figures, not a test:
the fakes answer instantly, so this measures Gatepost's own cost (client libraries,
matching, storage on SQLite), not the platforms'.  Mastodon takes only the newest page
on a first run by design (so 40), Reddit reads at most 500 results per search
target per run, and X stops at the profile's `daily_read_budget` (500 here).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

from monitor.jobs.fetch import run_source
from monitor.settings import load_profile
from review_queue.db import Database
from tests.monitor.sources_harness import platforms


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.sources")
    parser.add_argument("--posts", type=int, default=1000, help="posts per platform that mention the school")
    args = parser.parse_args(argv)
    n = args.posts
    with tempfile.TemporaryDirectory() as tmp, platforms() as p:
        now = time.time()
        for i in range(n):
            p.reddit.add_submission(f"Hollybrook thread {i}", created=now - i, subreddit="AshbyFields")
            p.reddit.add_submission(f"Hollybrook Garden Centre offer {i}", created=now - i)
            p.x.add_tweet(f"HPS post {i}")
            p.x.add_tweet(f"Hollybrook Road traffic {i}")
            minute = f"{(i // 60) % 24:02d}:{i % 60:02d}"
            p.bluesky.add_post(f"Hollybrook post {i}", created=f"2026-11-21T{minute}:00.000Z")
            p.mastodon.add_status(f"<p>#Hollybrook status {i}</p>", tags=("Hollybrook",))
            p.feeds.add_item(f"Hollybrook news {i}", f"https://ashbyecho.example/{i}")
        profile = load_profile(p.profile(Path(tmp)))
        db = Database(f"sqlite:///{Path(tmp) / 'bench.db'}")
        db.upgrade()
        from monitor import build

        with db.session_scope() as session:
            _, pairs = build.register_school(session, profile)
            plan = [(s.id, c) for s, c in pairs]
        servers = {"reddit": p.reddit, "x": p.x, "bluesky": p.bluesky, "mastodon": p.mastodon, "rss": p.feeds}
        header = ("source", "stored", "first run", "posts/s", "requests", "second run")
        print("{:<10} {:>7} {:>10} {:>8} {:>9} {:>11}".format(*header))
        for source_id, config in plan:
            server = servers[config.kind]
            before = len(server.log)
            started = time.perf_counter()
            first = run_source(db, profile, source_id, config, env=p.env())
            took = time.perf_counter() - started
            requests = len(server.log) - before
            started = time.perf_counter()
            second = run_source(db, profile, source_id, config, env=p.env())
            again = time.perf_counter() - started
            if not (first.ok and second.ok):
                print(f"{config.kind}: failed: {first.error or second.error}", file=sys.stderr)
                return 1
            rate = first.stored / took if took else 0.0
            print(
                f"{config.kind:<10} {first.stored:>7} {took:>9.2f}s {rate:>8.0f} {requests:>9}"
                f" {again:>10.2f}s  (+{second.stored} new)"
            )
        db.dispose()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
