"""accounts and audit: password lock-out, street scope, the hash-chained audit log

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-23

app_user (a placeholder since 0002) gains the lock-out counters and login times; user_street
limits a user to streets; auditentry is the append-only, hash-chained audit trail
(desktop.core.audit). Existing placeholder users keep their rows but have no password, so
they cannot log in until an administrator sets one.
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

_STR = sqlmodel.sql.sqltypes.AutoString
_TIME = sqlmodel.sql.sqltypes.UTCDateTime

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('app_user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('failed_logins', sa.Integer(), nullable=False, server_default="0"))
        batch_op.add_column(sa.Column('locked_until', _TIME(), nullable=True))
        batch_op.add_column(sa.Column('last_login_at', _TIME(), nullable=True))
        batch_op.add_column(sa.Column('password_changed_at', _TIME(), nullable=True))
    with op.batch_alter_table('app_user', schema=None) as batch_op:
        batch_op.alter_column('failed_logins', server_default=None)

    op.create_table('userstreet',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('street_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['app_user.id'], name=op.f('fk_userstreet_user_id_app_user'),
                            ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['street_id'], ['street.id'], name=op.f('fk_userstreet_street_id_street'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', 'street_id', name=op.f('pk_userstreet'))
    )

    op.create_table('auditentry',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('at', _TIME(), nullable=False),
    sa.Column('username', _STR(), nullable=False),
    sa.Column('role', _STR(), nullable=False),
    sa.Column('console', _STR(), nullable=False),
    sa.Column('action', _STR(), nullable=False),
    sa.Column('target', _STR(), nullable=False),
    sa.Column('detail', _STR(), nullable=False),
    sa.Column('prev_hash', _STR(), nullable=False),
    sa.Column('hash', _STR(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_auditentry')),
    sa.UniqueConstraint('seq', name=op.f('uq_auditentry_seq'))
    )
    with op.batch_alter_table('auditentry', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_auditentry_at'), ['at'], unique=False)
        batch_op.create_index(batch_op.f('ix_auditentry_username'), ['username'], unique=False)
        batch_op.create_index(batch_op.f('ix_auditentry_action'), ['action'], unique=False)


def downgrade() -> None:
    op.drop_table('auditentry')
    op.drop_table('userstreet')
    with op.batch_alter_table('app_user', schema=None) as batch_op:
        batch_op.drop_column('password_changed_at')
        batch_op.drop_column('last_login_at')
        batch_op.drop_column('locked_until')
        batch_op.drop_column('failed_logins')
