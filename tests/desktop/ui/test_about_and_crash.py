"""关于 lists the bundled models' and libraries' licences; an uncaught exception (GUI thread or a
worker thread) is logged with its traceback and shown in a dialog naming the log file."""

from __future__ import annotations

import logging
import sys
import threading

import pytest
from PySide6.QtCore import QThread, QTimer
from PySide6.QtWidgets import QApplication

from desktop import logging_setup
from desktop.logging_setup import install_excepthooks, setup_logging
from desktop.ui.about_dialog import AboutDialog
from desktop.ui.crash_dialog import CrashReporter


def rows(table) -> list[list[str]]:
    return [[table.item(r, c).text() for c in range(table.columnCount())] for r in range(table.rowCount())]


def test_about_lists_model_and_library_licences(qtbot, data_dir):
    dlg = AboutDialog()
    qtbot.addWidget(dlg)
    assert "0.1.0" in dlg.findChild(type(dlg.layout().itemAt(0).widget()), "aboutInfo").text()
    models = {r[0]: r for r in rows(dlg.models_table)}
    person = next(r for name, r in models.items() if "person-ssdlite" in name)
    assert person[2] == "MIT" and person[1] == "0.2"
    assert any("mask-mobilenetv2" in name for name in models)
    libs = {r[0]: r for r in rows(dlg.libraries_table)}
    assert libs["Qt 6 / PySide6"][2].startswith("LGPL") and libs["Qt 6 / PySide6"][1]
    assert libs["OpenVINO"][2] == "Apache-2.0" and libs["OpenVINO"][1]
    assert libs["libvlc (VLC)"][2].startswith("LGPL") and libs["libvlc (VLC)"][1].startswith("3.")
    assert libs["FFmpeg"][1] and ("LGPL" in libs["FFmpeg"][2] or "GPL" in libs["FFmpeg"][2])


@pytest.fixture
def hooks(tmp_path, monkeypatch):
    """The hooks installed for real, with the test process's own put back afterwards."""
    monkeypatch.setattr(sys, "excepthook", sys.excepthook)
    monkeypatch.setattr(threading, "excepthook", threading.excepthook)
    monkeypatch.setattr(logging_setup, "_hooks_installed", False)
    root = logging.getLogger()
    before = list(root.handlers)
    setup_logging(tmp_path / "logs")
    install_excepthooks()
    yield tmp_path / "logs" / "console.log"
    for h in root.handlers[len(before):]:
        root.removeHandler(h)
        h.close()


@pytest.mark.qt_no_exception_capture
def test_an_exception_in_a_slot_shows_the_dialog_with_the_log_path(qtbot, hooks):
    reporter = CrashReporter()
    try:
        def boom() -> None:
            raise ValueError("kaputt im Slot")

        QTimer.singleShot(0, boom)
        qtbot.waitUntil(lambda: reporter.box is not None and reporter.box.isVisible(), timeout=5000)
        text = reporter.box.text()
        assert str(hooks) in text and "kaputt im Slot" in text and "日志" in text
        log = hooks.read_text(encoding="utf-8")
        assert "uncaught exception" in log and "ValueError: kaputt im Slot" in log and "boom" in log
        # A second error while the dialog is open is counted in it, not stacked.
        QTimer.singleShot(0, boom)
        qtbot.waitUntil(lambda: "又发生 1 个错误" in reporter.box.text(), timeout=5000)
        assert reporter.shown == 1
        reporter.box.close()
    finally:
        reporter.close()


@pytest.mark.qt_no_exception_capture
def test_an_exception_in_a_worker_thread_reaches_the_gui_thread(qtbot, hooks):
    reporter = CrashReporter()
    shown_on = []
    reporter.crashed.connect(lambda *_: shown_on.append(QThread.currentThread()))
    try:
        t = threading.Thread(target=lambda: 1 / 0, name="decode-7")
        t.start()
        t.join()
        qtbot.waitUntil(lambda: reporter.box is not None, timeout=5000)
        assert shown_on == [QApplication.instance().thread()]
        assert "ZeroDivisionError" in reporter.box.text()
        assert "uncaught exception in decode-7 thread" in hooks.read_text(encoding="utf-8")
        reporter.box.close()
    finally:
        reporter.close()


def test_the_help_menu_opens_about(qtbot, rtsp_server, make_console):
    console = make_console(rtsp_server, 1)
    window = console.window
    assert window.about_action in window.help_menu.actions() and window.about_action.text() == "关于"
    seen = []

    def close_it() -> None:
        dlg = QApplication.activeModalWidget()
        seen.append(dlg)
        if dlg is not None:
            assert dlg.models_table.rowCount() >= 5
            dlg.reject()

    QTimer.singleShot(500, close_it)
    window.about_action.trigger()  # modal: returns once close_it has closed it
    assert len(seen) == 1 and isinstance(seen[0], AboutDialog)
