#!/usr/bin/env bash
# Browser tests: build the platform (backend, admin console, H5), then drive Debian's Chromium.
# Usage: bash tests/run.sh [folder for the jest JSON result]
#        bash tests/run.sh --build-only   (npm test builds while the backend tests run)
#        SKIP_BUILD=1 bash tests/run.sh … (use what --build-only built)
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "${SKIP_BUILD:-}" != 1 ]; then
  npm run --silent build
  # The mini-program targets must compile too: 政务微信 (weapp) and 政务钉钉 (dd).
  npm run --silent build:weapp -w miniapp >/dev/null
  npm run --silent build:dd -w miniapp >/dev/null
  test -f miniapp/dist/weapp/app.json && ls miniapp/dist/dd/pages/login/*.axml >/dev/null
fi
[ "${1:-}" = --build-only ] && exit 0
out=${1:+--json --outputFile=$1/browser.json}
# Each file starts its own platform and browser: two at a time.
(cd tests && npx jest --maxWorkers=2 $out)
