#!/usr/bin/env bash
# Security tools, run by scripts/test.sh: bandit over the product code (no high-severity
# finding may stand) and pip-audit over both lock files (no known vulnerability without a
# dated, reasoned exception in docs/security/pip-audit-exceptions.txt).
set -euo pipefail
cd "$(dirname "$0")/.."

echo "== bandit (high severity fails)"
.venv/bin/bandit -q -r haven -x "*/tests/*,*/migrations/*" --severity-level high

echo "== pip-audit (requirements.lock, requirements-dev.lock)"
ignore=()
while read -r id _; do
  [ -n "$id" ] && [ "${id:0:1}" != "#" ] && ignore+=(--ignore-vuln "$id")
done < docs/security/pip-audit-exceptions.txt
out="$(mktemp)"
status=0
.venv/bin/pip-audit --disable-pip --no-deps --progress-spinner off -f json -o "$out" \
  -r requirements.lock -r requirements-dev.lock "${ignore[@]}" >/dev/null 2>&1 || status=$?
.venv/bin/python - "$out" "$status" <<'PYCODE'
import json, sys
path, status = sys.argv[1], int(sys.argv[2])
try:
    report = json.load(open(path))
except (OSError, ValueError):
    report = None
if report is None:
    # pip-audit could not ask a vulnerability service at all (no network): say so plainly.
    print(f"pip-audit could not reach a vulnerability service (exit {status}); nothing was audited")
    sys.exit(0)
found = [(d["name"], d["version"], v["id"]) for d in report["dependencies"] for v in d.get("vulns", [])]
audited = [d for d in report["dependencies"] if "skip_reason" not in d]
skipped = len(report["dependencies"]) - len(audited)
for name, version, vuln in found:
    print(f"  {name} {version}: {vuln}")
print(f"pip-audit: {len(audited)} packages audited, {skipped} not found by the service, {len(found)} known vulnerabilities")
sys.exit(1 if found else 0)
PYCODE
