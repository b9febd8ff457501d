"""Shipped files: found in a checkout, in an installed wheel, and copied for the user."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from annotator import paths

REPO = Path(__file__).resolve().parent.parent


def test_shipped_files_exist() -> None:
    assert (paths.SCHEMAS_DIR / "news.yaml").is_file()
    assert (paths.SAMPLE_PROJECT_DIR / "project.yaml").is_file()
    assert paths.GUIDE_FILE.is_file()
    assert (paths.RESOURCES_DIR / "annotator.desktop").is_file()
    assert (paths.ICONS_DIR / "annotator.svg").is_file()
    assert (paths.ICONS_DIR / "annotator.png").is_file()


def test_the_sample_is_copied_once_to_the_user_data_folder(tmp_path: Path) -> None:
    copy = paths.user_sample_project()
    assert copy.parent == paths.user_data_dir()
    assert (copy / "project.yaml").is_file()
    assert not list(copy.glob("*.sqlite*"))  # the copy builds its own database
    marker = copy / "mine.txt"
    marker.write_text("kept", encoding="utf-8")
    assert paths.user_sample_project() == copy and marker.exists()  # not copied again


@pytest.mark.slow
def test_the_wheel_carries_resources_sample_and_guide(tmp_path: Path) -> None:
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps",
         "-q", "-w", str(tmp_path), str(REPO)],
        check=True,
        capture_output=True,
        timeout=300,
    )  # fmt: skip
    (wheel,) = tmp_path.glob("annotator-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    for expected in (
        "annotator/_data/resources/schemas/news.yaml",
        "annotator/_data/resources/annotator.desktop",
        "annotator/_data/resources/icons/annotator.svg",
        "annotator/_data/projects/sample/project.yaml",
        "annotator/_data/projects/sample/articles/blinken-central-asia.md",
        "annotator/_data/projects/sample/annotations.jsonl",
        "annotator/_data/docs/guide.md",
        "annotator/store/migrations/env.py",
    ):
        assert expected in names, expected
    assert not [n for n in names if n.endswith(".sqlite")]
