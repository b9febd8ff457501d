"""The project folder as the windows and the command line see it: project.yaml
read, made, changed and written (docs/design.md, "Application package").

The surfaces import these names from here, never from :mod:`annotator.io`.
:mod:`annotator.io.project` loads the database layer, so a window imports
this module only inside the function that opens or makes a project (or under
``TYPE_CHECKING``), to show itself before SQLAlchemy is loaded
(docs/design.md, "Start-up"). Free of Qt.
"""

from __future__ import annotations

from pathlib import Path

from annotator.io.project import (
    DEFAULT_DATABASE,
    PROJECT_FILE,
    SETTINGS,
    Option,
    Project,
    check_database_url,
    create_project,
    load_project,
    load_schema_file,
    save_project,
    update_project,
    update_schema,
)
from annotator.paths import builtin_schema_names

__all__ = [
    "DEFAULT_DATABASE",
    "PROJECT_FILE",
    "SETTINGS",
    "Option",
    "Project",
    "builtin_schema_names",
    "check_database_url",
    "create_project",
    "database_file",
    "load_project",
    "load_schema_file",
    "save_project",
    "update_project",
    "update_schema",
]


def database_file(project: Project) -> Path | None:
    """The project's SQLite file (None: its data is on a database server)."""
    from annotator.store.db import sqlite_path

    return sqlite_path(project.database_url)
