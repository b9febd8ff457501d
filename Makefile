# Packaging. `make dist` builds the self-contained one-folder bundle in
# dist/annotator/ (run dist/annotator/annotator; no Python needed on the
# machine that runs it). `make smoke` tries the built bundle.
#
# The build uses its own virtual environment (build/dist-venv) holding only
# Annotator (installed as a wheel) and its runtime dependencies plus
# PyInstaller, so the test tools of .venv never end up in the bundle.

PYTHON ?= python3
DIST_VENV := build/dist-venv
PYINSTALLER_WORK := build/pyinstaller

.PHONY: dist smoke clean-dist

dist:
	@test -x $(DIST_VENV)/bin/python || $(PYTHON) -m venv $(DIST_VENV)
	$(DIST_VENV)/bin/python -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(DIST_VENV)/bin/python -m pip install --quiet --disable-pip-version-check ".[dist]"
	$(DIST_VENV)/bin/python -m pip install --quiet --disable-pip-version-check --no-deps --force-reinstall .
	$(DIST_VENV)/bin/pyinstaller --noconfirm --clean --log-level WARN \
		--distpath dist --workpath $(PYINSTALLER_WORK) packaging/annotator.spec
	@du -sh dist/annotator

smoke:
	scripts/smoke-dist dist/annotator/annotator

clean-dist:
	rm -rf dist/annotator $(PYINSTALLER_WORK) $(DIST_VENV)
