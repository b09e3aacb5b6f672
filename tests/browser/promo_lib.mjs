// promo_lib.mjs — what the promotion browser tests (test_promotions.mjs,
// admin_promotions.mjs) share: an admin made by `kanjiad create-admin`,
// promotions created through the admin API, a campaign of several items,
// shoppers with points and red packets, the sandbox payment.

import { execFileSync } from 'node:child_process';
import { createHmac, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { BASE, api, apiLogin, check, eq, makeItem, sql, sqlValue } from './lib.mjs';

const CONF = process.env.KANJIA_CONF || '';
const BIN = process.env.KANJIA_BIN || '';

export function iso(offsetS) {
  return new Date(Date.now() + offsetS * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

// An admin with roles: { username, password }.
export function makeAdmin(roles = 'owner') {
  check(CONF && BIN, 'KANJIA_CONF and KANJIA_BIN name the stack under test');
  const username = 'promo_' + randomBytes(4).toString('hex');
  const password = 'pw-' + randomBytes(9).toString('base64url');
  execFileSync(BIN, ['-c', CONF, 'create-admin', username, roles], { input: password + '\n' });
  return { username, password };
}

let ownerToken = null;
export async function adminToken() {
  if (ownerToken) return ownerToken;
  const { username, password } = makeAdmin('owner');
  const r = await api('POST', '/admin/login', { body: { username, password } });
  eq(r.status, 200, 'admin login');
  ownerToken = r.json.token;
  return ownerToken;
}

// POST /admin/campaigns/{id}/promotions; returns the promotion (201 expected).
export async function createPromotion(campaignId, body) {
  const r = await api('POST', `/admin/campaigns/${campaignId}/promotions`, { body, token: await adminToken() });
  eq(r.status, 201, `create ${body.kind}: ${JSON.stringify(r.json)}`);
  return r.json;
}

export async function patchPromotion(id, body) {
  const r = await api('PATCH', `/admin/promotions/${id}`, { body, token: await adminToken() });
  eq(r.status, 200, `patch promotion ${id}: ${JSON.stringify(r.json)}`);
  return r.json;
}

// A campaign with items of prices (fen): { campaignId, itemIds }; the first
// listed ten days ago at its price (so a discount of it has a real "was").
export function makeCampaign(prices, { title = '促销浏览器测试', stock = 50 } = {}) {
  const { campaignId, itemId } = makeItem({ title, name: '智能手表 运动健康版', price: prices[0], floor: Math.floor(prices[0] / 10), stock });
  const itemIds = [itemId];
  const names = ['无线耳机', '鼠标垫加大款', '保温杯'];
  for (let i = 1; i < prices.length; i++) {
    sql('INSERT INTO campaign_item (campaign_id, name, images_json, original_price_fen, floor_price_fen, stock_total, stock_left, '
      + 'cut_min_fen, cut_max_fen, self_cuts_per_day, helps_per_user_per_day, bargains_per_user, bargain_ttl_s, pay_within_s, '
      + `rewards_json, created_at, updated_at) VALUES (${campaignId}, '${names[(i - 1) % names.length]}', '["/assets/demo/watch-1.jpg"]', `
      + `${prices[i]}, ${Math.floor(prices[i] / 10)}, ${stock}, ${stock}, 100, 1000, 3, 3, 1, 86400, 1800, '{}', UTC_TIMESTAMP(), UTC_TIMESTAMP())`);
    itemIds.push(Number(sqlValue(`SELECT MAX(id) FROM campaign_item WHERE campaign_id = ${campaignId}`)));
  }
  sql('INSERT INTO item_price_history (item_id, price_fen, cause, effective_at, recorded_at) VALUES '
    + `(${itemIds[0]}, ${prices[0]}, 'list', UTC_TIMESTAMP() - INTERVAL 10 DAY, UTC_TIMESTAMP() - INTERVAL 10 DAY)`);
  return { campaignId, itemIds };
}

// A shopper logged in through the API, with their user id.
export async function shopper() {
  const s = await apiLogin();
  s.id = Number(sqlValue(`SELECT id FROM shopper WHERE phone = '${s.phone}'`));
  return s;
}

export function giveCoupon(userId, { amount = 1000, minSpend = 0, title = '测试券10元' } = {}) {
  sql('INSERT INTO coupon (user_id, campaign_id, source, title, amount_fen, min_spend_fen, starts_at, expires_at, status, created_at) '
    + `VALUES (${userId}, NULL, 'test', '${title}', ${amount}, ${minSpend}, UTC_TIMESTAMP() - INTERVAL 1 HOUR, `
    + 'UTC_TIMESTAMP() + INTERVAL 1 DAY, \'available\', UTC_TIMESTAMP())');
  return Number(sqlValue(`SELECT MAX(id) FROM coupon WHERE user_id = ${userId}`));
}

export function giveRedPacket(userId, amount = 300) {
  sql(`INSERT INTO red_packet (user_id, amount_fen, source, status, created_at, expires_at) VALUES `
    + `(${userId}, ${amount}, 'new_user_pack', 'available', UTC_TIMESTAMP(), UTC_TIMESTAMP() + INTERVAL 7 DAY)`);
  return Number(sqlValue(`SELECT MAX(id) FROM red_packet WHERE user_id = ${userId}`));
}

export function givePoints(userId, points) {
  sql(`UPDATE shopper SET points_balance = points_balance + ${points} WHERE id = ${userId}`);
  sql('INSERT INTO points_ledger (user_id, delta, balance_after, reason, created_at) SELECT id, '
    + `${points}, points_balance, 'checkin', UTC_TIMESTAMP() FROM shopper WHERE id = ${userId}`);
}

export async function quote(token, body) {
  const r = await api('POST', '/cart/quote', { body, token });
  eq(r.status, 200, 'quote: ' + JSON.stringify(r.json));
  return r.json;
}

// The sandbox provider's signed notify (API.md) for a payment the page asked.
export async function sandboxNotify(fields) {
  const conf = readFileSync(CONF, 'utf8');
  const m = conf.match(/^\s*sandbox_secret\s*=\s*(\S+)\s*$/m);
  check(m, 'no sandbox_secret in ' + CONF);
  const body = JSON.stringify(fields);
  const signature = createHmac('sha256', m[1]).update(body).digest('hex');
  const r = await fetch(BASE + '/api/v1/payments/sandbox/notify', {
    method: 'POST', headers: { 'Content-Type': 'application/json', 'X-Sandbox-Signature': signature }, body,
  });
  eq(r.status, 200, 'sandbox notify');
}

// Pays order id on its page (the pay button, then the provider's notice) and waits for 已支付.
export async function payOnPage(page, orderId) {
  const answer = page.waitForResponse((r) => r.url().endsWith(`/api/v1/orders/${orderId}/pay`), { timeout: 15000 });
  await page.locator('button.pay').click();
  const pay = await (await answer).json();
  await sandboxNotify({ payment_id: pay.payment_id, order_id: orderId, amount_fen: pay.amount_fen, status: 'success' });
  await page.locator('.status[data-status="paid"]').waitFor({ timeout: 20000 });
}

export const ADDRESS = { name: '王五', phone: '13700137000', province: '江苏省', city: '南京市', district: '玄武区', detail: '中山路 100 号 5 楼' };

export async function fillAddress(page) {
  for (const [k, v] of Object.entries(ADDRESS)) await page.locator(`form.address input[name=${k}]`).fill(v);
}
