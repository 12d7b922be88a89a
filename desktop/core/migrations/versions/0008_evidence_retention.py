"""evidence retention: mark files removed by the disk guard

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-23

evidencefile gains removed_at / removed_reason: the disk guard (desktop.core.disk_guard) deletes
old clips under its retention policy and keeps the row, so alerts and cases that name the file
show 已按保留策略清理 instead of a missing file, and verify-evidence does not report it.

Camera passwords are re-encrypted at start (desktop.core.credentials.encrypt_plain_rows), not
here: a migration must not depend on the key in the keyring or the data directory.
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

_STR = sqlmodel.sql.sqltypes.AutoString
_TIME = sqlmodel.sql.sqltypes.UTCDateTime

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('evidencefile', schema=None) as batch_op:
        batch_op.add_column(sa.Column('removed_at', _TIME(), nullable=True))
        # The server default stays: writers that insert evidence rows with explicit columns
        # (bulk inserts of imports) need not know it.
        batch_op.add_column(sa.Column('removed_reason', _STR(), nullable=False, server_default=""))


def downgrade() -> None:
    with op.batch_alter_table('evidencefile', schema=None) as batch_op:
        batch_op.drop_column('removed_reason')
        batch_op.drop_column('removed_at')
