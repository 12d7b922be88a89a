"""An uncaught exception, anywhere, shows a dialog instead of the console vanishing: what failed,
and the log file with the traceback (desktop/logging_setup.py writes it there first). Exceptions
of worker threads are carried to the GUI thread by a queued signal. One dialog at a time: errors
that come while it is open are counted in it, not stacked."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject, Qt, QUrl, Signal, Slot
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QApplication, QMessageBox

from desktop.logging_setup import add_crash_notifier, remove_crash_notifier


def crash_text(summary: str, log_file: Path | None, more: int = 0) -> str:
    where = str(log_file) if log_file else "（未写日志文件 / no log file）"
    extra = f"\n\n此后又发生 {more} 个错误，均已写入日志。" if more else ""
    return (f"程序发生了未处理的错误，详细信息已写入日志文件：\n{where}\n\n错误：{summary}{extra}\n\n"
            "可以继续使用；如问题反复出现，请将日志文件发给技术支持。")


class CrashReporter(QObject):
    """Registered with logging_setup's crash notifiers for the life of the application."""

    crashed = Signal(str, str)  # summary, log file ("" when none)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.crashed.connect(self._show, Qt.QueuedConnection)  # always on the GUI thread
        self.box: QMessageBox | None = None
        self.shown = 0  # dialogs opened (for tests)
        self._more = 0
        self._log_file: Path | None = None
        add_crash_notifier(self._notify)

    def _notify(self, summary: str, log_file: Path | None) -> None:
        self.crashed.emit(summary, str(log_file) if log_file else "")

    @Slot(str, str)
    def _show(self, summary: str, log_file: str) -> None:
        if self.box is not None:  # one dialog; later errors are counted in it
            self._more += 1
            self.box.setText(crash_text(self._summary, self._log_file, self._more))
            return
        self._summary, self._more = summary, 0
        self._log_file = Path(log_file) if log_file else None
        box = QMessageBox(QMessageBox.Critical, "程序错误", crash_text(summary, self._log_file),
                          QMessageBox.NoButton, QApplication.activeWindow())
        box.setObjectName("crashDialog")
        box.setTextInteractionFlags(Qt.TextSelectableByMouse)
        self.open_logs = box.addButton("打开日志目录", QMessageBox.ActionRole)
        box.addButton("继续", QMessageBox.AcceptRole)
        self.quit_button = box.addButton("退出程序", QMessageBox.DestructiveRole)
        box.setAttribute(Qt.WA_DeleteOnClose)
        box.buttonClicked.connect(self._clicked)
        box.finished.connect(self._closed)
        self.box = box
        self.shown += 1
        box.open()  # not exec(): a nested event loop inside whatever failed could fail again

    def _clicked(self, button) -> None:
        if button is self.open_logs and self._log_file is not None:
            QDesktopServices.openUrl(QUrl.fromLocalFile(str(self._log_file.parent)))
        elif button is self.quit_button:
            QApplication.instance().quit()

    def _closed(self) -> None:
        self.box = None

    def close(self) -> None:
        remove_crash_notifier(self._notify)
