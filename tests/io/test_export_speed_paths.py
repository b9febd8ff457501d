"""The native export writes, byte for byte, what it wrote before the issue 14 speed
work: a small project with every kind of content (attributes, notes, escapes,
astral characters, relations, statuses, several annotators, a document nobody
annotated) is exported and compared with ``data/native_golden.jsonl``, which
was written by the code before that work (and since issue 15 holds each
line's "entities" and each layer's "document_labels", empty here) (``python -m
tests.io.test_export_speed_paths OUT`` writes it again). The same with a
label filter (relations kept only when both spans are), which reads the same
JSON-text path. Large two-process exports are compared with one process in
test_export_parallel.py."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import orjson
import pytest

from annotator.core.dataset import ExportFilter
from annotator.io.formats.api import ExportRequest, run_export, run_import
from annotator.io.formats.importing import ImportContext
from annotator.io.formats.parallel import append_file
from annotator.io.project import create_project, load_project

DATA = Path(__file__).parent / "data"
GOLDEN = DATA / "native_golden.jsonl"
GOLDEN_LABELS = DATA / "native_golden_labels.jsonl"
TIME = "2026-11-27T10:11:12.123456Z"
LATER = "2026-11-29T08:00:00.5Z"


def _records() -> list[dict[str, object]]:
    texts = [
        "Blinken said «we agree» in Astana 🇰🇿 on Tuesday.",
        'A "quoted" line with a back\\slash, a tab\tand a newline\nhere. 😀 Zoë',
        "Nobody annotated this one.",
        "Ministers met in Kyiv; officials said talks would go on.",
    ]
    records: list[dict[str, object]] = []
    for n, text in enumerate(texts):
        annotations = []
        for k, name in enumerate(("alice", "bob", "carol")[: 3 - n % 2]):
            if n == 2:
                break
            words = [(m, m + len(w)) for m, w in _words(text)]
            spans = []
            for i, (s, e) in enumerate(words[k::2]):
                spans.append(
                    {
                        "id": i,
                        "start": s,
                        "end": e,
                        "label": ("Person", "Location", "Claim", "Quote")[(i + k) % 4],
                        "text": text[s:e],
                        "attributes": {"type": "direct", "n": i, "nested": {"ü": [1, "x"]}}
                        if i % 3 == 0
                        else {},
                        "note": 'check "this"\\ ✓' if i % 4 == 1 else "",
                        "created_at": TIME,
                        "updated_at": LATER if i % 2 else TIME,
                        "version": 1 + i % 3,
                    }
                )
            relations = [  # a quote and its speaker, the person after it
                {"type": "speaker", "source_id": i, "target_id": i + 1, "created_at": TIME}
                for i in range(len(spans) - 1)
                if spans[i]["label"] == "Quote"
            ]
            status = ("new", "in_progress", "done")[(n + k) % 3]
            annotations.append(
                {"annotator": name, "status": status, "spans": spans, "relations": relations}
            )
        records.append(
            {
                "title": f"Article {n} «t»",
                "source": "golden",
                "url": f"https://example.org/{n}",
                "date": "2026-11-27",
                "meta": {"lang": "en", "n": n, "tags": ["a", "ü"]},
                "text": text,
                "annotations": annotations,
            }
        )
    return records


def _words(text: str) -> list[tuple[int, str]]:
    import re

    return [(m.start(), m.group()) for m in re.finditer(r"\w+", text)]


LABELS = ExportFilter(labels=frozenset({"Person", "Claim"}))


def export_golden(folder: Path, targets: dict[Path, ExportFilter]) -> None:
    """The project built from the records in ``folder``, exported to native JSONL
    at each target with its filter."""
    create_project(folder / "p")
    feed = folder / "feed.jsonl"
    feed.write_bytes(b"".join(orjson.dumps(r) + b"\n" for r in _records()))
    project = load_project(folder / "p")
    db = project.open_database()
    try:
        report = run_import(project, db, "native", [feed], ImportContext(), add_labels=True)
        assert not report.problems, report.problems
        for target, flt in targets.items():
            run_export(db, project, ExportRequest(format="native", target=target, filter=flt))
    finally:
        db.close()


def test_native_export_is_byte_identical_to_before(tmp_path: Path) -> None:
    out, labels = tmp_path / "out.jsonl", tmp_path / "labels.jsonl"
    export_golden(tmp_path, {out: ExportFilter(), labels: LABELS})
    assert out.read_bytes() == GOLDEN.read_bytes()
    assert labels.read_bytes() == GOLDEN_LABELS.read_bytes()


@pytest.mark.parametrize("kernel", [True, False])
def test_append_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, kernel: bool) -> None:
    """The second process's part is appended whole, by the kernel or through a buffer."""
    head, tail = tmp_path / "head", tmp_path / "tail"
    head.write_bytes(b"first\n" * 1000)
    tail.write_bytes(bytes(range(256)) * 40_000)
    if not kernel:

        def refuse(*args: object) -> int:
            raise OSError(18, "Invalid cross-device link")

        monkeypatch.setattr(os, "copy_file_range", refuse, raising=False)
    append_file(tail, head)
    assert head.read_bytes() == b"first\n" * 1000 + bytes(range(256)) * 40_000


if __name__ == "__main__":  # python -m tests.io.test_export_speed_paths OUT writes them again
    import tempfile

    out = Path(sys.argv[1])
    with tempfile.TemporaryDirectory() as tmp:
        export_golden(
            Path(tmp), {out / GOLDEN.name: ExportFilter(), out / GOLDEN_LABELS.name: LABELS}
        )
