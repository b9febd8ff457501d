"""One analyst's program for the team concurrency test (test_team_concurrency.py).

Every worker pays for its imports first, then waits for a start file, so the
eight of them really begin at the same moment:

- ``cli GO ARGS...`` runs ``annotator ARGS...`` (an import, a backup) and exits
  with its exit code;
- ``edit GO PROJECT NAME DOC_IDS EDITS ACKS`` opens the project as the window
  does (daily backup included) and makes edits through the window's edit store,
  writing each one to ACKS only after it was committed;
- ``window GO PROJECT NAME DOC_IDS EDITS ACKS`` does the same through the real
  annotation window (offscreen): it opens the project as an analyst does, shows
  each document, and edits through ``MainWindow.run``.
"""

from __future__ import annotations

import os
import random
import sys
import time
from pathlib import Path

import orjson

from annotator.cli.app import main
from annotator.core.model import DocStatus
from annotator.io.project import load_project
from annotator.store.edits import DatabaseEditStore


def wait_for(go: Path) -> None:
    deadline = time.monotonic() + 60
    while not go.exists():
        if time.monotonic() > deadline:
            sys.exit("the start file never came")
        time.sleep(0.005)


def edit(project: str, name: str, doc_ids: list[int], edits: int, ack_path: str) -> None:
    rng = random.Random(name)
    db = load_project(project).open_database()
    store = DatabaseEditStore(db)
    mine: list[int] = []
    with open(ack_path, "ab") as acks:
        for n in range(edits):
            doc = rng.choice(doc_ids)
            with store.transaction() as t:
                if mine and n % 3 == 2:
                    span_id = mine.pop(rng.randrange(len(mine)))
                    t.delete_span(span_id, name)
                    record = {"op": "delete", "id": span_id}
                else:
                    start = rng.randrange(0, 100)
                    span = t.add_span(doc, name, "Person", start, start + rng.randint(1, 9))
                    if n % 4 == 0:
                        t.set_status(doc, name, DocStatus.DONE)
                    mine.append(span.id)
                    record = {"op": "add", "id": span.id, "start": span.start, "end": span.end}
            acks.write(orjson.dumps(record) + b"\n")
            acks.flush()
    db.close()


def window_edit(project: str, name: str, doc_ids: list[int], edits: int, ack_path: str) -> None:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from annotator.core import commands
    from annotator.ui import open_window
    from annotator.ui.app import ensure_application

    ensure_application()
    window = open_window(project, user=name)
    rng = random.Random(name)
    mine: list[tuple[int, int]] = []  # (document, span id)
    with open(ack_path, "ab") as acks:
        for n in range(edits):
            command: commands.Command
            if mine and n % 3 == 2:
                doc, span_id = mine.pop(rng.randrange(len(mine)))
                window.show_document(doc)
                command = commands.DeleteSpan(window.view.spans[span_id], name)
                record: dict[str, object] = {"op": "delete", "id": span_id}
            else:
                doc = rng.choice(doc_ids)
                window.show_document(doc)
                start = rng.randrange(0, 100)
                command = commands.AddSpan(doc, name, "Person", start, start + rng.randint(1, 9))
            if not window.run(command):
                sys.exit(f"the window refused edit {n}")
            if isinstance(command, commands.AddSpan):
                assert command.span_id is not None
                span = window.view.spans[command.span_id]
                mine.append((doc, span.id))
                record = {"op": "add", "id": span.id, "start": span.start, "end": span.end}
            acks.write(orjson.dumps(record) + b"\n")
            acks.flush()
    window.close()


if __name__ == "__main__":
    mode, go, *rest = sys.argv[1:]
    wait_for(Path(go))
    if mode == "cli":
        sys.exit(main(rest))
    project, name, docs, count, acks = rest
    (edit if mode == "edit" else window_edit)(
        project, name, [int(d) for d in docs.split(",")], int(count), acks
    )
