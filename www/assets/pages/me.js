// pages/me.js — my page: my bargains, my orders, my coupons, log out.

import { T, fmt } from '../texts.js';
import { get, post, user, forgetLogin } from '../api.js';
import { h, put, price, yuan, failure, loading, link, setTitle, localDate, navigate } from '../ui.js';
import { requireLogin } from '../login.js';
import { topbar } from './campaign.js';

export function render(view) {
  let alive = true;

  async function load() {
    setTitle(T.myTitle);
    put(view, loading());
    if (!(await requireLogin())) {
      put(view, topbar(), failure(T.loginToSee, load));
      return;
    }
    const sections = [
      [T.myBargains, '/me/bargains?limit=50', bargainRow, 'bargains'],
      [T.myOrders, '/orders?limit=50', orderRow, 'orders'],
      [T.myCoupons, '/me/coupons?limit=50', couponRow, 'coupons'],
    ];
    const me = get('/me').catch(() => user());
    const boxes = sections.map(([title, path, row, cls]) => {
      const box = h('section.card.list.' + cls, h('h2', title), loading());
      get(path).then(async (r) => {
        const items = (r && r.items) || [];
        if (cls === 'bargains') await nameItems(items);
        put(box, h('h2', title), items.length ? h('ul', items.map(row)) : h('p.sub', T.none));
      }).catch((e) => put(box, h('h2', title), h('p.msg.error', e.text)));
      return box;
    });
    const u = await me;
    if (!alive) return;
    const out = h('button.btn.ghost.logout', {
      type: 'button',
      onclick: async () => {
        await post('/auth/logout').catch(() => null);
        forgetLogin();
        navigate('/');
      },
    }, T.logout);
    put(view, topbar(),
      h('header.card.profile',
        h('h1', (u && u.phone_masked) || T.myTitle),
        u && typeof u.points_balance === 'number' ? h('p.sub', fmt(T.points, { n: u.points_balance })) : null,
        h('p.wallet-link', link('/me/wallet', T.walletLink))),
      boxes, out);
  }

  load();
  return () => { alive = false; };
}

// Bargains carry item ids only: the names come from their campaigns.
async function nameItems(bargains) {
  const ids = [...new Set(bargains.map((b) => b.campaign_id))].slice(0, 5);
  const names = new Map();
  await Promise.all(ids.map((id) => get('/campaigns/' + id).then((c) => {
    for (const i of c.items || []) names.set(i.id, i.name);
  }).catch(() => null)));
  for (const b of bargains) b.item_name = names.get(b.item_id) || '';
}

function bargainRow(b) {
  return h('li', link('/b/' + b.id,
    h('span.item-name', b.item_name || ''),
    h('span', T.bargainStatuses[b.status] || ''),
    h('span', price(b.current_price_fen), ' ', h('s.orig', price(b.original_price_fen))),
    b.cuts_left ? h('small', fmt(T.cutsLeft, { n: b.cuts_left })) : null));
}

function orderRow(o) {
  const first = (o.lines || [])[0];
  return h('li', link('/o/' + o.id,
    h('span', first && first.name ? first.name : fmt(T.orderNo, { id: o.id })),
    h('span.status', T.statuses[o.status] || ''),
    h('span', price(o.total_fen))));
}

function couponRow(c) {
  return h('li.coupon', { dataset: { status: c.status } },
    h('b', '¥' + yuan(c.amount_fen)),
    h('span', c.title),
    h('small', c.status === 'available' ? fmt(T.couponValid, { date: localDate(c.expires_at) }) : (T.couponStatuses[c.status] || '')));
}
