#!/usr/bin/env bash
# The production run profile on one host: N gunicorn web processes, M task workers and the scheduler,
# against PostgreSQL, static files collected (served by whitenoise), uploads under MEDIA_ROOT (a shared
# volume when several hosts serve) or in object storage (XIETONG_MEDIA_STORAGE). See docs/operations.md.
#
#   DATABASE_URL=postgres://xietong:…@db:5432/xietong SECRET_KEY=… AUDIT_HMAC_KEY=… ALLOWED_HOSTS=xietong.example.org \
#   PUBLIC_BASE_URL=https://xietong.example.org WEB_CONCURRENCY=4 TASK_WORKERS=2 BIND=0.0.0.0:8000 make serve
#
# Stops all of them when one stops (a supervisor, e.g. systemd with deploy/, restarts the whole set).
set -euo pipefail
: "${DATABASE_URL:?set DATABASE_URL to the PostgreSQL database (postgres://user:password@host:5432/name)}"
: "${SECRET_KEY:?set SECRET_KEY to a long random value}"
case "$DATABASE_URL" in
  postgres://* | postgresql://*) ;;
  *) echo "serve: several workers need PostgreSQL; for SQLite use make demo (one worker)" >&2; exit 2 ;;
esac
: "${AUDIT_HMAC_KEY:?set AUDIT_HMAC_KEY to a long random value kept apart from the database backups (docs/operations.md)}"
: "${PUBLIC_BASE_URL:?set PUBLIC_BASE_URL to the public https:// address of the platform (the links in SMS and e-mail)}"
export DJANGO_SETTINGS_MODULE="${DJANGO_SETTINGS_MODULE:-xietong.settings.production}"
BIN="${BIN:-.venv/bin}"
BIND="${BIND:-127.0.0.1:8000}"
WEB_CONCURRENCY="${WEB_CONCURRENCY:-2}"
TASK_WORKERS="${TASK_WORKERS:-2}"
if [ "${XIETONG_METRICS:-0}" = "1" ] && [ -z "${PROMETHEUS_MULTIPROC_DIR:-}" ]; then
  PROMETHEUS_MULTIPROC_DIR="$(mktemp -d -t xietong-metrics-XXXXXX)"  # empty at every start
  export PROMETHEUS_MULTIPROC_DIR
fi

"$BIN/python" manage.py migrate --noinput -v0
"$BIN/python" manage.py compilemessages --ignore='.venv/*' -v0
"$BIN/python" manage.py collectstatic --noinput -v0

pids=()
stop() { kill "${pids[@]}" 2>/dev/null || true; wait 2>/dev/null || true; }
trap stop INT TERM EXIT
"$BIN/gunicorn" xietong.wsgi:application --bind "$BIND" --workers "$WEB_CONCURRENCY" \
  --access-logfile - --log-level "${GUNICORN_LOG_LEVEL:-warning}" --graceful-timeout 30 &
pids+=($!)
for i in $(seq 1 "$TASK_WORKERS"); do
  "$BIN/python" manage.py db_worker --queue-name '*' --no-reload --worker-id "$(hostname)-$$-$i" &
  pids+=($!)
done
"$BIN/python" manage.py run_scheduler &
pids+=($!)
echo "serve: web on $BIND ($WEB_CONCURRENCY processes), $TASK_WORKERS task workers, scheduler (pids ${pids[*]})"
wait -n "${pids[@]}"
