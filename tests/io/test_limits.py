"""Hostile input is refused at once with one line naming the file: YAML bombs,
special files, files over the size limit, archives that expand without end."""

from __future__ import annotations

import os
import random
import re
import resource
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest

from annotator.io.errors import InputProblem, ProjectProblem
from annotator.io.project import create_project, load_project, save_project

BOMB = """\
version: 1
name: bomb
schema:
  labels: [{name: A, kind: entity}]
description: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
x: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
y: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
z: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
w: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
v: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
u: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
"""


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def test_yaml_alias_bomb_is_refused_at_once_with_its_line(tmp_path: Path) -> None:
    (tmp_path / "project.yaml").write_text(BOMB)
    before = _peak_rss_mb()
    started = time.perf_counter()
    with pytest.raises(ProjectProblem) as caught:
        load_project(tmp_path)
    assert time.perf_counter() - started < 2
    assert _peak_rss_mb() - before < 50
    message = str(caught.value)
    assert message.startswith(f"{tmp_path / 'project.yaml'}:")
    assert "aliases expanded" in message
    assert caught.value.line is not None and 6 <= caught.value.line <= 11


def test_an_alias_inside_its_own_anchor_is_refused(tmp_path: Path) -> None:
    (tmp_path / "project.yaml").write_text(
        "name: loop\nschema:\n  labels: [{name: A, kind: entity}]\ndescription: &a [1, *a]\n"
    )
    with pytest.raises(ProjectProblem, match="inside its own anchor") as caught:
        load_project(tmp_path)
    assert caught.value.line == 4


def test_deep_nesting_is_refused_not_a_crash(tmp_path: Path) -> None:
    (tmp_path / "project.yaml").write_text(
        "name: deep\nschema:\n  labels: [{name: A, kind: entity}]\ndescription: "
        + "[" * 5000
        + "]" * 5000
        + "\n"
    )
    with pytest.raises(ProjectProblem, match="nested over"):
        load_project(tmp_path)


def test_modest_aliases_still_work(tmp_path: Path) -> None:
    create_project(tmp_path / "p")
    config = tmp_path / "p" / "project.yaml"
    config.write_text(config.read_text() + "annotators: &team [ana, ben]\nreviewers: *team\n")
    project = load_project(tmp_path / "p")
    assert project.annotators == ["ana", "ben"] and project.reviewers == ["ana", "ben"]


def test_a_huge_project_yaml_is_refused_unread(tmp_path: Path) -> None:
    config = tmp_path / "project.yaml"
    config.write_text("name: big\n" + "# padding\n" * 200_000)
    with pytest.raises(ProjectProblem, match=r"over the limit of 1\.0 MB"):
        load_project(tmp_path)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_a_project_yaml_that_is_a_fifo_is_refused_not_waited_on(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "project.yaml")
    with pytest.raises(ProjectProblem, match="not a regular file"):
        load_project(tmp_path)


def test_markdown_front_matter_bomb_is_one_problem(tmp_path: Path) -> None:
    from annotator.io.readers import FoundFile, read_file

    front = BOMB.split("description: ", 1)[1].replace("x:", "b:")
    path = tmp_path / "bomb.md"
    path.write_text(f"---\nlist: {front}---\n# Title\n\nBody text.\n")
    started = time.perf_counter()
    with pytest.raises(InputProblem, match="aliases expanded"):
        read_file(FoundFile(path, "bomb.md"))
    assert time.perf_counter() - started < 2


# --- import: only regular files, never more than max_file_mb ------------------


def _annotator(*args: str) -> subprocess.CompletedProcess[str]:
    """The real command; a read that never ends fails the test, not hangs it."""
    return subprocess.run(
        [sys.executable, "-m", "annotator", *args], capture_output=True, text=True, timeout=60
    )


def _project(tmp_path: Path, max_file_mb: int = 1) -> Path:
    project = create_project(tmp_path / "project")
    project.settings["max_file_mb"] = max_file_mb
    save_project(project)
    return project.directory


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_import_folder_skips_fifos_devices_and_large_files(tmp_path: Path) -> None:
    project = _project(tmp_path)
    folder = tmp_path / "articles"
    folder.mkdir()
    (folder / "good.txt").write_text("A good article about the minister.\n")
    os.symlink("/dev/zero", folder / "zero.txt")
    os.symlink("/dev/zero", folder / "zero.jsonl")
    os.mkfifo(folder / "pipe.txt")
    os.mkfifo(folder / "pipe.jsonl")
    (folder / "big.txt").write_text("word " * 300_000)  # 1.5 MB, over 1 MB
    (folder / "big.jsonl").write_text('{"text": "x"}\n' * 100_000)  # 1.4 MB
    done = _annotator("import", str(project), str(folder))
    assert done.returncode == 1, done.stderr
    lines = done.stderr.splitlines()
    for name in ("zero.txt", "zero.jsonl"):
        assert any(
            str(folder / name) in ln and "a device, not a regular file" in ln for ln in lines
        )
    for name in ("pipe.txt", "pipe.jsonl"):
        assert any(str(folder / name) in ln and "FIFO" in ln for ln in lines)
    for name in ("big.txt", "big.jsonl"):
        assert any(
            str(folder / name) in ln and "over the limit of 1.0 MB (settings.max_file_mb" in ln
            for ln in lines
        )
    assert "Traceback" not in done.stderr
    assert "Imported 1 document(s)" in done.stdout


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_labeled_import_of_a_fifo_or_dev_zero_is_one_problem(tmp_path: Path) -> None:
    project = _project(tmp_path)
    os.mkfifo(tmp_path / "pipe.jsonl")
    os.symlink("/dev/zero", tmp_path / "zero.jsonl")
    good = tmp_path / "good.jsonl"
    good.write_text('{"text": "The minister spoke.", "label": [[4, 12, "Person"]]}\n')
    for bad, what in (("pipe.jsonl", "a named pipe (FIFO)"), ("zero.jsonl", "a device")):
        done = _annotator(
            "import", str(project), "-f", "doccano", "--as", "ana", str(tmp_path / bad), str(good)
        )
        assert done.returncode == 1, done.stderr
        assert f"{tmp_path / bad}: not read: {what}" in done.stderr
        assert "Traceback" not in done.stderr


def test_labeled_import_refuses_a_file_over_the_limit_unread(tmp_path: Path) -> None:
    project = _project(tmp_path)
    big = tmp_path / "big.jsonl"
    big.write_text('{"text": "The minister spoke.", "label": []}\n' * 40_000)  # 1.6 MB
    done = _annotator("import", str(project), "-f", "doccano", "--as", "ana", str(big))
    assert done.returncode == 2, done.stderr
    assert re.search(
        rf"{re.escape(str(big))}: not read: 1\.\d MB, over the limit of 1\.0 MB", done.stderr
    )


def test_a_brat_zip_bomb_is_refused_without_expanding_it(tmp_path: Path) -> None:
    project = _project(tmp_path, max_file_mb=50)
    bomb = tmp_path / "bomb.zip"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("a.txt", "A fine article.\n")
        z.writestr("a.ann", "T1\tPerson 2 6\tfine\n")
        z.writestr("b.txt", b"a" * 40_000_000)  # 40 MB from about 40 KB
        z.writestr("b.ann", "")
    done = _annotator("import", str(project), "-f", "brat", "--as", "ana", str(bomb))
    assert done.returncode == 1, done.stderr
    assert f"{bomb}!b.txt: not read: expands" in done.stderr
    assert "over 100 times is refused" in done.stderr
    assert "1 new document" in done.stdout


def test_a_brat_zip_past_the_limit_in_all_is_refused(tmp_path: Path) -> None:
    project = _project(tmp_path, max_file_mb=1)
    archive = tmp_path / "many.zip"
    rng = random.Random(3)
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_STORED) as z:
        for n in range(6):
            words = " ".join(str(rng.random()) for _ in range(12_000))  # about 240 KB
            z.writestr(f"d{n}.txt", words)
            z.writestr(f"d{n}.ann", "")
    done = _annotator("import", str(project), "-f", "brat", "--as", "ana", str(archive))
    assert done.returncode == 1, done.stderr
    assert "over the limit of 1.0 MB (settings.max_file_mb in project.yaml, for all" in done.stderr
    assert "4 new document(s)" in done.stdout


_SWAP_GAZETTEER = """
import os, sys
from annotator.io.errors import InputProblem
from annotator.io.project import load_project
project = load_project(sys.argv[1])
names = project.directory / "names.txt"
names.unlink()
os.mkfifo(names)  # replaced after project.yaml was read: gazetteers are read later
try:
    project.assist.suggest_config()
except InputProblem as problem:
    print(problem)
"""


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_a_gazetteer_that_became_a_fifo_is_refused_not_waited_on(tmp_path: Path) -> None:
    project = create_project(tmp_path / "p")
    (project.directory / "names.txt").write_text("Blinken\n")
    config = project.config_path
    config.write_text(
        config.read_text() + "assist:\n  gazetteers:\n    - {label: Person, file: names.txt}\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", _SWAP_GAZETTEER, str(project.directory)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    names = project.directory / "names.txt"
    assert (
        done.stdout.strip()
        == f"{names}: gazetteer not read: a named pipe (FIFO), not a regular file"
    )


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_labeled_import_of_a_folder_names_its_special_files(tmp_path: Path) -> None:
    project = _project(tmp_path)
    folder = tmp_path / "data"
    folder.mkdir()
    os.mkfifo(folder / "a-pipe.jsonl")
    os.symlink("/dev/zero", folder / "b-zero.jsonl")
    (folder / "c.jsonl").write_text(
        '{"text": "The minister spoke.", "label": [[4, 12, "Person"]]}\n'
    )
    done = _annotator("import", str(project), "-f", "doccano", "--as", "ana", str(folder))
    assert done.returncode == 1, done.stderr
    assert f"{folder / 'a-pipe.jsonl'}: not read: a named pipe (FIFO)" in done.stderr
    assert f"{folder / 'b-zero.jsonl'}: not read: a device" in done.stderr
    assert "1 new document(s)" in done.stdout
