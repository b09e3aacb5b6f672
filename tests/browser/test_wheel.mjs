// test_wheel.mjs — the lucky wheel page (/g/{id}): the odds and the stock
// left shown before a spin, the login the spin asks for, the wheel turning
// to the outcome the server stored, and the page agreeing with the
// database afterwards.

import { BASE, makeItem, phone, newPhone, loginInSheet, sql, sqlValue, shot, text, check, eq, sleep } from './lib.mjs';

// A published wheel in campaignId, straight in the database (as the API
// tests make campaigns): a coupon prize with stock and a "none" prize.
function makeWheel(campaignId, { couponWeight = 3, noneWeight = 1, stock = 3, spinsPerDay = 1 } = {}) {
  const config = JSON.stringify({
    spins_per_day: spinsPerDay, cost_points: 0, prizes: [
      { name: '5元券', weight: couponWeight, stock, kind: 'coupon', coupon: { title: '转盘5元券', amount_fen: 500 } },
      { name: '谢谢参与', weight: noneWeight, kind: 'none' },
    ],
  });
  const hex = Buffer.from(config, 'utf8').toString('hex');
  sql('INSERT INTO game (campaign_id, kind, title, starts_at, ends_at, config_json, published_at, created_at, updated_at) '
    + `VALUES (${campaignId}, 'wheel', '幸运大转盘', UTC_TIMESTAMP() - INTERVAL 1 HOUR, UTC_TIMESTAMP() + INTERVAL 1 DAY, `
    + `CONVERT(UNHEX('${hex}') USING utf8mb4), UTC_TIMESTAMP(), UTC_TIMESTAMP(), UTC_TIMESTAMP())`);
  const gameId = Number(sqlValue('SELECT MAX(id) FROM game'));
  sql(`INSERT INTO game_prize (game_id, slot, stock_total, stock_left, given) VALUES (${gameId}, 0, ${stock}, ${stock}, 0)`);
  return gameId;
}

// The slot under the pointer at the top: the disc turned by its computed
// transform, conic segments clockwise from the top.
async function slotUnderPointer(page, count) {
  const degrees = await page.locator('.wheel-disc').evaluate((el) => {
    const m = new DOMMatrix(getComputedStyle(el).transform);
    return Math.atan2(m.b, m.a) * 180 / Math.PI;
  });
  const at = ((-degrees % 360) + 360) % 360;
  return Math.floor(at / (360 / count));
}

export async function test_wheel_shows_odds_and_stock_then_spins_to_the_stored_outcome() {
  const { campaignId } = makeItem({ title: '转盘测试活动' });
  const gameId = makeWheel(campaignId);
  const { page, context } = await phone();
  await page.goto(`${BASE}/g/${gameId}`);
  const odds = page.locator('.wheel-odds li');
  await odds.first().waitFor();
  eq(await odds.count(), 2, 'every prize listed');
  eq(await text(odds.nth(0), '.chance'), '概率 75%', 'the coupon\'s published odds');
  eq(await text(odds.nth(1), '.chance'), '概率 25%', 'the none prize\'s odds');
  eq(await text(odds.nth(0), '.stock'), '剩余 3 份', 'stock left before a spin');
  eq(await text(odds.nth(1), '.stock'), '不限量', 'no stock for "none"');
  eq(await text(page, '.plays'), '登录后可查看剩余次数', 'anonymous: no count yet');
  eq(await page.locator('.wheel-label').count(), 2, 'a segment per prize');
  await shot(page, '40-wheel-before-spin');

  // The spin asks for a login first, then spins.
  await page.locator('button.wheel-spin').click();
  const number = newPhone();
  await loginInSheet(page, number);
  await page.locator('.wheel-result').filter({ hasText: /恭喜|很遗憾/ }).waitFor({ timeout: 15000 });
  const userId = Number(sqlValue(`SELECT id FROM shopper WHERE phone = '${number}'`));
  const plays = sql(`SELECT slot, coupon_id FROM game_play WHERE game_id = ${gameId} AND user_id = ${userId}`);
  eq(plays.length, 1, 'one play stored');
  const [slot, couponId] = plays[0];
  const result = await text(page, '.wheel-result');
  if (slot === '0') {
    check(result.startsWith('恭喜你抽中：5元券'), 'the won prize shown: ' + result);
    check(couponId !== null, 'the coupon issued');
    eq(await text(page, '.wheel-odds li:first-child .stock'), '剩余 2 份', 'stock after the win');
    eq(await page.evaluate(() => document.body.dataset.wheelResult), 'coupon', 'the result kind');
  } else {
    eq(result, '很遗憾，这次没有中奖，明天再来吧。', 'no prize shown');
    eq(await text(page, '.wheel-odds li:first-child .stock'), '剩余 3 份', 'stock unchanged');
  }
  eq(await slotUnderPointer(page, 2), slot === '0' ? 0 : 1, 'the wheel stopped on the stored outcome');
  eq(await text(page, '.plays'), '今天的抽奖次数已用完，明天再来吧。', 'no spins left today');
  check(await page.locator('button.wheel-spin').isDisabled(), 'the button is off for today');
  await shot(page, '41-wheel-after-spin');
  check(page.errors.length === 0, 'page errors: ' + page.errors.join('; '));
  await context.close();
}

export async function test_wheel_out_of_stock_prize_counts_as_none() {
  const { campaignId } = makeItem({ title: '转盘库存测试' });
  // Only the coupon can be drawn, and none of it is left.
  const gameId = makeWheel(campaignId, { couponWeight: 1000, noneWeight: 1, stock: 0 });
  const { page, context } = await phone();
  await page.goto(`${BASE}/g/${gameId}`);
  await page.locator('.wheel-odds li').first().waitFor();
  eq(await text(page, '.wheel-odds li:first-child .stock'), '已送完', 'sold out shown before the spin');
  await page.locator('button.wheel-spin').click();
  await loginInSheet(page, newPhone());
  await page.locator('.wheel-result').filter({ hasText: /恭喜|很遗憾/ }).waitFor({ timeout: 15000 });
  const result = await text(page, '.wheel-result');
  const slots = sql(`SELECT slot FROM game_play WHERE game_id = ${gameId}`);
  eq(slots.map((r) => r[0]), [null], 'stored as none');
  eq(result, '很遗憾，这次没有中奖，明天再来吧。', 'out of stock is no prize');
  await sleep(100);
  eq(await slotUnderPointer(page, 2), 1, 'the wheel stopped on "none"');
  check(page.errors.length === 0, 'page errors: ' + page.errors.join('; '));
  await context.close();
}
