"""What the INCEpTION / WebAnno formats (UIMA CAS XMI, WebAnno TSV 3) share.

- The layers: an entity label is a DKPro ``NamedEntity`` (feature ``value``),
  any other label (a quote, a claim) a span of the custom layer
  ``webanno.custom.Span`` (feature ``label``), a relation one of the custom
  relation layer ``webanno.custom.Link`` (``Governor``, ``Dependent``,
  ``label``). On import, ``NamedEntity`` (and its subtypes) and every
  ``webanno.custom`` layer are read; :func:`label_feature` picks the feature
  that names the label.
- The layout INCEpTION exports a project's annotations in: one folder per
  document holding one file per annotator, named by the annotator
  (``news-1/alice.xmi``); a folder or a .zip (and, in a project export, each
  annotator's file may itself be a .zip). :func:`export_tree` writes it,
  :func:`input_files` reads it.
- The tokens and sentences an export writes (:func:`export_units`): TSV
  addresses spans by token, so every span edge must be a token edge.
- Neither format has spans in pieces, entities or document labels: a span in
  pieces is a span per piece (its links name the first); the rest is left out
  and counted.
"""

from __future__ import annotations

import io
import itertools
import re
import zipfile
from bisect import bisect_left
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial
from pathlib import Path, PurePosixPath

from annotator.core.dataset import AnnotatedDraft, ExportDocument, Layer, LayerDraft
from annotator.core.model import DocumentDraft
from annotator.io.errors import InputProblem
from annotator.io.files import MAX_FILE_SETTING, MB, read_regular, too_large, walk_folder
from annotator.io.formats.common import (
    ExportContext,
    LineProblem,
    check_name,
    safe_name,
    sentence_bounds,
    tokenize,
    write_folder_or_zip,
)

NAMED_ENTITY = "de.tudarmstadt.ukp.dkpro.core.api.ner.type.NamedEntity"
CUSTOM_PREFIX = "webanno.custom."
SPAN_LAYER = "webanno.custom.Span"
LINK_LAYER = "webanno.custom.Link"
LABEL_FEATURE = "label"
ENTITY_FEATURE = "value"
GOVERNOR, DEPENDENT = "Governor", "Dependent"
ANNOTATION = "uima.tcas.Annotation"
"""The type of a link's ends: a link may join a named entity and a custom span."""
TYPE_SYSTEM = "TypeSystem.xml"
NO_LAYER = "INITIAL_CAS"
"""The file of a document nobody annotated (INCEpTION's name for the source's CAS)."""


def span_layer(label: str, ctx: ExportContext) -> str:
    """The layer a label is written in: entities (and labels the schema lacks) as
    named entities, the other kinds in the custom span layer."""
    known = ctx.schema.label(label)
    return NAMED_ENTITY if known is None or known.kind == "entity" else SPAN_LAYER


def short_name(type_name: str) -> str:
    return type_name.rsplit(".", 1)[-1]


def label_feature(features: Sequence[str]) -> str | None:
    """The feature that holds the label: ``label``, else ``value``, else the first one."""
    for name in (LABEL_FEATURE, ENTITY_FEATURE):
        if name in features:
            return name
    return features[0] if features else None


def imported_layer(type_name: str) -> bool:
    """Whether an import reads this layer (named entities and custom layers)."""
    return type_name == NAMED_ENTITY or type_name.startswith(CUSTOM_PREFIX)


# --- tokens and sentences on export ------------------------------------------------

_ROW_SAFE_SPACE = re.compile(r"[^\t\n\r\x0b\x0c\x1c-\x1f\x85\u2028\u2029]+")
"""Whitespace a token of a TSV row can hold: not a tab or a line break (which would
end the column or the line, here or in a reader that splits lines as Python does)."""


def export_units(
    text: str, edges: Iterable[tuple[int, int]]
) -> tuple[list[tuple[int, int]], list[tuple[int, int]]]:
    """(tokens, sentences) of a document, as (start, end) code point offsets.

    Tokens are words and punctuation split at every span edge; a span edge in
    whitespace (``"Obama "``) makes the whitespace around it tokens too, cut at
    the edge, unless it holds a tab or a line break, which a TSV line cannot.
    Sentences end after . ! ? and at line breaks, never inside a span; each
    runs to the start of the next, so the text between them is kept.
    """
    spans = list(edges)
    cuts = sorted({s for s, _ in spans} | {e for _, e in spans})
    tokens = []
    for start, end in tokenize(text):
        # cut at the span edges inside the word (tokenize's own cutting scans every edge)
        for cut in cuts[bisect_left(cuts, start + 1) : bisect_left(cuts, end)]:
            tokens.append((start, cut))
            start = cut
        tokens.append((start, end))
    # The whitespace runs a span starts or ends in: found from the spans' edges,
    # not by visiting every space of the text.
    runs: set[tuple[int, int]] = set()
    for start, end in spans:
        for inside in (start, end - 1):
            if 0 <= inside < len(text) and text[inside].isspace():
                runs.add(_space_run(text, inside))
    for a, z in runs:
        bounds = [a, *cuts[bisect_left(cuts, a + 1) : bisect_left(cuts, z)], z]
        for s, e in itertools.pairwise(bounds):
            # the spaces between tabs and line breaks, which a row cannot hold
            tokens.extend(m.span() for m in _ROW_SAFE_SPACE.finditer(text, s, e))
    if runs:
        tokens.sort()
    sentence_starts = [s for s, _ in sentence_bounds(text, spans)]
    if tokens and (not sentence_starts or tokens[0][0] < sentence_starts[0]):
        sentence_starts.insert(0, tokens[0][0])
    sentences = [
        (s, sentence_starts[n + 1] if n + 1 < len(sentence_starts) else len(text))
        for n, s in enumerate(sentence_starts)
    ]
    return tokens, sentences


def _space_run(text: str, at: int) -> tuple[int, int]:
    """The run of whitespace around ``at`` (a whitespace character)."""
    a, z = at, at + 1
    while a > 0 and text[a - 1].isspace():
        a -= 1
    while z < len(text) and text[z].isspace():
        z += 1
    return a, z


# --- the folder (or .zip) an export writes -------------------------------------------


class UniqueNames:
    """File names unique in one folder, also on a case-insensitive disk: a name
    taken (in any case) gets ``-2``, ``-3``..."""

    def __init__(self, *taken: str) -> None:
        self._taken = {name.casefold() for name in taken}

    def claim(self, name: str, suffix: str = "") -> str:
        candidate = name
        if candidate.casefold() in self._taken and suffix:
            candidate = f"{name}-{suffix}"
        n = 2
        while candidate.casefold() in self._taken:
            candidate = f"{name}-{n}"
            n += 1
        self._taken.add(candidate.casefold())
        return candidate


WriteDocument = Callable[[ExportDocument, list["Layer | None"], Path, list[str]], None]
"""Writes one document's files into its folder: the document, its layers (None
for a document nobody annotated), the folder, and each layer's file stem."""


def export_tree(
    docs: Iterable[ExportDocument],
    target: Path,
    ctx: ExportContext,
    write_document: WriteDocument,
) -> None:
    """A folder per document, a file per annotator; a .zip when ``target`` ends in .zip.
    Nothing appears at ``target`` until all of it is written."""
    write_folder_or_zip(target, lambda folder: _write_tree(docs, folder, ctx, write_document))


def _write_tree(
    docs: Iterable[ExportDocument], folder: Path, ctx: ExportContext, write: WriteDocument
) -> None:
    folders = UniqueNames()
    renamed: set[str] = set()
    for doc in docs:
        ctx.documents += 1
        name = folders.claim(safe_name(doc.source or doc.title, f"doc-{doc.id}"), str(doc.id))
        where = folder / name
        where.mkdir()
        layers: list[Layer | None] = list(doc.layers) or [None]
        stems = UniqueNames(NO_LAYER)
        names = []
        for layer in layers:
            if layer is None:
                names.append(NO_LAYER)
                continue
            stem = stems.claim(safe_name(layer.annotator, "annotator"))
            if stem != layer.annotator:
                renamed.add(f"{layer.annotator!r} as {stem!r}")
            names.append(stem)
            ctx.spans += len(layer.spans)
            ctx.relations += len(layer.relations)
        write(doc, layers, where, names)
    if renamed:
        ctx.warnings.append(
            "annotator names that cannot be file names were written changed (an import "
            "reads the file name as the annotator): " + ", ".join(sorted(renamed))
        )


# --- the files an import reads ---------------------------------------------------------

MAX_ZIP_RATIO = 100
"""A .zip member that expands more than this many times (and past 1 MB) is refused."""


@dataclass(frozen=True, slots=True)
class InputFile:
    """A file of the input: in a folder, a .zip, or a .zip inside either."""

    where: str
    """How messages name it: a path, or ``archive.zip!member``."""
    parts: tuple[str, ...]
    """Its path inside the input, as folder names and the file name."""
    read: Callable[[], bytes]
    owner: str | None = None
    """The annotator a nested .zip named (``annotation/doc/alice.zip``), if any."""
    scope: str = ""
    """The nested .zip it came from ("" if none): a TypeSystem.xml serves its own scope."""

    @property
    def stem(self) -> str:
        return PurePosixPath(self.parts[-1]).stem

    @property
    def document_name(self) -> str:
        """The folder it sits in (INCEpTION's document name), else its own name."""
        return self.parts[-2] if len(self.parts) > 1 else self.stem

    @property
    def annotator(self) -> str:
        return self.owner or self.stem


class _ZipBudget:
    """Reads members of a .zip, together at most ``limit`` bytes expanded (the
    project's ``max_file_mb``), none expanding over :data:`MAX_ZIP_RATIO` times."""

    def __init__(self, archive: zipfile.ZipFile, where: str, limit: int) -> None:
        self.archive, self.where, self.left, self.limit = archive, where, limit, limit

    def read(self, name: str) -> bytes:
        where = f"{self.where}!{name}"
        info = self.archive.getinfo(name)
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size > MB and ratio > MAX_ZIP_RATIO:
            raise InputProblem(
                where, f"not read: expands {ratio:,.0f} times; over {MAX_ZIP_RATIO} is refused"
            )
        if info.file_size > self.left:
            raise InputProblem(where, too_large(self.limit, MAX_FILE_SETTING + ", for the .zip"))
        try:
            with self.archive.open(info) as member:
                data = member.read(self.left + 1)
        except (zipfile.BadZipFile, OSError, EOFError, RuntimeError) as exc:
            raise InputProblem(where, f"cannot read it from the .zip ({exc})") from exc
        if len(data) > self.left:
            raise InputProblem(where, too_large(self.limit, MAX_FILE_SETTING + ", for the .zip"))
        self.left -= len(data)
        return data


def _zip_files(
    archive: zipfile.ZipFile, where: str, limit: int, prefix: tuple[str, ...], nested: bool
) -> Iterator[InputFile | InputProblem]:
    budget = _ZipBudget(archive, where, limit)
    for name in sorted(archive.namelist()):
        if name.endswith("/"):
            continue
        parts = (*prefix, *PurePosixPath(name).parts)
        if nested and name.lower().endswith(".zip"):
            yield from _nested_zip(budget, name, parts, limit)
            continue
        yield InputFile(f"{where}!{name}", parts, partial(budget.read, name))


def _nested_zip(
    budget: _ZipBudget, name: str, parts: tuple[str, ...], limit: int
) -> Iterator[InputFile | InputProblem]:
    """The files of a .zip inside the input; they belong to the annotator it is named after."""
    where = f"{budget.where}!{name}"
    try:
        data = budget.read(name)
        inner = zipfile.ZipFile(io.BytesIO(data))
    except InputProblem as problem:
        yield problem
        return
    except (zipfile.BadZipFile, OSError) as exc:
        yield InputProblem(where, f"not a readable .zip ({exc})")
        return
    yield from _owned(_zip_files(inner, where, limit, parts[:-1], nested=False), name, where)


def _owned(
    items: Iterator[InputFile | InputProblem], zip_name: str, where: str
) -> Iterator[InputFile | InputProblem]:
    owner = PurePosixPath(zip_name).stem
    for item in items:
        if isinstance(item, InputFile):
            item = InputFile(item.where, item.parts, item.read, owner, where)
        yield item


def _folder_files(folder: Path, limit: int) -> Iterator[InputFile | InputProblem]:
    for path in walk_folder(folder):
        if isinstance(path, InputProblem):
            yield path
            continue
        parts = path.relative_to(folder).parts
        if path.suffix.lower() == ".zip":
            try:
                archive = zipfile.ZipFile(io.BytesIO(read_regular(path, limit, MAX_FILE_SETTING)))
            except InputProblem as problem:
                yield problem
                continue
            except (zipfile.BadZipFile, OSError) as exc:
                yield InputProblem(path, f"not a readable .zip ({exc})")
                continue
            files = _zip_files(archive, str(path), limit, parts[:-1], nested=False)
            yield from _owned(files, path.name, str(path))
            continue
        yield InputFile(str(path), parts, partial(read_regular, path, limit, MAX_FILE_SETTING))


@contextmanager
def input_files(path: Path, limit: int) -> Iterator[list[InputFile | InputProblem]]:
    """Every file of an input: a folder (searched recursively), a .zip or one file.

    A .zip found inside is opened too, and its files belong to the annotator
    it is named after, as in INCEpTION's project export
    (``annotation/DOCUMENT/USER.zip``). The files can be read until the block ends.
    """
    if not path.exists():
        yield [InputProblem(path, "no such file or folder")]
    elif path.is_dir():
        yield list(_folder_files(path, limit))
    elif path.suffix.lower() == ".zip":
        try:
            archive = zipfile.ZipFile(path)
        except (zipfile.BadZipFile, OSError) as exc:
            yield [InputProblem(path, f"not a readable .zip ({exc})")]
            return
        with archive:
            yield list(_zip_files(archive, str(path), limit, (), nested=True))
    else:
        # One file, and the type system beside it (an .xmi's TypeSystem.xml).
        yield [
            InputFile(
                str(neighbour),
                (neighbour.name,),
                partial(read_regular, neighbour, limit, MAX_FILE_SETTING),
            )
            for neighbour in sorted(path.parent.iterdir())
            if neighbour == path
            or (neighbour.name.lower() == TYPE_SYSTEM.lower() and neighbour.is_file())
        ]


def decode_utf8(data: bytes, where: str) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputProblem(where, f"not UTF-8 (byte {exc.start})") from None


def file_draft(
    document: DocumentDraft, layer: LayerDraft, where: str
) -> AnnotatedDraft | InputProblem:
    """One file's document with its annotator's layer (none when the file
    holds no annotation); the layer is named by the file, so a name the
    program cannot take refuses the file."""
    if not (layer.spans or layer.relations):
        return AnnotatedDraft(document, [], origin=where)
    try:
        check_name(layer.annotator, "annotator (the file's name)")
    except LineProblem as exc:
        return InputProblem(where, f"{exc}: use --as NAME")
    return AnnotatedDraft(document, [layer], origin=where)
