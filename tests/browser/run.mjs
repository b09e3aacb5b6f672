// run.mjs — runs the browser tests in order, one line per test, and ends
// with "N passed, N failed, N skipped" (./dev test fails a run with a skip
// or with no test at all: tests/runner/stage.sh). Each test has a time
// limit (TEST_TIMEOUT_MS); the stage has one of its own in ./dev.
import { readdirSync } from 'node:fs';
import { launch, closeBrowser, Skip, BASE, RUN_DIR } from './lib.mjs';

const TEST_TIMEOUT_MS = 90000;
const files = ['./test_pages.mjs', './test_flow.mjs', './test_errors.mjs', './test_weight.mjs', './test_live.mjs', './test_wheel.mjs',
  './test_wallet.mjs', './test_games.mjs', './test_promotions.mjs'];
// The admin console's tests (admin_*.mjs) after the shopper pages'.
files.push(...readdirSync(new URL('.', import.meta.url)).filter((f) => /^admin_.*\.mjs$/.test(f)).sort().map((f) => './' + f));
const only = process.env.KANJIA_BROWSER_ONLY ? new RegExp(process.env.KANJIA_BROWSER_ONLY) : null;

let passed = 0;
let failed = 0;
let skipped = 0;

if (!BASE || !RUN_DIR) {
  console.log('browser tests need KANJIA_BASE_URL and KANJIA_RUN_DIR (run them through ./dev test)');
  console.log('0 passed, 1 failed, 0 skipped');
  process.exit(1);
}

try {
  await launch();
} catch (e) {
  console.log('FAIL launch chromium: ' + e.message.split('\n')[0]);
  console.log('0 passed, 1 failed, 0 skipped');
  process.exit(1);
}

for (const file of files) {
  const mod = await import(file);
  for (const [name, fn] of Object.entries(mod)) {
    if (!name.startsWith('test_') || typeof fn !== 'function') continue;
    if (only && !only.test(name)) continue;
    const started = Date.now();
    let timer;
    try {
      await Promise.race([fn(), new Promise((_, reject) => { timer = setTimeout(() => reject(new Error(`timed out after ${TEST_TIMEOUT_MS / 1000}s`)), TEST_TIMEOUT_MS); })]);
      passed += 1;
      console.log(`ok   ${name} (${((Date.now() - started) / 1000).toFixed(1)}s)`);
    } catch (e) {
      if (e instanceof Skip) {
        skipped += 1;
        console.log(`skip ${name}: ${e.message}`);
      } else {
        failed += 1;
        console.log(`FAIL ${name} (${((Date.now() - started) / 1000).toFixed(1)}s): ${(e && e.message ? e.message : String(e)).split('\n').slice(0, 6).join('\n    ')}`);
      }
    } finally {
      clearTimeout(timer);
    }
  }
}
await closeBrowser();
console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(failed ? 1 : 0);
