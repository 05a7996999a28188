"""certificates: how long they stay current, the reminders sent, the category of their hours

Revision ID: 00457772bfda
Revises: b3c71e2a9d40
Create Date: 2026-12-07 07:38:12.968110

"""
from alembic import op
import sqlalchemy as sa

import elearning.sqltypes


# revision identifiers, used by Alembic.
revision = '00457772bfda'
down_revision = 'b3c71e2a9d40'
branch_labels = None
depends_on = None


def upgrade():
    # Certificates issued before stay as they were: no expiry, no category.
    with op.batch_alter_table('certificates', schema=None) as batch_op:
        batch_op.add_column(sa.Column('category', sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column('valid_until', elearning.sqltypes.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('reminded_days', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_certificates_valid_until'), ['valid_until'], unique=False)


def downgrade():
    with op.batch_alter_table('certificates', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_certificates_valid_until'))
        batch_op.drop_column('reminded_days')
        batch_op.drop_column('valid_until')
        batch_op.drop_column('category')
