"""Save a full-resolution snapshot as PNG with who/what/when in its text chunks."""

from __future__ import annotations

import re
import struct
import zlib
from datetime import datetime
from pathlib import Path

import cv2
import numpy as np

from desktop.core.atomic_file import write_atomic


def _png_text_chunk(key: str, value: str) -> bytes:
    # iTXt (UTF-8) so Chinese camera names survive; uncompressed, no language tag.
    data = key.encode("latin-1") + b"\x00\x00\x00\x00\x00" + value.encode("utf-8")
    return struct.pack(">I", len(data)) + b"iTXt" + data + struct.pack(">I", zlib.crc32(b"iTXt" + data) & 0xFFFFFFFF)


def encode_png(image_bgr: np.ndarray, text: dict[str, str]) -> bytes:
    ok, buf = cv2.imencode(".png", image_bgr)
    if not ok:
        raise ValueError("PNG encoding failed")
    png = buf.tobytes()
    ihdr_end = 8 + 4 + 4 + 13 + 4  # signature + IHDR chunk
    chunks = b"".join(_png_text_chunk(k, v) for k, v in text.items())
    return png[:ihdr_end] + chunks + png[ihdr_end:]


def read_png_text(path: Path) -> dict[str, str]:
    data = path.read_bytes()
    out, pos = {}, 8
    while pos + 8 <= len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        if kind == b"iTXt":
            key, rest = body.split(b"\x00", 1)
            out[key.decode("latin-1")] = rest[4:].decode("utf-8")  # flag, method, lang\0, tkey\0
        pos += 12 + length
    return out


def _safe(name: str) -> str:
    return re.sub(r'[\\/:*?"<>|\s]+', "_", name).strip("_") or "camera"


def save_snapshot(image_bgr: np.ndarray, folder: Path, camera_title: str, camera_id: int,
                  taken_at: datetime, taken_by: str = "") -> Path:
    """Write atomically (temp file + replace): a full disk leaves no half-written PNG."""
    folder.mkdir(parents=True, exist_ok=True)
    stamp = taken_at.strftime("%Y%m%d-%H%M%S-%f")[:-3]
    path = folder / f"{_safe(camera_title)}_{stamp}.png"
    h, w = image_bgr.shape[:2]
    data = encode_png(image_bgr, {
        "Camera": camera_title, "CameraId": str(camera_id), "Time": taken_at.isoformat(timespec="milliseconds"),
        "TakenBy": taken_by, "Size": f"{w}x{h}",
    })
    write_atomic(path, data)
    return path
