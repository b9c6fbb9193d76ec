"""The `gatepost` command line: parse arguments, load settings, call one job, print the result.

Each subcommand is a `cmd_*` function taking the parsed arguments; `build_parser`
registers them.  Configuration errors print one line and exit 2.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any, TextIO

from sqlalchemy import select

from config import DEMO_SCHOOL_PATH
from monitor import build, logs
from monitor.jobs.classify import classify_pending
from monitor.jobs.fetch import fetch_school
from monitor.settings import Profile, Settings, StartupError, load_profile, load_settings
from review_queue.db import Database
from review_queue.models import ROLES, Judgement, Post, ReviewItem, School

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


def _print_fetch(results: Sequence[Any], out: TextIO) -> None:
    for r in results:
        if r.skipped:
            status = "skipped (running elsewhere or backing off)"
            print(f"  {r.key:<24} {status}", file=out)
            continue
        status = "ok" if r.ok else ("FAILED (permanent)" if r.permanent else "FAILED")
        line = f"  {r.key:<24} {status:<20} {r.stored:>6} new of {r.seen:>6} seen"
        if r.set_aside:
            line += f", {r.set_aside} set aside (see gatepost sources)"
        if r.error:
            line += f"  {r.error}"
        print(line, file=out)


# ------------------------------------------------------------------ commands


def cmd_init(args: argparse.Namespace) -> int:
    settings = _settings(args)
    _database(settings)
    target = Path(args.profile or settings.home / "school.toml")
    if target.exists():
        print(f"database ready at {settings.database_url}; {target} already exists, left alone")
        return 0
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(EXAMPLE_PROFILE, encoding="utf-8")
    print(f"database ready at {settings.database_url}\nexample profile written to {target}: edit it, then")
    print(f"  gatepost fetch --once --school {target}")
    return 0


def cmd_fetch(args: argparse.Namespace) -> int:
    settings = _settings(args)
    db = _database(settings)
    failed = False
    for profile in _profiles(args, settings):
        print(f"{profile.school.name}:")
        results = fetch_school(db, profile)
        _print_fetch(results, sys.stdout)
        failed = failed or any(not r.ok for r in results)
        if not args.no_classify:
            judged, queued = classify_pending(
                db, profile.slug, build.classifier(profile, settings), build.policy(settings)
            )
            print(f"  judged {judged} posts, {queued} new items in the review queue")
    return 1 if failed else 0


def cmd_demo(args: argparse.Namespace) -> int:
    settings = _settings(args)
    db = _database(settings)
    profile = load_profile(DEMO_SCHOOL_PATH)
    print(f"Gatepost demo: {profile.school.name} (database {settings.database_url})")
    _print_fetch(fetch_school(db, profile), sys.stdout)
    judged, queued = classify_pending(
        db, profile.slug, build.classifier(profile, settings), build.policy(settings)
    )
    with db.session_scope() as session:
        school = session.scalars(select(School).where(School.slug == profile.slug)).one()
        waiting = session.query(ReviewItem).filter_by(school_id=school.id, status="open").count()
    print(f"  judged {judged} new posts, {queued} new items; {waiting} items waiting for review")
    signin = _demo_signin(db, settings, school.id)
    if args.no_serve:
        return 0
    print(f"\nConsole: {settings.base_url}/  (Ctrl-C to stop)")
    print(f"Sign in once as the demo DSL: {signin}")
    return _serve(settings, db)


def _demo_signin(db: Database, settings: Settings, school_id: int) -> str:
    from review_queue.accounts import demo_signin_link

    with db.session_scope() as session:
        return str(demo_signin_link(session, school_id=school_id, base_url=settings.base_url))


def _serve(settings: Settings, db: Database) -> int:
    import uvicorn

    from monitor.console import make_app

    # log_config=None: uvicorn logs through monitor.logs like everything else (no exception text).
    uvicorn.run(make_app(settings, db), host=settings.host, port=settings.port, log_config=None)
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    settings = _settings(args)
    _long_running_logs(args, settings)
    return _serve(settings, _database(settings))


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
    from review_queue.records.retention import RetentionError

    settings = _settings(args)
    try:
        result = run_retention(_database(settings), build.policy(settings), apply=args.apply)
    except RetentionError as exc:
        raise StartupError(f"{settings.policy_path}: {exc}") from None
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
    from review_queue.sources import source_health

    settings = _settings(args)
    db = _database(settings)
    for profile in _profiles(args, settings):
        with db.session_scope() as session:
            build.register_school(session, profile)
            rows = source_health(session, profile.slug)
        print(f"{profile.school.name}:")
        for h in rows:
            print(f"  {h.key:<24} {h.kind:<9} {h.status}")
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
    return 0


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
        )
    except SubmissionRefused as exc:
        print(f"gatepost: submission refused: {exc}", file=sys.stderr)
        return 2
    state = "stored" if result.new else "already stored"
    queued = f"queued as item {result.item_id} ({result.severity})" if result.item_id else "not flagged"
    print(f"post {result.post_id} {state}; {queued}")
    return 0


# ------------------------------------------------------------------ parser


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="gatepost", description=__doc__.splitlines()[0])
    parser.add_argument("--settings", help="settings file (default: $GATEPOST_HOME/settings.toml)")
    parser.add_argument("-v", "--verbose", action="store_true", help="log more")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("init", help="create the database and write an example school profile")
    p.add_argument("--profile", help="where to write the example profile")
    p.set_defaults(func=cmd_init)

    p = sub.add_parser("demo", help="load the bundled demo school, judge its posts and serve the console")
    p.add_argument("--no-serve", action="store_true", help="fill the queue and exit")
    p.set_defaults(func=cmd_demo)

    p = sub.add_parser("fetch", help="run every configured source")
    p.add_argument("--once", action="store_true", required=True, help="run each source once and exit")
    p.add_argument("--school", action="append", help="school profile (repeatable)")
    p.add_argument("--no-classify", action="store_true", help="store posts without judging them")
    p.set_defaults(func=cmd_fetch)

    p = sub.add_parser("sources", help="show each source's health: last success, last error, cursor, counts")
    p.add_argument("--school", action="append", help="school profile (repeatable)")
    p.set_defaults(func=cmd_sources)

    p = sub.add_parser("submit", help="submit what staff were sent: pasted text and URL, or a screenshot")
    p.add_argument("--school", action="append", help="school profile")
    p.add_argument("--by", required=True, help="who is submitting it (name or email)")
    p.add_argument("--from", required=True, help="where it came from, e.g. 'Year 4 parents WhatsApp'")
    p.add_argument("--text", help="the text of the post")
    p.add_argument("--text-file", help="a file holding the text of the post")
    p.add_argument("--url", help="the post's address, if it has one")
    p.add_argument("--screenshot", help="a PNG or JPEG screenshot; its text is read by OCR")
    p.set_defaults(func=cmd_submit)

    p = sub.add_parser("run", help="run the scheduler in the foreground")
    p.add_argument("--school", action="append", help="school profile (repeatable)")
    p.set_defaults(func=cmd_run)

    p = sub.add_parser("worker", help="take source runs and classification from the broker (scale-out mode)")
    p.add_argument("--concurrency", type=int, help="tasks run at once (default: one per core)")
    p.set_defaults(func=cmd_worker)

    p = sub.add_parser("serve", help="serve the console")
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

    p = sub.add_parser("users", help="manage console accounts")
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
