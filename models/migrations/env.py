"""Alembic environment: runs against the engine handed in by workflows.core.schema."""

from alembic import context

from models import Base

config = context.config
target_metadata = Base.metadata


def run_migrations() -> None:
    """Run online migrations on the provided engine."""
    engine = config.attributes["engine"]
    with engine.begin() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=connection.dialect.name == "sqlite",
            compare_type=True,
        )
        context.run_migrations()


run_migrations()
