#!/usr/bin/env bash
# Check deploy/ (docs/deploy.md). The systemd units in deploy/systemd, with systemd's own tools:
# `systemd-analyze verify` on every unit and every timer's instance, with the install path
# /opt/haven pointing at this checkout (so ExecStart= must name programs that exist here),
# failing on any warning, not only on errors; each timer must start a unit that exists; and
# `systemd-analyze security` must rate each service's exposure at most 2.5 (of 10).
# The logrotate configuration: a real rotation of made-up logs in a temporary directory.
# The proxies' examples, when nginx or caddy is installed (installing them would start them):
# `nginx -t` with a throwaway certificate, `caddy validate`, both failing on any warning.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v systemd-analyze >/dev/null 2>&1 || ! command -v logrotate >/dev/null 2>&1; then
  echo "Installing Debian's systemd and logrotate for systemd-analyze and the rotation check..."
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq systemd logrotate >/dev/null
fi
checkout="$PWD"

# The scheduled commands docs/deploy.md enables: hourly sweeps (as scripts/run.sh runs them)
# through haven-sweep@.timer, and send_alerts every minute through haven-send-alerts.timer.
HOURLY="worker_heartbeat remind_plan_reviews remind_bail_ends escalate_concerns network_reminders anchor_audit purge_idempotency_keys purge_limits remind_api_tokens clearsessions"

units="$(mktemp -d)"
trap 'rm -rf "$units"' EXIT
for unit in deploy/systemd/*; do
  sed "s#/opt/haven/#$PWD/#g" "$unit" >"$units/$(basename "$unit")"
done
for command in $HOURLY send_alerts; do
  ln -s haven-sweep@.service "$units/haven-sweep@$command.service"
done
for command in $HOURLY; do
  ln -s haven-sweep@.timer "$units/haven-sweep@$command.timer"
done

failed=0
cd "$units"
checked=(haven-web.service haven-worker.service haven-backup.service haven-backup.timer haven-send-alerts.timer)
for command in $HOURLY send_alerts; do checked+=("haven-sweep@$command.service"); done
for command in $HOURLY; do checked+=("haven-sweep@$command.timer"); done

for timer in *.timer; do
  [ "$timer" = "haven-sweep@.timer" ] && continue
  target="$(sed -n 's/^Unit=//p' "$timer")"
  [ -n "$target" ] || target="${timer%.timer}.service"
  if [ ! -e "$target" ]; then
    echo "$timer starts $target, which is not in deploy/systemd" >&2
    failed=1
  fi
done

if ! out="$(systemd-analyze verify --man=no "${checked[@]}" 2>&1)" || [ -n "$out" ]; then
  echo "systemd-analyze verify found problems in deploy/systemd:" >&2
  echo "$out" >&2
  failed=1
fi

for service in haven-web.service haven-worker.service haven-backup.service haven-sweep@anchor_audit.service; do
  if ! out="$(systemd-analyze security --offline=true --threshold=25 --no-pager "$PWD/$service" 2>&1)"; then
    echo "$service is exposed more than 2.5: $(echo "$out" | tail -n 1)" >&2
    failed=1
  else
    echo "$(echo "$out" | tail -n 1)"
  fi
done

# logrotate: the same file with /var/log/haven in a temporary directory and this user for
# haven, forced to rotate once; each log must be rotated and the held-open ones truncated.
logs="$units/log"
mkdir -p "$logs"
for log in access worker sweeps backup; do echo "a line of $log" >"$logs/$log.log"; done
sed "s#/var/log/haven/#$logs/#g; s#haven haven#$(id -un) $(id -gn)#g" "$checkout/deploy/logrotate/haven" >"$units/logrotate.conf"
if ! out="$(logrotate --force --state "$units/logrotate.state" "$units/logrotate.conf" 2>&1)" || [ -n "$out" ]; then
  echo "logrotate refused deploy/logrotate/haven:" >&2
  echo "$out" >&2
  failed=1
fi
for log in access worker sweeps backup; do
  if ! grep -q "a line of $log" "$logs/$log.log.1" 2>/dev/null; then
    echo "logrotate did not rotate $log.log" >&2
    failed=1
  fi
done
for log in worker sweeps backup; do
  if [ -s "$logs/$log.log" ]; then echo "logrotate did not truncate $log.log (held open by systemd)" >&2; failed=1; fi
done

proxies=""
if command -v nginx >/dev/null 2>&1; then
  openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=haven.example.org \
    -keyout "$units/key.pem" -out "$units/cert.pem" 2>/dev/null
  sed "s#/etc/letsencrypt/live/haven.example.org/fullchain.pem#$units/cert.pem#;
       s#/etc/letsencrypt/live/haven.example.org/privkey.pem#$units/key.pem#;
       s#/var/log/nginx/#$units/#" "$checkout/deploy/nginx/haven.conf" >"$units/haven.conf"
  printf 'pid %s/nginx.pid;\nerror_log %s/error.log;\nevents {}\nhttp {\n  access_log off;\n  include %s/haven.conf;\n}\n' \
    "$units" "$units" "$units" >"$units/nginx.conf"
  if ! out="$(nginx -t -q -c "$units/nginx.conf" -e "$units/error.log" 2>&1)" || [ -n "$out" ]; then
    echo "nginx -t refused deploy/nginx/haven.conf:" >&2; echo "$out" >&2; failed=1
  fi
  proxies="$proxies, nginx -t"
fi
if command -v caddy >/dev/null 2>&1; then
  if ! out="$(caddy validate --adapter caddyfile --config "$checkout/deploy/caddy/Caddyfile" 2>&1)" \
    || grep -q '"level":"\(warn\|error\)"' <<<"$out"; then
    echo "caddy validate refused deploy/caddy/Caddyfile:" >&2; echo "$out" >&2; failed=1
  fi
  proxies="$proxies, caddy validate"
fi
[ -n "$proxies" ] || echo "Neither nginx nor caddy is installed: the proxies' examples were not checked." >&2

[ "$failed" -eq 0 ] && echo "deploy/: ${#checked[@]} systemd units verified, logrotate rotates all 4 logs$proxies"
exit "$failed"
