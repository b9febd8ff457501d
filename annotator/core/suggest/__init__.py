"""Suggestions: spans the tool proposes and the analyst accepts or rejects.

Pure Python. Quotes come from quotation marks (:mod:`.quotes`), entities from
a dictionary of earlier spans, gazetteers and regex rules (:mod:`.entities`)
and optionally a spaCy model (:mod:`.model`); :mod:`.engine` puts them
together and leaves out what exists or was rejected.
"""

from typing import TYPE_CHECKING, Any

from annotator.core.suggest.types import (
    CASE_MODES,
    DICTIONARY_SCOPES,
    RULE_SECONDS,
    EntityLink,
    ModelOptions,
    QuoteOptions,
    RegexRule,
    Speaker,
    SuggestConfig,
    Suggestion,
    SuggestionKey,
    Suggestions,
    Term,
)

if TYPE_CHECKING:
    from annotator.core.suggest.engine import Suggester, entity_labels, quote_label, suggest
    from annotator.core.suggest.entities import TermMatcher, build_dictionary, normalise_name
    from annotator.core.suggest.model import load_model, model_available, model_suggestions
    from annotator.core.suggest.quotes import FoundQuote, find_quotes

# The engine's modules compile many regular expressions when imported; every
# command that reads project.yaml imports the types above, few suggest.
_LAZY = {
    "Suggester": "engine",
    "entity_labels": "engine",
    "quote_label": "engine",
    "suggest": "engine",
    "TermMatcher": "entities",
    "build_dictionary": "entities",
    "normalise_name": "entities",
    "load_model": "model",
    "model_available": "model",
    "model_suggestions": "model",
    "FoundQuote": "quotes",
    "find_quotes": "quotes",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    from importlib import import_module

    value = getattr(import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value


__all__ = [
    "CASE_MODES",
    "DICTIONARY_SCOPES",
    "RULE_SECONDS",
    "EntityLink",
    "FoundQuote",
    "ModelOptions",
    "QuoteOptions",
    "RegexRule",
    "Speaker",
    "SuggestConfig",
    "Suggester",
    "Suggestion",
    "SuggestionKey",
    "Suggestions",
    "Term",
    "TermMatcher",
    "build_dictionary",
    "entity_labels",
    "find_quotes",
    "load_model",
    "model_available",
    "model_suggestions",
    "normalise_name",
    "quote_label",
    "suggest",
]
