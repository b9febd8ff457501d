"""brat standoff: a folder (or .zip) with ``NAME.txt`` and ``NAME.ann`` per document.

What each ``.ann`` line becomes in a project (and comes back as on export):

- ``T``  text-bound annotation: a span (label, offsets, surface text); a
  discontinuous one (``0 5;9 12``, its text the pieces' texts joined by a
  space, as brat writes it) is a span in pieces.
- ``E``  event: its trigger is a span marked with the attribute ``brat:event``;
  each argument ``Role:X`` is a relation of type ``Role`` from the trigger.
- ``R``  relation: a relation (``Arg1`` is the source, ``Arg2`` the target).
- ``*``  equivalence (``* Alias T1 T2 T3``, or any other type): one entity
  whose mentions are those spans (sets that share a span are one entity),
  named after its first mention; on export each entity with several mentions
  is one ``* Alias`` line. (A project from before entities may hold relations
  of type ``*Alias``: each connected chain of them is one line too.)
- ``A``/``M`` attribute: a span attribute; a binary attribute is ``true``.
- ``N``  normalization: ``N1 Reference T5 Wikipedia:64488 Carlos Salinas``
  gives the entity of T5 (a new one when T5 is in no equivalence) its external
  id and name, and is written on the entity's first mention on export; any
  other normalization is appended to the span's ``brat:N`` attribute
  (``[type, reference, text]``).
- ``#``  note: the span's note; a note on a relation is kept in the source
  span's ``brat:notes`` attribute (``[type, target start, target end, note]``).
  A note in several lines is a ``#`` line per line (the import joins them).

Offsets in brat are code points into the ``.txt`` as brat reads it (UTF-8, a
leading U+FEFF a character like any other); a ``.txt`` with CRLF line ends is
mapped onto the stored (LF) text.

Reader and writer share one module (over 500 lines) because each line type's
reading and writing must stay inverse to each other: a round trip keeps them.
"""

from __future__ import annotations

import itertools
import os
import re
import zipfile
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from annotator.core.dataset import (
    AnnotatedDraft,
    EntityDraft,
    EntityRow,
    ExportDocument,
    Layer,
    LayerDraft,
    RelationDraft,
    SpanDraft,
    SpanRow,
)
from annotator.core.model import DocumentDraft, OffsetError
from annotator.core.pieces import joined_text, normalise, pieces_of, stored_fragments
from annotator.core.schema import LabelSchema
from annotator.io.errors import InputProblem
from annotator.io.files import MAX_FILE_SETTING, MB, read_regular, too_large, walk_folder
from annotator.io.formats.common import (
    ExportContext,
    LineProblem,
    SourceText,
    count_left_out,
    safe_name,
    write_folder_or_zip,
)
from annotator.io.formats.importing import ImportContext, InputNotice, link_refusal
from annotator.io.text import decode_bytes

EVENT_KEY = "brat:event"
NORM_KEY = "brat:N"
NOTES_KEY = "brat:notes"
RESERVED = (EVENT_KEY, NORM_KEY, NOTES_KEY)
EQUIV_PREFIX = "*"
ENTITY_EQUIV = "Alias"
"""The equivalence type an entity's mentions are written with (the project
keeps no type: an ``Equiv`` line comes back as ``Alias``)."""
REFERENCE = "Reference"
"""brat's normalization type, whose reference is an entity's external id."""
DISCONTINUOUS_JOINER = " "
"""Between the pieces' texts on a discontinuous T line (brat's ``DISCONT_SEP``)."""
TITLE_MAX = 200

# --- export ------------------------------------------------------------------------


@dataclass(slots=True)
class _ConfInfo:
    """What annotation.conf must declare, gathered while writing."""

    entities: dict[str, None] = field(default_factory=dict)
    events: dict[str, dict[str, set[str]]] = field(default_factory=dict)
    relations: dict[str, tuple[set[str], set[str]]] = field(default_factory=dict)
    attributes: dict[str, tuple[set[str], set[str], bool]] = field(default_factory=dict)


def _one_line(text: str) -> str:
    return text.replace("\r", " ").replace("\n", " ").replace("\t", " ")


def _ranges(span: SpanRow) -> str:
    """A T line's offsets: ``start end``, or ``start end;start end`` for a span in pieces."""
    pieces = pieces_of(span["start"], span["end"], span.get("fragments"))
    return ";".join(f"{start} {end}" for start, end in pieces)


def _surface(span: SpanRow, text: str) -> str:
    """A T line's text: the span's, or its pieces' joined as brat joins them."""
    fragments = span.get("fragments")
    if not fragments:
        return _one_line(span["text"])
    return _one_line(DISCONTINUOUS_JOINER.join(text[start:end] for start, end in fragments))


def mentions_by_entity(layer: Layer) -> dict[int, list[SpanRow]]:
    """The layer's mentions by entity id, each in the layer's order."""
    mentions: dict[int, list[SpanRow]] = defaultdict(list)
    for s in layer.spans:
        if "entity" in s:
            mentions[s["entity"]].append(s)
    return mentions


def unwritten_links(layer: Layer, entities: dict[int, EntityRow]) -> int:
    """Mentions whose entity no .ann line keeps: the only mention of an entity
    without an external id (no equivalence, no normalization to write)."""
    unwritten = 0
    for entity_id, found in mentions_by_entity(layer).items():
        entity = entities.get(entity_id)
        if len(found) == 1 and (entity is None or not entity["external_id"]):
            unwritten += 1
    return unwritten


def ann_lines(
    layer: Layer | None,
    text: str,
    conf: _ConfInfo | None = None,
    entities: dict[int, EntityRow] | None = None,
) -> list[str]:
    """The .ann lines for one layer of a document (``entities``: the document's, by id)."""
    if layer is None:
        return []
    spans = {s["id"]: s for s in layer.spans}
    tid: dict[int, str] = {}
    eid: dict[int, str] = {}
    for n, s in enumerate(layer.spans, start=1):
        tid[s["id"]] = f"T{n}"
        if s["attributes"].get(EVENT_KEY):
            eid[s["id"]] = f"E{len(eid) + 1}"

    def ref(span_id: int) -> str:
        return eid.get(span_id) or tid[span_id]

    lines: list[str] = []
    for s in layer.spans:
        lines.append(f"{tid[s['id']]}\t{_type_name(s['label'])} {_ranges(s)}\t{_surface(s, text)}")
        if conf is not None and s["id"] not in eid:
            conf.entities.setdefault(s["label"])
    args: dict[int, list[str]] = defaultdict(list)
    plain = []
    equiv: dict[str, list[tuple[int, int]]] = defaultdict(list)
    for r in layer.relations:
        if r["source_id"] in eid:
            args[r["source_id"]].append(f"{_type_name(r['type'])}:{ref(r['target_id'])}")
            if conf is not None:
                roles = conf.events.setdefault(spans[r["source_id"]]["label"], {})
                roles.setdefault(r["type"], set()).add(spans[r["target_id"]]["label"])
        elif r["type"].startswith(EQUIV_PREFIX):
            equiv[r["type"][len(EQUIV_PREFIX) :]].append((r["source_id"], r["target_id"]))
        else:
            plain.append(r)
    for span_id, e in eid.items():
        trigger = spans[span_id]
        parts = [f"{_type_name(trigger['label'])}:{tid[span_id]}", *args.get(span_id, [])]
        lines.append(f"{e}\t{' '.join(parts)}")
        if conf is not None:
            conf.events.setdefault(trigger["label"], {})
    rid: dict[tuple[str, int, int], str] = {}
    for n, r in enumerate(plain, start=1):
        rtype = _type_name(r["type"])
        lines.append(f"R{n}\t{rtype} Arg1:{ref(r['source_id'])} Arg2:{ref(r['target_id'])}\t")
        target = spans[r["target_id"]]
        rid.setdefault((r["type"], r["source_id"], r["target_id"]), f"R{n}")
        if conf is not None:
            src, dst = conf.relations.setdefault(r["type"], (set(), set()))
            src.add(spans[r["source_id"]]["label"])
            dst.add(target["label"])
    order = {s["id"]: n for n, s in enumerate(layer.spans)}
    groups = [(name, group) for name, pairs in equiv.items() for group in _components(pairs)]
    mentions = mentions_by_entity(layer)
    groups += [(ENTITY_EQUIV, {s["id"] for s in found}) for found in mentions.values()
               if len(found) > 1]  # fmt: skip
    for name, group in groups:
        members = sorted(group, key=order.__getitem__)
        lines.append(f"*\t{_type_name(name)} {' '.join(ref(m) for m in members)}")
        if conf is not None:
            src, dst = conf.relations.setdefault(EQUIV_PREFIX + name, (set(), set()))
            src.update(spans[m]["label"] for m in members)
    n_attr = n_norm = n_note = 0
    notes: list[str] = []
    for entity_id, found in mentions.items():
        entity = (entities or {}).get(entity_id)
        if entity is not None and entity["external_id"]:
            n_norm += 1
            lines.append(
                f"N{n_norm}\t{REFERENCE} {ref(found[0]['id'])} "
                f"{_type_name(entity['external_id'])}\t{_one_line(entity['name'])}"
            )
    for s in layer.spans:
        for key, value in s["attributes"].items():
            if key in RESERVED or value is None or value is False:
                continue
            n_attr += 1
            if value is True:
                lines.append(f"A{n_attr}\t{_type_name(key)} {ref(s['id'])}")
            else:
                value_text = _type_name(str(value))
                lines.append(f"A{n_attr}\t{_type_name(key)} {ref(s['id'])} {value_text}")
            if conf is not None:
                values, on, _binary = conf.attributes.setdefault(key, (set(), set(), False))
                on.add("<EVENT>" if s["id"] in eid else "<ENTITY>")
                if value is True:
                    conf.attributes[key] = (values, on, True)
                else:
                    values.add(str(value))
        for norm in s["attributes"].get(NORM_KEY) or []:
            if isinstance(norm, list) and len(norm) == 3:
                n_norm += 1
                lines.append(
                    f"N{n_norm}\t{norm[0]} {ref(s['id'])} {norm[1]}\t{_one_line(str(norm[2]))}"
                )
        for note_line in _note_lines(s["note"]):
            n_note += 1
            notes.append(f"#{n_note}\tAnnotatorNotes {ref(s['id'])}\t{note_line}")
        for item in s["attributes"].get(NOTES_KEY) or []:
            if not (isinstance(item, list) and len(item) == 4):
                continue
            rtype, t_start, t_end, note = item
            for r in plain:
                t = spans[r["target_id"]]
                if (
                    r["source_id"] == s["id"]
                    and r["type"] == rtype
                    and (t["start"], t["end"]) == (t_start, t_end)
                ):
                    ident = rid[(r["type"], r["source_id"], r["target_id"])]
                    for note_line in _note_lines(str(note)):
                        n_note += 1
                        notes.append(f"#{n_note}\tAnnotatorNotes {ident}\t{note_line}")
                    break
    return lines + notes


_NOT_IN_A_NOTE = re.compile("[\t\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029]")
"""What a brat note line cannot hold: tabs, and the line breaks other than a
newline at which brat (Python's ``splitlines``) would cut the .ann line."""


def _note_lines(note: str) -> list[str]:
    """A note as ``#`` lines' texts: one per line of the note (the import joins a
    target's notes with newlines, so the note comes back the same)."""
    return [_NOT_IN_A_NOTE.sub(" ", line) for line in note.split("\n")] if note else []


def changed_notes(layer: Layer) -> int:
    """The notes (of spans and of relations) that :func:`_note_lines` cannot
    write as they are: their tabs and odd line breaks become spaces."""
    changed = 0
    for s in layer.spans:
        notes = [s["note"]] + [
            str(item[3])
            for item in s["attributes"].get(NOTES_KEY) or []
            if isinstance(item, list) and len(item) == 4
        ]
        changed += sum(1 for note in notes if _NOT_IN_A_NOTE.search(note))
    return changed


def _components(pairs: list[tuple[int, int]]) -> list[set[int]]:
    parent: dict[int, int] = {}

    def find(x: int) -> int:
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for a, b in pairs:
        parent[find(a)] = find(b)
    groups: dict[int, set[int]] = defaultdict(set)
    for x in list(parent):
        groups[find(x)].add(x)
    return list(groups.values())


def annotation_conf(ctx: ExportContext, conf: _ConfInfo) -> str:
    schema = ctx.schema
    entities = [lab.name for lab in schema.labels if lab.name not in conf.events]
    entities += [name for name in conf.entities if name not in entities and name not in conf.events]
    out = ["# Written by Annotator from the project's label schema.", "", "[entities]", ""]
    out += [_type_name(n) for n in entities]
    out += ["", "[relations]", ""]
    relations: dict[str, tuple[set[str], set[str]]] = {
        r.name: (set(r.sources), set(r.targets)) for r in schema.relations
    }
    for name, (src, dst) in conf.relations.items():
        s0, d0 = relations.setdefault(name, (set(), set()))
        s0.update(src)
        d0.update(dst)
    for name, (src, dst) in relations.items():
        if name.startswith(EQUIV_PREFIX):
            types = "|".join(sorted(map(_type_name, src))) or "<ANY>"
            out.append(
                f"{_type_name(name[1:])}\tArg1:{types}, Arg2:{types}, "
                "<REL-TYPE>:symmetric-transitive"
            )
        else:
            a1 = "|".join(sorted(map(_type_name, src))) or "<ANY>"
            a2 = "|".join(sorted(map(_type_name, dst))) or "<ANY>"
            out.append(f"{_type_name(name)}\tArg1:{a1}, Arg2:{a2}")
    out += ["", "[events]", ""]
    for name, roles in conf.events.items():
        args = ", ".join(
            f"{_type_name(role)}*:{'|'.join(sorted(map(_type_name, types)))}"
            for role, types in roles.items()
        )
        out.append(f"{_type_name(name)}\t{args}".rstrip())
    out += ["", "[attributes]", ""]
    attributes: dict[str, tuple[set[str], set[str], bool]] = {}
    for lab in schema.labels:
        for attr in lab.attributes:
            values, on, _ = attributes.setdefault(attr.name, (set(), set(), False))
            values.update(attr.values)
            on.add(_type_name(lab.name))
    for name, (values, on, binary) in conf.attributes.items():
        v0, o0, b0 = attributes.setdefault(name, (set(), set(), False))
        v0.update(values)
        o0.update(on)
        attributes[name] = (v0, o0, b0 or binary)
    for name, (values, on, binary) in attributes.items():
        line = f"{_type_name(name)}\tArg:{'|'.join(sorted(on))}"
        if values and not binary:
            line += f", Value:{'|'.join(sorted(values))}"
        out.append(line)
    return "\n".join(out) + "\n"


def _type_name(name: str) -> str:
    """A brat type, role or attribute value: no spaces (they separate the fields)."""
    return re.sub(r"\s+", "_", name.strip()) or "_"


def export(
    docs: Iterable[ExportDocument], target: Path, ctx: ExportContext, *, per_annotator: bool
) -> None:
    """Write a folder (or a .zip when ``target`` ends in .zip)."""
    write_folder_or_zip(target, lambda folder: _write_folder(docs, folder, ctx, per_annotator))


def _write_folder(
    docs: Iterable[ExportDocument], folder: Path, ctx: ExportContext, per_annotator: bool
) -> None:
    conf = _ConfInfo()
    stems = _UniqueNames()
    folders: dict[str, str] = {}
    folder_names = _UniqueNames()
    notes_changed = 0
    for doc in docs:
        ctx.documents += 1
        stem = stems.claim(safe_name(doc.source or doc.title, f"doc-{doc.id}"), str(doc.id))
        layers: list[Layer | None] = list(doc.layers) or [None]
        entities = {e["id"]: e for e in doc.entities}
        for layer in layers:
            where = folder
            if per_annotator and layer is not None:
                name = layer.annotator
                if name not in folders:
                    folders[name] = folder_names.claim(
                        safe_name(name, "annotator"), _digest(name), exact=name
                    )
                where = folder / folders[name]
                where.mkdir(exist_ok=True)
            (where / f"{stem}.txt").write_text(doc.text, encoding="utf-8", newline="\n")
            lines = ann_lines(layer, doc.text, conf, entities)
            (where / f"{stem}.ann").write_text(
                "".join(line + "\n" for line in lines), encoding="utf-8", newline="\n"
            )
            if layer is not None:
                ctx.spans += len(layer.spans)
                ctx.relations += len(layer.relations)
                count_left_out(layer, ctx, spans=[])
                ctx.flattened.entity_links += unwritten_links(layer, entities)
                notes_changed += changed_notes(layer)
    names = [*conf.entities, *conf.events, *conf.relations, *conf.attributes]
    changed = sorted({n for n in names if _type_name(n) != n})
    if changed:
        ctx.warnings.append(
            "brat names cannot hold spaces; written with '_': " + ", ".join(changed)
        )
    if notes_changed:
        ctx.warnings.append(
            f"{notes_changed} note(s) hold tabs or line breaks other than a newline, which "
            "a brat note cannot; written as spaces"
        )
    text = annotation_conf(ctx, conf)
    (folder / "annotation.conf").write_text(text, encoding="utf-8", newline="\n")
    for sub in folder.iterdir():
        if sub.is_dir():
            (sub / "annotation.conf").write_text(text, encoding="utf-8", newline="\n")


class _UniqueNames:
    """File and folder names unique even on a case-insensitive disk.

    A name that is taken (in any case) gets ``-SUFFIX`` (a document's id, a
    digest of an annotator's name), then a counter; a sanitised annotator name
    (one that differs from ``exact``) always gets its digest, so "a/b" and
    "a_b" never share a folder whatever order they come in. The same documents
    give the same names on every export.
    """

    def __init__(self) -> None:
        self._taken: set[str] = {"annotation.conf"}

    def claim(self, name: str, suffix: str, *, exact: str | None = None) -> str:
        candidate = name if exact is None or exact == name else f"{name}-{suffix}"
        if candidate.casefold() in self._taken:
            candidate = f"{name}-{suffix}"
        n = 2
        while candidate.casefold() in self._taken:
            candidate = f"{name}-{suffix}-{n}"
            n += 1
        self._taken.add(candidate.casefold())
        return candidate


def _digest(name: str) -> str:
    import hashlib

    return hashlib.sha1(name.encode("utf-8")).hexdigest()[:8]


# --- import --------------------------------------------------------------------------

_T = re.compile(r"^(T\d+)\t(\S+) (\d+ \d+(?:;\d+ \d+)*)\t(.*)$", re.DOTALL)
OFFSET_DIGITS = 15
ID_MAX = 40
"""Longer offsets lie outside any text; they are refused before int() reads them."""
_KINDS = {
    "T": "a text-bound annotation",
    "E": "an event",
    "R": "a relation",
    "A": "an attribute",
    "M": "an attribute",
    "N": "a normalization",
    "#": "a note",
}


@dataclass(slots=True)
class _Pending:
    number: int
    kind: str
    ident: str
    body: str
    text: str


@dataclass(slots=True)
class _Refs:
    """Every id of an .ann file: what it names, and whether it was taken."""

    index: dict[str, int] = field(default_factory=dict)  # T or E id -> span index
    defined: dict[str, tuple[str, int]] = field(default_factory=dict)  # id -> (kind, line)
    refused: set[str] = field(default_factory=set)

    def resolve(self, ref: str) -> int:
        """The span an attribute, note, relation or event points at, or why there is none."""
        if ref in self.index:
            return self.index[ref]
        if ref in self.refused:
            raise LineProblem(f"{ref} was refused")
        kind = self.defined.get(ref, ("", 0))[0]
        if kind == "R":
            raise LineProblem(
                f"{ref} is a relation; only text-bound annotations and events can be pointed at"
            )
        if kind in _KINDS:
            raise LineProblem(f"{ref} is {_KINDS[kind]}, not a text-bound annotation or event")
        raise LineProblem(f"{ref} does not exist")


def _offsets(ident: str, ranges: str) -> list[int]:
    values = ranges.replace(";", " ").split()
    for value in values:
        if len(value) > OFFSET_DIGITS:
            raise LineProblem(
                f"{ident}: offset {value[:8]}... ({len(value)} digits) lies outside the text"
            )
    return [int(value) for value in values]


def parse_ann(
    ann: str,
    source: SourceText,
    annotator: str,
    where: Path | str,
    schema: LabelSchema | None = None,
) -> tuple[LayerDraft, list[EntityDraft], list[InputProblem]]:
    """One .ann file's lines into a layer and the entities its mentions name;
    refused lines come back as problems, in the order of their lines.

    A refused line changes nothing: every line is checked whole before any of
    it is applied, and lines that point at a refused one are refused too.
    ``schema`` (the project's) refuses relations and event arguments it does
    not allow here, so the message names their line.
    """
    layer = LayerDraft(annotator)
    problems: list[InputProblem] = []
    refs = _Refs()
    index, refused = refs.index, refs.refused
    span_ids: list[str] = []  # the T id of each span
    pending: list[_Pending] = []
    for number, line in enumerate(ann.split("\n"), start=1):
        line = line.rstrip("\r")
        if not line.strip():
            continue
        head, _, rest = line.partition("\t")
        kind = head[:1]
        if kind not in _KINDS and kind != "*":
            problems.append(InputProblem(where, f"unknown annotation line {head[:40]!r}", number))
            continue
        if len(head) > ID_MAX:
            message = f"id {head[:12]}... is too long ({len(head)} characters)"
            problems.append(InputProblem(where, message, number))
            continue
        if kind != "*":
            if head in refs.defined:
                first = refs.defined[head][1]
                problems.append(
                    InputProblem(where, f"{head} is defined twice (first on line {first})", number)
                )
                continue
            refs.defined[head] = (kind, number)
        if kind == "T":
            match = _T.match(line)
            if match is None:
                problems.append(InputProblem(where, "malformed text-bound annotation", number))
                refused.add(head)
                continue
            ident, label, ranges, surface = match.groups()
            try:
                offsets = _offsets(ident, ranges)
                try:
                    if len(offsets) == 2:
                        start, end = offsets
                        span = source.span(start, end, label, surface, surface_check=_same_surface)
                    else:
                        span = _span_in_pieces(source, offsets, label, surface)
                except LineProblem as exc:
                    raise LineProblem(f"{ident}: {exc}") from None
            except LineProblem as exc:
                problems.append(InputProblem(where, str(exc), number))
                refused.add(ident)
                continue
            index[ident] = len(layer.spans)
            layer.spans.append(span)
            span_ids.append(ident)
        else:
            body, _, text = rest.partition("\t")
            pending.append(_Pending(number, kind, head, body, text))

    def refuse(p: _Pending, message: str) -> None:
        problems.append(InputProblem(where, f"{p.ident}: {message}", p.number))
        if p.kind in "ER":  # what other lines may point at
            refused.add(p.ident)

    spans: list[dict[str, Any]] = [
        {"attributes": dict(s.attributes), "note": s.note} for s in layer.spans
    ]
    # Events first: they name their trigger, and other lines may point at them.
    events = _events([p for p in pending if p.kind == "E"], refs, layer.spans, schema, refuse)
    for p, at, _arguments in events:
        spans[at]["attributes"][EVENT_KEY] = True
        index[p.ident] = at
    for _line, at, arguments in events:
        for role, target in arguments:
            layer.relations.append(RelationDraft(role, at, index[target]))
    # R id -> (type, source, target) of each relation taken
    taken: dict[str, tuple[str, int, int]] = {}
    for p in pending:
        if p.kind != "R":
            continue
        try:
            taken[p.ident] = _relation(p, refs, layer.spans, schema)
        except LineProblem as exc:
            refuse(p, str(exc))
            continue
        layer.relations.append(RelationDraft(*taken[p.ident]))
    same_entity: list[tuple[int, int]] = []  # pairs of spans an equivalence names
    references: list[tuple[int, str, str]] = []  # span, external id, name
    noted: set[int] = set()  # spans with a note: more note lines add lines to it
    relation_notes: dict[str, list[Any]] = {}  # R id -> its item in the source's NOTES_KEY
    for p in pending:
        parts = p.body.split()
        try:
            if p.kind == "*":
                if len(parts) < 3:
                    raise LineProblem("an equivalence needs a type and two annotations")
                members = [refs.resolve(ref) for ref in parts[1:]]
                same_entity.extend(itertools.pairwise(members))
            elif p.kind in "AM":
                if len(parts) not in (2, 3):
                    raise LineProblem("malformed attribute")
                at = refs.resolve(parts[1])
                value: Any = parts[2] if len(parts) == 3 else True
                spans[at]["attributes"][parts[0]] = value
            elif p.kind == "N":
                if len(parts) != 3:
                    raise LineProblem("malformed normalization")
                at = refs.resolve(parts[1])
                if parts[0] == REFERENCE:
                    references.append((at, parts[2], p.text))
                else:
                    spans[at]["attributes"].setdefault(NORM_KEY, []).append(
                        [parts[0], parts[2], p.text]
                    )
            elif p.kind == "#":
                if len(parts) != 2:
                    raise LineProblem("malformed note")
                if parts[1] in taken:
                    item = relation_notes.get(parts[1])
                    if item is not None:  # a note in several lines, as the export writes one
                        item[3] += "\n" + p.text
                        continue
                    rtype, src_at, dst_at = taken[parts[1]]
                    dst = layer.spans[dst_at]
                    item = relation_notes[parts[1]] = [rtype, dst.start, dst.end, p.text]
                    spans[src_at]["attributes"].setdefault(NOTES_KEY, []).append(item)
                else:
                    at = refs.resolve(parts[1])
                    note = spans[at]["note"]
                    spans[at]["note"] = f"{note}\n{p.text}" if at in noted else p.text
                    noted.add(at)
        except LineProblem as exc:
            refuse(p, str(exc))
    entities, entity_of = _entities(layer.spans, span_ids, source.text, same_entity, where)
    for at, external_id, name in references:
        key = entity_of.get(at)
        if key is None:
            key = entity_of[at] = _entity_key(where, span_ids[at])
            entities[key] = _entity(key, layer.spans[at], source.text)
        entity = entities[key]
        if entity.external_id in ("", external_id):
            entities[key] = replace(entity, external_id=external_id, name=name or entity.name)
        else:  # a second reference for one entity stays on its span, as before entities
            spans[at]["attributes"].setdefault(NORM_KEY, []).append([REFERENCE, external_id, name])
    layer.spans = [
        replace(s, attributes=extra["attributes"], note=extra["note"], entity=entity_of.get(n))
        for n, (s, extra) in enumerate(zip(layer.spans, spans, strict=True))
    ]
    problems.sort(key=lambda p: p.line or 0)
    return layer, list(entities.values()), problems


def _relation(
    p: _Pending, refs: _Refs, spans: list[SpanDraft], schema: LabelSchema | None
) -> tuple[str, int, int]:
    """An R line's type, source and target, or :class:`LineProblem` saying why not."""
    parts = p.body.split()
    if len(parts) != 3 or not parts[1].startswith("Arg1:") or ":" not in parts[2]:
        raise LineProblem("malformed relation")
    rtype = parts[0]
    source = refs.resolve(parts[1].split(":", 1)[1])
    target = refs.resolve(parts[2].split(":", 1)[1])
    why = link_refusal(rtype, spans[source], spans[target], schema)
    if why is not None:
        raise LineProblem(why)
    return rtype, source, target


# an event line taken: the line, its trigger span and its (role, target id) arguments
_Event = tuple[_Pending, int, list[tuple[str, str]]]


def _events(
    lines: list[_Pending],
    refs: _Refs,
    spans: list[SpanDraft],
    schema: LabelSchema | None,
    refuse: Callable[[_Pending, str], None],
) -> list[_Event]:
    """The E lines that can be taken whole, in their order; the others refused.

    An argument may name another event, so an event stands only while every
    event it names stands: refusing one re-checks those that name it.
    """
    standing: dict[str, _Event] = {}
    claimed: dict[int, str] = {}  # trigger span -> the event it serves
    for p in lines:
        parts = p.body.split()
        try:
            if not parts or ":" not in parts[0]:
                raise LineProblem("malformed event")
            trigger = parts[0].split(":", 1)[1]
            if refs.defined.get(trigger, ("", 0))[0] == "E":
                raise LineProblem(f"trigger: {trigger} is an event, not a text-bound annotation")
            try:
                at = refs.resolve(trigger)
            except LineProblem as exc:
                raise LineProblem(f"trigger: {exc}") from None
            if at in claimed:
                raise LineProblem(f"trigger {trigger} already serves another event")
            arguments = []
            for arg in parts[1:]:
                role, _, target = arg.partition(":")
                if not role or not target:
                    raise LineProblem(f"malformed argument {arg[:40]!r}")
                arguments.append((role, target))
        except LineProblem as exc:
            refuse(p, str(exc))
            continue
        claimed[at] = p.ident
        standing[p.ident] = (p, at, arguments)
    naming: dict[str, list[str]] = defaultdict(list)  # event id -> the events naming it
    for ident, (_p, _at, arguments) in standing.items():
        for _role, target in arguments:
            naming[target].append(ident)
    to_check = list(reversed(standing))
    while to_check:
        ident = to_check.pop()
        if ident not in standing:
            continue
        p, at, arguments = standing[ident]
        try:
            for role, target in arguments:
                target_at = standing[target][1] if target in standing else refs.resolve(target)
                why = link_refusal(role, spans[at], spans[target_at], schema)
                if why is not None:
                    raise LineProblem(why)
        except LineProblem as exc:
            del standing[ident]
            refuse(p, str(exc))
            to_check.extend(naming.get(ident, ()))
    return list(standing.values())


def _span_in_pieces(source: SourceText, offsets: list[int], label: str, surface: str) -> SpanDraft:
    """A discontinuous T line's span: each piece checked and mapped as a span is,
    the text checked against the pieces' texts joined as brat joins them."""
    raw_pieces = list(zip(offsets[::2], offsets[1::2], strict=True))
    mapped = [source.span(start, end, label) for start, end in raw_pieces]
    found = DISCONTINUOUS_JOINER.join(source.raw[start:end] for start, end in raw_pieces)
    if not _same_surface(surface, found):
        raise LineProblem(
            f"span {offsets[0]}-{offsets[-1]} {label}: text {surface!r} does not match the "
            f"document's pieces ({found!r})"
        )
    try:
        pieces = normalise((p.start, p.end) for p in mapped)
    except OffsetError as exc:
        raise LineProblem(str(exc)) from None
    return SpanDraft(label, pieces[0][0], pieces[-1][1], fragments=stored_fragments(pieces))


def _entity_key(where: Path | str, ident: str) -> str:
    """An entity's key in an import: its file and its first mention's T id."""
    return f"{where}#{ident}"


def _entity(key: str, mention: SpanDraft, text: str) -> EntityDraft:
    """An entity named after ``mention``'s text, with its label."""
    pieces = pieces_of(mention.start, mention.end, mention.fragments)
    return EntityDraft(key, joined_text(text, pieces), mention.label)


def _entities(
    spans: list[SpanDraft],
    span_ids: list[str],
    text: str,
    pairs: list[tuple[int, int]],
    where: Path | str,
) -> tuple[dict[str, EntityDraft], dict[int, str]]:
    """The entities the equivalences make (spans linked through shared members
    are one), named after their first mention; and each mention's entity key."""
    entities: dict[str, EntityDraft] = {}
    entity_of: dict[int, str] = {}
    for group in sorted(map(sorted, _components(pairs))):
        first = group[0]
        key = _entity_key(where, span_ids[first])
        entities[key] = _entity(key, spans[first], text)
        for member in group:
            entity_of[member] = key
    return entities, entity_of


def _same_surface(surface: str, found: str) -> bool:
    return _one_line(surface) == _one_line(found)


def _title(text: str) -> str:
    for line in text.split("\n"):
        if line.strip():
            return line.strip()[:TITLE_MAX]
    return ""


def _decode(data: bytes, where: str, notices: list[InputProblem], *, keep_bom: bool = False) -> str:
    """UTF-8 (else a legacy encoding, named in a notice). A .txt keeps a leading
    U+FEFF (``keep_bom``): brat reads it as the text's first character."""
    try:
        return data.decode("utf-8" if keep_bom else "utf-8-sig")
    except UnicodeDecodeError:
        text, encoding, _ = decode_bytes(data, where)
        notices.append(InputNotice(where, f"not UTF-8; read as {encoding}"))
        return text


BOM = "\ufeff"
PARTIAL_SUFFIXES = (".a1", ".a2", ".co", ".rel")
"""brat's partial annotation files, read by brat when a document has no .ann."""


def _document(
    txt: bytes,
    ann: bytes,
    source_name: str,
    txt_where: str,
    where: str,
    ctx: ImportContext,
) -> tuple[AnnotatedDraft | None, list[InputProblem]]:
    notices: list[InputProblem] = []
    try:
        raw = _decode(txt, txt_where, notices, keep_bom=True)
        ann_text = _decode(ann, where, notices) if ann.strip() else ""
    except InputProblem as exc:
        return None, [exc]
    if not raw.lstrip(BOM).strip():
        return None, [InputProblem(txt_where, "the .txt file has no text")]
    source = SourceText(raw)
    layer, entities, problems = parse_ann(ann_text, source, ctx.as_name or "", where, ctx.schema)
    if raw.startswith(BOM) and problems:
        # A tool that dropped the byte-order mark before counting wrote offsets
        # that fit better without it (fewer lines refused): then it is left out.
        without = SourceText(raw[1:])
        again = parse_ann(ann_text, without, ctx.as_name or "", where, ctx.schema)
        if len(again[2]) < len(problems):
            source, (layer, entities, problems) = without, again
            notices.append(
                InputNotice(
                    txt_where,
                    "the byte-order mark at its start is left out: the .ann's offsets do not "
                    "count it",
                )
            )
    draft = DocumentDraft(text=source.text, title=_title(source.text), source=source_name)
    return AnnotatedDraft(draft, [layer], origin=where, entities=entities), notices + problems


def _pair_problem(txt_name: str, ann_name: str, names: set[str]) -> tuple[str, str] | None:
    """Why a document cannot be read (the file to name and the reason), or None.

    ``names``: the files brat reads that are there. A document without its
    .ann is its text alone (brat shows it so), unless brat would read its
    annotations from partial files, which this import does not.
    """
    stem = txt_name.removesuffix(".txt")
    if txt_name not in names:
        return ann_name, f"no {_base(txt_name)} beside it: no text to annotate; not imported"
    if ann_name not in names:
        for suffix in PARTIAL_SUFFIXES:
            if stem + suffix in names:
                return stem + suffix, (
                    f"brat's {'/'.join(PARTIAL_SUFFIXES)} files are not read; join them into "
                    f"{_base(ann_name)}: {_base(txt_name)} not imported"
                )
    return None


def _base(name: str) -> str:
    """A file's name without its folder (a path on disk, or a name in a .zip)."""
    return name.rsplit("/", 1)[-1].rsplit(os.sep, 1)[-1]


def _lonely_text(txt_where: str, ann_name: str) -> InputNotice:
    return InputNotice(
        txt_where, f"no {_base(ann_name)} beside it: imported without annotations, as brat shows it"
    )


_BRAT_SUFFIXES = (".txt", ".ann", *PARTIAL_SUFFIXES)


def read(path: Path, ctx: ImportContext) -> Iterator[AnnotatedDraft | InputProblem]:
    """Documents of a brat folder (searched recursively) or .zip: each .txt with
    its .ann, or alone; an .ann without its .txt is a problem."""
    if not path.exists():
        yield InputProblem(path, "no such file or folder")
        return
    if path.is_file() and path.suffix.lower() == ".zip":
        yield from _read_zip(path, ctx)
        return
    if path.is_file():
        if path.suffix not in (".txt", ".ann"):
            yield InputProblem(path, "not a brat file: give a folder, a .zip, a .txt or an .ann")
            return
        root = path.parent
        texts = [path.with_suffix(".txt")]
        found = {p for p in (path.with_suffix(s) for s in _BRAT_SUFFIXES) if p.exists()}
    else:
        root = path.parent
        found = set()
        for p in walk_folder(path):
            if isinstance(p, InputProblem):
                yield p  # a folder that cannot be listed
            elif p.suffix in _BRAT_SUFFIXES:
                found.add(p)
        if not any(p.suffix == ".ann" for p in found):
            yield InputProblem(
                path,
                "no brat documents here: no .ann files (texts without annotations are "
                "imported without --format)",
            )
            return
        texts = sorted({p.with_suffix(".txt") for p in found if p.suffix in (".txt", ".ann")})
    names = {str(p) for p in found}
    for txt in texts:
        ann = txt.with_suffix(".ann")
        refused = _pair_problem(str(txt), str(ann), names)
        if refused is not None:
            yield InputProblem(*refused)
            continue
        has_ann = str(ann) in names
        try:
            txt_bytes = read_regular(txt, ctx.file_limit, MAX_FILE_SETTING)
            ann_bytes = read_regular(ann, ctx.file_limit, MAX_FILE_SETTING) if has_ann else b""
        except InputProblem as problem:
            yield problem
            continue
        if not has_ann:
            yield _lonely_text(str(txt), str(ann))
        item, problems = _document(
            txt_bytes, ann_bytes, txt.relative_to(root).as_posix(), str(txt), str(ann), ctx
        )
        yield from problems
        if item is not None:
            yield item


def _read_zip(path: Path, ctx: ImportContext) -> Iterator[AnnotatedDraft | InputProblem]:
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        yield InputProblem(path, f"not a readable .zip ({exc})")
        return
    with archive:
        names = {n for n in archive.namelist() if n.endswith(_BRAT_SUFFIXES)}
        if not any(n.endswith(".ann") for n in names):
            yield InputProblem(path, "no brat documents in the .zip: no .ann files")
            return
        texts = sorted({n[: -len(".ann")] + ".txt" if n.endswith(".ann") else n
                        for n in names if n.endswith((".txt", ".ann"))})  # fmt: skip
        budget = _ZipBudget(archive, path, ctx.file_limit)
        for name in texts:
            ann_name = name[: -len(".txt")] + ".ann"
            refused = _pair_problem(name, ann_name, names)
            if refused is not None:
                yield InputProblem(f"{path}!{refused[0]}", refused[1])
                continue
            has_ann = ann_name in names
            try:
                txt_bytes = budget.read(name)
                ann_bytes = budget.read(ann_name) if has_ann else b""
            except InputProblem as problem:
                yield problem
                return  # an archive that expands without end: none of the rest is read
            if not has_ann:
                yield _lonely_text(f"{path}!{name}", ann_name)
            item, problems = _document(
                txt_bytes, ann_bytes, name, f"{path}!{name}", f"{path}!{ann_name}", ctx
            )
            yield from problems
            if item is not None:
                yield item


MAX_ZIP_RATIO = 100
"""A .zip member that expands more than this many times (and past 1 MB) is refused."""


_ZIP_SETTING = MAX_FILE_SETTING + ", for all files of the .zip"


class _ZipBudget:
    """Reads members of a .zip, together at most ``limit`` bytes expanded (the
    project's ``max_file_mb``), none expanding over :data:`MAX_ZIP_RATIO` times."""

    def __init__(self, archive: zipfile.ZipFile, path: Path, limit: int) -> None:
        self.archive, self.path, self.left, self.limit = archive, path, limit, limit

    def read(self, name: str) -> bytes:
        where = f"{self.path}!{name}"
        info = self.archive.getinfo(name)
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size > MB and ratio > MAX_ZIP_RATIO:
            raise InputProblem(
                where,
                f"not read: expands {ratio:,.0f} times (to {info.file_size / MB:,.0f} MB); "
                f"over {MAX_ZIP_RATIO} times is refused",
            )
        if info.file_size > self.left:
            raise InputProblem(where, too_large(self.limit, _ZIP_SETTING))
        try:
            with self.archive.open(info) as member:
                data = member.read(self.left + 1)
        except (zipfile.BadZipFile, OSError, EOFError, RuntimeError) as exc:
            raise InputProblem(where, f"cannot read it from the .zip ({exc})") from exc
        if len(data) > self.left:
            raise InputProblem(where, too_large(self.limit, _ZIP_SETTING))
        self.left -= len(data)
        return data
