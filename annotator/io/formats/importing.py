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

from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

from annotator.core.dataset import AnnotatedDraft
from annotator.core.model import GOLD_ANNOTATOR
from annotator.core.schema import LabelSchema, RelationType
from annotator.io.errors import InputProblem
from annotator.io.files import DEFAULT_MAX_FILE_BYTES, MAX_FILE_SETTING
from annotator.io.formats.common import LineProblem
from annotator.io.jsonl import LineStream, check_record


@dataclass(frozen=True, slots=True)
class ImportContext:
    offsets: str = "codepoint"
    as_name: str | None = None
    reviewer: str | None = None
    """The reviewer who writes the gold layer (``--as gold`` or a file's gold layers)."""
    max_file_bytes: int | None = None
    """Input files larger than this are not read; None: the project's ``max_file_mb``."""

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
    skipped: int = 0
    problems: list[InputProblem] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)
    """Inputs read in a legacy encoding (not UTF-8): which one was chosen."""
    added_labels: list[str] = field(default_factory=list)
    added_relations: list[str] = field(default_factory=list)

    @property
    def exit_code(self) -> int:
        """0 all went in, 1 some records refused, 2 nothing usable in the input at all."""
        if self.problems and not self.records and not self.skipped:
            return 2
        return 1 if self.problems else 0


class InputNotice(InputProblem):
    """Not a problem but worth a line: the encoding a file was read in."""


class UnknownLabels(Exception):
    """The data uses labels (or relation types) the schema does not have."""

    def __init__(self, labels: Counter[str], relations: Counter[str]) -> None:
        self.labels = labels
        self.relations = relations
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


def jsonl_files(paths: Sequence[Path]) -> Iterator[Path | InputProblem]:
    for path in paths:
        if not path.exists():
            yield InputProblem(path, "no such file or folder")
        elif path.is_dir():
            found = sorted(
                p
                for p in path.rglob("*")
                # not only regular files: a FIFO or a device is named as a problem, never read
                if p.suffix.lower() in (".jsonl", ".ndjson", ".json") and not p.is_dir()
            )
            if not found:
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
    _known: set[str] = field(default_factory=set)
    _known_rel: set[str] = field(default_factory=set)

    def __post_init__(self) -> None:
        self._known = set(self.schema.label_names)
        self._known_rel = {r.name for r in self.schema.relations}

    def add(self, item: AnnotatedDraft) -> None:
        for layer in item.layers:
            for span in layer.spans:
                if span.label not in self._known:
                    self.labels[span.label] += 1
            for rel in layer.relations:
                if rel.type not in self._known_rel:
                    self.relations[rel.type] += 1
                    self.pairs.setdefault(rel.type, set()).add(
                        (layer.spans[rel.source].label, layer.spans[rel.target].label)
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
        kept = []
        for rel in layer.relations:
            source, target = layer.spans[rel.source], layer.spans[rel.target]
            where = (
                f"relation {rel.type} from {source.label} {source.start}-{source.end} "
                f"to {target.label} {target.start}-{target.end}"
            )
            rule = schema.relation(rel.type)
            if (source.label, source.start, source.end) == (target.label, target.start, target.end):
                reasons.append(f"{where}: links a span to itself; relation refused")
            elif rule is not None and not rule.allows(source.label, target.label):
                reasons.append(
                    f"{where}: the schema allows {rel.type} only from "
                    f"{'/'.join(rule.sources)} to {'/'.join(rule.targets)}; relation refused"
                )
            else:
                kept.append(rel)
        if len(kept) != len(layer.relations):
            layer.relations = kept
    if len(kept_layers) != len(item.layers):
        item.layers = kept_layers
    return reasons


def problem_at(origin: str, reason: str) -> InputProblem:
    """A problem with a draft, named by its origin ("file:line" or a file)."""
    path, sep, line = origin.rpartition(":")
    if sep and line.isdigit():
        return InputProblem(path, reason, int(line))
    return InputProblem(origin or "input", reason)


def vetted(
    records: Iterable[AnnotatedDraft | InputProblem | None],
    schema: LabelSchema,
    reviewer: str | None,
) -> Iterator[AnnotatedDraft]:
    """The drafts among ``records``, each through :func:`vet_draft` (its reasons
    were reported by the first pass)."""
    for record in records:
        if isinstance(record, AnnotatedDraft):
            vet_draft(record, schema, reviewer)
            yield record


def extend_schema(
    schema: LabelSchema,
    labels: Sequence[str],
    relations: Sequence[str],
    pairs: dict[str, set[tuple[str, str]]],
) -> LabelSchema:
    extended = schema.with_labels(list(labels))
    new_relations = tuple(
        RelationType(
            name=name,
            sources=tuple(sorted({s for s, _ in pairs.get(name, set())})),
            targets=tuple(sorted({t for _, t in pairs.get(name, set())})),
        )
        for name in relations
    )
    return LabelSchema(labels=extended.labels, relations=extended.relations + new_relations)
