"""Pausing Python's cyclic garbage collector around a bulk read or computation.

Reading or computing over hundreds of thousands of spans allocates tuples and
small objects in bursts; none of them form cycles, yet each burst sets off
collections that walk every live object (a window's, the spans already read).
Export, import, agreement and the window's document read pause it for their
block and put it back as it was.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def gc_paused() -> Iterator[None]:
    """No cyclic garbage collection for the block (then as it was before)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
