"""A form whose fields each carry their own error line (ValidationError.errors field → message),
plus a general line for errors that belong to no field."""

from __future__ import annotations

from PySide6.QtWidgets import QDialog, QDialogButtonBox, QFormLayout, QLabel, QVBoxLayout, QWidget

ERROR_STYLE = "color: #f87171;"
HINT_STYLE = "color: #9ca3af; font-size: 9pt;"


class FieldForm(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.general = QLabel(self)
        self.general.setObjectName("formError")
        self.general.setStyleSheet(ERROR_STYLE)
        self.general.setWordWrap(True)
        self.general.hide()
        self._form = QFormLayout()
        self._form.setFieldGrowthPolicy(QFormLayout.AllNonFixedFieldsGrow)
        self._form.setVerticalSpacing(6)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.general)
        layout.addLayout(self._form)
        self._errors: dict[str, QLabel] = {}
        self._fields: dict[str, QWidget] = {}

    def add(self, key: str, label: str, field: QWidget, hint: str = "") -> QWidget:
        """A row: label and field; under the field a hint (grey) and an error line (red, shown
        only when there is an error), as rows of their own so the label stays level with the field."""
        self._form.addRow(label, field)
        if hint:
            h = QLabel(hint, self)
            h.setObjectName("formHint")
            h.setStyleSheet(HINT_STYLE)
            h.setWordWrap(True)
            self._form.addRow("", h)
        err = QLabel(self)
        err.setObjectName("fieldError")
        err.setStyleSheet(ERROR_STYLE)
        err.setWordWrap(True)
        self._form.addRow("", err)
        self._form.setRowVisible(err, False)
        self._errors[key] = err
        self._fields[key] = field
        return field

    def add_widget(self, widget: QWidget) -> QWidget:
        self._form.addRow(widget)
        return widget

    def show_errors(self, errors: dict[str, str]) -> None:
        self.clear_errors()
        general = []
        for key, message in errors.items():
            label = self._errors.get(key)
            if label is None:
                general.append(message)
                continue
            label.setText(message)
            self._form.setRowVisible(label, True)
        if general:
            self.show_general("；".join(general))
        first = next((self._fields[k] for k in errors if k in self._fields), None)
        if first is not None:
            first.setFocus()

    def show_general(self, message: str) -> None:
        self.general.setText(message)
        self.general.show()

    def clear_errors(self) -> None:
        for label in self._errors.values():
            label.clear()
            self._form.setRowVisible(label, False)
        self.general.clear()
        self.general.hide()

    def error(self, key: str) -> str:
        """The message shown under a field ('' when none)."""
        label = self._errors.get(key)
        return label.text() if label is not None else ""


def dialog_layout(dialog: QDialog, form: QWidget) -> QDialogButtonBox:
    """The form above 保存 / 取消, wired to the dialog's accept and reject."""
    buttons = QDialogButtonBox(QDialogButtonBox.Save | QDialogButtonBox.Cancel, dialog)
    buttons.button(QDialogButtonBox.Save).setText(dialog.tr("保存"))
    buttons.button(QDialogButtonBox.Cancel).setText(dialog.tr("取消"))
    buttons.accepted.connect(dialog.accept)
    buttons.rejected.connect(dialog.reject)
    layout = QVBoxLayout(dialog)
    layout.addWidget(form)
    layout.addWidget(buttons)
    return buttons
