// admin_share_domains.mjs — the share-domain pool in the console (分享域名)
// and on the shopper side: an operator adds two domains, sees where new
// links go, marks the first blocked and sees links move to the second; a
// friend who opens an old link on a blocked domain lands on the same page of
// the current domain. The pool's domains here are this stack's own loopback
// names (127.0.0.1:<port> blocked, localhost:<port> current), so the move
// stays on the machine. Screenshots: artifacts/admin-domains-*.png.

import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chromium } from 'playwright-core';
import { BASE, phone, api, apiLogin, makeItem, sql, shot, check, eq, sleep } from './lib.mjs';

const CONF = process.env.KANJIA_CONF || '';
const BIN = process.env.KANJIA_BIN || '';
const HERE = new URL(BASE).host;                      // 127.0.0.1:<port>
const OTHER = 'localhost:' + new URL(BASE).port;      // the same stack under another name

function makeAdmin(roles) {
  const username = 'browser_' + randomBytes(4).toString('hex');
  const password = 'pw-' + randomBytes(9).toString('base64url');
  execFileSync(BIN, ['-c', CONF, 'create-admin', username, roles], { input: password + '\n' });
  return { username, password };
}

async function until(what, probe, ms = 5000) {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error('timed out waiting for ' + what);
    await sleep(200);
  }
}

export async function test_admin_share_domains_block_one_and_links_move() {
  sql('UPDATE share_domain SET active = 0');
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'] });
  try {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'zh-CN', timezoneId: 'Asia/Shanghai' });
    const page = await context.newPage();
    const errors = [];
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('dialog', async (d) => { await d.accept(); });
    const { username, password } = makeAdmin('operator');
    await page.goto(`${BASE}/admin/#/domains`);
    await page.locator('form.login input[name=username]').fill(username);
    await page.locator('form.login input[name=password]').fill(password);
    await page.locator('form.login button[type=submit]').click();
    await page.locator('nav.side a[data-page=domains]').click();
    const now = page.locator('[data-testid=links-now]');
    await now.waitFor();
    for (const host of [HERE, OTHER]) {
      await page.locator('#page-domains input[name=host]').fill(host);
      await page.locator('#page-domains form button[type=submit]').click();
      await page.locator('#page-domains td[data-col=host]', { hasText: host }).waitFor();
    }
    await until('links on the first domain', async () => (await now.textContent()).includes('http://' + HERE));
    await shot(page, 'admin-domains-1-pool');
    const row = page.locator('#page-domains tr', { has: page.locator('td[data-col=host]', { hasText: HERE }) });
    await row.locator('button[data-action=block]').click();
    await until('links on the second domain', async () => (await now.textContent()).includes('http://' + OTHER));
    await row.locator('td[data-col=state] .badge.blocked').waitFor();
    await shot(page, 'admin-domains-2-blocked');
    eq(errors, [], 'page errors');
    await context.close();
  } finally {
    await browser.close();
  }
}

export async function test_shopper_old_link_on_a_blocked_domain_moves_to_the_current_one() {
  const { itemId } = makeItem({ title: '分享域名测试' });
  const owner = await apiLogin();
  const b = await api('POST', '/bargains', { body: { item_id: itemId }, token: owner.token, ip: owner.ip });
  eq(b.status, 201, 'bargain');
  const code = b.json.share_code;
  await until('share_url on the current domain', async () => {
    const r = await api('GET', '/bargains/' + b.json.id, { token: owner.token });
    return r.json.share_url === `http://${OTHER}/s/${code}`;
  });
  const { context, page } = await phone();
  try {
    await page.goto(`${BASE}/s/${code}`);
    await page.waitForURL(`http://${OTHER}/s/${code}`, { timeout: 15000 });
    await page.locator('.progress').first().waitFor();
    check(page.url().startsWith(`http://${OTHER}/`), 'the page moved to the current domain: ' + page.url());
    await shot(page, 'admin-domains-3-moved');
  } finally {
    await context.close();
    sql('UPDATE share_domain SET active = 0');
  }
}
