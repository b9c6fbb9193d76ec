"""The Alembic migrations, run on an empty database, produce exactly the models' schema."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory

from review_queue.db import Database, alembic_config
from review_queue.models import Base


def diff(db: Database) -> list[object]:
    with db.engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"compare_type": True})
        return [d for d in compare_metadata(ctx, Base.metadata) if not _is_scheduler_table(d)]


def _is_scheduler_table(d: object) -> bool:
    # APScheduler keeps its own job table beside ours; it is not part of our models.
    return isinstance(d, tuple) and len(d) > 1 and getattr(d[1], "name", "") == "apscheduler_jobs"


def test_migrations_on_empty_sqlite_match_the_models(sqlite_db: Database) -> None:
    assert diff(sqlite_db) == []


def test_migrations_on_empty_postgresql_match_the_models(pg_db: Database) -> None:
    assert diff(pg_db) == []


def test_there_is_one_head_and_upgrading_twice_is_harmless(sqlite_db: Database) -> None:
    heads = ScriptDirectory.from_config(alembic_config(sqlite_db.engine)).get_heads()
    assert len(heads) == 1
    sqlite_db.upgrade()
    assert diff(sqlite_db) == []
