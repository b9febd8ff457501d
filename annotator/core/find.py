"""Find in one document: every match of a string or a regular expression.

Offsets are code points of the text, as everywhere outside the Qt boundary.
Case-insensitive matching folds case character by character (simple case
folding, as ``re.IGNORECASE``), so a match never changes length and its offsets are
those of the text itself.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

FIND_SECONDS = 1.0
"""How long one search of one document may run."""


class FindError(ValueError):
    """A query that cannot be used (a regular expression that does not compile)."""

    summary = "bad pattern"
    """A word or two for a narrow place (the find bar's count)."""


class FindTooSlow(FindError):
    """A pattern stopped at the time bound (it backtracks without end)."""

    summary = "too slow"


@dataclass(frozen=True, slots=True)
class FindOptions:
    regex: bool = False
    case_sensitive: bool = False
    whole_word: bool = False


@lru_cache(maxsize=32)
def compile_query(query: str, options: FindOptions = FindOptions()) -> Any:
    """The regular expression for a query; raises :class:`FindError` for a bad one."""
    # The regex package: Python's ``re`` syntax, plus a time bound on matching, so a
    # pattern that backtracks without end is stopped instead of freezing the window.
    # Imported on the first search: the window's start does not wait for it (issue 14).
    import regex

    if not query:
        raise FindError("nothing to find")
    body = query if options.regex else regex.escape(query)
    if options.whole_word:
        body = rf"(?<!\w)(?:{body})(?!\w)"
    try:  # Python's own words for a bad pattern: the ones users know from anywhere else
        re.compile(body, 0 if options.case_sensitive else re.IGNORECASE)
        return regex.compile(
            body, regex.VERSION0 | (0 if options.case_sensitive else regex.IGNORECASE)
        )
    except (re.error, regex.error) as exc:
        raise FindError(f"not a valid regular expression: {exc}") from exc


def iter_matches(pattern: Any, text: str, seconds: float = FIND_SECONDS) -> Iterator[Any]:
    """``pattern.finditer(text)`` stopped with :class:`FindError` past ``seconds``."""
    try:
        yield from pattern.finditer(text, timeout=seconds)
    except TimeoutError:
        raise FindTooSlow(
            f"stopped after {seconds:g} s: the pattern backtracks too much on this text"
        ) from None


def find_all(
    text: str, query: str, options: FindOptions = FindOptions(), *, limit: int | None = None
) -> list[tuple[int, int]]:
    """(start, end) of every non-empty, non-overlapping match, in text order."""
    pattern = compile_query(query, options)
    found: list[tuple[int, int]] = []
    for m in iter_matches(pattern, text):
        if m.end() > m.start():
            found.append(m.span())
            if limit is not None and len(found) >= limit:
                break
    return found


def next_match(matches: list[tuple[int, int]], position: int, *, backward: bool = False) -> int:
    """Index of the match after (or before) ``position``, wrapping round; -1 if none."""
    if not matches:
        return -1
    if backward:
        for i in range(len(matches) - 1, -1, -1):
            if matches[i][0] < position:
                return i
        return len(matches) - 1
    for i, (start, _) in enumerate(matches):
        if start >= position:
            return i
    return 0
