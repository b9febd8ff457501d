"""Argument types the commands share."""

from __future__ import annotations

import argparse

MAX_ID = 2**31 - 1
"""The largest id a record has: PostgreSQL's integer (SQLite's go further, but
a project must move between the two)."""


def record_id(text: str) -> int:
    """A document, span or comment id as given: a whole number from 1 to
    :data:`MAX_ID`, or a usage error (a larger one reached the database and
    came back as a traceback)."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not an id (a whole number)") from None
    if not 1 <= value <= MAX_ID:
        raise argparse.ArgumentTypeError(f"{value} is not an id: ids run from 1 to {MAX_ID:,}")
    return value
