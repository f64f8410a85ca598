"""The study service (S1-S7): study plans, self-study filing and logs, party
lectures and winter training. For now it owns its tables and answers health
checks; its requirements are a later issue's."""
from pathlib import Path

from services.study.models import metadata
from shared.db import Database
from shared.service import BaseService


class StudyService(BaseService):
    name = "study"
    db = Database("study", metadata, Path(__file__).parent / "migrations")
