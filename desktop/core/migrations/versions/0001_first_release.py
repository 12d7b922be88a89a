"""first release: streets, venues, cameras, camera status

Revision ID: 0001
Revises: (none)
Create Date: 2026-11-22 (the tables of the foundation release, which created them with create_all)
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('street',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('district', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_street'))
    )
    with op.batch_alter_table('street', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_street_name'), ['name'], unique=True)

    op.create_table('venue',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('license_no', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('address', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('street_id', sa.Integer(), nullable=True),
    sa.Column('venue_type', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('risk_level', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('contact_person', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('contact_phone', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('business_hours', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('build_progress', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('platform_connected', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['street_id'], ['street.id'], name=op.f('fk_venue_street_id_street')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_venue')),
    sa.UniqueConstraint('license_no', name=op.f('uq_venue_license_no'))
    )
    with op.batch_alter_table('venue', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_venue_name'), ['name'], unique=False)
        batch_op.create_index(batch_op.f('ix_venue_street_id'), ['street_id'], unique=False)

    op.create_table('camera',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('venue_id', sa.Integer(), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('area', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('sub_url', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('main_url', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('enabled', sa.Boolean(), nullable=False),
    sa.Column('sort_order', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['venue_id'], ['venue.id'], name=op.f('fk_camera_venue_id_venue')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_camera'))
    )
    with op.batch_alter_table('camera', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_camera_venue_id'), ['venue_id'], unique=False)

    op.create_table('camerastatusevent',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('camera_id', sa.Integer(), nullable=False),
    sa.Column('at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('online', sa.Boolean(), nullable=False),
    sa.Column('reason', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.ForeignKeyConstraint(['camera_id'], ['camera.id'], name=op.f('fk_camerastatusevent_camera_id_camera')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_camerastatusevent'))
    )
    with op.batch_alter_table('camerastatusevent', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_camerastatusevent_at'), ['at'], unique=False)
        batch_op.create_index(batch_op.f('ix_camerastatusevent_camera_id'), ['camera_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('camerastatusevent', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_camerastatusevent_camera_id'))
        batch_op.drop_index(batch_op.f('ix_camerastatusevent_at'))

    op.drop_table('camerastatusevent')
    with op.batch_alter_table('camera', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_camera_venue_id'))

    op.drop_table('camera')
    with op.batch_alter_table('venue', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_venue_street_id'))
        batch_op.drop_index(batch_op.f('ix_venue_name'))

    op.drop_table('venue')
    with op.batch_alter_table('street', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_street_name'))

    op.drop_table('street')
