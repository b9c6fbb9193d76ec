"""Subject access and erasure on the demo school: everything about the handle, nothing about anyone else."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
import time_machine
from sqlalchemy import Engine, LargeBinary, String, Text, cast, func, inspect, select, text

from review_queue import audit
from review_queue.db import Database
from review_queue.models import AuditEntry, Meeting, Post, User
from review_queue.records import privacy
from review_queue.store import content_hash, evidence_hash
from tests.review_queue import demo_data
from tests.review_queue.demo_data import T0

KEY = b"test subject key, never a real one"
# Darren Holt's handles, as the school recorded them on his person record.
SUBJECT = ("angrydad_af", "anon_ashby")
SUBJECT_POSTS = {"demo-002", "demo-031", "anon-extra"}
# What only the subject's records hold: none of it may survive an erasure.
TRACES = ("angrydad_af", "anon_ashby", "darren holt", "mill lane", "af3 9qt")


@pytest.fixture
def scenario(any_db: Database) -> Iterator[demo_data.Scenario]:
    with time_machine.travel(T0, tick=False):
        sc = demo_data.build(any_db)
        with any_db.session_scope() as s:
            # Someone else's post that mentions the subject: theirs to keep, his handle to go.
            body = "Totally agree with @AngryDad_AF about Hollybrook, not that I'd say it to her face"
            s.add(
                Post(
                    school_id=sc.school_id,
                    kind="x",
                    external_id="mention-1",
                    url="https://x.com/neighbour_ash/status/2001",
                    author_handle="neighbour_ash",
                    text=body,
                    created_at=T0,
                    raw={"in_reply_to": "angrydad_af", "text": body},
                    content_hash=content_hash(body, []),
                    evidence_hash=evidence_hash({"text": body}),
                )
            )
            # A post under his other handle that was never flagged: still his.
            own = "Hollybrook parents evening tonight, anyone going?"
            s.add(
                Post(
                    school_id=sc.school_id,
                    kind="facebook",
                    external_id="anon-extra",
                    url="https://www.facebook.com/groups/ashbyfieldsparents/posts/3001",
                    author_handle="anon_ashby",
                    text=own,
                    created_at=T0,
                    content_hash=content_hash(own, []),
                    evidence_hash=evidence_hash({"text": own}),
                )
            )
            s.add(
                User(
                    email="rev@hollybrook.example", role="reviewer", password_hash="x", school_id=sc.school_id
                )
            )
        yield sc


def dsl(s: object, email: str = "priya.shah@hollybrook.example") -> User:
    return privacy.find_user(s, email)  # type: ignore[arg-type]


def scan(engine: Engine, needles: tuple[str, ...]) -> list[str]:
    """Every (table.column) of every table in the database whose text holds one of the needles."""
    found = []
    insp = inspect(engine)
    with engine.connect() as conn:
        for table in insp.get_table_names():
            for col in insp.get_columns(table):
                if isinstance(col["type"], LargeBinary):
                    continue  # the scheduler's pickled jobs: no Gatepost data
                name = col["name"]
                expr = (
                    cast(text(f'"{name}"'), Text)
                    if not isinstance(col["type"], String)
                    else text(f'"{name}"')
                )
                rows = conn.execute(select(func.lower(expr)).select_from(text(f'"{table}"'))).scalars()
                for value in rows:
                    if value and any(n in value for n in needles):
                        found.append(f"{table}.{name}")
    return sorted(set(found))


def bundle_texts(bundle: dict[str, object]) -> str:
    return json.dumps(bundle, ensure_ascii=False).casefold()


def test_an_export_holds_everything_about_the_handle_and_nothing_about_anyone_else(
    any_db: Database, scenario: demo_data.Scenario
) -> None:
    with any_db.session_scope() as s:
        posts = {p.external_id: p.text for p in s.scalars(select(Post))}
        bundle = privacy.export_subject(s, "@AngryDad_AF", by=dsl(s), key=KEY)
    dump = bundle_texts(bundle)
    # Both of his posts (one by his other handle), with judgement, decision and reason.
    assert {p["external_id"] for p in bundle["posts"]} == SUBJECT_POSTS
    for p in bundle["posts"]:
        if p["external_id"] == "anon-extra":
            assert p["judgement"] is None and p["review"] is None
            continue
        assert p["judgement"]["flags"] and p["review"]["status"] == "confirmed"
        assert p["review"]["decisions"][0]["reason"] == "Breaches the code of conduct"
        assert p["review"]["decisions"][0]["by_role"] == "dsl"
    # The edit seen on re-check is his too.
    [first] = [p for p in bundle["posts"] if p["external_id"] == "demo-002"]
    assert [r["text"] for r in first["revisions"]] == ["Mrs Carter should go"]
    # His person record, his incident with its letter, and the access log of his items.
    assert [p["name"] for p in bundle["people"]] == ["Darren Holt"]
    assert [i["status"] for i in bundle["incidents"]] == ["closed"]
    assert "14 mill lane" in bundle["incidents"][0]["letters"][0]["body"].casefold()
    assert [a["action"] for a in bundle["access_log"]] == ["view.item"]
    # The post that mentions him is listed by id, never quoted.
    assert len(bundle["mentions_by_others"]["post_ids"]) == 1
    # Nothing about anyone else: no other post's words, no other person, no staff email.
    for ext, body in posts.items():
        if ext not in SUBJECT_POSTS:
            assert body.casefold() not in dump, ext
    for other in ("jason kendal", "jk_ashby", "neighbour_ash", "orchard close", "priya.shah@"):
        assert other not in dump


def test_the_export_is_audited_by_a_keyed_reference_never_the_handle(
    any_db: Database, scenario: demo_data.Scenario
) -> None:
    with any_db.session_scope() as s:
        privacy.export_subject(s, "angrydad_af", by=dsl(s), key=KEY)
    with any_db.session_scope() as s:
        entry = s.scalars(select(AuditEntry).where(AuditEntry.action == privacy.EXPORT_ACTION)).one()
        assert entry.object_id == privacy.subject_ref("@ANGRYDAD_AF", KEY)
        assert entry.user_email == "priya.shah@hollybrook.example"
        assert entry.detail["posts"] == len(SUBJECT_POSTS)
        assert "angrydad" not in json.dumps(entry.detail) + entry.object_id
        # The same handle under another key gives another reference: the log alone cannot be searched.
        assert entry.object_id != privacy.subject_ref("angrydad_af", b"another key")
        assert audit.verify_chain(s).ok


def test_the_html_export_escapes_what_the_subject_wrote(
    any_db: Database, scenario: demo_data.Scenario
) -> None:
    with any_db.session_scope() as s:
        post = s.get_one(Post, scenario.post_ids["demo-002"])
        post.text = 'Hollybrook <script>alert("x")</script> <img src=x onerror=alert(1)>'
        html = privacy.render_html(privacy.export_subject(s, "angrydad_af", by=dsl(s), key=KEY))
    assert "<script>alert" not in html and "<img src=x" not in html
    assert "&lt;script&gt;" in html
    assert "Darren Holt" in html


def test_erasure_leaves_no_trace_of_the_person_in_any_table_and_the_audit_chain_still_verifies(
    any_db: Database, scenario: demo_data.Scenario
) -> None:
    assert scan(any_db.engine, TRACES)  # the scan does find them beforehand
    with any_db.session_scope() as s:
        kept_before = s.scalar(select(func.count()).select_from(Post)) or 0
        result = privacy.erase_subject(s, "angrydad_af", by=dsl(s), key=KEY)
    assert result.found
    assert result.deleted["posts"] == len(SUBJECT_POSTS)
    assert result.deleted["people"] == 1 and result.deleted["conduct_incidents"] == 1
    assert result.deleted["letters"] == 1
    # The mention in someone else's post and the other incident's meeting notes are redacted.
    assert result.redacted == {"posts": 1, "incident_meetings": 1}

    assert scan(any_db.engine, TRACES) == []
    with any_db.session_scope() as s:
        assert (s.scalar(select(func.count()).select_from(Post)) or 0) == kept_before - len(SUBJECT_POSTS)
        mention = s.scalars(select(Post).where(Post.external_id == "mention-1")).one()
        assert mention.text.startswith("Totally agree with [erased] about Hollybrook")
        meeting = s.scalars(select(Meeting)).one()
        assert meeting.outcome == "Mr Kendal said that [erased] and [erased] started it."
        assert meeting.attendees == "Jason Kendal, Priya Shah"
        entry = s.scalars(select(AuditEntry).where(AuditEntry.action == privacy.ERASE_ACTION)).one()
        assert entry.object_id == privacy.subject_ref("angrydad_af", KEY)
        assert entry.detail["deleted"]["posts"] == len(SUBJECT_POSTS)
        assert entry.user_email == "priya.shah@hollybrook.example"
        assert audit.verify_chain(s).ok
    # Nothing is left to export.
    with any_db.session_scope() as s:
        again = privacy.export_subject(s, "angrydad_af", by=dsl(s), key=KEY)
    assert again["posts"] == [] and again["people"] == [] and again["incidents"] == []


def test_an_open_incident_stops_erasure_until_the_dsl_says_it_may_go(
    any_db: Database, scenario: demo_data.Scenario
) -> None:
    traces = ("jk_ashby", "jason kendal", "orchard close")
    with any_db.session_scope() as s, pytest.raises(privacy.PrivacyError, match="open incident") as err:
        privacy.erase_subject(s, "jk_ashby", by=dsl(s), key=KEY)
    assert "jk_ashby" not in str(err.value)
    assert scan(any_db.engine, traces)
    with any_db.session_scope() as s:
        result = privacy.erase_subject(s, "jk_ashby", by=dsl(s), key=KEY, include_open_incidents=True)
    assert result.deleted["conduct_incidents"] == 1 and result.deleted["incident_meetings"] == 1
    assert scan(any_db.engine, traces) == []
    # The other person's data is untouched.
    assert scan(any_db.engine, ("angrydad_af", "darren holt"))


def test_a_plain_word_handle_is_only_erased_where_it_is_clearly_a_handle(
    sqlite_db: Database,
) -> None:
    with time_machine.travel(T0, tick=False):
        sc = demo_data.build(sqlite_db)
        with sqlite_db.session_scope() as s:
            for i, (author, body) in enumerate(
                [("ashby", "Ashby needs a new school"), ("someone", "as @ashby said, Ashby Fields is lovely")]
            ):
                s.add(
                    Post(
                        school_id=sc.school_id,
                        kind="x",
                        external_id=f"plain-{i}",
                        url=f"https://x.com/{author}/status/{i}",
                        author_handle=author,
                        text=body,
                        created_at=T0,
                        content_hash="0" * 64,
                        evidence_hash=str(i) * 64,
                    )
                )
        with sqlite_db.session_scope() as s:
            privacy.erase_subject(s, "ashby", by=dsl(s), key=KEY)
        with sqlite_db.session_scope() as s:
            texts = set(s.scalars(select(Post.text).where(Post.external_id.like("plain-%"))))
            towns = s.scalar(select(func.count()).select_from(Post).where(Post.text.like("%Ashby Fields%")))
    assert texts == {"as [erased] said, Ashby Fields is lovely"}
    # The town is not a handle: every other post naming it is as it was.
    assert towns and towns > 1


def test_only_an_active_dsl_or_admin_may_export_or_erase(
    any_db: Database, scenario: demo_data.Scenario
) -> None:
    with any_db.session_scope() as s, pytest.raises(privacy.PrivacyError, match="dsl"):
        privacy.find_user(s, "rev@hollybrook.example")
    with any_db.session_scope() as s, pytest.raises(privacy.PrivacyError, match="no console account"):
        privacy.find_user(s, "nobody@example.invalid")
    with any_db.session_scope() as s:
        reviewer = s.scalars(select(User).where(User.role == "reviewer")).one()
        with pytest.raises(privacy.PrivacyError):
            privacy.erase_subject(s, "angrydad_af", by=reviewer, key=KEY)
        with pytest.raises(privacy.PrivacyError):
            privacy.export_subject(s, "angrydad_af", by=reviewer, key=KEY)


def test_every_table_that_holds_personal_data_is_searched_for_redaction() -> None:
    columns = {f"{t.name}.{c.name}" for t, c in privacy.free_text_columns()}
    for needed in (
        "posts.text",
        "posts.raw",
        "posts.url",
        "judgements.evidence",
        "decisions.reason",
        "letters.body",
        "incident_meetings.outcome",
        "incident_events.summary",
        "conduct_incidents.summary",
        "platform_reports.body",
        "people.name",
    ):
        assert needed in columns
    assert not any(c.startswith(("audit_log.", "users.")) for c in columns)
    assert "review_items.status" not in columns  # a code, never free text


def test_erasure_says_how_many_posts_under_other_handles_go_with_the_persons_incidents(
    any_db: Database, scenario: demo_data.Scenario
) -> None:
    from review_queue.models import IncidentPost, ReviewItem

    with any_db.session_scope() as s:
        before = privacy.erase_subject(s, "jk_ashby", by=dsl(s), key=KEY, include_open_incidents=True)
        s.rollback()  # a dry run
    with any_db.session_scope() as s:
        # jk_ashby's incident gets another person's flagged post as evidence too.
        link = s.scalars(
            select(IncidentPost)
            .join(ReviewItem, ReviewItem.id == IncidentPost.item_id)
            .join(Post, Post.id == ReviewItem.post_id)
            .where(Post.author_handle == "jk_ashby")
        ).first()
        assert link is not None
        linked = set(
            s.scalars(select(IncidentPost.item_id).where(IncidentPost.incident_id == link.incident_id))
        )
        others = s.scalars(
            select(ReviewItem.id)
            .join(Post, Post.id == ReviewItem.post_id)
            .where(Post.author_handle != "jk_ashby", ReviewItem.id.not_in(linked))
        ).first()
        assert others is not None
        s.add(IncidentPost(incident_id=link.incident_id, item_id=others))
    with any_db.session_scope() as s:
        result = privacy.erase_subject(s, "jk_ashby", by=dsl(s), key=KEY, include_open_incidents=True)
        assert result.others_in_incidents == before.others_in_incidents + 1
        s.rollback()
