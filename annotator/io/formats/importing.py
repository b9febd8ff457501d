"""Importing labeled data (native, doccano, prodigy, brat) into an annotator's layer.

Each format's reader turns a file into :class:`AnnotatedDraft` records, or
:class:`InputProblem` for a record it refuses (with its line and the reason);
the rest of the file still goes in. Labels the project's schema does not know
are listed first: the import is refused, or with ``add_labels`` they are added
to project.yaml. Records are stored in batches, one transaction each, by
:mod:`annotator.io.formats.api` (this module and the readers never touch the
database).
"""

from __future__ import annotations

import pickle
import tempfile
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, fields, replace
from operator import attrgetter
from pathlib import Path
from typing import IO, Any

import orjson

from annotator.core.dataset import (
    AnnotatedDraft,
    EntityDraft,
    LayerDraft,
    RelationDraft,
    SpanDraft,
)
from annotator.core.model import GOLD_ANNOTATOR, DocumentDraft, DocumentLabelValue
from annotator.core.schema import DocumentLabelDef, LabelSchema, RelationType
from annotator.io.errors import InputProblem
from annotator.io.files import DEFAULT_MAX_FILE_BYTES, MAX_FILE_SETTING, walk_folder
from annotator.io.formats.common import LineProblem, split_category
from annotator.io.jsonl import LineStream, check_record


@dataclass(frozen=True, slots=True)
class ImportContext:
    offsets: str = "codepoint"
    as_name: str | None = None
    reviewer: str | None = None
    """The reviewer who writes the gold layer (``--as gold`` or a file's gold layers)."""
    max_file_bytes: int | None = None
    """Input files larger than this are not read; None: the project's ``max_file_mb``."""
    schema: LabelSchema | None = None
    """The project's schema (set by the import), whose document labels say whether
    a format's flat list of chosen values is one value or a multiple choice."""

    @property
    def file_limit(self) -> int:
        return self.max_file_bytes or DEFAULT_MAX_FILE_BYTES


@dataclass(slots=True)
class ImportReport:
    records: int = 0
    documents_added: int = 0
    documents_existing: int = 0
    spans: int = 0
    relations: int = 0
    duplicate_spans: int = 0
    entities: int = 0
    """Entities created (a mention may name one already stored)."""
    document_labels: int = 0
    """Document label values set or changed."""
    skipped: int = 0
    problems: list[InputProblem] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)
    """Inputs read in a legacy encoding (not UTF-8): which one was chosen."""
    added_labels: list[str] = field(default_factory=list)
    added_relations: list[str] = field(default_factory=list)
    added_document_labels: list[str] = field(default_factory=list)
    """Document labels ("topic") and values ("topic=sport") added to the schema."""

    @property
    def exit_code(self) -> int:
        """0 all went in, 1 some records refused, 2 nothing usable in the input at all."""
        if self.problems and not self.records and not self.skipped:
            return 2
        return 1 if self.problems else 0


class InputNotice(InputProblem):
    """Not a problem but worth a line: the encoding a file was read in."""


class UnknownLabels(Exception):
    """The data uses labels (or relation types, document labels or their
    values) the schema does not have."""

    def __init__(
        self,
        labels: Counter[str],
        relations: Counter[str],
        document_labels: Counter[str] | None = None,
    ) -> None:
        self.labels = labels
        self.relations = relations
        self.document_labels = document_labels or Counter()
        parts = []
        if labels:
            parts.append(
                "labels not in the project's schema: "
                + ", ".join(f"{name} ({n})" for name, n in sorted(labels.items()))
            )
        if relations:
            parts.append(
                "relation types not in the schema: "
                + ", ".join(f"{name} ({n})" for name, n in sorted(relations.items()))
            )
        if self.document_labels:
            parts.append(
                "document labels or values not in the schema: "
                + ", ".join(f"{name} ({n})" for name, n in sorted(self.document_labels.items()))
            )
        super().__init__("; ".join(parts))


def iter_lines(path: Path, limit: int | None = None) -> Iterator[tuple[int, Any]]:
    """(line number, parsed JSON or InputProblem) for each non-blank line of a JSONL file.

    The file is read a line at a time (a regular file of at most ``limit`` bytes).
    """
    stream = LineStream(path, limit, MAX_FILE_SETTING)
    for number, line in stream:
        if isinstance(line, InputProblem):  # a line that is not UTF-8 is refused alone
            yield number, line
            continue
        try:
            record = orjson.loads(line)
            check_record(line, record)
        except orjson.JSONDecodeError as exc:
            yield number, InputProblem(path, f"invalid JSON ({exc.msg})", number)
        except ValueError as exc:  # a value the database cannot hold
            yield number, InputProblem(path, str(exc), number)
        else:
            yield number, record
    if stream.encoding:
        yield 0, InputNotice(path, f"not UTF-8; read as {stream.encoding}")


def read_records(
    path: Path,
    ctx: ImportContext,
    to_draft: Callable[[Any, ImportContext], AnnotatedDraft | None],
) -> Iterator[AnnotatedDraft | InputProblem | None]:
    """Each line of a JSONL file as a draft (None: a record the format skips), or
    the problem with that line, named by its number. A file that cannot be read
    (not a regular file, over the size limit, empty) is one problem: the other
    inputs still go in."""
    lines = iter_lines(path, ctx.file_limit)
    while True:
        try:
            number, record = next(lines)
        except StopIteration:
            return
        except InputProblem as problem:
            yield problem
            return
        if isinstance(record, InputProblem):
            yield record
            continue
        try:
            item = to_draft(record, ctx)
        except LineProblem as exc:
            yield InputProblem(path, str(exc), number)
            continue
        if item is not None:
            item.origin = f"{path}:{number}"
        yield item


LINE_FILE_ENDINGS = (".jsonl", ".ndjson", ".json", ".jsonl.gz", ".ndjson.gz", ".json.gz")
"""The files a folder of labeled records is read from (gzip-compressed too)."""


def jsonl_files(paths: Sequence[Path]) -> Iterator[Path | InputProblem]:
    for path in paths:
        if not path.exists():
            yield InputProblem(path, "no such file or folder")
        elif path.is_dir():
            found = [
                p
                for p in walk_folder(path)
                # not only regular files: a FIFO or a device is named as a problem, never read
                if isinstance(p, InputProblem) or p.name.lower().endswith(LINE_FILE_ENDINGS)
            ]
            if not found:  # an unreadable folder inside is said instead
                yield InputProblem(path, "no .jsonl files in this folder")
            yield from found
        else:
            yield path


@dataclass(slots=True)
class LabelTally:
    """Labels and relation types of the records seen that the schema lacks."""

    schema: LabelSchema
    labels: Counter[str] = field(default_factory=Counter)
    relations: Counter[str] = field(default_factory=Counter)
    pairs: dict[str, set[tuple[str, str]]] = field(default_factory=dict)
    document_labels: Counter[str] = field(default_factory=Counter)
    """Unknown document labels ("topic") and values ("topic=sport"), for the message."""
    document_values: dict[str, dict[str, None]] = field(default_factory=dict)
    """Document label -> every value seen of the labels or values the schema lacks."""
    multiple: set[str] = field(default_factory=set)
    """Unknown document labels seen with a list of values."""
    _known: set[str] = field(default_factory=set)
    _known_rel: set[str] = field(default_factory=set)

    def __post_init__(self) -> None:
        self._known = set(self.schema.label_names)
        self._known_rel = {r.name for r in self.schema.relations}

    def add(self, item: AnnotatedDraft) -> None:
        for layer in item.layers:
            if layer.document_labels:
                self._add_document_labels(layer)
            for span in layer.spans:
                if span.label not in self._known:
                    self.labels[span.label] += 1
            for rel in layer.relations:
                if rel.type not in self._known_rel:
                    self.relations[rel.type] += 1
                    self.pairs.setdefault(rel.type, set()).add(
                        (layer.spans[rel.source].label, layer.spans[rel.target].label)
                    )

    def _add_document_labels(self, layer: LayerDraft) -> None:
        for name, value in layer.document_labels.items():
            values = value if isinstance(value, list) else [value]
            defn = self.schema.document_label(name)
            if defn is None:
                self.document_labels[name] += 1
                if isinstance(value, list):
                    self.multiple.add(name)
            seen = self.document_values.setdefault(name, {})
            for one in values:
                if defn is None or one not in defn.values:
                    if defn is not None:
                        self.document_labels[f"{name}={one}"] += 1
                    seen.setdefault(one, None)
            if not seen:
                del self.document_values[name]


def chosen_document_labels(
    chosen: dict[str, list[str]], schema: LabelSchema | None
) -> dict[str, DocumentLabelValue]:
    """Document labels from a format that gives each label's chosen values as a
    list (Label Studio's choices, doccano's categories): a list for a label the
    schema declares a multiple choice, else one value, or a list when there are
    several (an undeclared label then becomes a multiple choice, as in native)."""
    found: dict[str, DocumentLabelValue] = {}
    for name, values in chosen.items():
        defn = schema.document_label(name) if schema is not None else None
        multiple = defn.multiple if defn is not None else len(values) > 1
        found[name] = list(values) if multiple or len(values) != 1 else values[0]
    return found


def categories_to_labels(
    record: dict[str, Any], key: str, schema: LabelSchema | None
) -> dict[str, DocumentLabelValue]:
    """The document labels of a record's ``key``: a list of ``NAME:VALUE``
    categories (doccano's ``cats``, Prodigy's ``accept``); none when it is absent."""
    cats = record.get(key, [])
    if not isinstance(cats, list):
        raise LineProblem(f"'{key}' must be a list of categories (LABEL:VALUE)")
    chosen: dict[str, list[str]] = {}
    for text in cats:
        name, value = split_category(text, schema)
        chosen.setdefault(name, []).append(value)
    return chosen_document_labels(chosen, schema)


def shape_added_document_labels(item: AnnotatedDraft, schema: LabelSchema) -> AnnotatedDraft:
    """``item`` with one value of a document label the import just added as a
    multiple choice (a list was seen elsewhere) made a list of that value."""
    for layer in item.layers:
        for name, value in layer.document_labels.items():
            defn = schema.document_label(name)
            if defn is not None and defn.multiple and isinstance(value, str):
                layer.document_labels[name] = [value]
    return item


def document_label_problem(defn: DocumentLabelDef, value: object) -> str | None:
    """Why ``value`` cannot be a value of the declared document label (None: it can;
    values the schema does not list are :class:`UnknownLabels`' business)."""
    if defn.multiple:
        if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
            return f"document label {defn.name!r} is a multiple choice: give a list of values"
        if len(set(value)) != len(value):
            return f"document label {defn.name!r} lists a value twice"
    elif not isinstance(value, str) or not value:
        return f"document label {defn.name!r} is a single choice: give one value"
    return None


def link_refusal(
    rtype: str, source: SpanDraft, target: SpanDraft, schema: LabelSchema | None
) -> str | None:
    """Why the project refuses a relation ("speaker from Person 0-3 to Location
    15-19: the schema allows ..."), or None: a span linked to itself, or
    labels its type (when the schema knows it) does not join. Types the schema
    does not know are :class:`UnknownLabels`' business."""
    if (source.label, source.start, source.end) == (target.label, target.start, target.end):
        why = "links a span to itself"
    else:
        rule = schema.relation(rtype) if schema is not None else None
        if rule is None or rule.allows(source.label, target.label):
            return None
        why = (
            f"the schema allows {rtype} only from "
            f"{'/'.join(rule.sources)} to {'/'.join(rule.targets)}"
        )
    return (
        f"{rtype} from {source.label} {source.start}-{source.end} "
        f"to {target.label} {target.start}-{target.end}: {why}"
    )


def vet_draft(item: AnnotatedDraft, schema: LabelSchema, reviewer: str | None) -> list[str]:
    """Take out of a draft what the project refuses, and say why (one reason each).

    Every format's drafts pass here, so the rules are the same for all: a gold
    layer without a reviewer to write it; a relation from a span to itself; a
    relation whose type the schema knows but not between these labels (types
    it does not know are the business of :class:`UnknownLabels`). The rest of
    the draft stays.
    """
    reasons: list[str] = []
    kept_layers = []
    for layer in item.layers:
        if layer.annotator == GOLD_ANNOTATOR and not reviewer:
            reasons.append(
                f"the {GOLD_ANNOTATOR} layer ({len(layer.spans)} span(s)) is written only by a "
                "reviewer: import it with --reviewer NAME"
            )
            continue
        kept_layers.append(layer)
        if layer.document_labels:
            reasons.extend(_vet_document_labels(layer, schema))
        if not layer.relations:
            continue
        kept = []
        for rel in layer.relations:
            source, target = layer.spans[rel.source], layer.spans[rel.target]
            why = link_refusal(rel.type, source, target, schema)
            if why is None:
                kept.append(rel)
            else:
                reasons.append(f"relation {why}; relation refused")
        if len(kept) != len(layer.relations):
            layer.relations = kept
    if len(kept_layers) != len(item.layers):
        item.layers = kept_layers
    return reasons


def _vet_document_labels(layer: LayerDraft, schema: LabelSchema) -> list[str]:
    """Take out the document labels whose values have the wrong shape for their
    declaration; one reason each."""
    reasons = []
    for name, value in list(layer.document_labels.items()):
        defn = schema.document_label(name)
        problem = None if defn is None else document_label_problem(defn, value)
        if problem is not None:
            del layer.document_labels[name]
            reasons.append(f"{layer.annotator}: {problem}; not stored")
    return reasons


def problem_at(origin: str, reason: str) -> InputProblem:
    """A problem with a draft, named by its origin ("file:line" or a file)."""
    path, sep, line = origin.rpartition(":")
    if sep and line.isdigit():
        return InputProblem(path, reason, int(line))
    return InputProblem(origin or "input", reason)


def _names(cls: type) -> list[str]:
    return [f.name for f in fields(cls)]


_DOCUMENT = attrgetter(*_names(DocumentDraft))
_SPAN = attrgetter(*_names(SpanDraft))
_RELATION = attrgetter(*_names(RelationDraft))
_ENTITY = attrgetter(*_names(EntityDraft))
LAYER_FIELDS = ("annotator", "spans", "relations", "status", "document_labels")
"""The fields of :class:`LayerDraft` that :class:`HeldDrafts` keeps (a test checks
that they are all of them)."""


def compact(item: AnnotatedDraft) -> tuple[Any, ...]:
    """A draft as plain tuples, lists and values: quick to pickle and back."""
    return (
        _DOCUMENT(item.document),
        item.origin,
        [
            (
                lay.annotator,
                [_SPAN(s) for s in lay.spans],
                [_RELATION(r) for r in lay.relations],
                lay.status,
                lay.document_labels,
            )
            for lay in item.layers
        ],
        [_ENTITY(e) for e in item.entities],
    )


def expand(value: tuple[Any, ...]) -> AnnotatedDraft:
    """The draft :func:`compact` was given."""
    document, origin, layers, entities = value
    return AnnotatedDraft(
        DocumentDraft(*document),
        [
            LayerDraft(
                name,
                [SpanDraft(*s) for s in spans],
                [RelationDraft(*r) for r in relations],
                status,
                document_labels,
            )
            for name, spans, relations, status, document_labels in layers
        ],
        origin,
        [EntityDraft(*e) for e in entities],
    )


class HeldDrafts:
    """The drafts of an import, read and checked once, held until the import knows
    whether it may store them (every label known, or ``--add-labels``).

    Up to ``characters`` of text and ``spans`` spans (a batch's worth) they stay
    in memory as they are; past that, all of them go to an unnamed temporary
    file, each pickled as plain tuples (:func:`compact`), so memory holds about
    a batch whatever the size of the input. Iterating gives them back in the
    order they were added, each once, letting go of each as it goes.
    """

    def __init__(self, characters: int, spans: int) -> None:
        self.max_characters = characters
        self.max_spans = spans
        self.characters = 0
        self.spans = 0
        self.count = 0
        self._items: list[AnnotatedDraft] = []
        self._file: IO[bytes] | None = None

    def add(self, item: AnnotatedDraft) -> None:
        self.count += 1
        if self._file is not None:
            pickle.dump(compact(item), self._file, pickle.HIGHEST_PROTOCOL)
            return
        self._items.append(item)
        self.characters += len(item.document.text)
        self.spans += sum(len(layer.spans) for layer in item.layers)
        if self.characters > self.max_characters or self.spans > self.max_spans:
            self._file = tempfile.TemporaryFile(prefix="annotator-import-")  # noqa: SIM115 (closed by close())
            for held in self._items:
                pickle.dump(compact(held), self._file, pickle.HIGHEST_PROTOCOL)
            self._items = []

    @property
    def spilled(self) -> bool:
        """Whether the drafts went to a temporary file."""
        return self._file is not None

    def __iter__(self) -> Iterator[AnnotatedDraft]:
        if self._file is None:
            items, self._items = self._items, []
            items.reverse()
            while items:
                yield items.pop()
            return
        f = self._file
        f.seek(0)
        for _ in range(self.count):
            yield expand(pickle.load(f))

    def close(self) -> None:
        self._items = []
        if self._file is not None:
            self._file.close()

    def __enter__(self) -> HeldDrafts:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def extend_schema(
    schema: LabelSchema,
    labels: Sequence[str],
    relations: Sequence[str],
    pairs: dict[str, set[tuple[str, str]]],
    document_values: dict[str, dict[str, None]] | None = None,
    multiple: set[str] = frozenset(),  # type: ignore[assignment]
) -> LabelSchema:
    """``schema`` with the labels, relation types (between the labels seen) and
    document labels and values an import found it lacks."""
    extended = schema.with_labels(list(labels))
    new_relations = tuple(
        RelationType(
            name=name,
            sources=tuple(sorted({s for s, _ in pairs.get(name, set())})),
            targets=tuple(sorted({t for _, t in pairs.get(name, set())})),
        )
        for name in relations
    )
    return LabelSchema(
        labels=extended.labels,
        relations=extended.relations + new_relations,
        document_labels=_extended_document_labels(schema, document_values or {}, multiple),
    )


def _extended_document_labels(
    schema: LabelSchema, values: dict[str, dict[str, None]], multiple: set[str]
) -> tuple[DocumentLabelDef, ...]:
    """The schema's document labels with the values seen added, and the labels
    seen that it lacks (multiple choice if a list was seen)."""
    found = [
        replace(d, values=(*d.values, *(v for v in values.get(d.name, {}) if v not in d.values)))
        for d in schema.document_labels
    ]
    found.extend(
        DocumentLabelDef(name, tuple(seen), name in multiple)
        for name, seen in sorted(values.items())
        if schema.document_label(name) is None
    )
    return tuple(found)
