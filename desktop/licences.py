"""What the 关于 dialog lists: the licences of the bundled AI models (from their manifests) and of
the libraries the program carries, with the versions actually loaded. Qt-free."""

from __future__ import annotations

import ctypes
import glob
import os
import sys
from dataclasses import dataclass
from importlib import metadata


@dataclass(frozen=True)
class LicenceRow:
    component: str
    version: str
    licence: str
    note: str = ""  # where it comes from / what it is for


# (display name, distribution for the version, licence, note)
LIBRARIES = (
    ("Python", None, "PSF-2.0", "解释器 / interpreter"),
    ("Qt 6 / PySide6", "PySide6-Essentials", "LGPL-3.0-only", "界面 / user interface (qt.io)"),
    ("PyAV", "av", "BSD-3-Clause", "视频解码 / stream decoding"),
    ("FFmpeg", None, "", "随 PyAV 提供 / shipped inside PyAV (ffmpeg.org)"),
    ("OpenVINO", "openvino", "Apache-2.0", "AI 推理 / inference (includes oneTBB, Apache-2.0)"),
    ("OpenCV", "opencv-python-headless", "Apache-2.0", "图像缩放 / image conversion"),
    ("NumPy", "numpy", "BSD-3-Clause", ""),
    ("libvlc (VLC)", None, "LGPL-2.1-or-later", "录像回放 / clip player (videolan.org)"),
    ("python-vlc", "python-vlc", "LGPL-2.1-or-later", ""),
    ("SQLAlchemy", "SQLAlchemy", "MIT", "数据库 / database"),
    ("SQLModel", "sqlmodel", "MIT", ""),
    ("Alembic", "alembic", "MIT", "数据库迁移 / migrations"),
    ("psycopg 3", "psycopg", "LGPL-3.0-only", "PostgreSQL"),
    ("pydantic", "pydantic", "MIT", ""),
    ("openpyxl", "openpyxl", "MIT", "表格 / spreadsheets"),
    ("pyqtgraph", "pyqtgraph", "MIT", "统计图 / charts"),
    ("pypinyin", "pypinyin", "MIT", "拼音检索 / pinyin search"),
    ("Pillow", "pillow", "MIT-CMU", ""),
    ("platformdirs", "platformdirs", "MIT", ""),
    ("psutil", "psutil", "BSD-3-Clause", ""),
)


def _version(dist: str | None) -> str:
    if dist is None:
        return ""
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return ""


def ffmpeg_version_and_licence() -> tuple[str, str]:
    """FFmpeg's version and the licence its build reports (avcodec_license()): PyAV's wheels
    configure it themselves, so the answer comes from the loaded library, not from a guess."""
    try:
        import av
    except ImportError:
        return "", "LGPL-2.1-or-later / GPL-2.0-or-later (depends on the build)"
    version = str(getattr(av, "ffmpeg_version_info", ""))
    roots = [os.path.dirname(os.path.dirname(av.__file__)), getattr(sys, "_MEIPASS", "")]
    pattern = "avcodec*.dll" if sys.platform == "win32" else "libavcodec*"
    for root in filter(None, roots):
        for path in glob.glob(os.path.join(root, "av.libs", pattern)):
            try:
                lib = ctypes.CDLL(path)
                lib.avcodec_license.restype = ctypes.c_char_p
                return version, lib.avcodec_license().decode()
            except (OSError, AttributeError):
                continue
    return version, "LGPL-2.1-or-later / GPL-2.0-or-later (depends on the build)"


def library_licences() -> list[LicenceRow]:
    rows = []
    for name, dist, licence, note in LIBRARIES:
        version = _version(dist)
        if name == "Python":
            version = sys.version.split()[0]
        elif name == "FFmpeg":
            version, licence = ffmpeg_version_and_licence()
        elif name.startswith("libvlc"):
            version = libvlc_version()
        rows.append(LicenceRow(name, version, licence, note))
    return rows


def libvlc_version() -> str:
    """The libvlc version, or "" when python-vlc finds none (never exits: python-vlc calls
    sys.exit for a bad PYTHON_VLC_LIB_PATH)."""
    try:
        import vlc

        return vlc.libvlc_get_version().decode()
    except (Exception, SystemExit):  # noqa: BLE001
        return ""


def model_licences() -> list[LicenceRow]:
    """Every bundled model manifest (defaults first), with its licence and source."""
    from detectors.manifest import bundled_manifests

    manifests = sorted(bundled_manifests(), key=lambda m: (not m.default, m.id))
    out = []
    for m in manifests:
        version = next((f.version for f in m.files if f.version), "") or ""
        out.append(LicenceRow(f"{m.name} ({m.id})", version, m.licence.name, m.source))
    return out
