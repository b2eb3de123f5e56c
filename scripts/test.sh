#!/usr/bin/env bash
# The whole suite: lint, migrations check, then unit, integration, browser and
# accessibility tests on SQLite and, when one answers, on PostgreSQL. Called by `make test`.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python

# Browser tests drive Debian's Chromium; install it from the distribution when missing.
if ! command -v chromium >/dev/null 2>&1; then
  echo "Installing Debian's chromium for the browser tests..."
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium >/dev/null
fi

# PDFs (WeasyPrint) need Pango and a font from the distribution; install them when missing.
if ! $PY -c "import weasyprint" >/dev/null 2>&1; then
  echo "Installing Pango and fonts for PDF output..."
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core >/dev/null
fi

# Antivirus tests (haven/core/tests/test_clamd.py) start Debian's clamd of their own with one
# test signature; install it when missing. Its packaged services are left stopped: the tests
# need neither a running daemon nor freshclam's downloaded signatures.
if ! command -v clamd >/dev/null 2>&1 && [ ! -x /usr/sbin/clamd ]; then
  echo "Installing Debian's clamav-daemon for the antivirus tests..."
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq clamav-daemon >/dev/null
  if [ -d /run/systemd/system ]; then
    $SUDO systemctl disable --now clamav-freshclam.service clamav-daemon.service clamav-daemon.socket >/dev/null 2>&1 || true
  fi
fi

export HAVEN_ENV=test
export HAVEN_DATA_DIR
HAVEN_DATA_DIR="$(mktemp -d)"
trap 'rm -rf "$HAVEN_DATA_DIR"' EXIT
unset_db() { env -u DATABASE_URL "$@"; }

.venv/bin/ruff check .
.venv/bin/ruff format --check .

echo "== Import contract (.importlinter: the floor plan)"
.venv/bin/lint-imports --no-cache

echo "== Type checks (mypy)"
# django-stubs' plugin imports the settings (no database): the test environment above.
unset_db .venv/bin/mypy haven

echo "== Security tools"
bash scripts/security.sh
echo "== schemathesis against a running server (bounded)"
bash scripts/schemathesis.sh
echo "== Deployment files (systemd-analyze verify and security, logrotate)"
bash scripts/verify_deploy.sh

unset_db $PY manage.py makemigrations --check --dry-run >/dev/null || {
  echo "Model changes without migrations: run manage.py makemigrations" >&2; exit 1; }

echo "== Test suite on SQLite"
unset_db $PY -m pytest "$@"

PG_URL="${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/haven}"
if $PY - "$PG_URL" <<'PYCODE'
import sys, psycopg
from urllib.parse import urlsplit
u = urlsplit(sys.argv[1])
try:
    psycopg.connect(host=u.hostname, port=u.port or 5432, user=u.username or "postgres",
                    password=u.password, dbname="postgres", connect_timeout=3).close()
except Exception as exc:
    print(f"PostgreSQL not reachable ({exc.__class__.__name__}); skipping the PostgreSQL run")
    sys.exit(1)
PYCODE
then
  echo "== Test suite on PostgreSQL ($PG_URL)"
  DATABASE_URL="$PG_URL" $PY -m pytest "$@"
fi
