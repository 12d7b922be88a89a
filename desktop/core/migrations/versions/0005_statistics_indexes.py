"""statistics indexes: the dashboard and the monthly report at district scale

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23

desktop.core.statistics answers every figure with aggregates; these indexes keep each query
within 200 ms with a million alerts: alerts by time range covering category, camera and review
state (no table look-ups), cases opened / closed in a range, the time a case reached a state,
a camera's status events in time order with the state (the state carried into a range and
the end of an outage), and a range's outages without table look-ups.
"""

from __future__ import annotations

from alembic import op

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None

INDEXES = (
    ("alert", "ix_alert_at_category_camera_id_review_state", ["at", "category", "camera_id", "review_state"]),
    ("app_case", "ix_app_case_created_at_state", ["created_at", "state"]),
    ("app_case", "ix_app_case_closed_at", ["closed_at"]),
    ("caseevent", "ix_caseevent_to_state_at", ["to_state", "at"]),
    ("camerastatusevent", "ix_camerastatusevent_camera_id_at_online", ["camera_id", "at", "online"]),
    ("camerastatusevent", "ix_camerastatusevent_at_online_camera_id", ["at", "online", "camera_id"]),
)


def upgrade() -> None:
    for table, name, columns in INDEXES:
        op.create_index(name, table, columns, unique=False)


def downgrade() -> None:
    for table, name, _columns in reversed(INDEXES):
        op.drop_index(name, table_name=table)
