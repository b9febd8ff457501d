"""Engine and session factory; opening a database checks and migrates its schema.

SQLite is tuned for durability (WAL, synchronous=FULL) and for several program
instances on one file (busy timeout). One session per user action.
"""

from __future__ import annotations

import contextlib
import os
import select
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson
from sqlalchemy import Engine, create_engine, event, inspect, text
from sqlalchemy.exc import DatabaseError as SADatabaseError
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from annotator.core.errors import (  # the store raises them; defined in the core
    DatabaseProblem,
    DatabaseTooNew,
    DatabaseTooOld,
    InUse,
    SaveFailed,
)
from annotator.store.first_read import HEAD_REVISION as HEAD_REVISION  # known without SQLAlchemy
from annotator.store.first_read import sqlite_path as sqlite_path
from annotator.store.first_read import sqlite_url as sqlite_url
from annotator.store.sqlite_direct import BUSY_TIMEOUT_MS
from annotator.store.sqlite_direct import OPEN_LOCK_SUFFIX as OPEN_LOCK_SUFFIX
from annotator.store.sqlite_direct import OPEN_WAIT_S as OPEN_WAIT_S
from annotator.store.sqlite_direct import OpenHold as OpenHold
from annotator.store.sqlite_direct import backup_sqlite_to as backup_sqlite_to
from annotator.store.sqlite_direct import open_lock_path as open_lock_path
from annotator.store.sqlite_direct import why_not_saved as _why_not_saved

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"

SQLITE_BUSY_TIMEOUT_MS = BUSY_TIMEOUT_MS
READ_ONLY_OPTION = "annotator_read_only"


@contextmanager
def exclusive_use(path: Path) -> Iterator[None]:
    """The database to ourselves: :class:`InUse` if any program has it open
    (:class:`DatabaseProblem` if its lock file cannot be used at all)."""
    where = str(open_lock_path(path))
    try:
        conn = sqlite3.connect(where, timeout=0, isolation_level=None)
    except sqlite3.Error as exc:
        raise DatabaseProblem(where, f"cannot use the lock file ({exc})") from exc
    try:
        try:
            conn.execute("BEGIN EXCLUSIVE")
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) and "busy" not in str(exc):
                raise DatabaseProblem(where, f"cannot use the lock file ({exc})") from exc
            raise InUse(
                "the database is open in another program (an Annotator window or command): "
                "close it, then restore"
            ) from exc
        try:
            yield
        finally:
            conn.execute("ROLLBACK")
    finally:
        conn.close()


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # The driver's own transaction handling would issue BEGIN lazily and hide
    # SAVEPOINT semantics; SQLAlchemy's recipe is to manage BEGIN ourselves.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA journal_mode = WAL")
    cursor.execute("PRAGMA synchronous = FULL")
    cursor.execute("PRAGMA foreign_keys = ON")
    cursor.close()


def _sqlite_begin(conn: Any) -> None:
    # IMMEDIATE takes the write lock at the start, so two writers queue on the
    # busy timeout instead of failing with "database is locked" mid-transaction.
    read_only = conn.get_execution_options().get(READ_ONLY_OPTION, False)
    conn.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")


def json_text(value: Any) -> str:
    """A JSON column's text, as the engines write it (orjson)."""
    return orjson.dumps(value).decode("utf-8")


# orjson for JSON columns: several times faster than the json module on bulk paths.
_JSON = {"json_serializer": json_text, "json_deserializer": orjson.loads}


def make_engine(url: str) -> Engine:
    # Users write postgresql://; the driver we ship is psycopg 3.
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            url = "postgresql+psycopg://" + url[len(prefix) :]
    if url.startswith("sqlite"):
        engine = create_engine(
            url, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000}, **_JSON
        )
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    # pre_ping: a connection the server dropped (a restart, a network cut) is
    # replaced when taken from the pool, so the next edit or read just works.
    engine = create_engine(url, pool_pre_ping=True, **_JSON)
    _ping_only_when_in_doubt(engine.dialect)
    return engine


def _ping_only_when_in_doubt(dialect: Any) -> None:
    """Make the pool's ping a round trip only when the connection has
    something to say.

    Between transactions the server sends nothing on its own, except when it
    ends the connection (a restart, ``pg_terminate_backend``, an idle timeout):
    then its last message and the close make the socket readable. So a socket
    with nothing to read is taken as alive, and only a readable one (or one
    that cannot be polled) gets the dialect's ``SELECT 1``, which replaces it if
    it is dead. That saves a round trip on every edit
    (docs/design.md, "The edit store and version checks"). What no poll sees,
    a network cut with no word from the server, fails the edit's own first
    statement instead of the ping: :class:`SaveFailed`, the edit kept and
    retried on a new connection.
    """

    def ping(dbapi_connection: Any) -> bool:
        try:
            readable, _, _ = select.select([dbapi_connection.fileno()], [], [], 0)
        except (OSError, ValueError):  # closed, or a descriptor select cannot take
            readable = [True]
        return True if not readable else bool(type(dialect).do_ping(dialect, dbapi_connection))

    dialect.do_ping = ping


class Database:
    """An open, up-to-date project database."""

    def __init__(self, url: str) -> None:
        self.url = url
        path = sqlite_path(url)
        self._hold = OpenHold(path, OPEN_WAIT_S) if path is not None else None
        self.engine = make_engine(url)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        self.migrated_from: str | None = None
        """The schema version this database had before it was upgraded on open."""
        self.backup: Path | None = None
        """The copy made before that upgrade (SQLite)."""
        self.backup_problem: str | None = None
        """Why the daily backup taken on opening could not be made (it was skipped)."""
        self._own: HeldConnection | None = None
        self._own_lock = threading.Lock()

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @contextmanager
    def session(self) -> Iterator[Session]:
        """One unit of work: committed when the block ends, rolled back on error.

        A database that cannot take the write (full disk, read-only folder,
        locked file, lost server) raises :class:`SaveFailed` saying which.
        """
        try:
            with self._sessions.begin() as session:
                yield session
        except (OperationalError, SADatabaseError) as exc:
            reason = _reason(exc)
            raise SaveFailed(_where(self.url), _why_not_saved(reason)) from exc

    @contextmanager
    def reader(self) -> Iterator[Session]:
        """A read-only unit of work that sees one moment of the database.

        On SQLite it takes no write lock (a read transaction sees one
        snapshot); on PostgreSQL it is REPEATABLE READ, so a backup or an
        export that reads table after table never meets a span whose
        article was stored after it read the articles.
        """
        with self.engine.connect() as conn:
            options: dict[str, Any] = {READ_ONLY_OPTION: True}
            if self.dialect == "postgresql":
                options["isolation_level"] = "REPEATABLE READ"
            conn = conn.execution_options(**options)
            with Session(bind=conn) as session, session.begin():
                yield session

    @contextmanager
    def own_connection(self) -> Iterator[HeldConnection]:
        """PostgreSQL: the edit store's connection of its own, for edits of one
        statement (docs/design.md, "The edit store and version checks").

        Held from one edit to the next (no Session, no pool checkout and
        return) and in autocommit: each statement is a transaction of its
        own, committed (with ``synchronous_commit``, flushed to disk) when its
        result arrives. Checked before each use as the pool checks its
        connections (:func:`_ping_only_when_in_doubt`): one whose socket has
        something to say (the server ending it) is replaced. A statement that
        fails on the database raises :class:`SaveFailed`, as a session does,
        and a connection left in doubt is replaced before the next use.
        """
        import psycopg

        with self._own_lock:
            held = self._own
            try:
                if held is not None and not held.usable():
                    self._drop_own()
                    held = None
                if held is None:
                    held = self._own = HeldConnection(self.engine.raw_connection())
                yield held
            except (psycopg.Error, OperationalError, SADatabaseError) as exc:
                self._drop_own()
                raise SaveFailed(_where(self.url), _why_not_saved(_reason(exc))) from exc
            finally:
                if self._own is not None and not self._own.idle():
                    self._drop_own()  # interrupted mid-statement: never used again

    def _drop_own(self) -> None:
        held, self._own = self._own, None
        if held is not None:
            held.close()

    def close(self) -> None:
        with self._own_lock:
            self._drop_own()
        self.engine.dispose()
        if self._hold is not None:
            self._hold.release()


class HeldConnection:
    """A DBAPI (psycopg) connection taken out of the engine's pool for good
    (set up as the pool sets up its own), in autocommit, with one cursor."""

    def __init__(self, fairy: Any) -> None:
        self.driver: Any = fairy.driver_connection
        fairy.detach()  # ours now: closed, not given back, when we are done
        self.driver.autocommit = True
        self._cursor = self.driver.cursor()
        from psycopg.pq import TransactionStatus

        self._idle = TransactionStatus.IDLE
        self.info: dict[Any, Any] = {}
        """What is looked up once a connection (the add's statement)."""

    def run(self, sql: str, params: tuple[Any, ...]) -> Any:
        """Run one statement, a transaction of its own; its first row (None: no row)."""
        cursor = self._cursor
        cursor.execute(sql, params)
        return cursor.fetchone()

    def usable(self) -> bool:
        if self.driver.closed:
            return False
        try:
            readable, _, _ = select.select([self.driver.fileno()], [], [], 0)
        except (OSError, ValueError):
            return False
        return not readable

    def idle(self) -> bool:
        """Connected, and no statement under way (one interrupted would be)."""
        return bool(not self.driver.closed and self.driver.info.transaction_status == self._idle)

    def close(self) -> None:
        # Closed as a driver's connection: detached, the pool's reset (a
        # rollback) has nothing to do on it, and fails on a lost one.
        with contextlib.suppress(Exception):  # a connection already lost: nothing to close
            self.driver.close()


def _alembic_config(connection: Any) -> Any:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["connection"] = connection
    return config


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        if not inspect(conn).has_table("alembic_version"):
            return None
        return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()


def upgrade(engine: Engine, revision: str = "head") -> None:
    from alembic import command

    with engine.connect() as conn:
        sqlite = conn.dialect.name == "sqlite"
        driver: Any = conn.connection.driver_connection
        if sqlite:
            # Alembic's batch mode on SQLite copies a table and drops the old
            # one; with foreign keys on, dropping the spans would cascade to
            # every link. Set outside a transaction (SQLite ignores it inside),
            # on the driver's connection, which is in autocommit mode.
            driver.execute("PRAGMA foreign_keys = OFF")
        try:
            with conn.begin():
                command.upgrade(_alembic_config(conn), revision)
                if sqlite and conn.exec_driver_sql("PRAGMA foreign_key_check").first():
                    raise DatabaseProblem(
                        engine.url.database or "", "a migration broke a reference"
                    )
        finally:
            if sqlite:
                driver.execute("PRAGMA foreign_keys = ON")


def backup_sqlite(path: Path, reason: str) -> Path:
    """Copy a SQLite database beside itself, named for the reason."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
    target = path.with_name(f"{path.stem}.{reason}-{stamp}{path.suffix}")
    backup_sqlite_to(path, target)
    return target


def _is_known_revision(revision: str) -> bool:
    return any(
        p.name.startswith(f"{revision}_") for p in (MIGRATIONS_DIR / "versions").glob("*.py")
    )


def migrate_database(db: Database, revision: str) -> Path | None:
    """Upgrade to the head revision; a SQLite file is copied first. Returns the copy."""
    path = sqlite_path(db.url)
    backup = backup_sqlite(path, f"before-migration-{revision}") if path is not None else None
    upgrade(db.engine)
    return backup


def open_database(url: str, *, create: bool = False, migrate: bool = False) -> Database:
    """Open a project database, creating or migrating its schema as needed.

    An older SQLite database is migrated after a backup copy; an older server
    database only with ``migrate=True`` (``annotator migrate``).

    Raises :class:`DatabaseProblem` with a one-line message for a missing,
    damaged or too new database.
    """
    path = sqlite_path(url)
    if path is not None and not create and not path.exists():
        raise DatabaseProblem(str(path), "database file not found")
    if path is not None and not create and path.stat().st_size == 0:
        # SQLite would treat it as a new database; it is a truncated one.
        raise DatabaseProblem(str(path), "the database file is empty (truncated?)")
    try:
        db = Database(url)
    except InUse as exc:
        raise DatabaseProblem(_where(url), str(exc)) from exc
    try:
        revision = current_revision(db.engine)
        if revision is None:
            with db.engine.connect() as conn:
                tables = inspect(conn).get_table_names()
            if tables:
                raise DatabaseProblem(_where(url), "not an Annotator database")
            upgrade(db.engine)
        elif revision != HEAD_REVISION:
            if not _is_known_revision(revision):
                raise DatabaseTooNew(
                    _where(url),
                    f"the database has schema version {revision}, newer than "
                    f"this program ({HEAD_REVISION}); install a newer Annotator to open it",
                )
            if path is None and not migrate:
                # A shared server is upgraded on purpose, not by whoever opens it first.
                raise DatabaseTooOld(
                    _where(url),
                    f"the database has schema version {revision}, older than "
                    f"this program ({HEAD_REVISION}); run `annotator migrate` to upgrade it",
                )
            db.backup = migrate_database(db, revision)
            db.migrated_from = revision
    except (OperationalError, SADatabaseError) as exc:
        db.close()
        raise DatabaseProblem(_where(url), _explain(url, _reason(exc))) from exc
    except DatabaseProblem:
        db.close()
        raise
    return db


def _where(url: str) -> str:
    path = sqlite_path(url)
    if path is not None:
        return str(path)
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


def _explain(url: str, reason: str) -> str:
    """Say which of the usual problems this is, in plain words."""
    from sqlalchemy.engine import make_url

    path = sqlite_path(url)
    if path is not None:
        if not os.access(path.parent, os.W_OK) or not os.access(path, os.W_OK):
            return (
                "the project folder is read-only: Annotator writes its journal beside the "
                "database (copy the project to a writable folder)"
            )
        return f"cannot open the database ({reason})"

    parsed = make_url(url)
    server = f"{parsed.host or 'localhost'}:{parsed.port or 5432}"
    detail = reason.split("FATAL:")[-1].strip()
    if "does not exist" in reason and "database" in reason:
        return f"the database {parsed.database!r} does not exist on {server} (create it first)"
    refused = "password authentication failed" in reason
    if refused or ("role" in reason and "does not exist" in reason):
        return f"the server {server} refused the login of {parsed.username!r} ({detail})"
    if "no password supplied" in reason:
        who = parsed.username
        return f"the server {server} wants a password for {who!r}: set PGPASSWORD or ~/.pgpass"
    if "resolve host" in reason or "translate host name" in reason:
        return f"unknown host {parsed.host!r}"
    if "Connection refused" in reason or "timeout expired" in reason:
        return f"cannot reach a database server at {server} ({detail.split(': ')[-1]})"
    return f"cannot open the database ({reason})"


def _reason(exc: Exception) -> str:
    orig = getattr(exc, "orig", None)
    return str(orig if orig is not None else exc).splitlines()[0]
