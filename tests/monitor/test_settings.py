"""Profiles and settings: a broken profile is refused with one line naming the file, the key and the fix."""

from __future__ import annotations

from pathlib import Path

import pytest

from config import DEMO_SCHOOL_PATH
from monitor.cli import main
from monitor.settings import StartupError, load_profile, load_settings, read_secret

GOOD = """
[school]
name = "Hollybrook Primary School"
aliases = ["Hollybrook", "HPS"]

[[sources]]
kind = "sample"
path = "posts.jsonl"
"""


def write(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "school.toml"
    path.write_text(body, encoding="utf-8")
    return path


def test_the_demo_profile_loads_and_its_sample_path_is_resolved_beside_it() -> None:
    profile = load_profile(DEMO_SCHOOL_PATH)
    assert profile.school.name == "Hollybrook Primary School"
    assert profile.slug == "hollybrook-primary-school"
    assert Path(profile.sources[0].path).is_file()  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("body", "key", "fix"),
    [
        (GOOD.replace("aliases", "alias"), "school.alias", "unknown key"),
        (GOOD.replace('name = "Hollybrook Primary School"', ""), "school.name", "missing required key"),
        (GOOD.replace('name = "Hollybrook Primary School"', "name = 42"), "school.name", "invalid"),
        (
            GOOD.replace('path = "posts.jsonl"', 'path = "p"\ninterval_minutes = "often"'),
            "sources[0].interval_minutes",
            "invalid",
        ),
        (GOOD.replace('kind = "sample"', 'kind = "myspace"'), "sources[0].kind", "unknown value"),
        (GOOD + "\n[[staff]]\nrole = 'Head'\n", "staff[0].name", "missing required key"),
    ],
)
def test_a_broken_profile_is_refused_with_one_line_naming_file_and_key(
    tmp_path: Path, body: str, key: str, fix: str
) -> None:
    path = write(tmp_path, body)
    with pytest.raises(StartupError) as err:
        load_profile(path)
    message = str(err.value)
    assert "\n" not in message
    assert str(path) in message and f"'{key}'" in message and fix in message and "fix:" in message


def test_the_cli_refuses_a_broken_profile_with_exit_2_and_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(tmp_path, GOOD.replace("aliases", "alias"))
    assert main(["fetch", "--once", "--school", str(path)]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1
    assert str(path) in err and "school.alias" in err


def test_invalid_toml_is_refused_with_the_file_named(tmp_path: Path) -> None:
    path = write(tmp_path, "[school\nname=")
    with pytest.raises(StartupError, match="not valid TOML"):
        load_profile(path)


def test_environment_wins_over_the_settings_file(tmp_path: Path) -> None:
    file = tmp_path / "settings.toml"
    file.write_text('base_url = "https://from-file.example"\nport = 9000\n')
    s = load_settings(
        file, env={"GATEPOST_HOME": str(tmp_path), "GATEPOST_BASE_URL": "https://from-env.example"}
    )
    assert s.base_url == "https://from-env.example"
    assert s.port == 9000
    assert s.database_url == f"sqlite:///{tmp_path / 'gatepost.db'}"


def test_secrets_are_read_from_the_environment_or_a_named_file(tmp_path: Path) -> None:
    secret = tmp_path / "key"
    secret.write_text("s3cret\n")
    assert read_secret("GATEPOST_X", {"GATEPOST_X": "direct"}) == "direct"
    assert read_secret("GATEPOST_X", {"GATEPOST_X_FILE": str(secret)}) == "s3cret"
    assert read_secret("GATEPOST_X", {}) is None
    s = load_settings(env={"GATEPOST_HOME": str(tmp_path), "GATEPOST_SMTP_PASSWORD_FILE": str(secret)})
    assert s.smtp.password == "s3cret"


def test_a_secret_written_into_the_settings_file_is_refused(tmp_path: Path) -> None:
    file = tmp_path / "settings.toml"
    file.write_text('[smtp]\nhost = "mail"\npassword = "hunter2"\n')
    with pytest.raises(StartupError, match=r"smtp\.password"):
        load_settings(file, env={"GATEPOST_HOME": str(tmp_path)})


@pytest.mark.parametrize(
    "fragment,key",
    [
        ('[[sources]]\nkind = "rss"\nurl = "file:///etc/passwd"\n', "sources[0].url"),
        ('[[sources]]\nkind = "mastodon"\napi_base = "gopher://x.test"\n', "sources[0].api_base"),
        ('[contacts]\ndsl = ["the DSL"]\n', "contacts.dsl[0]"),
        ('[contacts]\nwebhook_url = "file:///tmp/hook"\n', "contacts.webhook_url"),
    ],
)
def test_a_profile_with_a_dangerous_or_impossible_value_stops_start_up_in_one_line(tmp_path, fragment, key):
    from monitor.settings import StartupError, load_profile

    path = tmp_path / "school.toml"
    path.write_text('[school]\nname = "Hollybrook Primary School"\n\n' + fragment, encoding="utf-8")
    with pytest.raises(StartupError) as err:
        load_profile(path)
    assert key in str(err.value) and "\n" not in str(err.value)


def test_a_profile_that_is_not_utf8_or_a_timezone_on_mars_stops_start_up_in_one_line(tmp_path):
    from monitor.settings import StartupError, load_profile, load_settings

    path = tmp_path / "school.toml"
    path.write_bytes('[school]\nname = "Caf\u00e9"\n'.encode("latin-1"))
    with pytest.raises(StartupError, match="not UTF-8"):
        load_profile(path)
    with pytest.raises(StartupError, match="timezone"):
        load_settings(env={"GATEPOST_HOME": str(tmp_path), "GATEPOST_TIMEZONE": "Mars/Olympus"})


@pytest.mark.parametrize(
    "address",
    [
        "http://169.254.169.254/latest/meta-data/",  # a cloud metadata endpoint (link-local)
        "http://127.0.0.1:6379/",  # this machine's Redis
        "http://10.0.0.5/feed.xml",
        "http://[::1]/feed",
        "http://[::ffff:192.168.1.1]/feed",
        "https://intranet.local/feed",
        "http://localhost:8000/",
    ],
)
def test_a_feed_on_a_private_or_local_address_is_refused_unless_the_operator_allows_it(tmp_path, address):
    from monitor.settings import StartupError, load_profile

    path = tmp_path / "school.toml"
    body = f'[[sources]]\nkind = "rss"\nurl = "{address}"\n'
    path.write_text('[school]\nname = "Hollybrook Primary School"\n\n' + body, encoding="utf-8")
    with pytest.raises(StartupError, match=r"sources\[0\]\.url.*allow_private_hosts"):
        load_profile(path)
    path.write_text('[school]\nname = "Hollybrook Primary School"\nallow_private_hosts = true\n\n' + body)
    assert load_profile(path).sources[0].url == address


def test_a_webhook_on_a_private_address_is_refused_and_public_ones_pass(tmp_path):
    from monitor.settings import StartupError, load_profile

    path = tmp_path / "school.toml"
    path.write_text(
        '[school]\nname = "Hollybrook Primary School"\n\n[contacts]\nwebhook_url = "http://192.168.0.9/hook"\n'
        '\n[[sources]]\nkind = "rss"\nurl = "https://news.example.com/feed.xml"\n'
    )
    with pytest.raises(StartupError, match=r"contacts\.webhook_url"):
        load_profile(path)
