#!/usr/bin/env bash
# tests/browser/run.sh — the shopper pages in headless Chromium (Debian's
# /usr/bin/chromium, driven by playwright-core) against the stack ./dev test
# brought up (KANJIA_BASE_URL, KANJIA_RUN_DIR, ...). One line per test, then
# "N passed, N failed, N skipped". Screenshots go to tests/browser/artifacts/.
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"

# Playwright must never fetch a browser of its own: we drive Debian's.
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1

fail() {
	echo "browser tests: $*"
	echo "0 passed, 1 failed, 0 skipped"
	exit 1
}

command -v node >/dev/null || fail "node is missing (./dev installs nodejs)"
# Node.js 18 or later: Debian 12's own nodejs is 18, and playwright-core is
# pinned (package.json) to 1.61.1, its last release whose engines field
# still says node >=18.
node_major=$(node -p 'process.versions.node.split(".")[0]')
((node_major >= 18)) || fail "node $(node --version) is too old: playwright-core 1.61 needs Node.js 18 or later"
[[ -x /usr/bin/chromium ]] || fail "/usr/bin/chromium is missing (./dev installs chromium)"
# npm ci when node_modules is missing or holds another version than the lock.
wanted=$(node -p 'require("./package-lock.json").packages["node_modules/playwright-core"].version')
have=$(node -p 'try { require("./node_modules/playwright-core/package.json").version } catch (e) { "" }')
if [[ $have != "$wanted" ]]; then
	command -v npm >/dev/null || fail "npm is missing (./dev installs npm)"
	npm ci --no-audit --no-fund --loglevel=error >&2 || fail "npm ci failed"
fi
rm -rf artifacts
mkdir -p artifacts
exec node run.mjs
