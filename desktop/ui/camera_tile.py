"""Binds a camera's stream worker to a wall tile (the wall's TileSource protocol)."""

from __future__ import annotations

import time

from PySide6.QtCore import QCoreApplication

from desktop.core.wall_cameras import WallCamera
from desktop.streaming.status import TR_CONTEXT, StreamState
from desktop.streaming.worker import StreamWorker
from widgets.tile_painter import TileOverlay

STATE_COLORS = {
    StreamState.CONNECTING: "#2563eb",
    StreamState.ONLINE: "#15803d",
    StreamState.RECONNECTING: "#d97706",
    StreamState.OFFLINE: "#b91c1c",
    StreamState.STOPPED: "#6b7280",
}


def tr_status(text: str) -> str:
    return QCoreApplication.translate(TR_CONTEXT, text)


def status_label(worker: StreamWorker) -> str:
    st = worker.status
    label = tr_status(st.state.label)
    if st.retry_at is not None and st.state in (StreamState.RECONNECTING, StreamState.OFFLINE):
        wait = round(st.retry_at - time.monotonic())
        if wait <= 0:
            label = QCoreApplication.translate("CameraTile", "{0} · 正在重试").format(label)
        elif st.state is StreamState.RECONNECTING:
            label = f"{label} {wait}s"
        else:
            label = QCoreApplication.translate("CameraTile", "{0} · {1}s后重试").format(label, wait)
    return label


class CameraTile:
    def __init__(self, camera: WallCamera, worker: StreamWorker) -> None:
        self.camera = camera
        self.worker = worker

    @property
    def key(self):
        return self.worker.key

    def frame(self):
        # A picture only while online: a stalled camera must not look alive on its last frame.
        return self.worker.slot.latest() if self.worker.status.state is StreamState.ONLINE else None

    def set_target_size(self, width: int, height: int) -> None:
        self.worker.slot.target_size = (width, height)

    def overlay(self) -> TileOverlay:
        w = self.worker
        st = w.status
        stats = ""
        if st.state is StreamState.ONLINE and w.info is not None:
            variant = QCoreApplication.translate("CameraTile", "主码流" if w.key.variant == "main" else "子码流")
            fps = f"{w.measured_fps:.1f} fps · " if w.measured_fps > 0 else ""  # none before the first second
            stats = f"{fps}{w.info.width}×{w.info.height} · {variant}"
        detail = tr_status(st.reason.text) if st.reason.text else ""
        return TileOverlay(
            title=self.camera.name, subtitle=self.camera.venue_name, status=status_label(w),
            status_color=STATE_COLORS[st.state], detail=detail, stats=stats,
            has_picture=st.state is StreamState.ONLINE,
        )
