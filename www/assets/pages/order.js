// pages/order.js — one order: its status, lines, discounts, total, address,
// the time left to pay, "pay" through the provider (the sandbox in tests and
// demos) and "cancel". After paying it watches the order until it is paid.

import { T, fmt } from '../texts.js';
import { CONFIG } from '../config.js';
import { get, post } from '../api.js';
import { h, put, fmtNodes, countdown, failure, loading, setTitle, toast, localDate } from '../ui.js';
import { requireLogin } from '../login.js';
import { topbar } from './campaign.js';
import { quoteLines } from './checkout.js';
import { inWeChat, payQuery, wechatPay } from '../wechat.js';

export function render(view, [id]) {
  let alive = true;
  let timer = 0;

  async function load() {
    put(view, loading());
    if (!(await requireLogin())) return put(view, topbar(), failure(T.loginToSee));
    try {
      const order = await get('/orders/' + id);
      if (alive) show(order);
    } catch (e) {
      if (alive) put(view, topbar(), failure(e.text, load));
    }
  }

  function show(o, note) {
    setTitle(T.orderTitle);
    const status = T.statuses[o.status] || '';
    const a = o.address || {};
    const actions = h('section.actions');
    if (o.status === 'pending_payment') {
      const pay = h('button.btn.block.pay', { type: 'button' }, T.payNow);
      const cancel = h('button.btn.block.ghost.cancel', { type: 'button' }, T.cancelOrder);
      pay.addEventListener('click', async () => {
        pay.disabled = true;
        pay.textContent = T.paying;
        try {
          const r = await post('/orders/' + id + '/pay' + payQuery());
          const client = (r && r.client) || {};
          // WeChat Pay inside WeChat: WeChat's own payment sheet.
          if (client.package && inWeChat()) {
            await wechatPay(client);
            watch(Date.now());
            return;
          }
          // A provider that sends the shopper elsewhere to pay (WeChat Pay's
          // H5 page, Alipay's wap page).
          const url = client.h5_url || client.pay_url || (r && (r.pay_url || r.redirect_url));
          if (typeof url === 'string' && /^(\/[^/]|https:\/\/)/.test(url)) { location.href = url; return; }
          watch(Date.now());
        } catch (e) {
          toast(e.text, 3500);
          pay.disabled = false;
          pay.textContent = T.payNow;
          if (e.code === 'invalid_state') load();
        }
      });
      let armed = false;
      cancel.addEventListener('click', async () => {
        // Two taps: a slip of the thumb never cancels an order.
        if (!armed) {
          armed = true;
          cancel.textContent = T.cancelConfirm;
          setTimeout(() => { armed = false; if (cancel.isConnected) cancel.textContent = T.cancelOrder; }, 4000);
          return;
        }
        cancel.disabled = true;
        try { show(await post('/orders/' + id + '/cancel')); } catch (e) { toast(e.text, 3500); cancel.disabled = false; }
      });
      actions.append(pay, cancel);
    }
    put(view, topbar(),
      h('h1.title', T.orderTitle),
      h('section.card.order-head',
        h('p.sub', fmt(T.orderNo, { id: o.id })),
        h('h2.status', { dataset: { status: o.status } }, status),
        note ? h('p.sub.note', note) : null,
        o.status === 'pending_payment' && o.pay_by
          ? h('p.timer', fmtNodes(T.payBy, { time: countdown(o.pay_by, () => alive && setTimeout(load, 1500)) }))
          : null),
      actions.childElementCount ? actions : null,
      h('section.card.quote', h('h2', T.quoteTitle), quoteLines(o)),
      a.name ? h('section.card.address-view', h('h2', T.address),
        h('p', a.name + ' ' + (a.phone || '')),
        h('p', [a.province, a.city, a.district, a.detail].filter(Boolean).join(' '))) : null,
      o.created_at ? h('p.sub', localDate(o.created_at)) : null);
  }

  // After "pay": look again until the provider's notice has marked it paid.
  async function watch(started) {
    if (!alive) return;
    try {
      const o = await get('/orders/' + id);
      if (!alive) return;
      if (o.status !== 'pending_payment') {
        if (o.status === 'paid') toast(T.paid);
        return show(o);
      }
      show(o, T.payWaiting);
    } catch { /* keep waiting */ }
    if (Date.now() - started < CONFIG.payPollMaxMs) timer = setTimeout(() => watch(started), CONFIG.payPollMs);
  }

  load();
  return () => { alive = false; clearTimeout(timer); };
}
