"""Render resources/icons/annotator.svg to PNGs with Qt (QtSvg).

Run: ``.venv/bin/python scripts/render_icon.py`` (offscreen). Writes
resources/icons/annotator.png (256 px) and the sizes the desktop icon theme
uses (resources/icons/hicolor/SIZE/apps/annotator.png).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
REPO = Path(__file__).resolve().parent.parent

from PySide6.QtCore import Qt  # noqa: E402
from PySide6.QtGui import QGuiApplication, QImage, QPainter  # noqa: E402
from PySide6.QtSvg import QSvgRenderer  # noqa: E402

ICONS = REPO / "resources" / "icons"
SIZES = (16, 32, 48, 64, 128, 256)


def render(renderer: QSvgRenderer, size: int, target: Path) -> None:
    image = QImage(size, size, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    renderer.render(painter)
    painter.end()
    target.parent.mkdir(parents=True, exist_ok=True)
    if not image.save(str(target)):
        raise SystemExit(f"could not write {target}")
    print(f"wrote {target.relative_to(REPO)}")


def main() -> int:
    _app = QGuiApplication(sys.argv[:1])
    renderer = QSvgRenderer(str(ICONS / "annotator.svg"))
    if not renderer.isValid():
        raise SystemExit("the SVG is not valid")
    render(renderer, 256, ICONS / "annotator.png")
    for size in SIZES:
        render(renderer, size, ICONS / "hicolor" / f"{size}x{size}" / "apps" / "annotator.png")
    return 0


if __name__ == "__main__":
    sys.exit(main())
