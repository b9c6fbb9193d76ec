"""Build the console's web application from settings (the console itself lives in review_queue.web)."""

from __future__ import annotations

from typing import Any

from monitor import build
from monitor.settings import Settings
from review_queue.db import Database


def school_details(settings: Settings) -> dict[str, Any]:
    """What letters and report drafts say about each school, from its profile (slug -> details)."""
    from config import DEMO_SCHOOL_PATH
    from monitor.settings import StartupError, load_profile
    from review_queue.casework.letters import SchoolDetails

    out: dict[str, Any] = {}
    for path in [*settings.schools, DEMO_SCHOOL_PATH]:
        try:
            profile = load_profile(path)
        except StartupError:  # a broken profile stops `run` and `fetch`, not the console
            continue
        head = next((s.name for s in profile.staff if "head" in s.role.lower()), None)
        out.setdefault(
            profile.slug,
            SchoolDetails(
                name=profile.school.name,
                town=profile.school.town or "",
                **({"headteacher_name": head} if head else {}),
            ),
        )
    return out


def school_timezones(settings: Settings) -> dict[str, str]:
    """Each school's time zone for the console's times (slug -> zone), from the profiles that name one."""
    from monitor.settings import StartupError, load_profile

    out: dict[str, str] = {}
    for path in settings.schools:
        try:
            profile = load_profile(path)
        except StartupError:
            continue
        out[profile.slug] = profile.timezone(settings)
    return out


def submitter(settings: Settings, db: Database) -> Any:
    """`monitor.submit.submit` bound to the database and each school's classifier, for the console."""
    from monitor.settings import StartupError, load_profile
    from monitor.submit import submit

    profiles: dict[str, Any] = {}
    for path in settings.schools:
        try:
            profile = load_profile(path)
        except StartupError:
            continue
        profiles[profile.slug] = profile

    def submit_fn(school_slug: str, school_name: str, **kwargs: Any) -> Any:
        classifier = build.classifier(profiles.get(school_slug), settings)
        return submit(db, school_slug, school_name, classifier, build.policy(settings), **kwargs)

    return submit_fn


def source_names(settings: Settings) -> Any:
    """For the console's sources page: school slug -> {source key: name} from its profile as it is
    now on disk (read again on each call, so an edited profile shows without a restart)."""
    from config import DEMO_SCHOOL_PATH
    from monitor.settings import StartupError, load_profile
    from monitor.settings import source_names as names_of

    def names(school_slug: str) -> dict[str, str] | None:
        for path in [*settings.schools, DEMO_SCHOOL_PATH]:
            try:
                profile = load_profile(path)
            except StartupError:
                continue
            if profile.slug == school_slug:
                return names_of(profile)
        return None

    return names


def make_app(settings: Settings, db: Database) -> Any:
    from review_queue.permissions import Permission
    from review_queue.web.app import ConsoleConfig, NavEntry, create_app
    from review_queue.web.routes import governors, submissions

    config = ConsoleConfig(
        secret_key=build.secret_key(settings),
        policy=build.policy(settings),
        base_url=settings.base_url,
        secure_cookies=settings.base_url.startswith("https://"),
        schools=school_details(settings),
        timezone=settings.timezone,
        timezones=school_timezones(settings),
    )
    return create_app(
        db,
        config,
        extra_routers=[
            governors.make_router(settings.timezone),
            submissions.make_router(submitter(settings, db), source_names(settings)),
        ],
        extra_nav=[
            NavEntry("Trends", "/trends", Permission.SEE_TRENDS),
            NavEntry("Submit", "/submit", Permission.SUBMIT),
            NavEntry("Sources", "/sources", Permission.SEE_SOURCES),
        ],
        extra_template_dirs=[governors.TEMPLATE_DIR],
    )
