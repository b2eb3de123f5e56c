#!/usr/bin/env bash
# A bounded schemathesis run against the API of a real server: gunicorn as scripts/run.sh
# starts it, on loopback, over the demo world, signed in with a DSL's API token. Fails on any
# 5xx or any answer that breaks the OpenAPI document (/api/schema/). Run by scripts/test.sh;
# HAVEN_SCHEMATHESIS_EXAMPLES bounds the examples per operation (default 20).
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python

data="$(mktemp -d)"
server=""
cleanup() { [ -n "$server" ] && kill "$server" 2>/dev/null; wait 2>/dev/null || true; rm -rf "$data"; }
trap cleanup EXIT
export HAVEN_DATA_DIR="$data" HAVEN_ENV=development
# The throttles are shared by the workers, so at fuzzing speed most writes would be answered
# 429 and their logic left untested; throttling has its own tests (haven/api/tests).
export HAVEN_API_WRITES_PER_MINUTE=100000 HAVEN_API_READS_PER_MINUTE=100000
unset DATABASE_URL

$PY manage.py migrate --no-input -v0
$PY manage.py load_demo >/dev/null
token="$($PY manage.py shell -v0 -c '
from haven.accounts.models import User
from haven.api.services import token_create
user = User.objects.get(email="dsl@riverside-high.example")
print(token_create(by=user, name="schemathesis")[1])
')"
port="$($PY -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
.venv/bin/gunicorn haven.wsgi:application --bind "127.0.0.1:$port" --workers 2 --threads 2 \
  --error-logfile "$data/gunicorn.log" --log-level warning &
server=$!
for _ in $(seq 100); do
  curl -fsS -o /dev/null "http://127.0.0.1:$port/healthz" 2>/dev/null && break
  sleep 0.2
done

# not_a_server_error and response_schema_conformance are what the API promises; positive
# data acceptance is left out (a valid-looking pupil id of another school must be refused).
.venv/bin/st run "http://127.0.0.1:$port/api/schema/" \
  --url "http://127.0.0.1:$port" \
  --header "Authorization: Bearer $token" \
  --checks not_a_server_error,response_schema_conformance,status_code_conformance,content_type_conformance \
  --max-examples "${HAVEN_SCHEMATHESIS_EXAMPLES:-20}" \
  --seed 2026 \
  --request-timeout 30 \
  --no-color
