"""Build the running parts from settings: the database, schools, connectors and the classifier."""

from __future__ import annotations

import contextlib
import dataclasses
import os
import secrets
from collections.abc import Iterator, Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any

import pydantic
from sqlalchemy.orm import Session

from classifiers.base import ClassifierError, SchoolContext
from classifiers.policy import Policy, read_policy
from config import POLICY_PATH
from connectors import registry
from connectors.base import Connector, ConnectorError, SourceConfig
from monitor.settings import (
    Profile,
    Settings,
    StartupError,
    invalid_file,
    load_profile,
    load_settings,
    read_secret,
    source_key,
)
from review_queue.db import Database
from review_queue.models import School, Source
from review_queue.store import ensure_school, ensure_source


def database(settings: Settings) -> Database:
    if settings.database_url.startswith("sqlite:///") and ":memory:" not in settings.database_url:
        path = Path(settings.database_url.removeprefix("sqlite:///"))
        path.parent.mkdir(parents=True, exist_ok=True)
        # Post text and handles: readable by Gatepost's own user only (SQLite gives its -wal
        # and -shm files the database file's mode).
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600))
    return Database(settings.database_url, audit_key=audit_key(settings).encode())


def policy(settings: Settings) -> Policy:
    """The settings' policy file, validated: one `Policy` for judgement and the queue.

    Read once per file and process (cached), so every caller holds the same object.  A bad
    file stops start-up with one line naming the file, the key and the fix.
    """
    return _policy(str(settings.policy_path))


@lru_cache(maxsize=8)
def _policy(path: str) -> Policy:
    try:
        return read_policy(Path(path))
    except ClassifierError as exc:  # unreadable: its message is already one line with the fix
        raise StartupError(str(exc)) from None
    except pydantic.ValidationError as exc:
        raise StartupError(invalid_file(path, exc)) from None


@dataclasses.dataclass(frozen=True)
class JobContext:
    """What a scheduled job runs with: settings, its school's profile (if it has one), a database."""

    settings: Settings
    profile: Profile | None
    db: Database

    @property
    def policy(self) -> Policy:
        """The settings' policy (read on first use, then cached: see `policy`)."""
        return policy(self.settings)

    @property
    def school(self) -> Profile:
        if self.profile is None:
            raise ValueError("this job was started without a school profile")
        return self.profile


@contextlib.contextmanager
def job(settings_file: str | None, profile_path: str | None = None) -> Iterator[JobContext]:
    """Every scheduler job's entry: load the settings and profile, open the database, close it after.

    Jobs take strings only (the job store pickles their arguments), so each starts here.
    """
    settings = load_settings(settings_file or None)
    profile = load_profile(profile_path) if profile_path else None
    db = database(settings)
    try:
        yield JobContext(settings, profile, db)
    finally:
        db.dispose()


def register_school(session: Session, profile: Profile) -> tuple[School, list[tuple[Source, SourceConfig]]]:
    """Make sure the school and each of its profile's sources have rows; return them paired."""
    school = ensure_school(session, profile.slug, profile.school.name)
    pairs = [(ensure_source(session, school.id, s.kind, source_key(s)), s) for s in profile.sources]
    return school, pairs


def connector(config: SourceConfig, profile: Profile, env: Mapping[str, str] | None = None) -> Connector:
    """A connector for one source, with its secrets resolved; a missing secret is a permanent failure."""
    cls = registry.connector_class(config.kind)
    secrets: dict[str, str] = {}
    for name in cls.secrets:
        value = read_secret(name, env)
        if value is None:
            raise ConnectorError(f"{name} is not set (or {name}_FILE)", permanent=True)
        secrets[name] = value
    for name in cls.optional_secrets:
        value = read_secret(name, env)
        if value is not None:
            secrets[name] = value
    return cls(config, profile.query(), secrets)


@lru_cache(maxsize=8)
def _pipeline(school: SchoolContext | None, policy_path: str, model_path: str | None) -> Any:
    from classifiers.pipeline import load_pipeline  # spaCy and the model load only when judging

    return load_pipeline(
        school, policy=_policy(policy_path), model_path=Path(model_path) if model_path else None
    )


def school_model_path(settings: Settings, profile: Profile) -> Path:
    """Where a school's own model lives once `gatepost train --feedback` has adopted one."""
    return settings.home / "models" / f"{profile.slug}.skops"


def classifier(profile: Profile | None, settings: Settings | None = None) -> Any:
    """The judgement pipeline for a school, under the settings' policy (the shipped one without),
    with the school's own adopted model if it has one, else the shipped model.

    Cached per school, policy and model: loading the model is slow.  The same policy file
    reaches the queue through `policy(settings)`, so a school's severities and thresholds are one.
    """
    path = settings.policy_path if settings is not None else POLICY_PATH
    own = school_model_path(settings, profile) if settings is not None and profile is not None else None
    return _pipeline(
        profile.context() if profile else None, str(path), str(own) if own and own.is_file() else None
    )


def forget_classifiers() -> None:
    """Drop cached pipelines (after a school's model changed)."""
    _pipeline.cache_clear()


def secret_key(settings: Settings) -> str:
    """The session-signing key: GATEPOST_SECRET_KEY, else one generated once into the data directory."""
    return settings.secret_key or _generated_secret(settings, "secret_key")


def audit_key(settings: Settings) -> str:
    """The audit log's HMAC key: GATEPOST_AUDIT_KEY, else one generated once into the data directory.

    It must not live in the database: back it up with the data directory, apart from the
    database's own backups, or the audit chain can no longer be verified.
    """
    return settings.audit_key or _generated_secret(settings, "audit_key")


def _generated_secret(settings: Settings, name: str) -> str:
    path = settings.home / name
    if not path.exists():
        settings.home.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # another process made it first
            return path.read_text().strip()
        with os.fdopen(fd, "w") as fh:
            fh.write(secrets.token_urlsafe(48))
    return path.read_text().strip()
