"""Argument parsing and dispatch; user mistakes become one-line messages.

Exit codes: 0 all went well, 1 partly failed, 2 usage or input error.
"""

from __future__ import annotations

import argparse
import logging
import signal
import sys
from collections.abc import Sequence
from types import ModuleType

from annotator import __version__
from annotator.cli import (
    cmd_adjudicate,
    cmd_agreement,
    cmd_assign,
    cmd_backup,
    cmd_comments,
    cmd_copy,
    cmd_docs,
    cmd_export,
    cmd_import,
    cmd_info,
    cmd_install_desktop,
    cmd_migrate,
    cmd_new,
    cmd_open,
    cmd_progress,
    cmd_roles,
    cmd_search,
    cmd_suggest,
)
from annotator.core.errors import DatabaseProblem, InputProblem, SaveFailed

EXIT_OK, EXIT_PARTIAL, EXIT_USAGE = 0, 1, 2

SUBCOMMANDS: tuple[ModuleType, ...] = (
    cmd_new,
    cmd_import,
    cmd_docs,
    cmd_info,
    cmd_open,
    cmd_agreement,
    cmd_export,
    cmd_migrate,
    cmd_copy,
    cmd_backup,
    cmd_assign,
    cmd_roles,
    cmd_comments,
    cmd_progress,
    cmd_adjudicate,
    cmd_suggest,
    cmd_search,
    cmd_install_desktop,
)
"""Each module has register(subparsers), which sets the handler as `func`."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="annotator",
        description=(
            "Mark claims, quotes and entities in news articles, compare annotators "
            "and export labeled datasets. Without a command, opens the window on the "
            "last project (or the welcome screen the first time)."
        ),
    )
    parser.add_argument("--version", action="version", version=f"annotator {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for module in SUBCOMMANDS:
        module.register(sub)
    return parser


class _Notices(logging.Handler):
    """Warnings the lower layers log (logger "annotator") as lines on stderr."""

    def emit(self, record: logging.LogRecord) -> None:
        print(record.getMessage(), file=sys.stderr)


def _show_notices() -> None:
    logger = logging.getLogger("annotator")
    if not any(isinstance(h, _Notices) for h in logger.handlers):
        logger.addHandler(_Notices(logging.WARNING))


def main(argv: Sequence[str] | None = None) -> int:
    _show_notices()
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        args = parser.parse_args(["open"])
    try:
        try:
            code: int = args.func(args)
        except Exception as exc:
            if _during_interrupt(exc):
                raise KeyboardInterrupt from None
            raise
    except InputProblem as problem:
        print(f"annotator: {problem}", file=sys.stderr)
        return EXIT_USAGE
    except SaveFailed as problem:  # full disk, read-only folder, lost server
        print(f"annotator: {problem}", file=sys.stderr)
        return EXIT_PARTIAL
    except DatabaseProblem as problem:
        print(f"annotator: {problem}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("annotator: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return EXIT_OK
    return code


def _during_interrupt(exc: BaseException) -> bool:
    """Whether an error arose while unwinding from Ctrl-C (a database
    connection cut mid-read, say): the interruption is what to report."""
    seen: set[int] = set()
    cause: BaseException | None = exc
    while cause is not None and id(cause) not in seen:
        if isinstance(cause, KeyboardInterrupt):
            return True
        seen.add(id(cause))
        cause = cause.__context__
    return False


def run() -> None:
    try:
        code = main()
    except KeyboardInterrupt:  # after main's own handling, before the line below
        print("annotator: interrupted", file=sys.stderr)
        code = 130
    # The work is done and reported: a Ctrl-C while the interpreter shuts down
    # would otherwise kill the process without a word (exit status -2).
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    sys.exit(code)
