#!/usr/bin/env bash
# Debian 12 / 统信UOS / 麒麟 packages the console, its demo and its tests need.
# Installs with apt-get when run as root or with sudo; otherwise says exactly what to run.
set -euo pipefail

PACKAGES=(
  python3 python3-venv python3-pip           # the interpreter for the virtual environment
  ffmpeg                                     # bare-decode baseline of the wall benchmark, probing
  libvlc5 vlc-plugin-base                    # clip player (python-vlc)
  python3-gi gir1.2-gst-rtsp-server-1.0      # demo / test RTSP server (gst-rtsp-server)
  gstreamer1.0-rtsp gstreamer1.0-tools gstreamer1.0-plugins-base gstreamer1.0-plugins-good
  gstreamer1.0-plugins-bad gstreamer1.0-plugins-ugly gstreamer1.0-libav gstreamer1.0-x
  fonts-wqy-microhei                         # Chinese UI and burnt-in camera names
  poppler-utils                              # pdftotext / pdftoppm: the tests read and render printed PDFs
  xvfb xauth imagemagick                     # virtual display and screenshots on machines without a screen
  postgresql                                 # the tests run the data layer on a real PostgreSQL too
  binutils desktop-file-utils                # make dist (PyInstaller runs objdump), make deb (.desktop check)
  libegl1 libgl1 libfontconfig1 libdbus-1-3 libxkbcommon0 libxkbcommon-x11-0
  libxcb-cursor0 libxcb-icccm4 libxcb-image0 libxcb-keysyms1 libxcb-randr0
  libxcb-render-util0 libxcb-shape0 libxcb-xinerama0 libxcb-xkb1 libxcb-xfixes0
)

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "system packages: all present"
  exit 0
fi

if [ "$(id -u)" -eq 0 ]; then
  SUDO=""
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
  SUDO="sudo"
else
  echo "缺少系统软件包 / missing Debian packages: ${missing[*]}" >&2
  echo "请以 root 身份运行 / run as root:  sudo apt-get install -y ${missing[*]}" >&2
  exit 1
fi
echo "installing: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
