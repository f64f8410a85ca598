"""Write a new Alembic revision for one service by comparing its models with
a scratch SQLite database at the current head.

    python -m tools.make_migration scoring "add manual adjustments"
"""
import sys
import tempfile
from pathlib import Path

from alembic import command
from alembic.config import Config

from shared.config import REPO_ROOT
from shared.db import make_engine


def main(service, message):
    migrations = REPO_ROOT / "services" / service / "migrations"
    with tempfile.TemporaryDirectory() as tmp:
        engine = make_engine(f"sqlite:///{Path(tmp) / 'scratch.db'}")
        cfg = Config()
        cfg.set_main_option("script_location", str(migrations))
        with engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "head")
            command.revision(cfg, message=message, autogenerate=True)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
