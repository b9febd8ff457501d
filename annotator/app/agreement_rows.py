"""The agreement report's per-document rows: each document's least agreeing
pair and its figures, lowest first (issue 5; issue 14 moved them here so that
the report's worker, :mod:`annotator.app.agreement`, and
:mod:`annotator.app.review` share them without importing each other).

Plain data from :mod:`annotator.core.agreement`; no database, no Qt.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from annotator.core.agreement import DocumentAgreement

__all__ = ["DocumentFigures", "document_rows"]


@dataclass(frozen=True, slots=True)
class DocumentFigures:
    """One document's figures for its least agreeing pair."""

    id: int
    title: str
    a: str
    b: str
    exact_f1: float | None
    overlap_f1: float | None
    kappa: float | None
    alpha: float | None


def _low_first(value: float | None) -> float:
    return 2.0 if value is None else value


def document_rows(
    by_document: Sequence[DocumentAgreement], titles: Mapping[int, str] | None
) -> list[DocumentFigures]:
    """Per document: the pair with the lowest exact F1 and its figures; lowest first."""
    rows: list[DocumentFigures] = []
    for document in by_document:
        if not document.pairs:
            continue
        worst = min(document.pairs, key=lambda p: (_low_first(p.exact_f1), _low_first(p.kappa)))
        rows.append(
            DocumentFigures(
                document.id,
                (titles or {}).get(document.id, ""),
                worst.a,
                worst.b,
                worst.exact_f1,
                worst.overlap_f1,
                worst.kappa,
                document.alpha,
            )
        )
    rows.sort(key=lambda r: (_low_first(r.exact_f1), _low_first(r.kappa), r.id))
    return rows
