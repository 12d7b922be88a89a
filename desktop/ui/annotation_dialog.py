"""标注证据图片: the annotation editor (widgets/annotation_editor.py) in a dialog.

保存 renders the annotated picture at the original's full resolution and hands back
(png_bytes, shapes_json): the `saved` signal, `result_data()` after exec(), or `annotate()` in one
call. The dialog stores nothing: the owner writes the PNG as a NEW evidence file linked to the
original together with the shapes (so the annotation can be edited again); the original picture
is never changed. 取消, Esc or closing the window ask first when there are unsaved changes.

An annotation document that cannot be read (desktop/core/annotation_shapes.from_json says why)
is reported in a band above the picture, and the picture opens without shapes.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import QBuffer, Qt, Signal
from PySide6.QtGui import QImage, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from desktop.core.annotation_shapes import AnnotationFormatError, from_json
from widgets.annotation_editor import AnnotationEditor

log = logging.getLogger(__name__)


def png_bytes(image: QImage) -> bytes:
    buffer = QBuffer()
    buffer.open(QBuffer.WriteOnly)
    if not image.save(buffer, "PNG"):
        raise OSError("cannot encode the annotated picture as PNG")
    return bytes(buffer.data())


class AnnotationDialog(QDialog):
    saved = Signal(bytes, str)  # png_bytes, shapes_json

    def __init__(
        self,
        image: QImage,
        annotation_json: str = "",
        subtitle: str = "",
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("annotationDialog")
        self.setWindowTitle(self.tr("标注证据图片") + (f" — {subtitle}" if subtitle else "") + "[*]")
        self.setWindowFlag(Qt.WindowMaximizeButtonHint, True)
        self._result: tuple[bytes, str] | None = None
        self.editor = AnnotationEditor(self)
        self.problem = QLabel(self)
        self.problem.setObjectName("annotationProblem")
        self.problem.setWordWrap(True)
        self.problem.hide()
        self.info = QLabel(self)
        self.info.setObjectName("annotationInfo")
        self.save_button = QPushButton(self.tr("保存"), self)
        self.save_button.setObjectName("annotationSave")
        self.save_button.setToolTip(self.tr("另存为新的证据图片，原图保持不变（Ctrl+S）"))
        self.cancel_button = QPushButton(self.tr("取消"), self)
        for b in (self.save_button, self.cancel_button):
            b.setAutoDefault(False)  # Enter belongs to the text tool, not to the dialog
            b.setDefault(False)
        buttons = QHBoxLayout()
        buttons.addWidget(self.info, 1)
        buttons.addWidget(self.save_button)
        buttons.addWidget(self.cancel_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(10, 10, 10, 10)
        layout.addWidget(self.problem)
        layout.addWidget(self.editor, 1)
        layout.addLayout(buttons)
        self.save_button.clicked.connect(self.save)
        self.cancel_button.clicked.connect(self.reject)
        QShortcut(QKeySequence.Save, self, activated=self.save)
        self.editor.changed.connect(self._changed)
        self.editor.undo_stack.cleanChanged.connect(self._clean_changed)
        self.resize(1280, 860)
        self._load(image, annotation_json)

    def _load(self, image: QImage, annotation_json: str) -> None:
        problem = ""
        if annotation_json and annotation_json.strip():
            try:
                from_json(annotation_json)
            except AnnotationFormatError as exc:
                problem = str(exc)
        try:
            self.editor.load(image, "" if problem else annotation_json)
        except ValueError as exc:  # the widget's own reader refused what the core accepted
            problem = str(exc)
        if problem:
            log.warning("annotation document not readable: %s", problem)
            self.problem.setText(self.tr("原有标注无法读取，已从空白开始：{0}").format(problem))
            self.problem.show()
        w, h = image.width(), image.height()
        self.info.setText(self.tr("原图 {0}×{1}，保存时另存为新的证据图片，原图不变").format(w, h))
        self._changed()

    # -- results -----------------------------------------------------------------------------
    def result_data(self) -> tuple[bytes, str] | None:
        """(png_bytes, shapes_json) once saved, else None."""
        return self._result

    @classmethod
    def annotate(
        cls, image: QImage, annotation_json: str = "", subtitle: str = "", parent: QWidget | None = None
    ) -> tuple[bytes, str] | None:
        """Open the dialog modally; (png_bytes, shapes_json) when saved, None when cancelled."""
        dialog = cls(image, annotation_json, subtitle, parent)
        try:
            return dialog.result_data() if dialog.exec() == QDialog.Accepted else None
        finally:
            dialog.deleteLater()

    def save(self) -> None:
        self.editor.canvas.commit_text()
        if not self.editor.is_modified():  # nothing new to store (the button is disabled too)
            return
        data = png_bytes(self.editor.render())
        shapes = self.editor.shapes_json()
        self._result = (data, shapes)
        self.editor.set_saved()
        self.saved.emit(data, shapes)
        self.accept()

    # -- leaving -----------------------------------------------------------------------------
    def reject(self) -> None:
        self.editor.canvas.cancel_text()  # a text being typed is not kept (Esc in it only ends it)
        if self.editor.is_modified() and not self._confirm_discard():
            return
        super().reject()

    def _confirm_discard(self) -> bool:
        answer = QMessageBox.question(
            self,
            self.tr("放弃标注"),
            self.tr("标注还没有保存，确定要放弃吗？"),
            QMessageBox.Discard | QMessageBox.Cancel,
            QMessageBox.Cancel,
        )
        return answer == QMessageBox.Discard

    def _clean_changed(self, _clean: bool) -> None:
        self._changed()

    def _changed(self) -> None:
        modified = self.editor.is_modified()
        self.save_button.setEnabled(modified)
        self.setWindowModified(modified)
