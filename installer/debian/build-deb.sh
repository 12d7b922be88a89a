#!/usr/bin/env bash
# `make deb`: the one-folder build (dist/mingchu-console, `make dist`) as a Debian package for
# Debian 12 / 统信UOS / 麒麟: /opt/mingchu-console, /usr/bin/mingchu-console, a .desktop entry
# (明厨亮灶监管工作台) with its icon. Fast gzip level 1: the payload is mostly compressed libraries.
# Output: dist/mingchu-console_<version>_<arch>.deb (its path is the last line printed).
set -euo pipefail
cd "$(dirname "$0")/../.."
PY=${PY:-.venv/bin/python}
DIST=dist/mingchu-console
[ -x "$DIST/mingchu-console" ] || { echo "没有 $DIST：先运行 make dist / run make dist first" >&2; exit 1; }

VERSION=$($PY -c 'import tomllib; print(tomllib.load(open("pyproject.toml", "rb"))["project"]["version"])')
ARCH=$(dpkg --print-architecture)
STAGE=build/deb/root
rm -rf build/deb
mkdir -p "$STAGE/DEBIAN" "$STAGE/opt" "$STAGE/usr/bin" "$STAGE/usr/share/applications" \
         "$STAGE/usr/share/icons/hicolor/scalable/apps" "$STAGE/usr/share/icons/hicolor/256x256/apps"
cp -a "$DIST" "$STAGE/opt/mingchu-console"
ln -s /opt/mingchu-console/mingchu-console "$STAGE/usr/bin/mingchu-console"
cp resources/icons/mingchu-console.svg "$STAGE/usr/share/icons/hicolor/scalable/apps/"
cp resources/icons/mingchu-console.png "$STAGE/usr/share/icons/hicolor/256x256/apps/"
install -m 644 installer/debian/mingchu-console.desktop "$STAGE/usr/share/applications/"
for s in postinst postrm; do install -m 755 "installer/debian/$s" "$STAGE/DEBIAN/$s"; done

# Libraries the bundle does not carry (PyInstaller leaves out the GL/Wayland/xcb core ones) and
# what the console needs at run time: libvlc with its plugins, the Chinese font.
DEPENDS="libc6 (>= 2.36), libvlc5, vlc-plugin-base, fonts-wqy-microhei, libgl1, libegl1, libglx0, libdrm2,
 libfontconfig1, libdbus-1-3, libxcb1, libxkbcommon0, libxkbcommon-x11-0, libxcb-cursor0, libxcb-icccm4,
 libxcb-image0, libxcb-keysyms1, libxcb-randr0, libxcb-render-util0, libxcb-shape0, libxcb-xinerama0,
 libxcb-xkb1, libxcb-xfixes0, libwayland-client0, libwayland-cursor0, libwayland-egl1"
cat > "$STAGE/DEBIAN/control" <<CONTROL
Package: mingchu-console
Version: $VERSION
Architecture: $ARCH
Maintainer: 明厨亮灶监管工作台 <noreply@localhost>
Section: video
Priority: optional
Installed-Size: $(du -sk "$STAGE" | cut -f1)
Depends: $(echo $DEPENDS)
Description: 明厨亮灶监管工作台 transparent-kitchen supervision console
 Offline-first desktop console for market-supervision stations: live video wall of kitchen
 cameras, patrol, snapshots, venue registry, on-device AI alerts (OpenVINO), cases and reports.
 Carries its own Python, Qt (PySide6), FFmpeg (PyAV), OpenVINO and the default AI models.
CONTROL
OUT="dist/mingchu-console_${VERSION}_${ARCH}.deb"
dpkg-deb --root-owner-group -Zgzip -z1 --build "$STAGE" "$OUT" >/dev/null
rm -rf build/deb
echo "$OUT"
