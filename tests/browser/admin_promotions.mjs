// admin_promotions.mjs — the console's promotions (issue 14) at 1280×800:
// an admin creates a full reduction in the form of its kind (a wrong value
// is named beside its field as it is typed; the API's 422 shows beside the
// field its message names), and a shopper's quote changes; the preview
// quotes a cart through the API as a shopper signed in on the page; a gift
// made the same way reaches the quote; the dashboard shows each
// promotion's orders and subsidy; member levels and the budget are saved.
// Screenshots: artifacts/admin-promo-*.png.

import { chromium } from 'playwright-core';
import { BASE, api, newPhone, lastSmsId, smsCode, shot, text, check, eq } from './lib.mjs';
import { makeAdmin, makeCampaign, shopper, quote, adminToken } from './promo_lib.mjs';

const state = { browser: null, admin: null };

async function desktop() {
  if (!state.browser) {
    state.browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'] });
  }
  const context = await state.browser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'zh-CN', timezoneId: 'Asia/Shanghai' });
  const page = await context.newPage();
  page.setDefaultNavigationTimeout(60000);
  page.errors = [];
  page.on('pageerror', (e) => page.errors.push(e.message));
  page.on('console', (m) => { if (m.type() === 'error' && !/Failed to load resource/.test(m.text())) page.errors.push(m.text()); });
  page.on('dialog', (d) => d.accept());
  return { context, page };
}

async function logIn(page) {
  if (!state.admin) state.admin = makeAdmin('owner');
  await page.goto(`${BASE}/admin/`);
  await page.locator('form.login input[name=username]').fill(state.admin.username);
  await page.locator('form.login input[name=password]').fill(state.admin.password);
  await page.locator('form.login button[type=submit]').click();
  await page.locator('nav.side').waitFor();
}

const errorFor = (page, path) => page.locator(`.promotion-form .field-error[data-error-for="${path}"]`).first();

async function openNew(page, campaignId, kind) {
  await page.goto(`${BASE}/admin/#/promotions/${campaignId}`);
  await page.locator('#new-promotion').click();
  await page.locator('form.promotion-form').waitFor();
  await page.locator('form.promotion-form select[name=kind]').selectOption(kind);
  await page.locator(`form.promotion-form fieldset.config[data-kind="${kind}"]`).waitFor();
}

// Saves the open form and waits for its row in the list; a refusal (the
// API's 422 beside a field, or the form's message) fails with its words.
async function saveAndList(page, title) {
  await page.locator('#save-promotion').click();
  const listed = page.locator('.promotion-list .promotion-title').filter({ hasText: title });
  const refused = page.locator('.promotion-form .field-error:not(:empty), .promotion-form .form-foot .error:not(:empty)');
  await listed.or(refused).first().waitFor();
  if (!(await listed.count())) throw new Error('the console refused the promotion: ' + (await refused.first().textContent()));
}

// Signs a shopper in on the preview panel (the code from the outbox), then
// quotes qty of itemId; returns the preview's text.
async function previewQuote(page, itemId, qty) {
  const box = page.locator('#preview');
  if (await box.locator('input[name=preview_phone]').count()) {
    const number = newPhone();
    await box.locator('input[name=preview_phone]').fill(number);
    const after = lastSmsId();
    await box.locator('button[data-action=send-code]').click();
    const { code } = await smsCode(number, after);
    await box.locator('input[name=preview_code]').fill(code);
    await box.locator('form.preview-login button[type=submit]').click();
  }
  await box.locator(`input[data-item="${itemId}"]`).fill(String(qty));
  await box.locator('button[data-action=preview]').click();
  await box.locator('.preview-total').waitFor();
  return text(page, '#preview .preview-result');
}

// Every kind of API.md's table has its form, whether or not the server
// serves the kind yet; each is checked as it is typed.
export async function test_admin_promotions_0_every_kind_has_its_form() {
  const { campaignId } = makeCampaign([50000, 20000]);
  const { page, context } = await desktop();
  await logIn(page);
  await page.goto(`${BASE}/admin/#/promotions/${campaignId}`);
  await page.locator('#new-promotion').click();
  const kinds = await page.locator('form.promotion-form select[name=kind] option').evaluateAll((o) => o.map((x) => x.value));
  eq(kinds, ['timed_discount', 'full_reduction', 'coupon', 'gift', 'presale', 'member_price', 'first_order', 'points_cash',
    'addon', 'bundle', 'share_reward'], 'the kinds of API.md');
  for (const kind of kinds) {
    await page.locator('form.promotion-form select[name=kind]').selectOption(kind);
    const config = page.locator(`form.promotion-form fieldset.config[data-kind="${kind}"]`);
    await config.waitFor();
    check(await config.locator('input, select').count() > 0, kind + ': a form of its own');
    check((await text(page, 'form.promotion-form .kind-hint')).length > 4, kind + ': says what it does');
  }
  // a try to save an empty form names every wrong field
  await page.locator('form.promotion-form select[name=kind]').selectOption('presale');
  await page.locator('#save-promotion').click();
  await page.locator('.promotion-form .form-foot .error').filter({ hasText: '请先修正' }).waitFor();
  for (const path of ['title', 'config.item_id', 'config.deposit_fen', 'config.final_starts_at']) {
    check((await errorFor(page, path).textContent()).length > 0, path + ' named');
  }
  await page.locator('form.promotion-form input[name=deposit]').fill('100');
  await page.locator('form.promotion-form input[name=deposit_value]').fill('50');
  await errorFor(page, 'config.deposit_value_fen').filter({ hasText: '不低于定金' }).waitFor();
  await shot(page, 'admin-promo-00-presale-form');
  check(page.errors.length === 0, 'page errors: ' + page.errors.join('; '));
  await context.close();
}

export async function test_admin_promotions_1_full_reduction_in_the_console_changes_the_quote() {
  const { campaignId, itemIds: [watch] } = makeCampaign([50000, 20000]);
  const alice = await shopper();
  const before = await quote(alice.token, { lines: [{ item_id: watch, qty: 1 }] });
  eq([before.total_fen, before.discounts.length], [50000, 0], 'the quote before');
  const { page, context } = await desktop();
  await logIn(page);
  await openNew(page, campaignId, 'full_reduction');
  const form = page.locator('form.promotion-form');
  await form.locator('input[name=title]').fill('满300减40');
  // checked as it is typed, beside the field
  await form.locator('input[name=threshold]').fill('三百');
  await errorFor(page, 'config.tiers.threshold_fen').filter({ hasText: '请填写金额' }).waitFor();
  await form.locator('input[name=threshold]').fill('300');
  await form.locator('input[name=off]').fill('400');
  await errorFor(page, 'config.tiers.off_fen').filter({ hasText: '减免金额应小于门槛' }).waitFor();
  eq(await errorFor(page, 'config.tiers.threshold_fen').textContent(), '', 'the corrected field is clear');
  await shot(page, 'admin-promo-01-typing');
  // what only the API knows: a reduction beyond its bound; its 422 beside the field it names
  await form.locator('input[name=threshold]').fill('20000000000');
  await form.locator('input[name=off]').fill('15000000000');
  const refused = page.waitForResponse((r) => r.url().endsWith(`/admin/campaigns/${campaignId}/promotions`) && r.request().method() === 'POST');
  await page.locator('#save-promotion').click();
  eq((await refused).status(), 422, 'the API refuses');
  await errorFor(page, 'config.tiers.off_fen').filter({ hasText: 'config.tiers.off_fen' }).waitFor();
  check(await form.locator('input[name=off]').getAttribute('aria-invalid') === 'true', 'the named field is marked');
  await shot(page, 'admin-promo-02-api-422');
  await form.locator('input[name=threshold]').fill('300');
  await form.locator('input[name=off]').fill('40');
  await saveAndList(page, '满300减40');
  await shot(page, 'admin-promo-03-list');
  const after = await quote(alice.token, { lines: [{ item_id: watch, qty: 1 }] });
  eq(after.discounts.map((d) => [d.kind, d.amount_fen]), [['full_reduction', 4000]], 'the shopper\'s quote has the reduction');
  eq(after.total_fen, 46000, 'and pays less');
  // the preview: the API's own quote of a cart
  const shown = await previewQuote(page, watch, 1);
  check(shown.includes('应付 ¥460.00'), 'the preview pays 460: ' + shown);
  check(shown.includes('满300元减40元'), 'the preview shows the line: ' + shown);
  await shot(page, 'admin-promo-04-preview');
  check(page.errors.length === 0, 'page errors: ' + page.errors.join('; '));
  await context.close();
}

// Needs the gift kind (promo-a).
export async function test_admin_promotions_2_gift_in_the_console_changes_the_quote() {
  const { campaignId, itemIds: [watch] } = makeCampaign([50000]);
  const alice = await shopper();
  eq((await quote(alice.token, { lines: [{ item_id: watch, qty: 1 }] })).gifts, [], 'no gift before');
  const { page, context } = await desktop();
  await logIn(page);
  await openNew(page, campaignId, 'gift');
  const form = page.locator('form.promotion-form');
  await form.locator('input[name=title]').fill('下单送鼠标垫');
  await form.locator('input[name=gift_name]').fill('鼠标垫');
  await form.locator('input[name=gift_stock]').fill('-1');
  await errorFor(page, 'config.gifts.stock').filter({ hasText: '整数' }).waitFor();
  await form.locator('input[name=gift_stock]').fill('5');
  await form.locator('input[name=gift_threshold]').fill('0');
  await saveAndList(page, '下单送鼠标垫');
  const after = await quote(alice.token, { lines: [{ item_id: watch, qty: 1 }] });
  eq(after.gifts.map((g) => g.name), ['鼠标垫'], 'the shopper\'s quote has the gift');
  const shown = await previewQuote(page, watch, 1);
  check(shown.includes('鼠标垫'), 'the preview shows the gift: ' + shown);
  await shot(page, 'admin-promo-05-gift');
  check(page.errors.length === 0, 'page errors: ' + page.errors.join('; '));
  await context.close();
}

export async function test_admin_promotions_3_dashboard_shows_orders_and_subsidy_per_promotion() {
  const { campaignId, itemIds: [watch] } = makeCampaign([50000]);
  const r = await api('POST', `/admin/campaigns/${campaignId}/promotions`, {
    token: await adminToken(), body: { kind: 'full_reduction', title: '满300减40', config: { tiers: [{ threshold_fen: 30000, off_fen: 4000 }] } },
  });
  eq(r.status, 201, 'full reduction');
  const bob = await shopper();
  const order = await api('POST', '/orders', {
    token: bob.token, ip: bob.ip, headers: { 'Idempotency-Key': 'promo-dash-' + campaignId },
    body: { lines: [{ item_id: watch, qty: 1 }], address: { name: '赵六', phone: '13600136000', province: '浙江省', city: '杭州市', district: '西湖区', detail: '文三路 90 号 1 幢' } },
  });
  eq(order.status, 201, 'an order that takes the reduction');
  const { page, context } = await desktop();
  await logIn(page);
  await page.goto(`${BASE}/admin/#/dashboard/${campaignId}`);
  const row = page.locator(`#promotion-stats tr[data-promotion="${r.json.id}"]`);
  await row.waitFor();
  eq(await text(page, `#promotion-stats tr[data-promotion="${r.json.id}"] td[data-col=orders]`), '1', 'its orders');
  eq(await text(page, `#promotion-stats tr[data-promotion="${r.json.id}"] td[data-col=subsidy]`), '¥40.00', 'its subsidy');
  await shot(page, 'admin-promo-06-dashboard');
  // the promotions page: what the campaign spent so far
  await page.goto(`${BASE}/admin/#/promotions/${campaignId}`);
  await page.locator('[data-testid=budget-spent]').filter({ hasText: '¥40.00' }).waitFor();
  check(page.errors.length === 0, 'page errors: ' + page.errors.join('; '));
  await context.close();
}

// Needs member levels (promo-a) and the subsidy budget (promo-b).
export async function test_admin_promotions_4_member_levels_and_budget() {
  const { campaignId } = makeCampaign([50000]);
  const { page, context } = await desktop();
  await logIn(page);
  await page.goto(`${BASE}/admin/#/levels`);
  await page.locator('form.levels-form .level-row').first().waitFor();
  const loadError = (await text(page, '#page-levels > .error').catch(() => '')) || '';
  check(loadError === '', 'the member levels did not load: ' + loadError);
  const rows = page.locator('form.levels-form .level-row');
  const count = await rows.count();
  for (let i = count - 1; i > 0; i--) await rows.nth(i).locator('button.danger').click();
  await rows.nth(0).locator('input[name=level_name]').fill('银卡');
  await rows.nth(0).locator('input[name=min_paid]').fill('0');
  await page.locator('form.levels-form button.secondary').click();
  await rows.nth(1).locator('input[name=level_name]').fill('金卡');
  await rows.nth(1).locator('input[name=min_paid]').fill('0');
  await page.locator('form.levels-form [data-error-for=levels]').filter({ hasText: '门槛应越高' }).waitFor();
  await rows.nth(1).locator('input[name=min_paid]').fill('1000');
  await page.locator('#save-levels').click();
  await page.locator('.toast').filter({ hasText: '会员等级已保存' }).waitFor();
  const levels = await api('GET', '/admin/member-levels', { token: await adminToken() });
  eq(levels.json.levels.map((l) => [l.level, l.name, l.min_paid_fen]), [[1, '银卡', 0], [2, '金卡', 100000]], 'levels saved');
  await shot(page, 'admin-promo-07-levels');
  // the budget
  await page.goto(`${BASE}/admin/#/promotions/${campaignId}`);
  await page.locator('#budget input[name=subsidy_budget]').fill('500');
  await page.locator('#budget button[type=submit]').click();
  await page.locator('[data-testid=budget-left]').filter({ hasText: '¥500.00' }).waitFor();
  const c = await api('GET', `/admin/campaigns/${campaignId}`, { token: await adminToken() });
  eq(c.json.subsidy_budget_fen, 50000, 'the budget saved');
  check(page.errors.length === 0, 'page errors: ' + page.errors.join('; '));
  await context.close();
  if (state.browser) await state.browser.close();
  state.browser = null;
}
