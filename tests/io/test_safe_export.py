"""Paths in imported data never lead an export outside the chosen folder, and
an export never replaces a symbolic link, a device or a FIFO."""

from __future__ import annotations

import os
import stat
from collections.abc import Callable
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


# --- targets that are not regular files ------------------------------------------------


@pytest.fixture
def articles(project_dir: Path, tmp_path: Path) -> Path:
    feed = tmp_path / "feed.jsonl"
    feed.write_bytes(b"\n".join(orjson.dumps({"text": f"Article {n}"}) for n in range(3)))
    assert main(["import", str(project_dir), str(feed)]) == 0
    return project_dir


def special_target(kind: str, tmp_path: Path) -> tuple[Path, Callable[[], object]]:
    """A target of this kind, and what must be unchanged after the refused export."""
    target = tmp_path / "target"
    if kind == "symlink to a file":
        elsewhere = tmp_path / "elsewhere" / "precious.txt"
        elsewhere.parent.mkdir()
        elsewhere.write_text("keep me")
        target.symlink_to(elsewhere)
        return target, lambda: (os.readlink(target), elsewhere.read_text())
    if kind == "dangling symlink":
        target.symlink_to(tmp_path / "nowhere" / "new.jsonl")
        return target, lambda: (os.readlink(target), (tmp_path / "nowhere").exists())
    if kind == "symlink to a folder":
        folder = tmp_path / "elsewhere-folder"
        folder.mkdir()
        target.symlink_to(folder, target_is_directory=True)
        return target, lambda: (os.readlink(target), sorted(folder.iterdir()))
    if kind == "fifo":
        os.mkfifo(target)
        return target, lambda: stat.S_ISFIFO(os.lstat(target).st_mode)
    if kind == "device":
        if os.geteuid() != 0:
            pytest.skip("making a device node needs root")
        os.mknod(target, 0o600 | stat.S_IFCHR, os.makedev(1, 3))  # a null device
        return target, lambda: (stat.S_ISCHR(os.lstat(target).st_mode), os.lstat(target).st_rdev)
    raise AssertionError(kind)


KINDS = ["symlink to a file", "dangling symlink", "symlink to a folder", "fifo", "device"]


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize(
    ("fmt", "suffix", "extra"),
    [
        ("native", "", []),
        ("csv", "", []),
        ("brat", "", []),
        ("brat", ".zip", []),
        ("native", "", ["--split", "train=0.5,test=0.5"]),
    ],
)
def test_export_to_a_link_device_or_fifo_is_refused(
    articles: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    kind: str,
    fmt: str,
    suffix: str,
    extra: list[str],
) -> None:
    target, state = special_target(kind, tmp_path)
    if suffix:
        target = target.rename(target.with_name(target.name + suffix))
    before = state() if not suffix else None
    capsys.readouterr()
    code = main(["export", str(articles), "-o", str(target), "--format", fmt, *extra])
    err = capsys.readouterr().err
    assert code == 2
    assert len(err.strip().splitlines()) == 1 and str(target) in err, err
    assert "Traceback" not in err
    if before is not None:
        assert state() == before
    assert not stat.S_ISREG(os.lstat(target).st_mode)
    assert not [p for p in tmp_path.rglob(".*.tmp")] + [p for p in tmp_path.rglob(".target*")]
