"""A process that edits spans until it is killed.

Before each edit it writes its intent, after the commit its acknowledgement,
so a checker knows exactly which edit may have been in flight at the kill.
"""

from __future__ import annotations

import os
import random
import sys

import orjson

from annotator.store import repository as repo
from annotator.store.db import open_database


def main(url: str, name: str, doc_id: int, log_path: str, seed: int) -> None:
    rng = random.Random(seed)
    db = open_database(url)
    mine: list[int] = []
    with open(log_path, "ab", buffering=0) as log:
        while True:
            action = rng.choice(["add", "add", "relabel", "delete"]) if mine else "add"
            if action == "add":
                start = rng.randrange(0, 300)
                intent = {"op": "add", "label": rng.choice(["Person", "Location"]), "start": start,
                          "end": start + rng.randint(1, 20)}  # fmt: skip
            else:
                intent = {
                    "op": action,
                    "id": rng.choice(mine),
                    "label": rng.choice(["Event", "Other"]),
                }
            log.write(b"intent " + orjson.dumps(intent) + b"\n")
            with db.session() as s:
                if action == "add":
                    span = repo.add_span(
                        s, doc_id, name, intent["label"], intent["start"], intent["end"]
                    )
                    intent["id"] = span.id
                elif action == "relabel":
                    repo.update_span(s, intent["id"], name, label=intent["label"])
                else:
                    repo.delete_span(s, intent["id"], name)
            # The edit is on disk now: acknowledge it, as the window would.
            log.write(b"ack " + orjson.dumps(intent) + b"\n")
            if action == "add":
                mine.append(intent["id"])
            elif action == "delete":
                mine.remove(intent["id"])


if __name__ == "__main__":
    url, name, doc, log_path, seed = sys.argv[1:]
    os.environ.setdefault("PYTHONHASHSEED", "0")
    main(url, name, int(doc), log_path, int(seed))
