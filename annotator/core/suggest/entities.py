"""Entity suggestions from names (a dictionary of earlier spans, gazetteers) and regex rules.

Names are matched word by word, not with one big regular expression: the
text is scanned once for words, and only a word that starts some name is
looked at further (a dict lookup). The cost is one pass over the text
whatever the size of the dictionary.

Matching is on whole words, the longest name first, and tolerant of
whitespace (a name may be split over a line break) and of the apostrophe
(' or ’). The possessive is not part of a name: "Blinken's" gives "Blinken",
and a span annotated as "Blinken’s" enters the dictionary as "Blinken".

Case, per term: ``smart`` (default) accepts the name as written, in capitals
(headlines), and in any case when the name itself is all lowercase; a name
with capitals does not match the same word in lowercase ("Apple" is not
"apple"). ``exact`` accepts only the name as written; ``ignore`` any case.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from annotator.core.suggest.types import RULE_SECONDS, RegexRule, Suggestion, Term

_WORDS = re.compile(r"\w+")
TRIE_WORDS = 5000
"""Up to this many first words, the trie regex is made of all of them (and cached)."""
_SPACES = re.compile(r"\s+")
_POSSESSIVE = re.compile(r"(?:['’]s|(?<=s)['’])$", re.IGNORECASE)


def normalise_name(name: str) -> str:
    """The dictionary form of an annotated name: trimmed, one space, no possessive."""
    name = _SPACES.sub(" ", name.strip())
    return _POSSESSIVE.sub("", name).strip()


def lower_text(text: str) -> str:
    """``text`` in lowercase with ’ as ', keeping every character at its offset."""
    low = text.lower()
    if len(low) != len(text):  # a few characters lowercase to two (İ): keep those as they are
        low = "".join(c if len(c.lower()) != 1 else c.lower() for c in text)
    return low.replace("’", "'")


@dataclass(slots=True)
class _Entry:
    term: Term
    key: str
    """The name in lowercase with ' for ’."""
    lead: int
    """Characters before the first word ("#" of "#G20")."""
    words: list[str]
    simple: bool = False
    """One word and nothing else (the common case, checked fastest)."""
    _loose: re.Pattern[str] | None = field(default=None)

    def loose(self) -> re.Pattern[str]:
        """The name with any whitespace between words (compiled on first use)."""
        if self._loose is None:
            parts = [re.escape(p) for p in self.key.split(" ")]
            self._loose = re.compile(r"\s+".join(parts))
        return self._loose


class TermMatcher:
    """Finds every term in a text; built once per set of terms."""

    def __init__(self, terms: Iterable[Term]) -> None:
        self._index: dict[str, list[_Entry]] = {}
        self._labels: dict[str, str] = {}
        seen: set[str] = set()
        for term in terms:
            name = normalise_name(term.text)
            key = lower_text(name)
            words = _WORDS.findall(key)
            if not words or len(name) < 2 or key in seen:
                continue  # the first term of a name wins (the dictionary comes first)
            seen.add(key)
            lead = _WORDS.search(key)
            entry = _Entry(Term(name, term.label, term.source, term.case), key,
                           lead.start() if lead else 0, words, key == words[0])  # fmt: skip
            self._labels[key] = term.label
            self._index.setdefault(words[0], []).append(entry)
        for entries in self._index.values():
            entries.sort(key=lambda e: -len(e.key))
        self._first = frozenset(self._index)

    def label_of(self, name: str) -> str | None:
        """The label of a name in the dictionary, if it is there."""
        return self._labels.get(lower_text(normalise_name(name)))

    def __len__(self) -> int:
        return sum(len(v) for v in self._index.values())

    def find(self, text: str, low: str | None = None) -> list[Suggestion]:
        if not self._index:
            return []
        low = lower_text(text) if low is None else low
        # Only words that start some name are visited, found by one regex (a trie
        # of those words). A very large dictionary is first cut down to the
        # words that occur in this text (findall and a set run in C).
        words = self._first
        if len(words) > TRIE_WORDS:
            words = frozenset(words & set(_WORDS.findall(low)))
            if not words:
                return []
        index = self._index
        found: list[Suggestion] = []
        add = found.append
        n = len(low)
        covered = 0
        for m in _first_words(words).finditer(low):
            at = m.start()
            if at < covered or (at and _is_word(low[at - 1])):
                continue  # inside a name found already, or not at the start of a word
            word = m.group()
            for entry in index[word]:
                if entry.simple:  # a one-word name: the regex found it whole
                    start = at
                    end = at + len(word)
                else:
                    start = at - entry.lead
                    if start < 0 or (entry.lead and start > 0 and low[start - 1].isalnum()):
                        continue
                    if low.startswith(entry.key, start):
                        end = start + len(entry.key)
                    else:
                        if len(entry.words) < 2:
                            continue
                        loose = entry.loose().match(low, start)
                        if loose is None:
                            continue
                        end = loose.end()
                    if end < n and _is_word(low[end]) and _is_word(low[end - 1]):
                        continue  # not a whole word: "Blinken" in "Blinkens"
                surface = text[start:end]
                term = entry.term
                if surface != term.text and term.case != "ignore" and not _case_ok(surface, term):
                    continue
                add(Suggestion(term.label, start, end, surface, term.source))
                covered = end
                break
        return found


@lru_cache(maxsize=64)
def _first_words(words: frozenset[str]) -> re.Pattern[str]:
    """A regex for these whole words, as a trie (Python's re does not merge prefixes)."""
    trie: dict[str, Any] = {}
    for word in words:
        node = trie
        for char in word:
            node = node.setdefault(char, {})
        node[""] = {}
    # No \b in front: the regex engine then skips ahead by the first letters
    # (half the time); the caller checks that a match starts a word.
    return re.compile(r"(?:" + _trie_pattern(trie) + r")\b")


def _trie_pattern(node: dict[str, Any]) -> str:
    ends = "" in node
    branches = [re.escape(c) + _trie_pattern(child) for c, child in sorted(node.items()) if c]
    if not branches:
        return ""
    body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
    if ends:
        return "(?:" + body + ")?"
    return body


def _is_word(char: str) -> bool:
    return char.isalnum() or char == "_"


def _case_ok(surface: str, term: Term) -> bool:
    if term.case == "ignore":
        return True
    name = term.text
    same = _SPACES.sub(" ", surface).replace("’", "'") == name.replace("’", "'")
    if term.case == "exact" or same:
        return same
    if name == name.lower() or surface == surface.upper():
        return True
    # Smart: every word capitalised in the name is capitalised in the text.
    for want, got in zip(_WORDS.findall(name), _WORDS.findall(surface), strict=False):
        if want[0].isupper() and not got[0].isupper():
            return False
    return True


def rule_suggestions(
    text: str,
    rules: Sequence[RegexRule],
    problems: list[str] | None = None,
    seconds: float = RULE_SECONDS,
) -> list[Suggestion]:
    """The matches of every rule. A rule that runs past ``seconds`` on this text (a
    pattern that backtracks without end) is stopped: its matches are left out and
    ``problems`` gets a line naming it."""
    found: list[Suggestion] = []
    for rule in rules:
        group = "span" if "span" in rule.pattern.groupindex else 0
        mine: list[Suggestion] = []
        try:
            for m in _finditer(rule.pattern, text, seconds):
                start, end = m.span(group)
                if start < 0 or end <= start:
                    continue
                mine.append(Suggestion(rule.label, start, end, text[start:end], "rule"))
        except TimeoutError:
            if problems is not None:
                problems.append(
                    f"{rule.name}: stopped after {seconds:g} s on this document "
                    "(a pattern that backtracks without end?); its suggestions are left out"
                )
            continue
        found += mine
    return found


def _finditer(pattern: Any, text: str, seconds: float) -> Iterable[Any]:
    """finditer within a time bound (the regex package's); a ``re`` pattern has none."""
    if isinstance(pattern, re.Pattern):
        return pattern.finditer(text)
    matches: Iterable[Any] = pattern.finditer(text, timeout=seconds)
    return matches


def build_dictionary(
    spans: Iterable[tuple[str, str, int]], labels: Iterable[str] | None = None
) -> list[Term]:
    """Terms from earlier spans given as (text, label, how many times).

    A name annotated with several labels gets the one it has most often; ties
    go to the label named first in ``labels``.
    """
    order = {name: i for i, name in enumerate(labels or ())}
    counts: dict[str, dict[str, int]] = {}
    shown: dict[str, str] = {}
    for text, label, count in spans:
        if order and label not in order:
            continue
        name = normalise_name(text)
        if len(name) < 2 or not _WORDS.search(name):
            continue
        key = lower_text(name)
        by_label = counts.setdefault(key, {})
        by_label[label] = by_label.get(label, 0) + count
        # The form written most often is the one matched "as written".
        if key not in shown or (name != name.lower() and shown[key] == shown[key].lower()):
            shown[key] = name
    terms: list[Term] = []
    for key, by_label in counts.items():
        label = min(by_label, key=lambda lab: (-by_label[lab], order.get(lab, len(order)), lab))
        terms.append(Term(shown[key], label, "dictionary"))
    return terms
