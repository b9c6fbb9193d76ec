"""Load and validate settings and school profiles, once, in layers.

Layers, later wins: the bundled `config/` defaults, then the settings file
(`$GATEPOST_HOME/settings.toml` or `--settings`), then `GATEPOST_*` environment
variables.  School profiles are TOML files validated against `Profile`.  Secrets are
named, never written in: an environment variable or a `NAME_FILE` path to read.

Anything wrong stops start-up with a `StartupError` whose message is one line naming
the file, the key and the fix.  This module is not where connectors are built
(`monitor.build` does that).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import tomllib
from collections.abc import Mapping
from datetime import date
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

import pydantic
from pydantic import BaseModel, ConfigDict, Field

from classifiers.base import SchoolContext, StaffRef
from config import POLICY_PATH
from connectors import registry
from connectors.addresses import private_host
from connectors.base import SchoolQuery, SourceConfig, web_address


class StartupError(Exception):
    """A configuration problem, described in one line: file, key and fix."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _timezone(value: str) -> str:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"{value!r} is not a time zone name such as Europe/London") from None
    return value


class SchoolSection(_Strict):
    name: Annotated[str, Field(min_length=1)]
    aliases: list[str] = []
    town: str | None = None
    # Phrases that contain an alias but mean something else ("Hollybrook Garden Centre").
    exclude: list[str] = []
    # Feeds, platform APIs and webhooks on a private or local address are refused unless the
    # operator runs that service for the school (a self-hosted Mastodon, an intranet feed).
    allow_private_hosts: bool = False
    # Stable id used in URLs and the database; derived from the name when absent.
    slug: Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9-]{0,79}$")] | None = None
    # The zone the school's times are shown in (console, digest, alerts, reports, evidence
    # packs) and its digest is scheduled in; settings' `timezone` when absent.
    timezone: Annotated[str, pydantic.AfterValidator(_timezone)] | None = None


class StaffEntry(_Strict):
    name: Annotated[str, Field(min_length=1)]
    role: str = ""
    aliases: list[str] = []


Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
# "08:00-17:30": local wall-clock times, start before end.
HOURS_PATTERN = r"^([01][0-9]|2[0-3]):[0-5][0-9]-([01][0-9]|2[0-3]):[0-5][0-9]$"


class DateRange(_Strict):
    """A holiday, inclusive of both days."""

    start: date
    end: date
    name: str = ""


def _email(value: str) -> str:
    """An email address as a person would write one: something@a-domain.tld, no spaces."""
    if not re.fullmatch(r"[^@\s<>,;]+@[^@\s<>,;]+\.[^@\s<>,;.]+", value.strip()):
        raise ValueError(f"{value!r} is not an email address")
    return value.strip()


Email = Annotated[str, pydantic.AfterValidator(_email)]


class OnCall(_Strict):
    """Who takes urgent alerts out of hours on these weekdays and/or between these dates."""

    to: list[Email]
    weekdays: list[Weekday] = []
    start: date | None = None
    end: date | None = None


class Contacts(_Strict):
    """Who is told about urgent flags, and when the school is open.  Addresses only; never secrets.

    In school hours urgent alerts go to `dsl` and `deputy`.  Outside them (evenings,
    non-school days, `holidays`) they go to the first matching `on_call` entry, else to
    `out_of_hours`, else still to `dsl` and `deputy`: an urgent alert is never held back.
    """

    dsl: list[Email] = []
    deputy: list[Email] = []
    headteacher: list[Email] = []
    out_of_hours: list[Email] = []
    webhook_url: Annotated[str | None, pydantic.AfterValidator(web_address)] = None
    school_hours: Annotated[str, Field(pattern=HOURS_PATTERN)] = "08:00-17:30"
    school_days: list[Weekday] = ["mon", "tue", "wed", "thu", "fri"]
    holidays: list[DateRange] = []
    on_call: list[OnCall] = []


class Profile(_Strict):
    """A school profile: the TOML contract that other tools rely on."""

    school: SchoolSection
    staff: list[StaffEntry] = []
    contacts: Contacts = Contacts()
    sources: list[SourceConfig] = []
    path: Path | None = Field(default=None, exclude=True)

    @property
    def slug(self) -> str:
        return self.school.slug or slugify(self.school.name)

    def timezone(self, settings: Settings) -> str:
        """The school's time zone: its own `[school] timezone`, else the deployment's."""
        return self.school.timezone or settings.timezone

    def query(self) -> SchoolQuery:
        return SchoolQuery(
            name=self.school.name,
            aliases=tuple(self.school.aliases),
            town=self.school.town,
            exclude=tuple(self.school.exclude),
            allow_private_hosts=self.school.allow_private_hosts,
        )

    def context(self) -> SchoolContext:
        return SchoolContext(
            name=self.school.name,
            aliases=tuple(self.school.aliases),
            town=self.school.town,
            staff=tuple(StaffRef(s.name, s.role, tuple(s.aliases)) for s in self.staff),
        )


class SmtpSettings(_Strict):
    host: str = "127.0.0.1"
    port: int = 25
    username: str | None = None
    password: str | None = None  # from GATEPOST_SMTP_PASSWORD only
    starttls: bool = False
    from_address: str = "gatepost@localhost"
    timeout_seconds: float = 30.0


class DigestSettings(_Strict):
    """When the headteacher's weekly digest goes out (local time in `Settings.timezone`)."""

    enabled: bool = True
    weekday: Weekday = "mon"
    at: Annotated[str, Field(pattern=r"^([01][0-9]|2[0-3]):[0-5][0-9]$")] = "07:00"


class Settings(_Strict):
    """Deployment settings: where data lives, how to reach the database, mail and the console."""

    home: Path
    database_url: str
    secret_key: str | None = None  # from GATEPOST_SECRET_KEY only
    audit_key: str | None = None  # from GATEPOST_AUDIT_KEY only
    base_url: str = "http://127.0.0.1:8000"
    host: str = "127.0.0.1"
    port: int = 8000
    timezone: Annotated[str, pydantic.AfterValidator(_timezone)] = "Europe/London"
    policy_path: Path = POLICY_PATH
    # School profiles this Gatepost serves (a trust lists many).
    schools: list[Path] = []
    smtp: SmtpSettings = SmtpSettings()
    digest: DigestSettings = DigestSettings()
    # Celery broker for scale-out mode; None means one process does everything.
    broker_url: str | None = None
    # Every Redis key Gatepost's Celery uses starts with this: deployments can share a Redis.
    broker_key_prefix: str = "gatepost:"
    # A task taken by a worker that then vanishes is handed out again after this long.
    broker_visibility_timeout: Annotated[int, Field(ge=1)] = 3600
    # Long-running processes (serve, run, worker) log at this level; one-shot commands at
    # WARNING unless -v or GATEPOST_LOG_LEVEL says otherwise.
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"] = "INFO"


def slugify(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.casefold()).strip("-")[:80] or "school"


def source_key(source: SourceConfig) -> str:
    """A stable key for a source: its kind plus a hash of what identifies it (not its interval
    or its name).  The key holds the source's cursor in the database: never change how it is made."""
    ident = source.model_dump(exclude={"interval_minutes", "name"}, mode="json")
    digest = hashlib.sha256(json.dumps(ident, sort_keys=True).encode()).hexdigest()[:8]
    return f"{source.kind}-{digest}"


def source_names(profile: Profile) -> dict[str, str]:
    """Each source of the profile, key -> what people call it (its `name`, else what it reads), in
    the profile's order.  Two sources that would read alike keep their key after the name."""
    labels = {source_key(s): s.label() for s in profile.sources}
    seen = list(labels.values())
    return {key: label if seen.count(label) == 1 else f"{label} ({key})" for key, label in labels.items()}


# ---------------------------------------------------------------- error wording


def _loc(loc: tuple[int | str, ...]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def invalid_file(path: Path | str, exc: pydantic.ValidationError, prefix: tuple[int | str, ...] = ()) -> str:
    """One line for a file pydantic refused (a profile, settings, the policy): the file, the key, the fix."""
    err = exc.errors()[0]
    loc = _loc(prefix + tuple(p for p in err["loc"] if not str(p).startswith("function-")))
    kind = err["type"]
    if kind == "extra_forbidden":
        return f"{path}: unknown key '{loc}'; fix: remove it or correct its spelling"
    if kind == "missing":
        return f"{path}: missing required key '{loc}'; fix: add it"
    return f"{path}: key '{loc}' is invalid ({err['msg']}); fix: correct its value"


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except FileNotFoundError:
        raise StartupError(f"{path}: file not found; fix: check the path") from None
    except tomllib.TOMLDecodeError as exc:
        raise StartupError(f"{path}: not valid TOML ({exc}); fix: correct the syntax") from None
    except UnicodeDecodeError:
        raise StartupError(f"{path}: not UTF-8 text; fix: save the file as UTF-8") from None


# ---------------------------------------------------------------- profiles


def parse_profile(data: Mapping[str, Any], path: Path | str = "<profile>") -> Profile:
    """Validate a profile mapping; each source is checked against its own kind's model."""
    raw_sources = data.get("sources", [])
    if not isinstance(raw_sources, list):
        raise StartupError(
            f"{path}: key 'sources' must be a list of [[sources]] tables; fix: use [[sources]]"
        )
    sources: list[SourceConfig] = []
    for i, raw in enumerate(raw_sources):
        kind = raw.get("kind") if isinstance(raw, dict) else None
        if kind is None:
            raise StartupError(f"{path}: missing required key 'sources[{i}].kind'; fix: add it")
        try:
            model = registry.config_model(str(kind))
        except KeyError:
            known = ", ".join(sorted(registry.known_kinds()))
            raise StartupError(
                f"{path}: key 'sources[{i}].kind' has unknown value '{kind}'; fix: use one of {known}"
            ) from None
        try:
            sources.append(model.model_validate(raw))
        except pydantic.ValidationError as exc:
            raise StartupError(invalid_file(path, exc, ("sources", i))) from None
    rest = {k: v for k, v in data.items() if k != "sources"}
    try:
        profile = Profile.model_validate({**rest, "path": Path(path) if path != "<profile>" else None})
    except pydantic.ValidationError as exc:
        raise StartupError(invalid_file(path, exc)) from None
    # Sources are validated by their own models above; attach them without re-validation.
    profile = profile.model_copy(update={"sources": sources})
    if not profile.school.allow_private_hosts:
        _refuse_private_hosts(profile, path)
    return profile


def _refuse_private_hosts(profile: Profile, path: Path | str) -> None:
    addresses = [
        (f"sources[{i}].{attr}", getattr(src, attr, None))
        for i, src in enumerate(profile.sources)
        for attr in ("url", "api_base")
    ] + [("contacts.webhook_url", profile.contacts.webhook_url)]
    for key, value in addresses:
        host = urlsplit(value).hostname if isinstance(value, str) else None
        if private_host(host):
            raise StartupError(
                f"{path}: key '{key}' points at a private or local address ({host}); fix: use a public "
                "address, or set allow_private_hosts = true under [school] for a service you run yourself"
            )


def load_profile(path: Path | str) -> Profile:
    path = Path(path)
    profile = parse_profile(_read_toml(path), path)
    return _resolve_relative_paths(profile, path.parent)


def _resolve_relative_paths(profile: Profile, base: Path) -> Profile:
    # A sample source's path is relative to the profile file, like an include.
    fixed: list[SourceConfig] = []
    for src in profile.sources:
        p = getattr(src, "path", None)
        if isinstance(p, str) and not Path(p).is_absolute():
            src = src.model_copy(update={"path": str((base / p).resolve())})
        fixed.append(src)
    return profile.model_copy(update={"sources": fixed})


# ---------------------------------------------------------------- settings


def read_secret(name: str, env: Mapping[str, str] | None = None) -> str | None:
    """A secret from `NAME` or from the file that `NAME_FILE` names (healthchecks' envsecret)."""
    env = os.environ if env is None else env
    if env.get(name):
        return env[name]
    file = env.get(f"{name}_FILE")
    if file:
        try:
            return Path(file).read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise StartupError(
                f"{name}_FILE: cannot read {file} ({exc.strerror}); fix: point it at a readable file"
            ) from None
    return None


# Environment variables that map onto settings keys (the secrets are read separately).
_ENV_KEYS = {
    "GATEPOST_DATABASE_URL": ("database_url",),
    "GATEPOST_BASE_URL": ("base_url",),
    "GATEPOST_HOST": ("host",),
    "GATEPOST_PORT": ("port",),
    "GATEPOST_TIMEZONE": ("timezone",),
    "GATEPOST_POLICY": ("policy_path",),
    "GATEPOST_BROKER_URL": ("broker_url",),
    "GATEPOST_BROKER_KEY_PREFIX": ("broker_key_prefix",),
    "GATEPOST_BROKER_VISIBILITY_TIMEOUT": ("broker_visibility_timeout",),
    "GATEPOST_LOG_LEVEL": ("log_level",),
    "GATEPOST_SMTP_HOST": ("smtp", "host"),
    "GATEPOST_SMTP_PORT": ("smtp", "port"),
    "GATEPOST_SMTP_USERNAME": ("smtp", "username"),
    "GATEPOST_SMTP_STARTTLS": ("smtp", "starttls"),
    "GATEPOST_SMTP_FROM": ("smtp", "from_address"),
}


def default_home(env: Mapping[str, str] | None = None) -> Path:
    env = os.environ if env is None else env
    return Path(env.get("GATEPOST_HOME") or Path.home() / ".gatepost").expanduser()


def load_settings(settings_file: Path | str | None = None, env: Mapping[str, str] | None = None) -> Settings:
    """Build the settings from defaults, the settings file and the environment (which wins)."""
    env = os.environ if env is None else env
    home = default_home(env)
    data: dict[str, Any] = {}
    source: Path | str = "environment"
    file = Path(settings_file) if settings_file else home / "settings.toml"
    if settings_file or file.exists():
        data = _read_toml(file)
        source = file
    for var, keys in _ENV_KEYS.items():
        if var in env:
            target = data
            for k in keys[:-1]:
                target = target.setdefault(k, {})
            target[keys[-1]] = env[var]
    if "GATEPOST_SCHOOLS" in env:
        data["schools"] = [p for p in env["GATEPOST_SCHOOLS"].split(os.pathsep) if p]
    for forbidden in ("secret_key", "audit_key"):
        if forbidden in data:
            var = f"GATEPOST_{forbidden.upper()}"
            raise StartupError(
                f"{source}: key '{forbidden}' must not be written in a file; fix: set {var} or {var}_FILE"
            )
    if isinstance(data.get("smtp"), dict) and "password" in data["smtp"]:
        raise StartupError(
            f"{source}: key 'smtp.password' must not be written in a file; "
            "fix: set GATEPOST_SMTP_PASSWORD or GATEPOST_SMTP_PASSWORD_FILE"
        )
    data.setdefault("home", str(home))
    data.setdefault("database_url", f"sqlite:///{home / 'gatepost.db'}")
    data["secret_key"] = read_secret("GATEPOST_SECRET_KEY", env)
    data["audit_key"] = read_secret("GATEPOST_AUDIT_KEY", env)
    smtp_password = read_secret("GATEPOST_SMTP_PASSWORD", env)
    if smtp_password:
        data.setdefault("smtp", {})["password"] = smtp_password
    try:
        return Settings.model_validate(data)
    except pydantic.ValidationError as exc:
        raise StartupError(invalid_file(source, exc)) from None
