// points.js — the points exchange's offers (GET/POST /admin/points/offers,
// PATCH /admin/points/offers/{id}): what shoppers may take for their
// points (a coupon, a red packet or a gift), at what cost, with its stock
// and a per-shopper limit; an offer is switched off, never deleted.

import { T } from '../texts.js';
import { h, clear, field, table, yuan, toFen, fenToYuanText, toast } from '../dom.js';
import { hasRole } from '../api.js';

const num = (attrs = {}) => h('input', { type: 'number', inputmode: 'numeric', step: '1', ...attrs });
const money = (attrs = {}) => h('input', { type: 'text', inputmode: 'decimal', ...attrs });
const intOf = (input) => (input.value.trim() === '' ? 0 : Number(input.value));

function gives(o) {
  if (o.kind === 'coupon') {
    // a coupon template (a coupon promotion) or, for older offers, the coupon itself
    return o.coupon ? T.offerGivesCoupon(yuan(o.coupon.amount_fen), yuan(o.coupon.min_spend_fen))
      : T.offerGivesTemplate(o.coupon_promotion_id);
  }
  if (o.kind === 'red_packet') return T.offerGivesRedPacket(yuan(o.red_packet_fen), o.red_packet_days);
  return o.prize;
}

function offerForm(offer, save, close) {
  const o = offer || { kind: 'coupon', per_user: 1, active: true, coupon: {} };
  const c = o.coupon || {};
  const f = {
    title: h('input', { name: 'offer_title', value: o.title || '', maxlength: 100, required: true }),
    cost: num({ name: 'cost_points', value: o.cost_points ?? '', min: 1 }),
    stock: num({ name: 'offer_stock', value: o.stock ?? '', min: 0 }),
    perUser: num({ name: 'per_user', value: o.per_user ?? 1, min: 0 }),
    active: h('input', { type: 'checkbox', name: 'active', checked: o.active }),
    kind: h('select', { name: 'offer_kind', disabled: !!offer },
      Object.entries(T.offerKinds).map(([k, label]) => h('option', { value: k, selected: k === o.kind }, label))),
    template: num({ name: 'offer_coupon_promotion', value: o.coupon_promotion_id ?? '', min: 1 }),
    amount: money({ name: 'offer_coupon_amount', value: fenToYuanText(c.amount_fen) }),
    minSpend: money({ name: 'offer_coupon_min_spend', value: fenToYuanText(c.min_spend_fen) }),
    days: num({ name: 'offer_coupon_days', value: c.valid_days ?? 30, min: 1 }),
    packet: money({ name: 'offer_red_packet', value: fenToYuanText(o.red_packet_fen) }),
    packetDays: num({ name: 'offer_red_packet_days', value: o.red_packet_days ?? 7, min: 1, max: 365 }),
    prize: h('input', { name: 'offer_prize', value: o.prize || '', maxlength: 200 }),
  };
  const kindBox = h('div', { class: 'coupon-row' });
  const draw = () => clear(kindBox, f.kind.value === 'coupon'
    ? [field(T.couponTemplate, f.template, T.couponTemplateHint), field(T.couponAmount, f.amount),
      field(T.couponMinSpend, f.minSpend), field(T.couponDays, f.days)]
    : f.kind.value === 'red_packet' ? [field(T.redPacketFen, f.packet), field(T.redPacketDays, f.packetDays)]
      : field(T.prize, f.prize));
  f.kind.addEventListener('change', draw);
  draw();
  const error = h('p', { class: 'error', role: 'alert' });
  const submit = h('button', { type: 'submit', class: 'primary', id: 'save-offer' }, T.save);
  return h('form', {
    class: 'panel offer-form',
    onsubmit: async (e) => {
      e.preventDefault();
      error.textContent = '';
      const body = { title: f.title.value.trim(), cost_points: intOf(f.cost), stock: intOf(f.stock), per_user: intOf(f.perUser), active: f.active.checked };
      if (f.kind.value === 'coupon' && f.template.value.trim() !== '') body.coupon_promotion_id = intOf(f.template);
      else if (f.kind.value === 'coupon') body.coupon = { title: f.title.value.trim(), amount_fen: toFen(f.amount.value), min_spend_fen: toFen(f.minSpend.value) ?? 0, valid_days: intOf(f.days) };
      else if (f.kind.value === 'red_packet') { body.red_packet_fen = toFen(f.packet.value); body.red_packet_days = intOf(f.packetDays); }
      else body.prize = f.prize.value.trim();
      submit.disabled = true;
      try { await save(body); } catch (err) { error.textContent = err.message; submit.disabled = false; }
    },
  },
  h('h2', {}, offer ? T.editOffer(offer.title) : T.newOffer),
  h('div', { class: 'coupon-row' }, field(T.offerTitle, f.title), field(T.costPointsOffer, f.cost), field(T.offerStock, f.stock, offer ? T.offerStockHint : null),
    field(T.perUser, f.perUser, T.perUserHint), h('label', { class: 'check' }, f.active, ' ', T.offerActive)),
  field(T.offerKind, f.kind), kindBox, error,
  h('div', { class: 'form-foot' }, submit, h('button', { type: 'button', class: 'secondary', onclick: close }, T.cancel)));
}

export function mount(main, { api }) {
  const error = h('p', { class: 'error', role: 'alert' });
  const listBox = h('div', {}, T.loading);
  const editorBox = h('div', {});
  clear(main, h('header', { class: 'page-head' }, h('h1', {}, T.pointsTitle),
    hasRole('operator') ? h('button', { type: 'button', class: 'primary', id: 'new-offer', onclick: () => edit(null) }, T.newOffer) : null),
  error, listBox, editorBox);

  function edit(offer) {
    clear(editorBox, offerForm(offer, async (body) => {
      if (offer) await api.patch('/admin/points/offers/' + offer.id, body);
      else await api.post('/admin/points/offers', body);
      toast(T.saved);
      clear(editorBox);
      load();
    }, () => clear(editorBox)));
  }

  async function load() {
    try {
      const j = await api.get('/admin/points/offers');
      clear(listBox, table([
        { title: 'ID', cell: (o) => String(o.id) },
        { title: T.offerTitle, key: 'title', cell: (o) => o.title },
        { title: T.offerKind, cell: (o) => T.offerKinds[o.kind] || o.kind },
        { title: T.offerGives, cell: gives },
        { title: T.costPointsOffer, key: 'cost_points', cell: (o) => String(o.cost_points) },
        { title: T.offerStockLeft, key: 'stock_left', cell: (o) => `${o.stock_left} / ${o.stock}` },
        { title: T.perUser, cell: (o) => (o.per_user ? String(o.per_user) : T.unlimited) },
        { title: T.status, cell: (o) => h('span', { class: 'badge ' + (o.active ? 'ok' : '') }, o.active ? T.offerOn : T.offerOff) },
        { title: T.actions, cell: (o) => (hasRole('operator') ? h('button', { type: 'button', class: 'secondary', onclick: () => edit(o) }, T.edit) : '') },
      ], j.items, { empty: T.offersEmpty }));
    } catch (err) { clear(listBox); error.textContent = err.message; }
  }
  load();
}
