// pages/item_share.js — the item share landing (/p/{code}): a friend's
// link to one item (GET /api/v1/p/{code}): its name, price and floor, who
// shared it (masked), and a button to the campaign. The code is kept for
// the session, so an order placed after this visit can name the share
// that led to it (API.md "The price of an order": share_code).

import { T, fmt } from '../texts.js';
import { get } from '../api.js';
import { h, put, price, failure, loading, link, setTitle } from '../ui.js';
import { topbar } from './campaign.js';

export const SHARE_KEY = 'kanjia.itemShare';

export function render(view, [code]) {
  let alive = true;
  async function load() {
    put(view, loading());
    let landing;
    try {
      landing = await get('/p/' + encodeURIComponent(code));
    } catch (e) {
      if (alive) put(view, topbar(), failure(e.text, load));
      return;
    }
    if (!alive) return;
    try { sessionStorage.setItem(SHARE_KEY, JSON.stringify({ code: landing.code, item_id: landing.item.id })); } catch { /* optional */ }
    const item = landing.item;
    setTitle(item.name);
    put(view, topbar(),
      h('section.card.item-share', { dataset: { item: item.id } },
        h('p.sharer', fmt(T.itemShareFrom, { user: landing.sharer.phone_masked })),
        h('h1.name', item.name),
        h('p.now', T.itemSharePrice, ' ', h('b.price', price(landing.price_fen))),
        item.floor_price_fen < landing.price_fen ? h('p.sub', fmt(T.itemShareFloor, { price: price(item.floor_price_fen) })) : null,
        link('/c/' + item.campaign_id, h('span.btn.block.go', T.itemShareGo))));
  }
  load();
  return () => { alive = false; };
}
