"""Suggestions for long documents, worked out in a process of their own.

On a 1 MB article with thousands of known names the rules run for seconds of
pure Python; in a thread of the window's process they would hold the GIL
against the window (each of its calls into Qt or SQLite waits for it), so
the window hands them to one worker process and stays responsive.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from annotator.core.suggest.types import Suggestion
    from annotator.store.assist import Assistant

_assistants: dict[tuple[str, str, float], Assistant] = {}
"""In the worker: one Assistant per project (and version of its project.yaml) and user."""


def compute_suggestions(project_dir: str, user: str, document_id: int) -> list[Suggestion]:
    """Run in the worker process: the suggestions of one document for one user."""
    from annotator.io.project import PROJECT_FILE, load_project
    from annotator.store.assist import Assistant

    key = (project_dir, user, (Path(project_dir) / PROJECT_FILE).stat().st_mtime)
    assistant = _assistants.get(key)
    if assistant is None:
        project = load_project(project_dir)
        db = project.open_database()
        assistant = Assistant(db, project.schema, project.assist.suggest_config(), user)
        for old in [k for k in _assistants if k[:2] == key[:2]]:
            _assistants.pop(old).db.close()
        _assistants[key] = assistant
    return assistant.suggestions(document_id)
