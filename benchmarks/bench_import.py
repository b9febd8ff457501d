"""Import 10,000 generated articles of about 5 KB into a new project.

Two routes are measured: a folder of .txt files and one JSONL file, both
through the real importer (read, decode, normalise, hash, deduplicate, insert).
The floor is plain sqlite3 executemany of the same rows into the same table,
with the same pragmas (WAL, synchronous=FULL), measured in the same run.

    .venv/bin/python -m benchmarks.bench_import [--docs N]
"""

from __future__ import annotations

import argparse
import random
import sqlite3
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import orjson

from annotator.core.model import content_hash
from annotator.io.importer import import_paths
from annotator.io.project import create_project
from benchmarks.common import article, print_table

TARGET_RATIO = 3.0


def floor(db_path: Path, texts: list[str]) -> float:
    """Plain sqlite3 executemany of the same document rows (text is already decoded)."""
    conn = sqlite3.connect(db_path, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=FULL")
    now = datetime.now(UTC).isoformat()
    start = time.perf_counter()
    rows = [
        (f"doc {i}", f"doc{i}.txt", "", "", "{}", t, len(t), content_hash(t), now)
        for i, t in enumerate(texts)
    ]
    conn.execute("BEGIN")
    conn.executemany(
        "INSERT INTO documents (title, source, url, date, meta, text, length, content_hash, "
        "created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        rows,
    )
    conn.execute("COMMIT")
    elapsed = time.perf_counter() - start
    conn.close()
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--docs", type=int, default=10_000)
    args = parser.parse_args()
    rng = random.Random(7)
    texts = [article(rng) for _ in range(args.docs)]
    megabytes = sum(len(t.encode()) for t in texts) / 1e6
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        folder = root / "articles"
        folder.mkdir()
        for i, text in enumerate(texts):
            (folder / f"a{i:05d}.txt").write_text(text, encoding="utf-8")
        jsonl = root / "articles.jsonl"
        jsonl.write_bytes(
            b"\n".join(orjson.dumps({"text": t, "title": f"doc {i}"}) for i, t in enumerate(texts))
        )

        floor_project = create_project(root / "floor")
        floor_s = floor(Path(floor_project.database_url.removeprefix("sqlite:///")), texts)

        # Not part of the floor, shown to explain the gap: turning 52 MB of
        # UTF-8 into Python strings is most of what the importer adds.
        start = time.perf_counter()
        for line in jsonl.read_bytes().split(b"\n"):
            orjson.loads(line)
        decode_s = time.perf_counter() - start

        results = []
        for name, source in (("folder of .txt files", folder), ("one JSONL file", jsonl)):
            project = create_project(root / name.replace(" ", "_"))
            db = project.open_database()
            start = time.perf_counter()
            report = import_paths(db, [source])
            elapsed = time.perf_counter() - start
            db.close()
            assert len(report.added) == args.docs and not report.problems
            results.append((name, elapsed))

    rows = [
        ("floor: sqlite3 executemany", f"{floor_s:.2f}", f"{args.docs / floor_s:,.0f}", "1.00x", "")
    ]
    rows.append(
        (
            "(for reference) orjson-decoding the JSONL alone",
            f"{decode_s:.2f}",
            "",
            f"{decode_s / floor_s:.2f}x",
            "",
        )
    )
    for name, elapsed in results:
        ratio = elapsed / floor_s
        verdict = "ok" if ratio <= TARGET_RATIO else f"over {TARGET_RATIO:.0f}x target"
        rows.append((f"annotator import ({name})", f"{elapsed:.2f}", f"{args.docs / elapsed:,.0f}",
                     f"{ratio:.2f}x", verdict))  # fmt: skip
    print_table(
        f"Import {args.docs:,} articles (~{megabytes / args.docs * 1000:.1f} KB each, "
        f"{megabytes:.0f} MB) into a new SQLite project",
        ("route", "seconds", "docs/s", "vs floor", "target <=3x"),
        rows,
    )


if __name__ == "__main__":
    main()
