"""registry: venue and camera fields, credentials, patrol groups, users

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22

New NOT NULL columns get server defaults so the rows of a first-release database stay valid;
credentials found inside existing URLs move to cameracredential.
"""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None

_STR = sqlmodel.sql.sqltypes.AutoString
_TIME = sqlmodel.sql.sqltypes.UTCDateTime
_NOW = sa.text("CURRENT_TIMESTAMP")


def _col(name: str, type_, default) -> sa.Column:
    return sa.Column(name, type_, nullable=False, server_default=default)


def upgrade() -> None:
    op.create_table('app_user',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('username', _STR(), nullable=False),
    sa.Column('display_name', _STR(), nullable=False),
    sa.Column('role', _STR(), nullable=False),
    sa.Column('password_hash', _STR(), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', _TIME(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_app_user')),
    sa.UniqueConstraint('username', name=op.f('uq_app_user_username'))
    )
    op.create_table('patrolgroup',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', _STR(), nullable=False),
    sa.Column('dwell_seconds', sa.Integer(), nullable=False),
    sa.Column('layout', _STR(), nullable=False),
    sa.Column('created_at', _TIME(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_patrolgroup')),
    sa.UniqueConstraint('name', name=op.f('uq_patrolgroup_name'))
    )
    op.create_table('cameracredential',
    sa.Column('camera_id', sa.Integer(), nullable=False),
    sa.Column('username', _STR(), nullable=False),
    sa.Column('secret', _STR(), nullable=False),
    sa.Column('secret_format', _STR(), nullable=False),
    sa.Column('updated_at', _TIME(), nullable=False),
    sa.ForeignKeyConstraint(['camera_id'], ['camera.id'], name=op.f('fk_cameracredential_camera_id_camera'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('camera_id', name=op.f('pk_cameracredential'))
    )
    op.create_table('patrolgroupmember',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('group_id', sa.Integer(), nullable=False),
    sa.Column('camera_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['camera_id'], ['camera.id'], name=op.f('fk_patrolgroupmember_camera_id_camera'),
                            ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['group_id'], ['patrolgroup.id'],
                            name=op.f('fk_patrolgroupmember_group_id_patrolgroup'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_patrolgroupmember')),
    sa.UniqueConstraint('group_id', 'camera_id', name='uq_patrolgroupmember_group_camera')
    )
    with op.batch_alter_table('patrolgroupmember', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_patrolgroupmember_camera_id'), ['camera_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_patrolgroupmember_group_id'), ['group_id'], unique=False)

    with op.batch_alter_table('camera', schema=None) as batch_op:
        batch_op.add_column(_col('installed', sa.Boolean(), sa.true()))
        batch_op.add_column(_col('platform_connected', sa.Boolean(), sa.false()))
        batch_op.add_column(_col('analysis_enabled', sa.Boolean(), sa.true()))
        batch_op.add_column(_col('analysis_fps', sa.Float(), '2.0'))
        batch_op.add_column(_col('analysis_json', _STR(), '{}'))
        batch_op.add_column(_col('zones_json', _STR(), '[]'))
        batch_op.add_column(_col('schedule_json', _STR(), ''))
        batch_op.add_column(_col('created_at', _TIME(), _NOW))
        batch_op.add_column(_col('updated_at', _TIME(), _NOW))

    with op.batch_alter_table('street', schema=None) as batch_op:
        batch_op.add_column(_col('sort_order', sa.Integer(), '0'))

    with op.batch_alter_table('venue', schema=None) as batch_op:
        batch_op.add_column(_col('expected_completion', _STR(), ''))
        batch_op.add_column(_col('notes', _STR(), ''))
        batch_op.add_column(_col('created_at', _TIME(), _NOW))
        batch_op.add_column(_col('updated_at', _TIME(), _NOW))

    # A camera of a connected venue counts as connected (the first release only knew venues).
    op.execute("UPDATE camera SET platform_connected = "
               "(SELECT venue.platform_connected FROM venue WHERE venue.id = camera.venue_id)")
    _move_credentials_out_of_urls()


def _strip_userinfo(url: str) -> tuple[str, str | None, str]:
    parts = urlsplit(url or "")
    if parts.username is None:
        return url or "", None, ""
    host = parts.hostname or ""
    if parts.port:
        host = f"{host}:{parts.port}"
    return urlunsplit((parts.scheme, host, parts.path, parts.query, parts.fragment)), parts.username, \
        parts.password or ""


def _move_credentials_out_of_urls() -> None:
    bind = op.get_bind()
    for cam_id, sub_url, main_url in bind.execute(sa.text("SELECT id, sub_url, main_url FROM camera")).all():
        sub, user, secret = _strip_userinfo(sub_url)
        main, main_user, main_secret = _strip_userinfo(main_url)
        if user is None and main_user is None:
            continue
        bind.execute(sa.text("UPDATE camera SET sub_url = :s, main_url = :m WHERE id = :i"),
                     {"s": sub, "m": main, "i": cam_id})
        bind.execute(sa.text("INSERT INTO cameracredential (camera_id, username, secret, secret_format, updated_at) "
                             "VALUES (:i, :u, :p, 'plain', CURRENT_TIMESTAMP)"),
                     {"i": cam_id, "u": user if user is not None else main_user,
                      "p": secret if user is not None else main_secret})


def downgrade() -> None:
    with op.batch_alter_table('venue', schema=None) as batch_op:
        for name in ('updated_at', 'created_at', 'notes', 'expected_completion'):
            batch_op.drop_column(name)
    with op.batch_alter_table('street', schema=None) as batch_op:
        batch_op.drop_column('sort_order')
    with op.batch_alter_table('camera', schema=None) as batch_op:
        for name in ('updated_at', 'created_at', 'schedule_json', 'zones_json', 'analysis_json', 'analysis_fps',
                     'analysis_enabled', 'platform_connected', 'installed'):
            batch_op.drop_column(name)
    with op.batch_alter_table('patrolgroupmember', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_patrolgroupmember_group_id'))
        batch_op.drop_index(batch_op.f('ix_patrolgroupmember_camera_id'))
    op.drop_table('patrolgroupmember')
    op.drop_table('cameracredential')
    op.drop_table('patrolgroup')
    op.drop_table('app_user')
