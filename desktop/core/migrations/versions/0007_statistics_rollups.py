"""statistics roll-ups: the dashboard's figures per local day

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-23

alert_day (alerts per day, category and review state, whole district / per 街镇 / per 单位类型 /
both), alert_venue_day (confirmed alerts per venue and day: the 红黑榜), camera_day_offline and
camera_day_filled (offline seconds per camera and closed day, filled lazily), camera_day_stale
(cameras to compute again after a late status event) and the backfill from the existing rows.
The triggers that keep them up to date (desktop.core.stats_rollup) are installed by
migrations/env.py after every run that reaches this revision or later. On SQLite the roll-ups are
WITHOUT ROWID tables: their primary keys hold the counts.
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

from desktop.core.stats_rollup import drop_triggers, rebuild_rollups

_STR = sqlmodel.sql.sqltypes.AutoString

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('alert_day',
    sa.Column('level', sa.Integer(), nullable=False),
    sa.Column('street_id', sa.Integer(), nullable=False),
    sa.Column('venue_type', _STR(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('category', _STR(), nullable=False),
    sa.Column('review_state', _STR(), nullable=False),
    sa.Column('n', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('level', 'street_id', 'venue_type', 'day', 'category', 'review_state',
                            name=op.f('pk_alert_day')),
    sqlite_with_rowid=False
    )
    op.create_index('ix_alert_day_level_street_id_day', 'alert_day',
                    ['level', 'street_id', 'day', 'venue_type', 'category', 'review_state', 'n'], unique=False)
    op.create_index('ix_alert_day_level_venue_type_day', 'alert_day',
                    ['level', 'venue_type', 'day', 'street_id', 'category', 'review_state', 'n'], unique=False)
    op.create_table('alert_venue_day',
    sa.Column('venue_id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('category', _STR(), nullable=False),
    sa.Column('n', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('venue_id', 'day', 'category', name=op.f('pk_alert_venue_day')),
    sqlite_with_rowid=False
    )
    op.create_index('ix_alert_venue_day_day_venue_id', 'alert_venue_day', ['day', 'venue_id', 'category', 'n'],
                    unique=False)
    op.create_table('camera_day_offline',
    sa.Column('camera_id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('seconds', sa.Float(), nullable=False),
    sa.PrimaryKeyConstraint('camera_id', 'day', name=op.f('pk_camera_day_offline')),
    sqlite_with_rowid=False
    )
    op.create_index('ix_camera_day_offline_day_camera_id', 'camera_day_offline', ['day', 'camera_id', 'seconds'],
                    unique=False)
    op.create_table('camera_day_filled',
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('seconds', sa.Float(), nullable=True),
    sa.PrimaryKeyConstraint('day', name=op.f('pk_camera_day_filled'))
    )
    op.create_table('camera_day_stale',
    sa.Column('camera_id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.PrimaryKeyConstraint('camera_id', name=op.f('pk_camera_day_stale'))
    )
    # the triggers go in after the run (migrations/env.py): later revisions may copy tables
    rebuild_rollups(op.get_bind())


def downgrade() -> None:
    drop_triggers(op.get_bind())
    op.drop_index('ix_camera_day_offline_day_camera_id', table_name='camera_day_offline')
    op.drop_index('ix_alert_venue_day_day_venue_id', table_name='alert_venue_day')
    op.drop_index('ix_alert_day_level_venue_type_day', table_name='alert_day')
    op.drop_index('ix_alert_day_level_street_id_day', table_name='alert_day')
    for table in ('camera_day_stale', 'camera_day_filled', 'camera_day_offline', 'alert_venue_day', 'alert_day'):
        op.drop_table(table)
