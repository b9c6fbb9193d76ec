"""The one owner of the database engine, `session_scope()` and schema upgrades.

SQLite (WAL, foreign keys on) is the embedded default; PostgreSQL by URL.  The schema
is only ever created by Alembic migrations, never by `create_all`, so the migrations
are what run everywhere.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"

# SQLite waits this long for a competing writer before "database is locked": the
# scheduler, the console and a CLI command may all write at once.
SQLITE_BUSY_TIMEOUT_S = 30


def make_engine(url: str, **kwargs: Any) -> Engine:
    # A database error's message otherwise lists the statement's parameters: post text,
    # handles, reviewers' reasons.  Hidden here, so no caller can leak them into a log.
    kwargs.setdefault("hide_parameters", True)
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_S}, **kwargs)

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.close()

        return engine
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    return create_engine(url, pool_pre_ping=True, **kwargs)


def alembic_config(engine: Engine) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.attributes["engine"] = engine
    return cfg


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the schema up to `revision` (idempotent)."""
    command.upgrade(alembic_config(engine), revision)


class Database:
    """An engine plus its session factory; made once per process from settings."""

    def __init__(self, url: str, audit_key: bytes | None = None, **engine_kwargs: Any):
        self.url = url
        self.engine = make_engine(url, **engine_kwargs)
        # The audit log's HMAC key travels with each session (review_queue.audit reads it
        # there); it never lives in the database itself.
        self.sessions = sessionmaker(self.engine, expire_on_commit=False, info={"audit_key": audit_key})

    def upgrade(self) -> None:
        upgrade(self.engine)

    @contextmanager
    def session_scope(self) -> Iterator[Session]:
        """One unit of work: commits on success, rolls back on any error."""
        session = self.sessions()
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()

    def checkpoint(self) -> None:
        """On SQLite, copy the write-ahead log into the database and empty it (after an erasure).

        Until then, deleted rows can still be read from the `-wal` file beside the database.
        PostgreSQL needs nothing here: its own WAL is not a file an operator hands around.
        """
        if self.engine.dialect.name == "sqlite":
            with self.engine.connect() as conn:
                conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")

    def dispose(self) -> None:
        self.engine.dispose()
