"""`annotator import --format` on an SQLite project through sqlite3 alone (issue 14).

The command line writes the file without loading SQLAlchemy when opening it
needs no migration and no roles seeded; what it stores is what the usual
path (a Workspace's database sessions) stores, change log included, and two
imports of one file at the same moment store each document and span once.
"""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

import orjson
import pytest

from annotator.app.transfer import ImportContext, import_labeled, import_labeled_into
from annotator.app.workspace import Workspace
from annotator.cli.app import main
from annotator.io import labeled_import
from annotator.io.labeled_import import open_direct
from annotator.io.project import create_project, load_project, save_project

TEXTS = [
    'Jane Doe said "we will act" in Astana on Monday.',
    "Acme Corp opened an office in Almaty.",
]


def doccano_file(path: Path, *, new_label: bool = False) -> Path:
    """Two articles with spans and a relation, a repeated span, metadata; the
    first article again (a duplicate); with ``new_label`` a label the schema lacks."""
    quote = TEXTS[0].index('"')
    first = {
        "text": TEXTS[0],
        "source": "wire",
        "entities": [
            {"id": 1, "start_offset": 0, "end_offset": 8, "label": "Person"},
            {"id": 2, "start_offset": quote, "end_offset": TEXTS[0].index('"', quote + 1) + 1,
             "label": "Quote"},
            {"id": 3, "start_offset": 0, "end_offset": 8, "label": "Person"},
            {"id": 4, "start_offset": 31, "end_offset": 37,
             "label": "Venue" if new_label else "Location"},
        ],
        "relations": [{"id": 1, "from_id": 2, "to_id": 1, "type": "speaker"}],
    }  # fmt: skip
    second = {"text": TEXTS[1], "label": [[0, 9, "Organization"], [30, 36, "Location"]]}
    lines = [first, second, first]
    path.write_bytes(b"".join(orjson.dumps(line) + b"\n" for line in lines))
    return path


def stored(project: Path) -> dict[str, list[tuple[Any, ...]]]:
    """Every row an import writes, without the times it was written at."""
    queries = {
        "annotators": "SELECT id, name, role FROM annotators ORDER BY id",
        "documents": "SELECT id, title, source, url, date, meta, text, length, content_hash "
        "FROM documents ORDER BY id",
        "spans": 'SELECT id, document_id, annotator_id, label, start, "end", text, attributes, '
        "note, version, fragments, entity_id FROM spans ORDER BY id",
        "entities": "SELECT id, name, label, external_id, aliases, version FROM entities "
        "ORDER BY id",
        "document_labels": "SELECT id, document_id, annotator_id, name, value "
        "FROM document_labels ORDER BY id",
        "relations": "SELECT id, document_id, annotator_id, type, source_id, target_id "
        "FROM relations ORDER BY id",
        "document_status": "SELECT document_id, annotator_id, status FROM document_status "
        "ORDER BY document_id, annotator_id",
        "change_log": 'SELECT id, annotator_id, action, entity, entity_id, document_id, "before", '
        '"after" FROM change_log ORDER BY id',
        "documents_fts": "SELECT rowid, text FROM documents_fts ORDER BY rowid",
    }
    conn = sqlite3.connect(project / "annotator.sqlite")
    try:
        return {table: conn.execute(sql).fetchall() for table, sql in queries.items()}
    finally:
        conn.close()


def by_sessions(directory: Path, path: Path, ctx: ImportContext, add_labels: bool) -> Any:
    workspace = Workspace.open(directory)
    try:
        return import_labeled(workspace, "doccano", [path], ctx, add_labels=add_labels)
    finally:
        workspace.close()


@pytest.mark.parametrize("add_labels", [False, True], ids=["known-labels", "add-labels"])
def test_the_direct_path_stores_what_the_sessions_store(tmp_path: Path, add_labels: bool) -> None:
    source = doccano_file(tmp_path / "in.jsonl", new_label=add_labels)
    gold = tmp_path / "gold.jsonl"
    gold.write_bytes(orjson.dumps({"text": TEXTS[1], "label": [[0, 4, "Organization"]]}) + b"\n")
    reports: dict[str, list[Any]] = {}
    for way in ("direct", "sessions"):
        directory = create_project(tmp_path / way).directory
        project = load_project(directory)
        project.reviewers = ["rita"]
        save_project(project)
        Workspace.open(directory).close()  # the first open seeds the roles
        writer = open_direct(load_project(directory))
        assert writer is not None  # nothing left to do on opening: the direct path is taken
        writer.close()
        reports[way] = []
        runs = [(source, ImportContext(as_name="ana")), (source, ImportContext(as_name="ana")),
                (gold, ImportContext(as_name="gold", reviewer="rita"))]  # fmt: skip
        for path, ctx in runs:  # the second run finds everything stored already
            if way == "direct":
                report = import_labeled_into(
                    directory, "doccano", [path], ctx, add_labels=add_labels
                )
            else:
                report = by_sessions(directory, path, ctx, add_labels)
            reports[way].append(report)
    assert stored(tmp_path / "direct") == stored(tmp_path / "sessions")
    assert reports["direct"] == reports["sessions"]
    first, again, gold_report = reports["direct"]
    assert (first.documents_added, first.documents_existing, first.spans, first.relations) == (
        2, 0, 5, 1,
    )  # fmt: skip
    # The repeated span, and the whole repeated article: its spans and its relation.
    assert first.duplicate_spans == 5
    assert (again.documents_existing, again.spans, again.relations, again.duplicate_spans) == (
        2, 0, 0, 10,
    )  # fmt: skip
    assert gold_report.spans == 1
    rows = stored(tmp_path / "direct")
    reviewer = next(i for i, name, _ in rows["annotators"] if name == "rita")
    assert rows["change_log"][-1][1] == reviewer  # the gold layer's rows name the reviewer
    assert len(rows["change_log"]) == 5 + 1 + 2 + 1 + 1  # spans, relation, statuses, gold
    labels = load_project(tmp_path / "direct").schema.label_names
    assert ("Venue" in labels) is add_labels
    assert labels == load_project(tmp_path / "sessions").schema.label_names


def test_split_spans_entities_and_document_labels_are_stored_alike(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A native file with a split quote, one entity mentioned in two articles
    (stored in two batches: the entity is made once) and document labels."""
    from tests.io.test_native_who_said_what import annotate, declare_document_labels

    monkeypatch.setattr(labeled_import, "BATCH_DOCUMENTS", 1)
    source_dir = create_project(tmp_path / "source").directory
    declare_document_labels(load_project(source_dir))
    workspace = Workspace.open(source_dir)
    try:
        annotate(workspace.db)  # type: ignore[arg-type]
    finally:
        workspace.close()
    exported = tmp_path / "who.jsonl"
    assert main(["export", str(source_dir), "-o", str(exported), "--format", "native"]) == 0
    reports = {}
    for way in ("direct", "sessions"):
        directory = create_project(tmp_path / way).directory
        declare_document_labels(load_project(directory))
        Workspace.open(directory).close()
        if way == "direct":
            report = import_labeled_into(directory, "native", [exported], ImportContext())
        else:
            workspace = Workspace.open(directory)
            try:
                report = import_labeled(workspace, "native", [exported], ImportContext())
            finally:
                workspace.close()
        reports[way] = report
    assert stored(tmp_path / "direct") == stored(tmp_path / "sessions")
    assert reports["direct"] == reports["sessions"]
    assert (reports["direct"].entities, reports["direct"].document_labels) == (2, 3)
    rows = stored(tmp_path / "direct")
    assert [name for _, name, *_ in rows["entities"]] == ["Antony Blinken", "Astana"]
    logged = [(action, entity) for _, _, action, entity, *_ in rows["change_log"]]
    assert logged.count(("import", "entity")) == 2
    assert logged.count(("import", "document_label")) == 3
    split = [row for row in rows["spans"] if row[10] is not None]
    assert [(row[4], row[5], orjson.loads(row[10])) for row in split] == [
        (1, 33, [[1, 12], [25, 33]])
    ]


def test_the_command_never_loads_sqlalchemy(tmp_path: Path) -> None:
    directory = create_project(tmp_path / "p").directory
    source = doccano_file(tmp_path / "in.jsonl")
    script = (
        "import sys\n"
        "from annotator.cli.app import main\n"
        f"code = main(['import', {str(directory)!r}, {str(source)!r}, '--format', 'doccano',"
        " '--as', 'ana', '-q'])\n"
        "print(code, sorted(m for m in sys.modules if m.split('.')[0] in ('sqlalchemy', 'alembic')))\n"
    )
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert out.stdout.split(None, 1) == ["0", "[]\n"], out.stderr
    assert len(stored(directory)["spans"]) == 5
    assert list((directory / "backups").glob("annotator-*.sqlite"))  # the day's backup, as on open


def test_a_project_whose_roles_need_seeding_is_opened_the_usual_way(tmp_path: Path) -> None:
    directory = create_project(tmp_path / "p").directory
    project = load_project(directory)
    project.reviewers = ["rita"]
    save_project(project)
    assert open_direct(load_project(directory)) is None  # the database has no reviewer yet
    report = import_labeled_into(
        directory, "doccano", [doccano_file(tmp_path / "in.jsonl")], ImportContext(as_name="ana")
    )
    assert report.spans == 5
    assert ("rita", "reviewer") in [row[1:] for row in stored(directory)["annotators"]]


def test_two_imports_of_one_file_at_the_same_moment_store_it_once(tmp_path: Path) -> None:
    directory = create_project(tmp_path / "p").directory
    articles = tmp_path / "many.jsonl"
    with articles.open("wb") as out:
        for n in range(300):
            text = f"Report {n}: Jane Doe met Acme Corp in Astana."
            out.write(orjson.dumps({"text": text, "label": [[len(text) - 7, len(text) - 1,
                                                             "Location"]]}) + b"\n")  # fmt: skip
    go = tmp_path / "go"
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "tests.store.team_worker", "cli", str(go), "import",
             str(directory), str(articles), "--format", "doccano", "--as", "ana", "-q"],
            stderr=subprocess.PIPE,
        )
        for _ in range(2)
    ]  # fmt: skip
    go.touch()
    errors = [p.communicate(timeout=120)[1].decode() for p in procs]
    assert [p.returncode for p in procs] == [0, 0], errors
    rows = stored(directory)
    assert len(rows["documents"]) == 300
    assert len({row[8] for row in rows["documents"]}) == 300
    assert len(rows["spans"]) == 300
    assert len(rows["change_log"]) == 300 + 300  # a span and a status each, once


def test_a_refused_batch_stores_nothing_and_says_why(tmp_path: Path) -> None:
    from annotator.core.dataset import AnnotatedDraft, LayerDraft, SpanDraft
    from annotator.core.errors import SaveFailed
    from annotator.core.model import DocumentDraft

    directory = create_project(tmp_path / "p").directory
    writer = open_direct(load_project(directory))
    assert writer is not None
    gold = AnnotatedDraft(
        DocumentDraft(text=TEXTS[1]), [LayerDraft("gold", [SpanDraft("Organization", 0, 9)])]
    )
    try:
        # The gold layer by someone who is not a reviewer: refused, nothing stored.
        refused = writer.store_batch([gold], "ana")
        assert refused == (
            "not stored: ana may not change the gold layer: only reviewers may "
            "(annotator roles PROJECT lists them)"
        )
        assert not writer.conn.in_transaction
        # Another program holds the write lock past the wait: SaveFailed, as a session says it.
        writer.conn.execute("PRAGMA busy_timeout = 50")
        other = sqlite3.connect(directory / "annotator.sqlite", isolation_level=None)
        other.execute("BEGIN IMMEDIATE")
        try:
            with pytest.raises(SaveFailed, match="another program holds a lock on the database"):
                writer.store_batch([gold], "rita")
        finally:
            other.execute("ROLLBACK")
            other.close()
    finally:
        writer.close()
    assert all(rows == [] for table, rows in stored(directory).items() if table != "annotators")


def test_the_summary_counts_entities_and_document_labels(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from tests.io.test_native_who_said_what import annotate, declare_document_labels

    source_dir = create_project(tmp_path / "source").directory
    declare_document_labels(load_project(source_dir))
    workspace = Workspace.open(source_dir)
    try:
        annotate(workspace.db)  # type: ignore[arg-type]
    finally:
        workspace.close()
    exported = tmp_path / "who.jsonl"
    assert main(["export", str(source_dir), "-o", str(exported), "--format", "native"]) == 0
    target = create_project(tmp_path / "target").directory
    capsys.readouterr()
    # The target's schema declares no document labels: refused, nothing stored.
    assert main(["import", str(target), str(exported), "--format", "native"]) == 2
    err = capsys.readouterr().err
    assert "document labels or values not in the schema: checkworthy (2), topic (1)" in err
    declare_document_labels(load_project(target))
    assert main(["import", str(target), str(exported), "--format", "native"]) == 0
    out = capsys.readouterr().out
    assert "6 span(s), 1 relation(s), 2 new entity(ies), 3 document label(s); 0 problem(s)" in out
