"""The ``assist:`` section of project.yaml: where suggestions come from.

Example (every key is optional)::

    assist:
      dictionary_from: mine          # mine | everyone | off
      dictionary_labels: [Person, Organization, Location]
      quotes:
        min_words: 3                 # shorter quotations are scare quotes
        speakers: true               # suggest who said it, linked by the relation
      gazetteers:
        - {label: Location, file: gazetteers/places.txt, case: smart}
      rules:
        - {label: Other, pattern: '\\b(?:COVID|Covid)-19\\b'}
      spacy:
        model: en_core_web_sm        # or the folder of a pipeline saved with nlp.to_disk()
        labels: {PERSON: Person, ORG: Organization, GPE: Location, LOC: Location}

Parsed once with the rest of project.yaml: a problem is reported with the
file and line like every other one. Gazetteer files (one name a line, ``#``
comments) are read when suggestions are first made, and again when they change.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from annotator.core.schema import LabelSchema
from annotator.core.suggest.types import (
    CASE_MODES,
    DICTIONARY_SCOPES,
    RULE_SECONDS,
    CaseMode,
    DictionaryScope,
    ModelOptions,
    QuoteOptions,
    RegexRule,
    SuggestConfig,
    Term,
)
from annotator.io.errors import InputProblem, ProjectProblem
from annotator.io.files import MB, read_regular

YamlPath = tuple[str | int, ...]
Fail = Callable[[YamlPath, str], Exception]
"""Makes the exception for a problem at a place in project.yaml."""

ASSIST_KEYS = {
    "dictionary_from": "Whose earlier entity spans suggest names: mine, everyone or off.",
    "dictionary_labels": "Labels whose spans make the dictionary (default: every entity label).",
    "quotes": "Quote suggestions: enabled, label, min_words (3), speakers (true), relation.",
    "gazetteers": "Lists of names: [{label, file, case}] (file: one name a line).",
    "rules": "Regular expressions: [{label, pattern, case}] (group 'span' marks the span).",
    "spacy": "A spaCy model and its entity types mapped to labels: {model, labels}.",
}
"""Every key of ``assist:``, declared once with its description."""

QUOTE_KEYS = ("enabled", "label", "min_words", "speakers", "relation")
MAX_GAZETTEER_BYTES = 64 * MB
"""A larger gazetteer file (or one that is not a regular file) is refused unread."""


@dataclass(frozen=True, slots=True)
class Gazetteer:
    label: str
    path: Path
    case: CaseMode = "smart"


@dataclass(slots=True)
class AssistSettings:
    raw: Mapping[str, Any] | None = None
    """The section as written (so that saving project.yaml keeps it)."""
    dictionary_from: DictionaryScope = "mine"
    dictionary_labels: tuple[str, ...] | None = None
    quotes: QuoteOptions = field(default_factory=QuoteOptions)
    gazetteers: tuple[Gazetteer, ...] = ()
    rules: tuple[RegexRule, ...] = ()
    model: ModelOptions | None = None
    _loaded: dict[Path, tuple[float, tuple[Term, ...]]] = field(default_factory=dict)

    def suggest_config(self) -> SuggestConfig:
        """The engine's configuration, with the gazetteers read (raises ProjectProblem)."""
        terms: list[Term] = []
        for gazetteer in self.gazetteers:
            terms.extend(self._read(gazetteer))
        return SuggestConfig(
            quotes=self.quotes,
            dictionary_from=self.dictionary_from,
            dictionary_labels=self.dictionary_labels,
            terms=tuple(terms),
            rules=self.rules,
            model=self.model,
        )

    def _read(self, gazetteer: Gazetteer) -> tuple[Term, ...]:
        path = gazetteer.path
        try:
            mtime = path.stat().st_mtime
            cached = self._loaded.get(path)
            if cached is not None and cached[0] == mtime:
                return cached[1]
            text = read_regular(path, MAX_GAZETTEER_BYTES).decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise ProjectProblem(path, "gazetteer is not UTF-8 text") from exc
        except InputProblem as exc:  # not a regular file, or too large
            raise ProjectProblem(path, f"gazetteer {exc.message}") from exc
        except OSError as exc:
            problem = f"cannot read the gazetteer ({exc.strerror or exc})"
            raise ProjectProblem(path, problem) from exc
        terms = tuple(
            Term(line.strip(), gazetteer.label, "gazetteer", gazetteer.case)
            for line in text.splitlines()
            if line.strip() and not line.lstrip().startswith("#")
        )
        self._loaded[path] = (mtime, terms)
        return terms


def parse_assist(raw: Any, directory: Path, schema: LabelSchema, fail: Fail) -> AssistSettings:
    """Validate the ``assist:`` section; ``fail(path, message)`` makes the error to raise."""
    if raw is None:
        return AssistSettings()
    base: YamlPath = ("assist",)
    if not isinstance(raw, Mapping):
        raise fail(base, "expected a mapping (see docs/assist.md)")
    for key in raw:
        if key not in ASSIST_KEYS:
            raise fail((*base, str(key)), f"unknown key (allowed: {', '.join(ASSIST_KEYS)})")
    labels = set(schema.label_names)

    def label_at(value: Any, path: YamlPath) -> str:
        if not isinstance(value, str) or value not in labels:
            raise fail(path, f"unknown label {value!r} (labels: {', '.join(schema.label_names)})")
        return value

    def choice(value: Any, allowed: tuple[str, ...], path: YamlPath) -> str:
        if value not in allowed:
            raise fail(path, f"expected one of {', '.join(allowed)}, got {value!r}")
        return str(value)

    def items(key: str) -> list[Mapping[str, Any]]:
        value = raw.get(key) or []
        if not isinstance(value, list):
            raise fail((*base, key), "expected a list")
        for i, item in enumerate(value):
            if not isinstance(item, Mapping):
                raise fail((*base, key, i), "expected a mapping")
        return value

    def keys(item: Mapping[str, Any], allowed: tuple[str, ...], path: YamlPath) -> None:
        for key in item:
            if key not in allowed:
                raise fail((*path, str(key)), f"unknown key (allowed: {', '.join(allowed)})")
        for key in allowed[:2]:
            if key not in item:
                raise fail(path, f"'{key}' is missing")

    settings = AssistSettings(raw=raw)
    if "dictionary_from" in raw:
        scope = choice(raw["dictionary_from"], DICTIONARY_SCOPES, (*base, "dictionary_from"))
        settings.dictionary_from = scope  # type: ignore[assignment]
    if raw.get("dictionary_labels") is not None:
        value = raw["dictionary_labels"]
        if not isinstance(value, list):
            raise fail((*base, "dictionary_labels"), "expected a list of labels")
        settings.dictionary_labels = tuple(
            label_at(v, (*base, "dictionary_labels", i)) for i, v in enumerate(value)
        )
    settings.quotes = _parse_quotes(raw.get("quotes"), schema, fail, label_at)
    gazetteers = []
    for i, item in enumerate(items("gazetteers")):
        path: YamlPath = (*base, "gazetteers", i)
        keys(item, ("label", "file", "case"), path)
        label = label_at(item["label"], (*path, "label"))
        file = item["file"]
        if not isinstance(file, str) or not file.strip():
            raise fail((*path, "file"), "expected a file name")
        where = Path(file) if Path(file).is_absolute() else directory / file
        if not where.is_file():
            raise fail((*path, "file"), f"no such file: {where}")
        case = choice(item.get("case", "smart"), CASE_MODES, (*path, "case"))
        gazetteers.append(Gazetteer(label, where, case))  # type: ignore[arg-type]
    settings.gazetteers = tuple(gazetteers)
    rules = []
    for i, item in enumerate(items("rules")):
        path = (*base, "rules", i)
        keys(item, ("label", "pattern", "case"), path)
        label = label_at(item["label"], (*path, "label"))
        pattern = item["pattern"]
        if not isinstance(pattern, str) or not pattern:
            raise fail((*path, "pattern"), "expected a regular expression")
        case = choice(item.get("case", "exact"), ("exact", "ignore"), (*path, "case"))
        # Loaded only for a project with rules: every command reads project.yaml.
        import regex

        try:
            # The regex package: re's syntax (V0), and matching with a time bound.
            flags = regex.V0 | (regex.IGNORECASE if case == "ignore" else 0)
            compiled = regex.compile(pattern, flags)
            # Checked against re too, so a rule means what Python's re would make of it.
            re.compile(pattern, re.IGNORECASE if case == "ignore" else 0)
        except (regex.error, re.error) as exc:
            raise fail((*path, "pattern"), f"not a valid regular expression: {exc}") from exc
        if compiled.match("", timeout=RULE_SECONDS):
            raise fail((*path, "pattern"), "the pattern matches empty text")
        rule_at = str(fail((*path, "pattern"), f"rule {label} {_clip(pattern)}"))
        rules.append(RegexRule(label, compiled, rule_at))
    settings.rules = tuple(rules)
    settings.model = _parse_spacy(raw.get("spacy"), directory, fail, label_at)
    return settings


def _clip(pattern: str) -> str:
    return repr(pattern if len(pattern) <= 60 else pattern[:60] + "…")


def _parse_quotes(
    raw: Any, schema: LabelSchema, fail: Fail, label_at: Callable[[Any, YamlPath], str]
) -> QuoteOptions:
    path: YamlPath = ("assist", "quotes")
    if raw is None or raw is True:
        return QuoteOptions()
    if raw is False:
        return QuoteOptions(enabled=False)
    if not isinstance(raw, Mapping):
        raise fail(path, "expected a mapping, or false to turn quote suggestions off")
    for key in raw:
        if key not in QUOTE_KEYS:
            raise fail((*path, str(key)), f"unknown key (allowed: {', '.join(QUOTE_KEYS)})")
    for key in ("enabled", "speakers"):
        if key in raw and not isinstance(raw[key], bool):
            raise fail((*path, key), f"expected true or false, got {raw[key]!r}")
    min_words = raw.get("min_words", 3)
    if type(min_words) is not int or min_words < 1:
        got = f"expected a whole number of at least 1, got {min_words!r}"
        raise fail((*path, "min_words"), got)
    label = None
    if raw.get("label") is not None:
        label = label_at(raw["label"], (*path, "label"))
    relation = raw.get("relation")
    if relation is not None and schema.relation(str(relation)) is None:
        names = ", ".join(r.name for r in schema.relations) or "none"
        raise fail((*path, "relation"), f"unknown relation type {relation!r} (types: {names})")
    return QuoteOptions(
        enabled=raw.get("enabled", True),
        label=label,
        min_words=min_words,
        speakers=raw.get("speakers", True),
        relation=None if relation is None else str(relation),
    )


def _parse_spacy(
    raw: Any, directory: Path, fail: Fail, label_at: Callable[[Any, YamlPath], str]
) -> ModelOptions | None:
    path: YamlPath = ("assist", "spacy")
    if raw is None:
        return None
    if not isinstance(raw, Mapping):
        raise fail(path, "expected a mapping with 'model' and 'labels'")
    for key in raw:
        if key not in ("model", "labels"):
            raise fail((*path, str(key)), "unknown key (allowed: model, labels)")
    model = raw.get("model")
    if not isinstance(model, str) or not model.strip():
        raise fail((*path, "model"), "expected the name of a spaCy model (en_core_web_sm)")
    model = model.strip()
    where = Path(model) if Path(model).is_absolute() else directory / model
    if where.is_dir() or "/" in model or "\\" in model or model[0] == ".":
        # A pipeline saved with nlp.to_disk(): a folder, relative to the project.
        if not (where / "config.cfg").is_file():
            raise fail((*path, "model"), f"no saved spaCy pipeline (config.cfg) in {where}")
        model = str(where.absolute())
    table = raw.get("labels")
    if not isinstance(table, Mapping) or not table:
        raise fail((*path, "labels"), "expected a table of entity types to labels")
    labels = {
        str(ent): label_at(label, (*path, "labels", str(ent))) for ent, label in table.items()
    }
    return ModelOptions(model, labels)
