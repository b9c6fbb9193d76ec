"""The `gatepost` command line: parse arguments, load settings, call one job, print the result.

Each subcommand is a `cmd_*` function taking the parsed arguments; `build_parser`
registers them, and `gatepost --help` lists them in `COMMAND_GROUPS`' order, the order
an operator meets them.  Configuration errors, and a console port that is taken, print
one line and exit 2.
"""

from __future__ import annotations

import argparse
import errno
import json
import logging
import os
import socket
import sys
import tempfile
import textwrap
from collections.abc import Sequence
from pathlib import Path
from typing import Any, TextIO

from sqlalchemy import select

from config import DEMO_SCHOOL_PATH
from monitor import build, logs
from monitor.jobs.classify import classify_pending
from monitor.jobs.fetch import fetch_school
from monitor.settings import (
    Profile,
    Settings,
    StartupError,
    default_home,
    load_profile,
    load_settings,
    source_names,
)
from review_queue.db import Database
from review_queue.models import ROLES, Judgement, Post, ReviewItem, School
from review_queue.sources import SourceHealth

log = logging.getLogger("gatepost")

EXAMPLE_PROFILE = """\
# A Gatepost school profile.  Secrets never go here: see the README.
[school]
name = "Hollybrook Primary School"
aliases = ["Hollybrook", "Hollybrook Primary", "HPS"]
town = "Ashby Fields"
exclude = ["Hollybrook Garden Centre", "Hollybrook Road"]
# timezone = "Europe/London"   # times shown in, and the digest sent by (default: settings')

[[staff]]
name = "Denise Carter"
role = "Headteacher"
aliases = ["Mrs Carter"]

[contacts]
dsl = ["dsl@hollybrook.example"]

[[sources]]
kind = "rss"
interval_minutes = 60
url = "https://www.google.com/alerts/feeds/00000000000000000000/0000000000000000000"
# name = "Google Alert for the school's name"   # optional: what Gatepost calls this source
"""

# What `gatepost init` writes when there is no settings file yet: the profile it wrote is
# listed, so `fetch`, `run` and `serve` find it without --school.
EXAMPLE_SETTINGS = """\
# Gatepost settings.  Secrets never go here (Gatepost refuses to start if they do): the keys,
# tokens and the SMTP password come from GATEPOST_* environment variables (see
# docs/operators-guide.md, "Secrets").

# The school profiles this Gatepost serves (a trust lists each school's).
schools = [{schools}]

# Where the console listens, and the address people open (links in emails use it).
# host = "127.0.0.1"
# port = 8000
# base_url = "https://gatepost.your-school.example"
# timezone = "Europe/London"

# [smtp]
# host = "smtp.your-school.example"
# port = 587
# starttls = true
# username = "gatepost@your-school.example"
# from_address = "gatepost@your-school.example"
"""


# ------------------------------------------------------------------ helpers


def _settings(args: argparse.Namespace) -> Settings:
    return load_settings(getattr(args, "settings", None))


def _profiles(args: argparse.Namespace, settings: Settings) -> list[Profile]:
    paths = list(getattr(args, "school", None) or []) or list(settings.schools)
    if not paths:
        raise StartupError(
            "no school profile given; fix: pass --school FILE or list `schools` in settings.toml"
        )
    return [load_profile(p) for p in paths]


def private_file(path: str) -> TextIO:
    """Open `path` for writing as a file only its owner can read (0600), whatever was there before.

    Exports hold post text and handles: personal data.  An existing file keeps its inode
    under O_TRUNC, so its old mode is replaced explicitly.
    """
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.fchmod(fd, 0o600)
    return os.fdopen(fd, "w", encoding="utf-8")


def _database(settings: Settings) -> Database:
    db = build.database(settings)
    db.upgrade()
    return db


def _print_fetch(results: Sequence[Any], out: TextIO, names: dict[str, str]) -> None:
    for r in results:
        name = names.get(r.key, r.key)
        if r.skipped:
            status = "skipped (running elsewhere or backing off)"
            print(f"  {name:<40}  {status}", file=out)
            continue
        status = "ok" if r.ok else ("FAILED (permanent)" if r.permanent else "FAILED")
        line = f"  {name:<40}  {status:<20} {r.stored:>6} new of {r.seen:>6} seen"
        if r.set_aside:
            line += f", {r.set_aside} set aside (see gatepost sources)"
        if r.error:
            line += f"  {r.error}"
        print(line, file=out)


# ------------------------------------------------------------------ commands


def cmd_init(args: argparse.Namespace) -> int:
    """Create what is missing (settings, example profile, database), say where each is and what next."""
    settings_file = Path(args.settings) if args.settings else default_home() / "settings.toml"
    wrote_settings = not settings_file.exists()
    if wrote_settings:
        target = Path(args.profile or default_home() / "school.toml").absolute()
        settings_file.parent.mkdir(parents=True, exist_ok=True)
        settings_file.write_text(EXAMPLE_SETTINGS.format(schools=json.dumps(str(target))), encoding="utf-8")
    settings = load_settings(settings_file)
    target = Path(
        args.profile or (settings.schools[0] if settings.schools else settings.home / "school.toml")
    )
    _database(settings).dispose()
    wrote_profile = not target.exists()
    if wrote_profile:
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(EXAMPLE_PROFILE, encoding="utf-8")
    listed = target.absolute() in [Path(p).absolute() for p in settings.schools]

    def state(wrote: bool, what: str) -> str:
        return f"written now: {what}" if wrote else "already there, left alone"

    print("Gatepost is set up.")
    print(f"  settings  {settings_file}  ({state(wrote_settings, 'it lists the profile below')})")
    print(f"  profile   {target}  ({state(wrote_profile, 'an example to edit')})")
    sqlite = (
        "  (SQLite, readable by this user only)" if settings.database_url.startswith("sqlite:///") else ""
    )
    print(f"  database  {_database_place(settings)}{sqlite}")
    gatepost = "gatepost" + (f" --settings {args.settings}" if args.settings else "")
    school = "" if listed else f" --school {target}"
    print(
        f"""
Next:
  1. Edit the profile for your school: its name and aliases, staff, who gets urgent alerts
     ([contacts]) and the sources to read ([[sources]]).
  2. Read every source once and see what each found:
       {gatepost} fetch{school}
  3. Create your own account (it asks for a password), then the DSL's:
       {gatepost} users add you@your-school.example --role admin
       {gatepost} users add dsl@your-school.example --role dsl
  4. Start the console, at {settings.base_url}/ :
       {gatepost} serve
  5. Start the scheduler: it reads the sources at their intervals, sends urgent alerts and
     the weekly digest, and runs retention:
       {gatepost} run{school}
On a server, run 4 and 5 as services: docs/operators-guide.md."""
    )
    if not listed:
        print(f"\n{target} is not in `schools` in {settings_file}: add it there, or pass --school as above.")
    return 0


def _database_place(settings: Settings) -> str:
    """Where the data lives, for people: a SQLite file's path, or the server's URL without a password."""
    if settings.database_url.startswith("sqlite:///"):
        return settings.database_url.removeprefix("sqlite:///")
    from sqlalchemy.engine import make_url

    return make_url(settings.database_url).render_as_string(hide_password=True)


def cmd_fetch(args: argparse.Namespace) -> int:
    settings = _settings(args)
    db = _database(settings)
    failed = False
    for profile in _profiles(args, settings):
        print(f"{profile.school.name}:")
        results = fetch_school(db, profile)
        _print_fetch(results, sys.stdout, source_names(profile))
        failed = failed or any(not r.ok for r in results)
        if not args.no_classify:
            judged, queued = classify_pending(
                db, profile.slug, build.classifier(profile, settings), build.policy(settings)
            )
            print(f"  judged {judged} posts, {queued} new items in the review queue")
    return 1 if failed else 0


# `gatepost demo` prints a one-time sign-in link for each of these roles, with what it sees.
DEMO_ROLES = (
    ("dsl", "DSL", "reviews flagged posts; incidents, letters and platform reports"),
    ("headteacher", "headteacher", "reads flagged posts; incidents and letters; trends"),
    ("governor", "governor", "trends only: counts, never a name or a post"),
    ("trust", "trust", "trends for every school of the trust"),
)


def cmd_demo(args: argparse.Namespace) -> int:
    settings = _settings(args)
    # The port first: a taken one is said at once, not after the posts are judged.
    sock = None if args.no_serve else _listen(_address(args, settings))
    try:
        if sock is not None:
            settings = _listening_at(settings, sock)
        db = _database(settings)
        profile = load_profile(DEMO_SCHOOL_PATH)
        print(f"Gatepost demo: {profile.school.name} (database {_database_place(settings)})")
        _print_fetch(fetch_school(db, profile), sys.stdout, source_names(profile))
        judged, queued = classify_pending(
            db, profile.slug, build.classifier(profile, settings), build.policy(settings)
        )
        with db.session_scope() as session:
            school = session.scalars(select(School).where(School.slug == profile.slug)).one()
            waiting = session.query(ReviewItem).filter_by(school_id=school.id, status="open").count()
        print(f"  judged {judged} new posts, {queued} new items; {waiting} items waiting for review")
        _print_demo_signins(db, settings, school.id, serving=sock is not None)
        if sock is None:
            return 0
        return _serve(settings, db, sock)
    finally:
        if sock is not None:
            sock.close()


def _print_demo_signins(db: Database, settings: Settings, school_id: int, *, serving: bool) -> None:
    from review_queue.accounts import ONE_TIME_SIGNIN_TTL, demo_signin_link

    with db.session_scope() as session:
        links = [
            (
                title,
                sees,
                demo_signin_link(session, school_id=school_id, base_url=settings.base_url, role=role),
            )
            for role, title, sees in DEMO_ROLES
        ]
    hours = int(ONE_TIME_SIGNIN_TTL.total_seconds() // 3600)
    first = "See the console" if serving else "Start the console with `gatepost serve`, then see it"
    print(f"\n{first} as each role: open that role's link below in a browser.")
    print(f"Each works once, within {hours} hours; use a private window for each role you want open at once.")
    for title, sees, link in links:
        print(f"  {title:<12} {sees}\n  {'':<12} {link}")
    print("Fresh links: run `gatepost demo` again.  Real accounts: gatepost users add EMAIL --role ROLE")


def _address(args: argparse.Namespace, settings: Settings) -> tuple[str, int]:
    """Where the console listens: --host and --port, else the settings' host and port."""
    return args.host or settings.host, settings.port if args.port is None else args.port


def _listen(address: tuple[str, int]) -> socket.socket:
    """The console's listening socket.  A port that is taken (or not ours to use) is a StartupError:
    one line and exit 2, not uvicorn's traceback."""
    host, port = address
    where = f"{host}:{port}"
    try:
        return socket.create_server(address, family=socket.AF_INET6 if ":" in host else socket.AF_INET)
    except OSError as exc:
        if exc.errno == errno.EADDRINUSE:
            why = f"port {port} is already in use on {host} (another program, or another gatepost serve)"
            fix = "stop that program, or pass --port with a free port (or set port in settings.toml)"
        elif exc.errno == errno.EACCES:
            why = f"not allowed to listen on port {port} (ports below 1024 need root)"
            fix = "use a port from 1024 up, with a proxy in front (docs/operators-guide.md)"
        elif (
            exc.errno == errno.EADDRNOTAVAIL or (exc.errno or 0) < 0
        ):  # negative: a name that does not resolve
            why = f"cannot listen on {host}: it is not an address of this machine"
            fix = "pass --host 127.0.0.1 (this machine only) or 0.0.0.0 (every address)"
        else:
            why = f"cannot listen on {where} ({os.strerror(exc.errno) if exc.errno else type(exc).__name__})"
            fix = "check --host and --port (or host and port in settings.toml)"
        raise StartupError(f"{why}; fix: {fix}") from None


def _url(host: str, port: int) -> str:
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


def _listening_at(settings: Settings, sock: socket.socket) -> Settings:
    """The settings with the host and port the console really listens on.  A base_url left at its
    default (the console's own address) follows them, so sign-in links point where it listens."""
    host, port = sock.getsockname()[:2]
    update: dict[str, Any] = {"host": host, "port": port}
    if settings.base_url.rstrip("/") == _url(settings.host, settings.port):
        update["base_url"] = _url("127.0.0.1" if host in ("0.0.0.0", "::") else host, port)  # noqa: S104
    return settings.model_copy(update=update)


def _serve(settings: Settings, db: Database, sock: socket.socket) -> int:
    import uvicorn

    from monitor.console import make_app

    listening = _url(settings.host, settings.port)
    print(f"\nConsole listening on {listening}/  (Ctrl-C to stop)", flush=True)
    if settings.base_url.rstrip("/") != listening:
        print(f"People open it at {settings.base_url}", flush=True)
    # log_config=None: uvicorn logs through monitor.logs like everything else (no exception text).
    config = uvicorn.Config(make_app(settings, db), host=settings.host, port=settings.port, log_config=None)
    uvicorn.Server(config).run(sockets=[sock])
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    settings = _settings(args)
    _long_running_logs(args, settings)
    with _listen(_address(args, settings)) as sock:
        settings = _listening_at(settings, sock)
        return _serve(settings, _database(settings), sock)


def _long_running_logs(args: argparse.Namespace, settings: Settings) -> None:
    """serve, run and worker log at the settings' level (GATEPOST_LOG_LEVEL wins, as always)."""
    logs.configure(logging.DEBUG if args.verbose else settings.log_level)


def cmd_run(args: argparse.Namespace) -> int:
    from monitor.scheduler import run_forever

    settings = _settings(args)
    _long_running_logs(args, settings)
    _database(settings).dispose()
    return run_forever(settings, [Path(p) for p in (args.school or settings.schools)])


def cmd_worker(args: argparse.Namespace) -> int:
    from monitor.tasks import run_worker

    settings = _settings(args)
    _long_running_logs(args, settings)
    _database(settings).dispose()
    return run_worker(settings, concurrency=args.concurrency)


# `gatepost classify` judges this many lines at a time: big enough for spaCy's batching to
# pay, small enough that a huge input streams (memory stays flat).
CLASSIFY_BATCH = 500


def cmd_classify(args: argparse.Namespace) -> int:
    settings = _settings(args)  # a broken settings file stops this command too, like every other
    profile = load_profile(args.school) if args.school else None
    pipeline = build.classifier(profile, settings)
    from classifiers.base import media_from_json
    from connectors.sample import post_from_json

    src = sys.stdin if args.input == "-" else open(args.input, encoding="utf-8", errors="surrogateescape")  # noqa: SIM115
    dst = sys.stdout if args.out == "-" else open(args.out, "w", encoding="utf-8")  # noqa: SIM115
    errors = 0
    # Lines are judged CLASSIFY_BATCH at a time (spaCy and the model are far faster on a
    # batch) and written back in input order, error lines in their places.
    pending: list[dict[str, Any]] = []

    def flush() -> None:
        posts = [(e["text"], e["media"]) for e in pending if "error" not in e]
        results = iter(pipeline.classify_many(posts))
        for e in pending:
            out = e if "error" in e else {"id": e["id"], **next(results).to_json()}
            dst.write(json.dumps(out, ensure_ascii=False) + "\n")
        pending.clear()

    try:
        for lineno, line in enumerate(src, 1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
                if not isinstance(record, dict) or "text" not in record or "id" not in record:
                    raise ValueError("needs an object with 'id' and 'text'")
                post = post_from_json(record)
                pending.append(
                    {"id": record["id"], "text": post.text, "media": media_from_json(record.get("media"))}
                )
            except (ValueError, TypeError, KeyError, RecursionError) as exc:
                # One bad line is reported in place; the lines after it are still judged.
                errors += 1
                why = "nested too deeply" if isinstance(exc, RecursionError) else exc
                pending.append({"line": lineno, "error": f"invalid input line: {why}"})
            if len(pending) >= CLASSIFY_BATCH:
                flush()
        flush()
    finally:
        if src is not sys.stdin:
            src.close()
        if dst is not sys.stdout:
            dst.close()
    return 1 if errors else 0


def cmd_export(args: argparse.Namespace) -> int:
    from review_queue import audit

    settings = _settings(args)
    db = _database(settings)
    dst = sys.stdout if args.out == "-" else private_file(args.out)
    try:
        with db.session_scope() as session:
            # Who took everything out, and when: an export is the biggest access there is.
            audit.record(
                session, user=None, action="export.posts", object_type="export", object_id=args.out or "-"
            )
            q = (
                select(Post, Judgement, ReviewItem, School.slug)
                .join(School, School.id == Post.school_id)
                .outerjoin(Judgement, Judgement.post_id == Post.id)
                .outerjoin(ReviewItem, ReviewItem.post_id == Post.id)
                .order_by(Post.id)
            )
            for post, judgement, item, slug in session.execute(q):
                row = {
                    "school": slug,
                    "platform": post.kind,
                    "id": post.external_id,
                    "url": post.url,
                    "author": post.author_handle,
                    "text": post.text,
                    "created_at": post.created_at.isoformat(),
                    "captured_at": post.captured_at.isoformat(),
                    "evidence_hash": post.evidence_hash,
                    "flags": judgement.flags if judgement else None,
                    "severity": judgement.severity if judgement else None,
                    "status": item.status if item else ("not flagged" if judgement else "not judged"),
                }
                dst.write(json.dumps(row, ensure_ascii=False) + "\n")
    finally:
        if dst is not sys.stdout:
            dst.close()
    return 0


def cmd_migrate(args: argparse.Namespace) -> int:
    """Every command migrates on start; this does it on its own, or only reports (--check)."""
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    from review_queue.db import alembic_config

    db = build.database(_settings(args))
    try:
        head = ScriptDirectory.from_config(alembic_config(db.engine)).get_current_head()
        with db.engine.connect() as conn:
            current = MigrationContext.configure(conn).get_current_revision()
        print(f"database schema: {current or 'empty'}; this version of Gatepost: {head}")
        if args.check:
            return 0 if current == head else 1
        if current != head:
            db.upgrade()
            print(f"upgraded to {head}")
        return 0
    finally:
        db.dispose()


def cmd_retention(args: argparse.Namespace) -> int:
    from monitor.jobs.retention import run_retention

    settings = _settings(args)
    result = run_retention(_database(settings), build.policy(settings).retention, apply=args.apply)
    print(f"retention {'applied' if args.apply else 'dry run (nothing deleted)'}: rows past their period")
    for table, n in result.deleted.items():
        print(f"  {table:<20} {n:>8}")
    return 0


def _subject_key(settings: Settings) -> bytes:
    """The key for subject references in the audit log, derived from the secret key."""
    import hashlib
    import hmac

    return hmac.new(build.secret_key(settings).encode(), b"gatepost subject ref", hashlib.sha256).digest()


def cmd_privacy(args: argparse.Namespace) -> int:
    from review_queue.records import privacy

    settings = _settings(args)
    db = _database(settings)
    key = _subject_key(settings)
    try:
        if args.action == "export":
            with db.session_scope() as session:
                by = privacy.find_user(session, args.by)
                bundle = privacy.export_subject(session, args.handle, by=by, key=key, school_slug=args.school)
            body = privacy.render_html(bundle) if args.format == "html" else privacy.render_json(bundle)
            if args.out == "-":
                sys.stdout.write(body + "\n")
            else:
                # Personal data: readable by the operator only.
                with private_file(args.out) as fh:
                    fh.write(body + "\n")
                print(
                    f"subject access bundle written to {args.out}: {len(bundle['posts'])} posts, "
                    f"{len(bundle['people'])} person records, {len(bundle['incidents'])} incidents",
                    file=sys.stderr,
                )
            return 0
        session = db.sessions()
        try:
            result = privacy.erase_subject(
                session,
                args.handle,
                by=privacy.find_user(session, args.by),
                key=key,
                school_slug=args.school,
                include_open_incidents=args.include_open_incidents,
            )
            if args.dry_run:
                session.rollback()
            else:
                session.commit()
        finally:
            session.close()
        if not args.dry_run:
            db.checkpoint()  # the erased rows must not live on in SQLite's write-ahead log
    except privacy.PrivacyError as exc:
        print(f"gatepost: {exc}", file=sys.stderr)
        return 1
    if not result.found:
        print("no posts, person records or incidents under that handle")
    print(f"erasure {'dry run (nothing changed)' if args.dry_run else 'done'}:")
    for table, n in result.deleted.items():
        if n:
            print(f"  deleted  {table:<20} {n:>6}")
    for table, n in result.redacted.items():
        print(f"  redacted {table:<20} {n:>6}")
    if result.others_in_incidents:
        print(
            f"  including {result.others_in_incidents} post(s) written under other handles: they are"
            " evidence in this person's incidents, and go with them"
        )
    return 0


def _new_password(prompt: str) -> str | None:
    """GATEPOST_NEW_PASSWORD, or asked twice at the terminal; None when the two differ."""
    password = os.environ.get("GATEPOST_NEW_PASSWORD")
    if password:
        return password
    import getpass

    password = getpass.getpass(prompt)
    if getpass.getpass("Again: ") != password:
        print("gatepost: the passwords do not match", file=sys.stderr)
        return None
    return password


def cmd_users(args: argparse.Namespace) -> int:
    """`gatepost users add|list|password|disable|enable`."""
    from review_queue import accounts

    db = _database(_settings(args))
    password = None
    if args.users_command in ("add", "password"):
        password = _new_password("Password for the account: ")
        if password is None:
            return 1
    try:
        with db.session_scope() as session:
            if args.users_command == "add":
                assert password is not None
                user = accounts.add_account(session, args.email, args.role, password, school_slug=args.school)
                print(f"added {user.email} ({user.role})")
            elif args.users_command == "password":
                assert password is not None
                user = accounts.set_password(session, args.email, password)
                print(f"new password set for {user.email}; every session it had is signed out")
            elif args.users_command in ("disable", "enable"):
                user = accounts.set_disabled(session, args.email, args.users_command == "disable")
                print(f"{user.email}: {args.users_command}d")
            else:
                for user, school in accounts.list_accounts(session):
                    state = "disabled" if user.disabled else "active"
                    print(f"{user.email:40s} {user.role:12s} {school or '(all schools)':20s} {state}")
    except accounts.AccountError as exc:
        print(f"gatepost: {exc}", file=sys.stderr)
        return 1
    return 0


def cmd_audit(args: argparse.Namespace) -> int:
    from review_queue import audit

    try:
        anchor = audit.Anchor.parse(args.anchor) if args.anchor else None
    except ValueError as exc:
        print(f"gatepost: {exc}", file=sys.stderr)
        return 2
    db = _database(_settings(args))
    if args.action == "rekey":
        with db.session_scope() as session:
            done = audit.ensure_keyed(session)
        print(
            "audit log: re-signed under this installation's audit key"
            if done
            else "audit log: nothing re-signed (empty, already keyed, or broken: run `gatepost audit verify`)"
        )
        return 0
    with db.session_scope() as session:
        report = audit.verify_chain(session, anchor)
        newest = audit.head(session)
    if report.ok:
        checked = ""
        if anchor is not None:
            checked = (
                f"; anchored entry {anchor.entry_id} matches"
                if report.anchor_checked
                else f"; anchored entry {anchor.entry_id} was removed by a recorded retention prune"
            )
        print(f"audit log: the chain holds ({report.entries} entries{checked})")
        if newest is not None:
            print(f"head: {newest}  (write this down to check against later: --anchor ID:HASH)")
        return 0
    print(f"audit log: BROKEN at entry {report.first_bad_id}: {report.problem}", file=sys.stderr)
    return 1


def cmd_digest(args: argparse.Namespace) -> int:
    from datetime import UTC, datetime

    from monitor import mail
    from monitor.jobs import digest
    from review_queue.localtime import local_time

    settings = _settings(args)
    db = _database(settings)
    policy = build.policy(settings)
    profiles = _profiles(args, settings)
    if args.to and not args.send_now:
        raise StartupError("digest --to goes with --send-now; fix: add --send-now, or drop --to")
    if args.preview or args.send_now:
        if len(profiles) != 1:
            raise StartupError(
                "digest --preview and --send-now take one school; fix: pass --school FILE once"
            )
        profile = profiles[0]
    if args.preview:
        rendered = digest.render(db, settings, profile, policy, datetime.now(UTC))
        if rendered is None:
            raise StartupError(f"school {profile.slug!r} has no data yet; fix: run `gatepost fetch`")
        subject, html, _text = rendered
        if args.out:
            with private_file(args.out) as f:
                f.write(html)
            out = args.out
        else:
            # Never into the current folder unasked: a file of its own, readable by its owner only.
            fd, out = tempfile.mkstemp(prefix=f"gatepost-digest-{profile.slug}-", suffix=".html")
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                f.write(html)
        print(f"digest preview written to {out} ({subject})")
        return 0
    if args.send_now:
        to = list(args.to or digest.recipients(profile))
        if not to:
            raise StartupError(
                "digest --send-now has nobody to send to; fix: pass --to ADDRESS, "
                "or set contacts.headteacher in the profile"
            )
        try:
            subject = digest.send_now(db, settings, profile, policy, to)
        except LookupError as exc:
            raise StartupError(f"{exc}; fix: run `gatepost fetch`") from None
        except mail.MailError as exc:
            print(f"digest for {profile.slug} not sent: {exc}", file=sys.stderr)
            return 1
        print(
            f"digest for {profile.slug} sent now to {len(to)} address(es) ({subject}); "
            "the schedule is unchanged"
        )
        return 0
    if not settings.digest.enabled:
        print("the weekly digest is off ([digest] enabled = false in settings); --send-now still works")
        return 0
    for profile in profiles:
        sent = digest.send_digest_if_due(db, settings, profile, policy)
        if sent:
            print(f"  {profile.slug:<24} sent")
            continue
        due = digest.next_run(db, settings, profile)
        when = local_time(due, profile.timezone(settings), "%a %d %b %Y, %H:%M") if due else "unknown"
        print(f"  {profile.slug:<24} not due: next on {when} (send one now: --send-now --to ADDRESS)")
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    from monitor.jobs.termly import ReportError, write_termly

    settings = _settings(args)
    paths = list(args.school or []) or list(settings.schools)
    profiles = [load_profile(p) for p in paths]
    try:
        out = write_termly(_database(settings), settings, profiles, build.policy(settings), Path(args.out))
    except ReportError as exc:
        raise StartupError(str(exc)) from None
    print(f"termly report written to {out}")
    return 0


def cmd_sources(args: argparse.Namespace) -> int:
    """Each source the profile lists, by name; older rows (sources since taken out) only with --all."""
    from review_queue.sources import current_and_older, source_health

    settings = _settings(args)
    db = _database(settings)
    for profile in _profiles(args, settings):
        with db.session_scope() as session:
            build.register_school(session, profile)
            rows = source_health(session, profile.slug)
        current, older = current_and_older(rows, source_names(profile))
        print(f"{profile.school.name}:")
        if not current:
            print(f"  no sources: add [[sources]] to {profile.path}")
        for h in current:
            _print_source(h)
        if older and not args.all:
            print(
                f"  ({len(older)} older source{'s' if len(older) != 1 else ''} no longer in the profile "
                "hidden; `gatepost sources --all` shows them)"
            )
        elif older:
            print("  no longer in the profile (kept: a source put back carries on from its cursor):")
            for h in older:
                _print_source(h)
    return 0


def _print_source(h: SourceHealth) -> None:
    print(f"  {h.name or h.key:<40}  {h.status}")
    print(f"    key           {h.key}")
    print(f"    last success  {_when(h.last_success_at)}    last run  {_when(h.last_run_at)}")
    if h.last_error:
        print(f"    last error    {_when(h.last_error_at)}  {h.last_error}")
    if h.backoff_until:
        print(f"    backing off until {_when(h.backoff_until)}")
    reads = f"    X reads today  {h.reads_today}" if h.reads_today is not None else ""
    print(f"    posts stored  {h.posts_stored}{reads}")
    if h.set_aside_count:
        latest = f"latest {_when(h.last_set_aside_at)}  {h.last_set_aside}"
        print(f"    set aside     {h.set_aside_count}, {latest}")
    print(f"    cursor        {h.cursor or '-'}")


def _when(value: Any) -> str:
    return value.strftime("%Y-%m-%d %H:%M:%S UTC") if value else "never"


def cmd_submit(args: argparse.Namespace) -> int:
    from monitor.submit import SubmissionRefused, submit

    settings = _settings(args)
    db = _database(settings)
    profiles = _profiles(args, settings)
    if len(profiles) != 1:
        raise StartupError("submit takes one school; fix: pass --school FILE once")
    profile = profiles[0]
    text = Path(args.text_file).read_text(encoding="utf-8") if args.text_file else (args.text or "")
    shot = Path(args.screenshot).read_bytes() if args.screenshot else None
    try:
        result = submit(
            db,
            profile.slug,
            profile.school.name,
            build.classifier(profile, settings),
            build.policy(settings),
            submitted_by=args.by,
            where_from=getattr(args, "from"),
            text=text,
            url=args.url or "",
            screenshot=shot,
            author_handle=args.author or "",
        )
    except SubmissionRefused as exc:
        print(f"gatepost: submission refused: {exc}", file=sys.stderr)
        return 2
    state = "stored" if result.new else "already stored"
    queued = f"queued as item {result.item_id} ({result.severity})" if result.item_id else "not flagged"
    print(f"post {result.post_id} {state}; {queued}")
    return 0


# ------------------------------------------------------------------ parser


ABOUT = """\
Gatepost watches public social media for posts about a school, flags those that breach the
school's parent/carer code of conduct, and puts them before the designated safeguarding lead
(DSL) in a web console.  A person always decides; Gatepost only drafts."""

# `gatepost --help` lists the commands under these headings, in the order an operator
# meets them (every command is in exactly one: tests/monitor/test_cli.py checks).
COMMAND_GROUPS = (
    ("Try it", ("demo",)),
    ("Set up", ("init", "fetch", "sources", "users")),
    ("Run it (as services on a server)", ("serve", "run", "worker")),
    ("Day to day", ("submit", "digest", "report")),
    ("Records and data protection", ("export", "privacy", "retention", "audit")),
    ("Upgrades", ("migrate",)),
    ("Judgement", ("classify", "train", "evaluate")),
)

EPILOG = """\
First time?  `gatepost demo` shows the console with made-up posts; `gatepost init` starts a
real installation and says what to do next.  Each command: gatepost COMMAND --help.
Installing, running as services, backups, upgrades: docs/operators-guide.md."""


def _command_list(sub: Any) -> str:
    """The commands under COMMAND_GROUPS' headings, each with its one-line help."""
    # argparse keeps each subcommand's help on its private _choices_actions; reading it here
    # keeps one help text per command, where the command is registered.
    about = {action.dest: action.help for action in sub._choices_actions}
    width = max(map(len, about)) + 2
    lines = []
    for heading, names in COMMAND_GROUPS:
        lines.append(f"{heading}:")
        for name in names:
            lead = f"  {name:<{width}}"
            lines.append(
                textwrap.fill(about[name] or "", 92, initial_indent=lead, subsequent_indent=" " * len(lead))
            )
    return "\n".join(lines)


def _listen_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--host", help="address to listen on (default: host in settings, 127.0.0.1)")
    p.add_argument(
        "--port",
        type=_port,
        help="port to listen on (default: port in settings, 8000; exit 2 if it is taken)",
    )


def _port(value: str) -> int:
    port = int(value)
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"{value} is not a port (0 to 65535)")
    return port


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="gatepost",
        usage="gatepost [--settings FILE] [-v] COMMAND ...",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=EPILOG,
    )
    parser.add_argument(
        "--settings", metavar="FILE", help="settings file (default: $GATEPOST_HOME/settings.toml)"
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log more")
    # The commands are listed in the description, grouped (_command_list), not in argparse's one block.
    sub = parser.add_subparsers(
        dest="command", required=True, metavar="COMMAND", help=argparse.SUPPRESS, prog="gatepost"
    )

    p = sub.add_parser(
        "init", help="set up a real installation (settings, example profile, database); says what next"
    )
    p.add_argument("--profile", help="where to write the example profile")
    p.set_defaults(func=cmd_init)

    p = sub.add_parser(
        "demo", help="the console with a made-up school's posts, and a sign-in link for each role"
    )
    p.add_argument("--no-serve", action="store_true", help="fill the queue, print the links and exit")
    _listen_arguments(p)
    p.set_defaults(func=cmd_demo)

    p = sub.add_parser("fetch", help="read every source once now, judge what is new, print counts per source")
    p.add_argument("--once", action="store_true", help=argparse.SUPPRESS)  # the default; kept for scripts
    p.add_argument("--school", action="append", help="school profile (repeatable)")
    p.add_argument("--no-classify", action="store_true", help="store posts without judging them")
    p.set_defaults(func=cmd_fetch)

    p = sub.add_parser(
        "sources", help="each source in the profile by name: health, last success and error, cursor"
    )
    p.add_argument("--school", action="append", help="school profile (repeatable)")
    p.add_argument("--all", action="store_true", help="also the sources no longer in the profile")
    p.set_defaults(func=cmd_sources)

    p = sub.add_parser("submit", help="submit what staff were sent: pasted text and URL, or a screenshot")
    p.add_argument("--school", action="append", help="school profile")
    p.add_argument("--by", required=True, help="who is submitting it (name or email)")
    p.add_argument("--from", required=True, help="where it came from, e.g. 'Year 4 parents WhatsApp'")
    p.add_argument("--text", help="the text of the post")
    p.add_argument("--text-file", help="a file holding the text of the post")
    p.add_argument("--url", help="the post's address, if it has one")
    p.add_argument("--author", help="who posted it (their name or account), if known")
    p.add_argument("--screenshot", help="a PNG or JPEG screenshot; its text is read by OCR")
    p.set_defaults(func=cmd_submit)

    p = sub.add_parser(
        "run", help="the scheduler: reads sources at their intervals; alerts, the digest and retention"
    )
    p.add_argument("--school", action="append", help="school profile (repeatable)")
    p.set_defaults(func=cmd_run)

    p = sub.add_parser("worker", help="take source runs and classification from the broker (scale-out mode)")
    p.add_argument("--concurrency", type=int, help="tasks run at once (default: one per core)")
    p.set_defaults(func=cmd_worker)

    p = sub.add_parser("serve", help="the console, where the DSL reviews what was flagged")
    _listen_arguments(p)
    p.set_defaults(func=cmd_serve)

    p = sub.add_parser("classify", help="judge posts from a JSONL file")
    p.add_argument("--school", help="school profile (names, aliases and staff sharpen judgement)")
    p.add_argument("--in", dest="input", required=True, help="input JSONL ('-' for stdin)")
    p.add_argument("--out", default="-", help="output JSONL ('-' for stdout)")
    p.set_defaults(func=cmd_classify)

    p = sub.add_parser("export", help="export what was captured")
    p.add_argument("what", choices=["posts"])
    p.add_argument("--format", choices=["jsonl"], default="jsonl")
    p.add_argument("--out", default="-", help="output file ('-' for stdout)")
    p.set_defaults(func=cmd_export)

    p = sub.add_parser("migrate", help="upgrade the database schema now (every command also does on start)")
    p.add_argument("--check", action="store_true", help="only report; exit 1 if an upgrade is due")
    p.set_defaults(func=cmd_migrate)

    p = sub.add_parser("retention", help="delete what is past its retention period (policy.toml [retention])")
    mode = p.add_mutually_exclusive_group(required=True)
    mode.add_argument("--dry-run", action="store_true", help="count what would be deleted; change nothing")
    mode.add_argument("--apply", action="store_true", help="delete it (the daily job does this)")
    p.set_defaults(func=cmd_retention)

    p = sub.add_parser("privacy", help="answer a subject access request, or erase a person's data")
    p.add_argument("action", choices=["export", "erase"])
    p.add_argument("--handle", required=True, help="the person's handle as it appears on their posts")
    p.add_argument("--by", required=True, metavar="EMAIL", help="the DSL or admin account acting (audited)")
    p.add_argument("--school", metavar="SLUG", help="only this school's records (default: every school)")
    p.add_argument("--format", choices=["json", "html"], default="json", help="export: bundle format")
    p.add_argument("--out", default="-", help="export: output file ('-' for stdout)")
    p.add_argument("--dry-run", action="store_true", help="erase: count what would go; change nothing")
    p.add_argument(
        "--include-open-incidents",
        action="store_true",
        help="erase: also erase open incidents about them (the DSL has ruled out the legal-claims exemption)",
    )
    p.set_defaults(func=cmd_privacy)

    p = sub.add_parser("users", help="console accounts: add (your first one too), list, password, disable")
    users = p.add_subparsers(dest="users_command", required=True)
    p = users.add_parser("add", help="add an account (password from GATEPOST_NEW_PASSWORD or a prompt)")
    p.add_argument("email")
    p.add_argument("--role", required=True, choices=list(ROLES))
    p.add_argument("--school", metavar="SLUG", help="the school the account serves (not for admin or trust)")
    p.set_defaults(func=cmd_users)
    p = users.add_parser("list", help="every account, its role, school and whether it is disabled")
    p.set_defaults(func=cmd_users)
    p = users.add_parser(
        "password",
        help="set a new password (GATEPOST_NEW_PASSWORD or a prompt); signs the account out everywhere",
    )
    p.add_argument("email")
    p.set_defaults(func=cmd_users)
    for action, about in (
        ("disable", "stop an account signing in, ending its sessions"),
        ("enable", "undo disable"),
    ):
        p = users.add_parser(action, help=about)
        p.add_argument("email")
        p.set_defaults(func=cmd_users)

    p = sub.add_parser("audit", help="check the audit log")
    p.add_argument(
        "action",
        choices=["verify", "rekey"],
        help="verify: does the hash chain hold?  rekey: once, right after upgrading from a version "
        "without the audit key, sign the existing chain with it (never otherwise: it would also sign "
        "a chain rewritten by someone without the key)",
    )
    p.add_argument(
        "--anchor",
        metavar="ID:HASH",
        help="an entry id and hash written down earlier (the weekly digest prints one): is it still there?",
    )
    p.set_defaults(func=cmd_audit)

    p = sub.add_parser(
        "digest",
        help="send the weekly digest if it is due, send one now to an address, or preview it",
        description="Without options: send each school's weekly digest if it is due (the scheduler "
        "does this every minute). --send-now and --preview build this week's digest at once and "
        "leave the schedule alone.",
    )
    p.add_argument("--school", action="append", help="school profile (repeatable)")
    mode = p.add_mutually_exclusive_group()
    mode.add_argument("--preview", action="store_true", help="write the email as HTML instead of sending it")
    mode.add_argument(
        "--send-now",
        action="store_true",
        help="send this week's digest now (to --to, else the school's headteacher and DSL)",
    )
    p.add_argument("--to", action="append", metavar="ADDRESS", help="--send-now: who gets it (repeatable)")
    p.add_argument(
        "--out", help="--preview: where to write the HTML (default: a new private file in the temp folder)"
    )
    p.set_defaults(func=cmd_digest)

    p = sub.add_parser("report", help="write the governors' termly report")
    p.add_argument("which", choices=["termly"])
    p.add_argument("--school", action="append", help="school profile; several (or none) for the trust's")
    p.add_argument("--out", required=True, help="FILE.pdf or FILE.html")
    p.set_defaults(func=cmd_report)

    # Both hand their arguments to the classifiers' own parsers (`gatepost evaluate --help`).
    p = sub.add_parser(
        "train",
        add_help=False,
        help="rebuild the judgement model from the shipped corpus (fixed seeds); "
        "--feedback: retrain with a school's own decisions",
    )
    p.set_defaults(func=cmd_train, passthrough=True)

    p = sub.add_parser(
        "evaluate", add_help=False, help="judgement figures on the sealed test set and the public test sets"
    )
    p.set_defaults(func=cmd_evaluate, passthrough=True)

    parser.description = f"{ABOUT}\n\n{_command_list(sub)}"
    for choice in sub._choices_actions:  # `gatepost fetch --help` opens with what fetch does
        command = sub.choices[choice.dest]
        command.description = command.description or choice.help
    return parser


def cmd_train(args: argparse.Namespace) -> int:
    if "--feedback" not in args.args:
        from classifiers import train

        return train.main(args.args)
    from classifiers.feedback import NotEnoughDecisions
    from monitor import retrain

    ap = argparse.ArgumentParser(
        prog="gatepost train --feedback",
        description="retrain with each school's own confirm/dismiss decisions; adopt the candidate "
        "for that school only when neither the sealed figures nor its held-back decisions fall",
    )
    ap.add_argument("--feedback", action="store_true", required=True)
    ap.add_argument("--school", action="append", help="school profile (default: the settings' schools)")
    ns = ap.parse_args(args.args)
    args.school = ns.school
    settings = _settings(args)
    db = _database(settings)
    failed = 0
    for profile in _profiles(args, settings):
        try:
            retrain.retrain(settings, profile, db, sys.stdout)
        except NotEnoughDecisions as exc:
            print(f"{profile.slug}: {exc}", file=sys.stdout)
            failed += 1
    return 1 if failed else 0


def cmd_evaluate(args: argparse.Namespace) -> int:
    from classifiers import evaluate

    return evaluate.main(args.args)


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args, rest = parser.parse_known_args(argv)
    if rest and not getattr(args, "passthrough", False):
        parser.error(f"unrecognized arguments: {' '.join(rest)}")
    args.args = rest
    logs.configure(logging.DEBUG if args.verbose else os.environ.get("GATEPOST_LOG_LEVEL", "WARNING"))
    try:
        return int(args.func(args))
    except StartupError as exc:
        print(f"gatepost: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except Exception as exc:
        # Frames and exception types only: a database's or parser's message (and PostgreSQL's
        # DETAIL) can quote the row or text it refused.
        command = args.func.__name__.removeprefix("cmd_")
        logging.getLogger("gatepost").error("%s failed (%s)", command, type(exc).__name__, exc_info=exc)
        return 1


if __name__ == "__main__":
    sys.exit(main())
