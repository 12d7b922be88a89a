"""Full-resolution snapshots: from the camera's main stream, opened for the moment if the wall
shows only its sub-stream. Runs on the file-task thread, never on the GUI thread."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

import numpy as np

from desktop.core.wall_cameras import WallCamera
from desktop.services.stream_service import StreamService
from desktop.streaming.worker import StreamKey

log = logging.getLogger(__name__)

HOLDER = "snapshot"
MAIN_OPEN_TIMEOUT_S = 6.0  # connect + up to one GOP (2 s) until the first decodable frame


@dataclass(frozen=True)
class Grab:
    image: np.ndarray  # BGR, the stream's own resolution
    variant: str  # "main" or "sub" (the main stream could not be had)
    frame_time: float  # time.time() of the frame


def _take(worker) -> Grab | None:
    frame = worker.slot.latest()
    image = worker.snapshot()
    if image is None:
        return None
    return Grab(image, worker.key.variant, frame.wall_time if frame is not None else time.time())


def grab_full_resolution(streams: StreamService, camera: WallCamera, sub_worker,
                         timeout: float = MAIN_OPEN_TIMEOUT_S) -> Grab:
    key = StreamKey(camera.camera_id, "main")
    running = streams.worker(key)
    if running is not None and running.status.online and (grab := _take(running)) is not None:
        return grab
    if camera.main_url and camera.main_url != camera.sub_url:
        worker = streams.acquire(key, camera.open_url("main"), HOLDER)
        try:
            deadline = time.monotonic() + timeout
            while time.monotonic() < deadline and not (worker.status.online and worker.slot.latest() is not None):
                time.sleep(0.05)
            if worker.status.online and (grab := _take(worker)) is not None:
                return grab
            log.info("main stream of camera %s unavailable for a snapshot (%s)", camera.camera_id,
                     worker.status.reason.name)
        finally:
            streams.release(key, HOLDER)
    grab = _take(sub_worker) if sub_worker.status.online else None
    if grab is None:
        raise RuntimeError("no picture")
    return grab
