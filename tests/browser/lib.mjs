// lib.mjs — what the browser tests share: the stack under test (from the
// environment ./dev exports), SQL through the mariadb client, a few API
// calls for set-up, Chromium with a phone viewport and WeChat's
// User-Agent, the login sheet driven like a person, screenshots.

import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const here = path.dirname(fileURLToPath(import.meta.url));
export const BASE = (process.env.KANJIA_BASE_URL || '').replace(/\/+$/, '');
export const RUN_DIR = process.env.KANJIA_RUN_DIR || '';
export const ARTIFACTS = path.join(here, 'artifacts');
mkdirSync(ARTIFACTS, { recursive: true });

export const WECHAT_UA = 'Mozilla/5.0 (Linux; Android 13; V2148A Build/TP1A.220624.014; wv) AppleWebKit/537.36 '
  + '(KHTML, like Gecko) Version/4.0 Chrome/116.0.0.0 Mobile Safari/537.36 XWEB/1160065 MMWEBSDK/20231202 '
  + 'MMWEBID/2247 MicroMessenger/8.0.47.2560(0x28002F30) WeChat/arm64 Weixin NetType/WIFI Language/zh_CN ABI/arm64';

export class Skip extends Error {}

export function check(cond, message) {
  if (!cond) throw new Error(message);
}

export function eq(actual, expected, what) {
  if (JSON.stringify(actual) !== JSON.stringify(expected)) {
    throw new Error(`${what}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`);
  }
}

// ----------------------------------------------------------------- SQL

// Runs SQL on the instance's database as root over its Unix socket;
// returns the rows as arrays of strings (NULL as null).
export function sql(query) {
  const out = execFileSync('mariadb', ['--no-defaults', `--socket=${RUN_DIR}/mysqld.sock`, '-u', 'root',
    '--default-character-set=utf8mb4', '-N', '-B', '-r', 'kanjia', '-e', query], { encoding: 'utf8' });
  return out.split('\n').filter((l) => l !== '').map((l) => l.split('\t').map((v) => (v === 'NULL' ? null : v)));
}
export const sqlValue = (query) => { const rows = sql(query); return rows.length ? rows[0][0] : null; };
const quote = (s) => "'" + String(s).replace(/\\/g, '\\\\').replace(/'/g, "''") + "'";

export const REWARDS = {
  initiator: [{ helpers: 2, coupon: { title: '满100减50', amount_fen: 5000, min_spend_fen: 10000, valid_days: 7 } }],
  helper: { coupon: { title: '10元助力券', amount_fen: 1000, min_spend_fen: 0, valid_days: 7 } },
  leaderboard: [{ rank: 1, prize: '平板电脑' }],
};

// A campaign with one item, made straight in the database (as the API
// tests do); returns { campaignId, itemId }.
export function makeItem({ title = '浏览器测试砍价节', name = '智能手表 运动健康版', price = 50000, floor = 30000,
  cutMin = 100, cutMax = 10000, targetCuts = null, stock = 50, selfPerDay = 3, helpsPerDay = 3, perUser = 1,
  ttl = 86400, startsIn = -3600, endsIn = 86400, rewards = REWARDS, images = ['/assets/demo/watch-1.jpg'] } = {}) {
  sql(`INSERT INTO campaign (title, starts_at, ends_at, created_at, updated_at) VALUES (${quote(title)}, `
    + `UTC_TIMESTAMP() + INTERVAL ${startsIn} SECOND, UTC_TIMESTAMP() + INTERVAL ${endsIn} SECOND, UTC_TIMESTAMP(), UTC_TIMESTAMP())`);
  const campaignId = Number(sqlValue('SELECT MAX(id) FROM campaign'));
  sql('INSERT INTO campaign_item (campaign_id, name, images_json, original_price_fen, floor_price_fen, '
    + 'stock_total, stock_left, cut_min_fen, cut_max_fen, target_cuts, self_cuts_per_day, helps_per_user_per_day, '
    + 'bargains_per_user, helps_per_bargain, bargain_ttl_s, pay_within_s, rewards_json, created_at, updated_at) VALUES '
    + `(${campaignId}, ${quote(name)}, ${quote(JSON.stringify(images))}, ${price}, ${floor}, ${stock}, ${stock}, `
    + `${cutMin}, ${cutMax}, ${targetCuts === null ? 'NULL' : targetCuts}, ${selfPerDay}, ${helpsPerDay}, ${perUser}, NULL, `
    + `${ttl}, 1800, ${quote(JSON.stringify(rewards))}, UTC_TIMESTAMP(), UTC_TIMESTAMP())`);
  const itemId = Number(sqlValue(`SELECT MAX(id) FROM campaign_item WHERE campaign_id = ${campaignId}`));
  return { campaignId, itemId };
}

// ------------------------------------------------------ phones, codes, IPs

let phoneSeq = 0;
const phoneBase = 100000 + (Date.now() % 800000) + Math.floor(Math.random() * 1000) * 1000;
// A fresh mainland number for each shopper of the run.
export function newPhone() {
  phoneSeq += 1;
  return '139' + String((phoneBase + phoneSeq * 7919) % 100000000).padStart(8, '0');
}

let ipSeq = 0;
const ipBase = Math.floor(Math.random() * 256);
// A client address of its own for each browser (nginx trusts
// X-Forwarded-For from loopback), each in a /24 of its own: per-IP and
// per-subnet limits (20 helps per /24 an hour) see separate people, however
// many browsers the suite opens: 10.<run + seq / 250>.<seq % 250>.x.
export function newIp() {
  ipSeq += 1;
  check(ipSeq < 250 * 200, 'out of client addresses');
  return `10.${(ipBase + Math.floor(ipSeq / 250)) & 255}.${ipSeq % 250 + 1}.${(ipSeq * 7) % 250 + 1}`;
}

// The newest code sent to phone: the only run of six digits in its body.
export async function smsCode(phone, after = 0) {
  for (let i = 0; i < 50; i++) {
    const row = sql(`SELECT id, body FROM sms_outbox WHERE phone = ${quote(phone)} AND id > ${after} ORDER BY id DESC LIMIT 1`)[0];
    if (row) {
      const m = row[1].match(/(?<!\d)\d{6}(?!\d)/);
      check(m, 'no six-digit code in the SMS body');
      return { id: Number(row[0]), code: m[0] };
    }
    await sleep(100);
  }
  throw new Error('no SMS reached the outbox for ' + phone);
}

export const lastSmsId = () => Number(sqlValue('SELECT COALESCE(MAX(id), 0) FROM sms_outbox'));
export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// ------------------------------------------------------------- the API

export async function api(method, p, { body, token, ip, headers = {} } = {}) {
  // "node", as Node 20's fetch says; Node 18's would say "undici". Tests
  // (the console's fraud dry run) look for this value.
  const h = { Accept: 'application/json', 'User-Agent': 'node', ...headers };
  if (body !== undefined) h['Content-Type'] = 'application/json';
  if (token) h.Authorization = 'Bearer ' + token;
  if (ip) h['X-Forwarded-For'] = ip;
  const r = await fetch(BASE + '/api/v1' + p, { method, headers: h, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await r.text();
  let json = null;
  try { json = text ? JSON.parse(text) : null; } catch { /* not JSON */ }
  return { status: r.status, json, headers: r.headers };
}

// Logs a new shopper in through the API; returns { phone, token, ip }.
export async function apiLogin() {
  const phone = newPhone();
  const ip = newIp();
  const after = lastSmsId();
  const s = await api('POST', '/auth/sms', { body: { phone }, ip });
  eq(s.status, 202, 'SMS send');
  const { code } = await smsCode(phone, after);
  const r = await api('POST', '/auth/login', { body: { phone, code }, ip });
  eq(r.status, 200, 'login');
  return { phone, ip, token: r.json.token };
}

// ------------------------------------------------------------ browsers

let browser = null;
export async function launch() {
  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  return browser;
}
export async function closeBrowser() { if (browser) await browser.close(); browser = null; }

// A phone: its own browser context (cookies, storage, client address),
// 390×844, touch, WeChat's User-Agent. Collects page errors in .errors.
export const PHONE_BROWSER_UA = 'Mozilla/5.0 (Linux; Android 13; Pixel 7) AppleWebKit/537.36 (KHTML, like Gecko) '
  + 'Chrome/120.0.0.0 Mobile Safari/537.36';

export async function phone({ token = null, userAgent = WECHAT_UA } = {}) {
  const ip = newIp();
  const context = await browser.newContext({
    viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true,
    userAgent, locale: 'zh-CN', timezoneId: 'Asia/Shanghai',
    extraHTTPHeaders: { 'X-Forwarded-For': ip },
  });
  if (token) await context.addInitScript((t) => { if (!localStorage.getItem('kanjia.token')) localStorage.setItem('kanjia.token', t); }, token);
  const page = await context.newPage();
  // The machine may be busy (CI runs beside builds): navigation gets room,
  // what a page shows is waited for by locators.
  page.setDefaultNavigationTimeout(60000);
  page.errors = [];
  page.on('pageerror', (e) => page.errors.push(e.message));
  page.on('console', (m) => { if (m.type() === 'error' && !/Failed to load resource/.test(m.text())) page.errors.push(m.text()); });
  page.ip = ip;
  return { context, page, ip };
}

export async function shot(page, name) {
  await page.screenshot({ path: path.join(ARTIFACTS, name + '.png'), fullPage: true });
}

// Fills the login sheet like a person: phone, "send code", the code from
// the outbox (or `code` when given, to try a wrong one), "log in".
export async function loginInSheet(page, phoneNumber, { code = null } = {}) {
  const sheet = page.locator('.login-sheet');
  await sheet.waitFor({ state: 'visible', timeout: 5000 });
  await sheet.locator('input[name=phone]').fill(phoneNumber);
  const after = lastSmsId();
  await sheet.locator('button.send').click();
  const sent = await smsCode(phoneNumber, after);
  await sheet.locator('button.send').filter({ hasText: '秒后重发' }).waitFor({ timeout: 5000 });
  await sheet.locator('input[name=code]').fill(code || sent.code);
  await sheet.locator('button[type=submit]').click();
  return sent.code;
}

// Text of the first element matching selector, trimmed.
export const text = async (page, selector) => ((await page.locator(selector).first().textContent()) || '').trim();

// "¥123.45" → 12345 fen.
export function fen(s) {
  const m = String(s).replace(/[,\s]/g, '').match(/-?¥?(\d+)(?:\.(\d{1,2}))?/);
  check(m, 'no price in ' + JSON.stringify(s));
  return Number(m[1]) * 100 + Number((m[2] || '0').padEnd(2, '0'));
}
