"""Where the shipped files live (schemas, icons, the sample project)."""

from __future__ import annotations

from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
REPO_DIR = PACKAGE_DIR.parent
RESOURCES_DIR = REPO_DIR / "resources"
SCHEMAS_DIR = RESOURCES_DIR / "schemas"
SAMPLE_PROJECT_DIR = REPO_DIR / "projects" / "sample"
