"""alerts and evidence files

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22

Alerts with their review, and content-addressed evidence files (SHA-256) linked to alerts.
Cameras with alerts or evidence cannot be deleted (no cascade): they are records.
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

_STR = sqlmodel.sql.sqltypes.AutoString
_TIME = sqlmodel.sql.sqltypes.UTCDateTime

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('alert',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('camera_id', sa.Integer(), nullable=False),
    sa.Column('category', _STR(), nullable=False),
    sa.Column('tier', _STR(), nullable=False),
    sa.Column('started_at', _TIME(), nullable=False),
    sa.Column('at', _TIME(), nullable=False),
    sa.Column('score', sa.Float(), nullable=False),
    sa.Column('rule_id', _STR(), nullable=False),
    sa.Column('reason', _STR(), nullable=False),
    sa.Column('boxes_json', _STR(), nullable=False),
    sa.Column('review_state', _STR(), nullable=False),
    sa.Column('reviewer', _STR(), nullable=False),
    sa.Column('review_comment', _STR(), nullable=False),
    sa.Column('reviewed_at', _TIME(), nullable=True),
    sa.ForeignKeyConstraint(['camera_id'], ['camera.id'], name=op.f('fk_alert_camera_id_camera')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_alert'))
    )
    with op.batch_alter_table('alert', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_alert_at'), ['at'], unique=False)
        batch_op.create_index(batch_op.f('ix_alert_camera_id'), ['camera_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_alert_category'), ['category'], unique=False)
        batch_op.create_index(batch_op.f('ix_alert_review_state'), ['review_state'], unique=False)

    op.create_table('evidencefile',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('sha256', _STR(), nullable=False),
    sa.Column('kind', _STR(), nullable=False),
    sa.Column('media_type', _STR(), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('rel_path', _STR(), nullable=False),
    sa.Column('camera_id', sa.Integer(), nullable=True),
    sa.Column('captured_at', _TIME(), nullable=True),
    sa.Column('created_by', _STR(), nullable=False),
    sa.Column('created_at', _TIME(), nullable=False),
    sa.ForeignKeyConstraint(['camera_id'], ['camera.id'], name=op.f('fk_evidencefile_camera_id_camera')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_evidencefile')),
    sa.UniqueConstraint('sha256', name=op.f('uq_evidencefile_sha256'))
    )
    with op.batch_alter_table('evidencefile', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_evidencefile_camera_id'), ['camera_id'], unique=False)

    op.create_table('alertevidence',
    sa.Column('alert_id', sa.Integer(), nullable=False),
    sa.Column('evidence_id', sa.Integer(), nullable=False),
    sa.Column('role', _STR(), nullable=False),
    sa.ForeignKeyConstraint(['alert_id'], ['alert.id'], name=op.f('fk_alertevidence_alert_id_alert'),
                            ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['evidence_id'], ['evidencefile.id'],
                            name=op.f('fk_alertevidence_evidence_id_evidencefile')),
    sa.PrimaryKeyConstraint('alert_id', 'evidence_id', name=op.f('pk_alertevidence'))
    )


def downgrade() -> None:
    op.drop_table('alertevidence')
    with op.batch_alter_table('evidencefile', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_evidencefile_camera_id'))

    op.drop_table('evidencefile')
    with op.batch_alter_table('alert', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_alert_review_state'))
        batch_op.drop_index(batch_op.f('ix_alert_category'))
        batch_op.drop_index(batch_op.f('ix_alert_camera_id'))
        batch_op.drop_index(batch_op.f('ix_alert_at'))

    op.drop_table('alert')
