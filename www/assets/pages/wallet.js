// pages/wallet.js — my wallet (/me/wallet): the daily check-in with this
// month's calendar, points with the ledger, red packets, coupons, and my
// invite link with its counts (API.md "Engagement").

import { T, fmt } from '../texts.js';
import { get, post } from '../api.js';
import { h, put, yuan, failure, loading, setTitle, localDate, toast } from '../ui.js';
import { requireLogin } from '../login.js';
import { topbar } from './campaign.js';

export function render(view) {
  let alive = true;

  async function load() {
    setTitle(T.walletTitle);
    put(view, loading());
    if (!(await requireLogin())) {
      put(view, topbar(), failure(T.loginToSee, load));
      return;
    }
    const checkin = h('section.card.checkin', h('h2', T.checkinTitle), loading());
    const points = h('section.card.list.ledger', h('h2', T.pointsTitle), loading());
    const packets = h('section.card.list.red-packets', h('h2', T.redPacketsTitle), loading());
    const coupons = h('section.card.list.coupons', h('h2', T.myCoupons), loading());
    const invite = h('section.card.invite', h('h2', T.inviteTitle), loading());
    put(view, topbar(), h('header.card.profile', h('h1', T.walletTitle)), checkin, points, packets, coupons, invite);
    const fill = (box, title, promise, draw) => promise
      .then((r) => { if (alive) put(box, h('h2', title), draw(r)); })
      .catch((e) => { if (alive) put(box, h('h2', title), h('p.msg.error', e.text)); });
    const list = (items, row) => (items && items.length ? h('ul', items.map(row)) : h('p.sub', T.none));

    const drawCheckin = (month) => {
      const done = new Set(month.days);
      const button = h('button.btn.checkin-now', { type: 'button', disabled: done.has(month.today) },
        done.has(month.today) ? T.checkedIn : T.checkinNow);
      button.addEventListener('click', async () => {
        button.disabled = true;
        try {
          const r = await post('/checkin');
          toast(fmt(r.bonus_points ? T.checkinDoneBonus : T.checkinDone,
            { points: r.points, bonus: r.bonus_points, streak: r.streak }));
          load();
        } catch (e) {
          toast(e.text);
          button.disabled = false;
        }
      });
      const [y, m] = month.today.split('-').map(Number);
      const days = new Date(Date.UTC(y, m, 0)).getUTCDate();
      const cells = [];
      for (let d = 1; d <= days; d++) {
        const date = month.today.slice(0, 8) + String(d).padStart(2, '0');
        cells.push(h('li', { dataset: { date, done: done.has(date) ? '1' : '0', today: date === month.today ? '1' : '0' } },
          String(d)));
      }
      return [h('p.streak', fmt(T.streak, { n: month.streak })), h('ol.calendar', cells), button];
    };
    fill(checkin, T.checkinTitle, get('/me/checkin'), drawCheckin);
    fill(points, T.pointsTitle, get('/me/points?limit=20'), (r) => [
      h('p.balance', fmt(T.points, { n: r.balance })),
      list(r.items, (x) => h('li', { dataset: { reason: x.reason } },
        h('span', T.pointsReasons[x.reason] || x.reason),
        h('b', (x.delta > 0 ? '+' : '') + x.delta),
        h('small', localDate(x.at)))),
    ]);
    fill(packets, T.redPacketsTitle, get('/me/red-packets?limit=50'), (r) => list(r.items, (p) =>
      h('li.red-packet', { dataset: { status: p.status } },
        h('b', '¥' + yuan(p.amount_fen)),
        h('span', T.redPacketSources[p.source] || T.redPacket),
        h('small', p.status === 'available' ? fmt(T.couponValid, { date: localDate(p.expires_at) })
          : (T.redPacketStatuses[p.status] || '')))));
    fill(coupons, T.myCoupons, get('/me/coupons?limit=50'), (r) => list(r.items, (c) =>
      h('li.coupon', { dataset: { status: c.status } },
        h('b', '¥' + yuan(c.amount_fen)),
        h('span', c.title),
        h('small', c.status === 'available' ? fmt(T.couponValid, { date: localDate(c.expires_at) })
          : (T.couponStatuses[c.status] || '')))));
    fill(invite, T.inviteTitle, get('/me/invite'), (r) => [
      h('p.sub', T.inviteHint),
      h('p.invite-code', fmt(T.inviteCode, { code: r.code })),
      h('input.invite-url', { type: 'text', readOnly: true, value: r.url, onfocus: (e) => e.target.select() }),
      h('p.invite-counts', fmt(T.inviteCounts, { invited: r.invited, qualified: r.qualified, rewards: r.rewards.length })),
    ]);
  }

  load();
  return () => { alive = false; };
}
