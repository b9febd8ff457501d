"""Where `annotator export` writes: standard output (``-o -``), a folder named
for a one-file format, and the permissions of what it writes."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from annotator.cli.app import main
from annotator.io.errors import InputProblem
from annotator.io.file_modes import current_umask
from annotator.io.formats.common import ExportContext
from annotator.io.formats.parallel import write_in_two
from annotator.io.project import create_project, load_project
from tests.cli.test_export_cli import filled, run  # noqa: F401  (a fixture)

REPO = Path(__file__).resolve().parents[2]


def export_command(*args: str | Path) -> list[str]:
    return [sys.executable, "-m", "annotator", "export", *(str(a) for a in args)]


@pytest.mark.parametrize("fmt", ["native", "doccano", "csv", "quotes"])
def test_dash_writes_the_export_to_standard_output(
    filled: Path,  # noqa: F811
    tmp_path: Path,
    fmt: str,
) -> None:
    written = tmp_path / "file"
    assert main(["export", str(filled), "-o", str(written), "-f", fmt, "-q"]) == 0
    # A process of its own, run in an empty folder: the bytes reach the pipe,
    # and no file named "-" is left behind.
    folder = tmp_path / "cwd"
    folder.mkdir()
    done = subprocess.run(
        export_command(filled, "-o", "-", "-f", fmt),
        cwd=folder,
        capture_output=True,
        env={**os.environ, "PYTHONPATH": str(REPO)},
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout == written.read_bytes()
    # What the command says goes to standard error, naming where the export went.
    assert b"Exported 3 document(s)" in done.stderr and b"standard output" in done.stderr
    assert list(folder.iterdir()) == []


def test_a_reader_that_stops_early_ends_the_export_quietly(
    filled: Path,  # noqa: F811
) -> None:
    export = subprocess.Popen(
        export_command(filled, "-o", "-", "-q"),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )
    assert export.stdout is not None and export.stderr is not None
    export.stdout.close()  # `| head -c 0`: the pipe is closed before anything is sent
    with export.stderr:
        err = export.stderr.read()
    assert export.wait(timeout=120) == 0
    assert err == b""  # no traceback, no "Exception ignored" at exit


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["-f", "brat"], "brat writes a folder"),
        (["-f", "xmi"], "xmi writes a folder"),
        (["--split", "train=0.5,test=0.5"], "--split writes a folder"),
    ],
)
def test_a_folder_cannot_go_to_standard_output(
    filled: Path,  # noqa: F811
    capsys: pytest.CaptureFixture[str],
    args: list[str],
    message: str,
) -> None:
    code, out, err = run(capsys, "export", filled, "-o", "-", *args)
    assert code == 2 and message in err and out == ""


@pytest.mark.parametrize("fmt", ["native", "doccano", "csv"])
def test_a_folder_named_for_a_one_file_format_is_refused_by_its_name(
    filled: Path,  # noqa: F811
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    fmt: str,
) -> None:
    folder = tmp_path / "exports"
    folder.mkdir()
    code, _, err = run(capsys, "export", filled, "-o", folder, "-f", fmt)
    assert code == 2
    assert f"{folder}: is a folder; name the file to write" in err
    assert list(folder.iterdir()) == [] and list(tmp_path.glob(".exports*")) == []


def test_the_two_process_writer_refuses_a_folder_before_it_forks(tmp_path: Path) -> None:
    def never(in_child: bool, part: object, where: Path, ctx: ExportContext) -> None:
        raise AssertionError("nothing is written to a folder")

    with pytest.raises(InputProblem, match="is a folder"):
        write_in_two(list(range(10)), tmp_path, ExportContext(None, "codepoint"), never)  # type: ignore[arg-type]


@contextmanager
def umask(mask: int) -> Iterator[None]:
    before = os.umask(mask)
    try:
        yield
    finally:
        os.umask(before)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX permissions")
@pytest.mark.parametrize(
    ("mask", "file_mode", "folder_mode"),
    [(0o022, 0o644, 0o755), (0o077, 0o600, 0o700), (0o027, 0o640, 0o750)],
)
def test_exports_get_the_permissions_a_new_file_would(
    filled: Path,  # noqa: F811
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    mask: int,
    file_mode: int,
    folder_mode: int,
) -> None:
    with umask(mask):
        assert current_umask() == mask
        for fmt, name in [("native", "a.jsonl"), ("doccano", "b.jsonl"), ("csv", "c.csv"),
                          ("brat", "d.zip"), ("parquet", "e.parquet")]:  # fmt: skip
            assert run(capsys, "export", filled, "-o", tmp_path / name, "-f", fmt)[0] == 0
            assert mode(tmp_path / name) == file_mode, name
        assert run(capsys, "export", filled, "-o", tmp_path / "brat", "-f", "brat")[0] == 0
        assert mode(tmp_path / "brat") == folder_mode
        inside = list((tmp_path / "brat").rglob("*"))
        assert {mode(p) for p in inside if p.is_file()} == {file_mode}
        assert {mode(p) for p in inside if p.is_dir()} <= {folder_mode}
        split = tmp_path / "split"
        assert run(capsys, "export", filled, "-o", split, "--split", "train=0.5,test=0.5")[0] == 0
        assert mode(split) == folder_mode
        assert {mode(p) for p in split.iterdir()} == {file_mode}


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX permissions")
def test_an_export_over_a_file_keeps_that_files_permissions(
    filled: Path,  # noqa: F811
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    target = tmp_path / "shared.jsonl"
    target.write_text("an older export\n")
    target.chmod(0o664)  # a group's folder: the group may replace it next time
    with umask(0o077):
        assert run(capsys, "export", filled, "-o", target)[0] == 0
    assert mode(target) == 0o664 and target.read_text() != "an older export\n"


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX permissions")
def test_backups_and_restores_keep_the_databases_permissions(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    project = create_project(tmp_path / "p")
    database = project.directory / "annotator.sqlite"
    load_project(project.directory).open_database().close()
    database.chmod(0o660)
    for daily in (project.directory / "backups").glob("*"):
        daily.unlink()  # made as the project was opened, with the permissions of then
    with umask(0o077):
        assert main(["backup", str(project.directory), "--to", str(tmp_path / "copy.sqlite")]) == 0
        assert mode(tmp_path / "copy.sqlite") == 0o660
        assert main(["backup", str(project.directory)]) == 0
        made = list((project.directory / "backups").glob("*.sqlite"))
        assert made and {mode(p) for p in made} == {0o660}
        database.chmod(0o640)
        assert main(["restore", str(project.directory), str(tmp_path / "copy.sqlite")]) == 0
    assert mode(database) == 0o640


def test_a_file_system_that_refuses_chmod_still_gets_the_export(
    filled: Path,  # noqa: F811
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def refused(path: object, mode: int) -> None:
        raise PermissionError(1, "Operation not permitted", str(path))  # FAT, some shares

    monkeypatch.setattr(os, "chmod", refused)
    for fmt, name in [("native", "a.jsonl"), ("brat", "b"), ("csv", "c.csv")]:
        code, _, err = run(capsys, "export", filled, "-o", tmp_path / name, "-f", fmt)
        assert code == 0, err
        assert (tmp_path / name).exists()
