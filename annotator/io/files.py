"""Opening input files safely: regular files only, and never more than a limit.

A folder to import may hold a FIFO (reading it waits for a writer forever), a
device or a symbolic link to one (``/dev/zero`` never ends), or a file far
larger than any article. Every input is opened without blocking, checked to be
a regular file after symbolic links are followed, and read up to its limit:
one byte more than the limit is read to tell that it is over, never the rest.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import BinaryIO

from annotator.io.errors import InputProblem

MB = 1 << 20
DEFAULT_MAX_FILE_MB = 256
DEFAULT_MAX_FILE_BYTES = DEFAULT_MAX_FILE_MB * MB
MAX_FILE_SETTING = "settings.max_file_mb in project.yaml"
"""Where the limit on an input file's size is set, for the message."""


def open_regular(path: Path | str, limit: int | None = None, setting: str = "") -> BinaryIO:
    """Open a regular file for reading; raise :class:`InputProblem` for anything else
    or for a file over ``limit`` bytes (by its size on disk). ``setting`` names
    what sets the limit, for the message."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except OSError as exc:
        raise InputProblem(path, f"cannot read the file ({exc.strerror or exc})") from exc
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise InputProblem(path, f"not read: {file_kind(info.st_mode)}, not a regular file")
        if limit is not None and info.st_size > limit:
            raise InputProblem(path, too_large(limit, setting, info.st_size))
        if hasattr(os, "set_blocking"):
            os.set_blocking(fd, True)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def read_regular(path: Path | str, limit: int | None = None, setting: str = "") -> bytes:
    """The bytes of a regular file of at most ``limit`` bytes (InputProblem otherwise).

    The file is read to ``limit + 1`` bytes at most, so one that grows while it
    is read is refused too, not read forever.
    """
    with open_regular(path, limit, setting) as f:
        try:
            data = f.read() if limit is None else f.read(limit + 1)
        except OSError as exc:
            raise InputProblem(path, f"cannot read the file ({exc.strerror or exc})") from exc
    if limit is not None and len(data) > limit:
        raise InputProblem(path, too_large(limit, setting))
    return data


def too_large(limit: int, setting: str = "", size: int | None = None) -> str:
    """The message for a file over its limit."""
    what = f"{_size(size)}, over" if size is not None else "over"
    hint = f" ({setting})" if setting else ""
    return f"not read: {what} the limit of {_size(limit)}{hint}"


def file_kind(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a named pipe (FIFO)"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "a special file"


def _size(n: int) -> str:
    return f"{n / MB:.1f} MB" if n >= MB else f"{n:,} bytes"
