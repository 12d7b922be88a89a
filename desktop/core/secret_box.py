"""密钥: camera passwords are encrypted at rest with Fernet (AES-128-CBC + HMAC-SHA256).

The key lives in the OS keyring where a real one exists (Windows Credential Manager, the Secret
Service of a Linux desktop, the macOS keychain), else in a key file in the data directory that
only the user may read (created 0600 and refused when group or others can read it). A key file,
once present, wins over the keyring: that is what a restore writes, and it keeps a copied data
directory working on a machine whose keyring holds another key.

The key is never created to read: a database with encrypted rows and no key gives a clear error
naming where the key was looked for, and the stored secrets stay as they are. Several consoles
on one PostgreSQL database must share the key (copy the key file, or restore a backup).
"""

from __future__ import annotations

import logging
import os
import stat
import sys
import threading
from dataclasses import dataclass
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken

log = logging.getLogger(__name__)

PLAIN = "plain"
FERNET_V1 = "fernet-v1"
KEY_FILE_NAME = "secrets.key"
KEYRING_SERVICE = "mingchu-console"
KEYRING_NAME = "camera-secrets-key"
# MINGCHU_KEYRING=off keeps the key in the data directory even where a keyring exists (a
# portable install on a USB disk, tests that must not touch the developer's keyring).
KEYRING_ENV = "MINGCHU_KEYRING"


class SecretKeyError(RuntimeError):
    """The key is missing, unreadable, too widely readable or does not fit the stored secrets.
    The message is Chinese first, names where the key is, and never holds a secret or a token."""


class SecretKeyMissingError(SecretKeyError):
    """No key anywhere: nothing encrypted can be read; a key may be created to write."""


@dataclass(frozen=True, slots=True)
class KeyLocation:
    kind: str  # "keyring" / "file"
    where: str  # shown to people: the key file's path, or the keyring entry

    def describe(self) -> str:
        if self.kind == "keyring":
            return f"系统凭据管理器（{self.where}）"
        return f"密钥文件 {self.where}"


def key_file(data_dir: Path) -> Path:
    return data_dir / KEY_FILE_NAME


def _keyring_entry() -> str:
    return f"{KEYRING_SERVICE} / {KEYRING_NAME}"


def keyring_usable() -> bool:
    """True where the keyring package found a real backend. On a server without a desktop
    session it falls back to its `fail` backend (every call raises) or, when configured so, the
    `null` one (stores nothing): neither keeps a key."""
    if os.environ.get(KEYRING_ENV, "").lower() in {"off", "0", "no", "false"}:
        return False
    try:
        import keyring
        from keyring.backends import fail

        backend = keyring.get_keyring()
        if isinstance(backend, fail.Keyring) or type(backend).__module__.endswith(".null"):
            return False
        if getattr(backend, "priority", 1) <= 0:
            return False
        chained = getattr(backend, "backends", None)
        if chained is not None and not chained:
            return False
        backend.get_password(KEYRING_SERVICE, KEYRING_NAME)  # a locked or broken backend raises here
        return True
    except Exception as exc:  # noqa: BLE001 - any keyring failure means: use the key file
        log.info("no usable keyring (%s): the secrets key is kept in the data directory", type(exc).__name__)
        return False


def _check_file_mode(path: Path) -> None:
    """Refuse a key file others could read: a copied key decrypts every camera password."""
    if sys.platform.startswith("win"):
        return  # NTFS ACLs, not mode bits: the file is in the user's profile
    st = path.stat()
    if st.st_uid != os.getuid():
        raise SecretKeyError(f"密钥文件 {path} 不属于当前用户，拒绝使用 / key file not owned by this user")
    if stat.S_IMODE(st.st_mode) & 0o077:
        raise SecretKeyError(f"密钥文件 {path} 的权限过宽（{stat.S_IMODE(st.st_mode):o}），其他用户可读；"
                             f"请执行 chmod 600 {path} / key file readable by group or others")


def _read_key_file(path: Path) -> bytes:
    _check_file_mode(path)
    try:
        key = path.read_bytes().strip()
        Fernet(key)
    except (OSError, ValueError) as exc:
        raise SecretKeyError(f"密钥文件 {path} 无法读取或已损坏 / key file unreadable or corrupt "
                             f"({type(exc).__name__})") from None
    return key


def write_key_file(path: Path, key: bytes) -> None:
    """Create the key file readable by the user only. O_EXCL: never overwrite a key (the secrets
    it encrypted would be lost); the mode is set at creation, so there is no moment in which
    the file is readable by others."""
    Fernet(key)  # a valid key or ValueError
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o600)
    try:
        os.write(fd, key + b"\n")
        os.fsync(fd)
    finally:
        os.close(fd)


def _keyring_get() -> bytes | None:
    import keyring

    value = keyring.get_password(KEYRING_SERVICE, KEYRING_NAME)
    return value.encode("ascii") if value else None


def _keyring_set(key: bytes) -> None:
    import keyring

    keyring.set_password(KEYRING_SERVICE, KEYRING_NAME, key.decode("ascii"))


def find_key(data_dir: Path) -> tuple[bytes | None, KeyLocation]:
    """The key and where it is, or (None, where it would be created)."""
    path = key_file(data_dir)
    if path.exists():
        return _read_key_file(path), KeyLocation("file", str(path))
    if keyring_usable():
        try:
            key = _keyring_get()
        except Exception as exc:  # noqa: BLE001 - reported as a key problem, never with the value
            raise SecretKeyError(f"无法从系统凭据管理器（{_keyring_entry()}）读取密钥 / keyring read failed "
                                 f"({type(exc).__name__})") from None
        location = KeyLocation("keyring", _keyring_entry())
        if key is not None:
            try:
                Fernet(key)
            except ValueError:
                raise SecretKeyError(f"系统凭据管理器中的密钥（{_keyring_entry()}）已损坏 / keyring key corrupt") \
                    from None
        return key, location
    return None, KeyLocation("file", str(path))


def create_key(data_dir: Path) -> tuple[bytes, KeyLocation]:
    """A new key, in the keyring if usable, else in the key file."""
    key = Fernet.generate_key()
    if keyring_usable():
        try:
            _keyring_set(key)
            if _keyring_get() == key:
                log.info("secrets key created in the keyring (%s)", _keyring_entry())
                return key, KeyLocation("keyring", _keyring_entry())
        except Exception as exc:  # noqa: BLE001 - fall back to the key file
            log.warning("keyring refused the secrets key (%s): using a key file", type(exc).__name__)
    path = key_file(data_dir)
    try:
        write_key_file(path, key)
    except FileExistsError:  # another console (or process) created it a moment ago: use theirs
        return _read_key_file(path), KeyLocation("file", str(path))
    log.info("secrets key created in %s (mode 0600)", path)
    return key, KeyLocation("file", str(path))


class SecretBox:
    """Encrypts and decrypts camera secrets with the station's key."""

    def __init__(self, key: bytes, location: KeyLocation) -> None:
        self._fernet = Fernet(key)
        self.location = location

    def __repr__(self) -> str:
        return f"SecretBox({self.location.describe()})"

    def encrypt(self, secret: str) -> str:
        return self._fernet.encrypt(secret.encode("utf-8")).decode("ascii")

    def decrypt(self, token: str) -> str:
        try:
            return self._fernet.decrypt(token.encode("ascii")).decode("utf-8")
        except (InvalidToken, ValueError, UnicodeError):
            # `from None`: the token must not ride along in a chained traceback.
            raise SecretKeyError(
                f"摄像头密码无法解密：{self.location.describe()} 与数据库中保存的密码不匹配"
                f"（密钥被更换或数据库来自另一台工作台；请恢复原密钥，已保存的密码未被改动）"
                f" / the key does not fit the stored secrets") from None


_boxes: dict[str, SecretBox] = {}
_lock = threading.Lock()


def secret_box(data_dir: Path | None = None, *, create: bool = False) -> SecretBox:
    """The box of the data directory's key (cached). Without `create`, a missing key raises
    SecretKeyError naming where it was looked for."""
    if data_dir is None:
        from desktop import paths

        data_dir = paths.data_dir()
    cache_key = str(Path(data_dir).resolve())
    with _lock:
        box = _boxes.get(cache_key)
        if box is not None:
            return box
        key, location = find_key(Path(data_dir))
        if key is None:
            if not create:
                raise SecretKeyMissingError(f"找不到摄像头密码的密钥（应在{location.describe()}），"
                                            f"已保存的密码无法解密；请从备份恢复密钥文件 / secrets key not found")
            key, location = create_key(Path(data_dir))
        box = SecretBox(key, location)
        _boxes[cache_key] = box
        return box


def forget_cached_keys() -> None:
    """Drop the cached keys (after a restore, or in tests that replace a key)."""
    with _lock:
        _boxes.clear()


def current_key(data_dir: Path) -> tuple[bytes | None, KeyLocation]:
    """For the backup: the key bytes, wherever they are."""
    return find_key(data_dir)
