"""The migration scripts, one per revision (Alembic reads them by path)."""
