"""DESIGN.md §2: detectors/ and the domain core never import Qt; widgets never import the app."""

import shutil
import subprocess
import sys
from pathlib import Path

from tests.conftest import ROOT


def test_import_linter_contracts_hold():
    exe = shutil.which("lint-imports", path=str(Path(sys.executable).parent)) or "lint-imports"
    result = subprocess.run([exe], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def test_core_runs_without_qt_in_a_fresh_interpreter():
    code = ("import sys, desktop.core.db, desktop.core.wall_plan, desktop.streaming.manager, desktop.demo.server, "
            "detectors; assert not [m for m in sys.modules if m.startswith(('PySide6', 'shiboken6'))]")
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True, timeout=60)
