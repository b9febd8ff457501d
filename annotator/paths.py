"""Where the shipped files live (schemas, icons, the guide, the sample project).

Three layouts are supported:

* a checkout (``./run``, ``pip install -e``): ``resources/`` and
  ``projects/sample/`` beside the ``annotator`` package;
* an installed wheel (``pipx install``, ``pip install .``): setup.py copies
  them (and ``docs/guide.md``) into the package as ``annotator/_data/`` (package data);
* a PyInstaller bundle: the spec file (``packaging/annotator.spec``) puts them
  at the same place, ``annotator/_data/``, inside the bundle.

The install folder of a wheel or a bundle is usually not writable, so the
sample project is opened from a copy in the user's data folder
(:func:`user_sample_project`), made on first use.
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
REPO_DIR = PACKAGE_DIR.parent
BUNDLED_DATA_DIR = PACKAGE_DIR / "_data"
"""Shipped files of an installed wheel or a bundle (absent in a checkout)."""

_DATA_ROOT = BUNDLED_DATA_DIR if (BUNDLED_DATA_DIR / "resources").is_dir() else REPO_DIR
RESOURCES_DIR = _DATA_ROOT / "resources"
SCHEMAS_DIR = RESOURCES_DIR / "schemas"
ICONS_DIR = RESOURCES_DIR / "icons"
GUIDE_FILE = _DATA_ROOT / "docs" / "guide.md"
"""The user guide, shown by Help → User guide and published as docs/guide.md."""
SAMPLE_PROJECT_DIR = _DATA_ROOT / "projects" / "sample"
"""The shipped sample project (read-only in an install; open the user's copy)."""

APP_NAME = "annotator"


def is_frozen() -> bool:
    """True inside a PyInstaller bundle."""
    return bool(getattr(sys, "frozen", False))


def user_data_dir() -> Path:
    """The platform's per-user data folder for Annotator (not created here)."""
    if sys.platform == "win32":
        base = os.environ.get("APPDATA") or str(Path.home() / "AppData" / "Roaming")
        return Path(base) / "Annotator"
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Application Support" / "Annotator"
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / APP_NAME


def user_sample_project() -> Path:
    """The user's own copy of the sample project, copied on first use.

    The copy leaves out any database built beside the shipped sample; the
    copy builds its own from its articles (``seed: articles``) when opened.
    """
    target = user_data_dir() / "sample"
    if not (target / "project.yaml").is_file():
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_name(".sample.partial")
        shutil.rmtree(partial, ignore_errors=True)
        shutil.copytree(
            SAMPLE_PROJECT_DIR,
            partial,
            ignore=shutil.ignore_patterns("*.sqlite*", "backups", "__pycache__"),
        )
        if target.exists():
            shutil.rmtree(target)
        partial.rename(target)
    return target


def builtin_schema_names() -> list[str]:
    """The label schemas shipped with the program (resources/schemas/NAME.yaml)."""
    return sorted(p.stem for p in SCHEMAS_DIR.glob("*.yaml"))
