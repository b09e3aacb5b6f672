// promotions.js — a campaign's promotions (issue 14, API.md "Promotions
// (admin)"): the list with what each one served (used.count orders,
// used.subsidy_fen), the campaign's subsidy budget against what is spent,
// a form per kind of API.md's table checked as the admin types (the API's
// 422 invalid_promotion shown beside the field its message names), and a
// preview: the API's own quote (POST /api/v1/cart/quote) of a cart, priced
// for a real shopper account the admin signs in here.
//
// The forms know every kind of the contract, whether or not the server
// serves it yet: a kind it does not know comes back as its 422 on "kind".

import { T } from '../texts.js';
import { h, clear, field, table, when, yuan, toFen, fenToYuanText, toLocalInput, fromLocalInput, toast } from '../dom.js';
import { hasRole } from '../api.js';

export const KINDS = ['timed_discount', 'full_reduction', 'coupon', 'gift', 'presale', 'member_price', 'first_order',
  'points_cash', 'addon', 'bundle', 'share_reward'];

const INT32_MAX = 2147483647;
const TITLE_CHARS_MAX = 100;
const ROWS_MAX = 20;

export function mount(main, { args, api }) {
  const campaignId = Number(args[0]) || null;
  const picker = h('select', { id: 'promotion-campaign', onchange: () => { location.hash = '#/promotions/' + picker.value; } });
  const heading = h('h1', {}, T.nav.promotions);
  const error = h('p', { class: 'error', role: 'alert' });
  const budgetBox = h('section', { class: 'panel budget', id: 'budget' });
  const listBox = h('div', { class: 'promotion-list' });
  const editorBox = h('div', { class: 'promotion-editor-box' });
  const previewBox = h('section', { class: 'panel preview', id: 'preview' });
  const newButton = hasRole('operator')
    ? h('button', { type: 'button', class: 'primary', id: 'new-promotion', disabled: true, onclick: () => openEditor(null) }, T.newPromotion)
    : null;
  clear(main, h('header', { class: 'page-head' }, heading, h('label', { class: 'inline' }, T.pickCampaign, ' ', picker)),
    error, budgetBox, h('div', { class: 'page-head' }, h('h2', {}, T.nav.promotions), newButton), editorBox, listBox, previewBox);

  const ctx = { api, campaign: null, promotions: [], reload: load };

  function openEditor(promotion) {
    clear(editorBox, editor(ctx, promotion, () => { clear(editorBox); load(); }, () => clear(editorBox)));
    editorBox.scrollIntoView({ block: 'start' });
  }

  async function load() {
    if (!ctx.campaign) return;
    try {
      const j = await api.get(`/admin/campaigns/${ctx.campaign.id}/promotions`);
      ctx.promotions = j.items;
      drawList();
      drawBudget();
    } catch (err) { error.textContent = err.message; }
  }

  function drawList() {
    const itemName = (id) => (ctx.campaign.items.find((i) => i.id === id) || { name: '#' + id }).name;
    clear(listBox, table([
      { title: 'ID', cell: (p) => String(p.id) },
      { title: T.promotionKind, key: 'kind', cell: (p) => T.promotionKinds[p.kind] || p.kind },
      { title: T.promotionTitle, key: 'title', cell: (p) => h('span', { class: 'promotion-title' }, p.title) },
      { title: T.window, cell: (p) => `${when(p.starts_at)} – ${when(p.ends_at)}` },
      { title: T.status, key: 'enabled', cell: (p) => h('span', { class: 'badge ' + (p.enabled ? 'ok' : '') }, T.enabledState[p.enabled]) },
      { title: T.used, key: 'used', cell: (p) => T.usedOrders(p.used.count) },
      { title: T.subsidy, key: 'subsidy', cell: (p) => yuan(p.used.subsidy_fen) },
      { title: T.limits, cell: (p) => T.limitsText(p.limits.total, p.limits.per_user) },
      { title: '', cell: (p) => summary(p, itemName) },
      {
        title: T.actions,
        cell: (p) => (hasRole('operator') ? h('span', { class: 'row-actions' },
          h('button', { type: 'button', class: 'link', 'data-action': 'edit', onclick: () => openEditor(p) }, T.edit),
          h('button', { type: 'button', class: 'link', 'data-action': 'toggle', onclick: () => toggle(p) }, p.enabled ? T.disable : T.enable),
          h('button', { type: 'button', class: 'link danger', 'data-action': 'delete', onclick: () => remove(p) }, T.remove)) : null),
      },
    ], ctx.promotions, { empty: T.promotionsEmpty }));
    for (const [i, row] of listBox.querySelectorAll('tbody tr').entries()) if (ctx.promotions[i]) row.dataset.promotion = String(ctx.promotions[i].id);
  }

  async function toggle(p) {
    error.textContent = '';
    try { await api.patch('/admin/promotions/' + p.id, { enabled: !p.enabled }); load(); } catch (err) { error.textContent = err.message; }
  }

  async function remove(p) {
    if (!confirm(T.deletePromotionConfirm(p.title))) return;
    error.textContent = '';
    try {
      await api.del('/admin/promotions/' + p.id);
    } catch (err) {
      if (err.code === 'in_use') toast(T.promotionDisabledInUse);
      else error.textContent = err.message;
    }
    load();
  }

  function drawBudget() {
    const spent = ctx.promotions.reduce((sum, p) => sum + (p.used.subsidy_fen || 0), 0);
    const budget = ctx.campaign.subsidy_budget_fen ?? null;
    const input = h('input', { name: 'subsidy_budget', inputmode: 'decimal', value: fenToYuanText(budget) });
    const message = h('small', { class: 'field-error', role: 'alert' });
    const save = h('button', { type: 'submit', class: 'secondary' }, T.budgetSave);
    const checkBudget = () => {
      const fen = toFen(input.value);
      message.textContent = Number.isNaN(fen) ? T.check.money : '';
      save.disabled = Number.isNaN(fen);
    };
    input.addEventListener('input', checkBudget);
    clear(budgetBox, h('h2', {}, T.budgetTitle),
      h('p', { class: 'budget-now' },
        h('span', { 'data-testid': 'budget-spent' }, T.budgetSpent(yuan(spent))), ' · ',
        h('span', { 'data-testid': 'budget-left' }, budget === null ? T.budgetUnlimited : T.budgetLeft(yuan(budget - spent)))),
      hasRole('operator') ? h('form', {
        class: 'inline-form',
        onsubmit: async (e) => {
          e.preventDefault();
          message.textContent = '';
          try {
            ctx.campaign = await api.patch('/admin/campaigns/' + ctx.campaign.id, { subsidy_budget_fen: toFen(input.value) });
            toast(T.budgetSaved);
            drawBudget();
          } catch (err) { message.textContent = err.message; }
        },
      }, h('label', { class: 'field' }, h('span', { class: 'label' }, T.budgetFen), input, message), save) : null);
  }

  (async () => {
    try {
      const list = await api.get('/admin/campaigns?limit=100');
      const id = campaignId || (list.items[0] && list.items[0].id);
      clear(picker, list.items.map((c) => h('option', { value: String(c.id), selected: c.id === id }, `${c.id} · ${c.title}`)));
      if (!id) { error.textContent = T.none; return; }
      ctx.campaign = await api.get('/admin/campaigns/' + id);
      heading.textContent = T.promotionsTitle(ctx.campaign.title);
      clear(previewBox, preview(ctx));
      await load();
      if (newButton) newButton.disabled = false; // the forms need the campaign's items
    } catch (err) { error.textContent = err.message; }
  })();
}

// One line saying what a promotion does, from its config.
function summary(p, itemName) {
  const c = p.config || {};
  const money = (fen) => yuan(fen || 0);
  switch (p.kind) {
    case 'timed_discount':
      return (c.items || []).map((x) => `${itemName(x.item_id)} ${x.percent ? x.percent + '%' : money(x.price_fen)}`).join('；');
    case 'full_reduction':
      return (c.tiers || []).map((t) => T.tierText(yuan(t.threshold_fen), yuan(t.off_fen))).join('，') + (c.repeat ? ' ×' : '');
    case 'gift':
      return (c.gifts || []).map((g) => `${g.name}（${g.stock}）`).join('，');
    case 'coupon':
      return `${money(c.amount_fen)} / ${money(c.min_spend_fen)}`;
    case 'presale':
      return `${itemName(c.item_id)} ${money(c.deposit_fen)} → ${money(c.deposit_value_fen)}`;
    case 'bundle':
      return (c.items || []).map((x) => `${itemName(x.item_id)}×${x.qty}`).join('+') + ' = ' + money(c.price_fen);
    default:
      return '';
  }
}

// ------------------------------------------------------------------ forms

// Inputs checked as they change: each has a check returning a message or
// null, shown beside it; a message of the API's 422 stays beside its field
// until that field changes.
class Checks {
  constructor(onChange) {
    this.entries = [];
    this.onChange = onChange;
  }

  // A labelled input at path (the API's name of the field, rows share
  // theirs: "config.tiers.off_fen"); check() is run on every change.
  field(label, input, path, check, hint) {
    const error = h('small', { class: 'field-error', role: 'alert', 'data-error-for': path });
    input.dataset.path = path;
    const node = h('label', { class: 'field', 'data-path': path }, h('span', { class: 'label' }, label), input, hint || null, error);
    this.entries.push({ input, path, check: check || (() => null), error, node, server: null, touched: false });
    const changed = () => {
      for (const e of this.entries) if (e.input === input) { e.server = null; e.touched = true; }
      this.onChange();
    };
    input.addEventListener('input', changed);
    input.addEventListener('change', changed);
    return node;
  }

  // A box for messages about a whole group (rows, a choice of items).
  group(path, ...children) {
    const error = h('small', { class: 'field-error', role: 'alert', 'data-error-for': path });
    const node = h('div', { class: 'group', 'data-path': path }, children, error);
    return { node, error };
  }

  // Runs every check; returns how many fields are wrong. A message shows
  // once its field was touched, or everywhere after a try to save (all).
  run(all = false) {
    if (all) this.all = true;
    let bad = 0;
    for (const e of this.entries) {
      if (!e.input.isConnected) continue;
      const message = e.server || e.check();
      const shown = message && (e.touched || this.all || e.server) ? message : null;
      e.error.textContent = shown || '';
      e.input.classList.toggle('invalid', !!shown);
      if (shown) e.input.setAttribute('aria-invalid', 'true');
      else e.input.removeAttribute('aria-invalid');
      if (message) bad += 1;
    }
    return bad;
  }

  // The API's 422: its message names a field ("config.tiers.off_fen 不正确。"):
  // shown beside the first input of that path, or of the nearest enclosing
  // one; returns false when the form has no such field.
  server(message, root) {
    const path = String(message).split(/[\s：:]/)[0];
    const parts = path.split('.');
    for (let n = parts.length; n > 0; n--) {
      const at = parts.slice(0, n).join('.');
      const entry = this.entries.find((e) => e.path === at && e.input.isConnected);
      if (entry) {
        entry.server = message;
        this.run();
        entry.input.focus();
        return true;
      }
      const group = root.querySelector(`[data-error-for="${CSS.escape(at)}"]`);
      if (group) {
        group.textContent = message;
        return true;
      }
    }
    return false;
  }
}

// Value checks: each returns a message or null.
const need = (v) => (String(v).trim() === '' ? T.check.required : null);
function moneyCheck(input, { required = true, positive = false } = {}) {
  return () => {
    const fen = toFen(input.value);
    if (fen === null) return required ? T.check.required : null;
    if (Number.isNaN(fen)) return T.check.money;
    if (positive && fen <= 0) return T.check.positiveMoney;
    return null;
  };
}
function intCheck(input, lo, hi, { required = true } = {}) {
  return () => {
    const s = input.value.trim();
    if (s === '') return required ? T.check.required : null;
    if (!/^\d+$/.test(s)) return T.check.int;
    const n = Number(s);
    return n < lo || n > hi ? T.check.range(lo, hi) : null;
  };
}
const intOrNull = (input) => (input.value.trim() === '' ? null : Number(input.value.trim()));
const moneyInput = (name, fen) => h('input', { name, inputmode: 'decimal', value: fenToYuanText(fen), autocomplete: 'off' });
const intInput = (name, value) => h('input', { name, inputmode: 'numeric', value: value ?? '', autocomplete: 'off' });

function itemSelect(items, name, selected) {
  return h('select', { name },
    h('option', { value: '' }, T.pickItem),
    items.map((i) => h('option', { value: String(i.id), selected: i.id === selected }, `${i.id} · ${i.name}`)));
}

// A choice of the campaign's items (none checked: null, every item).
function itemChoice(checks, items, path, label, chosen) {
  const boxes = items.map((i) => {
    const box = h('input', { type: 'checkbox', value: String(i.id), checked: (chosen || []).includes(i.id) });
    box.addEventListener('change', () => checks.onChange());
    return [box, h('label', { class: 'check' }, box, `${i.id} · ${i.name}`)];
  });
  const group = checks.group(path, h('span', { class: 'label' }, label), h('div', { class: 'checks' }, boxes.map((b) => b[1])));
  return {
    node: group.node,
    read: () => {
      const ids = boxes.filter(([b]) => b.checked).map(([b]) => Number(b.value));
      return ids.length ? ids : null;
    },
  };
}

// Rows of inputs (tiers, gifts, items) with add and remove; make(row)
// returns { node, read(), inputs }.
function rows(checks, path, initial, make, { min = 1 } = {}) {
  const list = [];
  const box = h('div', { class: 'rows' });
  const add = (value) => {
    const row = make(value || null);
    const remove = h('button', {
      type: 'button',
      class: 'link danger',
      onclick: () => {
        row.node.remove();
        list.splice(list.indexOf(row), 1);
        checks.onChange();
      },
    }, T.removeRow);
    row.node.append(remove);
    list.push(row);
    box.append(row.node);
  };
  (initial && initial.length ? initial : Array.from({ length: min }, () => null)).forEach(add);
  const addButton = h('button', {
    type: 'button',
    class: 'secondary small',
    'data-add': path,
    onclick: () => { if (list.length < ROWS_MAX) { add(null); checks.onChange(); } },
  }, T.addRow);
  const group = checks.group(path, box, addButton);
  return { node: group.node, error: group.error, list, read: () => list.map((r) => r.read()) };
}

// ------------------------------------------------------------------ kinds

// Each kind: build(checks, config, ctx) → { node, read() → config, check() → message|null for the group }.
const FORMS = {
  timed_discount(checks, c, ctx) {
    const items = ctx.campaign.items;
    const r = rows(checks, 'config.items', c.items, (x) => {
      const item = itemSelect(items, 'item_id', x && x.item_id);
      const mode = h('select', { name: 'mode' }, h('option', { value: 'percent', selected: !x || x.percent !== undefined }, T.modePercent),
        h('option', { value: 'price', selected: !!x && x.price_fen !== undefined }, T.modePrice));
      const value = h('input', { name: 'value', inputmode: 'decimal', value: x ? (x.percent ?? fenToYuanText(x.price_fen)) : '', autocomplete: 'off' });
      const hint = h('small', { class: 'computed' });
      const list = () => items.find((i) => String(i.id) === item.value);
      const check = () => {
        hint.textContent = '';
        if (mode.value === 'percent') {
          const m = intCheck(value, 1, 99)();
          if (!m && list()) hint.textContent = T.discountPreview(yuan(Math.floor(list().original_price_fen * Number(value.value) / 100)));
          return m;
        }
        const m = moneyCheck(value)();
        if (m) return m;
        return list() && toFen(value.value) >= list().original_price_fen ? T.check.belowPrice(yuan(list().original_price_fen)) : null;
      };
      return {
        node: h('div', { class: 'row' },
          checks.field(T.item, item, 'config.items.item_id', () => (item.value ? null : T.check.pick)),
          checks.field(T.discountMode, mode, 'config.items.mode'),
          checks.field(T.percentOfPrice + ' / ' + T.fixedPrice, value, 'config.items.value', check, hint)),
        read: () => (mode.value === 'percent'
          ? { item_id: Number(item.value), percent: Number(value.value) }
          : { item_id: Number(item.value), price_fen: toFen(value.value) }),
        item,
      };
    });
    return {
      node: r.node,
      read: () => ({ items: r.read() }),
      check: () => groupCheck(r, () => duplicates(r.list.map((x) => x.item.value)) ? T.check.duplicateItem : null),
    };
  },

  full_reduction(checks, c, ctx) {
    const r = rows(checks, 'config.tiers', c.tiers, (x) => {
      const threshold = moneyInput('threshold', x && x.threshold_fen);
      const off = moneyInput('off', x && x.off_fen);
      return {
        node: h('div', { class: 'row' },
          checks.field(T.threshold, threshold, 'config.tiers.threshold_fen', moneyCheck(threshold, { positive: true })),
          checks.field(T.off, off, 'config.tiers.off_fen', () => moneyCheck(off, { positive: true })()
            || (toFen(threshold.value) > 0 && toFen(off.value) >= toFen(threshold.value) ? T.check.offBelowThreshold : null))),
        read: () => ({ threshold_fen: toFen(threshold.value), off_fen: toFen(off.value) }),
        threshold,
      };
    });
    const repeat = h('input', { type: 'checkbox', name: 'repeat', checked: !!c.repeat });
    repeat.addEventListener('change', () => checks.onChange());
    const cap = moneyInput('cap', c.cap_fen);
    const scope = itemChoice(checks, ctx.campaign.items, 'config.item_ids', T.allItems, c.item_ids);
    return {
      node: h('div', {}, r.node,
        h('label', { class: 'check', 'data-path': 'config.repeat' }, repeat, T.repeat),
        checks.field(T.capFen, cap, 'config.cap_fen', moneyCheck(cap, { required: false, positive: true })),
        scope.node),
      read: () => ({ tiers: r.read(), repeat: repeat.checked, cap_fen: toFen(cap.value), item_ids: scope.read() }),
      check: () => groupCheck(r, () => {
        if (repeat.checked && r.list.length !== 1) return T.check.oneTier;
        return duplicates(r.list.map((x) => toFen(x.threshold.value))) ? T.check.duplicateThreshold : null;
      }),
    };
  },

  coupon(checks, c, ctx) {
    const amount = moneyInput('amount', c.amount_fen);
    const minSpend = moneyInput('min_spend', c.min_spend_fen ?? 0);
    const days = intInput('valid_days', c.valid_days ?? 7);
    const claimable = h('input', { type: 'checkbox', name: 'claimable', checked: c.claimable !== false });
    claimable.addEventListener('change', () => checks.onChange());
    const scope = itemChoice(checks, ctx.campaign.items, 'config.item_ids', T.allItems, c.item_ids);
    return {
      node: h('div', {}, h('div', { class: 'grid' },
        checks.field(T.couponAmountYuan, amount, 'config.amount_fen', moneyCheck(amount, { positive: true })),
        checks.field(T.couponMinSpendYuan, minSpend, 'config.min_spend_fen', () => moneyCheck(minSpend)()
          || (toFen(minSpend.value) > 0 && toFen(amount.value) >= toFen(minSpend.value) ? T.check.offBelowThreshold : null)),
        checks.field(T.validDays, days, 'config.valid_days', intCheck(days, 1, 365))),
      h('label', { class: 'check', 'data-path': 'config.claimable' }, claimable, T.claimable), scope.node),
      read: () => ({ amount_fen: toFen(amount.value), min_spend_fen: toFen(minSpend.value), valid_days: Number(days.value),
        item_ids: scope.read(), claimable: claimable.checked }),
      check: () => null,
    };
  },

  gift(checks, c, ctx) {
    const r = rows(checks, 'config.gifts', c.gifts, (x) => {
      const name = h('input', { name: 'gift_name', value: (x && x.name) || '', maxlength: TITLE_CHARS_MAX, autocomplete: 'off' });
      const stock = intInput('gift_stock', x ? x.stock : '');
      const threshold = moneyInput('gift_threshold', x ? x.threshold_fen : 0);
      const scope = itemChoice(checks, ctx.campaign.items, 'config.gifts.item_ids', T.giftItems, x && x.item_ids);
      return {
        node: h('div', { class: 'row gift-row' },
          checks.field(T.giftName, name, 'config.gifts.name', () => need(name.value) || ([...name.value.trim()].length > TITLE_CHARS_MAX ? T.check.text100 : null)),
          checks.field(T.giftStock, stock, 'config.gifts.stock', intCheck(stock, 0, INT32_MAX)),
          checks.field(T.giftThreshold, threshold, 'config.gifts.threshold_fen', moneyCheck(threshold)),
          scope.node),
        read: () => ({ name: name.value.trim(), stock: Number(stock.value), threshold_fen: toFen(threshold.value), item_ids: scope.read() }),
      };
    });
    return { node: r.node, read: () => ({ gifts: r.read() }), check: () => groupCheck(r, () => null) };
  },

  presale(checks, c, ctx) {
    const item = itemSelect(ctx.campaign.items, 'item_id', c.item_id);
    const deposit = moneyInput('deposit', c.deposit_fen);
    const value = moneyInput('deposit_value', c.deposit_value_fen);
    const finalStarts = h('input', { name: 'final_starts_at', type: 'datetime-local', value: toLocalInput(c.final_starts_at) });
    const finalEnds = h('input', { name: 'final_ends_at', type: 'datetime-local', value: toLocalInput(c.final_ends_at) });
    return {
      node: h('div', { class: 'grid' },
        checks.field(T.item, item, 'config.item_id', () => (item.value ? null : T.check.pick)),
        checks.field(T.deposit, deposit, 'config.deposit_fen', moneyCheck(deposit, { positive: true })),
        checks.field(T.depositValue, value, 'config.deposit_value_fen', () => moneyCheck(value, { positive: true })()
          || (toFen(value.value) < toFen(deposit.value) ? T.check.depositValue : null)),
        checks.field(T.finalStarts, finalStarts, 'config.final_starts_at', () => need(finalStarts.value)),
        checks.field(T.finalEnds, finalEnds, 'config.final_ends_at', () => need(finalEnds.value)
          || (fromLocalInput(finalEnds.value) <= fromLocalInput(finalStarts.value) ? T.check.finalAfter : null))),
      read: () => ({ item_id: Number(item.value), deposit_fen: toFen(deposit.value), deposit_value_fen: toFen(value.value),
        final_starts_at: fromLocalInput(finalStarts.value), final_ends_at: fromLocalInput(finalEnds.value) }),
      check: () => null,
    };
  },

  member_price(checks, c) {
    const r = rows(checks, 'config.levels', c.levels, (x) => {
      const level = intInput('level', x && x.level);
      const percent = intInput('percent', x && x.percent);
      return {
        node: h('div', { class: 'row' },
          checks.field(T.memberLevel, level, 'config.levels.level', intCheck(level, 1, 100)),
          checks.field(T.memberPercent, percent, 'config.levels.percent', intCheck(percent, 1, 99))),
        read: () => ({ level: Number(level.value), percent: Number(percent.value) }),
        level,
      };
    });
    return {
      node: r.node,
      read: () => ({ levels: r.read() }),
      check: () => groupCheck(r, () => (duplicates(r.list.map((x) => x.level.value)) ? T.levelsCheck.levelOrder : null)),
    };
  },

  first_order(checks, c) {
    const mode = h('select', { name: 'first_mode' }, h('option', { value: 'percent', selected: c.off_fen === undefined }, T.firstPercent),
      h('option', { value: 'off', selected: c.off_fen !== undefined }, T.firstOff));
    const value = h('input', { name: 'first_value', inputmode: 'decimal', value: c.percent ?? fenToYuanText(c.off_fen), autocomplete: 'off' });
    const max = moneyInput('max_off', c.max_off_fen);
    const path = () => (mode.value === 'percent' ? 'config.percent' : 'config.off_fen');
    return {
      node: h('div', { class: 'grid' },
        checks.field(T.firstMode, mode, 'config.mode'),
        checks.field(T.percentOfPrice + ' / ' + T.firstOff, value, 'config.percent',
          () => (mode.value === 'percent' ? intCheck(value, 1, 99)() : moneyCheck(value, { positive: true })())),
        checks.field(T.maxOff, max, 'config.max_off_fen', moneyCheck(max, { required: false, positive: true }))),
      read: () => {
        value.dataset.path = path();
        const out = mode.value === 'percent' ? { percent: Number(value.value) } : { off_fen: toFen(value.value) };
        if (toFen(max.value) !== null) out.max_off_fen = toFen(max.value);
        return out;
      },
      check: () => null,
    };
  },

  points_cash(checks, c) {
    const rate = intInput('points_per_yuan', c.points_per_yuan ?? 100);
    const max = intInput('max_percent', c.max_percent ?? 20);
    return {
      node: h('div', { class: 'grid' },
        checks.field(T.pointsPerYuan, rate, 'config.points_per_yuan', intCheck(rate, 1, 1000000)),
        checks.field(T.maxPercent, max, 'config.max_percent', intCheck(max, 1, 100))),
      read: () => ({ points_per_yuan: Number(rate.value), max_percent: Number(max.value) }),
      check: () => null,
    };
  },

  addon(checks, c, ctx) {
    const threshold = moneyInput('addon_threshold', c.threshold_fen);
    const r = rows(checks, 'config.offers', c.offers, (x) => {
      const item = itemSelect(ctx.campaign.items, 'item_id', x && x.item_id);
      const price = moneyInput('addon_price', x && x.price_fen);
      const maxQty = intInput('max_qty', x ? x.max_qty : 1);
      return {
        node: h('div', { class: 'row' },
          checks.field(T.item, item, 'config.offers.item_id', () => (item.value ? null : T.check.pick)),
          checks.field(T.addonPrice, price, 'config.offers.price_fen', () => {
            const m = moneyCheck(price)();
            const it = ctx.campaign.items.find((i) => String(i.id) === item.value);
            return m || (it && toFen(price.value) >= it.original_price_fen ? T.check.belowPrice(yuan(it.original_price_fen)) : null);
          }),
          checks.field(T.maxQty, maxQty, 'config.offers.max_qty', intCheck(maxQty, 1, 99))),
        read: () => ({ item_id: Number(item.value), price_fen: toFen(price.value), max_qty: Number(maxQty.value) }),
        item,
      };
    });
    return {
      node: h('div', {}, checks.field(T.addonThreshold, threshold, 'config.threshold_fen', moneyCheck(threshold)), r.node),
      read: () => ({ threshold_fen: toFen(threshold.value), offers: r.read() }),
      check: () => groupCheck(r, () => (duplicates(r.list.map((x) => x.item.value)) ? T.check.duplicateItem : null)),
    };
  },

  bundle(checks, c, ctx) {
    const r = rows(checks, 'config.items', c.items, (x) => {
      const item = itemSelect(ctx.campaign.items, 'item_id', x && x.item_id);
      const qty = intInput('qty', x ? x.qty : 1);
      return {
        node: h('div', { class: 'row' },
          checks.field(T.item, item, 'config.items.item_id', () => (item.value ? null : T.check.pick)),
          checks.field(T.qty, qty, 'config.items.qty', intCheck(qty, 1, 99))),
        read: () => ({ item_id: Number(item.value), qty: Number(qty.value) }),
        item,
      };
    }, { min: 2 });
    const price = moneyInput('bundle_price', c.price_fen);
    return {
      node: h('div', {}, r.node, checks.field(T.bundlePrice, price, 'config.price_fen', moneyCheck(price, { positive: true }))),
      read: () => ({ items: r.read(), price_fen: toFen(price.value) }),
      check: () => groupCheck(r, () => (duplicates(r.list.map((x) => x.item.value)) ? T.check.duplicateItem : null)),
    };
  },

  share_reward(checks, c, ctx) {
    const coupons = ctx.promotions.filter((p) => p.kind === 'coupon');
    const pick = h('select', { name: 'coupon_promotion_id' }, h('option', { value: '' }, coupons.length ? T.pickItem : T.noCouponPromotions),
      coupons.map((p) => h('option', { value: String(p.id), selected: p.id === c.coupon_promotion_id }, `${p.id} · ${p.title}`)));
    return {
      node: checks.field(T.couponPromotion, pick, 'config.coupon_promotion_id', () => (pick.value ? null : T.check.pick)),
      read: () => ({ coupon_promotion_id: Number(pick.value) }),
      check: () => null,
    };
  },
};

function duplicates(values) {
  const seen = values.filter((v) => v !== '' && v !== null && !Number.isNaN(v));
  return new Set(seen).size !== seen.length;
}

// A rows group's own message: none while empty rows are flagged, else check().
function groupCheck(r, check) {
  const message = r.list.length === 0 ? T.check.atLeastOne : check();
  r.error.textContent = message || '';
  return message;
}

// The editor of one promotion (null: a new one).
function editor(ctx, promotion, onSaved, onCancel) {
  const p = promotion || { kind: 'full_reduction', title: '', enabled: true, config: {}, limits: { total: null, per_user: null } };
  const formError = h('p', { class: 'error', role: 'alert' });
  const save = h('button', { type: 'submit', class: 'primary', id: 'save-promotion' }, T.save);
  let kindForm = null;
  const checks = new Checks(() => validate());
  const kind = h('select', { name: 'kind', disabled: !!promotion }, KINDS.map((k) => h('option', { value: k, selected: k === p.kind }, T.promotionKinds[k])));
  const kindHint = h('small', { class: 'kind-hint' });
  const title = h('input', { name: 'title', value: p.title, maxlength: TITLE_CHARS_MAX, autocomplete: 'off' });
  const starts = h('input', { name: 'starts_at', type: 'datetime-local', value: promotion ? toLocalInput(p.starts_at) : '' });
  const ends = h('input', { name: 'ends_at', type: 'datetime-local', value: promotion ? toLocalInput(p.ends_at) : '' });
  const enabled = h('input', { type: 'checkbox', name: 'enabled', checked: p.enabled });
  const limitTotal = intInput('limit_total', p.limits.total);
  const limitPerUser = intInput('limit_per_user', p.limits.per_user);
  const configBox = h('fieldset', { class: 'config', 'data-kind': p.kind });

  function buildConfig() {
    kindHint.textContent = T.promotionKindHints[kind.value];
    configBox.dataset.kind = kind.value;
    checks.entries = checks.entries.filter((e) => !configBox.contains(e.input));
    clear(configBox);
    kindForm = FORMS[kind.value](checks, kind.value === p.kind ? (p.config || {}) : {}, ctx);
    configBox.append(kindForm.node);
    validate();
  }
  kind.addEventListener('change', buildConfig);

  // The save button stays usable: a try with wrong fields shows them all.
  function validate(all = false) {
    const bad = checks.run(all) + (kindForm && kindForm.check() ? 1 : 0);
    if (bad === 0) formError.textContent = '';
    return bad;
  }

  const form = h('form', {
    class: 'promotion-form',
    novalidate: true,
    onsubmit: async (e) => {
      e.preventDefault();
      if (validate(true) > 0) { formError.textContent = T.fixErrors; return; }
      formError.textContent = '';
      const body = {
        title: title.value.trim(),
        enabled: enabled.checked,
        config: kindForm.read(),
        limits: { total: intOrNull(limitTotal), per_user: intOrNull(limitPerUser) },
      };
      if (starts.value) body.starts_at = fromLocalInput(starts.value);
      if (ends.value) body.ends_at = fromLocalInput(ends.value);
      save.disabled = true;
      save.textContent = T.saving;
      try {
        if (promotion) await ctx.api.patch('/admin/promotions/' + promotion.id, body);
        else await ctx.api.post(`/admin/campaigns/${ctx.campaign.id}/promotions`, { kind: kind.value, ...body });
        toast(T.promotionSaved);
        onSaved();
      } catch (err) {
        save.textContent = T.save;
        save.disabled = false;
        if (err.code === 'invalid_promotion' && checks.server(err.message, form)) return;
        formError.textContent = err.message;
      }
    },
  },
  h('h2', {}, promotion ? T.editPromotion(promotion.id) : T.newPromotion),
  h('div', { class: 'grid' },
    checks.field(T.promotionKind, kind, 'kind', null, kindHint),
    checks.field(T.promotionTitle, title, 'title', () => need(title.value) || ([...title.value.trim()].length > TITLE_CHARS_MAX ? T.check.text100 : null)),
    h('label', { class: 'check', 'data-path': 'enabled' }, enabled, T.promotionEnabled),
    checks.field(T.promotionStarts, starts, 'starts_at'),
    checks.field(T.promotionEnds, ends, 'ends_at', () => (starts.value && ends.value && fromLocalInput(ends.value) <= fromLocalInput(starts.value) ? T.check.window : null)),
    checks.field(T.limitTotal, limitTotal, 'limits.total', intCheck(limitTotal, 1, INT32_MAX, { required: false })),
    checks.field(T.limitPerUser, limitPerUser, 'limits.per_user', intCheck(limitPerUser, 1, INT32_MAX, { required: false }))),
  configBox,
  h('div', { class: 'form-foot' }, formError, save, h('button', { type: 'button', onclick: onCancel }, T.cancel)));
  buildConfig();
  return form;
}

// ---------------------------------------------------------------- preview

const PREVIEW_KEY = 'kanjia.admin.preview';

// The API's quote of a cart of the campaign's items, asked as a shopper
// (the quote is a shopper's route: its facts, first order or member level,
// are that shopper's). The shopper's token stays in this tab only.
function preview(ctx) {
  let shopper = null;
  try { shopper = JSON.parse(sessionStorage.getItem(PREVIEW_KEY) || 'null'); } catch { shopper = null; }
  const box = h('div', {});
  const result = h('div', { class: 'preview-result', 'data-testid': 'preview-result' });
  const message = h('p', { class: 'error', role: 'alert' });
  const qty = new Map();

  async function shopperCall(method, path, body) {
    const headers = { Accept: 'application/json' };
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    if (shopper) headers.Authorization = 'Bearer ' + shopper.token;
    const r = await fetch('/api/v1' + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), cache: 'no-store' });
    const j = await r.json().catch(() => null);
    if (!r.ok) {
      if (r.status === 401) { shopper = null; sessionStorage.removeItem(PREVIEW_KEY); draw(); }
      throw new Error((j && j.error && j.error.message) || T.networkError);
    }
    return j;
  }

  function loginForm() {
    const phone = h('input', { name: 'preview_phone', inputmode: 'numeric', maxlength: 11, autocomplete: 'off' });
    const code = h('input', { name: 'preview_code', inputmode: 'numeric', maxlength: 6, autocomplete: 'off' });
    const send = h('button', {
      type: 'button',
      class: 'secondary',
      'data-action': 'send-code',
      onclick: async () => {
        message.textContent = '';
        try { await shopperCall('POST', '/auth/sms', { phone: phone.value.trim() }); toast(T.previewCodeSent); } catch (err) { message.textContent = err.message; }
      },
    }, T.previewSendCode);
    return h('form', {
      class: 'inline-form preview-login',
      onsubmit: async (e) => {
        e.preventDefault();
        message.textContent = '';
        try {
          const j = await shopperCall('POST', '/auth/login', { phone: phone.value.trim(), code: code.value.trim() });
          shopper = { token: j.token, phone: j.user.phone_masked };
          sessionStorage.setItem(PREVIEW_KEY, JSON.stringify(shopper));
          draw();
        } catch (err) { message.textContent = err.message; }
      },
    }, h('span', { class: 'label' }, T.previewLogin), field(T.previewPhone, phone), send, field(T.previewCode, code),
    h('button', { type: 'submit', class: 'secondary' }, T.previewLoginButton));
  }

  async function run() {
    message.textContent = '';
    const lines = ctx.campaign.items.map((i) => ({ item_id: i.id, qty: Number(qty.get(i.id).value) || 0 })).filter((l) => l.qty > 0);
    if (!lines.length) { message.textContent = T.check.atLeastOne; return; }
    try {
      const q = await shopperCall('POST', '/cart/quote', { lines });
      clear(result,
        h('p', { class: 'preview-total' }, T.previewPays(yuan(q.total_fen))),
        h('p', { class: 'muted' }, T.previewSubtotal(yuan(q.subtotal_fen))),
        q.discounts.length
          ? h('ul', { class: 'preview-discounts' }, q.discounts.map((d) => h('li', { 'data-kind': d.kind }, `${d.label} −${yuan(d.amount_fen)}`)))
          : h('p', { class: 'muted' }, T.previewNoDiscount),
        (q.gifts || []).length ? h('p', { class: 'preview-gifts' }, T.previewGifts, '：', q.gifts.map((g) => g.name || g.label || String(g)).join('、')) : null,
        (q.addon_offers || []).length ? h('p', { class: 'preview-addons' }, T.previewAddons, '：',
          q.addon_offers.map((o) => `${(ctx.campaign.items.find((i) => i.id === o.item_id) || { name: '#' + o.item_id }).name} ${yuan(o.price_fen)}`).join('、')) : null,
        q.budget_limited ? h('p', { class: 'error' }, T.previewBudgetLimited) : null);
    } catch (err) { message.textContent = err.message; }
  }

  function draw() {
    if (!shopper) { clear(box, loginForm(), message); return; }
    clear(box,
      h('p', { class: 'muted' }, T.previewAs(shopper.phone), ' ',
        h('button', { type: 'button', class: 'link', onclick: () => { shopper = null; sessionStorage.removeItem(PREVIEW_KEY); draw(); } }, T.previewLogout)),
      h('div', { class: 'preview-lines grid' }, ctx.campaign.items.map((i) => {
        if (!qty.has(i.id)) qty.set(i.id, h('input', { name: 'qty_' + i.id, inputmode: 'numeric', value: '0', 'data-item': String(i.id) }));
        return field(`${i.name}（${yuan(i.original_price_fen)}）`, qty.get(i.id));
      })),
      h('button', { type: 'button', class: 'primary', 'data-action': 'preview', onclick: run }, T.previewRun),
      message, result);
  }
  draw();
  return h('div', {}, h('h2', {}, T.previewTitle), h('p', { class: 'muted' }, T.previewHint), box);
}
