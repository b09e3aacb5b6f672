// test_promotions.mjs — the shopper pages of issue 14 on a phone: the
// campaign and item pages show the price in force with its real "was"
// price (the item was listed at its price ten days ago), the timed
// discount counting down and "满300减40"; checkout shows every discount
// line (timed discount, full reduction, the chosen coupon) and the order
// keeps them; with the kinds of the other halves of issue 14 (gift, addon,
// points_cash, red packets; presale), checkout shows the gift, takes an
// add-on, a red packet and points, and a presale takes the deposit, then
// in the final window the final payment with the deposit's value.

import { BASE, phone, newPhone, loginInSheet, shot, text, fen, sqlValue, sql, check, eq, sleep } from './lib.mjs';
import {
  makeCampaign, createPromotion, patchPromotion, shopper, giveCoupon, giveRedPacket, givePoints, quote, payOnPage, fillAddress, iso,
} from './promo_lib.mjs';

// "02:59:58" → seconds.
const clock = (s) => {
  const m = String(s).match(/(?:(\d+)天 )?(\d\d):(\d\d):(\d\d)/);
  check(m, 'no countdown in ' + JSON.stringify(s));
  return Number(m[1] || 0) * 86400 + Number(m[2]) * 3600 + Number(m[3]) * 60 + Number(m[4]);
};

export async function test_promotions_1_campaign_and_item_pages_show_prices_and_promotions() {
  const { campaignId, itemIds: [watch, earbuds] } = makeCampaign([50000, 20000]);
  await createPromotion(campaignId, { kind: 'timed_discount', title: '限时六折', ends_at: iso(3 * 3600),
    config: { items: [{ item_id: watch, percent: 60 }] } });
  await createPromotion(campaignId, { kind: 'full_reduction', title: '满300减40', config: { tiers: [{ threshold_fen: 30000, off_fen: 4000 }] } });
  const { page, context } = await phone();
  await page.goto(`${BASE}/c/${campaignId}`);
  const card = page.locator(`article[data-item="${watch}"]`);
  await card.locator('.price-now').waitFor();
  eq(fen(await text(card, '.price-now')), 30000, 'the discounted price');
  eq(fen(await text(card, 's.was')), 50000, 'the was price: the week before the discount');
  const first = clock(await text(card, '.timed-countdown'));
  check(first > 3 * 3600 - 120 && first <= 3 * 3600, 'the discount counts down to its end: ' + first);
  await sleep(2100);
  check(clock(await text(card, '.timed-countdown')) < first, 'the countdown moves');
  check((await text(card, '.tags')).includes('满300减40'), 'the full reduction on the card');
  const other = page.locator(`article[data-item="${earbuds}"]`);
  eq(fen(await text(other, '.price-now')), 20000, 'an item without a discount');
  eq(await other.locator('s.was').count(), 0, 'no was price without a discount');
  await page.locator('.promotions li[data-kind="full_reduction"]').waitFor();
  check((await text(page, '.promotions li[data-kind="full_reduction"]')).includes('满300减40'), 'the campaign\'s promotions');
  await shot(page, 'promo-01-campaign');

  // the item page: the same price, was price, countdown, and what applies
  await card.locator('.buy').click();
  await page.waitForURL(new RegExp(`/c/${campaignId}/i/${watch}$`));
  await page.locator('.item-page .price-now').waitFor();
  eq(fen(await text(page, '.item-page .price-now')), 30000, 'item page price');
  eq(fen(await text(page, '.item-page s.was')), 50000, 'item page was price');
  check(clock(await text(page, '.item-page .timed-countdown')) > 0, 'item page countdown');
  check((await text(page, '.promotions')).includes('满300减40'), 'item page promotions');
  await shot(page, 'promo-02-item');
  check(page.errors.length === 0, 'page errors: ' + page.errors.join('; '));
  await context.close();
}

export async function test_promotions_2_checkout_shows_every_discount_line() {
  const { campaignId, itemIds: [watch, earbuds] } = makeCampaign([50000, 20000]);
  const timed = await createPromotion(campaignId, { kind: 'timed_discount', title: '限时六折',
    config: { items: [{ item_id: watch, percent: 60 }] } });
  const reduction = await createPromotion(campaignId, { kind: 'full_reduction', title: '满300减40',
    config: { tiers: [{ threshold_fen: 30000, off_fen: 4000 }] } });
  const s = await shopper();
  const couponId = giveCoupon(s.id, { amount: 1000, title: '十元券' });
  const { page, context } = await phone({ token: s.token });
  // from the item page: quantity 1, buy now, then add the earbuds by link
  await page.goto(`${BASE}/c/${campaignId}/buy?items=${watch}:1,${earbuds}:1`);
  await page.locator('.quote .total-amount').waitFor();
  const line = (kind) => page.locator(`.quote .discount[data-kind="${kind}"]`);
  await line('timed_discount').waitFor();
  // 500 + 200 = 700; the watch at 60%: -200; 满300减40: -40 → 460
  eq(fen(await text(page, '.quote .subtotal span:last-child')), 70000, 'subtotal at list prices');
  eq(fen(await line('timed_discount').locator('span').last().textContent()), 20000, 'the timed discount line');
  eq(await line('timed_discount').getAttribute('data-promotion'), String(timed.id), 'names its promotion');
  eq(fen(await line('full_reduction').locator('span').last().textContent()), 4000, 'the full reduction line');
  eq(await line('full_reduction').getAttribute('data-promotion'), String(reduction.id), 'names its promotion');
  eq(fen(await text(page, '.quote .total-amount')), 46000, 'the total');
  // the coupon to choose: its line joins the others
  await page.locator(`.coupons input[value="${couponId}"]`).check();
  await line('coupon').waitFor();
  eq(fen(await line('coupon').locator('span').last().textContent()), 1000, 'the coupon line');
  eq(fen(await text(page, '.quote .total-amount')), 45000, 'the total with the coupon');
  const q = await quote(s.token, { lines: [{ item_id: watch, qty: 1 }, { item_id: earbuds, qty: 1 }], coupon_ids: [couponId] });
  eq(q.total_fen, 45000, 'the page shows the API\'s total');
  await shot(page, 'promo-03-checkout');
  await fillAddress(page);
  await page.locator('button.place').click();
  await page.waitForURL(/\/o\/\d+$/, { timeout: 15000 });
  await page.locator('.quote .total-amount').waitFor();
  eq(fen(await text(page, '.quote .total-amount')), 45000, 'the order keeps the total');
  eq(await page.locator('.quote .discount').count(), 3, 'the order keeps every discount line');
  await shot(page, 'promo-04-order');
  check(page.errors.length === 0, 'page errors: ' + page.errors.join('; '));
  await context.close();
}

// Needs the gift, addon, points_cash and red packet kinds (promo-a).
export async function test_promotions_3_checkout_gift_addon_red_packet_and_points() {
  const { campaignId, itemIds: [watch, earbuds, pad] } = makeCampaign([50000, 20000, 3000]);
  const gift = await createPromotion(campaignId, { kind: 'gift', title: '下单送鼠标垫',
    config: { gifts: [{ name: '鼠标垫', stock: 5, threshold_fen: 0, item_ids: null }] } });
  await createPromotion(campaignId, { kind: 'addon', title: '满300加价购',
    config: { threshold_fen: 30000, offers: [{ item_id: pad, price_fen: 990, max_qty: 1 }] } });
  await createPromotion(campaignId, { kind: 'points_cash', title: '积分抵现', config: { points_per_yuan: 100, max_percent: 20 } });
  const s = await shopper();
  const packet = giveRedPacket(s.id, 300);
  givePoints(s.id, 1000);
  const { page, context } = await phone({ token: s.token });
  await page.goto(`${BASE}/c/${campaignId}/buy?items=${watch}:1`);
  await page.locator('.quote .total-amount').waitFor();
  await page.locator(`.quote .gift[data-promotion="${gift.id}"]`).waitFor();
  check((await text(page, '.quote .gift')).includes('鼠标垫'), 'the gift');
  // the add-on: offered, taken, priced
  const offer = page.locator(`.addons label[data-item="${pad}"] input`);
  await offer.waitFor();
  await offer.check();
  const total = () => page.locator('.quote .total-amount');
  await total().filter({ hasText: '¥509.90' }).waitFor(); // the add-on at its price, wherever the quote lists it
  // a red packet
  await page.locator(`.red-packets input[value="${packet}"]`).check();
  await page.locator('.quote .discount[data-kind="red_packet"]').waitFor();
  // points: 1000 points at 100 a yuan are 10 yuan, within 20%
  await page.locator('.points input[name=use_points]').check();
  await page.locator('.quote .discount[data-kind="points_cash"]').waitFor();
  eq(fen(await page.locator('.quote .discount[data-kind="points_cash"] span').last().textContent()), 1000, 'points as cash');
  eq(await text(page, '.points .points-saves'), '使用 1000 积分，抵 10 元', 'the money the points save');
  eq(fen(await text(page, '.quote .total-amount')), 50000 + 990 - 300 - 1000, 'every reduction');
  await shot(page, 'promo-05-checkout-gift-addon-points');
  check(page.errors.length === 0, 'page errors: ' + page.errors.join('; '));
  await context.close();
}

// Needs the presale kind, its deposit route and final payment (promo-b).
export async function test_promotions_4_presale_deposit_then_final_payment() {
  const { campaignId, itemIds: [watch] } = makeCampaign([50000]);
  const p = await createPromotion(campaignId, { kind: 'presale', title: '定金100抵200', starts_at: iso(-60), ends_at: iso(3600),
    config: { item_id: watch, deposit_fen: 10000, deposit_value_fen: 20000, final_starts_at: iso(2 * 3600), final_ends_at: iso(3 * 3600) } });
  const { page, context } = await phone();
  await page.goto(`${BASE}/c/${campaignId}/presale/${p.id}`);
  await page.locator('.deposit-value').waitFor();
  eq(await text(page, '.deposit-value'), '定金 100 元，尾款时抵 200 元', 'the deposit and its value');
  await shot(page, 'promo-06-presale');
  // the deposit window: pay the deposit (log in on the way)
  await page.locator('button.pay-deposit').click();
  await loginInSheet(page, newPhone());
  await page.waitForURL(/\/o\/\d+$/, { timeout: 15000 });
  const depositId = Number(page.url().match(/\/o\/(\d+)$/)[1]);
  eq(fen(await text(page, '.quote .total-amount')), 10000, 'the deposit order');
  await payOnPage(page, depositId);
  eq(sqlValue(`SELECT kind FROM orders WHERE id = ${depositId}`), 'deposit', 'an order of kind deposit');
  // before the final window: a countdown to it
  await page.goto(`${BASE}/c/${campaignId}/presale/${p.id}`);
  await page.locator('.deposit-paid').waitFor();
  check(clock(await text(page, '.presale-action .timer')) > 3000, 'the final payment counts down');
  // the second window: the final window opens (moved to now). A deposit
  // keeps the window it was paid under (presale_deposit), so the clock is
  // moved for both, as if the two hours had passed.
  await patchPromotion(p.id, { config: { ...p.config, final_starts_at: iso(-5), final_ends_at: iso(3600) } });
  sql(`UPDATE presale_deposit SET final_starts_at = UTC_TIMESTAMP() - INTERVAL 5 SECOND, `
    + `final_ends_at = UTC_TIMESTAMP() + INTERVAL 1 HOUR WHERE deposit_order_id = ${depositId}`);
  await page.reload();
  await page.locator('.final .quote .discount[data-kind="deposit"]').waitFor();
  eq(fen(await page.locator('.final .quote .discount[data-kind="deposit"] span').last().textContent()), 20000, 'the deposit at its value');
  eq(fen(await text(page, '.final .quote .total-amount')), 30000, 'the final payment');
  await shot(page, 'promo-07-presale-final');
  await fillAddress(page);
  await page.locator('button.final-pay').click();
  await page.waitForURL(/\/o\/\d+$/, { timeout: 15000 });
  const finalId = Number(page.url().match(/\/o\/(\d+)$/)[1]);
  check(finalId !== depositId, 'a final order of its own');
  eq(fen(await text(page, '.quote .total-amount')), 30000, 'the final order');
  await payOnPage(page, finalId);
  eq(sqlValue(`SELECT kind FROM orders WHERE id = ${finalId}`), 'final', 'an order of kind final');
  check(page.errors.length === 0, 'page errors: ' + page.errors.join('; '));
  await context.close();
}
