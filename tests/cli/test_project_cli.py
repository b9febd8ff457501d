"""The `annotator` command end to end: new, import, docs, info, help, exit codes."""

from __future__ import annotations

import codecs
import subprocess
import sys
from pathlib import Path

import orjson
import pytest

from annotator.cli.app import main

FIXTURES = Path(__file__).parent.parent / "fixtures"
SEED = FIXTURES / "blinken-central-asia.txt"


def run(capsys: pytest.CaptureFixture[str], *args: str | Path) -> tuple[int, str, str]:
    code = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def project(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    code, out, _ = run(capsys, "new", tmp_path / "proj")
    assert code == 0 and "Created project" in out
    return tmp_path / "proj"


def docs_json(capsys: pytest.CaptureFixture[str], project: Path) -> list[dict]:  # type: ignore[type-arg]
    code, out, _ = run(capsys, "docs", project, "--json")
    assert code == 0
    return orjson.loads(out)  # type: ignore[no-any-return]


def test_import_text_markdown_html_and_jsonl(
    project: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    src = tmp_path / "src"
    (src / "nested").mkdir(parents=True)
    (src / "seed.txt").write_bytes(SEED.read_bytes())
    (src / "nested" / "note.md").write_text("---\ntitle: A note\n---\nBody 😀\n", encoding="utf-8")
    (src / "nested" / "page.html").write_bytes((FIXTURES / "articles" / "astana.html").read_bytes())
    (src / "batch.jsonl").write_text(
        '{"text": "One", "title": "First", "outlet": "AP"}\n{"text": "Two"}\n', encoding="utf-8"
    )
    code, out, err = run(capsys, "import", project, src)
    assert (code, err) == (0, "")
    assert "Imported 5 document(s)" in out
    docs = docs_json(capsys, project)
    assert sorted(d["title"] for d in docs) == sorted(
        ["March 4. 2024. 6:09", "A note", "Blinken holds talks with Central Asian nations",
         "First", "Two"]
    )  # fmt: skip
    seed = next(d for d in docs if d["source"] == "src/seed.txt")
    assert seed["length"] == len(SEED.read_text(encoding="utf-8"))
    assert seed["spans"] == {} and seed["status"] == {}


def test_reimport_does_not_duplicate(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(capsys, "import", project, SEED)[0] == 0
    code, out, _ = run(capsys, "import", project, SEED)
    assert code == 0 and "Imported 0 document(s); 1 already in the project" in out
    assert len(docs_json(capsys, project)) == 1


def test_same_text_with_crlf_and_bom_is_the_same_article(
    project: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = SEED.read_text(encoding="utf-8")
    windows = tmp_path / "windows.txt"
    windows.write_bytes(codecs.BOM_UTF8 + text.replace("\n", "\r\n").encode("utf-8"))
    run(capsys, "import", project, SEED)
    code, out, _ = run(capsys, "import", project, windows)
    assert code == 0 and "1 already in the project" in out


def test_bad_files_are_reported_and_the_rest_goes_in(
    project: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    src = tmp_path / "mixed"
    src.mkdir()
    (src / "good.txt").write_text("A good article about Astana.", encoding="utf-8")
    (src / "empty.txt").write_bytes(b"")
    (src / "binary.txt").write_bytes(b"\x00\x01\x02\x03" * 100)
    (src / "lines.jsonl").write_text('{"text": "ok line"}\n{"text": \n', encoding="utf-8")
    code, out, err = run(capsys, "import", project, src, tmp_path / "missing.txt")
    assert code == 1
    lines = err.strip().splitlines()
    assert f"{src / 'empty.txt'}: the file is empty" in err
    assert f"{src / 'binary.txt'}: this is a binary file" in err
    assert f"{src / 'lines.jsonl'}:2: invalid JSON" in err
    assert f"{tmp_path / 'missing.txt'}: no such file or folder" in err
    assert len(lines) == 4 and "Traceback" not in err
    assert "Imported 2 document(s)" in out
    assert sorted(d["title"] for d in docs_json(capsys, project)) == [
        "A good article about Astana.",
        "ok line",
    ]


def test_unusable_project_is_exit_code_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run(capsys, "import", tmp_path / "nowhere", SEED)
    assert code == 2 and err.strip() == f"annotator: {tmp_path / 'nowhere'}: no such project folder"
    (tmp_path / "broken").mkdir()
    (tmp_path / "broken" / "project.yaml").write_text("name: [\n")
    code, _, err = run(capsys, "docs", tmp_path / "broken")
    assert code == 2 and f"{tmp_path / 'broken' / 'project.yaml'}:2: YAML syntax error" in err


def test_usage_errors_are_exit_code_2(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(["import"])
    assert info.value.code == 2
    with pytest.raises(SystemExit) as info:
        main(["frobnicate"])
    assert info.value.code == 2


def test_info_shows_schema_and_counts(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    run(capsys, "import", project, SEED)
    code, out, _ = run(capsys, "info", project, "--json")
    info = orjson.loads(out)
    assert code == 0
    assert info["counts"]["documents"] == 1
    assert info["counts"]["characters"] == len(SEED.read_text(encoding="utf-8"))
    assert [lab["name"] for lab in info["labels"]][:3] == ["Claim", "Quote", "Person"]
    assert info["labels"][0]["attributes"] == {"checkworthy": ["yes", "no", "unsure"]}
    assert info["relations"][0] == {
        "name": "speaker", "from": ["Quote"], "to": ["Person", "Organization"],
    }  # fmt: skip
    code, out, _ = run(capsys, "info", project)
    assert code == 0 and "[q] Quote" in out and "speaker: Quote -> Person | Organization" in out


def test_new_with_a_bad_schema_file_names_the_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    schema = tmp_path / "schema.yaml"
    schema.write_text("labels:\n  - name: A\n    color: '#zzzzzz'\n")
    code, _, err = run(capsys, "new", tmp_path / "p", "--schema", schema)
    assert code == 2 and f"{schema}:3: labels.0.color: unknown colour" in err
    assert not (tmp_path / "p").exists()


def test_a_server_that_cannot_be_reached_is_named_by_its_whole_url(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = "postgresql://someone@127.0.0.1:1/db"  # port 1: nothing listens
    code, _, err = run(capsys, "new", tmp_path / "p", "--db", url)
    assert code == 2
    assert err.startswith(f"annotator: {url}: cannot reach a database server at 127.0.0.1:1")
    assert not (tmp_path / "p").exists()


def test_every_command_explains_itself() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "annotator", "--help"], capture_output=True, text=True, check=True
    ).stdout
    for command in ("new", "import", "docs", "info", "open"):
        assert command in out
        sub = subprocess.run(
            [sys.executable, "-m", "annotator", command, "--help"],
            capture_output=True, text=True, check=True,
        ).stdout  # fmt: skip
        assert sub.startswith("usage: annotator " + command)
        assert len(sub.splitlines()) > 4


def test_command_line_does_not_load_qt() -> None:
    code = "import sys; from annotator.cli.app import main; main(['--help'])"
    probe = subprocess.run([sys.executable, "-c", code + "\n"], capture_output=True, text=True)
    assert probe.returncode == 0
    check = subprocess.run(
        [sys.executable, "-c",
         "import sys, annotator.cli.app, annotator.io.importer; "
         "print(any(m.startswith('PySide6') for m in sys.modules))"],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    assert check.stdout.strip() == "False"


@pytest.mark.parametrize(
    "args",
    [
        ["comments", "--doc", "99999999999999999999"],
        ["comments", "--doc", "1", "--span", "2147483648", "--add", "x", "--as", "bob"],
        ["comments", "--doc", "1", "--reply-to", "0", "--add", "x", "--as", "bob"],
        ["adjudicate", "--doc", "2147483648", "--accept-agreed", "alice", "bob", "--as", "rita"],
        ["assign", "--doc", "-3", "--to", "alice"],
        ["export", "-o", "out.jsonl", "--doc", "1e3"],
        ["suggest", "--doc", "2147483648"],
    ],
)
def test_an_id_out_of_range_is_a_usage_error(
    project: Path, capsys: pytest.CaptureFixture[str], args: list[str]
) -> None:
    """Once a traceback from the database (SQLite's or PostgreSQL's integer overflow)."""
    command, *rest = args
    with pytest.raises(SystemExit) as stopped:
        main([command, str(project), *rest])
    assert stopped.value.code == 2
    err = capsys.readouterr().err
    assert "is not an id" in err and "Traceback" not in err


@pytest.mark.parametrize("name", ["Gold", "GOLD"])
def test_gold_in_other_letters_is_no_one_s_name(
    project: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str
) -> None:
    """`--as Gold` once made a layer of its own beside gold, looking like it."""
    record = {"text": "Ana Diaz spoke.", "label": [[0, 8, "Person"]]}
    data = tmp_path / "a.jsonl"
    data.write_bytes(orjson.dumps(record) + b"\n")
    code, _, err = run(capsys, "import", project, data, "--format", "doccano", "--as", name)
    assert code == 2
    assert f"--as: {name!r} reads as the adjudicated layer ('gold')" in err
    code, out, _ = run(capsys, "info", project)
    assert "Documents:  0" in out
