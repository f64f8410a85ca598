"""The pioneer programme (时代先锋, V1-V4): nominations, annual reviews,
rectification and withdrawal. For now it owns its tables and answers health
checks; its requirements are a later issue's."""
from pathlib import Path

from services.pioneer.models import metadata
from shared.db import Database
from shared.service import BaseService


class PioneerService(BaseService):
    name = "pioneer"
    db = Database("pioneer", metadata, Path(__file__).parent / "migrations")
