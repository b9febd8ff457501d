"""Argument parsing and dispatch; user mistakes become one-line messages.

Exit codes: 0 all went well, 1 partly failed, 2 usage or input error.

Start-up (issue 14): the parser is built from :data:`COMMANDS`, each command's
name and its line in ``annotator --help``, so ``--help`` and ``--version``
load no command. A command's module, ``annotator/cli/cmd_NAME.py``, is
imported only once the command line names it: its ``register(parser)`` adds
the description and arguments (and ``func``, the handler), declared with
light imports only, so ``annotator NAME --help`` is quick too; its handler
imports the application code it works with when it runs.
tests/cli/test_startup.py keeps it that way.
"""

from __future__ import annotations

import argparse
import importlib
import signal
import sys
from collections.abc import Sequence
from typing import Any

from annotator import __version__
from annotator.core.errors import DatabaseProblem, InputProblem, SaveFailed

EXIT_OK, EXIT_PARTIAL, EXIT_USAGE = 0, 1, 2

COMMANDS: dict[str, str] = {
    "new": "create a project folder (project.yaml and a database)",
    "import": "add articles from files and folders",
    "docs": "list the documents of a project",
    "info": "show a project's schema and counts",
    "open": "open the annotation window",
    "agreement": "inter-annotator agreement: span F1, Cohen's kappa, Krippendorff's alpha",
    "export": "write a labeled dataset (native JSONL, doccano, prodigy, brat, conll, csv)",
    "migrate": "upgrade a project's database to this program's version",
    "copy": "copy a project to another folder or database (SQLite <-> PostgreSQL)",
    "backup": "copy a project's database now",
    "restore": "put a backup in place of a SQLite project's database",
    "assign": "assign documents to annotators, by hand or round-robin",
    "roles": "list who is a reviewer; a reviewer changes roles",
    "comments": "list a document's comment threads, or add a comment or reply",
    "progress": "documents done per annotator and spans per label",
    "adjudicate": "accept the spans two annotators agree on into the gold layer",
    "suggest": "list suggested spans, or store them with --accept",
    "search": "find documents by their words",
    "entities": "list the project's entities and their mentions across articles",
    "install-desktop": (
        "add Annotator to the application menu and open project.yaml with it (Linux)"
    ),
}
"""Every command in the order ``annotator --help`` lists them, with its line there."""


def command_module_name(command: str) -> str:
    """The module of a command: ``install-desktop`` is ``annotator.cli.cmd_install_desktop``."""
    return f"annotator.cli.cmd_{command.replace('-', '_')}"


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message}\n")


class _Commands(argparse._SubParsersAction):  # type: ignore[type-arg]
    """The commands' parsers, made empty; the one the command line names gets its
    arguments from its module (``register``) just before it parses the rest."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._registered: set[str] = set()

    def __call__(
        self,
        parser: argparse.ArgumentParser,
        namespace: argparse.Namespace,
        values: Any,
        option_string: str | None = None,
    ) -> None:
        command = values[0]  # argparse has checked that it is one of COMMANDS
        if command not in self._registered:
            module = importlib.import_module(command_module_name(command))
            module.register(self._name_parser_map[command])
            self._registered.add(command)
        super().__call__(parser, namespace, values, option_string)


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
    sub = parser.add_subparsers(
        dest="command", metavar="COMMAND", parser_class=_Parser, action=_Commands
    )
    for command, line in COMMANDS.items():
        sub.add_parser(command, help=line)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        args = parser.parse_args(["open"])
    from annotator.cli.notices import show_notices  # here: --help needs no logging

    show_notices()
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
    # CPython marks a Ctrl-C that landed inside exec() of a string (SQLAlchemy
    # builds its compilers that way) as unhandled, and at exit would kill the
    # process by SIGINT though it was handled; exec() of any string clears it.
    exec("None")
    sys.exit(code)
