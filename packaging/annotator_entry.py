"""The PyInstaller bundle's entry point: the `annotator` command.

With arguments it is the command line (``annotator new``, ``annotator export``,
...); without, it opens the window, exactly like the pip-installed command.
"""

import multiprocessing

from annotator.cli.app import run

if __name__ == "__main__":
    multiprocessing.freeze_support()
    run()
