"""Write the tables of keys in docs/guide.md from the windows' actions.

Run: ``.venv/bin/python scripts/gen_shortcuts.py`` after changing a key, a menu
text or what an action does in annotator/ui/actions.py. It rewrites the text
between each ``<!-- shortcuts:NAME:begin -->`` and ``<!-- shortcuts:NAME:end -->``
(NAME is ``main`` or ``compare``) and leaves the rest of the guide alone.
``--check`` changes nothing and fails when the guide is out of date
(tests/ui/test_actions.py does the same).
"""

from __future__ import annotations

import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from annotator.ui.actions import fill_shortcut_tables  # noqa: E402

GUIDE = REPO / "docs" / "guide.md"


def main(argv: list[str]) -> int:
    text = GUIDE.read_text(encoding="utf-8")
    wanted = fill_shortcut_tables(text)
    if "--check" in argv:
        if wanted != text:
            print(f"{GUIDE} is out of date: run scripts/gen_shortcuts.py", file=sys.stderr)
            return 1
        return 0
    if wanted != text:
        GUIDE.write_text(wanted, encoding="utf-8")
        print(f"wrote the tables of keys in {GUIDE}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
