// pages/checkout.js — checkout of a successful bargain: the address form
// with validation, the quote with every discount line, the coupon choice,
// and "place order" with an Idempotency-Key made once per attempt (a double
// tap or a retry of the same attempt sends the same key: one order).

import { T, fmt } from '../texts.js';
import { get, post, newKey } from '../api.js';
import { h, put, price, yuan, failure, loading, picture, navigate, link, setTitle, toast } from '../ui.js';
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

export function render(view, [id]) {
  let alive = true;
  let bargain = null;
  let item = null;
  let coupons = [];
  let couponId = null;
  let attempt = null; // { body: JSON text, key } of the order attempt in flight or last failed

  async function load() {
    put(view, loading());
    if (!(await requireLogin())) return put(view, topbar(), failure(T.loginToSee));
    try {
      bargain = await get('/bargains/' + id);
      const [c, w] = await Promise.all([
        get('/campaigns/' + bargain.campaign_id),
        get('/me/coupons?limit=100').catch(() => ({ items: [] })),
      ]);
      item = (c.items || []).find((i) => i.id === bargain.item_id) || { name: '' };
      coupons = (w.items || []).filter((x) => x.status === 'available');
      if (alive) show();
    } catch (e) {
      if (alive) put(view, topbar(), failure(e.text, load));
    }
  }

  function show() {
    setTitle(T.checkoutTitle);
    if (bargain.status !== 'succeeded') {
      put(view, topbar(), h('h1.title', T.checkoutTitle),
        failure(bargain.status === 'ordered' ? T.ordered : T.checkoutNotReady),
        link('/b/' + id, h('span.btn.block.ghost', T.back)));
      return;
    }
    const saved = readAddress();
    const inputs = {};
    const form = h('form.card.address', { noValidate: true }, h('h2', T.address),
      FIELDS.map(([key, label, ph, , , ac]) => {
        inputs[key] = h('input.input', {
          name: key, placeholder: ph, autocomplete: ac, value: saved[key] || '',
          type: key === 'phone' ? 'tel' : 'text', inputMode: key === 'phone' ? 'numeric' : undefined,
          maxLength: key === 'detail' ? 120 : key === 'phone' ? 11 : 20,
        });
        const slot = h('small.msg.error', { dataset: { for: key } });
        // A field marked wrong is checked again as it is corrected.
        inputs[key].addEventListener('input', () => {
          if (!inputs[key].classList.contains('bad')) return;
          const good = FIELDS.find((f) => f[0] === key)[3](inputs[key].value.trim());
          inputs[key].classList.toggle('bad', !good);
          if (good) slot.textContent = '';
        });
        return h('label.field', h('span', label), inputs[key], slot);
      }));

    const quoteBox = h('section.card.quote', h('h2', T.quoteTitle), loading());
    const couponBox = h('section.card.coupons', h('h2', T.coupon),
      [null, ...coupons].map((c) => {
        const radio = h('input', { type: 'radio', name: 'coupon', value: c ? c.id : '', checked: c === null });
        radio.addEventListener('change', () => { couponId = c ? c.id : null; quote(); });
        return h('label.choice', radio, c
          ? fmt(c.min_spend_fen > 0 ? T.couponRow : T.couponRowNoMin, { title: c.title, min: yuan(c.min_spend_fen) })
          : T.noCoupon);
      }));
    const msg = h('p.msg.error', { role: 'alert' });
    const submit = h('button.btn.block.place', { type: 'button' }, T.placeOrder);

    async function quote() {
      put(quoteBox, h('h2', T.quoteTitle), loading());
      try {
        const q = await post('/cart/quote', body(false));
        if (alive) put(quoteBox, h('h2', T.quoteTitle), quoteLines(q, item));
      } catch (e) {
        if (!alive) return;
        if (e.code === 'coupon_not_applicable' && couponId !== null) {
          toast(e.text, 3500);
          couponId = null;
          couponBox.querySelector('input[value=""]').checked = true;
          return quote();
        }
        put(quoteBox, h('h2', T.quoteTitle), failure(e.text, quote));
      }
    }

    function body(withAddress) {
      const b = { lines: [{ item_id: bargain.item_id, qty: 1 }], bargain_id: bargain.id, coupon_ids: couponId ? [couponId] : [], points: 0 };
      if (withAddress) {
        b.address = {};
        for (const [key] of FIELDS) b.address[key] = inputs[key].value.trim();
      }
      return b;
    }

    function validate() {
      let ok = true;
      for (const [key, , , check, err] of FIELDS) {
        const v = inputs[key].value.trim();
        const slot = form.querySelector('[data-for="' + key + '"]');
        const good = check(v);
        slot.textContent = good ? '' : err;
        inputs[key].classList.toggle('bad', !good);
        if (!good && ok) { inputs[key].focus(); ok = false; }
      }
      return ok;
    }

    submit.addEventListener('click', async () => {
      msg.textContent = '';
      if (submit.disabled || !validate()) return;
      const b = body(true);
      const text = JSON.stringify(b);
      // One key per attempt: the same form sent again (a retry after a lost
      // answer) keeps its key; a changed form is a new attempt.
      if (!attempt || attempt.body !== text) attempt = { body: text, key: newKey() };
      saveAddress(b.address);
      submit.disabled = true;
      submit.textContent = T.placing;
      try {
        for (let tries = 0; ; tries++) {
          try {
            const order = await post('/orders', b, { headers: { 'Idempotency-Key': attempt.key } });
            attempt = null;
            navigate('/o/' + order.id, true);
            return;
          } catch (e) {
            // The first send is still running: ask again with the same key.
            if (e.code === 'in_progress' && tries < 10) { await new Promise((r) => setTimeout(r, 800)); continue; }
            throw e;
          }
        }
      } catch (e) {
        if (e.code === 'idempotency_key_reused') attempt = null;
        // A definite refusal ends the attempt; a lost answer keeps its key.
        else if (e.status >= 400 && e.status < 500) attempt = null;
        msg.textContent = e.text;
        if (e.code === 'coupon_not_applicable') { couponId = null; couponBox.querySelector('input[value=""]').checked = true; quote(); }
      } finally {
        if (alive) { submit.disabled = false; submit.textContent = T.placeOrder; }
      }
    });

    put(view, topbar(), h('h1.title', T.checkoutTitle),
      h('section.card.head', picture(item.images, item.name),
        h('div', h('h2.name', item.name), h('p.prices', h('b', price(bargain.current_price_fen)), ' ', h('s.orig', price(bargain.original_price_fen))))),
      form, coupons.length ? couponBox : null, quoteBox, msg, h('div.sticky', submit));
    quote();
  }

  load();
  return () => { alive = false; };
}

// The quote's lines, every discount, gifts and the total.
export function quoteLines(q, item) {
  const rows = [];
  for (const l of q.lines || []) {
    const amount = l.amount_fen !== undefined ? l.amount_fen : (l.unit_price_fen || 0) * (l.qty || 1);
    rows.push(h('div.line', h('span', (l.name || l.item_name || (item && item.name) || '') + ' ×' + (l.qty || 1)), h('span', price(amount))));
  }
  rows.push(h('div.line.subtotal', h('span', T.subtotal), h('span', price(q.subtotal_fen))));
  for (const d of q.discounts || []) {
    rows.push(h('div.line.discount', { dataset: { kind: d.kind || '' } }, h('span', d.label || ''), h('span', '-' + price(d.amount_fen))));
  }
  for (const g of q.gifts || []) {
    rows.push(h('div.line.gift', h('span', T.gifts), h('span', typeof g === 'string' ? g : (g.label || g.name || ''))));
  }
  rows.push(h('div.line.total', h('span', T.total), h('b.total-amount', price(q.total_fen))));
  return h('div.lines', rows);
}

function readAddress() {
  try { return JSON.parse(localStorage.getItem(ADDRESS_KEY) || '{}') || {}; } catch { return {}; }
}
function saveAddress(a) {
  try { localStorage.setItem(ADDRESS_KEY, JSON.stringify(a)); } catch { /* private mode */ }
}
