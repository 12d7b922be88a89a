"""cases: 案件 with their time line, evidence items and alerts; legal bases; case numbers

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23

The case table is `app_case` ("case" is a reserved word in SQL, like "user"). Evidence files
learn their venue, the original an annotated picture derives from, the annotation shapes and
where they came from; existing rows get their venue from their camera and "alert" as source
when an alert holds them. Seeds the editable list of legal bases and the case settings (number
pattern, red-card days, this station's id for the offline exchange).
"""

from __future__ import annotations

import uuid

import sqlalchemy as sa
import sqlmodel
from alembic import op

_STR = sqlmodel.sql.sqltypes.AutoString
_TIME = sqlmodel.sql.sqltypes.UTCDateTime

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None

DEFAULT_NUMBER_PATTERN = "闵市监明厨〔{year}〕{seq:04d}号"
DEFAULT_RED_CARD_DAYS = "7"

# Common legal bases for 明厨亮灶 findings. Texts are excerpts (节选) of the statutes as in force
# (食品安全法 2021 修正, 实施条例 2019, 行政处罚法 2021 修订); stations edit the list.
LEGAL_BASES = (
    ("《中华人民共和国食品安全法》第三十三条",
     "食品生产经营应当符合食品安全标准，并符合下列要求：（一）具有与生产经营的食品品种、数量相适应的食品原料处理"
     "和食品加工、包装、贮存等场所，保持该场所环境整洁，并与有毒、有害场所以及其他污染源保持规定的距离；（二）具有与"
     "生产经营的食品品种、数量相适应的生产经营设备或者设施，有相应的消毒、更衣、盥洗、采光、照明、通风、防腐、防尘、"
     "防蝇、防鼠、防虫、洗涤以及处理废水、存放垃圾和废弃物的设备或者设施；……（八）食品生产经营人员应当保持个人卫生，"
     "生产经营食品时，应当将手洗净，穿戴清洁的工作衣、帽等；销售无包装的直接入口食品时，应当使用无毒、清洁的容器、"
     "售货工具和设备；……（节选）"),
    ("《中华人民共和国食品安全法》第五十五条",
     "餐饮服务提供者应当制定并实施原料控制要求，不得采购不符合食品安全标准的食品原料。倡导餐饮服务提供者公开加工过程，"
     "公示食品原料及其来源等信息。餐饮服务提供者在加工过程中应当检查待加工的食品及原料，发现有本法第三十四条第六项"
     "规定情形的，不得加工或者使用。"),
    ("《中华人民共和国食品安全法》第五十六条",
     "餐饮服务提供者应当定期维护食品加工、贮存、陈列等设施、设备；定期清洗、校验保温设施及冷藏、冷冻设施。餐饮服务"
     "提供者应当按照要求对餐具、饮具进行清洗消毒，不得使用未经清洗消毒的餐具、饮具；餐饮服务提供者委托清洗消毒餐具、"
     "饮具的，应当委托符合本法规定条件的餐具、饮具集中消毒服务单位。"),
    ("《中华人民共和国食品安全法》第一百二十六条",
     "违反本法规定，有下列情形之一的，由县级以上人民政府食品安全监督管理部门责令改正，给予警告；拒不改正的，处五千元"
     "以上五万元以下罚款；情节严重的，责令停产停业，直至吊销许可证：……（五）餐具、饮具和盛放直接入口食品的容器，使用"
     "前未经洗净、消毒或者清洗消毒不合格，或者餐饮服务设施、设备未按规定定期维护、清洗、校验；（六）食品生产经营者安排"
     "未取得健康证明或者患有国务院卫生行政部门规定的有碍食品安全疾病的人员从事接触直接入口食品的工作；……（节选）"),
    ("《中华人民共和国食品安全法实施条例》第七十五条",
     "食品生产经营企业等单位有食品安全法规定的违法情形，除依照食品安全法的规定给予处罚外，有下列情形之一的，对单位的"
     "法定代表人、主要负责人、直接负责的主管人员和其他直接责任人员处以其上一年度从本单位取得收入的1倍以上10倍以下"
     "罚款：（一）故意实施违法行为；（二）违法行为性质恶劣；（三）违法行为造成严重后果。……（节选）"),
    ("《餐饮服务食品安全操作规范》从业人员个人卫生",
     "从业人员应保持良好的个人卫生，加工制作食品时应穿戴清洁的工作衣帽，专间的从业人员应佩戴清洁的口罩；不得在食品"
     "处理区内吸烟、饮食或从事其他可能污染食品的行为。（要点，以市场监管总局公告2018年第12号正式文本为准）"),
    ("《中华人民共和国行政处罚法》第二十八条",
     "行政机关实施行政处罚时，应当责令当事人改正或者限期改正违法行为。……（节选）"),
)


def upgrade() -> None:
    op.create_table('casenumberseq',
    sa.Column('year', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('last', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('year', name=op.f('pk_casenumberseq'))
    )
    settings = op.create_table('casesetting',
    sa.Column('key', _STR(), nullable=False),
    sa.Column('value', _STR(), nullable=False),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_casesetting'))
    )
    legal = op.create_table('legalbasis',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('title', _STR(), nullable=False),
    sa.Column('text', _STR(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_legalbasis')),
    sa.UniqueConstraint('title', name=op.f('uq_legalbasis_title'))
    )
    op.create_table('app_case',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('number', _STR(), nullable=False),
    sa.Column('uuid', _STR(), nullable=False),
    sa.Column('venue_id', sa.Integer(), nullable=False),
    sa.Column('category', _STR(), nullable=False),
    sa.Column('tier', _STR(), nullable=False),
    sa.Column('legal_basis', _STR(), nullable=False),
    sa.Column('facts', _STR(), nullable=False),
    sa.Column('handler', _STR(), nullable=False),
    sa.Column('deadline', sa.Date(), nullable=True),
    sa.Column('state', _STR(), nullable=False),
    sa.Column('created_by', _STR(), nullable=False),
    sa.Column('created_at', _TIME(), nullable=False),
    sa.Column('updated_at', _TIME(), nullable=False),
    sa.Column('closed_at', _TIME(), nullable=True),
    sa.Column('origin_station', _STR(), nullable=False),
    sa.Column('origin_number', _STR(), nullable=False),
    sa.Column('origin_alerts_json', _STR(), nullable=False),
    sa.Column('imported_at', _TIME(), nullable=True),
    sa.ForeignKeyConstraint(['venue_id'], ['venue.id'], name=op.f('fk_app_case_venue_id_venue')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_app_case')),
    sa.UniqueConstraint('number', name=op.f('uq_app_case_number')),
    sa.UniqueConstraint('uuid', name=op.f('uq_app_case_uuid'))
    )
    with op.batch_alter_table('app_case', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_app_case_category'), ['category'], unique=False)
        batch_op.create_index(batch_op.f('ix_app_case_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_app_case_deadline'), ['deadline'], unique=False)
        batch_op.create_index(batch_op.f('ix_app_case_handler'), ['handler'], unique=False)
        batch_op.create_index('ix_app_case_state_created_at', ['state', 'created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_app_case_venue_id'), ['venue_id'], unique=False)

    op.create_table('caseevent',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('uuid', _STR(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('action', _STR(), nullable=False),
    sa.Column('from_state', _STR(), nullable=False),
    sa.Column('to_state', _STR(), nullable=False),
    sa.Column('who', _STR(), nullable=False),
    sa.Column('at', _TIME(), nullable=False),
    sa.Column('comment', _STR(), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['app_case.id'], name=op.f('fk_caseevent_case_id_app_case'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_caseevent')),
    sa.UniqueConstraint('uuid', name=op.f('uq_caseevent_uuid'))
    )
    with op.batch_alter_table('caseevent', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_caseevent_case_id'), ['case_id'], unique=False)

    op.create_table('casealert',
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('alert_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['alert_id'], ['alert.id'], name=op.f('fk_casealert_alert_id_alert')),
    sa.ForeignKeyConstraint(['case_id'], ['app_case.id'], name=op.f('fk_casealert_case_id_app_case'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('case_id', 'alert_id', name=op.f('pk_casealert'))
    )
    with op.batch_alter_table('casealert', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_casealert_alert_id'), ['alert_id'], unique=False)

    op.create_table('caseevidence',
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('evidence_id', sa.Integer(), nullable=False),
    sa.Column('role', _STR(), nullable=False),
    sa.Column('note', _STR(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['app_case.id'], name=op.f('fk_caseevidence_case_id_app_case'),
                            ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['evidence_id'], ['evidencefile.id'],
                            name=op.f('fk_caseevidence_evidence_id_evidencefile')),
    sa.PrimaryKeyConstraint('case_id', 'evidence_id', name=op.f('pk_caseevidence'))
    )
    with op.batch_alter_table('caseevidence', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_caseevidence_evidence_id'), ['evidence_id'], unique=False)

    with op.batch_alter_table('evidencefile', schema=None) as batch_op:
        batch_op.add_column(sa.Column('venue_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('derived_from_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('annotation_json', _STR(), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('source', _STR(), nullable=False, server_default=''))
        batch_op.create_index(batch_op.f('ix_evidencefile_derived_from_id'), ['derived_from_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_evidencefile_venue_id'), ['venue_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_evidencefile_derived_from_id_evidencefile'), 'evidencefile',
                                    ['derived_from_id'], ['id'])
        batch_op.create_foreign_key(batch_op.f('fk_evidencefile_venue_id_venue'), 'venue', ['venue_id'], ['id'])

    op.execute("UPDATE evidencefile SET venue_id = (SELECT camera.venue_id FROM camera "
               "WHERE camera.id = evidencefile.camera_id) WHERE camera_id IS NOT NULL")
    op.execute("UPDATE evidencefile SET source = 'alert' WHERE id IN (SELECT evidence_id FROM alertevidence)")

    op.bulk_insert(legal, [{"title": t, "text": x, "position": i} for i, (t, x) in enumerate(LEGAL_BASES, 1)])
    op.bulk_insert(settings, [{"key": "number_pattern", "value": DEFAULT_NUMBER_PATTERN},
                              {"key": "red_card_days", "value": DEFAULT_RED_CARD_DAYS},
                              {"key": "station_id", "value": uuid.uuid4().hex}])


def downgrade() -> None:
    with op.batch_alter_table('evidencefile', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_evidencefile_venue_id_venue'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_evidencefile_derived_from_id_evidencefile'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_evidencefile_venue_id'))
        batch_op.drop_index(batch_op.f('ix_evidencefile_derived_from_id'))
        for name in ('source', 'annotation_json', 'derived_from_id', 'venue_id'):
            batch_op.drop_column(name)
    op.drop_table('caseevidence')
    op.drop_table('casealert')
    op.drop_table('caseevent')
    op.drop_table('app_case')
    op.drop_table('legalbasis')
    op.drop_table('casesetting')
    op.drop_table('casenumberseq')
