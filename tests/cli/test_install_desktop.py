"""`annotator install-desktop`: menu entry, icons, file type, into a throwaway XDG_DATA_HOME."""

from __future__ import annotations

import configparser
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from annotator.cli.app import main
from annotator.cli.cmd_install_desktop import MIME_TYPE, desktop_entry

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="freedesktop.org desktops")


def read_desktop(path: Path) -> dict[str, str]:
    parser = configparser.ConfigParser(interpolation=None)
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    parser.read(path, encoding="utf-8")
    return dict(parser["Desktop Entry"])


def test_install_desktop_writes_entry_icons_and_file_type(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    data, config = tmp_path / "data", tmp_path / "config"
    monkeypatch.setenv("XDG_DATA_HOME", str(data))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(config))
    assert main(["install-desktop"]) == 0
    out = capsys.readouterr().out
    assert "application menu" in out

    entry = read_desktop(data / "applications" / "annotator.desktop")
    assert entry["Name"] == "Annotator" and entry["Icon"] == "annotator"
    assert entry["Exec"].endswith(" open %f")
    assert MIME_TYPE in entry["MimeType"]
    assert entry["Type"] == "Application" and entry["Terminal"] == "false"
    for size in (16, 48, 256):
        png = data / "icons" / "hicolor" / f"{size}x{size}" / "apps" / "annotator.png"
        assert png.read_bytes().startswith(b"\x89PNG")
    assert (data / "icons" / "hicolor" / "scalable" / "apps" / "annotator.svg").exists()
    mime = (data / "mime" / "packages" / "annotator.xml").read_text(encoding="utf-8")
    assert 'pattern="project.yaml"' in mime and MIME_TYPE in mime
    mimeapps = (config / "mimeapps.list").read_text(encoding="utf-8")
    assert f"{MIME_TYPE}=annotator.desktop;" in mimeapps
    if shutil.which("desktop-file-validate"):
        done = subprocess.run(
            ["desktop-file-validate", str(data / "applications" / "annotator.desktop")],
            capture_output=True,
            text=True,
        )
        assert done.returncode == 0, done.stdout + done.stderr

    # Installing twice is harmless; uninstalling removes everything it wrote
    # and leaves other associations alone.
    (config / "mimeapps.list").write_text(
        mimeapps + "text/plain=org.gnome.TextEditor.desktop;\n", encoding="utf-8"
    )
    assert main(["install-desktop"]) == 0
    assert main(["install-desktop", "--uninstall"]) == 0
    assert not (data / "applications" / "annotator.desktop").exists()
    assert not list((data / "icons").rglob("annotator.*"))
    assert not (data / "mime" / "packages" / "annotator.xml").exists()
    left = (config / "mimeapps.list").read_text(encoding="utf-8")
    assert MIME_TYPE not in left and "text/plain=org.gnome.TextEditor.desktop;" in left


def test_the_exec_line_quotes_paths_with_spaces() -> None:
    entry = desktop_entry(["/opt/My Apps/annotator"])
    assert 'Exec="/opt/My Apps/annotator" open %f' in entry
    assert "TryExec=/opt/My Apps/annotator" in entry
