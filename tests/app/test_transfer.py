"""Documents into and out of an open workspace through the application package
(annotator/app/transfer.py), without Qt and without the command line."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import orjson
import pytest

from annotator.app.project import load_project
from annotator.app.transfer import (
    EXPORT_FORMATS,
    IMPORT_FORMATS,
    SUFFIXES,
    UTF16,
    ExportFilter,
    ExportRequest,
    ImportContext,
    UnknownLabels,
    article_suffixes,
    export_dataset,
    import_articles,
    import_labeled,
)
from annotator.app.workspace import Workspace

ASTANA = "Blinken met officials in Astana on Tuesday.\n"
TASHKENT = "Lavrov 🇷🇺 spoke in Tashkent.\n"


@pytest.fixture
def workspace(project_dir: Path) -> Iterator[Workspace]:
    ws = Workspace.open(project_dir)
    yield ws
    ws.close()


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def read_jsonl(path: Path) -> list[dict[str, object]]:
    return [orjson.loads(line) for line in path.read_bytes().splitlines()]


def test_two_articles_imported_come_back_in_a_jsonl_export(
    workspace: Workspace, tmp_path: Path
) -> None:
    files = [write(tmp_path / "astana.txt", ASTANA), write(tmp_path / "tashkent.md", TASHKENT)]
    seen: list[tuple[int, int]] = []
    report = import_articles(workspace, files, lambda done, total: seen.append((done, total)))
    assert len(report.added) == 2 and report.exit_code == 0
    assert seen[-1] == (2, 2)
    again = import_articles(workspace, files[:1])
    assert again.added == [] and len(again.duplicates) == 1  # not added twice

    result = export_dataset(workspace, ExportRequest("native", tmp_path / "out.jsonl"))
    assert result.files == [tmp_path / "out.jsonl"] and result.documents == 2
    records = read_jsonl(tmp_path / "out.jsonl")
    assert sorted(str(r["text"]) for r in records) == sorted([ASTANA, TASHKENT])


def test_a_file_over_the_projects_size_limit_is_not_read(
    workspace: Workspace, tmp_path: Path
) -> None:
    assert workspace.project is not None
    workspace.project.settings["max_file_mb"] = 1
    big = write(tmp_path / "big.txt", "word " * 300_000)  # 1.5 MB
    report = import_articles(workspace, [big, write(tmp_path / "small.txt", ASTANA)])
    assert len(report.added) == 1
    assert len(report.problems) == 1 and "big.txt" in str(report.problems[0])
    assert report.exit_code == 1


def test_labeled_data_with_unknown_labels_is_refused_whole_unless_labels_are_added(
    workspace: Workspace, tmp_path: Path
) -> None:
    record = {"text": ASTANA, "label": [[0, 7, "Person"], [25, 31, "Capital"]]}
    data = write(tmp_path / "labeled.jsonl", orjson.dumps(record).decode() + "\n")
    ctx = ImportContext(as_name="alice")
    with pytest.raises(UnknownLabels, match="Capital"):
        import_labeled(workspace, "doccano", [data], ctx)
    assert workspace.documents_for("alice").documents == []  # nothing stored

    report = import_labeled(workspace, "doccano", [data], ctx, add_labels=True)
    assert report.added_labels == ["Capital"] and report.spans == 2
    assert workspace.project is not None
    assert "Capital" in workspace.project.schema.label_names  # the open project knows it
    assert "Capital" in load_project(workspace.project.directory).schema.label_names

    out = tmp_path / "alice.jsonl"
    request = ExportRequest(
        "doccano", out, ExportFilter(annotators=frozenset({"alice"}), labels=frozenset({"Capital"}))
    )
    assert export_dataset(workspace, request).spans == 1
    (exported,) = read_jsonl(out)
    assert exported["label"] == [[25, 31, "Capital"]]


def test_utf16_offsets_count_what_javascript_counts(workspace: Workspace, tmp_path: Path) -> None:
    start = TASHKENT.index("Tashkent")
    record = {"text": TASHKENT, "label": [[start, start + 8, "Location"]]}
    data = write(tmp_path / "labeled.jsonl", orjson.dumps(record).decode() + "\n")
    import_labeled(workspace, "doccano", [data], ImportContext(as_name="alice"))
    out = tmp_path / "utf16.jsonl"
    export_dataset(workspace, ExportRequest("doccano", out, offsets=UTF16))
    (exported,) = read_jsonl(out)
    assert exported["label"] == [[start + 2, start + 10, "Location"]]  # the flag is 2 + 2 units


def test_the_formats_and_suffixes_callers_offer(tmp_path: Path) -> None:
    assert set(IMPORT_FORMATS) <= set(EXPORT_FORMATS) == set(SUFFIXES)
    assert SUFFIXES["native"] == ".jsonl" and SUFFIXES["brat"] == ""
    assert {".txt", ".md", ".html", ".jsonl"} <= set(article_suffixes())


def test_no_project_open(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="no project is open"):
        import_articles(Workspace(None), [tmp_path])
    with pytest.raises(ValueError, match="no project is open"):
        export_dataset(Workspace(None), ExportRequest("native", tmp_path / "out.jsonl"))


def test_importing_the_module_leaves_the_database_layer_unloaded() -> None:
    """The window imports it at start-up, and shows before SQLAlchemy loads."""
    code = (
        "import sys, annotator.app.transfer as t; "
        "loaded = 'sqlalchemy' in sys.modules; t.SUFFIXES; "
        "print(loaded, 'sqlalchemy' in sys.modules)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["False", "True"]  # loaded on first use only
