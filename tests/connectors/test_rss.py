"""The rss connector, with real httpx and feedparser, against fake feeds on 127.0.0.1."""

from __future__ import annotations

import dataclasses

import pytest

from connectors.base import ConnectorError
from connectors.rss import RssConfig, RssConnector
from connectors.rss.connector import unwrap_link
from tests.fakes.rss import FakeFeeds


@pytest.fixture
def fake():
    with FakeFeeds() as server:
        yield server


def run(conn, cursor=None):
    posts, last = [], cursor
    for batch in conn.fetch(cursor):
        posts.extend(batch.posts)
        last = batch.cursor
    return posts, last


def test_google_alerts_links_are_unwrapped_to_the_real_article(fake, school):
    fake.add_item(
        "<b>Hollybrook</b> Primary head resigns",
        "https://ashbyecho.example/news/1?a=1&b=2",
        "Parents at <b>Hollybrook</b> said...",
    )
    fake.add_item("Hollybrook Garden Centre sale", "https://ashbyecho.example/news/2")
    posts, _ = run(RssConnector(RssConfig(url=f"{fake.base}/alerts/feed.xml"), school))
    assert len(posts) == 1
    assert posts[0].url == "https://ashbyecho.example/news/1?a=1&b=2"
    assert posts[0].external_id == posts[0].url
    assert posts[0].text.startswith("Hollybrook Primary head resigns")
    assert "<b>" not in posts[0].text


def test_an_unchanged_feed_is_answered_304_and_yields_nothing(fake, school):
    fake.add_item("Hollybrook news", "https://ashbyecho.example/news/1")
    conn = RssConnector(RssConfig(url=f"{fake.base}/alerts/feed.xml"), school)
    _, cursor = run(conn)
    posts, cursor2 = run(conn, cursor)
    assert posts == [] and cursor2 == cursor
    last = fake.requests_to("/alerts/feed.xml")[-1]
    assert last.headers["if-none-match"].startswith('"') and last.headers["if-modified-since"]
    fake.add_item("More Hollybrook news", "https://ashbyecho.example/news/3")
    posts, _ = run(conn, cursor)
    assert {p.url for p in posts} == {"https://ashbyecho.example/news/1", "https://ashbyecho.example/news/3"}


def test_atom_feeds_are_read_too(fake, school):
    fake.add_item("Ofsted praises HPS", "https://ashbyecho.example/atom/1", "HPS was rated good")
    posts, _ = run(RssConnector(RssConfig(url=f"{fake.base}/news/atom.xml"), school))
    assert [p.author_handle for p in posts] == ["Ashby Echo"]


def test_a_feed_over_the_size_cap_is_refused(fake, school):
    fake.huge = True
    with pytest.raises(ConnectorError, match="larger than"):
        run(RssConnector(RssConfig(url=f"{fake.base}/alerts/feed.xml"), school))


def test_server_errors_malformed_feeds_and_timeouts_are_transient_and_404_is_permanent(
    fake, school, monkeypatch
):
    conn = RssConnector(RssConfig(url=f"{fake.base}/alerts/feed.xml"), school)
    fake.fail("/alerts", status=503, headers={"Retry-After": "30"})
    with pytest.raises(ConnectorError) as err:
        run(conn)
    assert not err.value.permanent and err.value.retry_after == 30
    fake.fail("/alerts", malformed=True)
    with pytest.raises(ConnectorError) as err:
        run(conn)
    assert not err.value.permanent
    monkeypatch.setattr("connectors.rss.client.REQUEST_TIMEOUT_S", 0.2)
    fake.fail("/alerts", delay=1.0)
    with pytest.raises(ConnectorError, match="Timeout") as err:
        run(conn)
    with pytest.raises(ConnectorError) as err:
        run(RssConnector(RssConfig(url=f"{fake.base}/gone.xml"), school))
    assert err.value.permanent


def test_unwrap_leaves_ordinary_links_alone():
    assert (
        unwrap_link("https://example.org/url?url=https://evil") == "https://example.org/url?url=https://evil"
    )
    assert unwrap_link("https://www.google.co.uk/url?q=https://a.example/x&sa=U") == "https://a.example/x"


def test_a_redirect_to_a_private_address_is_refused_unless_the_profile_allows_it(fake, school):
    # A public feed that answers 302 to the school's own network (or a cloud metadata
    # address) must not make Gatepost fetch it; the target here is this same fake under
    # "localhost", so a followed redirect would show in its log.
    fake.add_item("Hollybrook news", "https://ashbyecho.example/news/1")
    target = f"http://localhost:{fake.port}/news/atom.xml"
    fake.fail("/alerts/feed.xml", status=302, headers={"Location": target})
    conn = RssConnector(RssConfig(url=f"{fake.base}/alerts/feed.xml"), school)
    with pytest.raises(ConnectorError, match="redirect to a private or local address refused") as info:
        run(conn)
    assert info.value.permanent
    assert fake.requests_to("/news/atom.xml") == []

    fake.fail("/alerts/feed.xml", status=302, headers={"Location": target})
    allowed = dataclasses.replace(school, allow_private_hosts=True)
    posts, _ = run(RssConnector(RssConfig(url=f"{fake.base}/alerts/feed.xml"), allowed))
    assert [p.author_handle for p in posts] == ["Ashby Echo"]
    assert len(fake.requests_to("/news/atom.xml")) == 1
