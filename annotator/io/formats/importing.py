"""Importing labeled data (native, doccano, prodigy, brat) into an annotator's layer.

Each format's reader turns a file into :class:`AnnotatedDraft` records, or
:class:`InputProblem` for a record it refuses (with its line and the reason);
the rest of the file still goes in. Labels the project's schema does not know
are listed first: the import is refused, or with ``add_labels`` they are added
to project.yaml. Records are stored in batches, one transaction each.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson
from sqlalchemy.exc import SQLAlchemyError

from annotator.core.schema import LabelSchema, RelationType
from annotator.io.errors import InputProblem
from annotator.io.formats.common import LineProblem
from annotator.io.text import decode_text
from annotator.store.bulk import AnnotatedDraft, insert_annotated
from annotator.store.db import Database

BATCH_DOCUMENTS = 1000
BATCH_SPANS = 200_000

Progress = Callable[[int], None]
"""Called with the number of records stored so far."""


@dataclass(frozen=True, slots=True)
class ImportContext:
    offsets: str = "codepoint"
    as_name: str | None = None


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
    added_labels: list[str] = field(default_factory=list)
    added_relations: list[str] = field(default_factory=list)

    @property
    def exit_code(self) -> int:
        """0 all went in, 1 some records refused, 2 nothing usable in the input at all."""
        if self.problems and not self.records and not self.skipped:
            return 2
        return 1 if self.problems else 0


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


def iter_lines(path: Path) -> Iterator[tuple[int, Any]]:
    """(line number, parsed JSON or InputProblem) for each non-blank line of a JSONL file."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputProblem(path, f"cannot read the file ({exc.strerror or exc})") from exc
    content = decode_text(data, path)
    for number, line in enumerate(content.split("\n"), start=1):
        if not line.strip():
            continue
        try:
            yield number, orjson.loads(line)
        except orjson.JSONDecodeError as exc:
            yield number, InputProblem(path, f"invalid JSON ({exc.msg})", number)


def read_records(
    path: Path,
    ctx: ImportContext,
    to_draft: Callable[[Any, ImportContext], AnnotatedDraft | None],
) -> Iterator[AnnotatedDraft | InputProblem | None]:
    """Each line of a JSONL file as a draft (None: a record the format skips), or
    the problem with that line, named by its number."""
    for number, record in iter_lines(path):
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
                if p.suffix.lower() in (".jsonl", ".ndjson", ".json") and p.is_file()
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


def store(
    db: Database,
    items: Iterable[AnnotatedDraft],
    report: ImportReport,
    progress: Progress | None = None,
) -> None:
    """Insert records in batches (one transaction each); a failed batch is reported whole.

    ``items`` is consumed as it comes, so memory holds one batch at a time.
    """
    batch: list[AnnotatedDraft] = []
    spans = 0
    done = 0
    for item in items:
        batch.append(item)
        spans += sum(len(layer.spans) for layer in item.layers)
        if len(batch) >= BATCH_DOCUMENTS or spans >= BATCH_SPANS:
            _store_batch(db, batch, report)
            done += len(batch)
            batch, spans = [], 0
            if progress is not None:
                progress(done)
    if batch:
        _store_batch(db, batch, report)
        if progress is not None:
            progress(done + len(batch))


def _store_batch(db: Database, batch: list[AnnotatedDraft], report: ImportReport) -> None:
    try:
        with db.session() as session:
            result = insert_annotated(session, batch)
    except SQLAlchemyError as exc:
        reason = str(getattr(exc, "orig", exc)).splitlines()[0]
        for item in batch:
            report.problems.append(
                InputProblem(item.origin or "input", f"not stored: database error ({reason})")
            )
    else:
        report.documents_added += result.documents_added
        report.documents_existing += result.documents_existing
        report.spans += result.spans
        report.relations += result.relations
        report.duplicate_spans += result.duplicate_spans
