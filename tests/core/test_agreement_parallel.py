"""`compute_agreement(..., parallel=True)` and
`compute_agreement_by_document(..., parallel=True)` (the report window's
worker): half the documents counted in a forked process give exactly the
pinned figures, each document's too and in the same order, and a child that
fails changes nothing (issue 14)."""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

import pytest

from annotator.core import agreement
from annotator.core.agreement import compute_agreement, compute_agreement_by_document
from tests.core.test_agreement_pinned import FILTERS, NAMES, _documents, _load

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="the platform does not fork")


@pytest.fixture
def forks(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Every corpus is split, however small; returns the children forked."""
    monkeypatch.setattr(agreement, "PARALLEL_MIN_CHARS", 0)
    children: list[int] = []
    fork = os.fork

    def counted() -> int:
        child = fork()
        if child:
            children.append(child)
        return child

    monkeypatch.setattr(os, "fork", counted)
    return children


@pytest.mark.parametrize("index", [0, 5, 11])
def test_parallel_figures_are_the_pinned_figures(index: int, forks: list[int]) -> None:
    case = _load()[index]
    docs = _documents(case)
    for labels, pinned in zip(FILTERS, case["figures"], strict=True):
        report = compute_agreement(docs, NAMES, labels, parallel=True)
        assert report.to_json() == pinned["report"], labels
        assert report.labels == pinned["labels"]
        assert report.spans_by_annotator == pinned["spans_by_annotator"]
    assert len(forks) == len(FILTERS)


def _rows(by_document: list[agreement.DocumentAgreement]) -> list[list[Any]]:
    """Each document's figures as the pinned fixture holds them."""
    return [
        [d.id, d.alpha, [[p.a, p.b, p.exact_f1, p.overlap_f1, p.kappa] for p in d.pairs]]
        for d in by_document
    ]


@pytest.mark.parametrize("index", [0, 4, 7, 11])
def test_parallel_per_document_figures_are_the_pinned_figures(index: int, forks: list[int]) -> None:
    case = _load()[index]
    docs = _documents(case)
    for labels, pinned in zip(FILTERS, case["figures"], strict=True):
        report, by_document = compute_agreement_by_document(docs, NAMES, labels, parallel=True)
        assert report.to_json() == pinned["report"], labels
        assert report.spans_by_annotator == pinned["spans_by_annotator"]
        assert _rows(by_document) == pinned["documents"], labels
        assert [d.id for d in by_document] == [d.id for d in docs]  # in order, each once
    assert len(forks) == len(FILTERS)


def test_a_child_that_fails_changes_nothing_per_document(
    forks: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    parent = os.getpid()
    usual: Callable[..., Any] = agreement._count

    def failing_in_the_child(*args: Any, **kwargs: Any) -> Any:
        if os.getpid() != parent:
            os._exit(3)  # dies without a word, as a killed child would
        return usual(*args, **kwargs)

    monkeypatch.setattr(agreement, "_count", failing_in_the_child)
    case = _load()[6]
    report, by_document = compute_agreement_by_document(
        _documents(case), NAMES, None, parallel=True
    )
    assert report.to_json() == case["figures"][0]["report"]
    assert _rows(by_document) == case["figures"][0]["documents"]
    assert len(forks) == 1


def test_a_child_that_fails_changes_nothing(
    forks: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    parent = os.getpid()
    usual: Callable[..., Any] = agreement._count

    def failing_in_the_child(*args: Any, **kwargs: Any) -> Any:
        if os.getpid() != parent:
            raise RuntimeError("the child fails")
        return usual(*args, **kwargs)

    monkeypatch.setattr(agreement, "_count", failing_in_the_child)
    case = _load()[3]
    report = compute_agreement(_documents(case), NAMES, None, parallel=True)
    assert report.to_json() == case["figures"][0]["report"]
    assert len(forks) == 1


def test_small_corpora_stay_in_one_process(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse() -> int:
        raise AssertionError("forked for a small corpus")

    monkeypatch.setattr(os, "fork", refuse)
    case = _load()[1]
    docs = _documents(case)
    assert sum(len(d.text) for d in docs) < agreement.PARALLEL_MIN_CHARS
    report = compute_agreement(docs, NAMES, None, parallel=True)
    assert report.to_json() == case["figures"][0]["report"]
