"""Stream states and failure reasons, as plain values (no Qt): the UI translates them."""

from __future__ import annotations

import enum
from dataclasses import dataclass


def translate_noop(context: str, text: str) -> str:
    """Marks a string for Qt's lupdate (like QT_TRANSLATE_NOOP); the UI translates at display."""
    return text


TR_CONTEXT = "StreamStatus"


class StreamState(enum.Enum):
    CONNECTING = translate_noop(TR_CONTEXT, "连接中")
    ONLINE = translate_noop(TR_CONTEXT, "在线")
    RECONNECTING = translate_noop(TR_CONTEXT, "重连中")
    OFFLINE = translate_noop(TR_CONTEXT, "离线")
    STOPPED = translate_noop(TR_CONTEXT, "已停止")

    @property
    def label(self) -> str:
        return self.value


class Reason(enum.Enum):
    NONE = ""
    REFUSED = translate_noop(TR_CONTEXT, "连接被拒绝（设备或端口未开放）")
    UNREACHABLE = translate_noop(TR_CONTEXT, "网络不可达")
    HOST_NOT_FOUND = translate_noop(TR_CONTEXT, "无法解析主机名")
    TIMEOUT = translate_noop(TR_CONTEXT, "连接超时")
    AUTH = translate_noop(TR_CONTEXT, "用户名或密码错误")
    FORBIDDEN = translate_noop(TR_CONTEXT, "无权访问该码流")
    NOT_FOUND = translate_noop(TR_CONTEXT, "码流地址不存在")
    BAD_URL = translate_noop(TR_CONTEXT, "地址格式错误或协议不支持")
    NO_VIDEO = translate_noop(TR_CONTEXT, "码流中没有视频")
    STALLED = translate_noop(TR_CONTEXT, "码流中断（长时间无数据）")
    ENDED = translate_noop(TR_CONTEXT, "码流已结束")
    DECODE = translate_noop(TR_CONTEXT, "解码失败")
    SERVER = translate_noop(TR_CONTEXT, "服务器错误")
    UNKNOWN = translate_noop(TR_CONTEXT, "未知错误")

    @property
    def text(self) -> str:
        return self.value

    @property
    def permanent(self) -> bool:
        """Failures that retrying soon will not fix: the tile goes straight to 离线."""
        return self in {Reason.AUTH, Reason.FORBIDDEN, Reason.NOT_FOUND, Reason.BAD_URL,
                        Reason.HOST_NOT_FOUND, Reason.NO_VIDEO}


@dataclass(frozen=True, slots=True)
class StreamStatus:
    state: StreamState
    reason: Reason = Reason.NONE
    detail: str = ""  # FFmpeg's own words, credentials scrubbed
    retry_at: float | None = None  # time.monotonic() of the next attempt while waiting
    attempt: int = 0
    since: float = 0.0  # time.time() of this state

    @property
    def online(self) -> bool:
        return self.state is StreamState.ONLINE


@dataclass(frozen=True, slots=True)
class StreamInfo:
    """What the stream turned out to be; set once per connection."""

    codec: str
    width: int
    height: int
    fps: float  # declared by the stream (average_rate), 0 if unknown
