"""Alembic's entry point: runs migrations on the engine `review_queue.db` hands it."""

from __future__ import annotations

from alembic import context

from review_queue.models import Base

config = context.config
engine = config.attributes["engine"]

with engine.begin() as connection:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=True,  # SQLite cannot ALTER most things; batch mode copes
        compare_type=True,
    )
    context.run_migrations()
