"""`annotator install-desktop`: the application menu entry, icon and file type (Linux).

Writes, for the current user only (no root needed), following the
freedesktop.org specifications:

* ``$XDG_DATA_HOME/applications/annotator.desktop``: the menu entry, whose
  ``Exec`` names the program that ran this command (the bundle's executable,
  the pipx/pip ``annotator`` script, or ``python -m annotator``);
* ``$XDG_DATA_HOME/icons/hicolor/*/apps/annotator.{png,svg}``: the icon;
* ``$XDG_DATA_HOME/mime/packages/annotator.xml``: the type
  ``application/x-annotator-project`` for files named ``project.yaml``;
* ``$XDG_CONFIG_HOME/mimeapps.list``: Annotator as that type's default
  application, so double-clicking a project's project.yaml opens the project.

``$XDG_DATA_HOME`` defaults to ``~/.local/share`` and ``$XDG_CONFIG_HOME`` to
``~/.config``. ``--uninstall`` removes all of it again.
"""

from __future__ import annotations

import argparse
import configparser
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

from annotator.paths import ICONS_DIR, RESOURCES_DIR, is_frozen

DESKTOP_ID = "annotator.desktop"
MIME_TYPE = "application/x-annotator-project"
ICON_NAME = "annotator"
MIMEAPPS_SECTION = "Default Applications"


def register(parser: argparse.ArgumentParser) -> None:
    parser.description = (
        "Install the application menu entry, the icon and the project file type for "
        "the current user (under $XDG_DATA_HOME, default ~/.local/share), so Annotator "
        "appears in the application menu and a project's project.yaml opens with it "
        "from the file manager. Run it again after moving the program."
    )
    parser.add_argument(
        "--uninstall", action="store_true", help="remove what install-desktop installed"
    )
    parser.set_defaults(func=run)


@dataclass
class DesktopPlaces:
    data_home: Path
    config_home: Path
    written: list[Path] = field(default_factory=list)

    @classmethod
    def from_environment(cls) -> DesktopPlaces:
        home = Path.home()
        data = os.environ.get("XDG_DATA_HOME") or str(home / ".local" / "share")
        config = os.environ.get("XDG_CONFIG_HOME") or str(home / ".config")
        return cls(Path(data), Path(config))

    @property
    def desktop_file(self) -> Path:
        return self.data_home / "applications" / DESKTOP_ID

    @property
    def mime_file(self) -> Path:
        return self.data_home / "mime" / "packages" / "annotator.xml"

    @property
    def mimeapps(self) -> Path:
        return self.config_home / "mimeapps.list"

    def icon_files(self) -> dict[Path, Path]:
        """Installed icon -> shipped file."""
        hicolor = self.data_home / "icons" / "hicolor"
        icons = {hicolor / "scalable" / "apps" / f"{ICON_NAME}.svg": ICONS_DIR / f"{ICON_NAME}.svg"}
        shipped = ICONS_DIR / "hicolor"
        if shipped.is_dir():
            for png in sorted(shipped.glob(f"*/apps/{ICON_NAME}.png")):
                icons[hicolor / png.relative_to(shipped)] = png
        return icons


def launch_command() -> list[str]:
    """How the menu entry starts this same program."""
    if is_frozen():
        return [sys.executable]
    script = Path(sys.argv[0]) if sys.argv and sys.argv[0] else None
    if script is not None and script.name == "annotator" and script.exists():
        return [str(script.resolve())]
    found = shutil.which("annotator")
    if found:
        return [str(Path(found).resolve())]
    return [sys.executable, "-m", "annotator"]


def _quote_exec(argument: str) -> str:
    """Quote one Exec argument (Desktop Entry Specification, "The Exec key")."""
    if not any(c in argument for c in " \t\n\"'\\><~|&;$*?#()`"):
        return argument
    escaped = "".join(f"\\{c}" if c in '"`$\\' else c for c in argument)
    return f'"{escaped}"'


def desktop_entry(command: list[str]) -> str:
    template = (RESOURCES_DIR / "annotator.desktop").read_text(encoding="utf-8")
    program = " ".join(_quote_exec(part) for part in command)
    lines = []
    for line in template.splitlines():
        if line.startswith("Exec="):
            line = f"Exec={program} open %f"
        elif line.startswith("TryExec="):
            line = f"TryExec={command[0]}"
        lines.append(line)
    return "\n".join(lines) + "\n"


def _read_mimeapps(path: Path) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(interpolation=None, delimiters=("=",))
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    if path.exists():
        parser.read(path, encoding="utf-8")
    return parser


def _write_mimeapps(parser: configparser.ConfigParser, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as handle:
        parser.write(handle, space_around_delimiters=False)


def _refresh_caches(places: DesktopPlaces) -> None:
    """Ask the desktop to notice the changes (the tools are optional)."""
    for tool, folder in (
        ("update-mime-database", places.data_home / "mime"),
        ("update-desktop-database", places.data_home / "applications"),
        ("gtk-update-icon-cache", places.data_home / "icons" / "hicolor"),
    ):
        if shutil.which(tool) and folder.is_dir():
            options = ["-f", "-t", "-q"] if tool == "gtk-update-icon-cache" else []
            subprocess.run(
                [tool, *options, str(folder)],
                check=False,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )


def install(places: DesktopPlaces, command: list[str] | None = None) -> list[Path]:
    """Write the menu entry, icons, file type and association; returns the files."""
    command = command or launch_command()
    written: list[Path] = []
    places.desktop_file.parent.mkdir(parents=True, exist_ok=True)
    places.desktop_file.write_text(desktop_entry(command), encoding="utf-8")
    written.append(places.desktop_file)
    for target, source in places.icon_files().items():
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target)
        written.append(target)
    places.mime_file.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(RESOURCES_DIR / "annotator-mime.xml", places.mime_file)
    written.append(places.mime_file)
    mimeapps = _read_mimeapps(places.mimeapps)
    if not mimeapps.has_section(MIMEAPPS_SECTION):
        mimeapps.add_section(MIMEAPPS_SECTION)
    mimeapps.set(MIMEAPPS_SECTION, MIME_TYPE, f"{DESKTOP_ID};")
    _write_mimeapps(mimeapps, places.mimeapps)
    written.append(places.mimeapps)
    _refresh_caches(places)
    return written


def uninstall(places: DesktopPlaces) -> list[Path]:
    """Remove what :func:`install` wrote; returns the files removed or changed."""
    removed: list[Path] = []
    for path in (places.desktop_file, places.mime_file, *places.icon_files()):
        if path.exists():
            path.unlink()
            removed.append(path)
    if places.mimeapps.exists():
        mimeapps = _read_mimeapps(places.mimeapps)
        if mimeapps.has_section(MIMEAPPS_SECTION) and mimeapps.remove_option(
            MIMEAPPS_SECTION, MIME_TYPE
        ):
            _write_mimeapps(mimeapps, places.mimeapps)
            removed.append(places.mimeapps)
    _refresh_caches(places)
    return removed


def run(args: argparse.Namespace) -> int:
    places = DesktopPlaces.from_environment()
    if args.uninstall:
        removed = uninstall(places)
        for path in removed:
            print(f"removed {path}")
        if not removed:
            print("Nothing to remove: the desktop integration was not installed.")
        return 0
    if sys.platform != "linux":
        print(
            "annotator: install-desktop is for Linux desktops; on Windows and macOS the "
            "installer or the app bundle adds Annotator to the menu (see docs/install.md)",
            file=sys.stderr,
        )
        return 2
    for path in install(places):
        print(f"wrote {path}")
    print("Annotator is in the application menu; project.yaml files open with it.")
    return 0
