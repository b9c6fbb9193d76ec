"""Build the console's web application from settings (the console itself lives in review_queue.web)."""

from __future__ import annotations

from typing import Any

from monitor import build
from monitor.settings import Settings
from review_queue.db import Database


def make_app(settings: Settings, db: Database) -> Any:
    from review_queue.web.app import ConsoleConfig, create_app

    config = ConsoleConfig(
        secret_key=build.secret_key(settings),
        policy=build.policy(settings),
        base_url=settings.base_url,
        secure_cookies=settings.base_url.startswith("https://"),
    )
    return create_app(db, config)
