"""WebAnno TSV 3 (``#FORMAT=WebAnno TSV 3.3``): INCEpTION's tab-separated format.

As INCEpTION's user guide (``webannotsv.adoc``) defines it: a header naming
the span layers (``#T_SP=type|feature...``) and relation layers
(``#T_RL=type|feature...|BT_base``), then each sentence as ``#Text=`` lines
and one row per token: ``sentence-token``, ``begin-end``, the token, then one
column per feature. ``_`` is an empty column, ``*`` a feature without a
value; ``LABEL[3]`` names annotation 3 when it covers several tokens or
shares a token with another of its layer; ``A|B`` stacks two; a relation sits
on its dependent's first token and points at its governor's first token
(``1-4[3_7]``: from annotation 3 to annotation 7). Offsets count UTF-16 code
units, as Java does.

Export: a folder (or .zip) with ``DOCUMENT/ANNOTATOR.tsv``, as INCEpTION
exports a project (see :mod:`annotator.io.formats.inception` for the layers).
Tokens are words and punctuation, split at every span edge so each span is
whole tokens; whitespace at a span's edge becomes a token of its own unless
it holds a tab or line break, where the span is trimmed to its tokens, as
INCEpTION does, and the export says how many. Each sentence's ``#Text`` runs
to the next sentence, so the text between them (line breaks included) comes
back; only whitespace before the first token comes back as spaces.

Import: the text is rebuilt from the ``#Text`` lines at the offsets the
tokens give (a gap before a sentence filled with spaces, as INCEpTION does),
each token is checked against it, and a file whose rows do not fit (a column
too many or too few, a relation's label and governor columns that do not pair
up) is refused whole with its line. The file's name is the annotator (``--as`` overrides).

Reader and writer share one module (over 500 lines) so that the escaping, the
disambiguation ids and the text's layout stay inverse to each other.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from annotator.core.dataset import (
    AnnotatedDraft,
    ExportDocument,
    Layer,
    LayerDraft,
    RelationDraft,
    SpanDraft,
    SpanRow,
)
from annotator.core.formats import UTF16
from annotator.core.model import DocumentDraft
from annotator.core.offsets import Utf16Map
from annotator.io.errors import InputProblem
from annotator.io.formats.common import (
    ExportContext,
    LineProblem,
    SourceText,
    check_name,
    count_left_out,
    offset_converter,
    spans_in_pieces,
)
from annotator.io.formats.importing import ImportContext, InputNotice
from annotator.io.formats.inception import (
    ANNOTATION,
    ENTITY_FEATURE,
    LABEL_FEATURE,
    LINK_LAYER,
    NAMED_ENTITY,
    SPAN_LAYER,
    InputFile,
    decode_utf8,
    export_tree,
    export_units,
    file_draft,
    imported_layer,
    input_files,
    label_feature,
    short_name,
    span_layer,
)

SUFFIX = ".tsv"
FORMAT_LINE = "#FORMAT=WebAnno TSV 3.3"
HEADER = (
    FORMAT_LINE,
    f"#T_SP={NAMED_ENTITY}|{ENTITY_FEATURE}",
    f"#T_SP={SPAN_LAYER}|{LABEL_FEATURE}",
    f"#T_RL={LINK_LAYER}|{LABEL_FEATURE}|BT_{ANNOTATION}",
)

# --- escaping (INCEpTION's Escaping.java) -------------------------------------------

_VALUE_SPECIAL = re.compile(r"\\|\[|\]|\||_|->|;|\t|\n|\*")
_VALUE_ESCAPED = re.compile(r"\\(\\|\[|\]|\||_|->|;|t|n|\*)")
_TEXT_SPECIAL = re.compile(r"[\x00-\x07\x0e-\x1f\t\x0c\r\x08\\]")
_TEXT_ESCAPED = re.compile(r"\\([\x00-\x07\x0e-\x1f\\tnfrb])")
_TEXT_NAMED = {"\t": "t", "\x0c": "f", "\r": "r", "\x08": "b", "\\": "\\"}
_TEXT_UNNAMED = {"t": "\t", "n": "\n", "f": "\x0c", "r": "\r", "b": "\x08", "\\": "\\"}


def escape_value(value: str) -> str:
    return _VALUE_SPECIAL.sub(
        lambda m: {"\t": "\\t", "\n": "\\n"}.get(m.group(), "\\" + m.group()), value
    )


def unescape_value(value: str) -> str:
    return _VALUE_ESCAPED.sub(lambda m: {"t": "\t", "n": "\n"}.get(m.group(1), m.group(1)), value)


def escape_text(text: str) -> str:
    """A ``#Text`` line: control characters other than tab, line feed, form feed
    and carriage return keep a backslash in front, as INCEpTION writes them."""
    return _TEXT_SPECIAL.sub(lambda m: "\\" + _TEXT_NAMED.get(m.group(), m.group()), text)


def unescape_text(text: str) -> str:
    return _TEXT_ESCAPED.sub(lambda m: _TEXT_UNNAMED.get(m.group(1), m.group(1)), text)


# --- export ------------------------------------------------------------------------------


@dataclass(slots=True)
class _Placed:
    """A span as tokens: the first and last token it covers, its layer and id."""

    span: SpanRow
    first: int
    last: int
    layer: str
    ident: int = 0
    cell: str = ""
    """How its rows show it: the escaped label and its id, if it has one."""


def document_tsv(text: str, layer: Layer | None, ctx: ExportContext) -> tuple[str, int, int]:
    """One document and layer as TSV; also how many spans were trimmed and left out."""
    count_left_out(layer, ctx)
    spans = spans_in_pieces(layer.spans, text, ctx) if layer is not None else []
    tokens, sentences = export_units(text, [(s["start"], s["end"]) for s in spans])
    starts = [s for s, _ in tokens]
    ends = [e for _, e in tokens]
    every: list[_Placed] = []
    placed: dict[int, _Placed] = {}  # by span id: a span in pieces is linked by its first
    trimmed = dropped = 0
    for s in spans:
        first = bisect_left(starts, s["start"])
        last = bisect_right(ends, s["end"]) - 1
        if first > last:
            dropped += 1
            continue
        if starts[first] != s["start"] or ends[last] != s["end"]:
            trimmed += 1
        every.append(_Placed(s, first, last, span_layer(s["label"], ctx)))
        placed.setdefault(s["id"], every[-1])
    relations = [
        r
        for r in (layer.relations if layer is not None else [])
        if r["source_id"] in placed and r["target_id"] in placed
    ]
    dropped_links = len(layer.relations if layer is not None else []) - len(relations)
    on_token: dict[tuple[int, str], list[_Placed]] = defaultdict(list)
    for p in every:
        for t in range(p.first, p.last + 1):
            on_token[t, p.layer].append(p)
    related = {r["source_id"] for r in relations} | {r["target_id"] for r in relations}
    ident = 0
    for p in sorted(every, key=lambda p: (p.first, p.last, p.span["id"])):
        alone = all(len(on_token[t, p.layer]) == 1 for t in range(p.first, p.last + 1))
        if p.first != p.last or not alone or p.span["id"] in related:
            ident += 1
            p.ident = ident
        p.cell = escape_value(p.span["label"]) + (f"[{p.ident}]" if p.ident else "")
    # each token's unit id, "sentence-token", both counted from 1
    unit: list[str] = []
    sentence_starts = [s for s, _ in sentences]
    current = count = 0
    for start, _ in tokens:
        sentence = bisect_right(sentence_starts, start)
        if sentence != current:
            current, count = sentence, 0
        count += 1
        unit.append(f"{sentence}-{count}")
    links: dict[int, list[tuple[str, str]]] = defaultdict(list)  # dependent's token -> cells
    for r in relations:
        gov, dep = placed[r["source_id"]], placed[r["target_id"]]
        links[dep.first].append(
            (escape_value(r["type"]), f"{unit[gov.first]}[{gov.ident}_{dep.ident}]")
        )
    annotated = {t for t, _ in on_token} | set(links)
    convert = offset_converter(text, UTF16)
    lines = [*HEADER, "", ""]
    token_at = 0
    for start, end in sentences:
        lines.extend("#Text=" + escape_text(part) for part in text[start:end].split("\n"))
        while token_at < len(tokens) and tokens[token_at][0] < end:
            t_start, t_end = tokens[token_at]
            row = f"{unit[token_at]}\t{convert(t_start)}-{convert(t_end)}\t{text[t_start:t_end]}\t"
            if token_at not in annotated:  # most tokens: nothing in any column
                lines.append(row + "_\t_\t_\t_\t")
            else:
                entities = on_token.get((token_at, NAMED_ENTITY), ())
                others = on_token.get((token_at, SPAN_LAYER), ())
                here = links.get(token_at, ())
                cells = (
                    "|".join(p.cell for p in entities) or "_",
                    "|".join(p.cell for p in others) or "_",
                    "|".join(label for label, _ in here) or "_",
                    "|".join(ref for _, ref in here) or "_",
                )
                lines.append(row + "\t".join(cells) + "\t")
            token_at += 1
        lines.append("")
    ctx.spans -= dropped
    ctx.relations -= dropped_links
    return "\n".join(lines) + "\n", trimmed, dropped


def export(docs: Iterable[ExportDocument], target: Path, ctx: ExportContext) -> None:
    """A folder (or .zip) with DOCUMENT/ANNOTATOR.tsv."""
    trimmed = dropped = 0

    def write(
        doc: ExportDocument, layers: list[Layer | None], folder: Path, names: list[str]
    ) -> None:
        nonlocal trimmed, dropped
        for layer, name in zip(layers, names, strict=True):
            content, cut, lost = document_tsv(doc.text, layer, ctx)
            trimmed += cut
            dropped += lost
            (folder / f"{name}{SUFFIX}").write_text(content, encoding="utf-8", newline="\n")

    export_tree(docs, target, ctx, write)
    if trimmed:
        ctx.warnings.append(
            f"{trimmed} span(s) start or end in a line break or tab, which a TSV row cannot "
            "hold: written trimmed to their tokens"
        )
    if dropped:
        ctx.warnings.append(f"{dropped} span(s) of nothing but line breaks left out of the TSV")


# --- import --------------------------------------------------------------------------------

_ROW = re.compile(r"^(\d+-\d+(?:\.\d+)?)\t(\d+)-(\d+)\t")
_UNIT = re.compile(r"\d+-\d+(?:\.\d+)?")
_ID_SUFFIX = re.compile(r"^(.*)\[(\d+)(?:_(\d+))?\]$", re.DOTALL)


@dataclass(frozen=True, slots=True)
class _Column:
    kind: str  # "span", "relation", "ref" (a relation's governor), "other"
    layer: str
    feature: str


@dataclass(slots=True)
class _SpanItem:
    layer: str
    label: str
    start: int  # UTF-16
    end: int
    line: int


@dataclass(slots=True)
class _Parsed:
    text: str = ""
    spans: dict[object, _SpanItem] = field(default_factory=dict)
    relations: list[tuple[str, object, object, int]] = field(default_factory=list)
    problems: list[InputProblem] = field(default_factory=list)
    skipped_layers: set[str] = field(default_factory=set)


def split_stacked(cell: str) -> list[str]:
    """A cell's stacked values, split at ``|`` that no backslash escapes."""
    items, current, escaped = [], [], False
    for ch in cell:
        if escaped:
            current.append(ch)
            escaped = False
        elif ch == "\\":
            current.append(ch)
            escaped = True
        elif ch == "|":
            items.append("".join(current))
            current = []
        else:
            current.append(ch)
    items.append("".join(current))
    return items


def split_id(item: str) -> tuple[str, int, int]:
    """``LABEL[3]`` -> (LABEL, 3, 0); ``1-1[2_5]`` -> (1-1, 2, 5); no suffix -> ids 0."""
    match = _ID_SUFFIX.match(item)
    if match is None:
        return item, 0, 0
    body = match.group(1)
    if (len(body) - len(body.rstrip("\\"))) % 2:  # the "[" is escaped: part of the value
        return item, 0, 0
    return body, int(match.group(2)), int(match.group(3) or 0)


def _header(lines: list[str], where: str) -> tuple[list[_Column], int]:
    if not lines or not lines[0].startswith("#FORMAT=WebAnno TSV 3"):
        first = lines[0][:40] if lines else ""
        raise InputProblem(where, f"not WebAnno TSV 3: line 1 is {first!r}", 1)
    columns: list[_Column] = []
    number = 1
    for number, line in enumerate(lines[1:], start=2):
        if not line.startswith("#T_"):
            break
        kind_code, _, spec = line[1:].partition("=")
        layer, *features = spec.split("|")
        kind = {"T_SP": "span", "T_RL": "relation", "T_CH": "other"}.get(kind_code)
        if kind is None or not layer:
            raise InputProblem(where, f"unknown layer declaration {line[:60]!r}", number)
        if not imported_layer(layer):
            kind = "other"
        slot_target = False
        for feature in features:
            if kind == "relation" and feature.startswith("BT_"):
                columns.append(_Column("ref", layer, feature[3:]))
            elif slot_target or feature.startswith("ROLE_"):
                # a slot feature: its role column and its target's column, not read
                columns.append(_Column("other", layer, feature))
                slot_target = not slot_target
            else:
                columns.append(_Column(kind, layer, feature))
        if not features:  # a layer without features still has its column
            columns.append(_Column(kind, layer, ""))
    return columns, number


def _label_columns(columns: list[_Column]) -> dict[str, int]:
    """Each span and relation layer's label column (see :func:`label_feature`)."""
    by_layer: dict[str, list[tuple[str, int]]] = defaultdict(list)
    for n, col in enumerate(columns):
        if col.kind in ("span", "relation"):
            by_layer[col.layer].append((col.feature, n))
    chosen = {}
    for layer, features in by_layer.items():
        names = [f for f, _ in features]
        name = label_feature(names)
        chosen[layer] = dict(features)[name] if name is not None else features[0][1]
    return chosen


def parse_tsv(content: str, where: str) -> _Parsed:
    """A TSV file's text, spans and relations; :class:`InputProblem` for a file that
    cannot be read as a whole (its rows do not fit its text or its header)."""
    lines = [line.removesuffix("\r") for line in content.split("\n")]
    columns, body = _header(lines, where)
    parsed = _Parsed()
    read_layers = {c.layer for c in columns if c.kind != "other"}
    parsed.skipped_layers = {c.layer for c in columns if c.layer not in read_layers}
    labels = _label_columns(columns)
    ref_column = {c.layer: n for n, c in enumerate(columns) if c.kind == "ref"}
    attach = {c.layer: c.feature for c in columns if c.kind == "ref"}
    text: list[str] = []
    length = 0  # of the text so far, in UTF-16 units
    sentence: list[str] = []
    in_header = False
    rows: list[tuple[int, str, int, int, str, list[str]]] = []
    for number, line in enumerate(lines[body - 1 :], start=body):
        if line.startswith("#Text="):
            if not in_header:
                sentence = []
                in_header = True
            sentence.append(unescape_text(line[len("#Text=") :]) + "\n")
            continue
        if not line.strip() or line.startswith("#"):  # a sentence's end, #Sentence.id=...
            continue
        match = _ROW.match(line)
        if match is None:
            raise InputProblem(where, f"not a token row: {line[:60]!r}", number)
        fields = line.split("\t")
        # INCEpTION ends every row with a tab. Dropped whatever the count, so a row
        # one column short is refused, not read with its last column taken for it.
        if len(fields) > 3 and fields[-1] == "":
            fields.pop()
        if len(fields) != len(columns) + 3:
            raise InputProblem(
                where,
                f"token {match.group(1)} has {len(fields) - 3} annotation column(s); "
                f"the header declares {len(columns)}",
                number,
            )
        unit, begin, end = match.group(1), int(match.group(2)), int(match.group(3))
        if end < begin:
            raise InputProblem(
                where, f"token {unit} ends ({end}) before it starts ({begin})", number
            )
        if in_header:  # the sentence's first token: its text goes in here
            in_header = False
            if length > begin:
                if length != begin + 1 or not text or not text[-1].endswith("\n"):
                    raise InputProblem(
                        where,
                        f"token {unit} starts at {begin}, inside the text before it "
                        f"(which runs to {length})",
                        number,
                    )
                text[-1] = text[-1][:-1]  # the line break that ended the last sentence
                length -= 1
            if length < begin:
                text.append(" " * (begin - length))
                length = begin
            joined = "".join(sentence)
            text.append(joined)
            length += len(joined.encode("utf-16-le")) // 2
        elif not text:
            raise InputProblem(where, f"token {unit} comes before any #Text line", number)
        rows.append((number, unit, begin, end, fields[2], fields[3:]))
    full = "".join(text)
    if full.endswith("\n"):
        full = full[:-1]  # the line break after the last sentence's last #Text line
    parsed.text = full
    units = _check_tokens(full, rows, where)
    _read_annotations(rows, columns, labels, ref_column, attach, units, parsed, where)
    return parsed


def _check_tokens(
    text: str, rows: list[tuple[int, str, int, int, str, list[str]]], where: str
) -> set[str]:
    u16 = Utf16Map(text)
    units: set[str] = set()
    for number, unit, begin, end, token, _ in rows:
        if unit in units:
            raise InputProblem(where, f"token {unit} appears twice", number)
        units.add(unit)
        if end > u16.utf16_length:
            raise InputProblem(
                where, f"token {unit} ({begin}-{end}) runs past the text's end", number
            )
        start, stop = u16.to_codepoint(begin), u16.to_codepoint(end)
        if u16.to_utf16(start) != begin or u16.to_utf16(stop) != end:
            raise InputProblem(
                where,
                f"token {unit} at {begin}-{end}: an offset falls inside a character "
                "(one that UTF-16 counts as two units)",
                number,
            )
        found = text[start:stop]
        if found != token:
            raise InputProblem(
                where,
                f"token {unit} {token!r} at {begin}-{end} does not match the #Text there "
                f"({found!r})",
                number,
            )
    return units


def _read_annotations(
    rows: list[tuple[int, str, int, int, str, list[str]]],
    columns: list[_Column],
    labels: dict[str, int],
    ref_column: dict[str, int],
    attach: dict[str, str],
    units: set[str],
    parsed: _Parsed,
    where: str,
) -> None:
    first_on_unit: dict[tuple[str, str], object] = {}
    pending: list[tuple[int, str, str, str, int, int, str]] = []
    for number, unit, begin, end, _, cells in rows:
        for layer, column in labels.items():
            kind = columns[column].kind
            if kind != "span" or cells[column] == "_":
                continue
            for k, item in enumerate(split_stacked(cells[column])):
                value, ident, _ = split_id(item)
                key: object = ("id", ident) if ident else (number, layer, k)
                label = short_name(layer) if value == "*" else unescape_value(value)
                found = parsed.spans.get(key)
                if found is None:
                    parsed.spans[key] = _SpanItem(layer, label, begin, end, number)
                else:
                    found.start, found.end = min(found.start, begin), max(found.end, end)
                if k == 0:
                    first_on_unit.setdefault((unit, layer), key)
                    # a relation layer based on Annotation may join any layer's spans
                    first_on_unit.setdefault((unit, ANNOTATION), key)
        for layer, ref in ref_column.items():
            at = labels.get(layer)
            refs = [] if cells[ref] == "_" else split_stacked(cells[ref])
            if at is None:  # a layer without features: its relations have no labels
                values = ["*"] * len(refs)
            else:
                values = [] if cells[at] == "_" else split_stacked(cells[at])
            if len(values) != len(refs):  # INCEpTION writes each relation in both columns
                raise InputProblem(
                    where,
                    f"token {unit}: {short_name(layer)} has {len(refs)} governor(s) "
                    f"but {len(values)} label(s)",
                    number,
                )
            for value, item in zip(values, refs, strict=True):
                governor, source_id, target_id = split_id(item)
                if not _UNIT.fullmatch(governor):
                    raise InputProblem(
                        where,
                        f"token {unit}: {short_name(layer)}'s governor {item!r} is not a "
                        "token (such as 1-3, or 1-3[2_5] with annotation ids)",
                        number,
                    )
                rtype = short_name(layer) if value == "*" else unescape_value(value)
                pending.append((number, unit, governor, rtype, source_id, target_id, layer))
    for number, unit, governor, rtype, source_id, target_id, layer in pending:
        try:
            ends = _RelationEnds(parsed, first_on_unit, units, attach[layer])
            source = ends.find(source_id, governor, "governor")
            target = ends.find(target_id, unit, "dependent")
        except LineProblem as exc:
            parsed.problems.append(InputProblem(where, f"relation {rtype}: {exc}", number))
            continue
        parsed.relations.append((rtype, source, target, number))


@dataclass(frozen=True, slots=True)
class _RelationEnds:
    """Finds a relation's governor or dependent: by its disambiguation id, else as
    the first annotation of the layer the relation is based on at that token."""

    parsed: _Parsed
    first_on_unit: dict[tuple[str, str], object]
    units: set[str]
    base: str

    def find(self, ident: int, unit: str, role: str) -> object:
        if ident:
            key: object = ("id", ident)
            if key not in self.parsed.spans:
                raise LineProblem(f"{role} annotation [{ident}] is not in the file")
            return key
        if unit not in self.units:
            raise LineProblem(f"{role} token {unit} is not in the file")
        found = self.first_on_unit.get((unit, self.base))
        if found is None:
            base = short_name(self.base)
            raise LineProblem(f"no {base} annotation on token {unit} for its {role}")
        return found


def _draft(item: InputFile, ctx: ImportContext) -> Iterator[AnnotatedDraft | InputProblem]:
    where = item.where
    content = decode_utf8(item.read(), where)
    parsed = parse_tsv(content, where)
    yield from parsed.problems
    if not parsed.text.strip():
        yield InputProblem(where, "the file has no text (no #Text lines)")
        return
    source = SourceText(parsed.text, UTF16)
    layer = LayerDraft(ctx.as_name or item.annotator)
    index: dict[object, int] = {}
    seen: dict[tuple[str, int, int], int] = {}
    for key, span in parsed.spans.items():
        try:
            draft: SpanDraft = source.span(span.start, span.end, span.label)
        except LineProblem as exc:
            yield InputProblem(where, f"{short_name(span.layer)} {span.label!r}: {exc}", span.line)
            continue
        same = (draft.label, draft.start, draft.end)
        if same not in seen:  # stacked copies of one span are stored once
            seen[same] = len(layer.spans)
            layer.spans.append(draft)
        index[key] = seen[same]
    for rtype, source_key, target_key, number in parsed.relations:
        try:
            check_name(rtype, "relation type")
        except LineProblem as exc:
            yield InputProblem(where, str(exc), number)
            continue
        if source_key not in index or target_key not in index:
            yield InputProblem(where, f"relation {rtype}: one of its ends was refused", number)
            continue
        layer.relations.append(RelationDraft(rtype, index[source_key], index[target_key]))
    if parsed.skipped_layers:
        names = ", ".join(sorted(parsed.skipped_layers))
        yield InputNotice(
            where, f"layers not imported (only named entities and custom layers are): {names}"
        )
    document = DocumentDraft(text=source.text, title=item.document_name, source=item.document_name)
    yield file_draft(document, layer, where)


def read(path: Path, ctx: ImportContext) -> Iterator[AnnotatedDraft | InputProblem]:
    """Documents of a .tsv file, or of a folder or .zip of them (INCEpTION's layout)."""
    with input_files(path, ctx.file_limit) as files:
        found = False
        for item in files:
            if isinstance(item, InputProblem):
                yield item
                continue
            if not item.parts[-1].lower().endswith(SUFFIX):
                continue
            found = True
            try:
                yield from _draft(item, ctx)
            except InputProblem as problem:
                yield problem
        if not found:
            yield InputProblem(path, "no WebAnno TSV files (.tsv) here")
