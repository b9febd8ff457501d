"""Alembic environment: runs on the connection that annotator.store.db hands it."""

from typing import Any, Literal

from alembic import context

from annotator.store.models import Base, UTCDateTime
from annotator.store.search import include_name

config = context.config
connection = config.attributes.get("connection")
if connection is None:  # pragma: no cover - only when run by the alembic CLI by hand
    from sqlalchemy import create_engine

    connection = create_engine(config.get_main_option("sqlalchemy.url") or "").connect()


def render_item(type_: str, obj: Any, autogen_context: Any) -> str | Literal[False]:
    # Migrations must not import the models: write the plain column type.
    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    return False


context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=connection.dialect.name == "sqlite",
    render_item=render_item,
    include_name=include_name,
)
with context.begin_transaction():
    context.run_migrations()
