"""SQL storage: SQLAlchemy 2 tables, repositories returning domain values, Alembic migrations."""
