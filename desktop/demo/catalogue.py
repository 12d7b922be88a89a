"""The demo station: a market-supervision station in 闵行区 with 16 kitchens in four 街镇.

Names, addresses and licence numbers are made up but follow the real formats
(许可证号 JY + 14 digits), so the demo looks and sorts like a real station.
"""

from __future__ import annotations

from dataclasses import dataclass

DISTRICT = "闵行区"


@dataclass(frozen=True)
class DemoVenue:
    name: str
    street: str
    address: str
    venue_type: str
    license_no: str
    contact_person: str
    contact_phone: str
    business_hours: str
    build_progress: str
    areas: tuple[str, ...]  # one camera per area


VENUES: tuple[DemoVenue, ...] = (
    DemoVenue("莘庄镇中心小学食堂", "莘庄镇", "莘庄镇莘松路 218 号", "学校食堂", "JY33101120001201",
              "王建华", "021-64921001", "06:00-18:00", "完成建设", ("烹饪区", "专间")),
    DemoVenue("莘城实验幼儿园食堂", "莘庄镇", "莘庄镇莘北路 56 号", "托幼机构食堂", "JY33101120001218",
              "李秀英", "021-64921002", "06:30-17:30", "完成建设", ("加工制作区",)),
    DemoVenue("老上海本帮菜馆（莘庄店）", "莘庄镇", "莘庄镇沪闵路 6088 号 2 层", "大型餐饮", "JY23101120003317",
              "陈伟", "13801710033", "10:00-22:00", "完成建设", ("烹饪区", "粗加工区")),
    DemoVenue("春申社区长者食堂", "莘庄镇", "莘庄镇春申路 1200 弄 8 号", "养老机构食堂", "JY33101120004402",
              "周丽华", "021-54410288", "06:00-19:00", "视频对接", ("备餐区",)),
    DemoVenue("七宝中学食堂", "七宝镇", "七宝镇新镇路 22 号", "学校食堂", "JY33101120005106",
              "张国强", "021-64788102", "06:00-20:00", "完成建设", ("烹饪区", "洗消间")),
    DemoVenue("七宝老街汤团店", "七宝镇", "七宝镇北大街 31 号", "小型餐饮", "JY23101120005590",
              "徐明", "13916530021", "08:00-21:00", "完成建设", ("加工制作区",)),
    DemoVenue("闵行区第五人民医院职工食堂", "七宝镇", "七宝镇漕宝路 3000 号", "医疗机构食堂", "JY33101120006211",
              "孙志刚", "021-64923355", "06:00-20:00", "完成建设", ("烹饪区",)),
    DemoVenue("福寿园养老院食堂", "七宝镇", "七宝镇七莘路 1855 号", "养老机构食堂", "JY33101120006789",
              "吴玉梅", "021-64195020", "05:30-19:00", "设备安装", ("专间",)),
    DemoVenue("古美路街道机关食堂", "古美路街道", "古美路街道古美路 870 号", "机关企事业单位食堂", "JY33101120007012",
              "郑海", "021-64014490", "07:00-19:00", "完成建设", ("烹饪区",)),
    DemoVenue("古美小厨快餐", "古美路街道", "古美路街道平阳路 258 号", "网络餐饮", "JY23101120007345",
              "马超", "13764112290", "09:00-23:00", "完成建设", ("加工制作区",)),
    DemoVenue("平南幼儿园食堂", "古美路街道", "古美路街道平南路 180 号", "托幼机构食堂", "JY33101120007618",
              "钱慧", "021-64710236", "06:30-17:30", "完成建设", ("烹饪区",)),
    DemoVenue("金虹桥大酒店", "古美路街道", "古美路街道虹梅路 1688 号", "特大型餐饮", "JY23101120007904",
              "冯志明", "021-64056688", "06:30-23:00", "完成建设", ("烹饪区", "专间")),
    DemoVenue("江川路街道社区食堂", "江川路街道", "江川路街道东风路 318 号", "机关企事业单位食堂", "JY33101120008120",
              "杨帆", "021-64302117", "06:30-19:30", "完成建设", ("备餐区",)),
    DemoVenue("交大附中闵行分校食堂", "江川路街道", "江川路街道沧源路 900 号", "学校食堂", "JY33101120008433",
              "黄振宇", "021-54745300", "06:00-20:00", "完成建设", ("烹饪区",)),
    DemoVenue("鹤庆路团餐配送中心", "江川路街道", "江川路街道鹤庆路 66 号", "集体用餐配送", "JY33101120008756",
              "林涛", "021-64357766", "04:00-14:00", "视频对接", ("加工制作区",)),
    DemoVenue("江川茶饮（华宁路店）", "江川路街道", "江川路街道华宁路 2211 号", "饮品店", "JY23101120009011",
              "何静", "13601873355", "10:00-22:00", "完成建设", ("加工制作区",)),
)


@dataclass(frozen=True)
class DemoCamera:
    index: int  # 1-based, also the RTSP mount number
    venue: DemoVenue
    area: str

    @property
    def mount(self) -> str:
        return f"cam{self.index:02d}"

    @property
    def title(self) -> str:
        return f"{self.venue.name} {self.area}"


def demo_cameras(count: int | None = None) -> list[DemoCamera]:
    """The station's cameras in order; past the catalogue (benchmarks ask for 64) the venues
    are reused with numbered extra cameras so every stream still carries a real-looking name."""
    base = [DemoCamera(0, v, a) for v in VENUES for a in v.areas]
    count = len(base) if count is None else count
    out = []
    for i in range(count):
        b = base[i % len(base)]
        area = b.area if i < len(base) else f"{b.area}{i // len(base) + 1}"
        out.append(DemoCamera(i + 1, b.venue, area))
    return out


def base_area(area: str) -> str:
    """'烹饪区2' -> '烹饪区' (numbered extra cameras share their area's scene)."""
    return area.rstrip("0123456789")
