// test_errors.mjs — the refusals a shopper meets on the share landing and
// the bargain page: helping twice, an expired bargain, a dead link.

import { BASE, makeItem, phone, apiLogin, api, shot, text, sql, check, eq } from './lib.mjs';

async function startBargain(itemId) {
  const owner = await apiLogin();
  const r = await api('POST', '/bargains', { body: { item_id: itemId }, token: owner.token, ip: owner.ip });
  eq(r.status, 201, 'start a bargain');
  return { owner, bargain: r.json };
}

export async function test_helping_twice_is_refused_in_words() {
  const { itemId } = makeItem();
  const { bargain } = await startBargain(itemId);
  const friend = await apiLogin();
  const { page, context } = await phone({ token: friend.token });
  await page.goto(`${BASE}/s/${bargain.share_code}`);
  await page.locator('button.help').click();
  await page.locator('.helped .cut-made').waitFor();
  // The same friend on a fresh page of the same link (the device forgot):
  // the API answers already_helped, the page says so.
  await page.evaluate(() => localStorage.removeItem('kanjia.helped'));
  await page.reload();
  await page.locator('button.help').click();
  await page.locator('.helped h2').waitFor();
  eq(await text(page, '.helped h2'), '你已经帮 TA 砍过了', 'already helped');
  await shot(page, '30-help-twice');
  eq(sql(`SELECT COUNT(*) FROM bargain_cut WHERE bargain_id = ${bargain.id} AND kind = 'help'`)[0][0], '1', 'one help recorded');
  check(page.errors.length === 0, 'page errors: ' + page.errors.join('; '));
  await context.close();
}

export async function test_an_expired_bargain_is_closed_on_both_pages() {
  const { itemId, campaignId } = makeItem();
  const { owner, bargain } = await startBargain(itemId);
  sql(`UPDATE bargain SET expires_at = UTC_TIMESTAMP() - INTERVAL 1 SECOND WHERE id = ${bargain.id}`);
  // The owner's page: closed, progress void, a way back to the campaign.
  const o = await phone({ token: owner.token });
  await o.page.goto(`${BASE}/b/${bargain.id}`);
  await o.page.locator('.closed h2').waitFor();
  eq(await text(o.page, '.closed h2'), '砍价已结束', 'owner sees it closed');
  eq(await o.page.locator('button.share').count(), 0, 'no share button on a closed bargain');
  check((await o.page.locator('.closed a').getAttribute('href')) === `/c/${campaignId}`, 'a way back to the campaign');
  await shot(o.page, '31-bargain-expired');
  // A friend: no help button, a sentence.
  const friend = await apiLogin();
  const f = await phone({ token: friend.token });
  await f.page.goto(`${BASE}/s/${bargain.share_code}`);
  await f.page.locator('.closed h2').waitFor();
  eq(await text(f.page, '.closed h2'), '这个砍价已经结束了', 'friend sees it closed');
  eq(await f.page.locator('button.help').count(), 0, 'no help button');
  await shot(f.page, '32-share-expired');
  // A friend whose page was opened before it expired taps help: bargain_closed in words.
  const { bargain: b2 } = await startBargain(makeItem().itemId);
  await f.page.goto(`${BASE}/s/${b2.share_code}`);
  await f.page.locator('button.help').waitFor();
  sql(`UPDATE bargain SET expires_at = UTC_TIMESTAMP() - INTERVAL 1 SECOND WHERE id = ${b2.id}`);
  await f.page.locator('button.help').click();
  await f.page.locator('.msg.error, .toast.show').filter({ hasText: '这个砍价已经结束了' }).first().waitFor();
  await f.page.locator('.closed h2').waitFor({ timeout: 5000 });
  check(o.page.errors.length === 0 && f.page.errors.length === 0, 'page errors: ' + o.page.errors.concat(f.page.errors).join('; '));
  await o.context.close();
  await f.context.close();
}

export async function test_a_dead_share_link_and_someone_elses_bargain_show_sentences() {
  const { page, context } = await phone();
  await page.goto(`${BASE}/s/AAAAAAAAAAAAAAAA`);
  await page.locator('.failure p').first().waitFor();
  eq(await text(page, '.failure p'), '链接不存在或已失效', 'dead share link');
  await shot(page, '33-share-not-found');
  const { bargain } = await startBargain(makeItem().itemId);
  const stranger = await apiLogin();
  await page.evaluate((t) => localStorage.setItem('kanjia.token', t), stranger.token);
  await page.goto(`${BASE}/b/${bargain.id}`);
  await page.locator('.failure p').first().waitFor();
  eq(await text(page, '.failure p'), '这不是你的砍价，或者砍价不存在。', "someone else's bargain");
  await context.close();
}

// Nothing shows a blank page: the API unreachable, or the app's own script
// lost on the way, still leaves a sentence and a way to try again.
export async function test_no_blank_page_when_the_api_or_the_script_is_lost() {
  const { campaignId } = makeItem();
  const { page, context } = await phone();
  await page.route(`${BASE}/api/**`, (route) => route.abort('connectionrefused'));
  await page.goto(`${BASE}/c/${campaignId}`);
  await page.locator('.failure p').first().waitFor();
  eq(await text(page, '.failure p'), '网络不太好，请检查网络后重试。', 'API unreachable');
  await shot(page, '34-api-unreachable');
  // The network comes back: "retry" draws the page.
  await page.unroute(`${BASE}/api/**`);
  await page.locator('.failure button').click();
  await page.locator('article.item').first().waitFor();
  // The app's entry script never arrives: the shell's watchdog speaks.
  await page.route(`${BASE}/assets/app.js`, (route) => route.abort('connectionreset'));
  await page.goto(`${BASE}/c/${campaignId}`);
  await page.locator('p.failure').waitFor({ timeout: 15000 });
  check((await text(page, 'p.failure')).startsWith('页面加载失败'), 'a stalled start says so');
  check(await page.locator('p.failure a').isVisible(), 'with a reload link');
  await context.close();
}

// A friend past the day's help limit (a 429 until the shop's day ends)
// is told to come back tomorrow, not to wait 50000 seconds.
export async function test_the_daily_help_limit_is_said_in_words() {
  const { itemId } = makeItem({ helpsPerDay: 1 });
  const { bargain: first } = await startBargain(itemId);
  const { bargain: second } = await startBargain(itemId);
  const friend = await apiLogin();
  const { page, context } = await phone({ token: friend.token });
  await page.goto(`${BASE}/s/${first.share_code}`);
  await page.locator('button.help').click();
  await page.locator('.helped .cut-made').waitFor();
  await page.goto(`${BASE}/s/${second.share_code}`);
  await page.locator('button.help').click();
  await page.locator('.actions .msg.error').filter({ hasText: '明天' }).waitFor();
  eq(await text(page, '.actions .msg.error'), '你今天帮好友砍价的次数用完了，明天再来吧。', 'daily help limit');
  check(await page.locator('button.help').isEnabled(), 'the button is back');
  await shot(page, '35-help-daily-limit');
  await context.close();
}

// Checkout refusals: the item sold out between success and order, in
// words; then a placed order cancelled by the shopper gives its stock back.
export async function test_checkout_sold_out_in_words_and_an_order_cancelled() {
  const { itemId } = makeItem({ targetCuts: 2, cutMin: 5000, cutMax: 15000, stock: 5 });
  const { owner, bargain } = await startBargain(itemId);
  for (let i = 0; i < 2; i++) eq((await api('POST', `/bargains/${bargain.id}/cut`, { token: owner.token, ip: owner.ip })).status, 200, 'self-cut');
  const { page, context } = await phone({ token: owner.token });
  await page.goto(`${BASE}/b/${bargain.id}/checkout`);
  await page.locator('.quote .total').waitFor();
  for (const [k, v] of Object.entries({ name: '王五', phone: '13700137000', province: '北京市', city: '北京市', district: '海淀区', detail: '中关村大街 1 号' })) {
    await page.fill(`input[name=${k}]`, v);
  }
  sql(`UPDATE campaign_item SET stock_total = stock_total - stock_left, stock_left = 0 WHERE id = ${itemId}`);
  await page.locator('button.place').click();
  await page.locator('p.msg.error').filter({ hasText: '抢光' }).waitFor();
  eq(await text(page, 'p.msg.error'), '手慢了，商品已经被抢光了。', 'sold out at checkout');
  await shot(page, '36-checkout-sold-out');
  sql(`UPDATE campaign_item SET stock_total = stock_total + 3, stock_left = 3 WHERE id = ${itemId}`);
  await page.locator('button.place').click();
  await page.waitForURL(/\/o\/\d+$/);
  await page.locator('.status[data-status=pending_payment]').waitFor();
  eq(sql(`SELECT stock_left, stock_reserved FROM campaign_item WHERE id = ${itemId}`)[0], ['2', '1'], 'stock reserved');
  await page.locator('button.cancel').click();
  eq(await text(page, 'button.cancel'), '再点一次，确认取消订单', 'the first tap asks again');
  eq(await text(page, '.status'), '待支付', 'not cancelled by one tap');
  await page.locator('button.cancel').click();
  await page.locator('.status[data-status=cancelled]').waitFor();
  eq(await text(page, '.status'), '已取消', 'cancelled');
  eq(sql(`SELECT stock_left, stock_reserved FROM campaign_item WHERE id = ${itemId}`)[0], ['3', '0'], 'stock released');
  check(page.errors.length === 0, 'page errors: ' + page.errors.join('; '));
  await context.close();
}
