"""spaCy DocBin: a ``.spacy`` file that ``spacy train`` reads.

One ``Doc`` per document and annotator's layer (the filters pick the layers,
``--gold`` the adjudicated one), tokenised by a blank pipeline of the language
asked for (``--spacy-lang``, default ``en``). Entity labels go into
``doc.ents`` where they do not overlap (the same rule as CoNLL: the earliest,
longest span wins); every span, overlapping or not and of every label kind,
goes into the span group ``--span-group`` (default ``sc``, what spaCy's
``spancat`` reads). A span whose ends fall inside spaCy's tokens cannot be a
``Span``: with ``--alignment strict`` (the default) it is left out and counted
in the export's warnings; ``contract`` or ``expand`` moves its ends to the
tokens inside or around it (``doc.char_span``'s ``alignment_mode``). Each Doc's
``user_data`` holds the document id, title, annotator and status. Each
``Span``'s ``id_`` is the span's id, so a span in pieces is a ``Span`` per
piece with one ``id_``; a mention's ``kb_id_`` is its entity's external id
(else the entity's id in the project). Document labels are ``doc.cats``
(:func:`document_cats`).

A DocBin is one serialised blob, held in memory until written. A target
without the ``.spacy`` suffix (or an existing folder) is a folder of shards,
``part-00001.spacy``, ``part-00002.spacy``, ...: a DocBin of at most
:data:`SHARD_DOCS` Docs or :data:`SHARD_SPANS` spans each, written and freed
before the next, so memory does not grow with the export. ``spacy train`` and
spaCy's ``Corpus`` read every ``.spacy`` file in a folder
(``spacy.training.corpus.walk_corpus``). The folder appears only when complete.
A single ``.spacy`` file larger than one shard is still written whole, with a
warning that suggests a folder.

spaCy is an optional dependency (``pip install 'annotator[spacy]'``); without
it this export stops with that advice before anything is written.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from annotator.core.dataset import ExportDocument, Layer, SpanRow
from annotator.core.errors import InputProblem
from annotator.core.formats import SPACY_ALIGNMENTS
from annotator.core.schema import LabelSchema
from annotator.io.formats.common import (
    ExportContext,
    atomic_dir,
    atomic_file,
    category,
    chosen_values,
    count_left_out,
    spans_in_pieces,
)

SUFFIX = ".spacy"
ALIGNMENT_MODES = SPACY_ALIGNMENTS
DEFAULT_LANGUAGE = "en"
DEFAULT_SPAN_GROUP = "sc"
STORED_ATTRS = ("ORTH", "ENT_IOB", "ENT_TYPE")
"""The token attributes the DocBin keeps (spaCy adds SPACY, the whitespace)."""
SHARD_DOCS = 2_000
SHARD_SPANS = 100_000
"""A folder target starts a new shard after this many Docs or spans (whichever
comes first); a single file over either bound gets a warning."""
SHARD_NAME = "part-{:05d}" + SUFFIX


def is_folder_target(target: Path) -> bool:
    """Whether the export writes a folder of shards: a target without the
    ``.spacy`` suffix, or a folder that exists."""
    return target.suffix.lower() != SUFFIX or target.is_dir()


def blank_pipeline(language: str, target: Path) -> Any:
    """``spacy.blank(language)``, or :class:`InputProblem` saying what is missing."""
    try:
        import spacy
    except ImportError:
        raise InputProblem(
            target,
            "the spacy format needs spaCy: pip install 'annotator[spacy]' "
            "(or pip install spacy); nothing was written",
        ) from None
    try:
        return spacy.blank(language)
    except (ImportError, KeyError, ValueError) as exc:
        # spaCy raises its own errors (E002 unknown language, a missing extra package).
        reason = str(exc).splitlines()[0]
        raise InputProblem(
            target, f"--spacy-lang {language!r}: no blank spaCy pipeline ({reason})"
        ) from None


def non_overlapping(spans: list[Any]) -> tuple[list[Any], int]:
    """spaCy spans without overlaps, by CoNLL's rule (:func:`annotator.io.formats.conll.
    resolve_overlaps`) on token positions: the earliest start wins, then the longest;
    and how many were left out."""
    kept: list[Any] = []
    dropped = 0
    reach = -1
    for span in sorted(spans, key=lambda s: (s.start, -s.end)):
        if span.start < reach:
            dropped += 1
            continue
        kept.append(span)
        reach = span.end
    return kept, dropped


def export(
    docs: Iterable[ExportDocument],
    target: Path,
    ctx: ExportContext,
    *,
    language: str = DEFAULT_LANGUAGE,
    span_group: str = DEFAULT_SPAN_GROUP,
    alignment: str = "strict",
) -> None:
    if alignment not in ALIGNMENT_MODES:
        raise InputProblem(target, f"--alignment must be one of {', '.join(ALIGNMENT_MODES)}")
    if not span_group.strip():
        raise InputProblem(target, "--span-group needs a name")
    nlp = blank_pipeline(language, target)
    counts = _Counts()
    sdocs = _spacy_docs(docs, nlp, ctx, span_group, alignment, counts)
    if is_folder_target(target):
        with atomic_dir(target) as folder:
            _write_shards(sdocs, folder)
        counts.warn(ctx, span_group, alignment)
        return
    docbin = _docbin()
    for sdoc, _ in sdocs:
        docbin.add(sdoc)
    data = docbin.to_bytes()
    del docbin
    with atomic_file(target) as out:
        out.write(data)
    counts.warn(ctx, span_group, alignment)
    if counts.docs > SHARD_DOCS or counts.spans > SHARD_SPANS:
        ctx.warnings.append(
            f"{target.name} holds {counts.docs:,} Docs and {counts.spans:,} spans, all in "
            f"memory until written; for a large corpus give -o a folder (a name without "
            f"{SUFFIX}): it gets shards of at most {SHARD_DOCS:,} Docs or {SHARD_SPANS:,} "
            "spans, each written as it fills, which spacy train reads as one corpus"
        )


def _docbin() -> Any:
    from spacy.tokens import DocBin

    # user_data carries the document id and annotator to whoever reads the file. A
    # blank pipeline sets no tags, lemmas or parses: storing only the tokens and
    # entities keeps the DocBin (held whole until written) a third of the default.
    return DocBin(attrs=STORED_ATTRS, store_user_data=True)


def _write_shards(sdocs: Iterator[tuple[Any, int]], folder: Path) -> int:
    """Write the Docs as DocBins of at most SHARD_DOCS Docs or SHARD_SPANS spans,
    each freed once written; return how many (at least one, empty if no Docs)."""
    shards = 0
    docbin = _docbin()
    held = spans = 0
    for sdoc, n in sdocs:
        docbin.add(sdoc)
        held += 1
        spans += n
        if held >= SHARD_DOCS or spans >= SHARD_SPANS:
            shards += 1
            docbin.to_disk(folder / SHARD_NAME.format(shards))
            docbin = _docbin()
            held = spans = 0
    if held or not shards:
        shards += 1
        docbin.to_disk(folder / SHARD_NAME.format(shards))
    return shards


class _Counts:
    """What the export left out or moved, for its warnings."""

    def __init__(self) -> None:
        self.docs = 0
        self.spans = 0
        self.misaligned: dict[str, int] = {}
        self.overlapping = 0
        self.moved = 0
        self.relations = 0

    def warn(self, ctx: ExportContext, span_group: str, alignment: str) -> None:
        misaligned = self.misaligned
        if misaligned:
            counts = ", ".join(f"{label} {n}" for label, n in sorted(misaligned.items()))
            ctx.warnings.append(
                f"{sum(misaligned.values())} span(s) do not line up with spaCy's tokens and "
                f"were left out ({counts}); --alignment contract or expand moves their ends "
                "to tokens"
            )
        if self.moved:
            ctx.warnings.append(
                f"{self.moved} span(s) were moved to token boundaries (--alignment {alignment})"
            )
        if self.relations:
            ctx.warnings.append(
                f"{self.relations} relation(s) left out: a DocBin has no place for them "
                "(the native, labelstudio and parquet formats keep them)"
            )
        if self.overlapping:
            ctx.warnings.append(
                f"{self.overlapping} overlapping entity span(s) are in the span group "
                f"{span_group!r} but not in doc.ents (the earliest, longest span wins)"
            )


def document_cats(layer: Layer, schema: LabelSchema) -> dict[str, float]:
    """spaCy's text categories for a layer's document labels: for each label the
    layer set, every value the schema declares for it, as ``NAME:VALUE``, 1.0
    when chosen and 0.0 when not (a stored value the schema no longer lists is
    1.0 too). A label the layer did not set has no categories, which spaCy's
    ``textcat`` and ``textcat_multilabel`` treat as unknown, not as false."""
    cats: dict[str, float] = {}
    for name, value in layer.document_labels.items():
        chosen = chosen_values(value)
        defn = schema.document_label(name)
        for declared in defn.values if defn is not None else ():
            cats[category(name, declared)] = 1.0 if declared in chosen else 0.0
        for one in chosen:
            cats[category(name, one)] = 1.0
    return cats


def _spacy_docs(
    docs: Iterable[ExportDocument],
    nlp: Any,
    ctx: ExportContext,
    span_group: str,
    alignment: str,
    counts: _Counts,
) -> Iterator[tuple[Any, int]]:
    """A spaCy Doc per document and layer, with how many spans its group holds."""
    misaligned = counts.misaligned
    for doc in docs:
        ctx.documents += 1
        if not doc.layers:
            continue
        tokens = nlp.make_doc(doc.text)
        # A mention's entity as spaCy's knowledge-base id: its external id, else its id here.
        kb_ids = {e["id"]: e["external_id"] or str(e["id"]) for e in doc.entities}
        for layer in doc.layers:
            sdoc = tokens.copy()  # tokenised once per document, not per layer
            sdoc.user_data.update(
                {
                    "document_id": doc.id,
                    "title": doc.title,
                    "annotator": layer.annotator,
                    "status": layer.status,
                }
            )
            group = []
            aligned: list[tuple[SpanRow, Any]] = []  # (stored span, spaCy Span)
            count_left_out(layer, ctx, spans=[], document_labels=False)
            sdoc.cats = document_cats(layer, ctx.schema)
            for s in spans_in_pieces(layer.spans, doc.text, ctx):
                span = sdoc.char_span(s["start"], s["end"], label=s["label"],
                                      alignment_mode=alignment, span_id=str(s["id"]),
                                      kb_id=kb_ids.get(s.get("entity", 0), ""))  # fmt: skip
                if span is None or not span.text.strip():
                    misaligned[s["label"]] = misaligned.get(s["label"], 0) + 1
                    continue
                if (span.start_char, span.end_char) != (s["start"], s["end"]):
                    counts.moved += 1
                group.append(span)
                aligned.append((s, span))
            sdoc.spans[span_group] = group
            entities = []
            for s, span in aligned:
                label = ctx.schema.label(s["label"])
                if label is None or label.kind == "entity":
                    entities.append(span)
            kept, dropped = non_overlapping(entities)
            counts.overlapping += dropped
            sdoc.ents = kept
            ctx.spans += len(group)
            counts.relations += len(layer.relations)
            counts.docs += 1
            counts.spans += len(group)
            yield sdoc, len(group)
