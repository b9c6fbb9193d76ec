"""Build the running parts from settings: the database, schools, connectors and the classifier."""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from classifiers.base import SchoolContext
from connectors import registry
from connectors.base import ConnectorError, SourceConfig
from monitor.settings import Profile, Settings, load_policy, read_secret, source_key
from review_queue.db import Database
from review_queue.models import School, Source
from review_queue.store import ensure_school, ensure_source


def database(settings: Settings) -> Database:
    if settings.database_url.startswith("sqlite:///"):
        Path(settings.database_url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    return Database(settings.database_url)


def policy(settings: Settings) -> dict[str, Any]:
    return load_policy(settings.policy_path)


def register_school(session: Session, profile: Profile) -> tuple[School, list[tuple[Source, SourceConfig]]]:
    """Make sure the school and each of its profile's sources have rows; return them paired."""
    school = ensure_school(session, profile.slug, profile.school.name)
    pairs = [(ensure_source(session, school.id, s.kind, source_key(s)), s) for s in profile.sources]
    return school, pairs


def connector(config: SourceConfig, profile: Profile, env: Mapping[str, str] | None = None) -> Any:
    """A connector for one source, with its secrets resolved; a missing secret is a permanent failure."""
    cls = registry.connector_class(config.kind)
    secrets: dict[str, str] = {}
    for name in getattr(cls, "secrets", ()):
        value = read_secret(name, env)
        if value is None:
            raise ConnectorError(f"{name} is not set (or {name}_FILE)", permanent=True)
        secrets[name] = value
    for name in getattr(cls, "optional_secrets", ()):
        value = read_secret(name, env)
        if value is not None:
            secrets[name] = value
    return cls(config, profile.query(), secrets)


@lru_cache(maxsize=8)
def _pipeline(school: SchoolContext | None) -> Any:
    from classifiers.pipeline import load_pipeline  # spaCy and the model load only when judging

    return load_pipeline(school)


def classifier(profile: Profile | None) -> Any:
    """The judgement pipeline for a school (cached per school: loading the model is slow)."""
    return _pipeline(profile.context() if profile else None)


def secret_key(settings: Settings) -> str:
    """The session-signing key: GATEPOST_SECRET_KEY, else one generated once into the data directory."""
    if settings.secret_key:
        return settings.secret_key
    path = settings.home / "secret_key"
    if not path.exists():
        settings.home.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # another process made it first
            return path.read_text().strip()
        with os.fdopen(fd, "w") as fh:
            fh.write(secrets.token_urlsafe(48))
    return path.read_text().strip()
