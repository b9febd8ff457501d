"""Ctrl-C during `annotator export`: one line, exit code 130, no traceback, no
target and no temporary file left, and no helper process left writing.

The real command runs in a subprocess on a project large enough for the
two-process export; SIGINT comes at several moments, to the whole process
group (Ctrl-C at a terminal) or to the main process alone (kill -INT).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import orjson
import pytest

from annotator.io.formats import parallel
from annotator.io.formats.api import run_import
from annotator.io.formats.importing import ImportContext
from annotator.io.formats.parallel import SPLIT_FROM_DOCUMENTS
from annotator.io.project import create_project

DOCUMENTS = 12_000
DELAYS = (0.0, 0.15, 0.45)
"""Seconds between the export's first temporary file and the signal."""

pytestmark = pytest.mark.skipif(not hasattr(os, "killpg"), reason="POSIX signals")


@pytest.fixture(scope="module")
def big_project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("interrupt")
    project = create_project(folder / "p")
    prefix = "Document {n}. "
    lines = []
    for n in range(DOCUMENTS):
        start = len(prefix.format(n=n))
        text = prefix.format(n=n) + "Ana met Bob in Paris and said hello to the press. " * 4
        spans = [
            {"id": k, "start": start + 50 * k, "end": start + 50 * k + 3, "label": "Person"}
            for k in range(4)
        ]
        layer = {"annotator": "ana", "status": "new", "spans": spans, "relations": []}
        lines.append(orjson.dumps({"text": text, "annotations": [layer]}))
    feed = folder / "big.jsonl"
    feed.write_bytes(b"\n".join(lines))
    db = project.open_database()
    try:
        report = run_import(project, db, "native", [feed], ImportContext())
    finally:
        db.close()
    assert report.documents_added == DOCUMENTS >= 2 * SPLIT_FROM_DOCUMENTS
    return project.directory


def interrupt_export(
    project: Path, out: Path, fmt: str, delay: float, group: bool
) -> tuple[int, str, list[str]]:
    out.mkdir()
    target = out / ("x.jsonl" if fmt == "native" else "x")
    command = [sys.executable, "-m", "annotator", "export", str(project), "-o", str(target)]
    proc = subprocess.Popen(
        [*command, "--format", fmt],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
        env={**os.environ, "PYTHONWARNINGS": "default"},
    )
    try:
        deadline = time.monotonic() + 60
        while not any(out.iterdir()) and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.002)
        time.sleep(delay)
        if group:
            os.killpg(proc.pid, signal.SIGINT)
        else:
            proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    time.sleep(0.5)  # a helper process left running would still write here
    return proc.returncode, err, sorted(p.name for p in out.iterdir())


@pytest.mark.parametrize(("fmt", "group"), [("native", True), ("native", False), ("csv", True)])
def test_ctrl_c_during_export(big_project: Path, tmp_path: Path, fmt: str, group: bool) -> None:
    outcomes = []
    for n, delay in enumerate(DELAYS):
        out = tmp_path / str(n)
        code, err, left = interrupt_export(big_project, out, fmt, delay, group)
        outcomes.append((delay, code, err, left))
        assert code in (0, 130), outcomes
        assert err == ("" if code == 0 else "annotator: interrupted\n"), outcomes
        if left:  # the signal came after the export was complete: it is whole
            assert len(left) == 1 and not left[0].startswith("."), outcomes
            if fmt == "native":
                assert len((out / left[0]).read_bytes().splitlines()) == DOCUMENTS
    assert any(code == 130 and not left for _, code, _, left in outcomes), outcomes


# --- the same faults, each at a chosen moment ---------------------------------------------


def test_ctrl_c_inside_a_database_read_is_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Ctrl-C inside a database call leaves SQLAlchemy's connection invalidated;
    nothing done while unwinding may turn that into another error."""
    from annotator.cli.app import main
    from annotator.store import export_reader

    project = create_project(tmp_path / "p").directory
    feed = tmp_path / "a.jsonl"
    feed.write_bytes(b'{"text": "One article."}\n{"text": "Another."}')
    assert main(["import", str(project), str(feed)]) == 0
    real = export_reader.iter_documents

    def interrupted(conn: Any, *args: Any, **kwargs: Any) -> Any:
        yield from real(conn, *args, **kwargs)
        conn.invalidate()  # what SQLAlchemy does on KeyboardInterrupt in a DBAPI call
        raise KeyboardInterrupt

    monkeypatch.setattr(export_reader, "iter_documents", interrupted)
    capsys.readouterr()
    out = tmp_path / "out"
    out.mkdir()
    # (native, on SQLite, reads without SQLAlchemy: the next test)
    for fmt, name in [("doccano", "x.jsonl"), ("csv", "x.csv"), ("brat", "x")]:
        assert main(["export", str(project), "-o", str(out / name), "--format", fmt]) == 130
        assert capsys.readouterr().err == "annotator: interrupted\n"
        assert list(out.iterdir()) == []


def test_ctrl_c_inside_a_direct_read_is_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The native export of an SQLite project, read with sqlite3 alone
    (app.transfer.export_native_directly), stopped by Ctrl-C after its reading."""
    from annotator.cli.app import main
    from annotator.store import export_sqlite

    project = create_project(tmp_path / "p").directory
    feed = tmp_path / "a.jsonl"
    feed.write_bytes(b'{"text": "One article."}\n{"text": "Another."}')
    assert main(["import", str(project), str(feed)]) == 0
    real = export_sqlite.iter_documents_json

    def interrupted(conn: Any, *args: Any, **kwargs: Any) -> Any:
        yield from real(conn, *args, **kwargs)
        raise KeyboardInterrupt

    monkeypatch.setattr(export_sqlite, "iter_documents_json", interrupted)
    capsys.readouterr()
    out = tmp_path / "out"
    out.mkdir()
    assert main(["export", str(project), "-o", str(out / "x.jsonl")]) == 130
    assert capsys.readouterr().err == "annotator: interrupted\n"
    assert list(out.iterdir()) == []


def test_interrupted_two_process_export_stops_the_helper_at_once(
    tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    """Ctrl-C in the main process while the helper still writes: the helper is
    stopped (not waited for), says nothing, and its temporary file goes."""
    from annotator.io.formats.common import ExportContext, atomic_file

    target = tmp_path / "x.jsonl"
    started = tmp_path / "child-started"

    def write_part(in_child: bool, part: Any, where: Path, ctx: Any) -> None:
        with atomic_file(where) as out:
            out.write(b"partial\n")
            if in_child:  # the helper: busy for a long time
                started.touch()
                time.sleep(60)
                return
            deadline = time.monotonic() + 20
            while not started.exists() and time.monotonic() < deadline:
                time.sleep(0.01)
            raise KeyboardInterrupt

    project = create_project(tmp_path / "p")
    begun = time.monotonic()
    with pytest.raises(KeyboardInterrupt):
        parallel.write_in_two(list(range(10)), target, ExportContext(project.schema), write_part)
    assert time.monotonic() - begun < 15
    assert sorted(p.name for p in tmp_path.iterdir()) == ["child-started", "p"]
    assert capfd.readouterr().err == ""
