// admin_games.mjs — the console's games page (互动游戏) and the shopper's
// wheel: an operator creates a wheel with two prizes (the odds computed as
// the weights are typed), publishes it, is refused (the API's 409
// published message) when trying to take stock away, adds stock instead;
// a shopper then sees exactly those odds and that stock on /g/{id}; the
// dashboard lists the game with its plays, prizes given and stock left;
// the engagement settings and the points offers pages save through the
// API. Screenshots: artifacts/admin-games-*.png.

import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chromium } from 'playwright-core';
import { BASE, phone, makeItem, sql, sqlValue, shot, text, check, eq } from './lib.mjs';

const CONF = process.env.KANJIA_CONF || '';
const BIN = process.env.KANJIA_BIN || '';

function makeAdmin(roles) {
  const username = 'browser_' + randomBytes(4).toString('hex');
  const password = 'pw-' + randomBytes(9).toString('base64url');
  execFileSync(BIN, ['-c', CONF, 'create-admin', username, roles], { input: password + '\n' });
  return { username, password };
}

async function desktop(browser) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'zh-CN', timezoneId: 'Asia/Shanghai' });
  const page = await context.newPage();
  page.setDefaultNavigationTimeout(60000);
  page.errors = [];
  page.on('pageerror', (e) => page.errors.push(e.message));
  page.on('console', (m) => { if (m.type() === 'error' && !/Failed to load resource/.test(m.text())) page.errors.push(m.text()); });
  page.on('dialog', (d) => d.accept());
  return { context, page };
}

async function logIn(page, who) {
  await page.goto(`${BASE}/admin/`);
  await page.locator('form.login input[name=username]').fill(who.username);
  await page.locator('form.login input[name=password]').fill(who.password);
  await page.locator('form.login button[type=submit]').click();
  await page.locator('nav.side').waitFor();
}

export async function test_admin_games_create_publish_a_wheel_and_the_shopper_sees_its_odds() {
  check(BIN && CONF, 'KANJIA_BIN and KANJIA_CONF are needed (./dev test exports them)');
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'] });
  try {
    const { campaignId } = makeItem({ title: '控制台转盘活动' });
    const { page, context } = await desktop(browser);
    await logIn(page, makeAdmin('operator'));
    check(await page.locator('nav.side a[data-page=games]').count() === 1, 'the games page is in the menu');
    await page.goto(`${BASE}/admin/#/games/${campaignId}`);
    await page.locator('#new-game').click();
    const form = page.locator('form.game-form');
    await form.waitFor();
    const title = '控制台大转盘 ' + randomBytes(2).toString('hex');
    await form.locator('input[name=title]').fill(title);
    // the first prize row is "thanks for playing"; a red packet prize three times as likely
    await form.locator('#add-prize').click();
    const prize = form.locator('.prize-row').nth(1);
    await prize.locator('input[name=prize_name]').fill('5元红包');
    await prize.locator('select[name=prize_kind]').selectOption('red_packet');
    await prize.locator('input[name=weight]').fill('3');
    await prize.locator('input[name=prize_stock]').fill('10');
    await prize.locator('input[name=red_packet_max]').fill('5');
    eq(await text(prize, '.odds'), '中奖概率 75.00%', 'the odds as the weights are typed');
    eq(await text(form.locator('.prize-row').nth(0), '.odds'), '中奖概率 25.00%', 'the other prize\'s odds');
    await shot(page, 'admin-games-1-new-wheel');
    await form.locator('#save-game').click();
    const row = page.locator('tbody tr').filter({ hasText: title });
    await row.waitFor();
    const gameId = Number(sqlValue(`SELECT id FROM game WHERE title = '${title}'`));
    const config = JSON.parse(sqlValue(`SELECT config_json FROM game WHERE id = ${gameId}`));
    eq(config.prizes.map((p) => [p.kind, p.weight, p.stock ?? null]), [['none', 1, null], ['red_packet', 3, 10]], 'the prizes stored');
    eq(config.prizes[1].red_packet_max_fen, 500, 'the cap in fen');
    eq(await text(row, 'td[data-col=stock_left]'), '10', 'stock left on the list');

    // publish; then taking stock away is refused with the API's message
    await row.locator('button[data-action=publish]').click();
    await row.locator('.badge', { hasText: '已发布' }).waitFor();
    check(sqlValue(`SELECT published_at IS NOT NULL FROM game WHERE id = ${gameId}`) === '1', 'published');
    await row.locator('button[data-action=edit]').click();
    await form.waitFor();
    check(await form.locator('input[name=weight]').first().isDisabled(), 'the odds are frozen on the form');
    await form.locator('.prize-row').nth(1).locator('input[name=prize_stock]').fill('4');
    await form.locator('#save-game').click();
    await form.locator('.error', { hasText: '游戏已发布，只能增加奖品库存。' }).waitFor();
    await shot(page, 'admin-games-2-published-409');
    await form.locator('.prize-row').nth(1).locator('input[name=prize_stock]').fill('20');
    await form.locator('#save-game').click();
    await row.locator('td[data-col=stock_left]', { hasText: '20' }).waitFor();
    eq(sql(`SELECT stock_total, stock_left FROM game_prize WHERE game_id = ${gameId} AND slot = 1`)[0], ['20', '20'], 'stock added');

    // the shopper sees the published odds and stock
    const shopper = await phone();
    await shopper.page.goto(`${BASE}/g/${gameId}`);
    const odds = shopper.page.locator('.wheel-odds li');
    await odds.first().waitFor();
    eq(await text(odds.nth(0), '.chance'), '概率 25%', 'thanks for playing: 25%');
    eq(await text(odds.nth(1), '.chance'), '概率 75%', 'the red packet: 75%');
    eq(await text(odds.nth(1), '.stock'), '剩余 20 份', 'its stock');
    await shot(shopper.page, 'admin-games-3-shopper-odds');
    check(shopper.page.errors.length === 0, 'shopper page errors: ' + shopper.page.errors.join('; '));
    await shopper.context.close();

    // the dashboard's games panel
    await page.goto(`${BASE}/admin/#/dashboard/${campaignId}`);
    const game = page.locator('#dashboard-games tbody tr').filter({ hasText: title });
    await game.waitFor();
    eq([await text(game, 'td[data-col=plays]'), await text(game, 'td[data-col=prizes_given]'), await text(game, 'td[data-col=stock_left]')],
      ['0', '0', '20'], 'plays, prizes given, stock left');
    await shot(page, 'admin-games-4-dashboard');

    // the points offers page: a red packet offer saved through the API
    await page.goto(`${BASE}/admin/#/points`);
    await page.locator('#new-offer').click();
    const offer = page.locator('form.offer-form');
    const offerTitle = '积分换红包 ' + randomBytes(2).toString('hex');
    await offer.locator('input[name=offer_title]').fill(offerTitle);
    await offer.locator('input[name=cost_points]').fill('100');
    await offer.locator('input[name=offer_stock]').fill('50');
    await offer.locator('select[name=offer_kind]').selectOption('red_packet');
    await offer.locator('input[name=offer_red_packet]').fill('2');
    await offer.locator('#save-offer').click();
    await page.locator('tbody tr').filter({ hasText: offerTitle }).waitFor();
    eq(sql(`SELECT cost_points, stock_total, red_packet_fen FROM points_offer WHERE title = '${offerTitle}'`)[0], ['100', '50', '200'], 'the offer stored');
    await shot(page, 'admin-games-5-points');

    // the engagement settings page: a refused field named by the API, then saved
    await page.goto(`${BASE}/admin/#/engagement`);
    const settings = page.locator('form.engagement-form');
    await settings.waitFor();
    const before = await settings.locator('input[name=checkin_points]').inputValue();
    await settings.locator('input[name=checkin_points]').fill('5, -1');
    await settings.locator('#save-engagement').click();
    await page.locator('#page-engagement .error', { hasText: 'checkin.points[1]' }).waitFor();
    await settings.locator('input[name=checkin_points]').fill(before);
    await settings.locator('#save-engagement').click();
    await page.locator('#toast', { hasText: '已保存' }).waitFor();
    await shot(page, 'admin-games-6-engagement');
    check(page.errors.length === 0, 'page errors: ' + page.errors.join('; '));
    await context.close();
  } finally {
    await browser.close();
  }
}
