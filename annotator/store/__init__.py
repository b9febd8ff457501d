"""SQLAlchemy models, engine and session factory, repository functions, migrations."""
