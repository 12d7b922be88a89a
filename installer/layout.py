"""The one-folder build's layout, written once: read by installer/mingchu.spec (what to put
where), installer/windows/mingchu.iss is checked against it by tests/installer/, and the
Debian package and the tests find the program through it.

    dist/mingchu-console/            DIST_NAME
        mingchu-console[.exe]        the program (exe_names; windowed on Windows)
        mingchu-console-cli.exe      Windows only: the same program with a console (--self-test)
        _internal/                   CONTENTS: Python, PySide6, PyAV, OpenVINO, …
            resources/               styles, model manifests, the icon
            models/                  the default AI models, installed at build time (BUNDLED_MODELS)
            desktop/core/migrations/ Alembic reads the revision scripts from files
            vlc/                     Windows only: libvlc.dll, libvlccore.dll, plugins/ (VLC_DIR)

Plain Python, no imports from the application: the spec runs it inside PyInstaller."""

from __future__ import annotations

DIST_NAME = "mingchu-console"
CONTENTS = "_internal"  # PyInstaller 6's default contents directory
BUNDLED_MODELS = "models"  # under CONTENTS; desktop.bundle seeds the user's model dir from it
VLC_DIR = "vlc"  # under CONTENTS, Windows only; the runtime hook points python-vlc at it
APP_ID = "mingchu-console"
DISPLAY_NAME = "明厨亮灶监管工作台"
ICON_SVG = "resources/icons/mingchu-console.svg"
ICON_PNG = "resources/icons/mingchu-console.png"

# (source relative to the repository, destination folder relative to CONTENTS)
DATA = (
    ("resources", "resources"),
    ("desktop/core/migrations", "desktop/core/migrations"),
    ("desktop/demo/gst_rtsp_server.py", "desktop/demo"),  # the demo server runs it on the system Python
)


def exe_names(platform: str) -> list[str]:
    """The programs: on Windows a windowed one and a console one (a windowed .exe has no stdout for
    --self-test); elsewhere one."""
    if platform.startswith("win"):
        return ["mingchu-console.exe", "mingchu-console-cli.exe"]
    return ["mingchu-console"]


def top_level(platform: str) -> list[str]:
    """What dist/mingchu-console/ holds, sorted."""
    return sorted([*exe_names(platform), CONTENTS])


def contents_dirs(platform: str) -> list[str]:
    """Folders under CONTENTS that the build must produce (besides what PyInstaller puts there)."""
    dirs = sorted({dest for _src, dest in DATA} | {BUNDLED_MODELS})
    if platform.startswith("win"):
        dirs.append(VLC_DIR)
    return sorted(dirs)
