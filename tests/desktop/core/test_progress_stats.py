"""进度报表 figures per 街镇, checked against hand-counted values, on SQLite and PostgreSQL."""

from desktop.core.progress_stats import UNASSIGNED, progress_by_street
from desktop.core.registry import CameraInput, VenueInput, save_camera, save_venue
from tests.actors import ADMIN


def _venue(engine, name, street, progress, connected=False, cameras=(), **kw):
    vid = save_venue(engine, VenueInput(name=name, street=street, build_progress=progress,
                                        platform_connected=connected, **kw), actor=ADMIN)
    for i, (installed, cam_connected) in enumerate(cameras):
        save_camera(engine, CameraInput(vid, f"摄像头{i + 1}", f"rtsp://10.0.{vid}.{i}/sub", installed=installed,
                                        platform_connected=cam_connected), actor=ADMIN)
    return vid


def test_progress_by_street_matches_hand_counts(engine):
    _venue(engine, "甲", "莘庄镇", "完成建设", True, [(True, True), (True, True)])
    _venue(engine, "乙", "莘庄镇", "视频对接", False, [(True, False)])
    _venue(engine, "丙", "莘庄镇", "前期准备")
    _venue(engine, "丁", "七宝镇", "设备安装", False, [(False, False), (True, False)])
    _venue(engine, "戊", "", "完成建设", True, [(True, True)])
    report = progress_by_street(engine, actor=ADMIN)
    by = {s.street: s for s in report.streets}
    assert [s.street for s in report.streets] == ["莘庄镇", "七宝镇", UNASSIGNED]
    xz = by["莘庄镇"]
    assert (xz.venues, xz.video_installed, xz.platform_connected) == (3, 2, 1)
    assert xz.by_progress == {"前期准备": 1, "设备安装": 0, "视频对接": 1, "完成建设": 1}
    assert (xz.cameras, xz.cameras_installed, xz.cameras_connected) == (3, 3, 2)
    qb = by["七宝镇"]
    assert (qb.venues, qb.video_installed, qb.cameras, qb.cameras_installed) == (1, 0, 2, 1)
    t = report.total
    assert (t.venues, t.video_installed, t.platform_connected, t.cameras, t.cameras_installed,
            t.cameras_connected) == (5, 3, 2, 6, 5, 3)
    assert t.by_progress == {"前期准备": 1, "设备安装": 1, "视频对接": 1, "完成建设": 2}


def test_empty_registry_gives_zero_totals(engine):
    report = progress_by_street(engine, actor=ADMIN)
    assert report.streets == () and report.total.venues == 0 and report.total.cameras == 0
