"""The mastodon connector, with real Mastodon.py, against the fake instance on 127.0.0.1."""

from __future__ import annotations

import pytest

from connectors.base import ConnectorError
from connectors.mastodon import MastodonConfig, MastodonConnector
from tests.fakes.mastodon import TOKEN, FakeMastodon


@pytest.fixture
def fake():
    with FakeMastodon() as server:
        yield server


def connector(fake, school, token=None, **config):
    cfg = MastodonConfig(api_base=fake.base, **config)
    return MastodonConnector(cfg, school, {"GATEPOST_MASTODON_TOKEN": token} if token else {})


def run(conn, cursor=None):
    posts, last = [], cursor
    for batch in conn.fetch(cursor):
        posts.extend(batch.posts)
        last = batch.cursor
    return posts, last


def test_hashtag_posts_that_mention_the_school_arrive_as_text_with_media(fake, school):
    fake.add_status(
        "<p>Shocking scenes at <a href='x'>#Hollybrook</a> today</p>",
        tags=("Hollybrook",),
        image="https://files.ashby.social/a.png",
    )
    fake.add_status("<p>Hollybrook Road closed</p>", tags=("Hollybrook",))
    posts, _ = run(connector(fake, school, hashtags=["Hollybrook"]))
    assert len(posts) == 1
    assert posts[0].text == "Shocking scenes at #Hollybrook today"
    assert posts[0].author_handle == "parent@ashby.social"
    assert posts[0].media[0].alt_text == "children in a playground"
    assert posts[0].external_id.startswith("127.0.0.1:")


def test_the_min_id_cursor_walks_forward_page_by_page(fake, school, monkeypatch):
    monkeypatch.setattr("connectors.mastodon.connector.PAGE_SIZE", 3)
    fake.add_status("<p>Hollybrook start</p>", tags=("Hollybrook",))
    conn = connector(fake, school, hashtags=["Hollybrook"])
    _, cursor = run(conn)
    later = [fake.add_status(f"<p>Hollybrook {i}</p>", tags=("Hollybrook",)) for i in range(7)]
    batches = list(conn.fetch(cursor))
    got = [p.external_id.rsplit(":", 1)[1] for b in batches for p in b.posts]
    assert sorted(got) == sorted(s["id"] for s in later)
    calls = [r.arg("min_id") for r in fake.requests_to("/api/v1/timelines/tag/Hollybrook")]
    assert len([c for c in calls if c]) == 3
    # every batch already carries the cursor past its own page
    assert all(b.cursor for b in batches)


def test_status_search_is_used_with_a_token_and_skipped_without(fake, school):
    fake.add_status("<p>HPS parents evening was a joke</p>")
    posts, _ = run(connector(fake, school, hashtags=["Hollybrook"]))
    assert posts == [] and not fake.requests_to("/api/v2/search")
    posts, _ = run(connector(fake, school, token=TOKEN, hashtags=["Hollybrook"]))
    assert [p.text for p in posts] == ["HPS parents evening was a joke"]
    assert fake.requests_to("/api/v2/search")[0].headers["authorization"] == f"Bearer {TOKEN}"


def test_a_rate_limit_and_a_server_error_are_transient_and_a_bad_token_is_permanent(fake, school):
    fake.fail("/api/v1/timelines/tag", status=429)
    with pytest.raises(ConnectorError) as err:
        run(connector(fake, school))
    assert not err.value.permanent
    fake.fail("/api/v1/timelines/tag", status=503)
    with pytest.raises(ConnectorError) as err:
        run(connector(fake, school))
    assert not err.value.permanent
    with pytest.raises(ConnectorError) as err:
        run(connector(fake, school, token="revoked"))
    assert err.value.permanent


def test_malformed_json_and_a_slow_response_are_transient(fake, school, monkeypatch):
    fake.fail("/api/v1/timelines/tag", malformed=True)
    with pytest.raises(ConnectorError) as err:
        run(connector(fake, school))
    assert not err.value.permanent
    monkeypatch.setattr("connectors.mastodon.client.REQUEST_TIMEOUT_S", 0.2)
    fake.fail("/api/v1/timelines/tag", delay=1.0)
    with pytest.raises(ConnectorError) as err:
        run(connector(fake, school))
    assert not err.value.permanent


def test_recheck_finds_a_deleted_status_gone(fake, school):
    kept = fake.add_status("<p>Hollybrook a</p>", tags=("Hollybrook",))
    gone = fake.add_status("<p>Hollybrook b</p>", tags=("Hollybrook",))
    fake.statuses.remove(gone)
    conn = connector(fake, school)
    found = conn.recheck([f"{conn.host}:{kept['id']}", f"{conn.host}:{gone['id']}"])
    assert found[f"{conn.host}:{gone['id']}"] is None
    assert found[f"{conn.host}:{kept['id']}"] is not None


def run_with_retries(conn, cursor, attempts=3):
    """What the runner does: store each batch's cursor; after a transient fault, go on from it."""
    posts = []
    for _ in range(attempts):
        try:
            for batch in conn.fetch(cursor):
                posts.extend(batch.posts)
                cursor = batch.cursor
            return posts, cursor
        except ConnectorError as exc:
            assert not exc.permanent, exc
    raise AssertionError("still failing after retries")


def test_three_runs_with_a_token_search_from_their_cursors_and_survive_a_fault_on_one_term(fake, school):
    conn = connector(fake, school, token=TOKEN, hashtags=["Hollybrook"])
    fake.add_status("<p>#Hollybrook first</p>", tags=("Hollybrook",))
    fake.add_status("<p>HPS nativity first</p>")
    posts, cursor = run_with_retries(conn, None)
    # a status can arrive by its hashtag and by search: the store keeps it once
    assert {p.text for p in posts} == {"#Hollybrook first", "HPS nativity first"}

    # Second run: search with min_id cursors (Mastodon.py refused this before the first
    # request was made), and one 500 on the second search term mid-run.
    new = [
        fake.add_status("<p>#Hollybrook second</p>", tags=("Hollybrook",)),
        fake.add_status("<p>HPS nativity second</p>"),
    ]
    terms = [r.arg("q") for r in fake.requests_to("/api/v2/search")]
    fake.fail("/api/v2/search", status=500, when=lambda r: r.arg("q") == terms[-1])
    posts, cursor = run_with_retries(conn, cursor)
    assert {p.external_id.rsplit(":", 1)[1] for p in posts} == {s["id"] for s in new}
    second_run = fake.requests_to("/api/v2/search")[len(terms) :]
    assert second_run and all(r.arg("min_id") for r in second_run)

    fake.add_status("<p>HPS school fair third</p>")
    posts, _ = run_with_retries(conn, cursor)
    assert {p.text for p in posts} == {"HPS school fair third"}
