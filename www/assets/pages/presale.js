// pages/presale.js — a deposit presale (定金翻倍, /c/{campaign}/presale/{id},
// API.md "Presale"): in the deposit window the shopper pays the deposit
// (POST /presale/{id}/deposit, an order of kind "deposit" paid on the order
// page); in the final window the final payment (POST /orders with
// deposit_order_id), its quote showing the deposit's value as a discount
// line; before it, a countdown; after it, the deposit is forfeited.

import { T, fmt } from '../texts.js';
import { get, post, newKey, serverNow, token } from '../api.js';
import { h, put, yuan, fmtNodes, countdown, failure, loading, picture, navigate, link, setTitle, toast, localDate } from '../ui.js';
import { requireLogin } from '../login.js';
import { topbar } from './campaign.js';
import { addressForm, savedAddress, saveAddress, placeOrder, quoteLines } from './checkout.js';

const QTY_MAX = 99;

export function render(view, [campaignId, promotionId]) {
  let alive = true;

  async function load() {
    put(view, loading());
    try {
      const c = await get('/campaigns/' + campaignId);
      const p = (c.promotions || []).find((x) => x.kind === 'presale' && String(x.id) === promotionId);
      if (!alive) return;
      if (!p) return put(view, topbar(), failure(T.presaleNotFound));
      const item = (c.items || []).find((i) => i.id === p.config.item_id) || { id: p.config.item_id, name: '' };
      show(c, p, item, token() ? await myDeposits(item) : []);
    } catch (e) {
      if (alive) put(view, topbar(), failure(e.text, load));
    }
  }

  // The shopper's deposit orders of this presale's item, newest first.
  async function myDeposits(item) {
    try {
      const r = await get('/orders?limit=100');
      return ((r && r.items) || []).filter((o) => o.kind === 'deposit' && (o.lines || []).some((l) => l.item_id === item.id)
        && o.status !== 'cancelled' && o.status !== 'refunded');
    } catch {
      return [];
    }
  }

  function show(c, p, item, deposits) {
    setTitle(T.presaleTitle);
    const k = p.config;
    const now = serverNow();
    const depositOpen = Date.parse(p.starts_at) <= now && now < Date.parse(p.ends_at);
    const finalStarts = Date.parse(k.final_starts_at);
    const finalEnds = Date.parse(k.final_ends_at);
    const reload = () => alive && setTimeout(load, 1000);
    const paid = deposits.find((o) => o.status === 'paid');
    const pending = deposits.find((o) => o.status === 'pending_payment');
    let action = null;
    if (paid) {
      const qty = (paid.lines.find((l) => l.item_id === item.id) || { qty: 1 }).qty;
      const note = h('p.deposit-paid', fmt(T.depositPaid, { amount: yuan(paid.total_fen), value: yuan(k.deposit_value_fen * qty) }));
      if (now < finalStarts) action = [note, h('p.timer', fmtNodes(T.finalNotYet, { time: countdown(k.final_starts_at, reload) }))];
      else if (now >= finalEnds) action = [note, h('p.msg.error', T.finalOver)];
      else action = [note, finalPayment(item, paid, qty)];
    } else if (pending) {
      action = [h('p', T.depositPending), link('/o/' + pending.id, h('span.btn.block.pay-deposit', T.payNow))];
    } else if (depositOpen) {
      action = depositForm(p);
    } else {
      action = h('p.msg', T.presaleClosedNow);
    }
    put(view, topbar(), h('h1.title', T.presaleTitle),
      h('article.card.item.presale', { dataset: { item: item.id, promotion: p.id } },
        picture(item.images, item.name),
        h('h2.name', p.title || item.name),
        h('p.sub', item.name),
        h('p.deposit-value', fmt(T.depositCounts, { deposit: yuan(k.deposit_fen), value: yuan(k.deposit_value_fen) })),
        h('p.sub', fmt(T.depositWindow, { from: localDate(p.starts_at), to: localDate(p.ends_at) })),
        depositOpen ? h('p.timer', T.endsIn, ' ', countdown(p.ends_at, reload)) : null,
        h('p.sub', fmt(T.finalWindow, { from: localDate(k.final_starts_at), to: localDate(k.final_ends_at) }))),
      h('section.card.presale-action', action));
  }

  function depositForm(p) {
    const qty = h('input.input.qty', { type: 'number', name: 'qty', min: 1, max: QTY_MAX, value: 1, inputMode: 'numeric' });
    const button = h('button.btn.block.pay-deposit', { type: 'button' }, fmt(T.depositPay, { amount: yuan(p.config.deposit_fen) }));
    qty.addEventListener('input', () => {
      const n = Math.max(1, Math.min(QTY_MAX, Math.floor(Number(qty.value)) || 1));
      button.textContent = fmt(T.depositPay, { amount: yuan(p.config.deposit_fen * n) });
    });
    let key = null;
    button.addEventListener('click', async () => {
      if (!(await requireLogin()) || !alive) return;
      const n = Math.max(1, Math.min(QTY_MAX, Math.floor(Number(qty.value)) || 1));
      key = key || newKey();
      button.disabled = true;
      try {
        const order = await post('/presale/' + p.id + '/deposit', { qty: n }, { headers: { 'Idempotency-Key': key } });
        navigate('/o/' + order.id);
      } catch (e) {
        if (e.status >= 400 && e.status < 500) key = null;
        toast(e.text, 3500);
        button.disabled = false;
      }
    });
    return [h('label.field', h('span', T.qty), qty), button];
  }

  // The final payment: address, the quote with the deposit's line, pay.
  function finalPayment(item, deposit, qty) {
    const address = addressForm(savedAddress());
    const quoteBox = h('div.quote', loading());
    const msg = h('p.msg.error', { role: 'alert' });
    const submit = h('button.btn.block.final-pay', { type: 'button' }, T.finalPay);
    const body = () => ({ lines: [{ item_id: item.id, qty }], deposit_order_id: deposit.id });
    post('/cart/quote', body()).then((q) => {
      if (alive) put(quoteBox, h('h2', T.quoteTitle), quoteLines(q, item));
    }, (e) => { if (alive) put(quoteBox, failure(e.text)); });
    let attempt = null;
    submit.addEventListener('click', async () => {
      msg.textContent = '';
      if (!address.validate()) return;
      const b = { ...body(), address: address.value() };
      const text = JSON.stringify(b);
      if (!attempt || attempt.body !== text) attempt = { body: text, key: newKey() };
      saveAddress(b.address);
      submit.disabled = true;
      try {
        const order = await placeOrder(b, attempt.key);
        navigate('/o/' + order.id, true);
      } catch (e) {
        if (e.status >= 400 && e.status < 500) attempt = null;
        msg.textContent = e.text;
        submit.disabled = false;
      }
    });
    return h('div.final', address.node, h('section.card', quoteBox), msg, submit);
  }

  load();
  return () => { alive = false; };
}
