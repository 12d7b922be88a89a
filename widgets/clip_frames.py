"""Exact still frames of a clip, decoded with PyAV on a worker thread, for the paused player.

The player shows libvlc's pictures while playing and these when paused (after a pause, a frame
step, a seek on the paused clip, the end of the clip): frame `k` here is exactly the k-th frame
of the file, at its full size, so stepping, the time shown and snapshots agree with the file.

One request at a time, the latest wins: a request arriving while another is decoding stops
that one between two frames. Decoded frames are kept in a small cache (by bytes), and the
decoder goes on forward from where it stopped when that is cheaper than seeking, so stepping
forward costs one frame and stepping back within the cached frames costs nothing.

A request may carry a picture to match (`request(..., match=image, window=n)`): the worker
decodes frames index-n .. index+n and answers with the one most like that picture. Pausing uses
it so the paused frame is the one libvlc had on screen, not an estimate.

Results are delivered by `StillNotifier` signals from the worker thread (queued to the GUI);
no widget is touched off the GUI thread (QImage is reentrant)."""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict, deque
from fractions import Fraction

import numpy as np
from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QImage

from widgets.clip_probe import ClipInfo

__all__ = ["CACHE_BYTES", "FrameSource", "StillNotifier", "decode_frame", "thumbnail"]

log = logging.getLogger(__name__)

CACHE_BYTES = 192 * 1024 * 1024
FORWARD_LIMIT = 90  # keyframes unknown: decode on rather than seek when at most this far ahead
KEEP_BEFORE = 30  # frames before the wanted ones that are kept when decoded on the way
EXACT_DIFF = 0.75  # mean grey difference (0-255) of 64x36 thumbnails: the same frame (measured 0.0)
THUMB_W, THUMB_H = 64, 36


def thumbnail(image: QImage) -> np.ndarray:
    """A small grey copy of a picture, for comparing two pictures of the same size."""
    small = image.scaled(THUMB_W, THUMB_H, Qt.IgnoreAspectRatio, Qt.SmoothTransformation)
    grey = small.convertToFormat(QImage.Format_Grayscale8)
    arr = np.frombuffer(grey.constBits(), np.uint8, grey.sizeInBytes()).reshape(THUMB_H, grey.bytesPerLine())
    return arr[:, :THUMB_W].astype(np.int16)


def _to_qimage(frame) -> QImage:
    arr = frame.to_ndarray(format="bgra")  # B, G, R, 255 in memory = QImage RGB32
    h, w = arr.shape[:2]
    return QImage(arr.data, w, h, arr.strides[0], QImage.Format_RGB32).copy()


class _Decoder:
    """PyAV decoding of one file, frame by frame (one thread uses it)."""

    def __init__(self, info: ClipInfo) -> None:
        import av

        self.info = info
        self.container = av.open(str(info.path))
        self.stream = self.container.streams.video[0]
        self.time_base = self.stream.time_base or Fraction(1, 90000)
        self.pts_index = {p: i for i, p in enumerate(info.frame_pts)}
        self.first_pts = info.frame_pts[0] if info.frame_pts else (self.stream.start_time or 0)
        self.packets = None
        self.pending: deque = deque()  # decoded, not yet handed out (a packet may give several)
        self.next_index: int | None = None  # the frame the decoder gives next, when known

    def close(self) -> None:
        self.container.close()

    def index_of(self, frame) -> int:
        if frame.pts is not None and frame.pts in self.pts_index:
            return self.pts_index[frame.pts]
        t = float((frame.pts - self.first_pts) * self.time_base) if frame.pts is not None else (frame.time or 0.0)
        return self.info.frame_at(t)

    def seek_before(self, index: int) -> None:
        if self.info.frame_pts:
            target = self.info.frame_pts[index]
        else:
            target = self.first_pts + int(self.info.time_of(index) / self.time_base)
        self.container.seek(target, stream=self.stream, backward=True, any_frame=False)
        self.packets = self.container.demux(self.stream)
        self.pending.clear()
        self.next_index = None

    def frames(self):
        """Decoded frames from the current position: (index, av.VideoFrame); stops at the end.
        A caller may stop early; the next call goes on with the following frame."""
        if self.packets is None:
            self.seek_before(0)
        while True:
            while self.pending:
                frame = self.pending.popleft()
                i = self.index_of(frame)
                self.next_index = i + 1
                yield i, frame
            packet = next(self.packets, None)
            if packet is None:
                self.next_index = None  # flushed at the end: the next request seeks
                return
            self.pending.extend(packet.decode())


class StillNotifier(QObject):
    frameDecoded = Signal(int, int, QImage)  # request id, frame index, picture
    failed = Signal(int, str)  # request id, Chinese reason


class FrameSource:
    def __init__(self, info: ClipInfo) -> None:
        self.info = info
        self.notifier = StillNotifier()
        self._cond = threading.Condition()
        self._request: tuple | None = None
        self._closed = False
        self._cache: OrderedDict[int, QImage] = OrderedDict()
        self._cache_bytes = 0
        self._thread = threading.Thread(target=self._run, name="clip-frames", daemon=True)
        self._thread.start()

    # -- GUI thread ----------------------------------------------------------------------------
    def request(self, req_id: int, index: int, match: QImage | None = None, window: int = 0) -> None:
        thumb = thumbnail(match) if match is not None and not match.isNull() else None
        with self._cond:
            self._request = (req_id, index, thumb, window if thumb is not None else 0)
            self._cond.notify()

    def cached(self, index: int) -> QImage | None:
        with self._cond:
            return self._cache.get(index)

    def close(self) -> None:
        with self._cond:
            self._closed = True
            self._request = None
            self._cond.notify()
        self._thread.join(timeout=5.0)

    # -- worker --------------------------------------------------------------------------------
    def _superseded(self) -> bool:
        with self._cond:
            return self._closed or self._request is not None

    def _keep(self, index: int, image: QImage) -> None:
        with self._cond:
            if index in self._cache:
                return
            self._cache[index] = image
            self._cache_bytes += image.sizeInBytes()
            while self._cache_bytes > CACHE_BYTES and len(self._cache) > 1:
                _, old = self._cache.popitem(last=False)
                self._cache_bytes -= old.sizeInBytes()

    def _get(self, index: int) -> QImage | None:
        with self._cond:
            image = self._cache.get(index)
            if image is not None:
                self._cache.move_to_end(index)
            return image

    def _run(self) -> None:
        decoder: _Decoder | None = None
        try:
            while True:
                with self._cond:
                    while self._request is None and not self._closed:
                        self._cond.wait()
                    if self._closed:
                        return
                    req, self._request = self._request, None
                req_id = req[0]
                try:
                    if decoder is None:
                        decoder = _Decoder(self.info)
                    result = self._serve(decoder, *req[1:])
                except Exception as exc:  # noqa: BLE001 - a bad frame must not end the worker
                    log.warning("clip frames: decoding failed: %s", exc)
                    if decoder is not None:
                        decoder.next_index = None
                    self.notifier.failed.emit(req_id, f"无法解码该帧：{exc}")
                    continue
                if result is not None:
                    self.notifier.frameDecoded.emit(req_id, result[0], result[1])
        finally:
            if decoder is not None:
                decoder.close()

    def _serve(self, decoder: _Decoder, index: int, thumb, window: int) -> tuple[int, QImage] | None:
        last = self.info.frame_count - 1
        index = min(max(index, 0), last)
        try:
            found = self._frame(decoder, index) if thumb is None else None
            result = (index, found) if found is not None else (
                self._match(decoder, index, thumb, window) if thumb is not None else None)
        except _Superseded:
            return None
        if result is None:
            raise LookupError(f"第 {index + 1} 帧不在文件中")
        return result

    def _match(self, decoder: _Decoder, index: int, thumb, window: int) -> tuple[int, QImage] | None:
        """The frame in index ± window most like `thumb`. Frames are compared in order; past
        the estimate, the search stops once it has an (almost) identical frame that no later
        frame could beat for closeness to the estimate."""
        last = self.info.frame_count - 1
        lo, hi = max(0, index - window), min(last, index + window)
        best: tuple[float, int, QImage] | None = None
        exact: list[tuple[int, QImage]] = []
        for i in range(lo, hi + 1):
            image = self._frame(decoder, i)
            if image is None:
                break
            diff = float(np.abs(thumbnail(image) - thumb).mean())
            if best is None or diff < best[0]:
                best = (diff, i, image)
            if diff <= EXACT_DIFF:
                exact.append((i, image))
            if i >= index and exact and i - index >= index - exact[-1][0]:
                break
        if exact:
            i, image = min(exact, key=lambda e: abs(e[0] - index))
            return i, image
        return None if best is None else (best[1], best[2])

    def _frame(self, decoder: _Decoder, index: int) -> QImage | None:
        """Frame `index`, from the cache or decoded (on from where the decoder is when no
        keyframe lies in between, else from the keyframe before it); frames decoded on the way
        are kept, so stepping back is free. None past the end of the stream."""
        image = self._get(index)
        if image is not None:
            return image
        ahead = decoder.next_index
        key = self.info.keyframe_before(index)
        if key is not None:
            go_on = ahead is not None and key <= ahead <= index
        else:
            go_on = ahead is not None and ahead <= index <= ahead + FORWARD_LIMIT
        if not go_on:
            decoder.seek_before(index)
        found = None
        for i, frame in decoder.frames():
            if i >= index - KEEP_BEFORE:
                image = _to_qimage(frame)
                self._keep(i, image)
                if i <= index:
                    found = image
            if i >= index:
                return found
            if self._superseded():
                raise _Superseded
        return found


class _Superseded(Exception):  # noqa: N818 - control flow, not an error
    """A newer request arrived: the current one is dropped."""


def decode_frame(info: ClipInfo, index: int) -> QImage:
    """Frame `index` decoded on the calling thread (snapshots that cannot wait for the worker)."""
    decoder = _Decoder(info)
    try:
        index = min(max(index, 0), info.frame_count - 1)
        decoder.seek_before(index)
        found = None
        for i, frame in decoder.frames():
            if i <= index:
                found = frame
            if i >= index:
                break
        return QImage() if found is None else _to_qimage(found)
    finally:
        decoder.close()
