"""Build the console's web application from settings (the console itself lives in review_queue.web)."""

from __future__ import annotations

from typing import Any

from monitor import build
from monitor.settings import Settings
from review_queue.db import Database


def make_app(settings: Settings, db: Database) -> Any:
    from review_queue.web.app import ConsoleConfig, NavEntry, create_app
    from review_queue.web.routes import governors

    config = ConsoleConfig(
        secret_key=build.secret_key(settings),
        policy=build.policy(settings),
        base_url=settings.base_url,
        secure_cookies=settings.base_url.startswith("https://"),
    )
    return create_app(
        db,
        config,
        extra_routers=[governors.make_router(settings.timezone)],
        extra_nav=[NavEntry("Trends", "/trends", governors.TREND_ROLES)],
        extra_template_dirs=[governors.TEMPLATE_DIR],
    )
