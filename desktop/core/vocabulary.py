"""The programme's fixed vocabularies (DESIGN.md §5) and the synonyms real spreadsheets use."""

from __future__ import annotations

VENUE_TYPES: tuple[str, ...] = (
    "学校食堂", "托幼机构食堂", "养老机构食堂", "医疗机构食堂", "机关企事业单位食堂",
    "特大型餐饮", "大型餐饮", "中型餐饮", "小型餐饮", "饮品店", "网络餐饮", "集体用餐配送", "农村集体聚餐",
)

# 建设进度, in the order a venue goes through them (Pudong 附件3's note).
BUILD_PROGRESS: tuple[str, ...] = ("前期准备", "设备安装", "视频对接", "完成建设")
DEFAULT_PROGRESS = BUILD_PROGRESS[0]

CAMERA_AREAS: tuple[str, ...] = ("加工制作区", "专间", "粗加工区", "烹饪区", "洗消间", "库房", "备餐区", "就餐区")

RISK_LEVELS: tuple[str, ...] = ("A", "B", "C", "D")

# What the seed documents and stations actually write, mapped to our words.
VENUE_TYPE_SYNONYMS: dict[str, str] = {
    "学校": "学校食堂", "中小学食堂": "学校食堂", "高校食堂": "学校食堂", "学校（幼儿园）食堂": "学校食堂",
    "幼儿园": "托幼机构食堂", "幼儿园食堂": "托幼机构食堂", "托育机构食堂": "托幼机构食堂",
    "托幼机构": "托幼机构食堂",
    "养老机构": "养老机构食堂", "养老院": "养老机构食堂", "长者食堂": "养老机构食堂",
    "医疗机构": "医疗机构食堂", "医院食堂": "医疗机构食堂",
    "机关食堂": "机关企事业单位食堂", "机关事业单位食堂": "机关企事业单位食堂",
    "企事业单位食堂": "机关企事业单位食堂", "单位食堂": "机关企事业单位食堂",
    "特大型餐饮服务": "特大型餐饮", "大型餐饮服务": "大型餐饮", "大型餐饮服务单位": "大型餐饮",
    "中型餐饮服务": "中型餐饮", "中型餐饮服务单位": "中型餐饮",
    "小型餐饮服务": "小型餐饮", "小型餐饮服务单位": "小型餐饮", "小餐饮": "小型餐饮",
    "饮品": "饮品店", "网络订餐": "网络餐饮", "外卖": "网络餐饮",
    "集体用餐配送单位": "集体用餐配送", "团餐配送": "集体用餐配送",
    "农村集体聚餐点": "农村集体聚餐", "大型聚餐流动餐馆": "农村集体聚餐",
}

BUILD_PROGRESS_SYNONYMS: dict[str, str] = {
    "准备": "前期准备", "前期": "前期准备", "未开始": "前期准备", "选点": "前期准备",
    "安装": "设备安装", "安装中": "设备安装", "已安装": "设备安装", "设备安装中": "设备安装",
    "对接": "视频对接", "对接中": "视频对接", "视频对接中": "视频对接",
    "完成": "完成建设", "已完成": "完成建设", "建设完成": "完成建设", "已建成": "完成建设",
}


def progress_rank(progress: str) -> int:
    """0..3 along BUILD_PROGRESS; -1 for an unknown value."""
    try:
        return BUILD_PROGRESS.index(progress)
    except ValueError:
        return -1
