"""Shared fixtures. Tests never touch the user's real settings or projects."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture(autouse=True)
def _isolated_home(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """Settings and config go to a throwaway home, never the user's."""
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(home / ".local" / "share"))


@pytest.fixture
def project_dir(tmp_path: Path) -> Path:
    """A new project with the default news schema."""
    from annotator.io.project import create_project

    directory = tmp_path / "project"
    create_project(directory)
    return directory


@pytest.fixture
def project_db(project_dir: Path) -> Iterator[object]:
    from annotator.io.project import load_project

    db = load_project(project_dir).open_database()
    yield db
    db.close()
