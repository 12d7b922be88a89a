"""RTSP server for the demo, run by the *system* Python with GStreamer's introspection bindings.

Usage: /usr/bin/python3 gst_rtsp_server.py CONFIG.json

This file imports nothing from the application: the application's virtual environment
has no `gi`, and Debian's python3-gi is not installable with pip. The parent process
(desktop.demo.server) writes the config and waits for the line "READY <port>" on stdout.

Config: {"host": "127.0.0.1", "port": 8554, "fps": 15,
         "auth": ["user", "password"] (optional),
         "mounts": [{"path": "/cam01/sub", "file": "...h264", "overlay": true,
                     "title": "摄像头名称", "width": 640, "height": 360}]}
"""

import json
import signal
import sys

import gi

gi.require_version("Gst", "1.0")
gi.require_version("GstRtsp", "1.0")
gi.require_version("GstRtspServer", "1.0")
from gi.repository import GLib, Gst, GstRtsp, GstRtspServer  # noqa: E402

FONT = "WenQuanYi Micro Hei"


def _quote(text):
    return text.replace("\\", "").replace('"', "'")


def launch_line(mount, fps):
    src = (
        f'multifilesrc location="{mount["file"]}" loop=true '
        f'caps="video/x-h264,stream-format=byte-stream,alignment=au,framerate={fps}/1" '
        "! h264parse name=parse "
    )
    if not mount.get("overlay"):
        # Pre-encoded loop, no re-encoding: costs the server almost nothing.
        return f"( {src}! rtph264pay name=pay0 pt=96 config-interval=1 )"
    size = 14  # textoverlay scales fonts with the frame (auto-resize): one size fits sub and main
    keyint = 2 * fps
    return (
        # identity sync=true paces decoding to the clock, as a camera does: otherwise the
        # pipeline runs ahead, bursts frames at connect and its clock overlay shows the future.
        f"( {src}! avdec_h264 ! identity sync=true ! videoconvert "
        f'! textoverlay text="{_quote(mount["title"])}" valignment=bottom halignment=left '
        f'shaded-background=true font-desc="{FONT} {size}" '
        f'! clockoverlay time-format="%Y-%m-%d %H:%M:%S" valignment=top halignment=left '
        f'shaded-background=true font-desc="{FONT} {size}" '
        f"! x264enc tune=zerolatency speed-preset=ultrafast bframes=0 key-int-max={keyint} "
        f"bitrate={max(300, mount['width'] * mount['height'] * fps // 6000)} "
        "! video/x-h264,profile=baseline ! rtph264pay name=pay0 pt=96 config-interval=1 )"
    )


def _fix_pts(_pad, info):
    # h264parse on a looped byte-stream only sets DTS; without PTS every RTP packet gets
    # the same timestamp. No B-frames, so PTS == DTS is exact.
    buf = info.get_buffer()
    if buf is not None and buf.pts == Gst.CLOCK_TIME_NONE:
        buf.pts = buf.dts
    return Gst.PadProbeReturn.OK


def _on_media_configure(_factory, media):
    parse = media.get_element().get_by_name("parse")
    if parse is not None:
        parse.get_static_pad("src").add_probe(Gst.PadProbeType.BUFFER, _fix_pts)


def _install_auth(server, auth):
    """Basic authentication for every mount when the config has "auth": [user, password]
    (tests use it to check how refused credentials look on a tile)."""
    if not auth:
        return None
    user, password = auth
    rtsp_auth = GstRtspServer.RTSPAuth()
    token = GstRtspServer.RTSPToken()
    token.set_string("media.factory.role", "viewer")
    rtsp_auth.add_basic(GstRtspServer.RTSPAuth.make_basic(user, password), token)
    server.set_auth(rtsp_auth)
    permissions = GstRtspServer.RTSPPermissions()
    permissions.add_permission_for_role("viewer", "media.factory.access", True)
    permissions.add_permission_for_role("viewer", "media.factory.construct", True)
    return permissions


def main():
    with open(sys.argv[1], encoding="utf-8") as fh:
        cfg = json.load(fh)
    Gst.init(None)
    server = GstRtspServer.RTSPServer()
    server.set_address(cfg.get("host", "127.0.0.1"))
    server.set_service(str(cfg["port"]))
    mounts = server.get_mount_points()
    permissions = _install_auth(server, cfg.get("auth"))
    pool = GstRtspServer.RTSPAddressPool()
    pool.add_range("127.0.0.1", "127.0.0.1", 50000, 60000, 0)
    for mount in cfg["mounts"]:
        factory = GstRtspServer.RTSPMediaFactory()
        factory.set_launch(launch_line(mount, cfg.get("fps", 15)))
        factory.set_shared(True)
        factory.set_protocols(GstRtsp.RTSPLowerTrans.TCP)
        factory.set_address_pool(pool)
        factory.connect("media-configure", _on_media_configure)
        if permissions is not None:
            factory.set_permissions(permissions)
        mounts.add_factory(mount["path"], factory)
    if server.attach(None) == 0:
        print(f"ERROR cannot listen on {cfg.get('host')}:{cfg['port']}", flush=True)
        sys.exit(2)
    loop = GLib.MainLoop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        GLib.unix_signal_add(GLib.PRIORITY_DEFAULT, sig, loop.quit)
    print(f"READY {server.get_bound_port()}", flush=True)
    loop.run()


if __name__ == "__main__":
    main()
