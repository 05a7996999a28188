"""cohorts: the trainer opens and closes the entry and final assessments in the room

Revision ID: 8d432981e0a2
Revises: 30fe3bc51501
Create Date: 2026-12-07 10:06:22.613537

"""
from alembic import op
import sqlalchemy as sa

import elearning.sqltypes


# revision identifiers, used by Alembic.
revision = '8d432981e0a2'
down_revision = '30fe3bc51501'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('cohort_room_assessments',
    sa.Column('cohort_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=8), nullable=False),
    sa.Column('opened_at', elearning.sqltypes.UTCDateTime(timezone=True), nullable=False),
    sa.Column('closed_at', elearning.sqltypes.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['cohort_id'], ['cohorts.id'], name=op.f('fk_cohort_room_assessments_cohort_id_cohorts'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('cohort_id', 'kind', name=op.f('pk_cohort_room_assessments'))
    )
    with op.batch_alter_table('cohorts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('trainer_opens_assessments', sa.Boolean(), server_default=sa.false(), nullable=False))



def downgrade():
    with op.batch_alter_table('cohorts', schema=None) as batch_op:
        batch_op.drop_column('trainer_opens_assessments')

    op.drop_table('cohort_room_assessments')
