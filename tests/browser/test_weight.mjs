// test_weight.mjs — first-load weight and time of each shopper page: a
// cold browser (empty cache) opens the page and waits for its content.
// Weight is what crossed the network, bodies as sent (gzip), split into
// script, style, the page itself, pictures and API answers. The script of
// a first load must stay under 100 KB compressed (issue 6). The table goes
// to the output and to artifacts/weights.json.

import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { ARTIFACTS, BASE, makeItem, phone, apiLogin, api, check, eq, sql } from './lib.mjs';

const SCRIPT_BUDGET = 100 * 1024;

// DevTools' "Slow 4G": 150 ms round trips, 1.6 Mbit/s down, 750 kbit/s up.
const SLOW_4G = { offline: false, latency: 150, downloadThroughput: 1.6e6 / 8, uploadThroughput: 750e3 / 8 };

async function measure(name, url, selector, token) {
  const row = await measureOnce(name, url, selector, token, null);
  const slow = await measureOnce(name, url, selector, token, SLOW_4G);
  return { ...row, slow4g_shown_ms: slow.shown_ms, slow4g_load_ms: slow.load_ms };
}

async function measureOnce(name, url, selector, token, conditions) {
  const { page, context } = await phone({ token });
  const sizes = { document: 0, script: 0, stylesheet: 0, image: 0, api: 0 };
  let requests = 0;
  const done = [];
  // Bodies as sent over the wire (after gzip), from the network layer.
  const cdp = await context.newCDPSession(page);
  await cdp.send('Network.enable');
  await cdp.send('Network.setCacheDisabled', { cacheDisabled: true });
  if (conditions) await cdp.send('Network.emulateNetworkConditions', conditions);
  const types = new Map();
  cdp.on('Network.responseReceived', (e) => types.set(e.requestId, { url: e.response.url, type: e.type, encoding: (e.response.headers['Content-Encoding'] || e.response.headers['content-encoding'] || '') }));
  cdp.on('Network.loadingFinished', (e) => done.push([e.requestId, e.encodedDataLength]));
  const started = Date.now();
  await page.goto(url);
  await page.locator(selector).first().waitFor({ timeout: 15000 });
  const shown = Date.now() - started;
  await page.waitForLoadState('load');
  await page.waitForTimeout(300);
  const nav = await page.evaluate(() => {
    const n = performance.getEntriesByType('navigation')[0];
    return { dcl: Math.round(n.domContentLoadedEventEnd), load: Math.round(n.loadEventEnd) };
  });
  let gzip = true;
  for (const [id, bytes] of done) {
    const t = types.get(id);
    if (!t) continue;
    requests += 1;
    const kind = t.url.includes('/api/') ? 'api' : t.type === 'Document' ? 'document' : t.type === 'Script' ? 'script'
      : t.type === 'Stylesheet' ? 'stylesheet' : t.type === 'Image' ? 'image' : 'api';
    sizes[kind] += bytes;
    if ((kind === 'script' || kind === 'stylesheet' || kind === 'document') && bytes > 1024 && t.encoding !== 'gzip') gzip = false;
  }
  await context.close();
  const total = Object.values(sizes).reduce((a, b) => a + b, 0);
  return { page: name, requests, total_bytes: total, ...Object.fromEntries(Object.entries(sizes).map(([k, v]) => [k + '_bytes', v])), shown_ms: shown, dom_content_loaded_ms: nav.dcl, load_ms: nav.load, gzip };
}

export async function test_first_load_weight_and_time_of_each_page() {
  const { campaignId, itemId } = makeItem({ targetCuts: 2, cutMin: 5000, cutMax: 15000 });
  const owner = await apiLogin();
  const b = (await api('POST', '/bargains', { body: { item_id: itemId }, token: owner.token, ip: owner.ip })).json;
  const rows = [];
  rows.push(await measure('campaign /c/{id}', `${BASE}/c/${campaignId}`, `article[data-item="${itemId}"] .name`));
  rows.push(await measure('share landing /s/{code}', `${BASE}/s/${b.share_code}`, 'button.help'));
  rows.push(await measure('bargain /b/{id}', `${BASE}/b/${b.id}`, '.progress', owner.token));
  rows.push(await measure('my page /me', `${BASE}/me`, '.bargains li', owner.token));
  // Checkout and order need a succeeded bargain and the orders API.
  await api('POST', `/bargains/${b.id}/cut`, { token: owner.token, ip: owner.ip });
  await api('POST', `/bargains/${b.id}/cut`, { token: owner.token, ip: owner.ip });
  eq(sql(`SELECT status FROM bargain WHERE id = ${b.id}`)[0][0], 'succeeded', 'the bargain for checkout succeeded');
  // Every page is measured: a missing orders API fails here, it does not
  // shrink the table.
  {
    rows.push(await measure('checkout /b/{id}/checkout', `${BASE}/b/${b.id}/checkout`, '.quote .total', owner.token));
    const order = await api('POST', '/orders', {
      token: owner.token, ip: owner.ip, headers: { 'Idempotency-Key': 'weight-' + b.id },
      body: { lines: [{ item_id: itemId, qty: 1 }], bargain_id: b.id, coupon_ids: [], points: 0,
        address: { name: '李四', phone: '13900139000', province: '浙江省', city: '杭州市', district: '西湖区', detail: '文三路 90 号 1 幢' } },
    });
    eq(order.status, 201, 'an order for the order page');
    rows.push(await measure('order /o/{id}', `${BASE}/o/${order.json.id}`, '.status', owner.token));
  }
  eq(rows.length, 6, 'pages measured');
  writeFileSync(path.join(ARTIFACTS, 'weights.json'), JSON.stringify(rows, null, 2) + '\n');
  console.log('     page                         requests  total B  script B  css B  html B  img B  api B  shown ms  load ms  slow-4G shown ms');
  for (const r of rows) {
    console.log('     ' + r.page.padEnd(28) + String(r.requests).padStart(9) + String(r.total_bytes).padStart(9)
      + String(r.script_bytes).padStart(10) + String(r.stylesheet_bytes).padStart(7) + String(r.document_bytes).padStart(8)
      + String(r.image_bytes).padStart(7) + String(r.api_bytes).padStart(7) + String(r.shown_ms).padStart(10) + String(r.load_ms).padStart(9)
      + String(r.slow4g_shown_ms).padStart(18));
  }
  for (const r of rows) {
    check(r.script_bytes > 0 && r.script_bytes < SCRIPT_BUDGET, `${r.page}: ${r.script_bytes} bytes of script (budget ${SCRIPT_BUDGET})`);
    check(r.gzip, `${r.page}: text assets sent without gzip`);
  }
}
