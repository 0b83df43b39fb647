#!/usr/bin/env bash
# Start the web server (gunicorn, two stateless workers), the background task worker and the scheduler of
# periodic tasks; Ctrl-C stops all three.
set -euo pipefail
PORT="${PORT:-8000}"
BIN=.venv/bin
export DJANGO_SETTINGS_MODULE="${DJANGO_SETTINGS_MODULE:-xietong.settings.dev}"
# The demo is shown to people: friendly 404/403/500 pages, never Django's debug page (which lists
# every URL pattern). Static files are served by WhiteNoise all the same; DEBUG=1 to debug.
export DEBUG="${DEBUG:-0}"

"$BIN/python" manage.py db_worker --queue-name '*' --no-reload &
worker=$!
"$BIN/python" manage.py run_scheduler &
scheduler=$!
"$BIN/gunicorn" xietong.wsgi:application --bind "127.0.0.1:${PORT}" --workers 2 --access-logfile - --log-level warning &
web=$!
trap 'kill "$web" "$worker" "$scheduler" 2>/dev/null; wait 2>/dev/null; echo; echo "Stopped."' INT TERM EXIT

sleep 1
cat <<TXT

  Xietong is running:  http://127.0.0.1:${PORT}/
  API documentation:   http://127.0.0.1:${PORT}/api/v1/docs
  Back office:         http://127.0.0.1:${PORT}/admin/

TXT
"$BIN/python" -c "import django; django.setup(); from xietong.demo.region import print_logins; print_logins()" || true
echo "  Press Ctrl-C to stop the web server, the worker and the scheduler."
wait -n "$web" "$worker" "$scheduler"
