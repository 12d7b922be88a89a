"""alert acknowledgement: who on duty took notice of an alert, and when

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-23

alert gains acknowledged_by / acknowledged_at (签收告警, desktop.core.alerts.acknowledge_alert):
the 值班员 signs an alert off as seen before an inspector reviews it; a review counts as an
acknowledgement too. Existing alerts stay unacknowledged, except those already reviewed: their
reviewer evidently saw them, so they are acknowledged by the reviewer at the review's time.
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

_STR = sqlmodel.sql.sqltypes.AutoString
_TIME = sqlmodel.sql.sqltypes.UTCDateTime

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('alert', schema=None) as batch_op:
        # The server default stays, as in 0008: bulk writers of alerts (benchmarks, imports) need
        # not know the column.
        batch_op.add_column(sa.Column('acknowledged_by', _STR(), nullable=False, server_default=""))
        batch_op.add_column(sa.Column('acknowledged_at', _TIME(), nullable=True))
    op.execute("UPDATE alert SET acknowledged_by = reviewer, acknowledged_at = reviewed_at"
               " WHERE reviewed_at IS NOT NULL")


def downgrade() -> None:
    with op.batch_alter_table('alert', schema=None) as batch_op:
        batch_op.drop_column('acknowledged_at')
        batch_op.drop_column('acknowledged_by')
