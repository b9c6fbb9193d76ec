"""The reddit connector, with real praw, against the fake Reddit on 127.0.0.1."""

from __future__ import annotations

import pytest

from connectors.base import ConnectorError
from connectors.reddit import RedditConfig, RedditConnector
from tests.fakes.reddit import CLIENT_ID, CLIENT_SECRET, FakeReddit

NOW = 1_790_000_000.0
SECRETS = {"GATEPOST_REDDIT_CLIENT_ID": CLIENT_ID, "GATEPOST_REDDIT_CLIENT_SECRET": CLIENT_SECRET}


@pytest.fixture
def fake():
    with FakeReddit() as server:
        yield server


def connector(fake, school, sleeps, **config):
    cfg = RedditConfig(api_base=fake.base, **config)
    return RedditConnector(cfg, school, SECRETS, sleep=sleeps, now=lambda: NOW)


def run(conn, cursor=None):
    posts, last = [], cursor
    for batch in conn.fetch(cursor):
        posts.extend(batch.posts)
        last = batch.cursor
    return posts, last


def test_only_posts_that_really_mention_the_school_are_kept(fake, school, sleeps):
    fake.add_submission("Hollybrook pickup is chaos again", created=NOW - 100)
    fake.add_submission("Great plants at Hollybrook Garden Centre", created=NOW - 90)
    fake.add_submission("Anyone know HPSX tickets?", selftext="hollybrook? no", created=NOW - 80)
    fake.add_submission("Unrelated post about football", created=NOW - 70)

    posts, _ = run(connector(fake, school, sleeps, include_comments=False))

    titles = sorted(p.text.split("\n")[0] for p in posts)
    assert titles == ["Anyone know HPSX tickets?", "Hollybrook pickup is chaos again"]
    assert all(p.kind == "reddit" and p.external_id.startswith("t3_") for p in posts)
    assert posts[0].url.startswith("https://www.reddit.com/r/")
    token_calls = fake.requests_to("/api/v1/access_token")
    assert token_calls and token_calls[0].form()["grant_type"] == "client_credentials"


def test_comments_of_a_matching_thread_are_kept_with_the_thread_as_parent(fake, school, sleeps):
    thread = fake.add_submission("Hollybrook Primary head teacher", created=NOW - 500)
    fake.add_comment(thread, "She should be sacked", created=NOW - 400)

    posts, _ = run(connector(fake, school, sleeps))

    comment = next(p for p in posts if p.external_id.startswith("t1_"))
    assert comment.parent_external_id == thread["name"]
    assert comment.author_handle == "parent_two"


def test_a_second_run_reads_only_what_is_new_including_new_comments(fake, school, sleeps):
    thread = fake.add_submission("Hollybrook nativity", created=NOW - 5000)
    conn = connector(fake, school, sleeps)
    first, cursor = run(conn)
    assert [p.external_id for p in first] == [thread["name"]]

    fake.add_submission("Hollybrook parking", created=NOW - 100)
    reply = fake.add_comment(thread, "late reply", created=NOW - 50)
    second, _ = run(conn, cursor)

    ids = {p.external_id for p in second}
    assert reply["name"] in ids
    assert any(p.text.startswith("Hollybrook parking") for p in second)


def test_search_pages_are_followed_and_the_same_post_on_two_pages_is_yielded_once(fake, school, sleeps):
    fake.page_size = 3
    fake.repeat_across_pages = True
    for i in range(8):
        fake.add_submission(f"Hollybrook thread {i}", created=NOW - 1000 + i)
    posts, _ = run(connector(fake, school, sleeps, include_comments=False, subreddits=["unitedkingdom"]))
    ids = [p.external_id for p in posts]
    assert len(ids) == 8 and len(set(ids)) == 8
    assert len([r for r in fake.log if r.path.startswith("/r/all/search")]) >= 3


def test_intermediate_batches_keep_the_old_cursor_so_an_abandoned_run_loses_nothing(
    fake, school, sleeps, monkeypatch
):
    monkeypatch.setattr("connectors.reddit.connector.BATCH_SIZE", 2)
    for i in range(5):
        fake.add_submission(f"Hollybrook {i}", created=NOW - 100 + i)
    batches = list(connector(fake, school, sleeps, include_comments=False).fetch(None))
    assert [b.cursor for b in batches[:-1]] == [None] * (len(batches) - 1)
    assert batches[-1].cursor is not None


def test_a_429_becomes_a_transient_error_carrying_retry_after(fake, school, sleeps):
    fake.add_submission("Hollybrook", created=NOW)
    fake.fail("/r/all/search", status=429, headers={"Retry-After": "7"})
    with pytest.raises(ConnectorError) as err:
        run(connector(fake, school, sleeps))
    assert err.value.permanent is False
    assert err.value.retry_after == 7.0


def test_an_exhausted_rate_limit_window_is_waited_out_before_the_next_request(fake, school, sleeps):
    fake.page_size = 1
    for i in range(2):
        fake.add_submission(f"Hollybrook {i}", created=NOW - i)
    fake.ratelimit = {"x-ratelimit-used": "600", "x-ratelimit-remaining": "0", "x-ratelimit-reset": "12"}
    run(connector(fake, school, sleeps, include_comments=False))
    assert sleeps.calls and max(sleeps.calls) > 10


def test_a_reset_too_far_away_ends_the_run_as_a_rate_limit_instead_of_blocking(fake, school, sleeps):
    fake.page_size = 1
    for i in range(2):
        fake.add_submission(f"Hollybrook {i}", created=NOW - i)
    fake.ratelimit = {"x-ratelimit-used": "600", "x-ratelimit-remaining": "0", "x-ratelimit-reset": "400"}
    with pytest.raises(ConnectorError) as err:
        run(connector(fake, school, sleeps, include_comments=False))
    assert not err.value.permanent and err.value.retry_after and err.value.retry_after > 300
    assert sleeps.calls == []


def test_a_server_error_is_transient_and_not_retried_behind_our_back(fake, school, sleeps):
    fake.add_submission("Hollybrook", created=NOW)
    fake.fail("/r/all/search", status=500)
    with pytest.raises(ConnectorError) as err:
        run(connector(fake, school, sleeps))
    assert err.value.permanent is False
    assert sleeps.calls == []


def test_malformed_json_is_a_transient_error(fake, school, sleeps):
    fake.fail("/r/all/search", malformed=True)
    with pytest.raises(ConnectorError) as err:
        run(connector(fake, school, sleeps))
    assert err.value.permanent is False


def test_a_slow_response_past_the_timeout_is_a_transient_error(fake, school, sleeps, monkeypatch):
    monkeypatch.setattr("connectors.reddit.client.REQUEST_TIMEOUT_S", 1)  # praw wants whole seconds
    fake.fail("/r/all/search", delay=2.0)
    with pytest.raises(ConnectorError) as err:
        run(connector(fake, school, sleeps))
    assert err.value.permanent is False
    assert "Timeout" in str(err.value)


def test_revoked_credentials_are_permanent(fake, school, sleeps):
    fake.revoked = True
    with pytest.raises(ConnectorError) as err:
        run(connector(fake, school, sleeps))
    assert err.value.permanent is True


def test_a_banned_subreddit_is_permanent(fake, school, sleeps):
    fake.banned.add("ashbyfields")
    with pytest.raises(ConnectorError) as err:
        run(connector(fake, school, sleeps, subreddits=["AshbyFields"]))
    assert err.value.permanent is True
    assert "403" in str(err.value)


def test_recheck_reports_an_edit_and_a_deletion(fake, school, sleeps):
    kept = fake.add_submission("Hollybrook one", created=NOW)
    gone = fake.add_submission("Hollybrook two", created=NOW)
    conn = connector(fake, school, sleeps)
    kept["selftext"] = "edited later"
    fake.delete(gone)
    found = conn.recheck([kept["name"], gone["name"]])
    assert found[gone["name"]] is None
    assert found[kept["name"]] is not None and "edited later" in found[kept["name"]].text


def test_error_messages_carry_no_post_text(fake, school, sleeps):
    fake.add_submission("Hollybrook secret words", created=NOW)
    fake.fail("/comments/", status=500)
    with pytest.raises(ConnectorError) as err:
        run(connector(fake, school, sleeps))
    assert "secret" not in str(err.value)
