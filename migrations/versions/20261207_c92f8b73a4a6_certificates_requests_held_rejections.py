"""certificates: requests held, rejections

An admin may hold a request of the approval queue (with a reason), or reject it: the
rejection is kept (the attempt it named earns no certificate again; a later pass does).

Revision ID: c92f8b73a4a6
Revises: b143f9045697
Create Date: 2026-12-07 07:00:53.665446

"""
from alembic import op
import sqlalchemy as sa

import elearning.sqltypes


# revision identifiers, used by Alembic.
revision = 'c92f8b73a4a6'
down_revision = 'b143f9045697'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('certificate_rejections',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('enrolment_id', sa.Integer(), nullable=False),
    sa.Column('attempt_id', sa.Integer(), nullable=False),
    sa.Column('course_slug', sa.String(length=64), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('rejected_at', elearning.sqltypes.UTCDateTime(timezone=True), nullable=False),
    sa.Column('rejected_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['attempt_id'], ['attempts.id'], name=op.f('fk_certificate_rejections_attempt_id_attempts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['enrolment_id'], ['enrolments.id'], name=op.f('fk_certificate_rejections_enrolment_id_enrolments'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['rejected_by_id'], ['users.id'], name=op.f('fk_certificate_rejections_rejected_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_certificate_rejections'))
    )
    with op.batch_alter_table('certificate_rejections', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_certificate_rejections_attempt_id'), ['attempt_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_certificate_rejections_enrolment_id'), ['enrolment_id'], unique=False)

    with op.batch_alter_table('certificate_requests', schema=None) as batch_op:
        batch_op.add_column(sa.Column('held_at', elearning.sqltypes.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('held_reason', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('held_by_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_certificate_requests_held_by_id_users'), 'users', ['held_by_id'], ['id'], ondelete='SET NULL')



def downgrade():
    with op.batch_alter_table('certificate_requests', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_certificate_requests_held_by_id_users'), type_='foreignkey')
        batch_op.drop_column('held_by_id')
        batch_op.drop_column('held_reason')
        batch_op.drop_column('held_at')

    with op.batch_alter_table('certificate_rejections', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_certificate_rejections_enrolment_id'))
        batch_op.drop_index(batch_op.f('ix_certificate_rejections_attempt_id'))

    op.drop_table('certificate_rejections')
