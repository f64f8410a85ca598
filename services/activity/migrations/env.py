from services.activity.models import metadata
from shared.migrate import run_migrations

run_migrations(metadata, "activity")
