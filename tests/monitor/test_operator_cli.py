"""The command line as the school's IT person meets it: help, init, demo, serve, fetch and sources."""

from __future__ import annotations

import json
import os
import re
import shlex
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from connectors.rss import RssConfig
from monitor.cli import COMMAND_GROUPS, build_parser, main
from monitor.settings import load_settings, parse_profile, source_key, source_names

GATEPOST = [sys.executable, "-m", "monitor.cli"]
PASSWORD = "correct horse battery staple lamp"


def gatepost_env(home: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GATEPOST_")}
    return {**env, "GATEPOST_HOME": str(home), **extra}


@pytest.fixture
def busy_port() -> Iterator[int]:
    """A port another program is listening on."""
    with socket.create_server(("127.0.0.1", 0)) as other:
        yield other.getsockname()[1]


def free_port() -> int:
    with socket.create_server(("127.0.0.1", 0)) as probe:
        return int(probe.getsockname()[1])


# ------------------------------------------------------------------ --help


def test_help_says_what_gatepost_is_lists_commands_in_the_operators_order_and_points_at_the_guide(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with pytest.raises(SystemExit) as done:
        main(["--help"])
    assert done.value.code == 0
    out = capsys.readouterr().out
    assert "code of conduct" in out and "designated safeguarding lead" in out
    assert "docs/operators-guide.md" in out
    # Headings in order, each command once, in the order an operator meets them.
    listed = re.findall(r"^  ([a-z]+) ", out, flags=re.MULTILINE)
    assert listed[:7] == ["demo", "init", "fetch", "sources", "users", "serve", "run"]
    headings = [h for h, _ in COMMAND_GROUPS]
    assert [line[:-1] for line in out.splitlines() if line[:-1] in headings] == headings


def test_every_command_is_under_exactly_one_help_heading() -> None:
    parser = build_parser()
    commands = next(a for a in parser._actions if a.dest == "command").choices
    grouped = [name for _, names in COMMAND_GROUPS for name in names]
    assert sorted(grouped) == sorted(commands)


# ------------------------------------------------------------------ init


def test_init_says_where_everything_is_and_the_exact_next_commands_which_work(
    gatepost_home: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    assert main(["init"]) == 0
    out = capsys.readouterr().out
    profile, settings_file, database = (
        gatepost_home / "school.toml",
        gatepost_home / "settings.toml",
        gatepost_home / "gatepost.db",
    )
    for path in (profile, settings_file, database):
        assert str(path) in out and path.exists()
    assert database.stat().st_mode & 0o777 == 0o600
    commands = [line.strip() for line in out.splitlines() if line.strip().startswith("gatepost ")]
    assert "gatepost serve" in commands and "gatepost run" in commands and "gatepost fetch" in commands
    # The first account's command, exactly as printed, creates it.
    first = next(c for c in commands if c.startswith("gatepost users add") and "--role admin" in c)
    monkeypatch.setenv("GATEPOST_NEW_PASSWORD", PASSWORD)
    assert main(shlex.split(first)[1:]) == 0
    assert "you@your-school.example" in capsys.readouterr().out
    # The settings written list the profile: the next commands need no --school.
    assert main(["sources"]) == 0
    assert "rss Google Alert 0000000000000000000" in capsys.readouterr().out
    # Run again, it leaves everything alone and still says what next.
    assert main(["init"]) == 0
    again = capsys.readouterr().out
    assert again.count("already there, left alone") == 2 and "gatepost serve" in again


def test_init_with_its_own_settings_file_puts_it_in_every_next_command(
    gatepost_home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    settings_file = tmp_path / "etc" / "settings.toml"
    profile = tmp_path / "etc" / "schools" / "hollybrook.toml"
    assert main(["--settings", str(settings_file), "init", "--profile", str(profile)]) == 0
    out = capsys.readouterr().out
    assert f"gatepost --settings {settings_file} serve" in out
    assert f"gatepost --settings {settings_file} run\n" in out
    assert load_settings(settings_file).schools == [profile]


# ------------------------------------------------------------------ serve


@pytest.mark.parametrize("command", ["serve", "demo"])
def test_a_busy_port_is_one_line_and_exit_2_not_a_traceback(
    command: str, busy_port: int, tmp_path: Path
) -> None:
    for how in ([command, "--port", str(busy_port)], [command]):
        env = gatepost_env(tmp_path / "home", GATEPOST_PORT=str(busy_port))  # the settings' port too
        done = subprocess.run(GATEPOST + how, capture_output=True, text=True, env=env, timeout=120)
        assert done.returncode == 2, done.stderr
        err = done.stderr.strip()
        assert len(err.splitlines()) == 1 and "Traceback" not in err
        assert f"port {busy_port} is already in use" in err and "--port" in err
        assert "judged" not in done.stdout  # the demo says so before the slow part


def test_serve_listens_on_the_host_and_port_given_and_says_where(tmp_path: Path) -> None:
    port = free_port()
    env = gatepost_env(tmp_path / "home")
    with subprocess.Popen(
        [*GATEPOST, "serve", "--host", "127.0.0.1", "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env=env,
    ) as server:
        try:
            assert server.stdout is not None
            said = server.stdout.readline() + server.stdout.readline()
            assert f"Console listening on http://127.0.0.1:{port}/" in said
            deadline = time.monotonic() + 60
            while True:
                try:
                    with urllib.request.urlopen(f"http://127.0.0.1:{port}/signin", timeout=5) as page:
                        assert page.status == 200 and b"Sign in" in page.read()
                        break
                except OSError:
                    if time.monotonic() > deadline or server.poll() is not None:
                        raise
                    time.sleep(0.2)
        finally:
            server.terminate()
            server.wait(timeout=30)


# ------------------------------------------------------------------ source names


def test_sources_are_named_by_what_they_read_and_keep_their_stored_keys() -> None:
    profile = parse_profile(
        {
            "school": {"name": "Hollybrook Primary School"},
            "sources": [
                {"kind": "rss", "url": "https://news.example.com/feed.xml"},
                {"kind": "reddit", "subreddits": ["AshbyFields"]},
                {"kind": "mastodon", "api_base": "https://mastodon.social", "hashtags": ["hollybrook"]},
                {"kind": "sample", "path": "/data/posts.jsonl", "interval_minutes": 5},
                {"kind": "x"},
                {"kind": "bluesky", "handle": "school.bsky.social"},
            ],
        }
    )
    assert list(source_names(profile).items()) == [
        # The keys are what earlier versions stored: existing cursors carry on.
        ("rss-5dd4a5b1", "rss news.example.com/feed.xml"),
        ("reddit-c751b41f", "reddit r/AshbyFields"),
        ("mastodon-9fde2b00", "mastodon #hollybrook on mastodon.social"),
        ("sample-76a7e45a", "sample posts.jsonl"),
        ("x-3a509cad", "x search (500 reads a day)"),
        ("bluesky-973da1e7", "bluesky search (signed in as school.bsky.social)"),
    ]
    # No "www." and no query (a feed's may hold a token); a Google Alert by its own id.
    assert RssConfig(url="https://www.news.example.com/feed.xml?token=abc").describe() == (
        "rss news.example.com/feed.xml"
    )
    alert = RssConfig(url="https://www.google.com/alerts/feeds/01234567890123456789/9876543210987654321")
    assert alert.describe() == "rss Google Alert 9876543210987654321"


def test_a_name_in_the_profile_wins_and_leaves_the_key_alone_and_alike_sources_stay_apart() -> None:
    named = parse_profile(
        {
            "school": {"name": "Hollybrook"},
            "sources": [
                {
                    "kind": "rss",
                    "url": "https://news.example.com/feed.xml",
                    "name": "Local news",
                },
                {"kind": "reddit", "subreddits": ["AshbyFields"]},
                {"kind": "reddit", "subreddits": ["AshbyFields"], "include_comments": False},
            ],
        }
    )
    names = source_names(named)
    assert names["rss-5dd4a5b1"] == "Local news"
    assert source_key(named.sources[0]) == "rss-5dd4a5b1"
    alike = [n for k, n in names.items() if k.startswith("reddit-")]
    assert len(set(alike)) == 2 and all(n.startswith("reddit r/AshbyFields (reddit-") for n in alike)


# ------------------------------------------------------------------ fetch and sources


def sample_profile(tmp_path: Path, files: list[str]) -> Path:
    for name in files:
        (tmp_path / name).write_text(
            json.dumps({"id": name, "text": "Hollybrook nativity was lovely"}) + "\n", encoding="utf-8"
        )
    path = tmp_path / "school.toml"
    path.write_text(
        '[school]\nname = "Hollybrook Primary School"\naliases = ["Hollybrook"]\n'
        + "".join(f'\n[[sources]]\nkind = "sample"\npath = "{name}"\n' for name in files),
        encoding="utf-8",
    )
    return path


def test_fetch_runs_once_without_once_and_names_each_source(
    gatepost_home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    profile = sample_profile(tmp_path, ["year4.jsonl"])
    assert main(["fetch", "--no-classify", "--school", str(profile)]) == 0
    out = capsys.readouterr().out
    assert re.search(r"^  sample year4\.jsonl +ok +1 new of +1 seen$", out, flags=re.MULTILINE), out
    assert "sample-" not in out
    # Scripts that say --once still work.
    assert main(["fetch", "--once", "--no-classify", "--school", str(profile)]) == 0
    assert "0 new of" in capsys.readouterr().out


def test_sources_shows_the_profiles_sources_and_says_how_many_older_ones_are_hidden(
    gatepost_home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    profile = sample_profile(tmp_path, ["kept.jsonl", "dropped.jsonl"])
    assert main(["fetch", "--no-classify", "--school", str(profile)]) == 0
    sample_profile(tmp_path, ["kept.jsonl"])  # the operator takes one source out
    capsys.readouterr()
    assert main(["sources", "--school", str(profile)]) == 0
    out = capsys.readouterr().out
    assert "sample kept.jsonl" in out and "dropped" not in out
    assert "1 older source no longer in the profile hidden; `gatepost sources --all` shows them" in out
    assert main(["sources", "--all", "--school", str(profile)]) == 0
    everything = capsys.readouterr().out
    kept, older = everything.split("no longer in the profile")
    # The profile no longer says what an older source read: it shows by its stored key.
    assert "sample kept.jsonl" in kept and "posts stored  1" in older
    assert re.search(r"^  sample-[0-9a-f]{8} +ok$", older, flags=re.MULTILINE), older


# ------------------------------------------------------------------ demo


def test_the_demo_gives_a_signin_link_for_each_role_and_says_how_to_open_them(
    gatepost_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["demo", "--no-serve"]) == 0
    out = capsys.readouterr().out
    assert "gatepost serve" in out
    links = re.findall(r"^  (\w+) .*\n +(http://127\.0\.0\.1:8000/signin/once/\S+)$", out, flags=re.MULTILINE)
    assert [role for role, _ in links] == ["DSL", "headteacher", "governor", "trust"]
    assert len({link for _, link in links}) == 4
    assert (gatepost_home / "gatepost.db").stat().st_mode & 0o777 == 0o600
