"""Gatepost's benchmarks, run by one command, printing one table: `.venv/bin/python -m benchmarks`.

Figures, not timed tests: nothing here passes or fails; the table shows each figure
beside its target.  Sizes default to the issue's full sizes; `--quick` shrinks them for
a smoke run.  PostgreSQL figures use a benchmark database created on 127.0.0.1 and
dropped at the end.  Post text is generated and never printed.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib.util
import io
import json
import os
import random
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import create_engine, select, text

from review_queue.db import Database

PG_ADMIN_URL = os.environ.get("GATEPOST_BENCH_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
REDIS_URL = os.environ.get("GATEPOST_BENCH_REDIS_URL", "redis://127.0.0.1:6379/0")
REPO = Path(__file__).resolve().parents[1]
# Full sizes, from the issue.
CONSOLE_POSTS = 1_000_000
CONSOLE_ITEMS = 50_000
INGEST_POSTS = 20_000
# Latency samples per console measurement: enough for a stable p95.
SAMPLES = 200
SEVERITIES = (("urgent", 4), ("high", 3), ("medium", 2), ("low", 1))
CATEGORIES = ("abuse_of_staff", "threats", "child_identification", "misinformation")
SOURCES = ("reddit", "x", "bluesky", "mastodon", "rss")


@dataclass
class Row:
    name: str
    value: str
    target: str = ""
    note: str = ""


# ------------------------------------------------------------------ helpers


@contextlib.contextmanager
def pg_database(label: str) -> Iterator[str]:
    """A fresh PostgreSQL database for one benchmark, dropped afterwards."""
    name = f"gatepost_bench_{label}_{uuid.uuid4().hex[:8]}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + name
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def write_sample(directory: Path, posts: int) -> Path:
    """A school profile with one sample source of `posts` posts that mention it."""
    lines = io.StringIO()
    for i in range(posts):
        lines.write(
            json.dumps(
                {
                    "id": f"b{i}",
                    "author": f"parent_{i % 997}",
                    "platform": SOURCES[i % 5],
                    "text": f"Hollybrook post {i}: pickup was chaos again, words words words",
                    "created_at": "2026-11-02T09:00:00+00:00",
                }
            )
            + "\n"
        )
    (directory / "posts.jsonl").write_text(lines.getvalue(), encoding="utf-8")
    profile = directory / "school.toml"
    profile.write_text(
        '[school]\nname = "Hollybrook Primary School"\naliases = ["Hollybrook"]\n\n'
        '[[sources]]\nkind = "sample"\npath = "posts.jsonl"\n',
        encoding="utf-8",
    )
    return profile


# A slow measurement stops sampling after this long (with at least MIN_SAMPLES), so one
# slow query cannot hold the whole run for an hour.
SAMPLE_BUDGET_SECONDS = 30.0
MIN_SAMPLES = 10


def p95_ms(fn: Callable[[], object], samples: int) -> tuple[float, float, int]:
    times: list[float] = []
    started = time.perf_counter()
    for _ in range(samples):
        t = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t) * 1000)
        if len(times) >= MIN_SAMPLES and time.perf_counter() - started > SAMPLE_BUDGET_SECONDS:
            break
    times.sort()
    return statistics.median(times), times[max(0, int(len(times) * 0.95) - 1)], len(times)


# ------------------------------------------------------------------ ingest


def bench_ingest(url: str, posts: int, label: str) -> Row:
    from monitor import build
    from monitor.jobs.fetch import run_source
    from monitor.settings import load_profile

    with tempfile.TemporaryDirectory() as tmp:
        profile = load_profile(write_sample(Path(tmp), posts))
        db = Database(url)
        db.upgrade()
        with db.session_scope() as s:
            _, pairs = build.register_school(s, profile)
            source_id, config = pairs[0][0].id, pairs[0][1]
        t = time.perf_counter()
        result = run_source(db, profile, source_id, config, budget_seconds=3600)
        elapsed = time.perf_counter() - t
        db.dispose()
    assert result.ok and result.stored == posts, result.error
    return Row(
        f"ingest, {label}",
        f"{posts / elapsed:,.0f} posts/s",
        "≥ 5,000/s",
        f"{posts:,} posts in sample batches of 200, each batch + cursor one transaction",
    )


# ------------------------------------------------------------------ console and reports at size


def load_console_data(url: str, posts: int, items: int) -> tuple[int, int]:
    """Bulk-load one school with `posts` posts and `items` queue items (COPY), plus decisions."""
    import psycopg

    db = Database(url)
    db.upgrade()
    db.dispose()
    rng = random.Random(5)
    now = datetime.now(UTC)
    with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://")) as conn:
        school_id = conn.execute(
            "INSERT INTO schools (slug, name, created_at) VALUES "
            "('bench', 'Bench Academy', now()) RETURNING id"
        ).fetchone()[0]  # type: ignore[index]
        user_id = conn.execute(
            "INSERT INTO users (email, role, password_hash, school_id, disabled, created_at) "
            "VALUES ('dsl@bench.example', 'dsl', 'x', %s, false, now()) RETURNING id",
            (school_id,),
        ).fetchone()[0]  # type: ignore[index]
        cols = (
            "id, school_id, kind, external_id, url, author_handle, text, created_at, captured_at, media, raw,"
            " content_hash, evidence_hash"
        )
        with conn.cursor().copy(f"COPY posts ({cols}) FROM STDIN") as copy:
            for i in range(1, posts + 1):
                at = now - timedelta(minutes=posts - i)
                copy.write_row(
                    (
                        i,
                        school_id,
                        SOURCES[i % 5],
                        f"e{i}",
                        f"https://example.test/{i}",
                        f"parent_{i % 5000}",
                        f"Bench post {i} about Hollybrook pickup and the head",
                        at,
                        at,
                        "[]",
                        "{}",
                        "0" * 64,
                        "1" * 64,
                    )
                )
        conn.execute("SELECT setval('posts_id_seq', %s)", (posts,))
        flagged = sorted(rng.sample(range(1, posts + 1), items))
        with conn.cursor().copy(
            "COPY judgements (id, post_id, model_version, flags, scores, severity, evidence, "
            "recognised, judged_at) FROM STDIN"
        ) as copy:
            for n, pid in enumerate(flagged, 1):
                sev = SEVERITIES[pid % 4][0]
                copy.write_row(
                    (
                        n,
                        pid,
                        "bench",
                        json.dumps([CATEGORIES[pid % 4]]),
                        "{}",
                        sev,
                        json.dumps([{"start": 0, "end": 5, "category": CATEGORIES[pid % 4]}]),
                        "[]",
                        now,
                    )
                )
        conn.execute("SELECT setval('judgements_id_seq', %s)", (items,))
        with conn.cursor().copy(
            "COPY review_items (id, post_id, school_id, status, severity, severity_rank, "
            "categories, created_at, due_at) FROM STDIN"
        ) as copy:
            for n, pid in enumerate(flagged, 1):
                sev, rank = SEVERITIES[pid % 4]
                # Most items are decided long ago; a realistic few hundred wait.
                status = "open" if n % 100 == 0 else ("confirmed" if n % 3 else "dismissed")
                at = now - timedelta(minutes=posts - pid)
                copy.write_row(
                    (
                        n,
                        pid,
                        school_id,
                        status,
                        sev,
                        rank,
                        json.dumps([CATEGORIES[pid % 4]]),
                        at,
                        at + timedelta(hours=24),
                    )
                )
        conn.execute("SELECT setval('review_items_id_seq', %s)", (items,))
        with conn.cursor().copy(
            "COPY decisions (item_id, user_id, action, categories, reason, created_at) FROM STDIN"
        ) as copy:
            for n in range(1, items + 1):
                if n % 100:
                    copy.write_row(
                        (
                            n,
                            user_id,
                            "confirm" if n % 3 else "dismiss",
                            json.dumps([CATEGORIES[n % 4]]),
                            "bench reason",
                            now,
                        )
                    )
        conn.execute("ANALYZE")
        conn.commit()
    return school_id, user_id


def bench_console(url: str, school_id: int, user_id: int, samples: int) -> list[Row]:
    from classifiers.policy import read_policy
    from config import POLICY_PATH
    from review_queue.models import ReviewItem, User
    from review_queue.queue import QueueFilter
    from review_queue.web import views

    policy = read_policy(POLICY_PATH)
    db = Database(url)
    rows = []
    with db.session_scope() as s:
        user = s.get_one(User, user_id)
        open_ids = list(s.scalars(select(ReviewItem.id).where(ReviewItem.status == "open")))
        s.expunge(user)

    def queue_list() -> None:
        with db.session_scope() as s:
            views.queue_page(s, s.merge(user, load=False), QueueFilter(), policy)

    def decided_list() -> None:
        with db.session_scope() as s:
            views.queue_page(s, s.merge(user, load=False), QueueFilter(status="confirmed"), policy)

    def searched_list() -> None:
        with db.session_scope() as s:
            views.queue_page(s, s.merge(user, load=False), QueueFilter(status="", q="post 4711"), policy)

    ids = iter(random.Random(7).choices(open_ids, k=samples * 2))

    def detail() -> None:
        with db.session_scope() as s:
            assert views.item_detail(s, s.merge(user, load=False), next(ids), policy) is not None

    for name, fn in (
        ("console queue list (open)", queue_list),
        ("console queue list (confirmed)", decided_list),
        ("console queue search (every status)", searched_list),
        ("console item detail", detail),
    ):
        fn()  # warm caches, as a running server would be
        med, p95, n = p95_ms(fn, samples)
        rows.append(
            Row(
                name,
                f"p95 {p95:.1f} ms (median {med:.1f})",
                "p95 < 100 ms",
                f"review_queue.web.views functions the web handlers call; {n} samples",
            )
        )
    db.dispose()
    return rows


def bench_reports(url: str, school_id: int) -> list[Row]:
    from classifiers.policy import read_policy
    from config import POLICY_PATH

    policy = read_policy(POLICY_PATH)
    db = Database(url)
    rows = []
    try:
        from review_queue.oversight.digest import build_digest, render_digest

        def digest() -> None:
            with db.session_scope() as s:
                render_digest(
                    build_digest(
                        s,
                        school_id,
                        datetime.now(UTC),
                        timezone="Europe/London",
                        base_url="https://gatepost.example",
                        policy=policy,
                    )
                )

        digest()
        t = time.perf_counter()
        digest()
        rows.append(
            Row(
                "weekly digest (build + render)",
                f"{time.perf_counter() - t:.2f} s",
                "< 2 s",
                "review_queue.oversight.digest",
            )
        )
    except ImportError:
        rows.append(Row("weekly digest", "n/a", "< 2 s", "review_queue.oversight.digest not present"))
    from review_queue.oversight import termly, trends

    def termly_report() -> int:
        now = datetime.now(UTC)
        with db.session_scope() as s:
            report = trends.school_trends(
                s, school_id, "Benchmark School", now, timezone="Europe/London", policy=policy
            )
        return len(termly.render_pdf(termly.render_html(report, now, "Europe/London")))

    termly_report()
    t = time.perf_counter()
    size = termly_report()
    rows.append(
        Row(
            "termly report (aggregates + HTML + PDF)",
            f"{time.perf_counter() - t:.2f} s",
            "< 2 s",
            f"review_queue.oversight.trends + termly; {size // 1024} KiB PDF",
        )
    )
    db.dispose()
    return rows


# ------------------------------------------------------------------ memory


def bench_worker_rss(url: str, posts: int) -> Row:
    """Peak RSS of a real `gatepost worker` (main process + pool) running one source of `posts` posts."""
    from monitor import tasks
    from monitor.settings import load_profile, load_settings, source_key

    prefix = f"gatepost-bench-{uuid.uuid4().hex[:8]}:"
    with tempfile.TemporaryDirectory() as tmp:
        profile = write_sample(Path(tmp), posts)
        env = {k: v for k, v in os.environ.items() if not k.startswith("GATEPOST_")}
        env.update(
            GATEPOST_HOME=tmp,
            GATEPOST_DATABASE_URL=url,
            GATEPOST_BROKER_URL=REDIS_URL,
            GATEPOST_BROKER_KEY_PREFIX=prefix,
            PYTHONPATH=str(REPO),
            GATEPOST_LOG_LEVEL="WARNING",
        )
        db = Database(url)
        db.upgrade()
        proc = subprocess.Popen(
            [sys.executable, "-m", "monitor.cli", "worker", "--concurrency=1"],
            env=env,
            cwd=REPO,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        try:
            settings = load_settings(env=env)
            key = source_key(load_profile(profile).sources[0])
            assert tasks.enqueue(settings, tasks.RUN_SOURCE, ["", str(profile), key])
            peak = 0
            deadline = time.monotonic() + 600
            while time.monotonic() < deadline:
                peak = max(peak, _tree_hwm_kb(proc.pid))
                with db.session_scope() as s:
                    n = s.scalar(text("SELECT count(*) FROM posts"))
                if n == posts:
                    break
                time.sleep(0.2)
            peak = max(peak, _tree_hwm_kb(proc.pid))
        finally:
            os.killpg(proc.pid, 15)
            proc.wait(30)
            db.dispose()
            _delete_keys(prefix)
    return Row(
        "peak RSS, worker",
        f"{peak / 1024:.0f} MB",
        "",
        f"main + pool process, one run of {posts:,} posts "
        "(classification not included: its model is loaded only when judging)",
    )


# Page views the web process answers before its peak RSS is read: each round is the open
# queue, a decided list and one item, so the figure includes a full page of 200 rows.
WEB_ROUNDS = 30


def bench_web_rss(url: str, user_id: int, rounds: int) -> Row:
    """Peak RSS of a real `gatepost serve` answering queue and item pages on the console database."""
    import httpx

    from review_queue.accounts import hash_password

    password = f"bench-{uuid.uuid4().hex}"
    db = Database(url)
    with db.session_scope() as s:
        s.execute(
            text("UPDATE users SET password_hash = :h WHERE id = :id"),
            {"h": hash_password(password), "id": user_id},
        )
        email = s.scalar(text("SELECT email FROM users WHERE id = :id"), {"id": user_id})
        open_ids = list(
            s.scalars(text("SELECT id FROM review_items WHERE status = 'open' ORDER BY id LIMIT 50"))
        )
    db.dispose()
    with contextlib.closing(socket.socket()) as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with tempfile.TemporaryDirectory() as tmp:
        env = {k: v for k, v in os.environ.items() if not k.startswith("GATEPOST_")}
        env.update(
            GATEPOST_HOME=tmp,
            GATEPOST_DATABASE_URL=url,
            GATEPOST_HOST="127.0.0.1",
            GATEPOST_PORT=str(port),
            GATEPOST_SECRET_KEY=uuid.uuid4().hex,
            PYTHONPATH=str(REPO),
            GATEPOST_LOG_LEVEL="WARNING",
        )
        proc = subprocess.Popen(
            [sys.executable, "-m", "monitor.cli", "serve"],
            env=env,
            cwd=REPO,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        try:
            with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=60) as client:
                deadline = time.monotonic() + 60
                while True:
                    try:
                        form = client.get("/signin").text
                        break
                    except httpx.TransportError:
                        if proc.poll() is not None or time.monotonic() > deadline:
                            raise
                        time.sleep(0.2)
                found = re.search(r'name="csrf" value="([^"]+)"', form)
                assert found, "no CSRF token on the sign-in page"
                signin = {"email": email, "password": password, "next": "/", "csrf": found.group(1)}
                assert client.post("/signin", data=signin).status_code == 303
                for n in range(rounds):
                    for path in (
                        "/queue",
                        "/queue?status=confirmed",
                        f"/items/{open_ids[n % len(open_ids)]}",
                    ):
                        response = client.get(path)
                        assert response.status_code == 200, (path, response.status_code)
            peak = _tree_hwm_kb(proc.pid)
        finally:
            os.killpg(proc.pid, 15)
            proc.wait(30)
    return Row(
        "peak RSS, web",
        f"{peak / 1024:.0f} MB",
        "",
        f"`gatepost serve` after {rounds} rounds of open queue, decided list and one item, console size",
    )


def _tree_hwm_kb(pid: int) -> int:
    """The largest VmHWM among a process and its children (the pool)."""
    pids = [pid]
    with contextlib.suppress(OSError):
        pids += [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    best = 0
    for p in pids:
        with contextlib.suppress(OSError):
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    best = max(best, int(line.split()[1]))
    return best


def _delete_keys(prefix: str) -> None:
    import redis

    client = redis.Redis.from_url(REDIS_URL)
    keys = list(client.scan_iter(match=f"{prefix}*"))
    if keys:
        client.delete(*keys)
    client.close()


# ------------------------------------------------------------------ judgement (another benchmark's)


def bench_judgement(quick: bool) -> list[Row]:
    if importlib.util.find_spec("benchmarks.judgement") is None:
        return [Row("judgement", "n/a", "≥ 2,000/s per core", "benchmarks/judgement.py not present yet")]
    args = [sys.executable, "-m", "benchmarks.judgement"] + (["--quick"] if quick else [])
    out = subprocess.run(args, cwd=REPO, capture_output=True, text=True, timeout=1800)
    lines = [ln for ln in out.stdout.splitlines() if ln.strip()]
    return [
        Row(
            "judgement",
            lines[-1] if lines else f"failed (exit {out.returncode})",
            "≥ 2,000/s per core",
            "benchmarks/judgement.py, last line of its output",
        )
    ]


# ------------------------------------------------------------------ main


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, for a smoke run")
    parser.add_argument(
        "--posts", type=int, help=f"posts in the console database (default {CONSOLE_POSTS:,})"
    )
    parser.add_argument(
        "--items", type=int, help=f"queue items in the console database (default {CONSOLE_ITEMS:,})"
    )
    parser.add_argument("--ingest", type=int, help=f"posts per ingest run (default {INGEST_POSTS:,})")
    parser.add_argument(
        "--only",
        action="append",
        choices=["ingest", "judgement", "console", "memory"],
        help="run only these (repeatable)",
    )
    args = parser.parse_args(argv)
    posts = args.posts or (20_000 if args.quick else CONSOLE_POSTS)
    items = args.items or (1_000 if args.quick else CONSOLE_ITEMS)
    ingest = args.ingest or (2_000 if args.quick else INGEST_POSTS)
    samples = 30 if args.quick else SAMPLES
    only = set(args.only or ["ingest", "judgement", "console", "memory"])
    rows: list[Row] = []

    def step(label: str) -> None:
        print(f"... {label}", file=sys.stderr, flush=True)

    if "ingest" in only:
        step("ingest on SQLite")
        with tempfile.TemporaryDirectory() as tmp:
            rows.append(bench_ingest(f"sqlite:///{tmp}/bench.db", ingest, "SQLite"))
        step("ingest on PostgreSQL")
        with pg_database("ingest") as url:
            rows.append(bench_ingest(url, ingest, "PostgreSQL"))
    if "judgement" in only:
        step("judgement")
        rows += bench_judgement(args.quick)
    if "console" in only:
        step(f"loading {posts:,} posts and {items:,} items into PostgreSQL")
        with pg_database("console") as url:
            t = time.perf_counter()
            school_id, user_id = load_console_data(url, posts, items)
            rows.append(
                Row(
                    "bulk load (COPY)",
                    f"{time.perf_counter() - t:.0f} s",
                    "",
                    f"{posts:,} posts, {items:,} items, decisions",
                )
            )
            step("console latency")
            rows += bench_console(url, school_id, user_id, samples)
            step("reports")
            rows += bench_reports(url, school_id)
            if "memory" in only:
                step("web memory")
                rows.append(bench_web_rss(url, user_id, 5 if args.quick else WEB_ROUNDS))
    if "memory" in only:
        step("worker memory")
        with pg_database("memory") as url:
            rows.append(bench_worker_rss(url, ingest))

    width = max(len(r.name) for r in rows)
    vwidth = max(len(r.value) for r in rows)
    print(f"\n{'benchmark':<{width}}  {'measured':<{vwidth}}  {'target':<13}  note")
    print(f"{'-' * width}  {'-' * vwidth}  {'-' * 13}  ----")
    for r in rows:
        print(f"{r.name:<{width}}  {r.value:<{vwidth}}  {r.target:<13}  {r.note}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
