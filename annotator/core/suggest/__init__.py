"""Suggestions: spans the tool proposes and the analyst accepts or rejects.

Pure Python. Quotes come from quotation marks (:mod:`.quotes`), entities from
a dictionary of earlier spans, gazetteers and regex rules (:mod:`.entities`)
and optionally a spaCy model (:mod:`.model`); :mod:`.engine` puts them
together and leaves out what exists or was rejected.
"""

from annotator.core.suggest.engine import Suggester, entity_labels, quote_label, suggest
from annotator.core.suggest.entities import TermMatcher, build_dictionary, normalise_name
from annotator.core.suggest.model import load_model, model_available, model_suggestions
from annotator.core.suggest.quotes import FoundQuote, find_quotes
from annotator.core.suggest.types import (
    CASE_MODES,
    DICTIONARY_SCOPES,
    RULE_SECONDS,
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

__all__ = [
    "CASE_MODES",
    "DICTIONARY_SCOPES",
    "RULE_SECONDS",
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
