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
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from annotator.io.errors import InputProblem

MB = 1 << 20
DEFAULT_MAX_FILE_MB = 256
DEFAULT_MAX_FILE_BYTES = DEFAULT_MAX_FILE_MB * MB
MAX_FILE_SETTING = "settings.max_file_mb in project.yaml"
"""Where the limit on an input file's size is set, for the message."""


def walk_folder(root: Path) -> Iterator[Path | InputProblem]:
    """The files under ``root`` in sorted order, hidden files and folders left
    out; a folder that cannot be listed (no permission) is an
    :class:`InputProblem` naming it, where a plain walk would skip it unsaid."""
    unreadable: list[OSError] = []
    for folder, subfolders, names in os.walk(root, onerror=unreadable.append):
        yield from _folder_problems(unreadable)
        subfolders[:] = sorted(d for d in subfolders if not d.startswith("."))
        for name in sorted(names):
            if not name.startswith("."):
                yield Path(folder, name)
    yield from _folder_problems(unreadable)


def _folder_problems(errors: list[OSError]) -> Iterator[InputProblem]:
    while errors:
        exc = errors.pop(0)
        yield InputProblem(exc.filename, f"cannot read the folder ({exc.strerror or exc})")


def _open_fd(path: Path | str, limit: int | None, setting: str) -> tuple[int, int]:
    """(descriptor, size) of a regular file within ``limit``, opened without blocking
    (a FIFO would wait for a writer), checked on the open descriptor."""
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
    except BaseException:
        os.close(fd)
        raise
    return fd, info.st_size  # O_NONBLOCK means nothing to a regular file


def open_regular(path: Path | str, limit: int | None = None, setting: str = "") -> BinaryIO:
    """Open a regular file for reading; raise :class:`InputProblem` for anything else
    or for a file over ``limit`` bytes (by its size on disk). ``setting`` names
    what sets the limit, for the message."""
    fd, _ = _open_fd(path, limit, setting)
    return os.fdopen(fd, "rb")


def read_regular(path: Path | str, limit: int | None = None, setting: str = "") -> bytes:
    """The bytes of a regular file of at most ``limit`` bytes (InputProblem otherwise)."""
    fd, size = _open_fd(path, limit, setting)
    try:
        return _read_fd(fd, size, 0, path, limit, setting)
    finally:
        os.close(fd)


def read_to_end(f: BinaryIO, path: Path | str, limit: int | None, setting: str = "") -> bytes:
    """The rest of an open file (see :func:`_read_fd`)."""
    start = f.tell()
    fd = f.fileno()
    os.lseek(fd, start, os.SEEK_SET)
    return _read_fd(fd, os.fstat(fd).st_size, start, path, limit, setting)


def _read_fd(
    fd: int, size: int, total: int, path: Path | str, limit: int | None, setting: str
) -> bytes:
    """Read to the end, but never more than ``limit + 1`` bytes in all: a file that
    grows while it is read (or whose size lied) is refused, not read on. Reads
    ask for the size the file has (a read of ``limit`` bytes would allocate it)."""
    chunks: list[bytes] = []
    try:
        while True:
            want = max(size - total, 0) + 1 if total <= size else 1 << 20
            if limit is not None:
                want = min(want, limit + 1 - total)
            data = os.read(fd, want)
            if not data:
                break
            chunks.append(data)
            total += len(data)
            if limit is not None and total > limit:
                raise InputProblem(path, too_large(limit, setting))
    except OSError as exc:
        raise InputProblem(path, f"cannot read the file ({exc.strerror or exc})") from exc
    return chunks[0] if len(chunks) == 1 else b"".join(chunks)


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
