#!/usr/bin/env bash
# Browser tests: build the platform (backend, admin console, H5), then drive Debian's Chromium.
# Usage: bash tests/run.sh [folder for the jest JSON result]
set -euo pipefail
cd "$(dirname "$0")/.."
npm run --silent build
# The mini-program targets must compile too: 政务微信 (weapp) and 政务钉钉 (dd).
npm run --silent build:weapp -w miniapp >/dev/null
npm run --silent build:dd -w miniapp >/dev/null
test -f miniapp/dist/weapp/app.json && ls miniapp/dist/dd/pages/login/*.axml >/dev/null
out=${1:+--json --outputFile=$1/browser.json}
(cd tests && npx jest $out)
