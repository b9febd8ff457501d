"""Paths in imported data never lead an export outside the chosen folder."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest

from annotator.cli.app import main


def test_sources_with_folders_stay_inside_the_export(
    project_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    feed = tmp_path / "feed.jsonl"
    hostile = ["../../../outside", "/etc/passwd", "..\\..\\windows", "a/../../b", "..", ".hidden"]
    feed.write_bytes(
        b"\n".join(
            orjson.dumps({"text": f"Article {n}", "source": s}) for n, s in enumerate(hostile)
        )
    )
    assert main(["import", str(project_dir), str(feed)]) == 0
    target = tmp_path / "export" / "brat"
    assert main(["export", str(project_dir), "-o", str(target), "--format", "brat"]) == 0
    written = sorted(p for p in tmp_path.rglob("*") if p.is_file() and p.suffix in (".txt", ".ann"))
    assert written and all(target in p.parents for p in written)
    assert len([p for p in written if p.suffix == ".txt"]) == len(hostile)
    assert not (tmp_path / "outside.txt").exists() and not Path("/etc/passwd.txt").exists()
