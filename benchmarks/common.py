"""Helpers shared by the benchmark scripts: timing, memory, tables, text generation."""

from __future__ import annotations

import os
import random
import resource
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

WORDS = [
    "the",
    "minister",
    "said",
    "government",
    "talks",
    "officials",
    "region",
    "trade",
    "sanctions",
    "border",
    "president",
    "election",
    "parliament",
    "economy",
    "market",
    "agreement",
    "security",
    "visit",
    "capital",
    "Kazakhstan",
    "Uzbekistan",
    "Astana",
    "Tashkent",
    "Blinken",
    "Moscow",
    "Ukraine",
    "Russia",
    "invasion",
    "according",
    "reporters",
    "spokesperson",
    "announced",
    "Tuesday",
    "statement",
    "committee",
    "energy",
    "pipeline",
    "investment",
    "growth",
    "inflation",
    "protest",
    "court",
    "ruling",
    "decision",
    "vote",
]


def article(
    rng: random.Random, size: int = 5000, *, commas: bool = False, flag: str = " 🇰🇿"
) -> str:
    """About `size` characters of news-like text, with quotes (and an emoji flag)."""
    parts: list[str] = []
    length = 0
    while length < size:
        words = [rng.choice(WORDS) for _ in range(rng.randint(8, 20))]
        if commas and rng.random() < 0.3:
            words[rng.randrange(len(words))] += ","
        sentence = " ".join(words)
        sentence = sentence[0].upper() + sentence[1:] + "."
        if rng.random() < 0.2:
            sentence = f"“{sentence}” the spokesperson said{flag}."
        parts.append(sentence)
        length += len(sentence) + 1
        if rng.random() < 0.15:
            parts.append("\n\n")
    return " ".join(parts)


def timed(fn: Callable[[], Any], repeat: int = 1) -> float:
    """Best wall time of `repeat` runs, in seconds."""
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def installed_env(cache: Path, base: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment for a measured process that keeps Python's compiled modules
    between runs, as an installed program has them (pip compiles them at install):
    in ``cache`` (PYTHONPYCACHEPREFIX), even where PYTHONDONTWRITEBYTECODE is set, as
    on this machine, where each start would otherwise compile every changed module
    again. Run the command once, uncounted, before timing it."""
    env = dict(os.environ if base is None else base, PYTHONPYCACHEPREFIX=str(cache))
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def print_table(title: str, headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    cells = [list(map(str, headers)), *[list(map(str, r)) for r in rows]]
    widths = [max(len(r[i]) for r in cells) for i in range(len(headers))]
    print(f"\n{title}")
    for n, row in enumerate(cells):
        print("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)))
        if n == 0:
            print("  ".join("-" * w for w in widths))
