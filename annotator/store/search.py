"""Project-wide full-text search: SQLite FTS5 or PostgreSQL full-text search.

The index is made by migration 0004: an external-content FTS5 table kept in
step with ``documents`` by triggers (SQLite), a GIN index on
``to_tsvector('simple', text)`` (PostgreSQL). Both find words as written
(no stemming), in any case; SQLite also ignores accents.

Over 10,000 articles of 5 KB a query takes 1-40 ms on either engine, up to
about 70 ms for a rare phrase of common words on PostgreSQL, whose index holds
no word positions (see _search_postgresql).

A query is words (all must occur), "quoted phrases" and prefixes (``Blink*``).
It is parsed here and written in each engine's own syntax, so no user input
reaches FTS5's or to_tsquery's parser as syntax.

Each hit names the document and its title and gives a snippet of context
around the first match, with offsets in code points of the document text
(``snippet == text[snippet_start:snippet_start + len(snippet)]``) and the
matches inside it. SQLite ranks by BM25; PostgreSQL lists documents in id
order (ranking there would recompute every matching document's vector).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import text as sql
from sqlalchemy.orm import Session

FTS_TABLE = "documents_fts"
FTS_TABLES = frozenset(
    [FTS_TABLE, *(f"{FTS_TABLE}_{part}" for part in ("data", "idx", "docsize", "config"))]
)
"""The FTS5 table and its shadow tables: made by migration 0004, not by the models."""


def include_name(name: str | None, type_: str, parent_names: Any) -> bool:
    """For Alembic's ``include_name``: leave the full-text tables out of comparisons
    of the models with the database (autogenerate, the models-agree test)."""
    return not (type_ == "table" and name in FTS_TABLES)


SNIPPET_BEFORE = 60
SNIPPET_AFTER = 160

_PART = re.compile(r'[“"]([^”"]*)[”"]?|(\S+)')
_WORD = re.compile(r"[^\W_]+")
"""A word as both engines see it: letters and digits (an underscore separates)."""


MAX_QUERY_CHARS = 2000
"""A longer query is refused (a search box's query is a few words)."""
MAX_QUERY_WORDS = 64
"""Words a query may hold, in all its words, phrases and prefixes (repeats counted once)."""


class SearchError(ValueError):
    """A query with nothing to search for, or too much."""


class QueryTooLarge(SearchError):
    """A query past :data:`MAX_QUERY_CHARS` or :data:`MAX_QUERY_WORDS`; the message says which."""


@dataclass(frozen=True, slots=True)
class QueryPart:
    words: tuple[str, ...]
    """One word, or the words of a phrase, in lowercase."""
    prefix: bool = False
    """The last word is a prefix (``Blink*``)."""


@dataclass(frozen=True, slots=True)
class SearchHit:
    document_id: int
    title: str
    snippet: str
    snippet_start: int
    """Offset in the document (code points) of the snippet's first character."""
    matches: list[tuple[int, int]] = field(default_factory=list)
    """(start, end) in the document of each match shown in the snippet."""

    def to_json(self) -> dict[str, Any]:
        return {
            "document_id": self.document_id,
            "title": self.title,
            "snippet": self.snippet,
            "snippet_start": self.snippet_start,
            "matches": [list(m) for m in self.matches],
        }


@dataclass(frozen=True, slots=True)
class SearchResults:
    query: str
    total: int
    """Number of documents that match."""
    hits: list[SearchHit]
    total_exact: bool = True
    """False when ``total`` is an upper bound (a phrase on PostgreSQL)."""


def parse_query(query: str) -> list[QueryPart]:
    """Words, "phrases" and prefix* of a query, each once; raises :class:`SearchError`
    if there are none, :class:`QueryTooLarge` past the bounds (every engine's cost,
    and the highlighting's, grows with the words)."""
    if len(query) > MAX_QUERY_CHARS:
        raise QueryTooLarge(
            f"the query {_shown(query)} is {len(query):,} characters long; "
            f"at most {MAX_QUERY_CHARS:,} are searched"
        )
    parts: dict[QueryPart, None] = {}  # in order, each once: "a a a" is "a"
    words_in_all = 0
    for m in _PART.finditer(query):
        chunk = m.group(1) if m.group(1) is not None else m.group(2)
        words = tuple(w.lower() for w in _WORD.findall(chunk))
        if not words:
            continue
        prefix = m.group(2) is not None and chunk.endswith("*") and len(words) == 1
        part = QueryPart(words, prefix)
        if part not in parts:
            parts[part] = None
            words_in_all += len(words)
            if words_in_all > MAX_QUERY_WORDS:
                raise QueryTooLarge(
                    f"the query {_shown(query)} has over {MAX_QUERY_WORDS} different words; "
                    "search for fewer"
                )
    if not parts:
        raise SearchError(f"nothing to search for in {query!r}")
    return list(parts)


def _shown(query: str) -> str:
    return repr(query if len(query) <= 40 else query[:40] + "…")


def fts5_query(parts: list[QueryPart]) -> str:
    out = []
    for part in parts:
        phrase = '"' + " ".join(part.words) + '"'
        out.append(phrase + ("*" if part.prefix else ""))
    return " ".join(out)


def tsquery(parts: list[QueryPart]) -> str:
    out = []
    for part in parts:
        words = [f"'{w}'" for w in part.words]
        if part.prefix:
            words[-1] += ":*"
        out.append(words[0] if len(words) == 1 else "(" + " <-> ".join(words) + ")")
    return " & ".join(out)


def search(session: Session, query: str, *, limit: int = 50, offset: int = 0) -> SearchResults:
    """Documents that contain every word and phrase of ``query``, with context."""
    parts = parse_query(query)
    dialect = session.get_bind().dialect.name
    if dialect == "sqlite":
        params: dict[str, Any] = {"q": fts5_query(parts), "limit": limit, "offset": offset}
        total = session.execute(
            sql(f"SELECT count(*) FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH :q"), params
        ).scalar_one()
        rows = session.execute(
            sql(
                f"SELECT d.id, d.title, d.text FROM {FTS_TABLE} f"
                f" JOIN documents d ON d.id = f.rowid WHERE {FTS_TABLE} MATCH :q"
                " ORDER BY f.rank, d.id LIMIT :limit OFFSET :offset"
            ),
            params,
        ).all()
    elif dialect == "postgresql":
        return _search_postgresql(session, query, parts, limit, offset)
    else:  # pragma: no cover - only SQLite and PostgreSQL are supported
        raise SearchError(f"full-text search is not available on {dialect}")
    pattern = highlight_pattern(parts)
    hits = [_hit(doc_id, title, body, pattern) for doc_id, title, body in rows]
    return SearchResults(query, int(total), hits)


_PG_MATCH = "to_tsvector('simple', text) @@ to_tsquery('simple', :q)"
PG_PHRASE_BATCH = 1000


def _search_postgresql(
    session: Session, query: str, parts: list[QueryPart], limit: int, offset: int
) -> SearchResults:
    """PostgreSQL: always through the GIN index, and phrases checked only for the page.

    The planner may prefer a sequential scan for a query that matches most
    documents, and then computes to_tsvector for every row (seconds over
    10,000 articles): sequential scans are turned off for this transaction.
    The index does not hold word positions, so a phrase is verified on each
    candidate (a document with all its words): by a regular expression, then
    by computing the document's vector (0.3 ms for 5 KB). Only as many are
    checked as the page needs, and the total of a phrase query is the number
    of documents with all its words (``total_exact`` is False).
    """
    with _index_only(session):
        return _search_postgresql_indexed(session, query, parts, limit, offset)


@contextmanager
def _index_only(session: Session) -> Iterator[None]:
    """No sequential scans in this block (PostgreSQL), then back to the default."""
    session.execute(sql("SET LOCAL enable_seqscan = off"))
    try:
        yield
    finally:
        session.execute(sql("SET LOCAL enable_seqscan TO DEFAULT"))


def _search_postgresql_indexed(
    session: Session, query: str, parts: list[QueryPart], limit: int, offset: int
) -> SearchResults:
    words = [QueryPart((w,)) for part in parts for w in part.words[:-1]]
    words += [QueryPart(part.words[-1:], part.prefix) for part in parts]
    phrase = any(len(part.words) > 1 for part in parts)
    candidates = {"q": tsquery(words)}
    total = session.execute(
        sql(f"SELECT count(*) FROM documents WHERE {_PG_MATCH}"), candidates
    ).scalar_one()
    columns = "SELECT id, title, text FROM documents"
    if not phrase:
        rows = session.execute(
            sql(f"{columns} WHERE {_PG_MATCH} ORDER BY id LIMIT :limit OFFSET :offset"),
            {**candidates, "limit": limit, "offset": offset},
        ).all()
    else:
        ids = list(
            session.execute(
                sql(f"SELECT id FROM documents WHERE {_PG_MATCH} ORDER BY id"), candidates
            ).scalars()
        )
        rows = []
        wanted = offset + limit
        found = 0
        i = 0
        size = 2 * wanted  # small batches first: a common phrase fills the page at once
        # A regular expression of each phrase, about ten times cheaper than a
        # vector, first lets through only the documents where it may occur.
        regexes = {f"re{n}": pg_phrase_regex(p) for n, p in enumerate(parts) if len(p.words) > 1}
        prefilter = " AND ".join(f"text ~ :{name}" for name in regexes)
        while i < len(ids) and found < wanted:
            batch = session.execute(
                # Materialised first, so the phrase is checked on this batch only
                # (through the index it would be rechecked on every candidate).
                sql(
                    "WITH b AS MATERIALIZED (SELECT id, title, text FROM documents"
                    f" WHERE id = ANY(:ids) AND {prefilter})"
                    f" SELECT id, title, text FROM b WHERE {_PG_MATCH} ORDER BY id"
                ),
                {"ids": ids[i : i + size], "q": tsquery(parts), **regexes},
            ).all()
            i += size
            size = min(2 * size, PG_PHRASE_BATCH)
            for row in batch:
                found += 1
                if offset < found <= wanted:
                    rows.append(row)
    pattern = highlight_pattern(parts)
    hits = [_hit(doc_id, title, body, pattern) for doc_id, title, body in rows]
    return SearchResults(query, int(total), hits, total_exact=not phrase)


def pg_phrase_regex(part: QueryPart) -> str:
    """A PostgreSQL regular expression true of every text where the phrase occurs
    (and of a few more): its words, in either case, with only non-alphanumeric
    characters between them. The case is spelt out ([aA]) rather than left to
    ``~*``, whose folding of non-ASCII letters depends on the collation."""
    words = []
    for word in part.words:
        letters = []
        for c in word:
            upper = c.upper()
            letters.append(f"[{c}{upper}]" if len(upper) == 1 and upper != c else c)
        words.append("".join(letters))
    return "[^[:alnum:]]+".join(words)


def matching_document_ids(session: Session, query: str) -> list[int]:
    """Ids of every document that contains all the words of ``query``, in id order
    (on PostgreSQL the words of a phrase need not be next to each other)."""
    parts = parse_query(query)
    if session.get_bind().dialect.name == "sqlite":
        stmt = f"SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH :q ORDER BY rowid"
        return list(session.execute(sql(stmt), {"q": fts5_query(parts)}).scalars())
    # Every word, phrases or not: a superset, found in the index alone.
    words = [QueryPart((w,)) for part in parts for w in part.words]
    stmt = f"SELECT id FROM documents WHERE {_PG_MATCH} ORDER BY id"
    with _index_only(session):
        return list(session.execute(sql(stmt), {"q": tsquery(words)}).scalars())


def highlight_pattern(parts: list[QueryPart]) -> re.Pattern[str]:
    """A regex for the query's words as whole words (a prefix as a word start)."""
    alternatives = []
    for part in parts:
        body = r"[\W_]+".join(re.escape(w) for w in part.words)
        tail = r"[^\W_]*" if part.prefix else r"(?![^\W_])"
        alternatives.append(rf"(?<![^\W_]){body}{tail}")
    return re.compile("|".join(alternatives), re.IGNORECASE)


def _fold(text: str) -> str:
    """Accents removed, one character for one (so offsets stay those of ``text``)."""
    if text.isascii():
        return text
    out = []
    for c in text:
        if c.isascii():
            out.append(c)
        else:
            base = unicodedata.normalize("NFD", c)[0]
            out.append(base if not unicodedata.combining(base) else c)
    return "".join(out)


def _hit(document_id: int, title: str, body: str, pattern: re.Pattern[str]) -> SearchHit:
    haystack = body
    first = pattern.search(body)
    if first is None:  # matched by the engine without its accents
        haystack = _fold(body)
        first = pattern.search(haystack)
    if first is None:  # the engine's tokens differ from ours: show the start
        end = min(len(body), SNIPPET_BEFORE + SNIPPET_AFTER)
        return SearchHit(document_id, title, body[:end], 0, [])
    start = max(0, first.start() - SNIPPET_BEFORE)
    if start > 0:  # begin at a word
        space = body.find(" ", start, first.start())
        start = space + 1 if space >= 0 else start
    end = min(len(body), first.end() + SNIPPET_AFTER)
    if end < len(body):
        space = body.rfind(" ", first.end(), end)
        end = space if space >= 0 else end
    matches = [m.span() for m in pattern.finditer(haystack, start, end) if m.end() > m.start()]
    return SearchHit(document_id, title, body[start:end], start, matches)
