"""A search with thousands of words, or the same word thousands of times, is
bounded: repeats count once, and past the bounds the query is refused at once
with a message that shows it."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from annotator.core.model import DocumentDraft
from annotator.store import repository
from annotator.store.search import (
    MAX_QUERY_CHARS,
    MAX_QUERY_WORDS,
    QueryPart,
    QueryTooLarge,
    parse_query,
    search,
)


def _add(db: Any) -> None:
    with db.session() as session:
        repository.insert_documents(
            session,
            [
                DocumentDraft(f"The minister said {i} things in Astana.", title=f"d{i}")
                for i in range(50)
            ]
            + [DocumentDraft("Markets fell in Tashkent.", title="markets")],
        )


def test_repeated_words_count_once() -> None:
    assert parse_query("minister " * 100 + '"the minister" ' * 20 + "min* " * 20) == [
        QueryPart(("minister",)),
        QueryPart(("the", "minister")),
        QueryPart(("min",), prefix=True),
    ]


def test_a_query_of_one_word_repeated_finds_what_the_word_finds(project_db: Any) -> None:
    _add(project_db)
    with project_db.reader() as session:
        once = search(session, "minister")
        started = time.perf_counter()
        repeated = search(session, "Minister " * 200)
        assert time.perf_counter() - started < 1
    assert repeated.total == once.total == 50
    assert [h.document_id for h in repeated.hits] == [h.document_id for h in once.hits]
    assert repeated.hits[0].matches == once.hits[0].matches


def test_a_long_query_is_refused_at_once_naming_it(project_db: Any) -> None:
    _add(project_db)
    with project_db.reader() as session:
        started = time.perf_counter()
        with pytest.raises(
            QueryTooLarge, match=r"the query 'minister minister .*' is 36,000 characters"
        ):
            search(session, "minister " * 4000)
        assert time.perf_counter() - started < 1


def test_too_many_different_words_are_refused(project_db: Any) -> None:
    _add(project_db)
    words = " ".join(f"w{i}" for i in range(MAX_QUERY_WORDS + 1))
    assert len(words) < MAX_QUERY_CHARS
    with project_db.reader() as session:
        assert search(session, " ".join(f"w{i}" for i in range(MAX_QUERY_WORDS))).total == 0
        with pytest.raises(QueryTooLarge, match=f"over {MAX_QUERY_WORDS} different words"):
            search(session, words)
        with pytest.raises(QueryTooLarge, match="different words"):
            search(session, '"' + words + '"')  # one phrase of too many words


def test_the_command_says_so_in_one_line(tmp_path: Path) -> None:
    from annotator.io.project import create_project

    project = create_project(tmp_path / "p")
    done = subprocess.run(
        [sys.executable, "-m", "annotator", "search", str(project.directory), "minister " * 3_000],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1
    assert "is 27,000 characters long; at most 2,000 are searched" in done.stderr
