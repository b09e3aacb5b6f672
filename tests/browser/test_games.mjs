// test_games.mjs — the games beyond the wheel and what leads to them, in
// Chromium: an English auction reached from the campaign page, a bid, then
// the shopper told in words when someone bids over them (their late bid
// refused with 409 outbid, and the page saying their bid was beaten); the
// item share landing /p/{code}; and issue 15's journey end to end: a new
// shopper logs in through an invite link, gets the new-user pack, checks
// in, spins a wheel that gives a red packet, and uses that red packet at
// checkout (POST /cart/quote and /orders with red_packet_ids, API.md "The
// price of an order": the pricing engine's red_packet line).

import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { BASE, makeItem, phone, newPhone, loginInSheet, api, apiLogin, sql, sqlValue, shot, text, fen, check, eq } from './lib.mjs';

const CONF = process.env.KANJIA_CONF || '';
const BIN = process.env.KANJIA_BIN || '';

// A published game of kind in campaignId, straight in the database (as
// test_wheel.mjs makes its wheel).
function makeGame(campaignId, kind, config, title, startedAgoS = 3600) {
  const hex = Buffer.from(JSON.stringify(config), 'utf8').toString('hex');
  const titleHex = Buffer.from(title, 'utf8').toString('hex');
  sql('INSERT INTO game (campaign_id, kind, title, starts_at, ends_at, config_json, published_at, created_at, updated_at) '
    + `VALUES (${campaignId}, '${kind}', CONVERT(UNHEX('${titleHex}') USING utf8mb4), UTC_TIMESTAMP() - INTERVAL ${startedAgoS} SECOND, `
    + `UTC_TIMESTAMP() + INTERVAL 1 DAY, CONVERT(UNHEX('${hex}') USING utf8mb4), UTC_TIMESTAMP(), UTC_TIMESTAMP(), UTC_TIMESTAMP())`);
  return Number(sqlValue('SELECT MAX(id) FROM game'));
}

async function adminToken() {
  const username = 'games_' + randomBytes(4).toString('hex');
  const password = 'pw-' + randomBytes(9).toString('base64url');
  execFileSync(BIN, ['-c', CONF, 'create-admin', username, 'owner'], { input: password + '\n' });
  const r = await api('POST', '/admin/login', { body: { username, password } });
  eq(r.status, 200, 'admin login');
  return r.json.token;
}

const masked = (p) => p.slice(0, 3) + '****' + p.slice(7);

export async function test_english_auction_bid_then_told_when_outbid() {
  const { campaignId, itemId } = makeItem({ title: '竞拍测试活动', name: '蓝牙音箱', price: 20000, floor: 10000 });
  const gameId = makeGame(campaignId, 'auction', { mode: 'english', item_id: itemId, start_fen: 100, step_fen: 100 }, '一元竞拍音箱');
  const alice = await apiLogin();
  const bob = await apiLogin();
  const { page, context } = await phone({ token: alice.token });

  // reached from the campaign page
  await page.goto(`${BASE}/c/${campaignId}`);
  const entry = page.locator(`section.games li[data-game="${gameId}"] a`);
  await entry.waitFor();
  check((await entry.textContent()).includes('一元竞拍音箱'), 'the game listed on the campaign page');
  await entry.click();
  await page.locator('section.game[data-mode="english"]').waitFor();
  eq(new URL(page.url()).pathname, `/g/${gameId}`, 'the game page');
  eq(await text(page, '.game .current'), '起拍价 ¥1', 'the starting price before any bid');
  eq(await page.locator('input[name=amount]').inputValue(), '1', 'the form starts at the least bid');
  await shot(page, '70-auction-before-bid');

  // Alice bids ¥1 and leads
  await page.locator('button.bid').click();
  await page.locator('.notice.leading').waitFor();
  eq(await text(page, '.game .current'), '当前最高价 ¥1', 'her bid is the price');
  eq(await page.locator('input[name=amount]').inputValue(), '2', 'the next bid is a step higher');

  // Bob bids ¥2 through the API; Alice's page still offers ¥2: a 409, said in words
  const b = await api('POST', `/games/${gameId}/play`, { body: { amount_fen: 200 }, token: bob.token, ip: bob.ip });
  eq(b.status, 200, 'Bob outbids her');
  await page.locator('input[name=amount]').fill('2');
  await page.locator('button.bid').click();
  await page.locator('#toast', { hasText: '出价晚了一步' }).waitFor();
  eq(await text(page, '#toast'), '出价晚了一步：已有人出价 ¥2，现在至少要出 ¥3。', 'the 409 outbid in words, with the new least bid');
  await page.locator('.notice.outbid').waitFor();
  eq(await text(page, '.notice.outbid'), '你的出价 ¥1 已被超过，当前最高价 ¥2，加价才能继续领先。', 'her bid beaten');
  eq(await page.locator('input[name=amount]').inputValue(), '3', 'the form offers the least winning bid');
  await shot(page, '71-auction-outbid');
  eq(sql(`SELECT winner_id, winning_fen FROM game WHERE id = ${gameId}`)[0][1], '200', 'the highest bid is Bob\'s');

  // Alice bids ¥3 and leads again
  await page.locator('button.bid').click();
  await page.locator('.notice.leading').waitFor();
  eq(await text(page, '.game .current'), '当前最高价 ¥3', 'her new bid is the price');
  check(page.errors.length === 0, 'page errors: ' + page.errors.join('; '));
  await context.close();
}

export async function test_dutch_auction_price_steps_down_and_the_first_taker_gets_an_order() {
  const { campaignId, itemId } = makeItem({ title: '荷兰拍测试活动', name: '电饭煲', price: 30000, floor: 10000 });
  const gameId = makeGame(campaignId, 'auction', { mode: 'dutch', item_id: itemId, start_fen: 10000, floor_fen: 5000, drop_fen: 100, drop_every_s: 3 },
    '荷兰拍电饭煲', 1);
  const taker = await apiLogin();
  const { page, context } = await phone({ token: taker.token });
  await page.goto(`${BASE}/g/${gameId}`);
  await page.locator('section.game[data-mode="dutch"]').waitFor();
  const first = fen(await text(page, '.game .current .price'));
  check(first <= 10000 && first >= 9800, 'the price near the start: ' + first);
  check(/^00:00:0[0-3] 后再降 ¥1$/.test(await text(page, '.game .next')), 'the countdown to the next step: ' + await text(page, '.game .next'));
  await page.locator('.game .current .price').filter({ hasText: `¥${(first - 100) / 100}` }).waitFor({ timeout: 6000 });
  await shot(page, '74-dutch');
  await page.locator('button.take').click();
  await page.waitForURL(/\/o\/\d+$/);
  const orderId = Number(new URL(page.url()).pathname.split('/').pop());
  const [winner, winning, gameOrder] = sql(`SELECT winner_id, winning_fen, order_id FROM game WHERE id = ${gameId}`)[0];
  eq(Number(gameOrder), orderId, 'the page went to the winner\'s order');
  eq(sqlValue(`SELECT phone FROM shopper WHERE id = ${winner}`), taker.phone, 'the taker won');
  eq(sqlValue(`SELECT total_fen FROM orders WHERE id = ${orderId}`), winning, 'the order at the price taken');
  check(Number(winning) <= first - 100 && Number(winning) >= 5000, 'a price stepped down: ' + winning);
  // a later taker is told in words
  const late = await apiLogin();
  const other = await phone({ token: late.token });
  await other.page.goto(`${BASE}/g/${gameId}`);
  await other.page.locator('button.take', { hasText: '已被拍走' }).waitFor();
  check(await other.page.locator('button.take').isDisabled(), 'nothing left to take');
  check(page.errors.length === 0 && other.page.errors.length === 0, 'page errors: ' + page.errors.concat(other.page.errors).join('; '));
  await other.context.close();
  await context.close();
}

export async function test_guess_the_price_once_then_the_answer_and_winners() {
  const { campaignId, itemId } = makeItem({ title: '猜价格测试活动', name: '空气炸锅', price: 29900, floor: 19900 });
  const gameId = makeGame(campaignId, 'guess_price', { item_id: itemId, answer_fen: 9900, tolerance_fen: 100, reward: { coupon: { title: '猜中10元券', amount_fen: 1000 } } }, '猜猜空气炸锅');
  const { page, context } = await phone();
  await page.goto(`${BASE}/g/${gameId}`);
  await page.locator('section.game[data-kind="guess_price"]').waitFor();
  check((await text(page, '.game')).includes('猜中奖励：猜中10元券（¥10）'), 'the reward shown');
  await page.locator('input[name=price]').fill('99.5');
  await page.locator('form.bid-form button').click();
  const number = newPhone();
  await loginInSheet(page, number);
  await page.locator('.game .mine').waitFor();
  eq(await text(page, '.game .mine'), '你的竞猜：¥99.50', 'the guess shown, the answer hidden');
  eq(await page.locator('input[name=price]').count(), 0, 'one guess per shopper');
  const userId = Number(sqlValue(`SELECT id FROM shopper WHERE phone = '${number}'`));
  eq(sqlValue(`SELECT amount_fen FROM game_play WHERE game_id = ${gameId} AND user_id = ${userId}`), '9950', 'the guess stored');
  sql(`UPDATE game SET ends_at = UTC_TIMESTAMP() - INTERVAL 1 SECOND WHERE id = ${gameId}`);
  await page.reload();
  await page.locator('.game .answer').waitFor();
  eq(await text(page, '.game .answer'), '正确答案：¥99', 'the answer after the end');
  eq(await text(page, '.game .winners li'), `${masked(number)} · ¥99.50`, 'the winner, masked');
  await shot(page, '75-guess-ended');
  check(page.errors.length === 0, 'page errors: ' + page.errors.join('; '));
  await context.close();
}

export async function test_item_share_landing_shows_the_item_and_leads_to_the_campaign() {
  const { campaignId, itemId } = makeItem({ title: '分享好物活动', name: '降噪耳机', price: 50000, floor: 30000 });
  const sharer = await apiLogin();
  const share = await api('POST', '/shares', { body: { item_id: itemId }, token: sharer.token, ip: sharer.ip });
  eq(share.status, 201, 'an item share link');
  check(new URL(share.json.url).pathname === `/p/${share.json.code}`, 'the link is /p/{code}: ' + share.json.url);
  const { page, context } = await phone();
  await page.goto(`${BASE}/p/${share.json.code}`);
  await page.locator('.item-share .name').waitFor();
  eq(await text(page, '.item-share .name'), '降噪耳机', 'the item');
  eq(await text(page, '.item-share .sharer'), `${masked(sharer.phone)} 分享给你一件好物`, 'the sharer, masked');
  eq(fen(await text(page, '.item-share .price')), 50000, 'the price');
  eq(await text(page, '.item-share .sub'), '参加砍价最低可到 ¥300', 'the floor');
  check(!(await page.content()).includes(sharer.phone), 'the full phone never reaches the page');
  await shot(page, '72-item-share');
  await page.locator('.item-share a .go').click();
  await page.locator(`article[data-item="${itemId}"]`).waitFor();
  eq(new URL(page.url()).pathname, `/c/${campaignId}`, 'the button leads to the campaign');
  eq(JSON.parse(await page.evaluate(() => sessionStorage.getItem('kanjia.itemShare'))).code, share.json.code,
    'the share kept for the order it may lead to');
  await page.goto(`${BASE}/p/NoSuchCode123`);
  await page.locator('.failure').waitFor();
  eq(await text(page, '.failure p'), '内容不存在或已下架。', 'an unknown code in words');
  check(page.errors.length === 0, 'page errors: ' + page.errors.join('; '));
  await context.close();
}

export async function test_invite_pack_checkin_spin_red_packet_at_checkout() {
  const admin = await adminToken();
  const saved = await api('GET', '/admin/engagement', { token: admin });
  eq(saved.status, 200, 'the shop\'s settings');
  const put = await api('PUT', '/admin/engagement', {
    token: admin,
    body: { new_user_pack: { coupon_promotion_ids: [], coupons: [], points: 20, red_packet_fen: 300, red_packet_days: 7 } },
  });
  eq(put.status, 200, 'a new-user pack of 20 points and a 3-yuan red packet');
  try {
    const { campaignId, itemId } = makeItem({ title: '新人全流程活动', name: '保温杯', price: 10000, floor: 6000 });
    const created = await api('POST', `/admin/campaigns/${campaignId}/games`, {
      token: admin,
      body: {
        kind: 'wheel', title: '新人转盘', starts_at: new Date(Date.now() - 60000).toISOString().replace(/\.\d+Z$/, 'Z'),
        ends_at: new Date(Date.now() + 86400000).toISOString().replace(/\.\d+Z$/, 'Z'),
        config: { spins_per_day: 1, prizes: [{ name: '现金红包', weight: 1, stock: 10, kind: 'red_packet', red_packet_max_fen: 500, red_packet_days: 3 }] },
      },
    });
    eq(created.status, 201, 'a wheel whose only prize is a red packet');
    eq((await api('POST', `/admin/games/${created.json.id}/publish`, { token: admin })).status, 200, 'published');
    const inviter = await apiLogin();
    const code = (await api('GET', '/me/invite', { token: inviter.token })).json.code;

    // logs in through the invite link: invited, the pack given
    const { page, context } = await phone();
    await page.goto(`${BASE}/?invite=${code}`);
    await page.goto(`${BASE}/me/wallet`);
    const number = newPhone();
    await loginInSheet(page, number);
    await page.locator('.checkin .calendar').waitFor();
    const userId = Number(sqlValue(`SELECT id FROM shopper WHERE phone = '${number}'`));
    eq(Number(sqlValue(`SELECT COUNT(*) FROM invitation WHERE invitee_id = ${userId} AND inviter_id = `
      + `(SELECT id FROM shopper WHERE phone = '${inviter.phone}')`)), 1, 'the invitation recorded');
    await page.locator('.red-packets li.red-packet').waitFor();
    eq(fen(await text(page, '.red-packets li.red-packet b')), 300, 'the pack\'s red packet in the wallet');
    await page.locator('.ledger li[data-reason="new_user_pack"]').waitFor();

    // checks in
    await page.locator('button.checkin-now').click();
    await page.locator('button.checkin-now', { hasText: '今日已签到' }).waitFor();
    eq(Number(sqlValue(`SELECT COUNT(*) FROM checkin WHERE user_id = ${userId}`)), 1, 'one check-in');

    // spins: the wheel's red packet
    await page.goto(`${BASE}/g/${created.json.id}`);
    await page.locator('.wheel-odds li').first().waitFor();
    eq(await text(page, '.wheel-odds li .chance'), '概率 100%', 'the odds shown before the spin');
    await page.locator('button.wheel-spin').click();
    await page.locator('.wheel-result', { hasText: '红包' }).waitFor({ timeout: 15000 });
    const [packetId, amount] = sql(`SELECT id, amount_fen FROM red_packet WHERE user_id = ${userId} AND source = 'wheel'`)[0].map(Number);
    check(amount >= 1 && amount <= 500, 'a red packet up to the cap: ' + amount);
    const shown = Math.floor(amount / 100) + (amount % 100 ? '.' + String(amount % 100).padStart(2, '0') : '');
    check((await text(page, '.wheel-result')).includes(`¥${shown} 红包`),
      'the result names the packet: ' + await text(page, '.wheel-result'));
    await shot(page, '73-journey-spin');

    // uses the red packet at checkout (API.md "The price of an order")
    const token = await page.evaluate(() => localStorage.getItem('kanjia.token'));
    const lines = [{ item_id: itemId, qty: 1 }];
    const quote = await api('POST', '/cart/quote', { token, ip: page.ip, body: { lines, red_packet_ids: [packetId] } });
    eq(quote.status, 200, 'a quote with the red packet: ' + JSON.stringify(quote.json));
    const line = (quote.json.discounts || []).find((d) => d.kind === 'red_packet');
    check(line && line.amount_fen === amount, 'the red packet line: ' + JSON.stringify(quote.json.discounts));
    eq(quote.json.total_fen, quote.json.subtotal_fen - (quote.json.discounts || []).reduce((s, d) => s + d.amount_fen, 0), 'the total');
    const order = await api('POST', '/orders', {
      token, ip: page.ip, headers: { 'Idempotency-Key': 'journey-' + packetId },
      body: { lines, red_packet_ids: [packetId], address: { name: '王五', phone: '13700137000', province: '广东省', city: '深圳市', district: '南山区', detail: '科技园 1 号' } },
    });
    eq(order.status, 201, 'the order placed with the red packet');
    eq(order.json.total_fen, quote.json.total_fen, 'the order\'s total is the quote\'s');
    eq(sql(`SELECT status, order_id FROM red_packet WHERE id = ${packetId}`)[0], ['locked', String(order.json.id)], 'the packet locked by the order');
    check(page.errors.length === 0, 'page errors: ' + page.errors.join('; '));
    await context.close();
  } finally {
    await api('PUT', '/admin/engagement', { token: admin, body: saved.json });
  }
}
