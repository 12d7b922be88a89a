"""查看大图: one evidence picture at full resolution (scrollable when larger than the screen),
non-modal. The caller reads the image on the files runner (QImage is safe off the GUI thread)
and records the view in the audit trail: opening evidence is an explicit act, a thumbnail is not."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication, QImage, QPixmap
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QScrollArea, QVBoxLayout, QWidget

__all__ = ["PictureDialog", "load_full_picture"]


def load_full_picture(path: Path) -> QImage:
    """Files runner: the picture as stored (a null image when it cannot be read)."""
    return QImage(str(path))


class PictureDialog(QDialog):
    def __init__(self, image: QImage, title: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("pictureDialog")
        self.setModal(False)
        self.setWindowTitle(title)
        self.picture = QLabel(self)
        self.picture.setAlignment(Qt.AlignCenter)
        self.picture.setPixmap(QPixmap.fromImage(image))
        scroll = QScrollArea(self)
        scroll.setWidget(self.picture)
        scroll.setWidgetResizable(True)
        scroll.setAlignment(Qt.AlignCenter)
        heading = QLabel(title, self)
        heading.setTextInteractionFlags(Qt.TextSelectableByMouse)
        buttons = QDialogButtonBox(QDialogButtonBox.Close, self)
        buttons.button(QDialogButtonBox.Close).setText(self.tr("关闭"))
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(heading)
        layout.addWidget(scroll, 1)
        layout.addWidget(buttons)
        screen = QGuiApplication.primaryScreen()
        room = screen.availableGeometry().size() * 0.9 if screen is not None else None
        width, height = image.width() + 40, image.height() + 90
        if room is not None:
            width, height = min(width, room.width()), min(height, room.height())
        self.resize(max(width, 320), max(height, 240))
