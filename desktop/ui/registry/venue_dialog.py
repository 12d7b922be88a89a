"""Add or edit a venue (一户一档). Saving runs on the DB thread; invalid input comes back as
field → message and the dialog stays open with the messages under their fields."""

from __future__ import annotations

import logging
from collections.abc import Sequence

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QLineEdit,
    QPlainTextEdit,
    QWidget,
)

from desktop.core.registry import VenueInput, VenueRecord
from desktop.core.registry_validation import ValidationError
from desktop.core.vocabulary import BUILD_PROGRESS, DEFAULT_PROGRESS, RISK_LEVELS, VENUE_TYPES
from desktop.services.registry_service import RegistryService, error_text
from desktop.ui.registry.form import FieldForm, dialog_layout

log = logging.getLogger(__name__)


def _combo(parent: QWidget, values: Sequence[str], empty: str | None = None, editable: bool = False) -> QComboBox:
    box = QComboBox(parent)
    box.setEditable(editable)
    if empty is not None:
        box.addItem(empty, "")
    for v in values:
        box.addItem(v, v)
    return box


def _set_combo(box: QComboBox, value: str) -> None:
    i = box.findData(value)
    if i >= 0:
        box.setCurrentIndex(i)
    elif box.isEditable():
        box.setEditText(value)


def combo_value(box: QComboBox) -> str:
    if box.isEditable():
        return box.currentText().strip()
    return box.currentData() or ""


class VenueDialog(QDialog):
    saved = Signal(int)  # venue id, after the DB accepted it

    def __init__(self, service: RegistryService, streets: Sequence[str], venue: VenueRecord | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.service = service
        self.venue = venue
        self.setWindowTitle(self.tr("编辑单位") if venue else self.tr("新增单位"))
        self.setMinimumWidth(520)
        f = self.form = FieldForm(self)
        self.name = f.add("name", self.tr("单位名称 *"), QLineEdit(self))
        self.license_no = f.add("license_no", self.tr("许可证号"), QLineEdit(self),
                                self.tr("食品经营许可证编号，如 JY23101120003317"))
        self.street = f.add("street", self.tr("街镇"), _combo(self, streets, editable=True),
                            self.tr("可直接输入新的街镇"))
        self.address = f.add("address", self.tr("地址"), QLineEdit(self))
        self.venue_type = f.add("venue_type", self.tr("单位类型"), _combo(self, VENUE_TYPES, self.tr("（未填）")))
        self.risk_level = f.add("risk_level", self.tr("风险等级"), _combo(self, RISK_LEVELS, self.tr("（未评定）")))
        self.contact_person = f.add("contact_person", self.tr("联系人"), QLineEdit(self))
        self.contact_phone = f.add("contact_phone", self.tr("联系电话"), QLineEdit(self))
        self.business_hours = f.add("business_hours", self.tr("营业时间"), QLineEdit(self))
        self.business_hours.setPlaceholderText(self.tr("06:00-20:00，多段用逗号分隔"))
        self.build_progress = f.add("build_progress", self.tr("建设进度"), _combo(self, BUILD_PROGRESS))
        self.expected_completion = f.add("expected_completion", self.tr("预计完成"), QLineEdit(self))
        self.expected_completion.setPlaceholderText(self.tr("年-月，如 2025-09"))
        self.platform_connected = f.add("platform_connected", "", QCheckBox(self.tr("已接入监管平台"), self))
        self.notes = f.add("notes", self.tr("备注"), QPlainTextEdit(self))
        self.notes.setFixedHeight(60)
        self.buttons = dialog_layout(self, f)
        self._fill(venue)
        self.saving = False

    def _fill(self, v: VenueRecord | None) -> None:
        if v is None:
            self.street.setEditText("")
            _set_combo(self.build_progress, DEFAULT_PROGRESS)
            return
        self.name.setText(v.name)
        self.license_no.setText(v.license_no)
        _set_combo(self.street, v.street)
        self.address.setText(v.address)
        _set_combo(self.venue_type, v.venue_type)
        _set_combo(self.risk_level, v.risk_level)
        self.contact_person.setText(v.contact_person)
        self.contact_phone.setText(v.contact_phone)
        self.business_hours.setText(v.business_hours)
        _set_combo(self.build_progress, v.build_progress)
        self.expected_completion.setText(v.expected_completion)
        self.platform_connected.setChecked(v.platform_connected)
        self.notes.setPlainText(v.notes)

    def value(self) -> VenueInput:
        return VenueInput(
            name=self.name.text(), license_no=self.license_no.text(), address=self.address.text(),
            street=combo_value(self.street), venue_type=combo_value(self.venue_type),
            risk_level=combo_value(self.risk_level), contact_person=self.contact_person.text(),
            contact_phone=self.contact_phone.text(), business_hours=self.business_hours.text(),
            build_progress=combo_value(self.build_progress), expected_completion=self.expected_completion.text(),
            platform_connected=self.platform_connected.isChecked(), notes=self.notes.toPlainText(),
            id=self.venue.id if self.venue else None)

    def accept(self) -> None:
        """Save in the background; close only once the database took it."""
        if self.saving:
            return
        self.form.clear_errors()
        self._set_saving(True)
        self.service.save_venue(self.value(), on_done=self._saved, on_error=self._failed)

    def _set_saving(self, on: bool) -> None:
        self.saving = on
        self.buttons.setEnabled(not on)

    def _saved(self, venue_id: int) -> None:
        self._set_saving(False)
        self.saved.emit(venue_id)
        super().accept()

    def _failed(self, exc: BaseException) -> None:
        self._set_saving(False)
        if isinstance(exc, ValidationError):
            self.form.show_errors(exc.errors)
        else:
            self.form.show_general(self.tr("保存失败：{0}").format(error_text(exc)))
