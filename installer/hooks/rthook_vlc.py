"""Runtime hook: on Windows the build carries libvlc and its plugins in <contents>/vlc; python-vlc
finds them through PYTHON_VLC_LIB_PATH / PYTHON_VLC_MODULE_PATH. On Linux the system's libvlc
(Debian: libvlc5, vlc-plugin-base) is used, so nothing is set. A value set by the user wins."""

import os
import sys

_vlc = os.path.join(getattr(sys, "_MEIPASS", ""), "vlc")
if sys.platform == "win32" and os.path.isfile(os.path.join(_vlc, "libvlc.dll")):
    os.environ.setdefault("PYTHON_VLC_LIB_PATH", os.path.join(_vlc, "libvlc.dll"))
    os.environ.setdefault("PYTHON_VLC_MODULE_PATH", os.path.join(_vlc, "plugins"))
    if hasattr(os, "add_dll_directory"):
        os.add_dll_directory(_vlc)  # libvlc.dll loads libvlccore.dll from beside it
