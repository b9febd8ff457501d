"""Optional suggestions from a spaCy model, mapped to project labels by a table.

spaCy is not a dependency. :func:`load_model` imports it (and the model) on
first use and gives None when either is missing, and the option is then simply
absent. Anything with spaCy's shape works as ``nlp``: called on a text, it
returns an object whose ``ents`` have ``start_char``, ``end_char`` and
``label_`` (the tests use a fake one).
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Iterator, Mapping
from typing import Any

from annotator.core.suggest.entities import normalise_name
from annotator.core.suggest.types import Suggestion

CHUNK_CHARS = 100_000
"""Texts are given to the model in pieces of about this size, cut at paragraphs
(spaCy refuses texts over its max_length, a million characters by default)."""

_models: dict[str, Any] = {}


def load_model(name: str) -> Any | None:
    """The spaCy pipeline ``name``, or None when spaCy or the model is not installed."""
    if name in _models:
        return _models[name]
    nlp: Any | None = None
    try:
        spacy = importlib.import_module("spacy")
        nlp = spacy.load(name)
    except (ImportError, OSError, ValueError):
        nlp = None
    _models[name] = nlp
    return nlp


def model_available(name: str) -> bool:
    return load_model(name) is not None


def _chunks(text: str, size: int) -> Iterator[tuple[int, str]]:
    start = 0
    while start < len(text):
        end = min(len(text), start + size)
        if end < len(text):
            cut = text.rfind("\n", start + size // 2, end)
            end = cut + 1 if cut >= 0 else end
        yield start, text[start:end]
        start = end


_TRAILING = re.compile(r"(?:\s|['’]s\b|['’])+$", re.IGNORECASE)


def model_suggestions(
    nlp: Any, text: str, labels: Mapping[str, str], *, chunk_chars: int = CHUNK_CHARS
) -> list[Suggestion]:
    """The model's entities whose type the table maps, as suggestions of project labels."""
    found: list[Suggestion] = []
    for offset, chunk in _chunks(text, chunk_chars):
        doc = nlp(chunk)
        for ent in doc.ents:
            label = labels.get(str(ent.label_))
            if label is None:
                continue
            start = offset + int(ent.start_char)
            end = offset + int(ent.end_char)
            surface = text[start:end]
            # Models often take in the possessive or a space: keep the name only.
            name = normalise_name(surface)
            lead = len(surface) - len(surface.lstrip())
            start += lead
            end = start + len(name) if name and surface[lead:].startswith(name) else end
            if end > start:
                found.append(Suggestion(label, start, end, text[start:end], "model"))
    return found
