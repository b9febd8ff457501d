"""A worker process for the concurrency test: random edits, each acknowledged to a file.

An edit is written to the acknowledgement file only after its transaction
committed, like the window confirming an edit to the analyst.
"""

from __future__ import annotations

import random
import sys
from pathlib import Path

import orjson

from annotator.store import repository as repo
from annotator.store.db import open_database


def work(url: str, name: str, doc_ids: list[int], edits: int, ack_path: str, seed: int) -> None:
    rng = random.Random(seed)
    db = open_database(url)
    mine: dict[int, int] = {}  # span id -> document id
    with open(ack_path, "ab") as acks:
        for _ in range(edits):
            action = rng.choice(["add", "add", "relabel", "delete"]) if mine else "add"
            with db.session() as s:
                if action == "add":
                    doc = rng.choice(doc_ids)
                    start = rng.randrange(0, 200)
                    span = repo.add_span(
                        s,
                        doc,
                        name,
                        rng.choice(["Person", "Location"]),
                        start,
                        start + rng.randint(1, 20),
                    )
                    mine[span.id] = doc
                    record = {
                        "op": "add",
                        "id": span.id,
                        "label": span.label,
                        "start": span.start,
                        "end": span.end,
                    }
                elif action == "relabel":
                    span_id = rng.choice(sorted(mine))
                    label = rng.choice(["Person", "Location", "Organization"])
                    repo.update_span(s, span_id, name, label=label)
                    record = {"op": "relabel", "id": span_id, "label": label}
                else:
                    span_id = rng.choice(sorted(mine))
                    repo.delete_span(s, span_id, name)
                    del mine[span_id]
                    record = {"op": "delete", "id": span_id}
            acks.write(orjson.dumps(record) + b"\n")
            acks.flush()
    db.close()


if __name__ == "__main__":
    url, name, docs, edits, ack_path, seed = sys.argv[1:]
    work(url, name, [int(d) for d in docs.split(",")], int(edits), ack_path, int(seed))
    Path(ack_path + ".done").touch()
