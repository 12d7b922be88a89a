# Two commands for a new machine (Debian 12, Python >= 3.11):
#   make run    install everything and start the console on its embedded demo
#   make test   install everything and run the whole test suite
#   make dist   one-folder build (PyInstaller) in dist/mingchu-console/
#   make deb    that build as a Debian package in dist/ (make package-check: install, self-test, remove)
# The first interpreter that actually runs and is >= 3.11 (pyenv shims may exist but not run).
PYTHON ?= $(shell for p in python3.12 python3.11 python3 /usr/bin/python3; do \
            $$p -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null && { command -v $$p; break; }; done)
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
SCREENSHOT ?= $(CURDIR)/artifacts/wall.png

.PHONY: run test install install-system bench lint clean dist deb package-check

run: install
	@$(PY) main.py models install || echo "AI 模型未能安装，控制台只运行非AI规则 / AI models not installed: non-AI rules only"
	@if [ -n "$$DISPLAY$$WAYLAND_DISPLAY" ]; then \
	  $(PY) main.py demo --screenshot "$(SCREENSHOT)"; \
	else \
	  echo "没有显示器：在虚拟显示 (Xvfb) 中运行；墙面截图写入 $(SCREENSHOT)"; \
	  echo "no display: running under Xvfb; the wall screenshot goes to $(SCREENSHOT)"; \
	  xvfb-run -a -s "-screen 0 1920x1080x24" $(PY) main.py demo --screenshot "$(SCREENSHOT)"; \
	fi

# The package tests need the built artefacts: `make package-check` runs them (CI does, after this).
test: install
	QT_QPA_PLATFORM=offscreen $(PY) -m pytest -m "not package"

install: install-system $(STAMP)

install-system:
	@bash installer/system-packages.sh

$(STAMP): pyproject.toml
	@test -n "$(PYTHON)" || \
	  { echo "需要 Python 3.11 或更新版本 / Python >= 3.11 required"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e ".[test]"
	@touch $(STAMP)

bench: install
	$(PY) main.py bench wall --streams 36 --seconds 20

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/lint-imports

# The one-folder build (installer/mingchu.spec; layout in installer/layout.py), default models inside.
dist: install
	@$(PY) -c "import PyInstaller" 2>/dev/null || $(PY) -m pip install -q -e ".[dist]"
	@start=$$(date +%s); \
	$(PY) -m PyInstaller --noconfirm --log-level WARN --distpath dist --workpath build/pyinstaller \
	  installer/mingchu.spec && \
	echo "dist/mingchu-console: $$(du -sh dist/mingchu-console | cut -f1), built in $$(( $$(date +%s) - start )) s"

deb: dist
	@start=$$(date +%s); deb=$$(PY=$(PY) bash installer/debian/build-deb.sh) && \
	echo "$$deb: $$(du -h $$deb | cut -f1), packed in $$(( $$(date +%s) - start )) s"

# CI after `make test`: build, check the build, install the .deb (apt-get, as root), self-test, remove.
package-check: deb
	MINGCHU_PACKAGE_CHECK=1 $(PY) -m pytest -p no:cacheprovider -m package tests/installer

clean:
	rm -rf $(VENV) artifacts .pytest_cache build dist
