// pages/item.js — one item of a campaign (/c/{campaign}/i/{item}): its
// pictures, the price in force with its honest "was" price and the timed
// discount's countdown, every promotion that applies to it (full
// reductions, gifts while in stock, bundles, coupons to claim, presale),
// a quantity, and "buy now" (checkout of a cart, /c/{id}/buy) beside the
// bargain of the campaign page.

import { T, fmt } from '../texts.js';
import { get } from '../api.js';
import { h, put, price, failure, loading, picture, navigate, link, setTitle } from '../ui.js';
import { topbar } from './campaign.js';
import { priceBlock, tagsFor, promotionList } from './promos.js';

const QTY_MAX = 99;

export function render(view, [campaignId, itemId]) {
  let alive = true;

  async function load() {
    put(view, loading());
    try {
      const c = await get('/campaigns/' + campaignId);
      const item = (c.items || []).find((i) => String(i.id) === itemId);
      if (!alive) return;
      if (!item) return put(view, topbar(), failure(T.errors.not_found));
      show(c, item);
    } catch (e) {
      if (alive) put(view, topbar(), failure(e.text, load));
    }
  }

  function show(c, item) {
    setTitle(item.name);
    const most = Math.max(1, Math.min(QTY_MAX, item.stock_left));
    const qty = h('input.input.qty', { type: 'number', name: 'qty', min: 1, max: most, value: 1, inputMode: 'numeric' });
    const soldOut = item.stock_left <= 0;
    const buy = h('button.btn.block.buy', { type: 'button', disabled: soldOut || c.status !== 'active' }, soldOut ? T.soldOut : T.buyNow);
    buy.addEventListener('click', () => {
      const n = Math.max(1, Math.min(most, Math.floor(Number(qty.value)) || 1));
      navigate('/c/' + c.id + '/buy?items=' + item.id + ':' + n);
    });
    put(view, topbar(),
      h('article.card.item.item-page', { dataset: { item: item.id } },
        picture(item.images, item.name, 'pic big'),
        h('h1.name', item.name),
        priceBlock(c, item, () => alive && setTimeout(load, 1000)),
        h('p.sub', T.originalPrice, ' ', price(item.original_price_fen), ' · ', T.floorPrice, ' ', price(item.floor_price_fen)),
        h('p.stock', soldOut ? T.soldOut : fmt(T.stockLeft, { n: item.stock_left })),
        tagsFor(c, item)),
      promotionList(c, item),
      h('section.card.buy-box', h('label.field', h('span', T.qty), qty), buy,
        link('/c/' + c.id, h('span.btn.block.ghost', T.cutNow))));
  }

  load();
  return () => { alive = false; };
}
