"""`annotator adjudicate` and `annotator suggest --accept` run their edits
through a workspace: an edit the database cannot take now is reported, nothing
of it is stored, and the exit code is 1 (a refused one: 2, tests/cli/test_review_cli.py)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from annotator.app.workspace import Workspace
from annotator.cli.app import main
from annotator.core.model import GOLD_ANNOTATOR, DocumentDraft
from annotator.io.project import load_project, save_project
from annotator.store import repository
from tests.conftest import Disk

TEXT = "“We will stay in Central Asia for a long time,” Alice said in Paris."


def word(w: str) -> tuple[int, int]:
    start = TEXT.index(w)
    return start, start + len(w)


@pytest.fixture
def project(project_dir: Path) -> Path:
    """One document on which alice and bob agree on Paris; rita reviews."""
    config = load_project(project_dir)
    config.annotators = ["alice", "bob"]
    config.reviewers = ["rita"]
    save_project(config)
    db = load_project(project_dir).open_database()
    try:
        with db.session() as session:
            repository.insert_documents(session, [DocumentDraft(TEXT)])
            for who in ("alice", "bob"):
                repository.add_span(session, 1, who, "Location", *word("Paris"))
    finally:
        db.close()
    return project_dir


@pytest.fixture
def full_once_open(monkeypatch: pytest.MonkeyPatch) -> Disk:
    """The disk fills up as soon as the command has opened its workspace."""
    disk = Disk(monkeypatch)
    real_open: Callable[..., Workspace] = Workspace.open.__func__  # type: ignore[attr-defined]

    def open_then_fill(cls: type[Workspace], *args: Any, **kwargs: Any) -> Workspace:
        workspace = real_open(cls, *args, **kwargs)
        disk.full = True
        return workspace

    monkeypatch.setattr(Workspace, "open", classmethod(open_then_fill))
    return disk


def spans(project: Path, annotator: str) -> list[tuple[int, int, str]]:
    db = load_project(project).open_database()
    try:
        with db.reader() as session:
            found = repository.list_spans(session, 1, [annotator])
    finally:
        db.close()
    return sorted((s.start, s.end, s.label) for s in found)


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_adjudicate_on_a_full_disk_stores_nothing_and_exits_1(
    project: Path, full_once_open: Disk, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(
        capsys, "adjudicate", str(project), "--doc", "1", "--accept-agreed", "alice", "bob",
        "--as", "rita",
    )  # fmt: skip
    assert (code, out) == (1, "")
    assert err == "annotator: not saved: the disk is full\n"
    full_once_open.full = False
    assert spans(project, GOLD_ANNOTATOR) == []


def test_suggest_accept_on_a_full_disk_stores_nothing_and_exits_1(
    project: Path, full_once_open: Disk, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(capsys, "suggest", str(project), "--accept", "--as", "ana")
    assert code == 1
    assert "not saved: the disk is full" in err and len(err.splitlines()) == 1
    assert "Stored 0 spans and 0 relations in 0 documents as ana" in out
    full_once_open.full = False
    assert spans(project, "ana") == []


def test_accept_agreed_carries_the_document_labels_both_gave_alike(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from dataclasses import replace

    from annotator.core.schema import DocumentLabelDef
    from annotator.store.document_labels import document_labels, set_document_label

    config = load_project(project)
    config.schema = replace(
        config.schema,
        document_labels=(
            DocumentLabelDef("topic", ("politics", "economy")),
            DocumentLabelDef("frames", ("conflict", "economy"), multiple=True),
            DocumentLabelDef("tone", ("calm", "angry")),
        ),
    )
    save_project(config)
    db = load_project(project).open_database()
    try:
        with db.session() as session:
            for who, frames, tone in (
                ("alice", ["conflict", "economy"], "calm"),
                ("bob", ["economy", "conflict"], "angry"),
            ):
                set_document_label(session, 1, who, "topic", "politics")
                set_document_label(session, 1, who, "frames", frames)
                set_document_label(session, 1, who, "tone", tone)
    finally:
        db.close()
    args = ["adjudicate", str(project), "--doc", "1", "--accept-agreed", "alice", "bob"]
    assert main([*args, "--as", "rita"]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0] == "Agreed document labels now in gold: topic, frames"
    db = load_project(project).open_database()
    try:
        with db.reader() as session:
            gold = document_labels(session, 1, [GOLD_ANNOTATOR])[GOLD_ANNOTATOR]
    finally:
        db.close()
    assert gold == {"topic": "politics", "frames": ["conflict", "economy"]}  # tone differs
    # Again: gold has them all, nothing more is written.
    assert main([*args, "--as", "rita"]) == 0
    assert "document labels" not in capsys.readouterr().out
