"""The analyst's requests on spans, made into edit commands the window runs.

The article view asks to add, relabel, delete, resize and link spans and to
add and remove a split span's pieces; the
details panel to set attributes and notes and to remove a link. Each request
becomes one core command (``annotator/core/commands.py``) on the layer being
edited, run through the window's workspace (saved, kept or refused there).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from annotator.core import commands
from annotator.core.model import OffsetError, SpanData
from annotator.core.pieces import pieces_of, with_piece, without_piece

if TYPE_CHECKING:
    from annotator.ui.window_base import AnnotationWindow


class SpanEdits:
    """Connected to the view's and the details panel's requests by the window."""

    def __init__(self, window: AnnotationWindow) -> None:
        self.window = window

    def _span(self, span_id: int) -> SpanData | None:
        return self.window.view.spans.get(span_id)

    def _editable(self, span_id: int) -> SpanData | None:
        """The span, when it is on the layer being edited (the details panel
        shows others' spans read-only, but a late signal may still come)."""
        span = self._span(span_id)
        return span if span is not None and span.annotator == self.window.layer else None

    def add(self, start: int, end: int, label: str) -> None:
        window = self.window
        if window.document_id is None:
            return
        window.run(
            commands.AddSpan(
                window.document_id, window.layer, label, start, end, editor=window.user
            )
        )

    def relabel(self, span_id: int, label: str) -> None:
        span = self._span(span_id)
        if span is None:
            return
        view = self.window.view
        retypes = view.model.relabel_retypes(span, label)
        if isinstance(retypes, str):
            view.statusMessage.emit(retypes)  # shown as the article's other refusals
            return
        relabel = commands.Relabel(span, self.window.user, label)
        # Its links follow, in the same edit: each takes the type its new labels allow.
        unlinks: list[commands.Command] = []
        relinks: list[commands.Command] = []
        for relation_id, kind in retypes.items():
            old = view.relations[relation_id]
            unlinks.append(commands.DeleteRelation(old, self.window.user))
            relinks.append(
                commands.AddRelation(
                    old.annotator, kind, old.source_id, old.target_id, editor=self.window.user
                )
            )
        self.window.run(
            commands.Bulk(relabel.text, [*unlinks, relabel, *relinks]) if retypes else relabel
        )

    def delete(self, span_id: int) -> None:
        span = self._span(span_id)
        if span is not None:
            self.window.run(commands.DeleteSpan(span, self.window.user))

    def delete_selected(self) -> None:
        view = self.window.view
        if view.selected_span_id is not None:
            view.request_delete(view.selected_span_id)

    def resize(self, span_id: int, start: int, end: int) -> None:
        span = self._span(span_id)
        if span is not None:
            self.window.run(commands.Resize(span, self.window.user, start, end))

    def add_piece(self, span_id: int, start: int, end: int) -> None:
        """Add ``start..end`` to a span as a piece (merged with any it touches)."""
        span = self._span(span_id)
        if span is None:
            return
        pieces = pieces_of(span.start, span.end, span.fragments)
        grown = with_piece(pieces, (start, end))
        if grown == pieces:
            self.window.statusBar().showMessage(f"That text is already in the {span.label}", 5000)
            return
        self.window.run(
            commands.SetPieces(span, self.window.user, grown, f"Add piece to {span.label}")
        )

    def remove_piece(self, span_id: int, index: int) -> None:
        span = self._span(span_id)
        if span is None:
            return
        try:
            kept = without_piece(pieces_of(span.start, span.end, span.fragments), index)
        except OffsetError as problem:
            self.window.statusBar().showMessage(str(problem), 5000)
            return
        self.window.run(
            commands.SetPieces(span, self.window.user, kept, f"Remove piece of {span.label}")
        )

    def set_attributes(self, span_id: int, values: dict[str, Any]) -> None:
        span = self._editable(span_id)
        if span is not None:
            self.window.run(commands.SetAttributes(span, self.window.user, attributes=values))

    def set_note(self, span_id: int, note: str) -> None:
        span = self._editable(span_id)
        if span is not None:
            self.window.run(commands.SetNote(span, self.window.user, note))

    def unlink(self, relation_id: int) -> None:
        relation = self.window.view.relations.get(relation_id)
        if relation is not None:
            self.window.run(commands.DeleteRelation(relation, self.window.user))

    def link(self, source_id: int, target_id: int) -> None:
        """Link two spans with the schema's relation between their labels
        (asking which when it allows several)."""
        window = self.window
        source, target = self._span(source_id), self._span(target_id)
        if source is None or target is None or window.project is None:
            return
        types = window.project.schema.relations_between(source.label, target.label)
        if not types:
            window.statusBar().showMessage(
                f"A {source.label} cannot be linked to a {target.label}", 5000
            )
            return
        chosen = types[0].name if len(types) == 1 else window.choose_relation_type(types, target)
        if chosen is None:
            return
        window.run(
            commands.AddRelation(window.layer, chosen, source.id, target.id, editor=window.user)
        )
        window.view.select_span(source.id)
        window.refresh_details()
