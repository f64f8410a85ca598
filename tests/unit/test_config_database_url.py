"""A service's database URL: whole from <SERVICE>_DATABASE_URL, or assembled
from the parts a Kubernetes Secret gives (XF_<SERVICE>_DB_*), with the user and
password percent-encoded so that any password the operator chose works."""
from urllib.parse import unquote, urlsplit

import pytest
import sqlalchemy

from shared import config

PARTS = ("HOST", "PORT", "NAME", "USER", "PASSWORD")


@pytest.fixture(autouse=True)
def clean(monkeypatch, tmp_path):
    for part in PARTS:
        monkeypatch.delenv(f"XF_SCORING_DB_{part}", raising=False)
    monkeypatch.delenv("SCORING_DATABASE_URL", raising=False)
    monkeypatch.setenv("XF_DATA_DIR", str(tmp_path))


def test_assembled_from_parts_with_the_password_encoded(monkeypatch):
    password = "p@ss:w/rd#1 %?"
    monkeypatch.setenv("XF_SCORING_DB_HOST", "xianfeng-pg-rw")
    monkeypatch.setenv("XF_SCORING_DB_USER", "xf_scoring")
    monkeypatch.setenv("XF_SCORING_DB_PASSWORD", password)
    url = config.database_url("scoring")
    assert url.startswith("postgresql://xf_scoring:")
    parts = urlsplit(url)
    assert (parts.hostname, parts.port, parts.path) == ("xianfeng-pg-rw", 5432, "/scoring")
    assert unquote(parts.password) == password
    # SQLAlchemy (what the services open it with) reads the same parts back.
    parsed = sqlalchemy.engine.make_url(url)
    assert (parsed.username, parsed.password, parsed.host, parsed.port, parsed.database) == \
        ("xf_scoring", password, "xianfeng-pg-rw", 5432, "scoring")


def test_port_and_name_can_be_given(monkeypatch):
    for part, value in {"HOST": "db", "PORT": "6432", "NAME": "xf_scoring_db",
                        "USER": "u", "PASSWORD": "p"}.items():
        monkeypatch.setenv(f"XF_SCORING_DB_{part}", value)
    assert config.database_url("scoring") == "postgresql://u:p@db:6432/xf_scoring_db"


def test_a_whole_url_wins_over_the_parts(monkeypatch):
    monkeypatch.setenv("XF_SCORING_DB_HOST", "db")
    monkeypatch.setenv("XF_SCORING_DB_USER", "u")
    monkeypatch.setenv("XF_SCORING_DB_PASSWORD", "p")
    monkeypatch.setenv("SCORING_DATABASE_URL", "postgresql://a:b@elsewhere/scoring")
    assert config.database_url("scoring") == "postgresql://a:b@elsewhere/scoring"


def test_a_host_without_credentials_stops_the_start(monkeypatch):
    monkeypatch.setenv("XF_SCORING_DB_HOST", "db")
    monkeypatch.setenv("XF_SCORING_DB_USER", "u")
    with pytest.raises(RuntimeError, match="XF_SCORING_DB_PASSWORD"):
        config.database_url("scoring")


def test_without_parts_sqlite_under_the_data_folder(tmp_path):
    assert config.database_url("scoring") == f"sqlite:///{tmp_path / 'scoring.db'}"


def test_parts_of_one_service_are_not_another_s(monkeypatch):
    monkeypatch.setenv("XF_SCORING_DB_HOST", "db")
    monkeypatch.setenv("XF_SCORING_DB_USER", "u")
    monkeypatch.setenv("XF_SCORING_DB_PASSWORD", "p")
    monkeypatch.delenv("ACTIVITY_DATABASE_URL", raising=False)
    monkeypatch.delenv("XF_ACTIVITY_DB_HOST", raising=False)
    assert config.database_url("activity").startswith("sqlite:///")
