"""cohorts: workshop sessions, the judges recorded present at each, and the attendance a
certificate requires

Revision ID: 3f696a4d0593
Revises: 8d432981e0a2
Create Date: 2026-12-07 10:05:29.731761

"""
from alembic import op
import sqlalchemy as sa

import elearning.sqltypes


# revision identifiers, used by Alembic.
revision = '3f696a4d0593'
down_revision = '8d432981e0a2'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('cohort_sessions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('cohort_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('held_on', sa.Date(), nullable=False),
    sa.Column('starts_at', sa.Time(), nullable=False),
    sa.Column('ends_at', sa.Time(), nullable=False),
    sa.Column('venue', sa.String(length=200), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('created_at', elearning.sqltypes.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['cohort_id'], ['cohorts.id'], name=op.f('fk_cohort_sessions_cohort_id_cohorts'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_cohort_sessions'))
    )
    with op.batch_alter_table('cohort_sessions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_cohort_sessions_cohort_id'), ['cohort_id'], unique=False)

    op.create_table('cohort_session_attendance',
    sa.Column('session_id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('via', sa.String(length=8), nullable=False),
    sa.Column('recorded_at', elearning.sqltypes.UTCDateTime(timezone=True), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['member_id'], ['cohort_members.id'], name=op.f('fk_cohort_session_attendance_member_id_cohort_members'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['users.id'], name=op.f('fk_cohort_session_attendance_recorded_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['session_id'], ['cohort_sessions.id'], name=op.f('fk_cohort_session_attendance_session_id_cohort_sessions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('session_id', 'member_id', name=op.f('pk_cohort_session_attendance'))
    )
    with op.batch_alter_table('cohort_session_attendance', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_cohort_session_attendance_member_id'), ['member_id'], unique=False)

    with op.batch_alter_table('cohorts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('attendance_required_percent', sa.Integer(), server_default='0', nullable=False))



def downgrade():
    with op.batch_alter_table('cohorts', schema=None) as batch_op:
        batch_op.drop_column('attendance_required_percent')

    with op.batch_alter_table('cohort_session_attendance', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_cohort_session_attendance_member_id'))

    op.drop_table('cohort_session_attendance')
    with op.batch_alter_table('cohort_sessions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_cohort_sessions_cohort_id'))

    op.drop_table('cohort_sessions')
