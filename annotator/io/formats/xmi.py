"""UIMA CAS XMI with its type system, as INCEpTION imports and exports it, through
dkpro-cassis (the Python library of INCEpTION's team).

Export: a folder (or .zip) with a folder per document holding ``TypeSystem.xml``
and one ``ANNOTATOR.xmi`` per annotator (``INITIAL_CAS.xmi`` for a document
nobody annotated). Each XMI holds the text (the sofa), the document's title
(DKPro's ``DocumentMetaData``), sentences and tokens (split at span edges),
entity labels as ``NamedEntity``, other labels in the custom span layer and
relations in the custom relation layer (:mod:`annotator.io.formats.inception`).

Import: every ``.xmi`` in a folder or .zip, read with the ``TypeSystem.xml``
nearest to it (in its folder or above; in INCEpTION's project export each
annotator's file is a .zip holding both). Named entities and ``webanno.custom``
layers become spans, ``webanno.custom`` relation layers (``Governor`` and
``Dependent``) relations; the file's name is the annotator (the .zip's name in
a project export; ``--as`` overrides). XMI offsets count UTF-16 code units;
cassis turns them into code points, and an offset that falls inside a
character (half of an emoji) or past the text refuses the document, naming
the element.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterable, Iterator
from io import BytesIO
from pathlib import Path, PurePosixPath
from typing import Any

from annotator.core.dataset import (
    AnnotatedDraft,
    ExportDocument,
    Layer,
    LayerDraft,
    RelationDraft,
)
from annotator.core.model import DocumentDraft
from annotator.io.errors import InputProblem
from annotator.io.formats.common import (
    ExportContext,
    LineProblem,
    SourceText,
    check_name,
    count_left_out,
    spans_in_pieces,
)
from annotator.io.formats.importing import ImportContext, InputNotice
from annotator.io.formats.inception import (
    ANNOTATION,
    DEPENDENT,
    ENTITY_FEATURE,
    GOVERNOR,
    LABEL_FEATURE,
    LINK_LAYER,
    NAMED_ENTITY,
    SPAN_LAYER,
    TYPE_SYSTEM,
    InputFile,
    export_tree,
    export_units,
    file_draft,
    imported_layer,
    input_files,
    label_feature,
    short_name,
    span_layer,
)

SUFFIX = ".xmi"
METADATA = "de.tudarmstadt.ukp.dkpro.core.api.metadata.type.DocumentMetaData"
SENTENCE = "de.tudarmstadt.ukp.dkpro.core.api.segmentation.type.Sentence"
TOKEN = "de.tudarmstadt.ukp.dkpro.core.api.segmentation.type.Token"
STRING = "uima.cas.String"
_SEGMENTATION = (METADATA, SENTENCE, TOKEN, "uima.tcas.DocumentAnnotation")

MISSING = (
    "the xmi format needs the dkpro-cassis package, which did not load ({reason}); "
    "install it with: pip install dkpro-cassis"
)


def _cassis() -> Any:
    """The cassis module (a dependency of Annotator; a broken install is named, not a traceback)."""
    try:
        import cassis
    except ImportError as exc:
        raise InputProblem(".", MISSING.format(reason=exc)) from None
    return cassis


# --- export --------------------------------------------------------------------------


def type_system() -> Any:
    """The types an export writes: DKPro's (a subset of their features) and the custom layers."""
    cassis = _cassis()
    ts = cassis.TypeSystem()
    meta = ts.create_type(METADATA, supertypeName="uima.tcas.DocumentAnnotation")
    for name in ("documentTitle", "documentId", "documentUri"):
        ts.create_feature(meta, name, STRING)
    ts.create_feature(ts.create_type(SENTENCE), "id", STRING)
    ts.create_type(TOKEN)
    entity = ts.create_type(NAMED_ENTITY)
    ts.create_feature(entity, ENTITY_FEATURE, STRING)
    ts.create_feature(entity, "identifier", STRING)
    ts.create_feature(ts.create_type(SPAN_LAYER), LABEL_FEATURE, STRING)
    link = ts.create_type(LINK_LAYER)
    ts.create_feature(link, GOVERNOR, ANNOTATION)
    ts.create_feature(link, DEPENDENT, ANNOTATION)
    ts.create_feature(link, LABEL_FEATURE, STRING)
    return ts


def document_cas(
    doc: ExportDocument, layer: Layer | None, ts: Any, ctx: ExportContext, name: str
) -> Any:
    """One document and layer as a CAS."""
    cassis = _cassis()
    cas = cassis.Cas(typesystem=ts)
    cas.sofa_string = doc.text
    cas.sofa_mime = "text"
    # A title or URL XML cannot carry loses those characters (they hold no offsets).
    meta = ts.get_type(METADATA)(
        begin=0, end=len(doc.text), documentTitle=_NOT_XML.sub("", doc.title), documentId=name,
        documentUri=_NOT_XML.sub("", doc.url) or None,
    )  # fmt: skip
    cas.add(meta)
    count_left_out(layer, ctx)
    spans = spans_in_pieces(layer.spans, doc.text, ctx) if layer is not None else []
    tokens, sentences = export_units(doc.text, [(s["start"], s["end"]) for s in spans])
    sentence_type, token_type = ts.get_type(SENTENCE), ts.get_type(TOKEN)
    for start, end in sentences:
        stripped = end - (len(doc.text[start:end]) - len(doc.text[start:end].rstrip()))
        cas.add(sentence_type(begin=start, end=max(stripped, start)))
    cas.add_all(token_type(begin=start, end=end) for start, end in tokens)
    made: dict[int, Any] = {}
    for s in spans:
        layer_name = span_layer(s["label"], ctx)
        feature = ENTITY_FEATURE if layer_name == NAMED_ENTITY else LABEL_FEATURE
        fs = ts.get_type(layer_name)(begin=s["start"], end=s["end"], **{feature: s["label"]})
        cas.add(fs)
        made.setdefault(s["id"], fs)  # a span in pieces is linked by its first
    link_type = ts.get_type(LINK_LAYER)
    for r in layer.relations if layer is not None else []:
        governor, dependent = made[r["source_id"]], made[r["target_id"]]
        cas.add(
            link_type(
                begin=dependent.begin,
                end=dependent.end,
                label=r["type"],
                **{GOVERNOR: governor, DEPENDENT: dependent},
            )
        )
    return cas


_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
"""Characters XML 1.0 cannot carry, not even as references (UIMA writes XML 1.0)."""


def check_xml_text(doc: ExportDocument, target: Path) -> None:
    """Raise :class:`InputProblem` (the export stops, nothing is written) for a text
    that holds a character XML 1.0 cannot carry: an XMI cannot hold that document."""
    found = _NOT_XML.search(doc.text)
    if found is not None:
        raise InputProblem(
            target,
            f"document {doc.id} ({doc.title[:60]!r}) holds U+{ord(found.group()):04X} at "
            f"{found.start()}, which XML 1.0 cannot carry; nothing was written "
            "(webanno-tsv and native keep it)",
        )


def export(docs: Iterable[ExportDocument], target: Path, ctx: ExportContext) -> None:
    """A folder (or .zip) with DOCUMENT/TypeSystem.xml and DOCUMENT/ANNOTATOR.xmi."""
    ts = type_system()
    ts_xml = ts.to_xml()

    def write(
        doc: ExportDocument, layers: list[Layer | None], folder: Path, names: list[str]
    ) -> None:
        check_xml_text(doc, target)
        (folder / TYPE_SYSTEM).write_text(ts_xml, encoding="utf-8")
        for layer, name in zip(layers, names, strict=True):
            cas = document_cas(doc, layer, ts, ctx, folder.name)
            (folder / f"{name}{SUFFIX}").write_text(cas.to_xmi(), encoding="utf-8")

    export_tree(docs, target, ctx, write)


# --- import ----------------------------------------------------------------------------


def type_systems(files: list[InputFile]) -> dict[tuple[str, tuple[str, ...]], InputFile]:
    """The TypeSystem.xml files of an input, by the .zip they came from and their folder."""
    return {(f.scope, f.parts[:-1]): f for f in files if f.parts[-1].lower() == TYPE_SYSTEM.lower()}


def _type_system_for(
    item: InputFile, systems: dict[tuple[str, tuple[str, ...]], InputFile]
) -> InputFile | None:
    """The TypeSystem.xml nearest to an .xmi: in its folder, else the closest above;
    one in the .xmi's own .zip first."""
    for scope in dict.fromkeys((item.scope, "")):
        folder = item.parts[:-1]
        while True:
            found = systems.get((scope, folder))
            if found is not None:
                return found
            if not folder:
                break
            folder = folder[:-1]
    return None


def _offset_problems(data: bytes, bad: set[int]) -> str:
    """The elements whose begin or end is one of ``bad`` (for the message)."""
    from lxml import etree

    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError:
        return ""
    found = []
    for element in root.iter():
        for attribute in ("begin", "end"):
            value = element.get(attribute)
            if value is not None and value.isdigit() and int(value) in bad:
                tag = etree.QName(element).localname
                ident = element.get("{http://www.omg.org/XMI}id")
                found.append(f"{tag} xmi:id {ident} {attribute}={value}")
    return "; ".join(found[:5]) + (f" (and {len(found) - 5} more)" if len(found) > 5 else "")


def _load(item: InputFile, data: bytes, ts: Any) -> Any:
    cassis = _cassis()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            cas = cassis.load_cas_from_xmi(BytesIO(data), typesystem=ts)
        except Exception as exc:  # lxml's, cassis's and their types' errors alike name the fault
            raise InputProblem(item.where, f"cannot read the XMI: {exc}") from None
    bad: set[int] = set()
    for warning in caught:
        text = str(warning.message)
        if "offset [" in text:
            bad.add(int(text.split("offset [", 1)[1].split("]", 1)[0]))
    if bad:
        raise InputProblem(
            item.where,
            "offsets that fall inside a character or past the text (XMI counts UTF-16 "
            f"units): {_offset_problems(data, bad) or sorted(bad)}; the document is not imported",
        )
    return cas


def _label(fs: Any, ts: Any, features: list[str]) -> str:
    name = label_feature(features)
    value = fs.get(name) if name is not None else None
    return value if isinstance(value, str) and value else short_name(fs.type.name)


def cas_to_draft(
    item: InputFile, cas: Any, ts: Any, ctx: ImportContext
) -> Iterator[AnnotatedDraft | InputProblem]:
    where = item.where
    raw = cas.sofa_string
    if not isinstance(raw, str) or not raw.strip():
        yield InputProblem(where, "the XMI has no text (its sofa is empty)")
        return
    source = SourceText(raw)
    layer = LayerDraft(ctx.as_name or item.annotator)
    index: dict[int, int] = {}
    seen: dict[tuple[str, int, int], int] = {}
    links: list[Any] = []
    skipped: dict[str, int] = {}
    title = ""
    for fs in cas.select_all_annotations():
        type_name = fs.type.name
        if type_name == METADATA or ts.is_instance_of(type_name, METADATA):
            title = fs.get("documentTitle") or title
            continue
        entity = ts.is_instance_of(type_name, NAMED_ENTITY)
        if not entity and not imported_layer(type_name):
            if type_name not in _SEGMENTATION:
                skipped[type_name] = skipped.get(type_name, 0) + 1
            continue
        features = [f.name for f in fs.type.all_features if f.rangeType.name == STRING]
        names = {f.name for f in fs.type.all_features}
        if not entity and GOVERNOR in names and DEPENDENT in names:
            links.append(fs)
            continue
        label = _label(fs, ts, [ENTITY_FEATURE] if entity else features)
        try:
            span = source.span(fs.begin, fs.end, label)
        except LineProblem as exc:
            yield InputProblem(where, f"{short_name(type_name)} xmi:id {fs.xmiID}: {exc}")
            continue
        key = (span.label, span.start, span.end)
        if key not in seen:  # stacked copies of one span are stored once
            seen[key] = len(layer.spans)
            layer.spans.append(span)
        index[fs.xmiID] = seen[key]
    for fs in links:
        features = [f.name for f in fs.type.all_features if f.rangeType.name == STRING]
        rtype = _label(fs, ts, features)
        ends = [fs.get(GOVERNOR), fs.get(DEPENDENT)]
        name = f"{short_name(fs.type.name)} xmi:id {fs.xmiID}"
        if any(end is None or end.xmiID not in index for end in ends):
            yield InputProblem(
                where, f"{name}: its Governor or Dependent is not a span this import reads"
            )
            continue
        try:
            check_name(rtype, "relation type")
        except LineProblem as exc:
            yield InputProblem(where, f"{name}: {exc}")
            continue
        layer.relations.append(RelationDraft(rtype, index[ends[0].xmiID], index[ends[1].xmiID]))
    if skipped:
        counts = ", ".join(f"{short_name(t)} ({n})" for t, n in sorted(skipped.items()))
        yield InputNotice(
            where, f"annotations not imported (not named entities or custom layers): {counts}"
        )
    document = DocumentDraft(
        text=source.text, title=title or item.document_name, source=item.document_name
    )
    yield file_draft(document, layer, where)


def read(path: Path, ctx: ImportContext) -> Iterator[AnnotatedDraft | InputProblem]:
    """Documents of an .xmi file, or of a folder or .zip of them (INCEpTION's layout)."""
    try:
        cassis = _cassis()
    except InputProblem as problem:
        yield problem
        return
    with input_files(path, ctx.file_limit) as listed:
        files = [f for f in listed if isinstance(f, InputFile)]
        yield from (f for f in listed if isinstance(f, InputProblem))
        xmis = [f for f in files if PurePosixPath(f.parts[-1]).suffix.lower() == SUFFIX]
        if not xmis:
            yield InputProblem(path, "no UIMA CAS XMI files (.xmi) here")
            return
        candidates = type_systems(files)
        systems: dict[str, Any] = {}  # where -> type system, or None if it did not load
        for item in xmis:
            found = _type_system_for(item, candidates)
            if found is None:
                yield InputProblem(item.where, f"no {TYPE_SYSTEM} beside it or in a folder above")
                continue
            if found.where not in systems:
                try:
                    systems[found.where] = _load_type_system(cassis, found)
                except InputProblem as problem:
                    systems[found.where] = None
                    yield problem
            ts = systems[found.where]
            if ts is None:
                yield InputProblem(
                    item.where, f"not read: its type system {found.where} is not usable"
                )
                continue
            try:
                cas = _load(item, item.read(), ts)
            except InputProblem as problem:
                yield problem
                continue
            yield from cas_to_draft(item, cas, ts, ctx)


def _load_type_system(cassis: Any, found: InputFile) -> Any:
    data = found.read()
    try:
        return cassis.load_typesystem(BytesIO(data))
    except Exception as exc:  # lxml's and cassis's errors alike name the fault
        raise InputProblem(found.where, f"cannot read the type system: {exc}") from None
