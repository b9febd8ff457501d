"""Fuzzing what users hand the program: no unhandled exception, and each bad
input gets a one-line message naming the file. (benchmarks/fuzz.py runs
thousands of cases; this runs a few hundred.)"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from annotator.io.errors import ProjectProblem
from annotator.io.project import PROJECT_FILE, create_project, load_project
from tests import fuzz_cases as cases

# benchmarks/fuzz.py raises this to thousands.
EXAMPLES = int(os.environ.get("ANNOTATOR_FUZZ_EXAMPLES", "60"))
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@pytest.fixture(scope="module")
def project() -> Iterator[Path]:
    folder = Path(tempfile.mkdtemp())
    create_project(folder / "p")
    yield folder / "p"
    shutil.rmtree(folder, ignore_errors=True)


def import_file(project: Path, name: str, data: bytes, *options: str) -> None:
    folder = Path(tempfile.mkdtemp())
    path = folder / name
    path.write_bytes(data)
    code, stderr = cases.run_cli(["import", str(project), str(path), *options])
    assert code in (0, 1, 2)
    cases.check_messages(stderr, [path, project])
    if code != 0:
        assert stderr.strip(), "a failure must say why"
    shutil.rmtree(folder, ignore_errors=True)


@FUZZ
@given(data=st.binary(max_size=200), suffix=st.sampled_from([".txt", ".md", ".html", ".jsonl"]))
def test_article_files(project: Path, data: bytes, suffix: str) -> None:
    import_file(project, f"article{suffix}", data)


@FUZZ
@given(data=cases.jsonl_file(cases.doccano_line()))
def test_doccano_files(project: Path, data: bytes) -> None:
    import_file(project, "d.jsonl", data, "--format", "doccano", "--as", "model")


@FUZZ
@given(data=cases.jsonl_file(cases.prodigy_line()))
def test_prodigy_files(project: Path, data: bytes) -> None:
    import_file(project, "p.jsonl", data, "--format", "prodigy", "--as", "model")


@FUZZ
@given(data=cases.jsonl_file(cases.native_line()))
def test_native_files(project: Path, data: bytes) -> None:
    import_file(project, "n.jsonl", data, "--format", "native")


@FUZZ
@given(pair=cases.brat_pair())
def test_brat_files(project: Path, pair: tuple[bytes, bytes]) -> None:
    folder = Path(tempfile.mkdtemp())
    (folder / "doc.txt").write_bytes(pair[0])
    (folder / "doc.ann").write_bytes(pair[1])
    code, stderr = cases.run_cli(
        ["import", str(project), str(folder), "--format", "brat", "--as", "b"]
    )
    assert code in (0, 1, 2)
    cases.check_messages(stderr, [folder, project])
    shutil.rmtree(folder, ignore_errors=True)


@FUZZ
@given(text=cases.project_yaml)
def test_project_yaml(text: str) -> None:
    folder = Path(tempfile.mkdtemp())
    (folder / PROJECT_FILE).write_text(text, encoding="utf-8", errors="surrogatepass")
    try:
        load_project(folder)
    except ProjectProblem as problem:
        message = str(problem)
        assert message.startswith(str(folder)) and "\n" not in message
    finally:
        shutil.rmtree(folder, ignore_errors=True)
