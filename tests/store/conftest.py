"""Fixtures shared by the store's tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from annotator.store.db import Database, open_database


@pytest.fixture
def db(database_url: str) -> Iterator[Database]:
    """A new project database on each backend the run covers, closed after the test."""
    database = open_database(database_url, create=True)
    yield database
    database.close()
