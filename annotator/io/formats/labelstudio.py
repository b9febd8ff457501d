"""Label Studio JSON: the task list Label Studio's "JSON" export writes and its import reads.

A file is a JSON list of tasks (or one task object)::

    {"id", "data": {"text", ...}, "meta": {...},
     "annotations": [{"id", "completed_by", "was_cancelled", "result": [
        {"id", "type": "labels", "from_name", "to_name",
         "value": {"start", "end", "text", "labels": ["Person"]}, "meta": {"text": [note]}},
        {"type": "relation", "from_id", "to_id", "direction", "labels": ["speaker"]},
        {"type": "choices", "from_name": "topic", "to_name": "text",
         "value": {"choices": ["politics"]}}]}]}

Offsets: Label Studio releases before the editor's emoji fix counted
``value.start``/``value.end`` in UTF-16 code units (the browser's string
positions); current ones count code points, as Python does (its editor tests,
"NER - Emoji - Text"). The file does not say which, so each task is read as
code points when every span's ``value.text`` matches there, else as UTF-16
units when every span matches there (the two differ only after a character
outside the BMP); ``--offsets utf16`` reads UTF-16 units only. A span that
matches neither refuses its task, named with its result id. Export writes code
points, or UTF-16 units with ``--offsets utf16`` for older Label Studio.

Annotators: ``completed_by`` is an object with an ``email`` (that email is
the annotator's name), or a user id N (annotator ``labelstudio-N``); ``--as``
puts every annotation into one layer. Each submitted annotation is a layer
marked done; cancelled (skipped) annotations, predictions and drafts are not
imported, and counted in a notice, never dropped silently, as are per-region
``choices`` (with ``value.start``: they classify a span). Any other ``choices``
result is a document label: its ``from_name`` the label, its choices the
values (a list when the schema declares a multiple choice).

Export of issue 15's data: a span in pieces is a region per piece (``s12``,
``s12-2``; links name the first); a mention's entity goes into its region's
``meta.entity`` (``{"id", "name"}``, not read back); each document label is a
``choices`` result.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import orjson

from annotator.core.dataset import (
    AnnotatedDraft,
    ExportDocument,
    Layer,
    LayerDraft,
    RelationDraft,
    SpanDraft,
)
from annotator.core.formats import UTF16
from annotator.core.model import GOLD_ANNOTATOR, DocStatus
from annotator.core.schema import LabelSchema
from annotator.io.errors import InputProblem
from annotator.io.files import MAX_FILE_SETTING, read_regular
from annotator.io.formats.common import (
    ExportContext,
    LineProblem,
    SourceText,
    atomic_file,
    check_name,
    chosen_values,
    count_left_out,
    offset_converter,
    spans_in_pieces,
)
from annotator.io.formats.importing import ImportContext, InputNotice, chosen_document_labels
from annotator.io.formats.jsonl_common import DOC_FIELDS, draft_from_metadata
from annotator.io.jsonl import check_record

SUFFIX = ".json"
FROM_NAME = "label"
"""The ``<Labels name>`` of the labeling config :func:`label_config` writes."""
TO_NAME = "text"
"""The ``<Text name>``; the text is in the task's ``data.text``."""
CHOICES_SUFFIX = "_choices"
"""Added to the control name of a document label called ``label`` or ``text``,
which a config cannot give twice (:func:`choices_name`)."""
_STATUSES = {s.value for s in DocStatus}
USER_PREFIX = "labelstudio-"
"""An annotator known to Label Studio only by a user id N is named ``labelstudio-N``."""


# --- export ------------------------------------------------------------------------


def choices_name(label: str) -> str:
    """The ``<Choices name>`` (and results' ``from_name``) of a document label:
    its name, unless the config's own controls already use it."""
    return label + CHOICES_SUFFIX if label in (FROM_NAME, TO_NAME) else label


def label_of_choices(control: str) -> str:
    """The document label a ``choices`` result's ``from_name`` names."""
    base = control.removesuffix(CHOICES_SUFFIX)
    return base if base != control and base in (FROM_NAME, TO_NAME) else control


def label_config(schema: LabelSchema) -> str:
    """A Label Studio labeling config (XML) for the exported tasks: one ``<Labels>``
    with the schema's labels, its relation types, and a ``<Choices>`` per
    document label."""
    from xml.sax.saxutils import quoteattr

    labels = "".join(f"\n    <Label value={quoteattr(name)}/>" for name in schema.label_names)
    relations = "".join(
        f"\n    <Relation value={quoteattr(rel.name)}/>" for rel in schema.relations
    )
    choices = "".join(
        f'  <Choices name={quoteattr(choices_name(d.name))} toName="{TO_NAME}" '
        f'choice="{"multiple" if d.multiple else "single"}">'
        + "".join(f"\n    <Choice value={quoteattr(v)}/>" for v in d.values)
        + "\n  </Choices>\n"
        for d in schema.document_labels
    )
    return (
        "<View>\n"
        f'  <Labels name="{FROM_NAME}" toName="{TO_NAME}">{labels}\n  </Labels>\n'
        f'  <Text name="{TO_NAME}" value="$text"/>\n'
        + (f"  <Relations>{relations}\n  </Relations>\n" if relations else "")
        + choices
        + "</View>\n"
    )


def _completed_by(annotator: str) -> dict[str, Any]:
    """The annotation's author as Label Studio's exports write a user: an object
    whose ``email`` the import reads back as the annotator's name."""
    return {"email": annotator}


def _annotation(
    doc: ExportDocument, layer: Layer, number: int, ctx: ExportContext
) -> dict[str, Any]:
    convert = offset_converter(doc.text, ctx.offsets)
    result: list[dict[str, Any]] = []
    names = {e["id"]: e["name"] for e in doc.entities}
    count_left_out(layer, ctx, spans=[], document_labels=False)
    spans = spans_in_pieces(layer.spans, doc.text, ctx)
    piece_of: Counter[int] = Counter()
    for s in spans:
        piece_of[s["id"]] += 1
        # A later piece of a span in pieces: "s12-2"; links name the first, "s12".
        suffix = f"-{piece_of[s['id']]}" if piece_of[s["id"]] > 1 else ""
        item: dict[str, Any] = {
            "id": f"s{s['id']}{suffix}",
            "type": "labels",
            "from_name": FROM_NAME,
            "to_name": TO_NAME,
            "origin": "manual",
            "value": {
                "start": convert(s["start"]),
                "end": convert(s["end"]),
                "text": s["text"],
                "labels": [s["label"]],
            },
        }
        meta: dict[str, Any] = {}
        if s["note"]:
            meta["text"] = [s["note"]]  # Label Studio's place for a region's note
        if s["attributes"]:
            meta["attributes"] = s["attributes"]
        if "entity" in s:
            meta["entity"] = {"id": s["entity"], "name": names.get(s["entity"], "")}
        if meta:
            item["meta"] = meta
        result.append(item)
    for r in layer.relations:
        result.append(
            {
                "type": "relation",
                "from_id": f"s{r['source_id']}",
                "to_id": f"s{r['target_id']}",
                "direction": "right",
                "labels": [r["type"]],
            }
        )
    for name, value in layer.document_labels.items():
        result.append(
            {
                "id": f"d-{name}",
                "type": "choices",
                "from_name": choices_name(name),
                "to_name": TO_NAME,
                "origin": "manual",
                "value": {"choices": chosen_values(value)},
            }
        )
    ctx.spans += len(spans)
    ctx.relations += len(layer.relations)
    annotation: dict[str, Any] = {
        "id": number,
        "completed_by": _completed_by(layer.annotator),
        "result": result,
        "was_cancelled": False,
        "ground_truth": layer.annotator == GOLD_ANNOTATOR,
        "lead_time": 0,
        "meta": {"annotator": layer.annotator, "status": layer.status},
    }
    created = [s["created_at"] for s in layer.spans if s["created_at"]]
    updated = [s["updated_at"] for s in layer.spans if s["updated_at"]]
    if created:  # Label Studio's times are ISO text; a layer without spans has none
        annotation["created_at"] = min(created)
        annotation["updated_at"] = max(updated or created)
    return annotation


def export(docs: Iterable[ExportDocument], target: Path, ctx: ExportContext) -> None:
    """One task per document, one annotation per annotator's layer, written as a JSON
    list a task at a time (so memory holds one document)."""
    number = 0
    with atomic_file(target) as out:
        out.write(b"[")
        first = True
        for doc in docs:
            ctx.documents += 1
            annotations = []
            for layer in doc.layers:
                number += 1
                annotations.append(_annotation(doc, layer, number, ctx))
            data: dict[str, Any] = {"text": doc.text}
            for key in DOC_FIELDS:
                data[key] = getattr(doc, key)
            task = {
                "id": doc.id,
                "data": data,
                "meta": doc.meta,
                "annotations": annotations,
                "predictions": [],
            }
            out.write(b"\n" if first else b",\n")
            out.write(orjson.dumps(task))
            first = False
        out.write(b"\n]\n")


# --- import ------------------------------------------------------------------------


def _annotator_name(value: Any) -> str:
    """An annotation's ``completed_by``: an object with an email, or a user id."""
    given = value  # said as it was written, not as the id looked up in it
    if isinstance(value, dict):
        email = value.get("email")
        if isinstance(email, str) and email.strip():
            return check_name(email.strip(), "completed_by email")
        value = value.get("id")
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{USER_PREFIX}{value}"
    if isinstance(value, str) and value.strip():
        return check_name(value.strip(), "completed_by")
    raise LineProblem(  # the value read from JSON, shown as JSON
        f"completed_by {orjson.dumps(given).decode()} names no annotator (an email or a "
        "user id): use --as NAME"
    )


class NotImported:
    """What a file holds that is not imported, for one notice per file."""

    def __init__(self) -> None:
        self.counts: Counter[str] = Counter()
        self.kinds: set[str] = set()

    def notice(self, path: Path) -> InputNotice | None:
        parts = []
        c = self.counts
        if c["region choices"]:
            parts.append(f"{c['region choices']} per-region 'choices' result(s) (of a span)")
        if c["cancelled"]:
            parts.append(f"{c['cancelled']} cancelled (skipped) annotation(s)")
        if c["predictions"]:
            parts.append(f"{c['predictions']} prediction(s)")
        if c["drafts"]:
            parts.append(f"{c['drafts']} draft(s)")
        if c["other"]:
            parts.append(f"{c['other']} result(s) of other types ({', '.join(sorted(self.kinds))})")
        if not parts:
            return None
        return InputNotice(path, "not imported: " + "; ".join(parts))


def _read_spans(
    raw: str, pending: list[tuple[str, dict[str, Any], str]], forced_utf16: bool
) -> tuple[SourceText, list[SpanDraft]]:
    """The spans of a task, with the offset unit that fits every ``value.text``.

    ``pending`` holds (where, value, label) for each span. Code points are tried
    first (current Label Studio), then UTF-16 units (older releases); a text
    with no character outside the BMP reads the same either way.
    """
    astral = max(raw, default="\0") > "\uffff"
    units = ["utf16"] if forced_utf16 else (["codepoint", "utf16"] if astral else ["codepoint"])
    first_error: str | None = None
    for unit in units:
        source = SourceText(raw, UTF16 if unit == "utf16" else "codepoint")
        spans: list[SpanDraft] = []
        try:
            for where, value, label in pending:
                try:
                    spans.append(
                        source.span(
                            value.get("start"),
                            value.get("end"),
                            label,
                            value.get("text"),
                        )
                    )
                except LineProblem as exc:
                    raise LineProblem(f"{where}: {exc}") from None
        except LineProblem as exc:
            if first_error is None:
                first_error = str(exc)
            continue
        return source, spans
    assert first_error is not None
    if len(units) > 1:
        first_error += " (also when the offsets are read as UTF-16 units)"
    raise LineProblem(first_error)


def task_to_draft(task: Any, ctx: ImportContext, tally: NotImported) -> AnnotatedDraft:
    """One task as a document with a layer per annotator; :class:`LineProblem` refuses
    the whole task (nothing of it is stored)."""
    if not isinstance(task, dict):
        raise LineProblem("a task must be a JSON object")
    data = task.get("data")
    if not isinstance(data, dict):
        raise LineProblem("'data' is missing or not an object")
    raw = data.get("text")
    if not isinstance(raw, str):
        raise LineProblem("'data.text' is missing or not a string")
    if not raw.strip():
        raise LineProblem("'data.text' is empty")
    for key in ("predictions", "drafts"):
        if isinstance(task.get(key), list):
            tally.counts[key] += len(task[key])
    annotations = task.get("annotations", task.get("completions", []))
    if not isinstance(annotations, list):
        raise LineProblem("'annotations' must be a list")
    # Every span of the task first, so the offset unit is chosen once for the task.
    pending: list[tuple[str, dict[str, Any], str]] = []
    layers: list[tuple[str, str | None, list[int], list[tuple[str, int, int]], dict[str, Any]]] = []
    notes: dict[int, tuple[str, dict[str, Any]]] = {}
    for a_number, annotation in enumerate(annotations, 1):
        if not isinstance(annotation, dict):
            raise LineProblem(f"annotation {a_number} is not an object")
        a_where = f"annotation {annotation.get('id', a_number)!r}"
        if annotation.get("was_cancelled") or annotation.get("skipped"):
            tally.counts["cancelled"] += 1
            continue
        name = ctx.as_name or _annotator_name(annotation.get("completed_by"))
        result = annotation.get("result", [])
        if not isinstance(result, list):
            raise LineProblem(f"{a_where}: 'result' must be a list")
        by_id: dict[str, list[int]] = {}
        chosen: dict[str, list[str]] = {}  # document label -> the values chosen
        span_indices: list[int] = []
        links: list[tuple[str, str, str, str]] = []
        for r_number, item in enumerate(result, 1):
            if not isinstance(item, dict):
                raise LineProblem(f"{a_where}, result {r_number}: not an object")
            rid = item.get("id")
            where = f"{a_where}, result {rid if rid is not None else r_number!r}"
            kind = item.get("type")
            if kind == "labels":
                value = item.get("value")
                if not isinstance(value, dict):
                    raise LineProblem(f"{where}: 'value' is missing or not an object")
                labels = value.get("labels")
                if not isinstance(labels, list) or not labels:
                    raise LineProblem(f"{where}: 'value.labels' must be a non-empty list")
                for label in labels:
                    # A region with several labels is a span for each.
                    index = len(pending)
                    pending.append((where, value, label))
                    span_indices.append(index)
                    if rid is not None:
                        by_id.setdefault(str(rid), []).append(index)
                    meta = item.get("meta")
                    if isinstance(meta, dict):
                        notes[index] = (where, meta)
            elif kind == "relation":
                labels = item.get("labels") or []
                if not isinstance(labels, list) or not labels:
                    raise LineProblem(
                        f"{where}: relation from {item.get('from_id')!r} to "
                        f"{item.get('to_id')!r} has no label (a relation type is needed)"
                    )
                source, target = item.get("from_id"), item.get("to_id")
                if item.get("direction") == "left":
                    source, target = target, source
                for label in labels:
                    links.append((where, check_name(label, f"{where}: relation label"),
                                  str(source), str(target)))  # fmt: skip
            elif (
                kind == "choices"
                and isinstance(item.get("value"), dict)
                and ("start" in item["value"])
            ):
                # A per-region choice (perRegion="true") classifies a span, not the document.
                tally.counts["region choices"] += 1
            elif kind == "choices":
                label_name = label_of_choices(
                    check_name(item.get("from_name"), f"{where}: choices 'from_name'")
                )
                value = item.get("value")
                values = value.get("choices") if isinstance(value, dict) else None
                if not isinstance(values, list) or not values:
                    raise LineProblem(f"{where}: 'value.choices' must be a non-empty list")
                for one in values:
                    chosen.setdefault(label_name, []).append(check_name(one, f"{where}: choice"))
            else:
                tally.counts["other"] += 1
                tally.kinds.add(str(kind))
        resolved = []
        for where, rtype, source, target in links:
            if source not in by_id or target not in by_id:
                raise LineProblem(
                    f"{where}: relation {rtype} links result ids {source!r}, {target!r}, "
                    "not both spans of this annotation"
                )
            for s in by_id[source]:
                for t in by_id[target]:
                    resolved.append((rtype, s, t))
        document_labels = chosen_document_labels(chosen, ctx.schema)
        layers.append((name, _status(annotation, a_where), span_indices, resolved, document_labels))
    source_text, spans = _read_spans(raw, pending, ctx.offsets == UTF16)
    for index, (where, meta) in notes.items():
        spans[index] = _with_meta(spans[index], where, meta)
    meta_fields = {k: v for k, v in data.items() if k != "text"}
    task_meta = task.get("meta")
    if isinstance(task_meta, dict) and task_meta:
        meta_fields["meta"] = task_meta
    draft, _, _ = draft_from_metadata(source_text.text, meta_fields)
    merged: dict[str, LayerDraft] = {}
    for name, status, indices, relations, document_labels in layers:
        layer = merged.setdefault(name, LayerDraft(name, status=status))
        layer.document_labels.update(document_labels)
        position: dict[int, int] = {}
        for index in indices:
            position[index] = len(layer.spans)
            layer.spans.append(spans[index])
        for rtype, s, t in relations:
            layer.relations.append(RelationDraft(rtype, position[s], position[t]))
    return AnnotatedDraft(draft, list(merged.values()))


def _status(annotation: dict[str, Any], where: str) -> str:
    """A submitted annotation is done work, unless its meta (as this program's
    export writes it) names another status."""
    meta = annotation.get("meta")
    status = meta.get("status") if isinstance(meta, dict) else None
    if status is None:
        return DocStatus.DONE.value
    if not isinstance(status, str) or status not in _STATUSES:
        raise LineProblem(f"{where}: unknown status {status!r} in 'meta.status'")
    return str(status)


def _with_meta(span: SpanDraft, where: str, meta: dict[str, Any]) -> SpanDraft:
    """A span with the note (``meta.text``) and attributes a result's meta carries."""
    note = meta.get("text")
    if isinstance(note, list):
        note = "\n".join(str(x) for x in note)
    if note is not None and not isinstance(note, str):
        raise LineProblem(f"{where}: 'meta.text' (the region's note) is not text")
    attributes = meta.get("attributes", {})
    if not isinstance(attributes, dict):
        raise LineProblem(f"{where}: 'meta.attributes' must be an object")
    return SpanDraft(
        span.label,
        span.start,
        span.end,
        {**span.attributes, **attributes},
        note or span.note,
    )


def read(path: Path, ctx: ImportContext) -> Iterator[AnnotatedDraft | InputProblem | None]:
    """Each task of the file as a draft, or the problem that refuses it (named by its
    position and id); a notice of what the file holds that is not imported."""
    try:
        data = read_regular(path, ctx.file_limit, MAX_FILE_SETTING)
    except InputProblem as exc:
        yield exc
        return
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        parsed = orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        yield InputProblem(path, f"invalid JSON ({exc.msg}, line {exc.lineno})")
        return
    tasks = [parsed] if isinstance(parsed, dict) else parsed
    if not isinstance(tasks, list):
        yield InputProblem(path, "expected a list of Label Studio tasks")
        return
    tally = NotImported()
    for number, task in enumerate(tasks, 1):
        ident = task.get("id") if isinstance(task, dict) else None
        where = f"task {number}" + (f" (id {ident!r})" if ident is not None else "")
        try:
            check_record(orjson.dumps(task), task)
            draft = task_to_draft(task, ctx, tally)
        except (LineProblem, ValueError) as exc:
            yield InputProblem(path, f"{where}: {exc}")
            continue
        draft.origin = f"{path} ({where})"
        yield draft
    notice = tally.notice(path)
    if notice is not None:
        yield notice
