"""A PostgreSQL project's database read with psycopg alone (issue 14).

What a cold start on a team database shows before SQLAlchemy is loaded:
the window's document list (:class:`annotator.app.document_list.ServerListQuery`),
read with the same SQL as the open project's (:mod:`annotator.store.document_list`),
on a connection of its own that only reads. SQLAlchemy, with its PostgreSQL
dialect, takes about half a second to import; psycopg a fraction of that.
The SQLite counterpart is :mod:`annotator.store.first_read`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from annotator.store.first_read import HEAD_REVISION

if TYPE_CHECKING:
    import psycopg

    ServerConnection = psycopg.Connection[Any]
else:
    ServerConnection = Any

CONNECT_TIMEOUT_S = 2
"""A preview gives up on a server this slow to answer, the least libpq
waits (the project's open then tries again and says what is wrong)."""

_SCHEMES = ("postgresql+psycopg://", "postgresql://", "postgres://")


def libpq_url(database_url: str) -> str | None:
    """The project's SQLAlchemy URL as libpq takes it, or None when it is not
    a PostgreSQL URL psycopg connects to (passwords, as the project requires,
    come from the environment, ~/.pgpass or a service file: libpq reads them)."""
    for scheme in _SCHEMES:
        if database_url.startswith(scheme):
            return "postgresql://" + database_url[len(scheme) :]
    return None


def connect_read_only(database_url: str) -> ServerConnection | None:
    """A read-only, autocommit psycopg connection to the project's server;
    None when the URL is not PostgreSQL's, psycopg is not installed, or the
    database's schema is not this program's (the project's open then says
    what to do). Raises :class:`psycopg.Error` when the server cannot be reached."""
    url = libpq_url(database_url)
    if url is None:
        return None
    try:
        import psycopg
    except ImportError:
        return None
    connection = psycopg.connect(
        url,
        autocommit=True,
        connect_timeout=CONNECT_TIMEOUT_S,
        application_name="annotator (document list preview)",
    )
    try:
        connection.execute("SET default_transaction_read_only = on")
        found = connection.execute("SELECT version_num FROM alembic_version").fetchone()
    except BaseException:
        connection.close()
        raise
    if found is None or found[0] != HEAD_REVISION:
        connection.close()
        return None
    return connection
