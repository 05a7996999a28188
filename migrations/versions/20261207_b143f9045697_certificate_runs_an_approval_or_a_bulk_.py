"""certificate runs: an approval or a bulk issue

Revision ID: b143f9045697
Revises: 8dd91c351bf3
Create Date: 2026-12-07 07:20:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b143f9045697'
down_revision = '8dd91c351bf3'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('certificate_runs', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('kind', sa.String(length=16), server_default='bulk', nullable=False)
        )


def downgrade():
    with op.batch_alter_table('certificate_runs', schema=None) as batch_op:
        batch_op.drop_column('kind')
