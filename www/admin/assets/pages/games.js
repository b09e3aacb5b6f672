// games.js — a campaign's games (API.md "Games"): the lucky wheel with its
// prizes, weights and stock, guess the price, English and Dutch auctions.
// #/games/{campaign id} lists them with the dashboard's counts (plays,
// prizes given, stock left) and edits one. A game is published once: from
// then on the API takes only added prize stock (409 published otherwise,
// its message shown as it comes), so a published wheel's form offers only
// the stock fields.

import { T } from '../texts.js';
import { h, clear, field, table, when, toFen, fenToYuanText, toLocalInput, fromLocalInput, toast } from '../dom.js';
import { hasRole } from '../api.js';

const num = (attrs = {}) => h('input', { type: 'number', inputmode: 'numeric', step: '1', ...attrs });
const money = (attrs = {}) => h('input', { type: 'text', inputmode: 'decimal', ...attrs });
const select = (name, options, value) => h('select', { name },
  Object.entries(options).map(([k, label]) => h('option', { value: k, selected: k === value }, label)));
const intOf = (input) => (input.value.trim() === '' ? null : Number(input.value));
const hour = 3600 * 1000;

export function mount(main, { args, api }) {
  const picker = h('select', { id: 'game-campaign', onchange: () => { location.hash = '#/games/' + picker.value; } });
  const error = h('p', { class: 'error', role: 'alert' });
  const listBox = h('div', {}, T.loading);
  const editorBox = h('div', {});
  let campaign = null;

  clear(main, h('header', { class: 'page-head' }, h('h1', {}, T.gamesTitle),
    h('label', { class: 'inline' }, T.pickCampaign, ' ', picker)), error, listBox, editorBox);

  async function load() {
    error.textContent = '';
    try {
      const j = await api.get(`/admin/campaigns/${campaign.id}/games`);
      clear(listBox, hasRole('operator')
        ? h('p', {}, h('button', { type: 'button', class: 'primary', id: 'new-game', onclick: () => edit(null) }, T.newGame))
        : null,
      table([
        { title: 'ID', cell: (g) => String(g.id) },
        { title: T.gameTitle, key: 'title', cell: (g) => g.title },
        { title: T.gameKind, cell: (g) => kindLabel(g) },
        { title: T.startsAt, cell: (g) => when(g.starts_at) },
        { title: T.endsAt, cell: (g) => when(g.ends_at) },
        { title: T.status, cell: (g) => h('span', { class: 'badge ' + (g.published ? 'ok' : '') }, g.published ? T.gamePublished : T.gameDraft) },
        { title: T.gamePlays, key: 'plays', cell: (g) => String(g.stats.plays) },
        { title: T.gamePrizesGiven, key: 'prizes_given', cell: (g) => String(g.stats.prizes_given) },
        { title: T.gameStockLeft, key: 'stock_left', cell: (g) => (g.stats.stock_left === null ? '—' : String(g.stats.stock_left)) },
        { title: T.actions, cell: (g) => h('span', { class: 'row-actions' },
          hasRole('operator') ? h('button', { type: 'button', class: 'secondary', 'data-action': 'edit', onclick: () => edit(g) }, g.published ? T.gameAddStock : T.edit) : null,
          hasRole('operator') && !g.published ? h('button', { type: 'button', class: 'primary', 'data-action': 'publish', onclick: () => publish(g) }, T.gamePublish) : null,
          g.published ? h('a', { href: '/g/' + g.id, target: '_blank', rel: 'noopener' }, T.gameShopperPage) : null) },
      ], j.items, { empty: T.gamesEmpty }));
    } catch (err) { clear(listBox); error.textContent = err.message; }
  }

  async function publish(g) {
    if (!confirm(T.gamePublishConfirm(g.title))) return;
    error.textContent = '';
    try {
      await api.post(`/admin/games/${g.id}/publish`);
      toast(T.gamePublishedToast);
      load();
    } catch (err) { error.textContent = err.message; }
  }

  function edit(game) {
    const form = gameForm(game, campaign.items, async (body) => {
      if (game) await api.patch(`/admin/games/${game.id}`, body);
      else await api.post(`/admin/campaigns/${campaign.id}/games`, body);
      toast(T.saved);
      clear(editorBox);
      load();
    }, () => clear(editorBox));
    clear(editorBox, form);
    form.scrollIntoView({ block: 'start' });
  }

  (async () => {
    try {
      const list = await api.get('/admin/campaigns?limit=100');
      const id = Number(args[0]) || (list.items[0] && list.items[0].id);
      clear(picker, list.items.map((c) => h('option', { value: String(c.id), selected: c.id === id }, `${c.id} · ${c.title}`)));
      if (!id) { clear(listBox, T.none); return; }
      campaign = await api.get(`/admin/campaigns/${id}`);
      load();
    } catch (err) { clear(listBox); error.textContent = err.message; }
  })();
}

function kindLabel(g) {
  if (g.kind === 'auction') return T.gameKinds[g.config.mode === 'dutch' ? 'dutch' : 'english'];
  return T.gameKinds[g.kind] || g.kind;
}

// ------------------------------------------------------------ the form

// One prize row of a wheel. frozen: published, only the stock may grow.
function prizeRow(prize, frozen, onChange, onRemove) {
  const p = prize || { kind: 'none', weight: 1 };
  const c = p.coupon || {};
  const f = {
    name: h('input', { name: 'prize_name', value: p.name || '', maxlength: 40, required: true }),
    kind: select('prize_kind', T.prizeKinds, p.kind),
    weight: num({ name: 'weight', value: p.weight ?? 1, min: 1, max: 1000000 }),
    stock: num({ name: 'prize_stock', value: p.stock ?? '', min: 0 }), // the API says when stock may not shrink
    promotion: num({ name: 'coupon_promotion_id', value: p.coupon_promotion_id ?? '', min: 1 }),
    couponTitle: h('input', { name: 'coupon_title', value: c.title || '', maxlength: 40 }),
    couponAmount: money({ name: 'coupon_amount', value: fenToYuanText(c.amount_fen) }),
    couponMin: money({ name: 'coupon_min_spend', value: fenToYuanText(c.min_spend_fen) }),
    couponDays: num({ name: 'coupon_days', value: c.valid_days ?? '', min: 1 }),
    points: num({ name: 'prize_points', value: p.points ?? '', min: 1 }),
    packetMax: money({ name: 'red_packet_max', value: fenToYuanText(p.red_packet_max_fen) }),
    packetDays: num({ name: 'red_packet_days', value: p.red_packet_days ?? '', min: 1, max: 365 }),
  };
  const odds = h('span', { class: 'muted odds' });
  const extra = h('div', { class: 'coupon-row' });
  function drawExtra() {
    const k = f.kind.value;
    clear(extra,
      k === 'coupon' ? [field(T.prizePromotion, f.promotion, T.prizePromotionHint), field(T.couponTitle, f.couponTitle),
        field(T.couponAmount, f.couponAmount), field(T.couponMinSpend, f.couponMin), field(T.couponDays, f.couponDays)] : null,
      k === 'points' ? field(T.points, f.points) : null,
      k === 'red_packet' ? [field(T.redPacketMax, f.packetMax), field(T.redPacketDays, f.packetDays)] : null);
  }
  f.kind.addEventListener('change', () => { drawExtra(); onChange(); });
  f.weight.addEventListener('input', onChange);
  drawExtra();
  if (frozen) for (const [k, input] of Object.entries(f)) if (k !== 'stock') input.disabled = true;
  const node = h('div', { class: 'milestone prize-row' },
    h('div', { class: 'coupon-row' }, field(T.prizeName, f.name), field(T.gameKind, f.kind), field(T.prizeWeight, f.weight, odds),
      field(T.prizeStock, f.stock, frozen ? T.prizeStockOnlyMore : null)),
    extra,
    frozen ? null : h('button', { type: 'button', class: 'link', onclick: onRemove }, T.remove));
  function value() {
    const out = { name: f.name.value.trim(), weight: Number(f.weight.value), kind: f.kind.value };
    if (out.kind !== 'none' || f.stock.value.trim() !== '') out.stock = intOf(f.stock);
    if (out.kind === 'coupon') {
      if (f.promotion.value.trim()) out.coupon_promotion_id = intOf(f.promotion);
      else {
        out.coupon = { title: f.couponTitle.value.trim(), amount_fen: toFen(f.couponAmount.value) };
        if (f.couponMin.value.trim()) out.coupon.min_spend_fen = toFen(f.couponMin.value);
        if (f.couponDays.value.trim()) out.coupon.valid_days = intOf(f.couponDays);
      }
    }
    if (out.kind === 'points') out.points = intOf(f.points);
    if (out.kind === 'red_packet') {
      out.red_packet_max_fen = toFen(f.packetMax.value);
      if (f.packetDays.value.trim()) out.red_packet_days = intOf(f.packetDays);
    }
    return out;
  }
  return { node, value, weight: () => Number(f.weight.value) || 0, odds };
}

function itemSelect(items, value) {
  return h('select', { name: 'item_id' }, items.map((i) => h('option', { value: String(i.id), selected: i.id === value }, `${i.id} · ${i.name}`)));
}

function gameForm(game, items, save, close) {
  const published = !!(game && game.published);
  const cfg = game ? game.config : {};
  const kindOf = game ? (game.kind === 'auction' ? cfg.mode : game.kind) : 'wheel';
  const error = h('p', { class: 'error', role: 'alert' });
  const now = Date.now();
  const common = {
    kind: select('kind', T.gameKinds, kindOf),
    title: h('input', { name: 'title', value: game ? game.title : '', maxlength: 100, required: true }),
    starts: h('input', { type: 'datetime-local', name: 'starts_at', value: toLocalInput(game ? game.starts_at : new Date(now).toISOString()) }),
    ends: h('input', { type: 'datetime-local', name: 'ends_at', value: toLocalInput(game ? game.ends_at : new Date(now + 7 * 24 * hour).toISOString()) }),
  };
  if (game) common.kind.disabled = true;
  if (published) { common.title.disabled = true; common.starts.disabled = true; common.ends.disabled = true; }
  const kindBox = h('div', {});
  let readConfig = () => ({});

  function wheelFields() {
    const spins = num({ name: 'spins_per_day', value: cfg.spins_per_day ?? 1, min: 1, max: 100, disabled: published });
    const cost = num({ name: 'cost_points', value: cfg.cost_points ?? 0, min: 0, disabled: published });
    const rowsBox = h('div', { class: 'prizes' });
    let rows = [];
    const refreshOdds = () => {
      const total = rows.reduce((s, r) => s + r.weight(), 0);
      for (const r of rows) r.odds.textContent = total > 0 ? T.prizeOdds((100 * r.weight() / total).toFixed(2)) : '';
    };
    const add = (prize) => {
      const row = prizeRow(prize, published, refreshOdds, () => { rows = rows.filter((x) => x !== row); row.node.remove(); refreshOdds(); });
      rows.push(row);
      rowsBox.append(row.node);
      refreshOdds();
    };
    (cfg.prizes || [{ name: T.prizeNoneName, kind: 'none', weight: 1 }]).forEach(add);
    readConfig = () => ({ spins_per_day: intOf(spins), cost_points: intOf(cost) ?? 0, prizes: rows.map((r) => r.value()) });
    return [h('div', { class: 'coupon-row' }, field(T.spinsPerDay, spins), field(T.costPoints, cost, T.costPointsHint)),
      h('h3', {}, T.prizes), rowsBox,
      published ? h('p', { class: 'muted' }, T.publishedOnlyStock) : h('button', { type: 'button', class: 'secondary', id: 'add-prize', onclick: () => add(null) }, T.addPrize)];
  }

  function guessFields() {
    const item = itemSelect(items, cfg.item_id);
    const answer = money({ name: 'answer', value: fenToYuanText(cfg.answer_fen) });
    const tolerance = money({ name: 'tolerance', value: fenToYuanText(cfg.tolerance_fen ?? 0) });
    const reward = cfg.reward || {};
    const rc = reward.coupon || {};
    const rewardKind = select('reward_kind', T.guessRewardKinds, reward.prize ? 'prize' : 'coupon');
    const couponTitle = h('input', { name: 'reward_coupon_title', value: rc.title || '', maxlength: 40 });
    const couponAmount = money({ name: 'reward_coupon_amount', value: fenToYuanText(rc.amount_fen) });
    const couponDays = num({ name: 'reward_coupon_days', value: rc.valid_days ?? '', min: 1 });
    const prize = h('input', { name: 'reward_prize', value: reward.prize || '', maxlength: 40 });
    const rewardBox = h('div', { class: 'coupon-row' });
    const draw = () => clear(rewardBox, rewardKind.value === 'prize' ? field(T.prize, prize)
      : [field(T.couponTitle, couponTitle), field(T.couponAmount, couponAmount), field(T.couponDays, couponDays)]);
    rewardKind.addEventListener('change', draw);
    draw();
    readConfig = () => {
      const out = { item_id: Number(item.value), answer_fen: toFen(answer.value), tolerance_fen: toFen(tolerance.value) ?? 0 };
      if (rewardKind.value === 'prize') out.reward = { prize: prize.value.trim() };
      else {
        out.reward = { coupon: { title: couponTitle.value.trim(), amount_fen: toFen(couponAmount.value) } };
        if (couponDays.value.trim()) out.reward.coupon.valid_days = intOf(couponDays);
      }
      return out;
    };
    return [h('div', { class: 'coupon-row' }, field(T.gameItem, item), field(T.guessAnswer, answer, T.guessAnswerHint), field(T.guessTolerance, tolerance)),
      h('h3', {}, T.guessReward), field(T.guessRewardKind, rewardKind), rewardBox];
  }

  function auctionFields(dutch) {
    const item = itemSelect(items, cfg.item_id);
    const start = money({ name: 'start', value: fenToYuanText(cfg.start_fen ?? 100) });
    const step = money({ name: 'step', value: fenToYuanText(cfg.step_fen ?? 100) });
    const floor = money({ name: 'floor', value: fenToYuanText(cfg.floor_fen) });
    const drop = money({ name: 'drop', value: fenToYuanText(cfg.drop_fen) });
    const every = num({ name: 'drop_every_s', value: cfg.drop_every_s ?? 60, min: 1, max: 86400 });
    readConfig = () => (dutch
      ? { mode: 'dutch', item_id: Number(item.value), start_fen: toFen(start.value), floor_fen: toFen(floor.value), drop_fen: toFen(drop.value), drop_every_s: intOf(every) }
      : { mode: 'english', item_id: Number(item.value), start_fen: toFen(start.value), step_fen: toFen(step.value) });
    return h('div', { class: 'coupon-row' }, field(T.gameItem, item), field(T.auctionStart, start),
      dutch ? [field(T.auctionFloor, floor), field(T.auctionDrop, drop), field(T.auctionDropEvery, every)] : field(T.auctionStep, step));
  }

  function drawKind() {
    const k = common.kind.value;
    clear(kindBox, k === 'wheel' ? wheelFields() : k === 'guess_price' ? guessFields() : auctionFields(k === 'dutch'));
    if (published && k !== 'wheel') for (const input of kindBox.querySelectorAll('input, select')) input.disabled = true;
  }
  common.kind.addEventListener('change', drawKind);
  drawKind();

  const submit = h('button', { type: 'submit', class: 'primary', id: 'save-game' }, T.save);
  if (published && kindOf !== 'wheel') submit.disabled = true;
  return h('form', {
    class: 'panel game-form',
    onsubmit: async (e) => {
      e.preventDefault();
      error.textContent = '';
      const k = common.kind.value;
      const body = published ? { config: readConfig() } : {
        title: common.title.value.trim(), starts_at: fromLocalInput(common.starts.value), ends_at: fromLocalInput(common.ends.value), config: readConfig(),
      };
      if (!game) body.kind = k === 'english' || k === 'dutch' ? 'auction' : k;
      submit.disabled = true;
      try { await save(body); } catch (err) { error.textContent = err.message; submit.disabled = false; }
    },
  },
  h('h2', {}, game ? T.editGame(game.title) : T.newGame),
  published ? h('p', { class: 'muted' }, T.publishedNote) : null,
  h('div', { class: 'coupon-row' }, field(T.gameKind, common.kind), field(T.gameTitle, common.title),
    field(T.startsAt, common.starts), field(T.endsAt, common.ends)),
  kindBox, error,
  h('div', { class: 'form-foot' }, submit, h('button', { type: 'button', class: 'secondary', onclick: close }, T.cancel)));
}
