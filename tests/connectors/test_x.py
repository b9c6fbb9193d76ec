"""The x connector, with real tweepy, against the fake X API v2 on 127.0.0.1."""

from __future__ import annotations

from datetime import date

import pytest

from connectors.base import ConnectorError
from connectors.x import XConfig, XConnector
from connectors.x.connector import build_query
from tests.fakes.x import BEARER, FakeX

SECRETS = {"GATEPOST_X_BEARER_TOKEN": BEARER}


@pytest.fixture
def fake():
    with FakeX() as server:
        yield server


def connector(fake, school, budget=500, today=date(2026, 11, 22), token=BEARER):
    cfg = XConfig(api_base=fake.base, daily_read_budget=budget)
    return XConnector(cfg, school, {"GATEPOST_X_BEARER_TOKEN": token}, today=today)


def run(conn, cursor=None):
    posts, last, reads = [], cursor, 0
    for batch in conn.fetch(cursor):
        posts.extend(batch.posts)
        last, reads = batch.cursor, reads + batch.reads
    return posts, last, reads


def test_the_query_fits_in_512_characters_even_with_many_aliases(school):
    many = school.__class__(
        name="Hollybrook Primary School",
        aliases=tuple(f"Alias number {i}" for i in range(60)),
        exclude=("Hollybrook Road",),
    )
    assert len(build_query(many)) <= 512
    assert build_query(school).startswith(
        '("Hollybrook Primary School" OR "Hollybrook Primary" OR Hollybrook OR HPS)'
    )
    assert '-"Hollybrook Garden Centre"' in build_query(school)


def test_posts_mentioning_the_school_arrive_with_author_and_media(fake, school):
    fake.add_tweet(
        "Hollybrook head is useless", username="angry_dad", photo="https://pbs.twimg.com/media/a.jpg"
    )
    fake.add_tweet("Lovely roses at Hollybrook Garden Centre")
    fake.add_tweet("nothing to do with it")
    posts, _, reads = run(connector(fake, school))
    assert len(posts) == 1
    (post,) = posts
    assert post.author_handle == "angry_dad"
    assert post.url.endswith(f"/status/{post.external_id}")
    assert post.media[0].type == "image" and post.media[0].url.endswith("a.jpg")
    assert reads == fake.reads == 1
    assert fake.log[-1].headers["authorization"] == f"Bearer {BEARER}"


def test_the_since_id_cursor_reads_only_new_posts_next_time(fake, school):
    fake.add_tweet("Hollybrook one")
    conn = connector(fake, school)
    _, cursor, _ = run(conn)
    second = fake.add_tweet("Hollybrook two")
    posts, _, reads = run(conn, cursor)
    assert [p.external_id for p in posts] == [second["id"]]
    assert reads == 1


def test_the_daily_read_budget_is_kept_and_the_rest_is_read_next_day_without_gaps(fake, school):
    made = [fake.add_tweet(f"Hollybrook {i}") for i in range(35)]
    posts, cursor, reads = run(connector(fake, school, budget=20))
    assert reads == 20 and fake.reads == 20
    newer = fake.add_tweet("Hollybrook newest")
    more, _, reads2 = run(connector(fake, school, budget=100, today=date(2026, 11, 23)), cursor)
    ids = [p.external_id for p in posts + more]
    assert sorted(ids) == sorted([t["id"] for t in made] + [newer["id"]])
    assert len(ids) == len(set(ids))
    assert reads2 == 16


def test_an_abandoned_run_resumes_where_the_last_stored_page_ended(fake, school):
    made = [fake.add_tweet(f"Hollybrook {i}") for i in range(25)]
    conn = connector(fake, school)
    it = conn.fetch(None)
    first = next(it)  # stored, then the process dies
    it.close()
    rest, _, _ = run(conn, first.cursor)
    ids = [p.external_id for p in first.posts + rest]
    assert sorted(ids) == sorted(t["id"] for t in made) and len(ids) == 25


def test_a_429_carries_the_reset_time_and_a_500_is_transient(fake, school):
    fake.fail("/2/tweets/search", status=429, headers={"x-rate-limit-reset": "9999999999"})
    with pytest.raises(ConnectorError) as err:
        run(connector(fake, school))
    assert not err.value.permanent and err.value.retry_after and err.value.retry_after > 1000
    fake.fail("/2/tweets/search", status=500)
    with pytest.raises(ConnectorError) as err:
        run(connector(fake, school))
    assert not err.value.permanent


def test_a_refused_token_is_permanent(fake, school):
    with pytest.raises(ConnectorError) as err:
        run(connector(fake, school, token="revoked"))
    assert err.value.permanent and "401" in str(err.value)


def test_malformed_json_and_a_slow_response_are_transient(fake, school, monkeypatch):
    fake.fail("/2/tweets/search", malformed=True)
    with pytest.raises(ConnectorError) as err:
        run(connector(fake, school))
    assert not err.value.permanent
    monkeypatch.setattr("connectors.x.client.REQUEST_TIMEOUT_S", 0.2)
    fake.fail("/2/tweets/search", delay=1.0)
    with pytest.raises(ConnectorError) as err:
        run(connector(fake, school))
    assert not err.value.permanent and "Timeout" in str(err.value)


def test_recheck_finds_a_deleted_post_gone(fake, school):
    kept, gone = fake.add_tweet("Hollybrook a"), fake.add_tweet("Hollybrook b")
    fake.tweets.remove(gone)
    found = connector(fake, school).recheck([kept["id"], gone["id"]])
    assert found[gone["id"]] is None and found[kept["id"]] is not None


def test_a_cursor_older_than_the_search_window_starts_afresh_instead_of_failing_forever(fake, school):
    old = fake.add_tweet("Hollybrook before the outage")
    conn = connector(fake, school)
    _, cursor, _ = run(conn)
    fake.tweets.remove(old)  # aged out of recent search
    fake.oldest_searchable = int(old["id"]) + 1
    new = fake.add_tweet("Hollybrook after the outage")
    posts, cursor2, _ = run(conn, cursor)
    assert [p.external_id for p in posts] == [new["id"]]
    assert new["id"] in cursor2
