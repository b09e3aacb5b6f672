// admin_console.mjs — the admin console (www/admin/) in headless Chromium
// at 1280×800 (and a tablet's 820×1180): log in, create a campaign with two
// items (the exact-cut plan previewed as a chart, the API's validation
// message shown), see it on the shopper side, watch the dashboard count
// helps made through the API without a reload, ship an order, try a fraud
// rule before enabling it, read the audit log; a campaign title of
// <img src=x onerror=alert(1)> shows as text. Screenshots: artifacts/admin-*.png.

import { execFileSync } from 'node:child_process';
import { randomBytes, createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { chromium } from 'playwright-core';
import { BASE, phone, api, apiLogin, sql, sqlValue, shot, check, eq, sleep } from './lib.mjs';

const XSS_TITLE = '<img src=x onerror=alert(1)>';
const CONF = process.env.KANJIA_CONF || '';
const BIN = process.env.KANJIA_BIN || '';

const state = { browser: null, owner: null, campaignId: null, itemIds: [], title: '' };

function config(key) {
  const line = readFileSync(CONF, 'utf8').split('\n').find((l) => l.split('=')[0].trim() === key);
  return line ? line.slice(line.indexOf('=') + 1).trim() : '';
}

// An admin made by `kanjiad create-admin`.
function makeAdmin(roles) {
  const username = 'browser_' + randomBytes(4).toString('hex');
  const password = 'pw-' + randomBytes(9).toString('base64url');
  execFileSync(BIN, ['-c', CONF, 'create-admin', username, roles], { input: password + '\n' });
  return { username, password };
}

// The owner of the story, once per run.
function owner() {
  if (!state.owner) state.owner = makeAdmin('owner');
  return state.owner;
}

async function desktop({ width = 1280, height = 800 } = {}) {
  if (!state.browser) {
    state.browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'] });
  }
  const context = await state.browser.newContext({ viewport: { width, height }, locale: 'zh-CN', timezoneId: 'Asia/Shanghai' });
  const page = await context.newPage();
  page.setDefaultNavigationTimeout(60000);
  page.errors = [];
  page.dialogs = [];
  page.on('pageerror', (e) => page.errors.push(e.message));
  page.on('console', (m) => { if (m.type() === 'error' && !/Failed to load resource/.test(m.text())) page.errors.push(m.text()); });
  page.on('dialog', async (d) => { page.dialogs.push(d.message()); await d.accept(); });
  return { context, page };
}

async function logIn(page, who = owner()) {
  const { username, password } = who;
  await page.goto(`${BASE}/admin/`);
  await page.locator('form.login input[name=username]').fill(username);
  await page.locator('form.login input[name=password]').fill(password);
  await page.locator('form.login button[type=submit]').click();
  await page.locator('nav.side').waitFor();
}

async function adminToken() {
  const { username, password } = owner();
  const r = await api('POST', '/admin/login', { body: { username, password } });
  eq(r.status, 200, 'admin login through the API');
  return r.json.token;
}

const localInput = (offsetMs) => {
  const d = new Date(Date.now() + offsetMs + 8 * 3600 * 1000); // the context's zone is Asia/Shanghai
  return d.toISOString().slice(0, 16);
};

async function fillItem(item, { name, price, floor, stock, cutMin, cutMax, target, helpsPerDay }) {
  await item.locator('input[name=name]').fill(name);
  await item.locator('input[name=original_price]').fill(price);
  await item.locator('input[name=floor_price]').fill(floor);
  await item.locator('input[name=stock]').fill(stock);
  await item.locator('input[name=cut_min]').fill(cutMin);
  await item.locator('input[name=cut_max]').fill(cutMax);
  await item.locator('input[name=target_cuts]').fill(target);
  await item.locator('input[name=helps_per_user_per_day]').fill(helpsPerDay);
}

// ------------------------------------------------------------------ tests
// run.mjs runs a file's tests by name: the numbers keep them in story order.

export async function test_admin_1_login_create_campaign_with_plan_preview_and_xss_title() {
  check(BIN && CONF, 'KANJIA_BIN and KANJIA_CONF are needed (./dev test exports them)');
  const { page, context } = await desktop();
  await page.goto(`${BASE}/admin/`);
  // a wrong password: the API's sentence
  await page.locator('form.login input[name=username]').fill(owner().username);
  await page.locator('form.login input[name=password]').fill('wrong-password-1');
  await page.locator('form.login button[type=submit]').click();
  await page.locator('form.login .error').filter({ hasText: '用户名或密码错误' }).waitFor();
  await shot(page, 'admin-01-login');
  await logIn(page);

  await page.locator('#new-campaign').click();
  await page.locator('form.campaign-form').waitFor();
  const title = XSS_TITLE + ' ' + randomBytes(3).toString('hex');
  state.title = title;
  await page.locator('input[name=title]').fill(title);
  await page.locator('input[name=starts_at]').fill(localInput(-3600 * 1000));
  await page.locator('input[name=ends_at]').fill(localInput(3 * 86400 * 1000));
  const first = page.locator('.item-editor').nth(0);
  // the plan preview: 8 cuts cannot fit 1–5 yuan over 200 yuan: the API says so before saving
  await fillItem(first, { name: '恰好八刀 智能手表', price: '500', floor: '300', stock: '10', cutMin: '1', cutMax: '5', target: '8', helpsPerDay: '10' });
  await first.locator('.plan-note.error').filter({ hasText: '8 刀' }).waitFor();
  await first.locator('input[name=cut_max]').fill('80');
  await first.locator('.plan-note').filter({ hasText: '8 刀砍掉' }).waitFor();
  await first.locator('.plan canvas').waitFor();
  check(await page.evaluate(() => typeof window.Chart === 'function'), 'chart.js is loaded from assets/vendor/');
  check(await first.locator('.plan canvas').evaluate((c) => c.width > 100 && c.height > 50), 'the plan chart is drawn');
  await page.locator('#add-item').click();
  const second = page.locator('.item-editor').nth(1);
  await fillItem(second, { name: '随机砍 蓝牙耳机', price: '299', floor: '300', stock: '10', cutMin: '1', cutMax: '20', target: '', helpsPerDay: '10' });
  // floor above price: the API's 422 message is shown, nothing is saved
  await page.locator('#save-campaign').click();
  const error = page.locator('.form-foot .error');
  await error.waitFor();
  check((await error.textContent()).length > 4, 'a validation message');
  await shot(page, 'admin-02-campaign-form-error');
  await page.setViewportSize({ width: 820, height: 1180 });
  await shot(page, 'admin-02-campaign-form-tablet');
  await page.setViewportSize({ width: 1280, height: 800 });
  await second.locator('input[name=floor_price]').fill('99');
  await page.locator('#save-campaign').click();
  await page.waitForURL(/#\/dashboard\/\d+$/);
  state.campaignId = Number(page.url().match(/dashboard\/(\d+)$/)[1]);
  state.itemIds = sql(`SELECT id FROM campaign_item WHERE campaign_id = ${state.campaignId} ORDER BY id`).map((r) => Number(r[0]));
  eq(state.itemIds.length, 2, 'two items saved');
  eq(sqlValue(`SELECT target_cuts FROM campaign_item WHERE id = ${state.itemIds[0]}`), '8', 'the exact item');
  eq(sqlValue(`SELECT title FROM campaign WHERE id = ${state.campaignId}`), title, 'the title is stored as typed');

  // the title shows as text everywhere: no <img>, no alert
  await page.locator('.page-head h1').filter({ hasText: XSS_TITLE }).waitFor();
  await page.goto(`${BASE}/admin/#/campaigns`);
  await page.locator('.campaign-title').filter({ hasText: title }).waitFor();
  eq(await page.locator('#app img').count(), 0, 'no image element made from the title');
  await shot(page, 'admin-03-campaigns');
  eq(page.dialogs, [], 'no alert ran');
  check(page.errors.length === 0, 'page errors: ' + page.errors.join('; '));
  await context.close();
}

export async function test_admin_2_campaign_is_on_the_shopper_side() {
  check(state.campaignId, 'the campaign of the first test');
  const { page, context } = await phone();
  await page.goto(`${BASE}/c/${state.campaignId}`);
  await page.locator(`article[data-item="${state.itemIds[0]}"]`).waitFor();
  await page.locator(`article[data-item="${state.itemIds[1]}"]`).waitFor();
  check((await page.content()).includes('恰好八刀 智能手表'), 'the item name is on the page');
  eq(await page.locator('img[src="x"]').count(), 0, 'the shopper page shows the title as text too');
  await shot(page, 'admin-04-shopper-side');
  await context.close();
}

export async function test_admin_3_dashboard_counts_helps_without_reload() {
  check(state.campaignId, 'the campaign of the first test');
  const { page, context } = await desktop();
  await logIn(page);
  await page.goto(`${BASE}/admin/#/dashboard/${state.campaignId}`);
  const helps = page.locator('.tile[data-stat=helps] .tile-value');
  await helps.filter({ hasText: /^0$/ }).waitFor();
  let loads = 0;
  page.on('load', () => { loads += 1; });
  // a shopper starts a bargain on the range item; three friends help it
  const owner = await apiLogin();
  const start = await api('POST', '/bargains', { body: { item_id: state.itemIds[1] }, token: owner.token, ip: owner.ip });
  eq(start.status, 201, 'start');
  for (let i = 0; i < 3; i++) {
    const friend = await apiLogin();
    const r = await api('POST', `/s/${start.json.share_code}/help`, { token: friend.token, ip: friend.ip });
    eq(r.status, 200, 'help');
  }
  await helps.filter({ hasText: /^3$/ }).waitFor({ timeout: 15000 });
  await page.locator('.tile[data-stat=bargains_started] .tile-value').filter({ hasText: /^1$/ }).waitFor();
  eq(loads, 0, 'the numbers changed without a reload');
  await page.locator(`.item-row[data-item="${state.itemIds[1]}"] .item-nums`).filter({ hasText: '助力次数 3' }).waitFor();
  await shot(page, 'admin-05-dashboard');
  await page.setViewportSize({ width: 820, height: 1180 });
  await sleep(300);
  await shot(page, 'admin-05-dashboard-tablet');
  check(page.errors.length === 0, 'page errors: ' + page.errors.join('; '));
  await context.close();
}

export async function test_admin_4_ships_a_paid_order() {
  check(state.campaignId, 'the campaign of the first test');
  const buyer = await apiLogin();
  const address = { name: '李四', phone: '13800138000', province: '浙江省', city: '杭州市', district: '西湖区', detail: '文三路 100 号' };
  const o = await api('POST', '/orders', { body: { lines: [{ item_id: state.itemIds[1], qty: 1 }], address }, token: buyer.token, ip: buyer.ip, headers: { 'Idempotency-Key': 'admin-browser-' + randomBytes(6).toString('hex') } });
  eq(o.status, 201, 'order');
  const p = await api('POST', `/orders/${o.json.id}/pay`, { token: buyer.token, ip: buyer.ip });
  eq(p.status, 200, 'pay');
  const raw = JSON.stringify({ payment_id: p.json.payment_id, order_id: o.json.id, amount_fen: p.json.amount_fen, status: 'success' });
  const signature = createHmac('sha256', config('sandbox_secret')).update(raw).digest('hex');
  const n = await fetch(`${BASE}/api/v1/payments/sandbox/notify`, { method: 'POST', headers: { 'Content-Type': 'application/json', 'X-Sandbox-Signature': signature }, body: raw });
  eq(n.status, 200, 'notify');

  const { page, context } = await desktop();
  await logIn(page);
  await page.goto(`${BASE}/admin/#/orders`);
  const actions = page.locator(`.row-actions[data-order="${o.json.id}"]`);
  await actions.locator('input[name=carrier]').fill('顺丰速运');
  const tracking = 'SF' + String(o.json.id).padStart(10, '0');
  await actions.locator('input[name=tracking_no]').fill(tracking);
  await actions.locator('button[type=submit]').click();
  await page.locator('td[data-col=status]').filter({ hasText: '顺丰速运 ' + tracking }).waitFor();
  eq(sqlValue(`SELECT status FROM orders WHERE id = ${o.json.id}`), 'shipped', 'shipped in the database');
  await shot(page, 'admin-06-orders');
  const stats = await api('GET', `/admin/campaigns/${state.campaignId}/stats`, { token: await adminToken() });
  eq([stats.json.paid, stats.json.shipped], [1, 1], 'paid and shipped on the dashboard numbers');
  check(page.errors.length === 0, 'page errors: ' + page.errors.join('; '));
  await context.close();
}

export async function test_admin_5_fraud_rule_dry_run_before_enabling() {
  const { page, context } = await desktop();
  await logIn(page);
  await page.goto(`${BASE}/admin/#/fraud`);
  await page.locator('#new-rule').click();
  const form = page.locator('form.rule-form');
  await form.locator('select[name=field]').selectOption('user_agent');
  // Node's fetch made the helps of the dashboard test: its User-Agent is "node"
  const pattern = `^node$|^kanjia-browser-test-${randomBytes(3).toString('hex')}$`;
  await form.locator('input[name=pattern]').fill(pattern);
  await form.locator('select[name=action]').selectOption('review');
  check(await form.locator('#save-enabled').isDisabled(), 'enabling waits for a dry run');
  await form.locator('#dry-run').click();
  const summary = form.locator('.dry-run-summary');
  await summary.waitFor();
  const hits = Number((await summary.textContent()).match(/命中 (\d+) 个请求/)[1]);
  check(hits >= 3, 'the dry run finds the three helps made by Node: ' + (await summary.textContent()));
  check(await form.locator('.dry-run-result code').filter({ hasText: /^node$/ }).count() >= 1, 'the matched values are shown');
  check(!(await form.locator('#save-enabled').isDisabled()), 'enabling is offered after the dry run');
  await shot(page, 'admin-07-fraud-dry-run');
  // a changed pattern needs another dry run; a broken one gets PCRE2's words
  await form.locator('input[name=pattern]').fill('(unclosed');
  check(await form.locator('#save-enabled').isDisabled(), 'a changed rule is not enabled untried');
  await form.locator('#dry-run').click();
  await form.locator('.error').filter({ hasText: /\S/ }).waitFor();
  await form.locator('input[name=pattern]').fill(pattern);
  await form.locator('#dry-run').click();
  await form.locator('.dry-run-summary').waitFor();
  await form.locator('#save-enabled').click();
  await page.locator('code').filter({ hasText: pattern }).waitFor();
  const [ruleId, enabled] = sql(`SELECT id, enabled FROM fraud_rule WHERE pattern = '${pattern}'`)[0];
  eq(enabled, '1', 'the rule is on');
  sql(`UPDATE fraud_rule SET enabled = 0 WHERE id = ${ruleId}`); // leave the other tests' traffic alone
  check(page.errors.length === 0, 'page errors: ' + page.errors.join('; '));
  await context.close();
}

export async function test_admin_6_audit_log_and_every_page() {
  check(state.campaignId, 'the campaign of the first test');
  const { page, context } = await desktop();
  await logIn(page);
  await page.goto(`${BASE}/admin/#/audit`);
  for (const action of ['campaign.create', 'order.ship', 'fraud_rule.create', 'admin.login']) {
    // Every one of them was written by the tests before this one: no silent pass.
    check(sqlValue(`SELECT COUNT(*) FROM audit_log WHERE action = '${action}'`) !== '0', `an audit row for ${action}`);
    await page.locator('td[data-col=action] code').filter({ hasText: new RegExp('^' + action.replace(/\./g, '\\.') + '$') }).first().waitFor();
  }
  check(Number(sqlValue("SELECT COUNT(*) FROM audit_log WHERE action IN ('campaign.create', 'order.ship')")) >= 2, 'the console writes are audited');
  eq(await page.locator('#app img').count(), 0, 'the XSS title inside before/after stays text');
  await shot(page, 'admin-08-audit');
  // every other page opens without a script error, and takes a screenshot
  for (const name of ['users', 'prizes', 'reviews', 'admins', 'report']) {
    await page.goto(`${BASE}/admin/#/${name}`);
    await page.locator(`#page-${name} .page-head h1`).waitFor();
    await page.locator(`#page-${name} .table-wrap`).first().waitFor();
    await shot(page, `admin-09-${name}`);
  }
  // the report has the campaign now that it had events: its title as text
  await page.locator('td').filter({ hasText: XSS_TITLE }).first().waitFor();
  eq(await page.locator('#app img').count(), 0, 'no image element in the report');
  // its CSV: downloaded with the admin's token, UTF-8 with a BOM, the title as a quoted field
  const [download] = await Promise.all([page.waitForEvent('download'), page.locator('#download-csv').click()]);
  const csv = readFileSync(await download.path());
  check(csv[0] === 0xef && csv[1] === 0xbb && csv[2] === 0xbf, 'the CSV starts with a UTF-8 BOM');
  const lines = csv.toString('utf8').slice(1).split('\r\n');
  check(lines[0].startsWith('日期,活动ID,活动名称'), 'the CSV header: ' + lines[0]);
  check(lines.some((l) => l.includes(`,${state.campaignId},"${state.title}",`)), 'the campaign row, its title quoted as text');
  check(/^kanjia-daily-\d{4}-\d\d-\d\d-\d{4}-\d\d-\d\d\.csv$/.test(download.suggestedFilename()), 'file name ' + download.suggestedFilename());
  eq(page.dialogs, [], 'no alert ran');
  check(page.errors.length === 0, 'page errors: ' + page.errors.join('; '));
  await context.close();
}

export async function test_admin_7_menus_and_buttons_follow_the_roles() {
  const { page, context } = await desktop();
  // an operator: campaigns, no refund or ship buttons, no fraud or audit pages
  await logIn(page, makeAdmin('operator'));
  const menu = async () => page.locator('nav.side .links a').evaluateAll((links) => links.map((a) => a.dataset.page));
  const operatorMenu = await menu();
  check(operatorMenu.includes('campaigns') && !operatorMenu.includes('fraud') && !operatorMenu.includes('audit') && !operatorMenu.includes('admins'), 'operator menu: ' + operatorMenu);
  await page.goto(`${BASE}/admin/#/orders`);
  await page.locator('#page-orders tbody tr').first().waitFor();
  eq(await page.locator('button.refund').count(), 0, 'no refund button for an operator');
  eq(await page.locator('form.ship-form').count(), 0, 'no ship form for an operator');
  check(await page.locator('#page-orders td').filter({ hasText: /\d{3}\*{4}\d{4}/ }).count() > 0, 'phones masked for an operator');
  // the API refuses what the page does not offer
  const token = JSON.parse(await page.evaluate(() => sessionStorage.getItem('kanjia.admin'))).token;
  const refused = await api('POST', '/admin/orders/1/refund', { token, body: {} });
  eq(refused.status, 403, 'refund by an operator');
  await shot(page, 'admin-10-operator-orders');
  await page.locator('nav.side button.link').click();
  await page.locator('form.login').waitFor();
  // fulfilment: ships and fulfils, no campaign editing, no fraud rules
  await logIn(page, makeAdmin('fulfilment'));
  const fulfilmentMenu = await menu();
  check(!fulfilmentMenu.includes('fraud') && fulfilmentMenu.includes('prizes'), 'fulfilment menu: ' + fulfilmentMenu);
  await page.goto(`${BASE}/admin/#/campaigns`);
  await page.locator('#page-campaigns .table-wrap').waitFor();
  eq(await page.locator('#new-campaign').count(), 0, 'no new-campaign button for fulfilment');
  check(page.errors.length === 0, 'page errors: ' + page.errors.join('; '));
  await context.close();
  if (state.browser) await state.browser.close();
  state.browser = null;
}
