"""`annotator agreement`'s reading (issue 14): on SQLite with sqlite3 alone,
elsewhere through the workspace, the same documents and spans either way."""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any

import orjson
import pytest
from sqlalchemy import select

from annotator.app import agreement
from annotator.app.agreement import UnknownAnnotator, read_compared
from annotator.core.agreement import SpanTuple
from annotator.core.errors import DatabaseProblem
from annotator.core.model import DocStatus, DocumentDraft
from annotator.io.project import load_project, save_project
from annotator.store import repository
from annotator.store.first_read import sqlite_path
from annotator.store.models import Annotator, Span
from annotator.store.sqlite_direct import open_lock_path

ODD = 'Odd "label" \\ ü 😀'


@contextmanager
def not_directly(*args: object, **kwargs: object) -> Iterator[None]:
    """Stands for the direct SQLite read when it cannot be taken."""
    yield None


def _fill(project_dir: Path) -> list[int]:
    """Six documents; alice, bob and carol with random spans; alice and bob
    done with the first three, carol with the first."""
    db = load_project(project_dir).open_database()
    rng = random.Random(7)
    try:
        with db.session() as s:
            texts = [f"Doc {n}: Zoë met Blinken in Astana 😀." for n in range(6)]
            ids = [
                i
                for i in repository.insert_documents(s, [DocumentDraft(t) for t in texts])
                if i is not None
            ]
            for doc_id in ids:
                for name in ("alice", "bob", "carol"):
                    for _ in range(rng.randint(0, 6)):
                        start = rng.randrange(0, 20)
                        label = rng.choice(["Person", "Location", ODD])
                        repository.add_span(
                            s, doc_id, name, label, start, start + rng.randint(1, 9)
                        )
            for doc_id in ids[:3]:
                for name in ("alice", "bob"):
                    repository.set_status(s, doc_id, name, DocStatus.DONE)
            repository.set_status(s, ids[0], "carol", DocStatus.DONE)
    finally:
        db.close()
    return ids


def _stored(
    project_dir: Path, names: list[str], labels: list[str] | None
) -> dict[int, dict[str, list[SpanTuple]]]:
    """Every layer's spans as plain rows in id order give them, through SQLAlchemy."""
    db = load_project(project_dir).open_database()
    try:
        with db.reader() as session:
            rows = session.execute(
                select(Span.document_id, Annotator.name, Span.start, Span.end, Span.label)
                .join(Annotator, Annotator.id == Span.annotator_id)
                .order_by(Span.id)
            ).all()
    finally:
        db.close()
    wanted: dict[int, dict[str, list[SpanTuple]]] = {}
    for doc_id, name, start, end, label in rows:
        if name in names and (labels is None or label in labels):
            wanted.setdefault(doc_id, {}).setdefault(name, []).append((start, end, label))
    return wanted


@pytest.mark.parametrize("all_documents", [True, False])
@pytest.mark.parametrize("labels", [None, ["Person", ODD]])
@pytest.mark.parametrize("names", [None, ["alice", "bob"]])
def test_read_gives_every_layer_on_either_database(
    project_dir: Path, all_documents: bool, labels: list[str] | None, names: list[str] | None
) -> None:
    ids = _fill(project_dir)
    got = read_compared(project_dir, names, labels=labels, all_documents=all_documents)
    assert got.names == (names or ["alice", "bob", "carol"])
    wanted = _stored(project_dir, got.names, labels)
    if all_documents:  # any span of theirs, whatever its label
        expected_ids = sorted(_stored(project_dir, got.names, None))
    else:  # done by every one of them
        expected_ids = ids[:1] if names is None else ids[:3]
    assert [d.id for d in got.documents] == expected_ids
    for document in got.documents:
        assert document.spans == wanted.get(document.id, {}), document.id
        assert document.text.startswith("Doc ")


def test_sqlite_is_read_without_the_workspace(
    project_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    if not load_project(project_dir).database_url.startswith("sqlite"):
        pytest.skip("the direct read is SQLite's")
    _fill(project_dir)
    through_workspace = read_compared(project_dir, None, all_documents=True)

    def refuse(*args: object) -> None:
        raise AssertionError("took the workspace path")

    monkeypatch.setattr(agreement, "_read_through_workspace", refuse)
    assert read_compared(project_dir, None, all_documents=True) == through_workspace


def test_a_schema_it_does_not_know_goes_through_the_workspace(
    project_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _fill(project_dir)
    direct = read_compared(project_dir, ["alice", "bob"])
    monkeypatch.setattr("annotator.store.sqlite_direct.HEAD_REVISION", "9999")
    taken = _spy_on_workspace(monkeypatch)
    assert read_compared(project_dir, ["alice", "bob"]) == direct
    assert taken == [project_dir]


def test_unknown_annotator_is_named(project_dir: Path) -> None:
    _fill(project_dir)
    with pytest.raises(UnknownAnnotator, match=r"'zoe'.*alice, bob, carol"):
        read_compared(project_dir, ["alice", "zoe"])


def test_fewer_than_two_names_read_no_documents(project_dir: Path) -> None:
    _fill(project_dir)
    assert read_compared(project_dir, ["alice"]).documents == []


def test_the_command_on_sqlite_never_loads_sqlalchemy(project_dir: Path) -> None:
    if not load_project(project_dir).database_url.startswith("sqlite"):
        pytest.skip("the direct read is SQLite's")
    _fill(project_dir)
    script = (
        "import contextlib, io, json, sys\n"
        "from annotator.cli.app import main\n"
        "out = io.StringIO()\n"
        "with contextlib.redirect_stdout(out):\n"
        f"    code = main(['agreement', {str(project_dir)!r}, '--json', '--all'])\n"
        "loaded = sorted(m for m in sys.modules if m.split('.')[0] == 'sqlalchemy')\n"
        "print(json.dumps([code, loaded, json.loads(out.getvalue())]))\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, check=True)
    code, loaded, report = orjson.loads(done.stdout)
    assert code == 0
    assert loaded == []
    assert report["annotators"] == ["alice", "bob", "carol"]
    assert report["documents"] == 6


def test_command_figures_are_the_same_either_way(
    project_dir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from annotator.cli.app import main

    _fill(project_dir)
    assert main(["agreement", str(project_dir), "--json", "--all"]) == 0
    direct = orjson.loads(capsys.readouterr().out)
    monkeypatch.setattr(agreement, "_sqlite_directly", not_directly)
    assert main(["agreement", str(project_dir), "--json", "--all"]) == 0
    assert orjson.loads(capsys.readouterr().out) == direct
    assert direct["documents"] == 6


def _read_a_document_a_chunk(
    project_dir: Path, monkeypatch: pytest.MonkeyPatch, *, fail_at: int = 0
) -> list[int]:
    """A filled SQLite project read a document a chunk; the chunks' sizes as
    they are read (the ``fail_at``-th read raises a database error)."""
    from annotator.store import agreement_sqlite

    if not load_project(project_dir).database_url.startswith("sqlite"):
        pytest.skip("the direct read is SQLite's")
    _fill(project_dir)
    monkeypatch.setattr(agreement_sqlite, "CHUNK_CHARACTERS", 1)
    chunks: list[int] = []
    read_chunk = agreement_sqlite._read_chunk

    def counted(conn: sqlite3.Connection, ids: list[int], *args: Any) -> Any:
        chunks.append(len(ids))
        if len(chunks) == fail_at:
            raise sqlite3.DatabaseError("database disk image is malformed")
        return read_chunk(conn, ids, *args)

    monkeypatch.setattr(agreement_sqlite, "_read_chunk", counted)
    return chunks


def test_read_and_counted_a_chunk_at_a_time_the_documents_and_figures_are_the_same(
    project_dir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # The command counts a chunk of documents while the next is read (issue
    # 14): a document a chunk and a batch must give what one read gives.
    from annotator.cli.app import main
    from annotator.core import agreement_counts

    chunks = _read_a_document_a_chunk(project_dir, monkeypatch)
    with monkeypatch.context() as whole_reads:
        whole_reads.setattr("annotator.store.agreement_sqlite.CHUNK_CHARACTERS", 10**9)
        whole = read_compared(project_dir, None, all_documents=True)
        assert main(["agreement", str(project_dir), "--json", "--all"]) == 0
        figures = orjson.loads(capsys.readouterr().out)
    assert chunks == [6, 6]
    chunks.clear()
    monkeypatch.setattr(agreement_counts, "BATCH_CHARACTERS", 1)
    assert read_compared(project_dir, None, all_documents=True) == whole
    assert chunks == [1] * 6
    with agreement.reading_compared(project_dir, None, all_documents=True) as compared:
        assert len(compared.documents) == 6 and len(chunks) == 6  # counted, none read yet
        assert list(compared.documents) == whole.documents
    assert main(["agreement", str(project_dir), "--json", "--all"]) == 0
    assert orjson.loads(capsys.readouterr().out) == figures


def test_a_read_failing_after_the_first_chunk_is_reported_naming_the_file(
    project_dir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from annotator.cli.app import main

    _read_a_document_a_chunk(project_dir, monkeypatch, fail_at=2)
    assert main(["agreement", str(project_dir), "--json", "--all"]) == 2
    captured = capsys.readouterr()
    database = sqlite_path(load_project(project_dir).database_url)
    assert captured.out == ""
    assert f"{database}: could not be read (database disk image is malformed)" in captured.err


def _spy_on_workspace(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    taken: list[Path] = []
    usual = agreement._read_through_workspace

    def spy(directory: Path, *args: object, **kwargs: object) -> agreement.Compared:
        taken.append(directory)
        return usual(directory, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(agreement, "_read_through_workspace", spy)
    return taken


def test_reviewers_the_database_lacks_go_through_the_workspace(
    project_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    if not load_project(project_dir).database_url.startswith("sqlite"):
        pytest.skip("the direct read is SQLite's")
    _fill(project_dir)
    direct = read_compared(project_dir, ["alice", "bob"])
    project = load_project(project_dir)
    project.reviewers = ["rita"]
    save_project(project)
    taken = _spy_on_workspace(monkeypatch)
    assert read_compared(project_dir, ["alice", "bob"]) == direct
    assert taken == [project_dir]  # the usual open seeds rita as the reviewer
    assert read_compared(project_dir, ["alice", "bob"]) == direct
    assert taken == [project_dir]  # now the database's: read directly


def test_the_direct_read_takes_the_daily_backup(project_dir: Path) -> None:
    if not load_project(project_dir).database_url.startswith("sqlite"):
        pytest.skip("the direct read is SQLite's")
    _fill(project_dir)
    for old in (project_dir / "backups").glob("*"):
        old.unlink()
    read_compared(project_dir, ["alice", "bob"])
    assert list((project_dir / "backups").glob("annotator-*.sqlite"))


def test_a_restore_in_progress_is_waited_for_then_reported(
    project_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    if not load_project(project_dir).database_url.startswith("sqlite"):
        pytest.skip("the direct read is SQLite's")
    _fill(project_dir)
    monkeypatch.setattr("annotator.store.sqlite_direct.OPEN_WAIT_S", 0.1)
    database = sqlite_path(load_project(project_dir).database_url)
    assert database is not None
    restoring = sqlite3.connect(open_lock_path(database), isolation_level=None)
    try:
        restoring.execute("BEGIN EXCLUSIVE")
        with pytest.raises(DatabaseProblem, match="being restored"):
            read_compared(project_dir, ["alice", "bob"])
    finally:
        restoring.close()


def _fill_who_said_what(project_dir: Path) -> int:
    """One document both alice and bob marked done: a topic and frames each,
    two quotes each linked to a speaker, one of bob's to a mention of
    another entity, and a claim linked to a plain span (no entity)."""
    from annotator.core.schema import DocumentLabelDef
    from annotator.store.document_labels import set_document_label
    from annotator.store.entities import create_entity

    project = load_project(project_dir)
    project.schema = replace(
        project.schema,
        document_labels=(
            DocumentLabelDef("topic", ("politics", "economy")),
            DocumentLabelDef("frames", ("conflict", "economy"), multiple=True),
        ),
    )
    save_project(project)
    text = '"We will win," said Blinken. Blinken claims it is over, "soon" he said. Sam too.'
    db = load_project(project_dir).open_database()
    try:
        with db.session() as s:
            (doc_id,) = repository.insert_documents(s, [DocumentDraft(text)])
            assert doc_id is not None
            blinken = create_entity(s, "alice", "Antony Blinken").id
            sam = create_entity(s, "bob", "Sam").id
            for name in ("alice", "bob"):
                person = repository.add_span(s, doc_id, name, "Person", 20, 27, entity_id=blinken)
                quote = repository.add_span(s, doc_id, name, "Quote", 0, 14)
                repository.add_relation(s, name, "speaker", quote.id, person.id)
                other = sam if name == "bob" else blinken
                late = repository.add_span(s, doc_id, name, "Person", 72, 75, entity_id=other)
                second = repository.add_span(s, doc_id, name, "Quote", 56, 62)
                repository.add_relation(s, name, "speaker", second.id, late.id)
                plain = repository.add_span(s, doc_id, name, "Person", 29, 36)
                claim = repository.add_span(s, doc_id, name, "Claim", 29, 54)
                repository.add_relation(s, name, "claimant", claim.id, plain.id)
                repository.set_status(s, doc_id, name, DocStatus.DONE)
            set_document_label(s, doc_id, "alice", "topic", "politics")
            set_document_label(s, doc_id, "bob", "topic", "politics")
            set_document_label(s, doc_id, "alice", "frames", ["conflict"])
            set_document_label(s, doc_id, "bob", "frames", ["conflict", "economy"])
    finally:
        db.close()
    return blinken


def test_document_labels_and_speakers_are_read_alike_on_either_database(
    project_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blinken = _fill_who_said_what(project_dir)
    sam = blinken + 1
    got = read_compared(project_dir, ["alice", "bob"])
    (document,) = got.documents
    assert document.document_labels == {
        "alice": {"topic": "politics", "frames": ["conflict"]},
        "bob": {"topic": "politics", "frames": ["conflict", "economy"]},
    }
    assert document.speakers == {
        "alice": {
            (0, 14, "Quote"): frozenset({blinken}),
            (56, 62, "Quote"): frozenset({blinken}),
            (29, 54, "Claim"): frozenset({(29, 36)}),
        },
        "bob": {
            (0, 14, "Quote"): frozenset({blinken}),
            (56, 62, "Quote"): frozenset({sam}),
            (29, 54, "Claim"): frozenset({(29, 36)}),
        },
    }
    # The workspace's read (SQLAlchemy statements on PostgreSQL) gives the same.
    monkeypatch.setattr(agreement, "_sqlite_directly", not_directly)
    assert read_compared(project_dir, ["alice", "bob"]) == got
    # --label narrows the speaker links to the quote and claim labels compared.
    (quotes_only,) = read_compared(project_dir, ["alice", "bob"], labels=["Quote"]).documents
    assert set(quotes_only.speakers["alice"]) == {(0, 14, "Quote"), (56, 62, "Quote")}


def test_the_command_reports_document_labels_and_attribution(
    project_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from annotator.cli.app import main

    _fill_who_said_what(project_dir)
    assert main(["agreement", str(project_dir), "--json"]) == 0
    data = orjson.loads(capsys.readouterr().out)
    topic, frames = data["document_labels"]
    assert (topic["name"], topic["documents"], topic["alpha"]) == ("topic", 1, None)
    assert topic["pairs"] == [{"a": "alice", "b": "bob", "kappa": None, "documents": 1}]
    # frames: (yes, yes) for conflict, (no, yes) for economy.
    assert (frames["choice"], frames["pairs"][0]["kappa"]) == ("multiple", 0.0)
    # Both quotes and the claim match; the second quote names Sam in bob's.
    assert data["attribution"] == {
        "labels": ["Quote", "Claim"],
        "agreement": 2 / 3,
        "compared": 3,
        "same": 2,
        "pairs": [{"a": "alice", "b": "bob", "agreement": 2 / 3, "compared": 3, "same": 2}],
    }
    assert main(["agreement", str(project_dir)]) == 0
    out = capsys.readouterr().out
    assert "document label  pair         kappa  documents" in out
    assert "frames          alice / bob  0.000  1" in out
    assert "attribution (Quote, Claim)  compared  same  agreement" in out
    assert "alice / bob                 3         2     0.667" in out
    assert "all pairs                   3         2     0.667" in out


_COUNTED_IN_TWO = """
import contextlib, io, sys, orjson
from annotator.app import agreement
from annotator.store import agreement_sqlite
project, edit = sys.argv[1], sys.argv[2] == "edit"
agreement_sqlite.CHUNK_CHARACTERS = 1  # six chunks: three each
child_counted = []
real_in_two = agreement.in_two


def spy(mine, theirs, instead):
    here = []

    def counted_here():
        here.append(True)
        return instead()

    both = real_in_two(mine, theirs, counted_here)
    child_counted.append(not here)
    return both


agreement.in_two = spy
with agreement.reading_compared(project, None, all_documents=True) as compared:
    if edit:  # a colleague's edit, after this reading's snapshot was taken
        from annotator.io.project import load_project
        from annotator.store import repository
        db = load_project(project).open_database()
        with db.session() as s:
            last = max(compared.documents._reading.ids)
            repository.add_span(s, last, "alice", "Person", 0, 3)
            repository.add_span(s, last, "bob", "Location", 4, 9)
        db.close()
    report = agreement.compute_compared(compared)
sys.stdout.buffer.write(orjson.dumps([child_counted, report.to_json()]))
"""


def _counted_in_two(project_dir: Path, edit: bool) -> tuple[list[bool], Any]:
    """The command's figures counted by two processes, in a process of its own
    (the test runner may have threads; a process with them does not fork)."""
    done = subprocess.run(
        [sys.executable, "-c", _COUNTED_IN_TWO, str(project_dir), "edit" if edit else "-"],
        capture_output=True,
        check=True,
    )
    child_counted, figures = orjson.loads(done.stdout)
    return child_counted, figures


def _figures_in_one(project_dir: Path) -> Any:
    from annotator.core.agreement import compute_agreement

    compared = read_compared(project_dir, None, all_documents=True)
    return orjson.loads(
        orjson.dumps(
            compute_agreement(compared.documents, compared.names, schema=compared.schema).to_json()
        )
    )


def test_a_large_project_is_counted_by_two_processes_with_the_same_figures(
    project_dir: Path,
) -> None:
    if not load_project(project_dir).database_url.startswith("sqlite"):
        pytest.skip("the direct read is SQLite's")
    _fill(project_dir)
    child_counted, figures = _counted_in_two(project_dir, edit=False)
    assert child_counted == [True]
    assert figures == _figures_in_one(project_dir)
    assert figures["documents"] == 6


def test_written_meanwhile_the_rest_is_counted_in_the_first_reading(
    project_dir: Path,
) -> None:
    # The child reads on a connection of its own: were the database written
    # since the first half's reading began, it would count other spans. It
    # then leaves the rest to the first process, whose reading sees none of it.
    if not load_project(project_dir).database_url.startswith("sqlite"):
        pytest.skip("the direct read is SQLite's")
    _fill(project_dir)
    before = _figures_in_one(project_dir)
    child_counted, figures = _counted_in_two(project_dir, edit=True)
    assert child_counted == [False]
    assert figures == before
    assert _figures_in_one(project_dir) != before  # the edit shows in a new reading


_INTERRUPTED = """
import os, sys, time
from annotator.cli.app import main
from annotator.store import agreement_sqlite

project, child_file = sys.argv[1], sys.argv[2]
agreement_sqlite.CHUNK_CHARACTERS = 1  # six chunks: three each
parent = os.getpid()
read_chunk = agreement_sqlite._read_chunk


def slow(*args):
    if os.getpid() != parent and not os.path.exists(child_file):
        with open(child_file + ".tmp", "w") as out:
            out.write(str(os.getpid()))
        os.rename(child_file + ".tmp", child_file)
    time.sleep(2)  # a long read: Ctrl-C comes meanwhile
    return read_chunk(*args)


agreement_sqlite._read_chunk = slow
sys.exit(main(["agreement", project, "--json", "--all"]))
"""


def test_ctrl_c_during_the_two_process_count_stops_the_child_too(
    project_dir: Path, tmp_path: Path
) -> None:
    if not load_project(project_dir).database_url.startswith("sqlite"):
        pytest.skip("the direct read is SQLite's")
    _fill(project_dir)
    child_file = tmp_path / "child"
    command = subprocess.Popen(
        [sys.executable, "-c", _INTERRUPTED, str(project_dir), str(child_file)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 30
    while not child_file.exists() and time.monotonic() < deadline:
        time.sleep(0.02)
    child = int(child_file.read_text())
    command.send_signal(signal.SIGINT)
    out, err = command.communicate(timeout=30)
    assert command.returncode == 130
    assert (out, err) == ("", "annotator: interrupted\n")
    with pytest.raises(ProcessLookupError):  # stopped and reaped, not left counting
        os.kill(child, 0)


_REPORT_IN_TWO = """
import dataclasses, sys, orjson
from annotator.app import agreement
from annotator.store import agreement_sqlite

agreement_sqlite.CHUNK_CHARACTERS = 1  # six chunks: three each
forked = []
real_in_two = agreement.in_two


def spy(mine, theirs, instead):
    forked.append(True)
    return real_in_two(mine, theirs, instead)


agreement.in_two = spy
report, rows = agreement.report_figures(sys.argv[1])
sys.stdout.buffer.write(
    orjson.dumps([forked, report.to_json(), [dataclasses.astuple(row) for row in rows]])
)
"""


def test_the_report_windows_figures_counted_by_two_processes_are_one_process_figures(
    project_dir: Path,
) -> None:
    from dataclasses import astuple

    if not load_project(project_dir).database_url.startswith("sqlite"):
        pytest.skip("the direct read is SQLite's")
    _fill(project_dir)
    done = subprocess.run(
        [sys.executable, "-c", _REPORT_IN_TWO, str(project_dir)], capture_output=True, check=True
    )
    forked, report, rows = orjson.loads(done.stdout)
    assert forked == [True]
    # Here the documents are one chunk: one process counts them.
    figures = agreement.report_figures(project_dir)
    assert figures is not None
    assert report == orjson.loads(orjson.dumps(figures[0].to_json()))
    assert rows == orjson.loads(orjson.dumps([astuple(row) for row in figures[1]]))
    assert len(rows) == 6
