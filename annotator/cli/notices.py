"""Warnings the lower layers log (logger "annotator") as lines on stderr.

A module of its own so that `annotator --help` does not import logging.
"""

from __future__ import annotations

import logging
import sys


class _Notices(logging.Handler):
    def emit(self, record: logging.LogRecord) -> None:
        print(record.getMessage(), file=sys.stderr)


def show_notices() -> None:
    """Print the "annotator" logger's warnings on stderr (once, however often called)."""
    logger = logging.getLogger("annotator")
    if not any(isinstance(h, _Notices) for h in logger.handlers):
        logger.addHandler(_Notices(logging.WARNING))
