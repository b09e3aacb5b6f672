// orders.js — orders (filter by status, campaign, date, phone; ship with
// carrier and tracking number; refund) and prizes to fulfil. The buttons
// follow the admin's roles; the API decides.

import { T } from '../texts.js';
import { h, clear, table, yuan, when, toast } from '../dom.js';
import { hasRole, qs } from '../api.js';

export function mount(main, { name, api }) {
  return name === 'prizes' ? prizes(main, api) : orders(main, api);
}

function orders(main, api) {
  const status = h('select', { name: 'status' }, Object.entries(T.orderStatus).map(([k, v]) => h('option', { value: k }, v)));
  const campaign = h('select', { name: 'campaign_id' }, h('option', { value: '' }, T.allCampaigns));
  const from = h('input', { type: 'date', name: 'from' });
  const to = h('input', { type: 'date', name: 'to' });
  const phone = h('input', { name: 'phone', inputmode: 'numeric', maxlength: 11, placeholder: T.phone });
  const error = h('p', { class: 'error', role: 'alert' });
  const body = h('div', {});
  const moreButton = h('button', { type: 'button', class: 'secondary', hidden: true }, T.more);
  let rows = [];
  let cursor = null;

  const shipForm = (o) => {
    const carrier = h('input', { name: 'carrier', maxlength: 50, placeholder: T.carrier });
    const tracking = h('input', { name: 'tracking_no', maxlength: 64, placeholder: T.trackingNo });
    const note = h('span', { class: 'error' });
    return h('form', {
      class: 'ship-form',
      onsubmit: async (e) => {
        e.preventDefault();
        try {
          const updated = await api.post(`/admin/orders/${o.id}/ship`, { carrier: carrier.value.trim(), tracking_no: tracking.value.trim() });
          replace(updated);
          toast(T.orderShipped);
        } catch (err) { note.textContent = err.message; }
      },
    }, carrier, tracking, h('button', { type: 'submit', class: 'primary small' }, T.ship), note);
  };

  const refundButton = (o) => h('button', {
    type: 'button',
    class: 'danger small refund',
    onclick: async () => {
      if (!confirm(T.refundConfirm(o.id, yuan(o.total_fen)))) return;
      try {
        replace(await api.post(`/admin/orders/${o.id}/refund`, {}));
        toast(T.orderRefunded);
      } catch (err) { error.textContent = err.message; }
    },
  }, T.refund);

  function replace(updated) {
    rows = rows.map((o) => (o.id === updated.id ? updated : o));
    draw();
  }

  function draw() {
    const canShip = hasRole('fulfilment');
    clear(body, table([
      { title: T.orderId, cell: (o) => String(o.id) },
      { title: T.campaign, cell: (o) => o.campaign_title },
      { title: T.lines, cell: (o) => o.lines.map((l) => h('div', {}, `${l.name} ×${l.qty}`)) },
      { title: T.amount, cell: (o) => yuan(o.total_fen) },
      { title: T.buyer, cell: (o) => o.user_phone },
      { title: T.recipient, cell: (o) => h('div', {}, `${o.address.name} ${o.address.phone}`, h('br'), `${o.address.province}${o.address.city}${o.address.district}${o.address.detail || ''}`) },
      { title: T.status, key: 'status', cell: (o) => h('span', { class: 'badge ' + o.status }, T.orderStatus[o.status] || o.status, o.carrier ? h('small', {}, ' ', T.shipped(o.carrier, o.tracking_no)) : null) },
      { title: T.createdAt, cell: (o) => when(o.created_at) },
      { title: T.actions, cell: (o) => h('div', { class: 'row-actions', 'data-order': String(o.id) },
        canShip && o.status === 'paid' ? shipForm(o) : null,
        canShip && (o.status === 'paid' || o.status === 'shipped') ? refundButton(o) : null) },
    ], rows, { empty: T.none }));
    moreButton.hidden = !cursor;
  }

  async function load(more) {
    error.textContent = '';
    try {
      const j = await api.get('/admin/orders' + qs({ status: status.value, campaign_id: campaign.value, from: from.value, to: to.value, phone: phone.value.trim(), limit: 50, cursor: more ? cursor : '' }));
      rows = more ? rows.concat(j.items) : j.items;
      cursor = j.next_cursor;
      draw();
    } catch (err) { error.textContent = err.message; }
  }
  moreButton.addEventListener('click', () => load(true));

  clear(main, h('header', { class: 'page-head' }, h('h1', {}, T.ordersTitle)),
    h('form', { class: 'filters', onsubmit: (e) => { e.preventDefault(); load(false); } },
      status, campaign, h('label', { class: 'inline' }, T.from, ' ', from), h('label', { class: 'inline' }, T.to, ' ', to), phone,
      h('button', { type: 'submit', class: 'primary' }, T.search)),
    error, body, moreButton);
  api.get('/admin/campaigns?limit=100').then((list) => {
    campaign.append(...list.items.map((c) => h('option', { value: String(c.id) }, `${c.id} · ${c.title}`)));
  }).catch(() => {});
  load(false);
}

function prizes(main, api) {
  const status = h('select', { name: 'status' }, Object.entries(T.prizeStatus).map(([k, v]) => h('option', { value: k }, v)));
  const error = h('p', { class: 'error', role: 'alert' });
  const body = h('div', {});
  async function load() {
    error.textContent = '';
    try {
      const j = await api.get('/admin/prizes' + qs({ status: status.value, limit: 100 }));
      clear(body, table([
        { title: 'ID', cell: (p) => String(p.id) },
        { title: T.prizeTitle, cell: (p) => p.title },
        { title: T.campaign, cell: (p) => p.campaign_title },
        { title: T.winner, cell: (p) => p.user_phone },
        { title: T.createdAt, cell: (p) => when(p.created_at) },
        { title: T.status, cell: (p) => h('span', {}, T.prizeStatus[p.status], p.note ? h('small', {}, ' ', p.note) : null) },
        { title: T.actions, cell: (p) => (p.status === 'pending' && hasRole('fulfilment') ? fulfilForm(p) : null) },
      ], j.items, { empty: T.none }));
    } catch (err) { error.textContent = err.message; }
  }
  const fulfilForm = (p) => {
    const note = h('input', { maxlength: 200, placeholder: T.fulfilNote });
    return h('form', {
      class: 'inline-form',
      onsubmit: async (e) => {
        e.preventDefault();
        try { await api.post(`/admin/prizes/${p.id}/fulfil`, { note: note.value.trim() || null }); load(); } catch (err) { error.textContent = err.message; }
      },
    }, note, h('button', { type: 'submit', class: 'primary small' }, T.fulfil));
  };
  status.addEventListener('change', load);
  clear(main, h('header', { class: 'page-head' }, h('h1', {}, T.prizesTitle), status), error, body);
  load();
}
