"""cohorts: whether their figures count the scores judges earned before joining, and each
member's facts as such a cohort counts them

Revision ID: 8dd91c351bf3
Revises: f4394dc6fe20
Create Date: 2026-12-07 07:07:08.101752

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '8dd91c351bf3'
down_revision = 'f4394dc6fe20'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('cohort_members', schema=None) as batch_op:
        batch_op.add_column(sa.Column('own_facts', sa.JSON(), nullable=True))
    with op.batch_alter_table('cohorts', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('counts_earlier_scores', sa.Boolean(), server_default=sa.true(), nullable=False)
        )


def downgrade():
    with op.batch_alter_table('cohorts', schema=None) as batch_op:
        batch_op.drop_column('counts_earlier_scores')
    with op.batch_alter_table('cohort_members', schema=None) as batch_op:
        batch_op.drop_column('own_facts')
