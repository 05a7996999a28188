"""attempts: answered online or on a paper answer sheet typed in by a trainer (and which sheet)

Revision ID: 0130c21dd980
Revises: a2dbbe07487c
Create Date: 2026-12-07 10:05:25.645326

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0130c21dd980'
down_revision = 'a2dbbe07487c'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('attempts', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('mode', sa.String(length=8), server_default='online', nullable=False)
        )
        batch_op.add_column(sa.Column('sheet', sa.String(length=16), nullable=True))


def downgrade():
    with op.batch_alter_table('attempts', schema=None) as batch_op:
        batch_op.drop_column('sheet')
        batch_op.drop_column('mode')
