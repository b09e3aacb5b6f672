// campaigns.js — the campaign list, and the editor of a campaign and its
// items (rules, rewards, stock) with the exact-cut plan previewed as a
// chart by the API's own cut_plan_make (POST /admin/cut-plan/preview).
// Validation is the API's: its message is shown as it comes.

import { T } from '../texts.js';
import { h, clear, field, table, when, yuan, toFen, fenToYuanText, toLocalInput, fromLocalInput, toast } from '../dom.js';
import { hasRole } from '../api.js';
import { chart } from '../charts.js';

export function mount(main, { args, api }) {
  if (args[0] === 'new') return editor(main, api, null);
  if (args[0]) return editor(main, api, Number(args[0]));
  return list(main, api);
}

async function list(main, api) {
  const body = h('div', {}, T.loading);
  clear(main, h('header', { class: 'page-head' }, h('h1', {}, T.campaignsTitle),
    hasRole('operator') ? h('a', { class: 'button primary', href: '#/campaigns/new', id: 'new-campaign' }, T.newCampaign) : null), body);
  try {
    const j = await api.get('/admin/campaigns?limit=100');
    clear(body, table([
      { title: 'ID', cell: (c) => String(c.id) },
      { title: T.campaignTitle, key: 'title', cell: (c) => h('span', { class: 'campaign-title' }, c.title) },
      { title: T.startsAt, cell: (c) => when(c.starts_at) },
      { title: T.endsAt, cell: (c) => when(c.ends_at) },
      { title: T.status, cell: (c) => h('span', { class: 'badge ' + c.status }, T.campaignStatus[c.status] || c.status) },
      { title: T.items, cell: (c) => c.items.map((i) => h('div', {}, i.name, ' · ', T.stockNow(i.stock_left, i.stock_reserved, i.stock_sold, i.stock_total))) },
      { title: T.actions, cell: (c) => h('span', { class: 'row-actions' },
        h('a', { href: '#/dashboard/' + c.id }, T.dashboard),
        h('a', { href: '#/promotions/' + c.id, 'data-action': 'promotions' }, T.promotionsNav),
        hasRole('operator') ? h('a', { href: '#/campaigns/' + c.id }, T.edit) : null) },
    ], j.items, { empty: T.none }));
  } catch (err) {
    clear(body, h('p', { class: 'error' }, err.message));
  }
}

// ------------------------------------------------------------- the editor

const num = (attrs = {}) => h('input', { type: 'number', inputmode: 'numeric', step: '1', ...attrs });
const money = (attrs = {}) => h('input', { type: 'text', inputmode: 'decimal', ...attrs });
const intOrNull = (input) => (input.value.trim() === '' ? null : Number(input.value));

function couponInputs(coupon) {
  const c = coupon || {};
  return {
    title: h('input', { value: c.title || '', maxlength: 100, placeholder: T.couponTitle }),
    amount: money({ value: fenToYuanText(c.amount_fen), placeholder: T.couponAmount }),
    minSpend: money({ value: fenToYuanText(c.min_spend_fen), placeholder: T.couponMinSpend }),
    days: num({ value: c.valid_days ?? '', placeholder: T.couponDays, min: 1 }),
  };
}
function couponValue(inputs) {
  if (!inputs.title.value.trim() && !inputs.amount.value.trim()) return null;
  const coupon = { title: inputs.title.value.trim(), amount_fen: toFen(inputs.amount.value) };
  const minSpend = toFen(inputs.minSpend.value);
  if (minSpend !== null) coupon.min_spend_fen = minSpend;
  if (inputs.days.value.trim()) coupon.valid_days = Number(inputs.days.value);
  return coupon;
}
const couponRow = (inputs) => h('div', { class: 'coupon-row' },
  field(T.couponTitle, inputs.title), field(T.couponAmount, inputs.amount), field(T.couponMinSpend, inputs.minSpend), field(T.couponDays, inputs.days));

function itemEditor(api, item, index, onRemove) {
  const isNew = !item || !item.id;
  const it = item || { rules: { cut_min_fen: 100, cut_max_fen: 5000, self_cuts_per_day: 3, helps_per_user_per_day: 3, bargains_per_user: 1, bargain_ttl_s: 86400, pay_within_s: 1800 }, rewards: {} };
  const r = it.rules || {};
  const f = {
    name: h('input', { name: 'name', value: it.name || '', maxlength: 100, required: true }),
    images: h('textarea', { name: 'images', rows: 2 }, (it.images || []).join('\n')),
    price: money({ name: 'original_price', value: fenToYuanText(it.original_price_fen) }),
    floor: money({ name: 'floor_price', value: fenToYuanText(it.floor_price_fen) }),
    stock: num({ name: isNew ? 'stock' : 'stock_delta', value: isNew ? (it.stock ?? 100) : '', min: isNew ? 0 : null }),
    cutMin: money({ name: 'cut_min', value: fenToYuanText(r.cut_min_fen) }),
    cutMax: money({ name: 'cut_max', value: fenToYuanText(r.cut_max_fen) }),
    target: num({ name: 'target_cuts', value: r.target_cuts ?? '', min: 1, max: 500 }),
    selfPerDay: num({ name: 'self_cuts_per_day', value: r.self_cuts_per_day ?? 3, min: 1 }),
    helpsPerDay: num({ name: 'helps_per_user_per_day', value: r.helps_per_user_per_day ?? 3, min: 1 }),
    perUser: num({ name: 'bargains_per_user', value: r.bargains_per_user ?? 1, min: 1 }),
    helpsCap: num({ name: 'helps_per_bargain', value: r.helps_per_bargain ?? '', min: 1 }),
    ttlHours: num({ name: 'bargain_ttl_h', value: r.bargain_ttl_s ? r.bargain_ttl_s / 3600 : 24, min: 1 }),
    payMinutes: num({ name: 'pay_within_min', value: r.pay_within_s ? r.pay_within_s / 60 : 30, min: 1 }),
  };
  const rewards = it.rewards || {};
  const milestones = h('div', { class: 'milestones' });
  const milestoneInputs = [];
  const addMilestone = (m) => {
    const row = { helpers: num({ value: m ? m.helpers : '', min: 1, placeholder: T.helpersAt }), coupon: couponInputs(m && m.coupon), prize: h('input', { value: (m && m.prize) || '', maxlength: 200 }) };
    milestoneInputs.push(row);
    const node = h('fieldset', { class: 'milestone' }, field(T.helpersAt, row.helpers), couponRow(row.coupon), field(T.prize, row.prize),
      h('button', { type: 'button', class: 'link', onclick: () => { node.remove(); milestoneInputs.splice(milestoneInputs.indexOf(row), 1); } }, T.remove));
    milestones.append(node);
  };
  (rewards.initiator || []).forEach(addMilestone);
  const helperCoupon = couponInputs(rewards.helper && rewards.helper.coupon);
  const ranks = h('div', { class: 'ranks' });
  const rankInputs = [];
  const addRank = (x) => {
    const row = { rank: num({ value: x ? x.rank : rankInputs.length + 1, min: 1 }), prize: h('input', { value: (x && x.prize) || '', maxlength: 200 }) };
    rankInputs.push(row);
    const node = h('div', { class: 'rank-row' }, field(T.rank, row.rank), field(T.prize, row.prize),
      h('button', { type: 'button', class: 'link', onclick: () => { node.remove(); rankInputs.splice(rankInputs.indexOf(row), 1); } }, T.remove));
    ranks.append(node);
  };
  (rewards.leaderboard || []).forEach(addRank);

  // The plan preview: redrawn as the numbers change, before saving.
  const plan = chart('bar', { height: 200 });
  const planNote = h('p', { class: 'muted plan-note' }, T.planNeedsExact);
  let timer = null;
  async function preview() {
    const body = {
      original_price_fen: toFen(f.price.value), floor_price_fen: toFen(f.floor.value),
      cut_min_fen: toFen(f.cutMin.value), cut_max_fen: toFen(f.cutMax.value), target_cuts: intOrNull(f.target),
    };
    if (Object.values(body).some((v) => v === null || Number.isNaN(v))) {
      planNote.textContent = T.planNeedsExact;
      planNote.className = 'muted plan-note';
      plan.node.hidden = true;
      return;
    }
    try {
      const j = await api.post('/admin/cut-plan/preview', body);
      planNote.textContent = T.planPreviewTitle(j.cuts, yuan(j.total_fen));
      planNote.className = 'muted plan-note';
      plan.node.hidden = false;
      plan.update(j.plan.map((_, i) => String(i + 1)), [{ label: T.originalPrice, data: j.plan.map((x) => x / 100) }]);
    } catch (err) {
      planNote.textContent = err.message;
      planNote.className = 'error plan-note';
      plan.node.hidden = true;
    }
  }
  const schedule = () => { clearTimeout(timer); timer = setTimeout(preview, 300); };
  for (const input of [f.price, f.floor, f.cutMin, f.cutMax, f.target]) input.addEventListener('input', schedule);
  plan.node.hidden = true;
  if (r.target_cuts) schedule();

  const node = h('section', { class: 'item-editor', 'data-index': String(index) },
    h('header', {}, h('h3', {}, T.itemN(index + 1), it.id ? ` · ID ${it.id}` : ''),
      isNew && onRemove ? h('button', { type: 'button', class: 'link', onclick: () => onRemove(node) }, T.removeItem) : null),
    h('div', { class: 'grid' },
      field(T.itemName, f.name), field(T.originalPrice, f.price), field(T.floorPrice, f.floor),
      isNew ? field(T.stock, f.stock) : field(T.stockDelta, f.stock, T.stockNow(it.stock_left, it.stock_reserved, it.stock_sold, it.stock_total))),
    field(T.images, f.images),
    h('h4', {}, T.rules),
    h('div', { class: 'grid' },
      field(T.cutMin, f.cutMin), field(T.cutMax, f.cutMax), field(T.targetCuts, f.target),
      field(T.selfCutsPerDay, f.selfPerDay), field(T.helpsPerUserPerDay, f.helpsPerDay), field(T.bargainsPerUser, f.perUser),
      field(T.helpsPerBargain, f.helpsCap), field(T.bargainTtl, f.ttlHours), field(T.payWithin, f.payMinutes)),
    h('div', { class: 'plan' }, h('button', { type: 'button', class: 'secondary preview', onclick: preview }, T.previewPlan), planNote, plan.node),
    h('h4', {}, T.rewards),
    h('p', { class: 'sub' }, T.initiatorRewards), milestones,
    h('button', { type: 'button', class: 'secondary', onclick: () => addMilestone(null) }, T.addMilestone),
    h('p', { class: 'sub' }, T.helperReward), couponRow(helperCoupon),
    h('p', { class: 'sub' }, T.leaderboardRewards), ranks,
    h('button', { type: 'button', class: 'secondary', onclick: () => addRank(null) }, T.addRank));

  function value() {
    const rules = {
      cut_min_fen: toFen(f.cutMin.value), cut_max_fen: toFen(f.cutMax.value), target_cuts: intOrNull(f.target),
      self_cuts_per_day: intOrNull(f.selfPerDay), helps_per_user_per_day: intOrNull(f.helpsPerDay),
      bargains_per_user: intOrNull(f.perUser), helps_per_bargain: intOrNull(f.helpsCap),
      bargain_ttl_s: f.ttlHours.value.trim() ? Math.round(Number(f.ttlHours.value) * 3600) : null,
      pay_within_s: f.payMinutes.value.trim() ? Math.round(Number(f.payMinutes.value) * 60) : null,
    };
    for (const k of ['self_cuts_per_day', 'helps_per_user_per_day', 'bargains_per_user', 'bargain_ttl_s', 'pay_within_s']) if (rules[k] === null) delete rules[k];
    const helper = couponValue(helperCoupon);
    const out = {
      name: f.name.value.trim(),
      images: f.images.value.split('\n').map((s) => s.trim()).filter(Boolean),
      original_price_fen: toFen(f.price.value),
      floor_price_fen: toFen(f.floor.value),
      rules,
      rewards: {
        initiator: milestoneInputs.map((m) => {
          const x = { helpers: intOrNull(m.helpers) };
          const coupon = couponValue(m.coupon);
          if (coupon) x.coupon = coupon;
          if (m.prize.value.trim()) x.prize = m.prize.value.trim();
          return x;
        }),
        helper: helper ? { coupon: helper } : null,
        leaderboard: rankInputs.map((x) => ({ rank: intOrNull(x.rank), prize: x.prize.value.trim() })),
      },
    };
    const stock = intOrNull(f.stock);
    if (isNew) out.stock = stock;
    else if (stock) out.stock_delta = stock;
    for (const k of ['original_price_fen', 'floor_price_fen']) if (Number.isNaN(out[k])) out[k] = -1; // the API names the field
    return out;
  }
  return { node, value, isNew, id: it.id };
}

async function editor(main, api, id) {
  const error = h('p', { class: 'error', role: 'alert' });
  const title = h('input', { name: 'title', maxlength: 100, required: true });
  const starts = h('input', { name: 'starts_at', type: 'datetime-local' });
  const ends = h('input', { name: 'ends_at', type: 'datetime-local' });
  const itemsBox = h('div', { class: 'items' });
  const editors = [];
  const save = h('button', { type: 'submit', class: 'primary', id: 'save-campaign' }, T.save);
  let campaign = null;

  const addItem = (item) => {
    const ed = itemEditor(api, item, editors.length, (node) => { node.remove(); editors.splice(editors.indexOf(ed), 1); });
    editors.push(ed);
    itemsBox.append(ed.node);
  };

  clear(main, h('header', { class: 'page-head' }, h('h1', {}, id ? T.editCampaign : T.newCampaign)),
    h('form', {
      class: 'campaign-form',
      novalidate: true,
      onsubmit: async (e) => {
        e.preventDefault();
        error.textContent = '';
        save.disabled = true;
        save.textContent = T.saving;
        try {
          const head = { title: title.value.trim(), starts_at: fromLocalInput(starts.value), ends_at: fromLocalInput(ends.value) };
          if (!head.starts_at || !head.ends_at) throw new Error(T.fieldRequired(T.startsAt + '、' + T.endsAt));
          let savedId = id;
          if (!id) {
            const created = await api.post('/admin/campaigns', { ...head, items: editors.map((ed) => ed.value()) });
            savedId = created.id;
          } else {
            await api.patch('/admin/campaigns/' + id, head);
            for (const ed of editors) {
              if (ed.isNew) await api.post(`/admin/campaigns/${id}/items`, ed.value());
              else await api.patch('/admin/items/' + ed.id, ed.value());
            }
          }
          toast(T.campaignSaved);
          location.hash = '#/dashboard/' + savedId;
        } catch (err) {
          error.textContent = err.message;
          save.disabled = false;
          save.textContent = T.save;
        }
      },
    },
    h('div', { class: 'grid' }, field(T.campaignTitle, title), field(T.startsAt, starts), field(T.endsAt, ends)),
    h('h2', {}, T.items), itemsBox,
    h('button', { type: 'button', class: 'secondary', id: 'add-item', onclick: () => addItem(null) }, T.addItem),
    h('div', { class: 'form-foot' }, error, save, h('a', { class: 'button', href: '#/campaigns' }, T.cancel))));

  if (id) {
    try {
      campaign = await api.get('/admin/campaigns/' + id);
      title.value = campaign.title;
      starts.value = toLocalInput(campaign.starts_at);
      ends.value = toLocalInput(campaign.ends_at);
      campaign.items.forEach(addItem);
    } catch (err) {
      error.textContent = err.message;
    }
  } else {
    const now = new Date();
    starts.value = toLocalInput(now.toISOString());
    ends.value = toLocalInput(new Date(now.getTime() + 7 * 86400000).toISOString());
    addItem(null);
  }
}
