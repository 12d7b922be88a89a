"""The installers agree with the one-folder build's layout (installer/layout.py): the Inno Setup
script's [Files] and shortcuts, the PyInstaller spec, the Debian package's files."""

from __future__ import annotations

import importlib.util
import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
ISS = ROOT / "installer" / "windows" / "mingchu.iss"


def load_layout():
    spec = importlib.util.spec_from_file_location("installer_layout", ROOT / "installer" / "layout.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


layout = load_layout()


def iss_sections(text: str) -> dict[str, list[str]]:
    sections: dict[str, list[str]] = {}
    current = None
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith(";"):
            continue
        m = re.fullmatch(r"\[(\w+)\]", line)
        if m:
            current = m.group(1)
            sections.setdefault(current, [])
        elif current:
            sections[current].append(line)
    return sections


def entry(line: str) -> dict[str, str]:
    """`Source: "x"; DestDir: "{app}"; Flags: a b` -> {'Source': 'x', ...}."""
    out = {}
    for part in re.findall(r'(\w+):\s*("(?:[^"]|"")*"|[^;]*)', line):
        key, value = part
        out[key] = value.strip().strip('"')
    return out


def defines(text: str) -> dict[str, str]:
    return dict(re.findall(r'#define\s+(\w+)\s+"([^"]*)"', text))


def expand(value: str, defs: dict[str, str]) -> str:
    return re.sub(r"\{#(\w+)\}", lambda m: defs[m.group(1)], value)


def test_iss_files_match_the_build_layout():
    text = ISS.read_text(encoding="utf-8")
    defs = defines(text)
    dist = (ISS.parent / defs["DistDir"].replace("\\", "/")).resolve()
    assert dist == (ROOT / "dist" / layout.DIST_NAME).resolve()
    files = [entry(line) for line in iss_sections(text)["Files"]]
    top = set()
    for f in files:
        src = expand(f["Source"], defs).replace("\\", "/")
        assert src.startswith(defs["DistDir"].replace("\\", "/") + "/"), src
        rel = src[len(defs["DistDir"]) + 1:]
        flags = f.get("Flags", "").split()
        if rel.endswith("/*"):
            folder = rel[:-2]
            assert "recursesubdirs" in flags and "createallsubdirs" in flags, f
            assert f["DestDir"] == "{app}\\" + folder.replace("/", "\\"), f
            top.add(folder)
        else:
            assert "/" not in rel and f["DestDir"] == "{app}", f
            top.add(rel)
    assert sorted(top) == layout.top_level("win32")


def test_iss_installs_per_machine_into_a_versioned_folder_and_keeps_data_unless_asked():
    text = ISS.read_text(encoding="utf-8")
    setup = dict(line.split("=", 1) for line in iss_sections(text)["Setup"])
    assert setup["DefaultDirName"] == r"{autopf}\MingchuConsole\{#AppVersion}"
    assert setup["PrivilegesRequired"] == "admin"
    version = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]
    assert defines(text)["AppVersion"] == version
    assert defines(text)["AppName"] == layout.DISPLAY_NAME
    icons = [entry(line) for line in iss_sections(text)["Icons"]]
    targets = {i["Filename"].replace("{app}\\", "") for i in icons} | {
        m for i in icons for m in re.findall(r'\{app\}\\([\w.-]+\.exe)', i.get("Parameters", ""))}
    assert set(layout.exe_names("win32")) <= targets
    assert any(i["Name"] == r"{group}\{#AppName}" for i in icons)
    uninstall_delete = [entry(line) for line in iss_sections(text)["UninstallDelete"]]
    assert {"Type": "filesandordirs", "Name": "{app}"} in uninstall_delete
    code = text.split("[Code]", 1)[1]
    assert "usPostUninstall" in code and "IDNO" in code and "MB_DEFBUTTON2" in code  # default: keep the data
    assert r"{localappdata}\mingchu-console" in code  # platformdirs' user data dir on Windows


def test_the_spec_builds_what_the_layout_says():
    spec = (ROOT / "installer" / "mingchu.spec").read_text(encoding="utf-8")
    for use in ("layout.DATA", "layout.BUNDLED_MODELS", "layout.VLC_DIR", "layout.exe_names(sys.platform)",
                "layout.CONTENTS", "name=layout.DIST_NAME"):
        assert use in spec, use
    for src, _dest in layout.DATA:
        assert (ROOT / src).exists(), src
    assert (ROOT / layout.ICON_SVG).is_file() and (ROOT / layout.ICON_PNG).is_file()


def test_the_runtime_hook_and_the_bundle_agree_on_folder_names():
    from desktop import bundle

    assert bundle.BUNDLED_MODELS == layout.BUNDLED_MODELS
    hook = (ROOT / "installer" / "hooks" / "rthook_vlc.py").read_text(encoding="utf-8")
    assert f'"{layout.VLC_DIR}"' in hook and "PYTHON_VLC_LIB_PATH" in hook and "PYTHON_VLC_MODULE_PATH" in hook


def test_desktop_entry():
    text = (ROOT / "installer" / "debian" / "mingchu-console.desktop").read_text(encoding="utf-8")
    fields = dict(line.split("=", 1) for line in text.splitlines() if "=" in line)
    assert fields["Name"] == layout.DISPLAY_NAME and fields["Icon"] == layout.APP_ID
    assert fields["Exec"] == f"/usr/bin/{layout.exe_names('linux')[0]}"
