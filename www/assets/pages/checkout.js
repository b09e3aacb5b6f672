// pages/checkout.js — checkout, of a successful bargain (/b/{id}/checkout)
// or of a cart bought at the campaign's prices (/c/{id}/buy?items=3:1,5:2):
// the address form with validation, the quote with every discount line and
// the gifts, the add-on offers (加价购) to take, the coupons and red packets
// to choose from, a points control showing the money it saves, and "place
// order" with an Idempotency-Key made once per attempt (a double tap or a
// retry of the same attempt sends the same key: one order).
//
// Fields the quote did not know before issue 14 (addons, red_packet_ids)
// are sent only when the shopper chose some, so a server without them
// still quotes every other cart.

import { T, fmt } from '../texts.js';
import { get, post, newKey } from '../api.js';
import { h, put, price, yuan, failure, loading, picture, navigate, link, setTitle, toast, localDate } from '../ui.js';
import { requireLogin } from '../login.js';
import { topbar } from './campaign.js';

const ADDRESS_KEY = 'kanjia.address';
const FIELDS = [
  ['name', T.name, T.namePlaceholder, (v) => v.length >= 2 && v.length <= 20, T.errName, 'name'],
  ['phone', T.phone, T.phonePlaceholder, (v) => /^1\d{10}$/.test(v), T.errPhone, 'tel'],
  ['province', T.province, T.province, (v) => v.length >= 2 && v.length <= 20, T.errProvince, 'address-level1'],
  ['city', T.city, T.city, (v) => v.length >= 2 && v.length <= 20, T.errCity, 'address-level2'],
  ['district', T.district, T.district, (v) => v.length >= 2 && v.length <= 20, T.errDistrict, 'address-level3'],
  ['detail', T.detail, T.detailPlaceholder, (v) => v.length >= 5 && v.length <= 120, T.errDetail, 'street-address'],
];
const CART_LINES_MAX = 20;

// "3:1,5:2" → [{item_id: 3, qty: 1}, {item_id: 5, qty: 2}] (bad parts dropped).
export function cartFromQuery(text) {
  const lines = [];
  for (const part of String(text || '').split(',')) {
    const m = part.match(/^(\d{1,18}):(\d{1,2})$/);
    if (m && Number(m[2]) > 0 && lines.length < CART_LINES_MAX) lines.push({ item_id: Number(m[1]), qty: Number(m[2]) });
  }
  return lines;
}

export function render(view, [id], name) {
  let alive = true;
  const cartMode = name === 'buy';
  let bargain = null;
  let campaign = null;
  let lines = [];
  let coupons = [];
  let couponId = null;
  let packets = [];
  const packetIds = new Set();
  let balance = 0;
  let pointsOn = false;
  const addons = new Map(); // item_id → qty taken
  let attempt = null; // { body: JSON text, key } of the order attempt in flight or last failed

  async function load() {
    put(view, loading());
    if (!(await requireLogin())) return put(view, topbar(), failure(T.loginToSee));
    try {
      let campaignId = id;
      if (!cartMode) {
        bargain = await get('/bargains/' + id);
        campaignId = bargain.campaign_id;
        lines = [{ item_id: bargain.item_id, qty: 1 }];
      } else {
        lines = cartFromQuery(new URLSearchParams(location.search).get('items'));
      }
      const [c, w, r, p] = await Promise.all([
        get('/campaigns/' + campaignId),
        get('/me/coupons?limit=100').catch(() => ({ items: [] })),
        get('/me/red-packets?limit=50').catch(() => ({ items: [] })),
        get('/me/points?limit=1').catch(() => ({ balance: 0 })),
      ]);
      campaign = c;
      coupons = (w.items || []).filter((x) => x.status === 'available');
      packets = (r.items || []).filter((x) => x.status === 'available');
      balance = Math.max(0, Number(p.balance) || 0);
      if (alive) show();
    } catch (e) {
      if (alive) put(view, topbar(), failure(e.text, load));
    }
  }

  const itemOf = (itemId) => (campaign.items || []).find((i) => i.id === itemId) || { id: itemId, name: '' };

  function show() {
    setTitle(T.checkoutTitle);
    if (!cartMode && bargain.status !== 'succeeded') {
      put(view, topbar(), h('h1.title', T.checkoutTitle),
        failure(bargain.status === 'ordered' ? T.ordered : T.checkoutNotReady),
        link('/b/' + id, h('span.btn.block.ghost', T.back)));
      return;
    }
    if (!lines.length) {
      put(view, topbar(), h('h1.title', T.checkoutTitle), failure(T.errors.bad_request), link('/c/' + id, h('span.btn.block.ghost', T.back)));
      return;
    }
    const address = addressForm(readAddress());
    const quoteBox = h('section.card.quote', h('h2', T.quoteTitle), loading());
    const addonBox = h('section.card.addons', { hidden: true });
    const couponBox = coupons.length ? h('section.card.coupons', h('h2', T.coupon),
      [null, ...coupons].map((c) => {
        const radio = h('input', { type: 'radio', name: 'coupon', value: c ? c.id : '', checked: c === null });
        radio.addEventListener('change', () => { couponId = c ? c.id : null; quote(); });
        return h('label.choice', radio, c
          ? fmt(c.min_spend_fen > 0 ? T.couponRow : T.couponRowNoMin, { title: c.title, min: yuan(c.min_spend_fen) })
          : T.noCoupon);
      })) : null;
    const packetBox = packets.length ? h('section.card.red-packets', h('h2', T.redPackets),
      packets.map((p) => {
        const box = h('input', { type: 'checkbox', name: 'red_packet', value: p.id });
        box.addEventListener('change', () => { if (box.checked) packetIds.add(p.id); else packetIds.delete(p.id); quote(); });
        return h('label.choice', box, fmt(T.redPacketRow, { amount: yuan(p.amount_fen), date: localDate(p.expires_at) }));
      })) : null;
    const pointsSaves = h('span.points-saves');
    const pointsToggle = h('input', { type: 'checkbox', name: 'use_points', disabled: balance <= 0 });
    pointsToggle.addEventListener('change', () => { pointsOn = pointsToggle.checked; quote(); });
    const pointsBox = h('section.card.points',
      h('label.choice', pointsToggle, T.pointsUse, ' ', h('span.sub', balance > 0 ? fmt(T.pointsHave, { n: balance }) : T.pointsNone)),
      h('p.sub', pointsSaves));
    const msg = h('p.msg.error', { role: 'alert' });
    const submit = h('button.btn.block.place', { type: 'button' }, T.placeOrder);

    function drawAddons(q) {
      const offers = q.addon_offers || [];
      // an add-on that is no longer offered is dropped
      for (const itemId of [...addons.keys()]) if (!offers.some((o) => o.item_id === itemId)) addons.delete(itemId);
      addonBox.hidden = offers.length === 0;
      put(addonBox, h('h2', T.addonsTitle), offers.map((o) => {
        const box = h('input', { type: 'checkbox', name: 'addon', value: o.item_id, checked: addons.has(o.item_id) });
        box.addEventListener('change', () => { if (box.checked) addons.set(o.item_id, 1); else addons.delete(o.item_id); quote(); });
        return h('label.choice', { dataset: { item: o.item_id } }, box, fmt(T.addonOffer, { name: itemOf(o.item_id).name, price: yuan(o.price_fen) }));
      }));
    }

    async function quote() {
      put(quoteBox, h('h2', T.quoteTitle), loading());
      try {
        const q = await post('/cart/quote', body(false));
        if (!alive) return;
        put(quoteBox, h('h2', T.quoteTitle), quoteLines(q, new Map((campaign.items || []).map((i) => [i.id, i.name]))));
        drawAddons(q);
        const saved = (q.discounts || []).filter((d) => d.kind === 'points_cash').reduce((s, d) => s + d.amount_fen, 0);
        pointsSaves.textContent = pointsOn ? fmt(T.pointsSaves, { n: q.points_used || 0, amount: yuan(saved) }) : '';
      } catch (e) {
        if (!alive) return;
        if ((e.code === 'coupon_not_applicable' || e.code === 'promotion_not_applicable') && (couponId !== null || packetIds.size || addons.size)) {
          toast(e.text, 3500);
          resetChoices();
          return quote();
        }
        if (e.code === 'insufficient_points' && pointsOn) {
          toast(e.text, 3500);
          pointsOn = false;
          pointsToggle.checked = false;
          return quote();
        }
        put(quoteBox, h('h2', T.quoteTitle), failure(e.text, quote));
      }
    }

    function resetChoices() {
      couponId = null;
      if (couponBox) couponBox.querySelector('input[value=""]').checked = true;
      packetIds.clear();
      if (packetBox) for (const b of packetBox.querySelectorAll('input')) b.checked = false;
      addons.clear();
    }

    function body(withAddress) {
      const b = { lines: lines.map((l) => ({ item_id: l.item_id, qty: l.qty })), coupon_ids: couponId ? [couponId] : [], points: pointsOn ? balance : 0 };
      if (bargain) b.bargain_id = bargain.id;
      if (addons.size) b.addons = [...addons].map(([itemId, qty]) => ({ item_id: itemId, qty }));
      if (packetIds.size) b.red_packet_ids = [...packetIds];
      if (withAddress) b.address = address.value();
      return b;
    }

    submit.addEventListener('click', async () => {
      msg.textContent = '';
      if (submit.disabled || !address.validate()) return;
      const b = body(true);
      const text = JSON.stringify(b);
      // One key per attempt: the same form sent again (a retry after a lost
      // answer) keeps its key; a changed form is a new attempt.
      if (!attempt || attempt.body !== text) attempt = { body: text, key: newKey() };
      saveAddress(b.address);
      submit.disabled = true;
      submit.textContent = T.placing;
      try {
        const order = await placeOrder(b, attempt.key);
        attempt = null;
        navigate('/o/' + order.id, true);
      } catch (e) {
        if (e.code === 'idempotency_key_reused') attempt = null;
        // A definite refusal ends the attempt; a lost answer keeps its key.
        else if (e.status >= 400 && e.status < 500) attempt = null;
        msg.textContent = e.text;
        if (e.code === 'coupon_not_applicable' || e.code === 'promotion_not_applicable') { resetChoices(); quote(); }
      } finally {
        if (alive) { submit.disabled = false; submit.textContent = T.placeOrder; }
      }
    });

    const head = cartMode
      ? h('section.card.head.cart-head', lines.map((l) => {
        const item = itemOf(l.item_id);
        return h('div.cart-line', { dataset: { item: l.item_id } }, picture(item.images, item.name, 'thumb'),
          h('div', h('h2.name', item.name), h('p.prices', h('b', price(typeof item.price_fen === 'number' ? item.price_fen : (item.original_price_fen || 0))), ' ×' + l.qty,
            item.was_price_fen ? [' ', h('s.was', price(item.was_price_fen))] : null)));
      }))
      // the bargain's own start stays unstruck: only the item's real "was" price is struck through
      : h('section.card.head', picture(itemOf(bargain.item_id).images, itemOf(bargain.item_id).name),
        h('div', h('h2.name', itemOf(bargain.item_id).name), h('p.prices', h('b', price(bargain.current_price_fen)), ' ',
          itemOf(bargain.item_id).was_price_fen ? h('s.was', price(itemOf(bargain.item_id).was_price_fen))
            : h('span.orig', T.originalPrice, ' ', price(bargain.original_price_fen)))));
    put(view, topbar(), h('h1.title', T.checkoutTitle), head, address.node, addonBox, couponBox, packetBox, balance > 0 ? pointsBox : null,
      quoteBox, msg, h('div.sticky', submit));
    quote();
  }

  load();
  return () => { alive = false; };
}

// POST /orders with key, asking again while the first send still runs.
export async function placeOrder(b, key) {
  for (let tries = 0; ; tries++) {
    try {
      return await post('/orders', b, { headers: { 'Idempotency-Key': key } });
    } catch (e) {
      if (e.code === 'in_progress' && tries < 10) { await new Promise((r) => setTimeout(r, 800)); continue; }
      throw e;
    }
  }
}

// The address form: { node, value(), validate() } (a field marked wrong is
// checked again as it is corrected).
export function addressForm(saved) {
  const inputs = {};
  const node = h('form.card.address', { noValidate: true }, h('h2', T.address),
    FIELDS.map(([key, label, ph, , , ac]) => {
      inputs[key] = h('input.input', {
        name: key, placeholder: ph, autocomplete: ac, value: saved[key] || '',
        type: key === 'phone' ? 'tel' : 'text', inputMode: key === 'phone' ? 'numeric' : undefined,
        maxLength: key === 'detail' ? 120 : key === 'phone' ? 11 : 20,
      });
      const slot = h('small.msg.error', { dataset: { for: key } });
      inputs[key].addEventListener('input', () => {
        if (!inputs[key].classList.contains('bad')) return;
        const good = FIELDS.find((f) => f[0] === key)[3](inputs[key].value.trim());
        inputs[key].classList.toggle('bad', !good);
        if (good) slot.textContent = '';
      });
      return h('label.field', h('span', label), inputs[key], slot);
    }));
  return {
    node,
    value() {
      const a = {};
      for (const [key] of FIELDS) a[key] = inputs[key].value.trim();
      return a;
    },
    validate() {
      let ok = true;
      for (const [key, , , check, err] of FIELDS) {
        const v = inputs[key].value.trim();
        const slot = node.querySelector('[data-for="' + key + '"]');
        const good = check(v);
        slot.textContent = good ? '' : err;
        inputs[key].classList.toggle('bad', !good);
        if (!good && ok) { inputs[key].focus(); ok = false; }
      }
      return ok;
    },
  };
}

// The quote's lines, every discount, gifts, points and the total. names: an
// item (its name for lines without one) or a Map of item id → name.
export function quoteLines(q, names) {
  const nameOf = (l) => l.name || l.item_name || (names instanceof Map ? names.get(l.item_id) : names && names.name) || '';
  const rows = [];
  for (const l of q.lines || []) {
    const amount = l.amount_fen !== undefined ? l.amount_fen : (l.unit_price_fen || 0) * (l.qty || 1);
    rows.push(h('div.line', { dataset: { item: l.item_id } }, h('span', nameOf(l) + ' ×' + (l.qty || 1)), h('span', price(amount))));
  }
  rows.push(h('div.line.subtotal', h('span', T.subtotal), h('span', price(q.subtotal_fen))));
  for (const d of q.discounts || []) {
    rows.push(h('div.line.discount', { dataset: { kind: d.kind || '', promotion: d.promotion_id || '' } }, h('span', d.label || ''), h('span', '-' + price(d.amount_fen))));
  }
  for (const g of q.gifts || []) {
    rows.push(h('div.line.gift', { dataset: { promotion: (g && g.promotion_id) || '' } }, h('span', T.gifts), h('span', typeof g === 'string' ? g : (g.label || g.name || ''))));
  }
  if (q.budget_limited) rows.push(h('p.sub.budget-limited', T.budgetLimited));
  rows.push(h('div.line.total', h('span', T.total), h('b.total-amount', price(q.total_fen))));
  return h('div.lines', rows);
}

function readAddress() {
  try { return JSON.parse(localStorage.getItem(ADDRESS_KEY) || '{}') || {}; } catch { return {}; }
}
export function savedAddress() { return readAddress(); }
export function saveAddress(a) {
  try { localStorage.setItem(ADDRESS_KEY, JSON.stringify(a)); } catch { /* private mode */ }
}
