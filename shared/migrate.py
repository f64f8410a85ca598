"""Alembic's env.py body, shared by every service's migrations folder."""
from alembic import context

from shared import config
from shared.db import make_engine


def run_migrations(metadata, service):
    connection = context.config.attributes.get("connection")
    if connection is None:  # run from the alembic command line
        engine = make_engine(config.database_url(service))
        with engine.begin() as connection:
            _run(connection, metadata)
        return
    _run(connection, metadata)


def _run(connection, metadata):
    context.configure(connection=connection, target_metadata=metadata,
                      render_as_batch=connection.dialect.name == "sqlite",
                      compare_type=True)
    with context.begin_transaction():
        context.run_migrations()
