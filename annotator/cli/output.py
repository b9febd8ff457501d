"""Printing tables and JSON for the command line."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import Any


def print_json(data: Any) -> None:
    import orjson  # here, not at the top: `annotator COMMAND --help` never needs it

    sys.stdout.write(orjson.dumps(data, option=orjson.OPT_INDENT_2).decode() + "\n")


def print_table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    cells = [[str(c) for c in headers], *[[str(c) for c in row] for row in rows]]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    for n, row in enumerate(cells):
        sys.stdout.write(
            "  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip() + "\n"
        )
        if n == 0:
            sys.stdout.write("  ".join("-" * w for w in widths) + "\n")


def warn(message: str) -> None:
    print(f"annotator: {message}", file=sys.stderr)


def warn_unknown_labels(asked: Sequence[str] | None, known: Sequence[str]) -> None:
    """``--label`` names the schema lacks: said, since they match only spans stored so."""
    unknown = sorted(set(asked or ()) - set(known))
    if unknown:
        warn(f"labels not in the schema (matched only if stored): {', '.join(unknown)}")
