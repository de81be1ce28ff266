#!/usr/bin/env bash
# `npm test`: lint and typecheck, then every backend test against SQLite and against MySQL/MariaDB
# (DB_HOST / DB_PORT / DB_USER / DB_PASSWORD, default root@127.0.0.1:3306), then the browser tests.
set -euo pipefail
cd "$(dirname "$0")/.."
results=$(mktemp -d)

# Lint and typecheck are independent: run them side by side.
echo "== lint and typecheck"
npm run --silent lint > "$results/lint.log" 2>&1 & lint=$!
npm run --silent typecheck > "$results/typecheck.log" 2>&1 & typecheck=$!
status=0
wait $lint || { cat "$results/lint.log"; status=1; }
wait $typecheck || { cat "$results/typecheck.log"; status=1; }
[ $status -eq 0 ] || exit 1
rm -f "$results"/*.log

echo "== contracts tests (the process definition)"
(cd contracts && npx jest --json --outputFile="$results/contracts.json")

echo "== backend tests on SQLite and on MySQL/MariaDB"
if ! node -e "require('mysql2').createConnection({host:process.env.DB_HOST||'127.0.0.1',port:+(process.env.DB_PORT||3306),user:process.env.DB_USER||'root',password:process.env.DB_PASSWORD||''}).connect(e=>process.exit(e?1:0))"; then
  echo "无法连接 MySQL/MariaDB（${DB_HOST:-127.0.0.1}:${DB_PORT:-3306}）：测试需要一个可用的数据库服务器，见 README。" >&2
  exit 1
fi
# The front ends build meanwhile (the backend tests leave a core idle while they wait on the
# database and on the instances they start).
bash tests/run.sh --build-only > "$results/build.log" 2>&1 & build=$!
# One run, two projects (backend/jest.config.js): every test file is independent (its own
# database), so jest keeps both cores busy across the files of both databases.
backend=0
(cd backend && npx jest --maxWorkers=2 --json --outputFile="$results/backend.json") || backend=$?
if ! wait $build; then cat "$results/build.log"; echo "前端构建失败" >&2; exit 1; fi
rm -f "$results/build.log"
[ $backend -eq 0 ] || exit $backend
echo "== bench smoke (npm run bench at 2,000 cases)"; (cd tests && npx jest -c bench/jest.config.js --json --outputFile="$results/bench.json")

echo "== browser tests"
SKIP_BUILD=1 bash tests/run.sh "$results"

node -e '
const fs = require("fs"); let passed = 0, failed = 0;
for (const f of fs.readdirSync(process.argv[1])) {
  const r = JSON.parse(fs.readFileSync(process.argv[1] + "/" + f, "utf8"));
  passed += r.numPassedTests; failed += r.numFailedTests;
}
console.log(`Summary: ${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);' "$results"
