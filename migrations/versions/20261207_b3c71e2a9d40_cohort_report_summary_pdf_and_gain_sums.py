"""cohort report: a summary PDF beside the full one; the sum of squared gains kept

Revision ID: b3c71e2a9d40
Revises: c92f8b73a4a6
Create Date: 2026-12-07 07:35:00.000000

The kept PDFs are a cache: the table is made again with the edition in its key (the PDFs are
rendered again on the next request). The cohorts' kept totals are marked for a rebuild (on the
next read of each report), which counts the new sum of squared gains the gain's interval needs.
"""
from alembic import op
import sqlalchemy as sa

import elearning.sqltypes


# revision identifiers, used by Alembic.
revision = 'b3c71e2a9d40'
down_revision = 'c92f8b73a4a6'
branch_labels = None
depends_on = None


def _documents_table(*key_columns):
    op.create_table('cohort_report_documents',
    sa.Column('cohort_id', sa.Integer(), nullable=False),
    sa.Column('language', sa.String(length=16), nullable=False),
    *key_columns,
    sa.Column('fingerprint', sa.String(length=64), nullable=False),
    sa.Column('requested_at', elearning.sqltypes.UTCDateTime(timezone=True), nullable=False),
    sa.Column('rendered_at', elearning.sqltypes.UTCDateTime(timezone=True), nullable=True),
    sa.Column('pdf', sa.LargeBinary(), nullable=True),
    sa.ForeignKeyConstraint(['cohort_id'], ['cohorts.id'], name=op.f('fk_cohort_report_documents_cohort_id_cohorts'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('cohort_id', 'language', *(c.name for c in key_columns), name=op.f('pk_cohort_report_documents'))
    )


def upgrade():
    op.drop_table('cohort_report_documents')
    _documents_table(sa.Column('edition', sa.String(length=16), nullable=False))
    op.execute(sa.text('DELETE FROM cohort_tally_states'))


def downgrade():
    op.drop_table('cohort_report_documents')
    _documents_table()
    op.execute(sa.text('DELETE FROM cohort_tally_states'))
