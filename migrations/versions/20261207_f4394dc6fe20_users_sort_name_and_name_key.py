"""users: a sort name (family name first) and its collation key, so lists sort by family name
in every script alike on SQLite and PostgreSQL

Revision ID: f4394dc6fe20
Revises: e4cdf926baa6
Create Date: 2026-12-07 07:01:10.597904

"""
from alembic import op
import sqlalchemy as sa

from elearning.i18n import name_key
from elearning.names import sort_name_of


# revision identifiers, used by Alembic.
revision = 'f4394dc6fe20'
down_revision = 'e4cdf926baa6'
branch_labels = None
depends_on = None

KEY = sa.String(length=240).with_variant(sa.String(length=240, collation='C'), 'postgresql')


def upgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('sort_name', sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column('name_key', KEY, nullable=False, server_default=''))
        batch_op.create_index(batch_op.f('ix_users_name_key'), ['name_key'], unique=False)
    users = sa.table('users', sa.column('id'), sa.column('certificate_name'), sa.column('name_key'))
    connection = op.get_bind()
    rows = connection.execute(sa.select(users.c.id, users.c.certificate_name)).all()
    for user_id, name in rows:
        connection.execute(
            users.update()
            .where(users.c.id == user_id)
            .values(name_key=name_key(sort_name_of(name or '')))
        )


def downgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_users_name_key'))
        batch_op.drop_column('name_key')
        batch_op.drop_column('sort_name')
