"""cohorts: the judges' reaction evaluation (Kirkpatrick level 1), one answer per judge

Revision ID: 30fe3bc51501
Revises: 00457772bfda
Create Date: 2026-12-07 08:38:28.009917

"""
from alembic import op
import sqlalchemy as sa

import elearning.sqltypes


# revision identifiers, used by Alembic.
revision = '30fe3bc51501'
down_revision = '00457772bfda'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('cohort_reaction_answers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('cohort_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('relevance', sa.Integer(), nullable=False),
    sa.Column('trainers', sa.Integer(), nullable=False),
    sa.Column('materials', sa.Integer(), nullable=False),
    sa.Column('will_apply', sa.String(length=2000), nullable=False),
    sa.Column('would_change', sa.String(length=2000), nullable=False),
    sa.Column('answered_at', elearning.sqltypes.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['cohort_id'], ['cohorts.id'], name=op.f('fk_cohort_reaction_answers_cohort_id_cohorts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_cohort_reaction_answers_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_cohort_reaction_answers')),
    sa.UniqueConstraint('cohort_id', 'user_id', name=op.f('uq_cohort_reaction_answers_cohort_id'))
    )
    with op.batch_alter_table('cohort_reaction_answers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_cohort_reaction_answers_user_id'), ['user_id'], unique=False)



def downgrade():
    with op.batch_alter_table('cohort_reaction_answers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_cohort_reaction_answers_user_id'))

    op.drop_table('cohort_reaction_answers')
