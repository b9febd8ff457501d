"""Guards for the Qt binding itself (docs/design.md, "Known pitfalls").

PySide6 6.12.0 on CPython 3.11 lowers the reference count of None on every
call of a void Qt method, and the process aborts ("none_dealloc") after a few
thousand calls. The article view makes such calls by the thousand, so a
return of that bug must fail the tests rather than crash the program. The
calls run in a subprocess: an abort there is a failed test here, not a
dead test run.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

VOID_CALLS = 20_000

SCRIPT = textwrap.dedent(
    f"""
    import sys
    from PySide6.QtGui import QTextCharFormat, QTextCursor, QTextDocument
    from PySide6.QtWidgets import QApplication

    app = QApplication([])
    document = QTextDocument()
    document.setPlainText("word " * 1000)
    cursor = QTextCursor(document)
    fmt = QTextCharFormat()
    before = sys.getrefcount(None)
    for i in range({VOID_CALLS}):
        cursor.setPosition(i % 4000)          # void
        cursor.setPosition(i % 4000 + 1, QTextCursor.MoveMode.KeepAnchor)
        if i % 10 == 0:
            cursor.mergeCharFormat(fmt)       # void
    after = sys.getrefcount(None)
    print("refcount-drift", before - after)
    print("survived")
    """
)


def test_many_void_qt_calls_leave_none_alone() -> None:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )
    assert result.returncode == 0, f"the process died ({result.returncode}): {result.stderr[-500:]}"
    assert "survived" in result.stdout
    drift = int(result.stdout.split("refcount-drift")[1].split()[0])
    # A leaking binding loses one reference per call: tens of thousands.
    assert abs(drift) < 1000, f"None lost {drift} references over {VOID_CALLS} calls"
