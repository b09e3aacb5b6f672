#!/usr/bin/env bash
# tests/openapi/run.sh: lints docs/openapi.json with Redocly's recommended
# rules (@redocly/openapi-core, pinned in package-lock.json and installed
# from npm on first use). Ends with "N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")"
fail() {
	echo "openapi lint: $*" >&2
	echo "0 passed, 1 failed"
	exit 1
}
if [[ ! -d node_modules/@redocly/openapi-core ]]; then
	command -v npm >/dev/null || fail "npm is missing (./dev installs npm)"
	npm ci --no-audit --no-fund --loglevel=error >&2 || fail "npm ci failed"
fi
exec node lint.mjs
