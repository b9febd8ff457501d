"""The real annotation window, offscreen, making edits until it is killed.

A timer drives the window as an analyst would: add a span (the window's own
command path: one transaction, then the undo stack), relabel one, delete
one. The intent of each edit is written before it, the acknowledgement after
the window's run() returned, as in tests/crash/edit_worker.py.
"""

from __future__ import annotations

import os
import random
import sys

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import orjson
from PySide6.QtCore import QTimer

from annotator.core import commands
from annotator.ui import open_window
from annotator.ui.app import ensure_application


def main(project: str, name: str, log_path: str, seed: int) -> None:
    app = ensure_application()
    window = open_window(project, user=name)
    window.live.stop() if window.live is not None else None
    rng = random.Random(seed)
    doc = window.document_id
    assert doc is not None
    mine: list[int] = []
    log = open(log_path, "ab", buffering=0)  # noqa: SIM115 - open for the process's life

    def step() -> None:
        action = rng.choice(["add", "add", "relabel", "delete"]) if mine else "add"
        if action == "add":
            start = rng.randrange(0, 300)
            intent = {"op": "add", "label": rng.choice(["Person", "Location"]), "start": start,
                      "end": start + rng.randint(1, 20)}  # fmt: skip
            command: commands.Command = commands.AddSpan(
                doc, name, intent["label"], intent["start"], intent["end"]
            )
        else:
            span = window.view.spans[rng.choice(mine)]
            intent = {"op": action, "id": span.id, "label": rng.choice(["Event", "Other"])}
            command = (
                commands.Relabel(span, name, intent["label"])
                if action == "relabel"
                else commands.DeleteSpan(span, name)
            )
        log.write(b"intent " + orjson.dumps(intent) + b"\n")
        if not window.run(command):
            raise SystemExit(f"edit refused: {intent}")
        if action == "add":
            assert isinstance(command, commands.AddSpan) and command.span_id is not None
            intent["id"] = command.span_id
            mine.append(command.span_id)
        elif action == "delete":
            mine.remove(intent["id"])
        log.write(b"ack " + orjson.dumps(intent) + b"\n")

    timer = QTimer()
    timer.timeout.connect(step)
    timer.start(0)
    app.exec()


if __name__ == "__main__":
    project, name, log_path, seed = sys.argv[1:]
    main(project, name, log_path, int(seed))
