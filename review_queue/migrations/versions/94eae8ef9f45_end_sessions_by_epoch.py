"""End every session of an account by bumping its session epoch.

Revision ID: 94eae8ef9f45
Revises: 34e677ac45fc
Create Date: 2026-12-04 18:09:30.671006
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import review_queue.models.base


revision: str = '94eae8ef9f45'
down_revision: str | None = '34e677ac45fc'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('session_epoch', sa.Integer(), nullable=False, server_default='0'))



def downgrade() -> None:
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('session_epoch')

