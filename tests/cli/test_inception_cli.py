"""`annotator export/import --format xmi|webanno-tsv`: INCEpTION's formats end to end."""

from __future__ import annotations

from pathlib import Path

import pytest

from annotator.cli.app import main
from annotator.io.project import load_project
from tests.io.test_formats_common import populate, snapshot


def run(capsys: pytest.CaptureFixture[str], *args: str | Path) -> tuple[int, str, str]:
    code = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize("fmt", ["xmi", "webanno-tsv"])
def test_export_and_import_through_the_command_line(
    project_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], fmt: str
) -> None:
    db = load_project(project_dir).open_database()
    try:
        populate(db)
        stored = snapshot(db)
    finally:
        db.close()
    target = tmp_path / "inception.zip"
    code, out, err = run(
        capsys, "export", project_dir, "-o", target, "--format", fmt, "--annotator", "alice"
    )
    assert code == 0, err
    assert "Exported 1 document(s), 4 span(s), 1 relation(s)" in out
    assert run(capsys, "new", tmp_path / "copy")[0] == 0
    code, out, err = run(capsys, "import", tmp_path / "copy", target, "--format", fmt)
    assert code == 0, err
    assert "4 span(s), 1 relation(s)" in out
    db = load_project(tmp_path / "copy").open_database()
    try:
        (doc,) = snapshot(db).values()
    finally:
        db.close()
    (original,) = (d for d in stored.values() if "alice" in d["layers"])
    assert [s[:4] for s in doc["layers"]["alice"][1]] == [
        s[:4] for s in original["layers"]["alice"][1]
    ]
    assert doc["layers"]["alice"][2] == original["layers"]["alice"][2]
    # --as names the layer instead of the file's name; --offsets does not apply
    code, out, err = run(
        capsys, "import", tmp_path / "copy", target, "--format", fmt, "--as", "carol"
    )
    assert code == 0, err
    code, _, err = run(
        capsys, "import", tmp_path / "copy", target, "--format", fmt, "--offsets", "utf16"
    )
    assert code == 2 and "leave out --offsets" in err
