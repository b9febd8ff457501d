"""The permissions of the files the program writes by renaming a finished copy.

Exports, backups and project.yaml are written to a temporary file first
(``tempfile.mkstemp``, ``mkdtemp``) and renamed into place when complete. Those
functions create their files for their owner alone (0600, folders 0700), and
the rename keeps that: a colleague could not read an export written into a
shared folder. So each finished copy is given the permissions its name would
have had written the plain way: the replaced file's own, or what the user's
umask allows a new file or folder.
"""

from __future__ import annotations

import contextlib
import os
import stat
import threading
from pathlib import Path

_UMASK_LOCK = threading.Lock()


def current_umask() -> int:
    """This process's umask, read without changing it where the system can say
    (Linux's /proc: no window for another thread to create a file with a zero
    umask); else set and put back at once."""
    try:
        with open("/proc/self/status", encoding="ascii", errors="replace") as status:
            for line in status:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    with _UMASK_LOCK:
        mask = os.umask(0o022)
        os.umask(mask)
    return mask


def new_file_mode(target: Path | str, *, folder: bool = False) -> int:
    """The permission bits for ``target``'s finished copy: those of the file
    (or folder) it replaces, else a new one's under the umask."""
    try:
        info = os.stat(target)
    except OSError:
        info = None
    if info is not None and stat.S_ISDIR(info.st_mode) == folder:
        return stat.S_IMODE(info.st_mode)
    return (0o777 if folder else 0o666) & ~current_umask()


def give_mode(path: Path | str, target: Path | str, *, folder: bool = False) -> None:
    """Give the temporary ``path`` the permissions ``target`` should end with,
    where the file system keeps permissions (FAT and some network shares refuse
    a chmod: the file is written all the same, as a plain write would be)."""
    with contextlib.suppress(OSError):
        os.chmod(path, new_file_mode(target, folder=folder))
