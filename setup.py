"""Ships the files outside the package (resources/, the sample project, the
user guide) inside the wheel as ``annotator/_data/``; see annotator/paths.py.

Everything else about the package is in pyproject.toml.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

HERE = Path(__file__).resolve().parent
SHIPPED = {
    "resources": HERE / "resources",
    "projects/sample": HERE / "projects" / "sample",
    "docs/guide.md": HERE / "docs" / "guide.md",
}
IGNORE = shutil.ignore_patterns("*.sqlite*", "backups", "__pycache__", "*.pyc")


class BuildPyWithData(build_py):
    def run(self) -> None:
        super().run()
        if getattr(self, "editable_mode", False):
            return  # an editable install reads them from the checkout
        target = Path(self.build_lib) / "annotator" / "_data"
        for name, source in SHIPPED.items():
            dest = target / name
            if dest.exists():
                shutil.rmtree(dest) if dest.is_dir() else dest.unlink()
            dest.parent.mkdir(parents=True, exist_ok=True)
            if source.is_dir():
                shutil.copytree(source, dest, ignore=IGNORE)
            elif source.is_file():
                shutil.copy2(source, dest)


setup(cmdclass={"build_py": BuildPyWithData})
