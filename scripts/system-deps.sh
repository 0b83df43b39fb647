#!/usr/bin/env bash
# Install the Debian/Ubuntu packages Xietong needs when they are missing.
#   scripts/system-deps.sh run    — CJK fonts and Pango (PDFs), gettext (translations), Node.js and npm (assets)
#   scripts/system-deps.sh test   — the above and Debian's chromium (browser tests)
#   scripts/system-deps.sh bench  — the above and wrk (the HTTP benchmark, bench/http.py)
set -euo pipefail
want=(fonts-noto-cjk libpango-1.0-0 libpangoft2-1.0-0 gettext)
if [ "${1:-run}" = "test" ]; then want+=(chromium); fi
if [ "${1:-run}" = "bench" ]; then want+=(wrk); fi

missing=()
for pkg in "${want[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$pkg")
  fi
done
# Node.js and npm install the browser libraries of package-lock.json (make assets).
if ! command -v npm >/dev/null 2>&1; then
  missing+=(nodejs npm)
fi
[ ${#missing[@]} -eq 0 ] && exit 0

if ! command -v apt-get >/dev/null 2>&1; then
  echo "Missing system packages: ${missing[*]}. Install them with your system's package manager." >&2
  exit 1
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
echo "Installing system packages: ${missing[*]}"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
