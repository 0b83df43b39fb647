#!/usr/bin/env bash
# Start the web server (gunicorn, two stateless workers) and the background task worker; Ctrl-C stops both.
set -euo pipefail
PORT="${PORT:-8000}"
BIN=.venv/bin
export DJANGO_SETTINGS_MODULE="${DJANGO_SETTINGS_MODULE:-xietong.settings.dev}"

"$BIN/python" manage.py db_worker --queue-name '*' --no-reload &
worker=$!
"$BIN/gunicorn" xietong.wsgi:application --bind "127.0.0.1:${PORT}" --workers 2 --access-logfile - --log-level warning &
web=$!
trap 'kill "$web" "$worker" 2>/dev/null; wait 2>/dev/null; echo; echo "Stopped."' INT TERM EXIT

sleep 1
cat <<TXT

  Xietong is running:  http://127.0.0.1:${PORT}/
  API documentation:   http://127.0.0.1:${PORT}/api/v1/docs
  Back office:         http://127.0.0.1:${PORT}/admin/

TXT
"$BIN/python" -c "import django; django.setup(); from xietong.demo.region import print_logins; print_logins()" || true
echo "  Press Ctrl-C to stop the web server and the worker."
wait -n "$web" "$worker"
