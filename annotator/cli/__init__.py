"""The `annotator` command. Never imports the window except to launch it."""

from annotator.cli.app import main

__all__ = ["main"]
