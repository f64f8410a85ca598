"""The one config loader. Everything comes from the environment; secrets may
instead come from a file named by ``<NAME>_FILE`` (outside the repository)."""
import os
from pathlib import Path
from urllib.parse import quote, urlsplit, urlunsplit
from zoneinfo import ZoneInfo

REPO_ROOT = Path(__file__).resolve().parent.parent

SERVICES = ("organization", "activity", "scoring", "supervision", "study", "pioneer")


def env(name, default=None):
    """``NAME`` from the environment, else the contents of the file named by
    ``NAME_FILE``, else ``default``."""
    value = os.environ.get(name)
    if value:
        return value
    path = os.environ.get(f"{name}_FILE")
    if path:
        return Path(path).read_text().strip()
    return default


def env_int(name, default):
    """``env(name)`` as a whole number; a value that is not one stops the
    process at start, naming the variable, rather than at the first request."""
    return _number(name, default, int)


def env_float(name, default):
    return _number(name, default, float)


def _number(name, default, kind):
    value = env(name)
    if value is None:
        return default
    try:
        return kind(value)
    except ValueError:
        raise RuntimeError(f"{name}={value!r} is not a {kind.__name__}") from None


def amqp_uri():
    return env("AMQP_URI", "amqp://guest:guest@127.0.0.1:5672/")


def quorum_queues():
    """``XF_QUORUM_QUEUES=1``: the durable event queues are quorum queues,
    replicated across a RabbitMQ cluster (shared/topology.py). Every process
    on one broker must agree: RabbitMQ refuses a queue declared again with
    another type. Read at each declaration, so nothing caches it."""
    value = (env("XF_QUORUM_QUEUES") or "0").strip()
    if value not in ("0", "1"):
        raise RuntimeError(f"XF_QUORUM_QUEUES={value!r} is not 0 or 1 (1 declares the event "
                           "queues as quorum queues)")
    return value == "1"


def gateway_metrics_address():
    """Where the gateway serves its Prometheus figures: a port of their own
    (XF_METRICS_PORT, on XF_METRICS_HOST), not the public one, since they
    name bureaus."""
    return env("XF_METRICS_HOST", "127.0.0.1"), env_int("XF_METRICS_PORT", 8099)


def with_vhost(uri, vhost):
    """``uri`` pointing at another RabbitMQ virtual host."""
    parts = urlsplit(uri)
    return urlunsplit((parts.scheme, parts.netloc, "/" + quote(vhost, safe=""),
                       parts.query, parts.fragment))


def data_dir():
    path = Path(env("XF_DATA_DIR", str(REPO_ROOT / "data")))
    path.mkdir(parents=True, exist_ok=True)
    return path


def database_url(service):
    """``<SERVICE>_DATABASE_URL`` (e.g. ``SCORING_DATABASE_URL``), else one
    assembled from its parts (``XF_<SERVICE>_DB_HOST`` and the others, see
    ``database_url_from_parts``), else an SQLite file for the service under
    the data folder."""
    url = env(f"{service.upper()}_DATABASE_URL")
    if url:
        return url
    url = database_url_from_parts(service)
    if url:
        return url
    return f"sqlite:///{data_dir() / (service + '.db')}"


def database_url_from_parts(service):
    """A PostgreSQL URL from ``XF_<SERVICE>_DB_HOST``, ``_DB_PORT`` (5432),
    ``_DB_NAME`` (the service's name), ``_DB_USER`` and ``_DB_PASSWORD``, the
    user and password percent-encoded; None without a host. On Kubernetes the
    user and password come from the role's basic-auth Secret that CloudNativePG
    logs in with (deploy/k8s/README.md), which holds them as they are, not as
    parts of a URL."""
    prefix = f"XF_{service.upper()}_DB_"
    host = env(prefix + "HOST")
    if not host:
        return None
    user, password = env(prefix + "USER"), env(prefix + "PASSWORD")
    if not user or not password:
        raise RuntimeError(f"{prefix}HOST is set but {prefix}USER or {prefix}PASSWORD is not")
    port = env_int(prefix + "PORT", 5432)
    name = env(prefix + "NAME", service)
    credentials = f"{quote(user, safe='')}:{quote(password, safe='')}"
    return f"postgresql://{credentials}@{host}:{port}/{quote(name, safe='')}"


def timezone():
    """Periods and 'the future' are judged in the bureaus' local time."""
    return ZoneInfo(env("XF_TIMEZONE", "Asia/Shanghai"))


def rules_dirs():
    """Where rule sets are looked up, most specific first: an operator's
    folder (``XF_RULES_DIR``) of per-bureau overrides, then the shipped set."""
    dirs = []
    extra = env("XF_RULES_DIR")
    if extra:
        dirs.append(Path(extra))
    dirs.append(REPO_ROOT / "rules")
    return dirs


def auth_secret():
    secret = env("AUTH_SECRET")
    if not secret:
        raise RuntimeError(
            "AUTH_SECRET is not set: put the token-signing secret in the "
            "environment or in a file named by AUTH_SECRET_FILE")
    return secret
