"""cohorts: the follow-up evaluation three months on (Kirkpatrick level 3)

The months after which a cohort asks (NULL: it does not), when each judge was asked, and the
judges' answers.

Revision ID: a2dbbe07487c
Revises: 3f696a4d0593
Create Date: 2026-12-07 10:06:02.572515

"""
from alembic import op
import sqlalchemy as sa

import elearning.sqltypes


# revision identifiers, used by Alembic.
revision = 'a2dbbe07487c'
down_revision = '3f696a4d0593'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('cohort_follow_up_answers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('cohort_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('applied', sa.String(length=2000), nullable=False),
    sa.Column('frequency', sa.String(length=16), nullable=False),
    sa.Column('obstacles', sa.JSON(), nullable=False),
    sa.Column('obstacle_other', sa.String(length=500), nullable=False),
    sa.Column('further_training', sa.String(length=2000), nullable=False),
    sa.Column('answered_at', elearning.sqltypes.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['cohort_id'], ['cohorts.id'], name=op.f('fk_cohort_follow_up_answers_cohort_id_cohorts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_cohort_follow_up_answers_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_cohort_follow_up_answers')),
    sa.UniqueConstraint('cohort_id', 'user_id', name=op.f('uq_cohort_follow_up_answers_cohort_id'))
    )
    with op.batch_alter_table('cohort_follow_up_answers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_cohort_follow_up_answers_user_id'), ['user_id'], unique=False)

    with op.batch_alter_table('cohort_members', schema=None) as batch_op:
        batch_op.add_column(sa.Column('follow_up_asked_at', elearning.sqltypes.UTCDateTime(timezone=True), nullable=True))

    # The cohorts already there do not ask (NULL): switching it on is their trainers' choice,
    # not an upgrade's, which would e-mail every judge of every past cohort at once.
    with op.batch_alter_table('cohorts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('follow_up_months', sa.Integer(), nullable=True))



def downgrade():
    with op.batch_alter_table('cohorts', schema=None) as batch_op:
        batch_op.drop_column('follow_up_months')

    with op.batch_alter_table('cohort_members', schema=None) as batch_op:
        batch_op.drop_column('follow_up_asked_at')

    with op.batch_alter_table('cohort_follow_up_answers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_cohort_follow_up_answers_user_id'))

    op.drop_table('cohort_follow_up_answers')
