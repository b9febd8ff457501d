"""File → Export: choose a format, whose annotations and where; the application
package writes it (:func:`annotator.app.transfer.export_dataset`).

This module is imported only when exporting (the format names' suffixes live
beside the database code).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLineEdit,
    QPushButton,
    QWidget,
)

FORMATS = {
    "native": ("Annotator JSONL (native)", "JSON lines (*.jsonl *.jsonl.gz)"),
    "doccano": ("doccano JSONL", "JSON lines (*.jsonl *.jsonl.gz)"),
    "prodigy": ("Prodigy JSONL", "JSON lines (*.jsonl *.jsonl.gz)"),
    "brat": ("brat standoff (.zip)", "Zip archives (*.zip)"),
    "xmi": ("UIMA CAS XMI, for INCEpTION (.zip)", "Zip archives (*.zip)"),
    "webanno-tsv": ("WebAnno TSV 3, for INCEpTION (.zip)", "Zip archives (*.zip)"),
    "conll": ("CoNLL (BIO tags)", "CoNLL files (*.conll *.txt *.conll.gz)"),
    "csv": ("CSV, one row per span", "CSV files (*.csv *.csv.gz)"),
    "labelstudio": ("Label Studio JSON", "JSON files (*.json *.json.gz)"),
    "spacy": ("spaCy DocBin (for spacy train)", "spaCy files (*.spacy)"),
    "parquet": ("Parquet, one row per document", "Parquet files (*.parquet)"),
    "quotes": (
        "Quotes and claims with their speakers (CSV)",
        "CSV or JSON lines (*.csv *.jsonl *.csv.gz *.jsonl.gz)",
    ),
}
"""Format name -> (what the user reads, file dialog filter)."""

LAYER_MINE = "mine"
LAYER_ALL = "all"
LAYER_GOLD = "gold"


@dataclass(frozen=True, slots=True)
class ExportChoice:
    format: str
    target: Path
    layer: str
    done_only: bool


class ExportDialog(QDialog):
    def __init__(self, user: str, suggested: Path, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("exportDialog")
        self.setWindowTitle("Export a labeled dataset")
        self.format = QComboBox()
        self.format.setObjectName("exportFormat")
        for name, (text, _) in FORMATS.items():
            self.format.addItem(text, name)
        self.layer = QComboBox()
        self.layer.setObjectName("exportLayer")
        self.layer.addItem(f"My annotations ({user})", LAYER_MINE)
        self.layer.addItem("Every annotator's", LAYER_ALL)
        self.layer.addItem("The adjudicated (gold) layer", LAYER_GOLD)
        self.done_only = QCheckBox("Only documents marked done")
        self.target = QLineEdit(str(suggested))
        self.target.setObjectName("exportTarget")
        browse = QPushButton("Browse…")
        browse.clicked.connect(self._browse)
        where = QHBoxLayout()
        where.addWidget(self.target, 1)
        where.addWidget(browse)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form = QFormLayout(self)
        form.addRow("Format", self.format)
        form.addRow("Annotations", self.layer)
        form.addRow("", self.done_only)
        form.addRow("Save to", where)
        form.addRow(buttons)
        self.format.currentIndexChanged.connect(self._format_changed)
        self._format_changed()

    def _format_changed(self) -> None:
        from annotator.app.transfer import SUFFIXES

        path = Path(self.target.text())
        name = str(self.format.currentData())
        # brat writes a folder or a .zip; the archive is one file to hand on.
        suffix = SUFFIXES[name] or ".zip"
        if not path.name:
            return
        # A .gz name stays compressed in the next one-file format (news.jsonl.gz -> news.csv.gz).
        compressed = path.suffix.lower() == ".gz"
        renamed = (path.with_suffix("") if compressed else path).with_suffix(suffix)
        if compressed and SUFFIXES[name]:
            renamed = renamed.with_name(renamed.name + ".gz")
        self.target.setText(str(renamed))

    def _browse(self) -> None:
        name = str(self.format.currentData())
        chosen, _ = QFileDialog.getSaveFileName(
            self, "Export to", self.target.text(), FORMATS[name][1]
        )
        if chosen:
            self.target.setText(chosen)

    def choice(self) -> ExportChoice:
        return ExportChoice(
            format=str(self.format.currentData()),
            target=Path(self.target.text()).expanduser(),
            layer=str(self.layer.currentData()),
            done_only=self.done_only.isChecked(),
        )
