// test_wallet.mjs — the wallet page (/me/wallet): a friend opens an invite
// link, logs in on the wallet (the invitation is recorded), checks in from
// the calendar (today turns red, the ledger shows the points, a second
// check-in is not offered), and sees a red packet and the invite link.

import { BASE, phone, newPhone, loginInSheet, shot, text, fen, sqlValue, sql, api, apiLogin, check, eq } from './lib.mjs';

export async function test_wallet_checkin_red_packets_and_invite() {
  const inviter = await apiLogin();
  const invite = await api('GET', '/me/invite', { token: inviter.token });
  eq(invite.status, 200, 'invite');
  const { page, context } = await phone();
  await page.goto(`${BASE}/?invite=${invite.json.code}`);
  await page.goto(`${BASE}/me/wallet`);
  const number = newPhone();
  await loginInSheet(page, number);
  await page.locator('.checkin .calendar').waitFor();
  const userId = Number(sqlValue(`SELECT id FROM shopper WHERE phone = '${number}'`));
  const inviterId = Number(sqlValue(`SELECT inviter_id FROM invitation WHERE invitee_id = ${userId}`));
  eq(sqlValue(`SELECT phone FROM shopper WHERE id = ${inviterId}`), inviter.phone, 'the invitation names the inviter');

  // check in from the page
  const button = page.locator('button.checkin-now');
  eq(await button.textContent(), '签到领积分', 'check-in offered');
  await button.click();
  await page.locator('button.checkin-now', { hasText: '今日已签到' }).waitFor();
  check(await page.locator('button.checkin-now').isDisabled(), 'no second check-in');
  const today = await page.locator('.calendar li[data-today="1"]').getAttribute('data-done');
  eq(today, '1', 'today is marked on the calendar');
  await page.locator('.ledger li[data-reason="checkin"]').waitFor();
  eq(await text(page, '.ledger li[data-reason="checkin"] span'), '每日签到', 'ledger reason in Chinese');
  check(/^积分 \d+$/.test(await text(page, '.ledger .balance')), 'balance shown');

  // a red packet appears after a reload; the invite section shows the code
  sql(`INSERT INTO red_packet (user_id, amount_fen, source, status, created_at, expires_at) VALUES `
    + `(${userId}, 300, 'new_user_pack', 'available', UTC_TIMESTAMP(), UTC_TIMESTAMP() + INTERVAL 7 DAY)`);
  await page.reload();
  await page.locator('.red-packets li.red-packet').waitFor();
  eq(fen(await text(page, '.red-packets li.red-packet b')), 300, 'red packet amount');
  eq(await text(page, '.red-packets li.red-packet span'), '新人红包', 'red packet source');
  const mine = await api('GET', '/me/invite', { token: await page.evaluate(() => localStorage.getItem('kanjia.token')) });
  await page.locator('.invite .invite-code').waitFor();
  eq(await text(page, '.invite .invite-code'), `我的邀请码：${mine.json.code}`, 'my invite code');
  check((await page.locator('.invite-url').inputValue()).endsWith('?invite=' + mine.json.code), 'my invite link');
  await shot(page, '60-wallet');
  check(page.errors.length === 0, 'page errors: ' + page.errors.join('; '));
  await context.close();
}
