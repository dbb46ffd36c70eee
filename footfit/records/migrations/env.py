"""Alembic environment: runs on the connection the store hands over (no alembic.ini)."""

from alembic import context

from footfit.records.models import metadata


def run_migrations(config) -> None:  # noqa: ANN001 - alembic.config.Config
    """Run the migrations on ``config.attributes['connection']`` (in its transaction)."""
    connection = config.attributes["connection"]
    context.configure(connection=connection, target_metadata=metadata,
                      render_as_batch=connection.dialect.name == "sqlite")
    with context.begin_transaction():
        context.run_migrations()


try:
    _config = context.config
except AttributeError:  # imported outside an Alembic run (doctest collection, linters)
    _config = None
if _config is not None:
    run_migrations(_config)
