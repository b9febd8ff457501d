"""Corpora shipped as gzip-compressed JSON Lines: exported with a ``.gz`` name,
imported whatever the name, with the size limit counting what they decompress to."""

from __future__ import annotations

import gzip
from pathlib import Path

import orjson
import pytest
import yaml

from annotator.io.jsonl import LineStream
from annotator.io.project import load_project
from annotator.store import repository
from tests.cli.test_export_cli import filled, run  # noqa: F401  (a fixture)
from tests.io.test_formats_common import snapshot


@pytest.mark.parametrize(
    ("fmt", "name"),
    [("native", "a.jsonl.gz"), ("doccano", "b.jsonl.gz"), ("csv", "c.csv.gz"),
     ("conll", "d.conll.gz"), ("quotes", "e.csv.gz"), ("quotes", "g.jsonl.gz"),
     ("labelstudio", "f.json.gz")],
)  # fmt: skip
def test_an_export_named_gz_is_the_same_export_compressed(
    filled: Path,  # noqa: F811
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    fmt: str,
    name: str,
) -> None:
    plain = tmp_path / name.removesuffix(".gz")
    assert run(capsys, "export", filled, "-o", plain, "-f", fmt)[0] == 0
    assert run(capsys, "export", filled, "-o", tmp_path / name, "-f", fmt)[0] == 0
    packed = (tmp_path / name).read_bytes()
    assert packed[:2] == b"\x1f\x8b"
    assert gzip.decompress(packed) == plain.read_bytes()
    # No name and no time in the header: the same export makes the same file.
    again = tmp_path / "again" / name
    assert run(capsys, "export", filled, "-o", again, "-f", fmt)[0] == 0
    assert again.read_bytes() == packed


@pytest.mark.parametrize("fmt", ["native", "doccano"])
def test_a_gzip_export_imports_back_whole(
    filled: Path,  # noqa: F811
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    fmt: str,
) -> None:
    packed = tmp_path / "corpus.jsonl.gz"
    plain = tmp_path / "corpus.jsonl"
    assert run(capsys, "export", filled, "-o", packed, "-f", fmt)[0] == 0
    assert run(capsys, "export", filled, "-o", plain, "-f", fmt)[0] == 0
    assert packed.read_bytes()[:2] == b"\x1f\x8b"  # compressed, read back as it decompresses
    who = ["--reviewer", "rita"] if fmt == "native" else ["--as", "ana"]
    for source, copy in ((packed, "from-gz"), (plain, "from-plain")):
        assert run(capsys, "new", tmp_path / copy)[0] == 0
        db = load_project(tmp_path / copy).open_database()
        with db.session() as session:
            repository.set_roles(session, ["rita"])  # the gold layer needs a reviewer
        db.close()
        code, _, err = run(capsys, "import", tmp_path / copy, source, "--format", fmt,
                           "--add-labels", *who)  # fmt: skip
        assert code == 0, err
    dbs = [load_project(tmp_path / p).open_database() for p in ("from-gz", "from-plain")]
    try:
        # Native files carry their times; doccano's are the import's own.
        times = fmt == "native"
        assert snapshot(dbs[0], times=times) == snapshot(dbs[1], times=times)
    finally:
        for db in dbs:
            db.close()


def test_gzip_articles_and_folders_of_them(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    lines = b"".join(orjson.dumps({"text": f"Article {n} about Astana."}) + b"\n" for n in range(5))
    folder = tmp_path / "feeds"
    folder.mkdir()
    (folder / "one.jsonl.gz").write_bytes(gzip.compress(lines))
    (folder / "two.ndjson.gz").write_bytes(gzip.compress(lines.replace(b"Article", b"Story")))
    (folder / "notes.txt.gz").write_bytes(gzip.compress(b"not read"))
    assert run(capsys, "new", tmp_path / "p")[0] == 0
    code, out, err = run(capsys, "import", tmp_path / "p", folder)
    assert code == 0, err
    assert "Imported 10 document(s)" in out and "notes.txt.gz: not an article file type" in err


def test_damaged_gzip_data_is_a_problem_of_that_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    lines = b"".join(orjson.dumps({"text": f"Article {n}: " + "word " * 200}) + b"\n"
                     for n in range(300))  # fmt: skip
    cut = tmp_path / "cut.jsonl.gz"
    cut.write_bytes(gzip.compress(lines)[:-40])  # the end of the stream is missing
    good = tmp_path / "good.jsonl"
    good.write_bytes(lines[:200])
    assert run(capsys, "new", tmp_path / "p")[0] == 0
    code, _, err = run(capsys, "import", tmp_path / "p", cut, good)
    assert code == 1
    assert f"{cut}: the gzip data is damaged" in err and "Traceback" not in err


def test_the_size_limit_counts_what_a_gzip_file_decompresses_to(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(capsys, "new", tmp_path / "p")[0] == 0
    config = tmp_path / "p" / "project.yaml"
    settings = yaml.safe_load(config.read_text(encoding="utf-8"))
    settings.setdefault("settings", {})["max_file_mb"] = 1
    config.write_text(yaml.safe_dump(settings), encoding="utf-8")
    # 4 MB of one line, 4 KB compressed: read up to the limit, never whole.
    bomb = tmp_path / "bomb.jsonl.gz"
    bomb.write_bytes(gzip.compress(b'{"text": "' + b"a" * (4 << 20) + b'"}\n'))
    assert bomb.stat().st_size < 64 << 10
    code, _, err = run(capsys, "import", tmp_path / "p", bomb)
    assert code == 1
    assert "over the limit of 1.0 MB" in err and "once decompressed" in err
    stream = LineStream(bomb, 1 << 20)
    with pytest.raises(Exception, match="once decompressed"):
        list(stream)


@pytest.mark.parametrize("packed", [False, True])
def test_a_line_not_utf8_among_utf8_lines_is_refused_alone(tmp_path: Path, packed: bool) -> None:
    # The look ahead for a legacy encoding stops at the first UTF-8 line beyond
    # ASCII and goes back; the file must still be open to read on from there.
    data = b'{"text": "ascii"}\n{"text": "caf\xe9"}\n{"text": "Zo\xc3\xab"}\n{"text": "more"}\n'
    path = tmp_path / ("mixed.jsonl.gz" if packed else "mixed.jsonl")
    path.write_bytes(gzip.compress(data) if packed else data)
    lines = list(LineStream(path, 1 << 20))
    assert [n for n, _ in lines] == [1, 2, 3, 4]
    assert "not UTF-8 text (byte 0xE9" in str(lines[1][1])
    assert lines[2][1] == '{"text": "Zoë"}'.encode()
