"""File → Export offers INCEpTION's formats, and the window writes them."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from annotator.ui.main_window import MainWindow
from tests.ui.conftest import drag, find, key


@pytest.mark.parametrize(("fmt", "suffix"), [("xmi", ".xmi"), ("webanno-tsv", ".tsv")])
def test_the_window_exports_for_inception(
    qtbot: QtBot, window: MainWindow, tmp_path: Path, fmt: str, suffix: str
) -> None:
    from annotator.ui.export_dialog import ExportDialog

    dialog = ExportDialog("alice", tmp_path / "data.jsonl")
    qtbot.addWidget(dialog)
    at = dialog.format.findData(fmt)
    assert at >= 0 and "INCEpTION" in dialog.format.itemText(at)
    dialog.format.setCurrentIndex(at)
    assert dialog.choice().target.name == "data.zip"  # a folder per document, zipped

    view = window.view
    drag(qtbot, view, *find(view, "Antony Blinken"))
    key(qtbot, view, "p")
    target = tmp_path / "inception.zip"
    assert window.export_dataset(fmt, target, "mine")
    with zipfile.ZipFile(target) as archive:
        names = archive.namelist()
        (member,) = [n for n in names if n.endswith(suffix)]
        content = archive.read(member).decode("utf-8")
    assert member.endswith(f"/alice{suffix}")
    assert "Antony" in content and "Person" in content
    if fmt == "xmi":
        assert member.rsplit("/", 1)[0] + "/TypeSystem.xml" in names
    window.close()
