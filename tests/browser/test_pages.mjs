// test_pages.mjs — the campaign page's content, and the login sheet's
// messages: every error the API can answer is a sentence, never a code.

import { BASE, makeItem, phone, newPhone, loginInSheet, lastSmsId, smsCode, shot, text, fen, check, eq, sleep, apiLogin, api, PHONE_BROWSER_UA } from './lib.mjs';

const RAW_CODE = /\b[a-z]+_[a-z_]+\b|\b(4|5)\d\d\b/; // an error code or a bare status on screen

export async function test_campaign_page_shows_items_prices_stock_and_countdown() {
  const { campaignId, itemId } = makeItem({ name: '真无线蓝牙耳机 降噪款', price: 29900, floor: 9900, stock: 7,
    images: ['/assets/demo/earbuds-1.jpg'], endsIn: 2 * 86400 + 3600 });
  const { page, context } = await phone();
  await page.goto(`${BASE}/c/${campaignId}`);
  const card = page.locator(`article[data-item="${itemId}"]`);
  await card.locator('.name').waitFor();
  eq(await text(card, '.name'), '真无线蓝牙耳机 降噪款', 'item name');
  eq(fen(await text(card, '.floor b')), 9900, 'floor price');
  eq(fen(await text(card, '.orig')), 29900, 'original price');
  eq(await text(card, '.stock'), '剩余 7 件', 'stock left');
  check(await card.locator('img.pic').evaluate((img) => img.complete && img.naturalWidth > 0), 'the picture loads');
  eq(await text(card, 'button.cut'), '立即砍价', 'cut now');
  const first = await text(page, '.banner .countdown');
  check(/^2天 \d\d:\d\d:\d\d$/.test(first), 'countdown to the end: ' + first);
  await sleep(1100);
  check((await text(page, '.banner .countdown')) !== first, 'the countdown ticks');
  await shot(page, '00-campaign-page');
  check(page.errors.length === 0, 'page errors: ' + page.errors.join('; '));
  await context.close();
}

export async function test_login_sheet_refuses_bad_input_and_wrong_codes_with_sentences() {
  const { campaignId, itemId } = makeItem();
  const { page, context } = await phone();
  await page.goto(`${BASE}/c/${campaignId}`);
  await page.locator(`article[data-item="${itemId}"] button.cut`).click();
  const sheet = page.locator('.login-sheet');
  await sheet.waitFor();
  // A phone number of the wrong shape: refused before any request.
  await sheet.locator('input[name=phone]').fill('12345');
  await sheet.locator('button.send').click();
  eq(await text(sheet, '.msg.error'), '请输入 11 位中国大陆手机号', 'bad phone message');
  // A wrong code: the API's invalid_code as a sentence; the sheet stays.
  const number = newPhone();
  await sheet.locator('input[name=phone]').fill(number);
  const after = lastSmsId();
  await sheet.locator('button.send').click();
  const { code } = await smsCode(number, after);
  await sheet.locator('button.send').filter({ hasText: /^\d+ 秒后重发$/ }).waitFor();
  check(await sheet.locator('button.send').isDisabled(), 'send is disabled during the resend countdown');
  const wrong = code.slice(0, 5) + String((Number(code[5]) + 1) % 10);
  await sheet.locator('input[name=code]').fill(wrong);
  await sheet.locator('button[type=submit]').click();
  await sheet.locator('.msg.error').filter({ hasText: '验证码' }).waitFor();
  eq(await text(sheet, '.msg.error'), '验证码不对或已过期，请检查后重新输入，或重新获取。', 'wrong code message');
  await shot(page, '20-login-wrong-code');
  // The right code logs in and goes on to the bargain.
  await sheet.locator('input[name=code]').fill(code);
  await sheet.locator('button[type=submit]').click();
  await page.waitForURL(/\/(b\/\d+|s\/[A-Za-z0-9]+)$/); // in WeChat the share link
  check(await page.evaluate(() => !!localStorage.getItem('kanjia.token')), 'the token is kept in localStorage');
  check(page.errors.length === 0, 'page errors: ' + page.errors.join('; '));
  await context.close();
}

// Answers the sheet's requests with what the API (or nginx in front of it)
// sends when it refuses; each must read as a sentence.
export async function test_login_sheet_says_rate_limited_risk_and_outages_in_words() {
  const { campaignId, itemId } = makeItem();
  const { page, context } = await phone();
  const refuse = (status, code, message, headers = {}) => (route) => route.fulfill({
    status, headers: { 'Content-Type': 'application/json; charset=utf-8', ...headers },
    body: JSON.stringify({ error: { code, message } }),
  });
  await page.goto(`${BASE}/c/${campaignId}`);
  await page.locator(`article[data-item="${itemId}"] button.cut`).click();
  const sheet = page.locator('.login-sheet');
  await sheet.waitFor();
  await sheet.locator('input[name=phone]').fill(newPhone());
  const cases = [
    ['/api/v1/auth/sms', refuse(429, 'rate_limited', 'Too many requests; try again in a moment.', { 'Retry-After': '42' }), 'send', '操作太频繁了，请 42 秒后再试。'],
    ['/api/v1/auth/sms', refuse(400, 'invalid_phone', '请输入正确的中国大陆手机号。'), 'send', '手机号格式不对，请输入 11 位中国大陆手机号。'],
    ['/api/v1/auth/sms', refuse(403, 'risk_rejected', '当前操作存在风险，已被拒绝。'), 'send', '当前操作存在风险，暂时无法完成。如有疑问请联系客服。'],
    ['/api/v1/auth/login', refuse(429, 'rate_limited', '操作太频繁，请稍后再试。'), 'login', '操作太频繁了，请稍后再试。'],
    ['/api/v1/auth/login', refuse(503, 'unavailable', 'The service is temporarily unavailable; try again shortly.'), 'login', '服务繁忙，请稍后再试。'],
    ['/api/v1/auth/login', refuse(500, 'some_new_code', 'internal'), 'login', '服务繁忙，请稍后再试。'],
    ['/api/v1/auth/login', (route) => route.fulfill({ status: 502, contentType: 'text/html', body: '<html>Bad Gateway</html>' }), 'login', '服务繁忙，请稍后再试。'],
    ['/api/v1/auth/login', (route) => route.abort('internetdisconnected'), 'login', '网络不太好，请检查网络后重试。'],
  ];
  for (const [url, handler, button, want] of cases) {
    await page.route(BASE + url, handler);
    if (button === 'send') {
      await sheet.locator('button.send').evaluate((b) => { b.disabled = false; });
      await sheet.locator('button.send').click();
    } else {
      await sheet.locator('input[name=code]').fill('123456');
      await sheet.locator('button[type=submit]').click();
    }
    await sheet.locator('.msg.error').filter({ hasText: want }).waitFor({ timeout: 5000 })
      .catch(async () => { throw new Error(`${url}: expected "${want}", shown "${await text(sheet, '.msg.error')}"`); });
    const shown = await text(sheet, '.msg.error');
    check(!RAW_CODE.test(shown), 'a raw code on screen: ' + shown);
    if (want.includes('42 秒')) {
      check(/^(3\d|4[0-2]) 秒后重发$/.test(await text(sheet, 'button.send')), 'Retry-After drives the resend countdown');
      await shot(page, '21-login-rate-limited');
    }
    await page.unroute(BASE + url);
  }
  await context.close();
}

// In WeChat the share button points at WeChat's own share menu (which
// shares the address bar: the share link) with the configured card title;
// in another browser it copies the link.
export async function test_share_button_uses_wechats_menu_or_copies_the_link() {
  const { itemId } = makeItem({ name: '真无线蓝牙耳机 降噪款', price: 29900, floor: 9900, images: ['/assets/demo/earbuds-1.jpg'] });
  const owner = await apiLogin();
  const b = (await api('POST', '/bargains', { body: { item_id: itemId }, token: owner.token, ip: owner.ip })).json;
  const w = await phone({ token: owner.token });
  await w.page.goto(`${BASE}/b/${b.id}`);
  await w.page.locator('button.share').click();
  await w.page.locator('.guide').waitFor();
  check((await text(w.page, '.guide p')).includes('右上角'), 'the guide points at the menu');
  eq(new URL(w.page.url()).pathname, `/s/${b.share_code}`, 'the address bar holds the share link');
  eq(await w.page.title(), '帮我砍一刀，真无线蓝牙耳机 降噪款 最低 99 元', 'the share card title (config.js)');
  await shot(w.page, '22-share-wechat');
  // The owner reloads (or opens their own link from the chat): their own
  // bargain page, not the friends' landing.
  await w.page.reload();
  await w.page.locator('button.share').waitFor();
  eq(await w.page.locator('button.help').count(), 0, 'no help button for the owner');
  await w.context.close();
  const o = await phone({ token: owner.token, userAgent: PHONE_BROWSER_UA });
  await o.context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: BASE });
  await o.page.goto(`${BASE}/b/${b.id}`);
  await o.page.evaluate(() => { delete Navigator.prototype.share; });
  await o.page.locator('button.share').click();
  await o.page.locator('.toast.show').filter({ hasText: '链接已复制' }).waitFor();
  const copied = await o.page.evaluate(() => navigator.clipboard.readText());
  check(copied.endsWith(b.share_url), 'the copied text ends with the share link: ' + copied);
  eq(new URL(o.page.url()).pathname, `/b/${b.id}`, 'outside WeChat the address stays');
  check(o.page.errors.length === 0, 'page errors: ' + o.page.errors.join('; '));
  await o.context.close();
}
