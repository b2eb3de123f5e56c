#!/usr/bin/env bash
# Serve Haven: migrate, load the demo world on first start, start the task worker and the
# web server, print the demo logins. Called by `make run` (and `make dev` with --dev).
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
PORT="${HAVEN_PORT:-8000}"
# Emails link to the address Haven is served on (docs/deploy.md, HAVEN_BASE_URL).
export HAVEN_BASE_URL="${HAVEN_BASE_URL:-http://127.0.0.1:${PORT}}"
export HAVEN_DATA_DIR="${HAVEN_DATA_DIR:-$PWD/var}"
mkdir -p "$HAVEN_DATA_DIR/logs"

# PDFs (WeasyPrint) need Pango and a font from the distribution; install them when missing.
if ! $PY -c "import weasyprint" >/dev/null 2>&1; then
  echo "Installing Pango and fonts for PDF output..."
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core >/dev/null
fi

$PY manage.py migrate --no-input -v0
$PY manage.py collectstatic --no-input -v0
if [ "${HAVEN_ENV:-development}" != "production" ]; then
  $PY manage.py load_demo --if-empty
  $PY manage.py demo_logins
fi

# The task worker sends email and runs imports; it stops when this script stops.
$PY manage.py db_worker --queue-name default >>"$HAVEN_DATA_DIR/logs/worker.log" 2>&1 &
worker=$!
# Hourly sweeps a cron would run in production: safety plan review and bail reminders, network
# meeting and action reminders, the escalation safety net, the audit log's anchor, the API's
# day-old idempotency keys, the rate limits' expired counts and destroyed salts, reminders of
# API tokens running out within 14 days, expired sessions (whose rows name a person and a browser),
# and the worker's heartbeat task (/healthz shows the worker stale when none has finished for 2 hours).
(while true; do
  $PY manage.py worker_heartbeat >>"$HAVEN_DATA_DIR/logs/worker.log" 2>&1 || true
  $PY manage.py remind_plan_reviews >>"$HAVEN_DATA_DIR/logs/worker.log" 2>&1 || true
  $PY manage.py remind_bail_ends >>"$HAVEN_DATA_DIR/logs/worker.log" 2>&1 || true
  $PY manage.py escalate_concerns >>"$HAVEN_DATA_DIR/logs/worker.log" 2>&1 || true
  $PY manage.py network_reminders >>"$HAVEN_DATA_DIR/logs/worker.log" 2>&1 || true
  $PY manage.py anchor_audit >>"$HAVEN_DATA_DIR/logs/worker.log" 2>&1 || true
  $PY manage.py purge_idempotency_keys >>"$HAVEN_DATA_DIR/logs/worker.log" 2>&1 || true
  $PY manage.py purge_limits >>"$HAVEN_DATA_DIR/logs/worker.log" 2>&1 || true
  $PY manage.py remind_api_tokens >>"$HAVEN_DATA_DIR/logs/worker.log" 2>&1 || true
  $PY manage.py clearsessions >>"$HAVEN_DATA_DIR/logs/worker.log" 2>&1 || true
  # A daily encrypted backup, when the last one (last-backup.json, written by each backup) is a
  # day old. It stays on this disk: copy $HAVEN_DATA_DIR/backups elsewhere, and the backup key
  # apart from them (README, "Backups and restores").
  if [ -z "$(find "$HAVEN_DATA_DIR/last-backup.json" -mmin -1440 2>/dev/null)" ]; then
    $PY manage.py backup --to "$HAVEN_DATA_DIR/backups" >>"$HAVEN_DATA_DIR/logs/backup.log" 2>&1 || true
  fi
  sleep 3600
done) &
sweeper=$!
# Every minute: send the email alerts that are due and retry those that failed (haven.alerts;
# in production, cron runs `manage.py send_alerts` every minute).
(while true; do
  $PY manage.py send_alerts >>"$HAVEN_DATA_DIR/logs/alerts.log" 2>&1 || true
  sleep 60
done) &
alerts=$!
trap 'pkill -P $sweeper 2>/dev/null; pkill -P $alerts 2>/dev/null; kill $worker $sweeper $alerts 2>/dev/null || true' EXIT INT TERM

if [ -z "${HAVEN_BACKUP_KEY:-}${HAVEN_BACKUP_KEY_FILE:-}" ]; then
  echo "Daily backups go to $HAVEN_DATA_DIR/backups, encrypted with the key $HAVEN_DATA_DIR/backup_key"
  echo "(made by the first backup): keep a copy of that key somewhere apart from the backups."
fi
echo "Haven is serving on http://127.0.0.1:${PORT}/ (Ctrl-C to stop). Logs: $HAVEN_DATA_DIR/logs/"
if [ "${1:-}" = "--dev" ]; then
  $PY manage.py runserver "127.0.0.1:${PORT}"
else
  .venv/bin/gunicorn haven.wsgi:application \
    --bind "127.0.0.1:${PORT}" --workers "${HAVEN_WORKERS:-3}" --threads 2 \
    --access-logfile "$HAVEN_DATA_DIR/logs/access.log" --error-logfile - --log-level warning \
    --logger-class haven.core.gunicorn_logging.AccessLogger
fi
