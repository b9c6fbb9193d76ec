"""A post must never stop a source: NUL characters, deep nesting and junk lines are cleaned or set aside.

Against the real PostgreSQL (which refuses NUL in text and JSON) and the embedded SQLite,
through the real runner and `gatepost` commands.
"""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import select

from monitor.cli import main
from monitor.jobs.fetch import fetch_school
from monitor.settings import load_profile
from review_queue.models import Post, Source
from review_queue.store import MAX_JSON_DEPTH
from tests.fakes.rss import FakeFeeds

THREAT = "Hollybrook head better watch her back at pick-up tomorrow"


def _profile(tmp_path: Path, source: str) -> Path:
    path = tmp_path / "school.toml"
    path.write_text(
        '[school]\nname = "Hollybrook Primary School"\naliases = ["Hollybrook"]\n'
        + "allow_private_hosts = true\n\n"  # the fake servers listen on 127.0.0.1
        + source,
        encoding="utf-8",
    )
    return path


def _posts(db) -> dict[str, Post]:
    with db.session_scope() as s:
        rows = list(s.scalars(select(Post)))
        s.expunge_all()
    return {p.external_id: p for p in rows}


def _source(db) -> Source:
    with db.session_scope() as s:
        src = s.scalars(select(Source)).one()
        s.expunge(src)
    return src


def test_a_feed_item_whose_link_holds_a_nul_is_stored_beside_the_threat_on_every_run(any_db, tmp_path):
    with FakeFeeds() as feeds:
        # feedparser turned &#0; into a NUL character in ids, names and text; now U+FFFD, as storable() does.
        feeds.raw_atom_entries += [
            "<entry><title>Hollybrook fair</title><link href='https://echo.example/a&#0;b'/>"
            "<id>https://echo.example/a&#0;b</id><updated>2026-11-21T20:00:00Z</updated>"
            "<author><name>Echo&#0;</name></author><summary>Hollybrook&#0; fair news</summary></entry>",
            "<entry><title>Hollybrook&#0; quiz</title><id>urn:quiz&#0;1</id>"
            "<updated>2026-11-21T20:00:00Z</updated><summary>Hollybrook quiz night</summary></entry>",
            # References to a lone surrogate or past U+10FFFF made feedparser raise for the whole feed.
            "<entry><title>Hollybrook &#xD800; disco &#55296;&#x110000;</title><id>urn:disco</id>"
            "<updated>2026-11-21T20:00:00Z</updated><summary>Hollybrook disco</summary></entry>",
        ]
        feeds.add_item(THREAT, "https://echo.example/threat")
        profile = load_profile(
            _profile(tmp_path, f'[[sources]]\nkind = "rss"\nurl = "{feeds.base}/news/atom.xml"\n')
        )
        for _ in range(3):  # every run, not only the first
            [result] = fetch_school(any_db, profile)
            assert result.ok, result.error
    posts = _posts(any_db)
    assert "https://echo.example/threat" in posts
    assert "urn:quiz\ufffd1" in posts
    assert posts["urn:disco"].text.startswith("Hollybrook \ufffd disco \ufffd\ufffd")
    nul_post = posts["https://echo.example/a\ufffdb"]
    assert nul_post.author_handle == "Echo\ufffd" and "\ufffd" in nul_post.text
    assert "\\u0000" not in json.dumps(nul_post.raw) and "\ufffd" in json.dumps(
        nul_post.raw, ensure_ascii=False
    )
    assert _source(any_db).consecutive_failures == 0


def _nested(depth: int) -> object:
    value: object = "Hollybrook"
    for _ in range(depth):
        value = {"x": value}
    return value


def test_bad_sample_lines_are_set_aside_with_a_reason_and_the_rest_of_the_batch_is_stored(
    any_db, tmp_path, capsys, monkeypatch
):
    lines = [
        json.dumps({"id": "nul-parent", "text": "Hollybrook sports day", "parent_id": "p\u00001"}),
        json.dumps({"id": "nul-raw", "text": "Hollybrook\u0000 nativity", "extra": {"k\u0000": ["v\u0000"]}}),
        json.dumps({"id": "too-deep", "text": "Hollybrook", "extra": _nested(MAX_JSON_DEPTH + 5)}),
        "[" * 100_000 + "]" * 100_000,  # json.loads itself gives up on this (RecursionError)
        "{not json",
        json.dumps({"id": "x" * 500, "text": "Hollybrook id too long"}),
        json.dumps({"id": "threat", "text": THREAT}),
    ]
    data = tmp_path / "posts.jsonl"
    data.write_text("\n".join(lines) + "\n", encoding="utf-8")
    profile_path = _profile(tmp_path, f'[[sources]]\nkind = "sample"\npath = "{data}"\n')
    profile = load_profile(profile_path)
    for _ in range(2):
        [result] = fetch_school(any_db, profile)
        assert result.ok, result.error
    posts = _posts(any_db)
    assert set(posts) == {"nul-parent", "nul-raw", "threat"}
    assert posts["nul-parent"].parent_external_id == "p\ufffd1"
    assert posts["nul-raw"].raw["extra"] == {"k\ufffd": ["v\ufffd"]}
    source = _source(any_db)
    assert source.set_aside_count == 4  # the first run read them; the second run starts past them
    assert source.last_set_aside is not None and "longer than 200" in source.last_set_aside

    monkeypatch.setenv("GATEPOST_DATABASE_URL", any_db.url)
    capsys.readouterr()
    assert main(["sources", "--school", str(profile_path)]) == 0
    out = capsys.readouterr().out
    assert "set aside     4" in out and "longer than 200 characters" in out
    assert "Hollybrook" not in out.split(":", 1)[1]  # ids and reasons only, never text


def test_classify_judges_every_line_after_a_deeply_nested_one(tmp_path):
    src = tmp_path / "in.jsonl"
    src.write_text(
        "[" * 100_000
        + "]" * 100_000
        + "\n"
        + json.dumps({"id": "deep", "text": "Hollybrook", "media": _nested(500)})
        + "\n"
        + json.dumps({"id": "after", "text": "I know where Mr Okafor parks and he'll regret it"})
        + "\n",
        encoding="utf-8",
    )
    out = tmp_path / "out.jsonl"
    assert main(["classify", "--in", str(src), "--out", str(out)]) == 1
    lines = [json.loads(x) for x in out.read_text().splitlines()]
    assert lines[0]["line"] == 1 and "error" in lines[0]
    assert [line.get("id") for line in lines[1:]] == ["deep", "after"]
    assert "threat" in lines[2]["flags"]
