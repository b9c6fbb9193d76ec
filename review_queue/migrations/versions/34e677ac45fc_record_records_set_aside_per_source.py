"""Record the records each source set aside (count, latest id and reason).

Revision ID: 34e677ac45fc
Revises: 7f1706d8955c
Create Date: 2026-12-04 17:50:42.814760
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import review_queue.models.base


revision: str = '34e677ac45fc'
down_revision: str | None = '7f1706d8955c'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('sources', schema=None) as batch_op:
        batch_op.add_column(sa.Column('set_aside_count', sa.Integer(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('last_set_aside', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('last_set_aside_at', review_queue.models.base.UTCDateTime(timezone=True), nullable=True))



def downgrade() -> None:
    with op.batch_alter_table('sources', schema=None) as batch_op:
        batch_op.drop_column('last_set_aside_at')
        batch_op.drop_column('last_set_aside')
        batch_op.drop_column('set_aside_count')

