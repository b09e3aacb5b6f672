// dashboard.js — a campaign's live numbers (GET /admin/campaigns/{id}/stats,
// read from counters the workers keep in step with every event), a funnel,
// helps per hour and per-item progress, each promotion's orders and subsidy
// (the promotions list's `used`); it refreshes itself.

import { T } from '../texts.js';
import { h, clear, table, yuan, when } from '../dom.js';
import { chart } from '../charts.js';

const REFRESH_S = 5;
const TILES = ['participants', 'bargains_started', 'self_cuts', 'helps', 'share_opens', 'share_visitors', 'succeeded', 'orders', 'paid', 'paid_fen', 'subsidy_fen', 'cancelled', 'shipped', 'refunded'];

const duration = (s) => (s >= 3600 ? `${Math.floor(s / 3600)}${T.hours}${Math.floor((s % 3600) / 60)}${T.minutes}` : `${Math.floor(s / 60)}${T.minutes}${s % 60}${T.seconds}`);
const percent = (a, b) => (b > 0 ? (100 * a / b).toFixed(1) + '%' : '—');

export function mount(main, { args, api }) {
  let timer = null;
  let stopped = false;
  const picker = h('select', { id: 'campaign-picker', onchange: () => { location.hash = '#/dashboard/' + picker.value; } });
  const heading = h('h1', {}, T.nav.dashboard);
  const updated = h('span', { class: 'muted updated' });
  const tiles = h('div', { class: 'tiles' });
  const funnelNote = h('div', { class: 'funnel-steps' });
  const funnel = chart('bar', { horizontal: true, height: 180 });
  const hourly = chart('bar', { height: 220 });
  const itemsBox = h('div', { class: 'item-progress' });
  const leaders = h('div', { class: 'leaderboard' });
  const gamesBox = h('div', { class: 'games', id: 'dashboard-games' });
  const promotionsBox = h('div', { class: 'promotion-stats' });
  clear(main,
    h('header', { class: 'page-head' }, heading, h('label', { class: 'inline' }, T.pickCampaign, ' ', picker)),
    h('p', { class: 'muted' }, T.autoRefresh(REFRESH_S), ' · ', updated),
    tiles,
    h('div', { class: 'panels' },
      h('section', { class: 'panel' }, h('h2', {}, T.funnel), funnelNote, funnel.node),
      h('section', { class: 'panel' }, h('h2', {}, T.helpsPerHour), hourly.node)),
    h('section', { class: 'panel' }, h('h2', {}, T.itemProgress), itemsBox),
    h('section', { class: 'panel' }, h('h2', {}, T.leaderboard), leaders),
    h('section', { class: 'panel' }, h('h2', {}, T.dashboardGames), gamesBox),
    h('section', { class: 'panel', id: 'promotion-stats' }, h('h2', {}, T.promotionStats), promotionsBox));

  function draw(s) {
    heading.textContent = T.dashboardTitle(s.title);
    updated.textContent = T.updatedAt(when(s.generated_at));
    clear(tiles, TILES.map((k) => h('div', { class: 'tile', 'data-stat': k },
      h('div', { class: 'tile-label' }, T.stat[k]),
      h('div', { class: 'tile-value' }, k.endsWith('_fen') ? yuan(s[k]) : String(s[k])))));
    const steps = [s.bargains_started, s.succeeded, s.bargain_orders, s.bargain_paid]; // bargain orders against succeeded bargains
    clear(funnelNote, T.funnelSteps.map((name, i) => h('span', { class: 'step' }, `${name} ${steps[i]}`,
      i > 0 ? h('small', {}, ' ', T.conversion(percent(steps[i], steps[i - 1]))) : null)));
    funnel.update(T.funnelSteps, [{ label: T.funnel, data: steps }]);
    const hours = s.hourly.map((x) => {
      const d = new Date(x.hour);
      return T.hourLabel(d.getMonth() + 1, d.getDate(), String(d.getHours()).padStart(2, '0'));
    });
    hourly.update(hours, [
      { label: T.stat.helps, data: s.hourly.map((x) => x.helps) },
      { label: T.stat.self_cuts, data: s.hourly.map((x) => x.self_cuts) },
    ]);
    clear(itemsBox, s.items.map((item) => {
      const success = h('div', { class: 'bar' }, h('div', { class: 'fill' }));
      success.firstChild.style.width = Math.min(100, item.bargains_started ? 100 * item.succeeded / item.bargains_started : 0) + '%';
      const sold = h('div', { class: 'bar sold' }, h('div', { class: 'fill' }));
      sold.firstChild.style.width = Math.min(100, item.stock_total ? 100 * (item.stock_sold + item.stock_reserved) / item.stock_total : 0) + '%';
      return h('div', { class: 'item-row', 'data-item': String(item.id) },
        h('div', { class: 'item-name' }, item.name),
        h('div', { class: 'item-nums' },
          `${T.stat.bargains_started} ${item.bargains_started} · ${T.stat.helps} ${item.helps} · ${T.stat.self_cuts} ${item.self_cuts} · ${T.stat.share_opens} ${item.share_opens} · ${T.stat.share_visitors} ${item.share_visitors} · ${T.stat.succeeded} ${item.succeeded}`),
        h('div', { class: 'item-bars' },
          h('span', {}, T.itemSuccess, ' ', percent(item.succeeded, item.bargains_started)), success,
          h('span', {}, T.itemSold, ' ', T.stockNow(item.stock_left, item.stock_reserved, item.stock_sold, item.stock_total)), sold));
    }));
  }

  function drawLeaders(board) {
    clear(leaders, table([
      { title: T.rank, cell: (x) => String(x.rank) },
      { title: T.usersTitle, cell: (x) => x.user },
      { title: T.leaderTime, cell: (x) => duration(x.succeeded_in_s) },
      { title: T.leaderCut, cell: (x) => yuan(x.cut_total_fen) },
    ], board.items.slice(0, 10), { empty: T.none }));
  }

  // each game's plays, prizes given and stock left (GET .../games' stats)
  function drawGames(games) {
    clear(gamesBox, table([
      { title: T.gameTitle, cell: (g) => h('a', { href: '#/games/' + g.campaign_id }, g.title) },
      { title: T.gameKind, cell: (g) => T.gameKinds[g.kind === 'auction' ? g.config.mode : g.kind] || g.kind },
      { title: T.status, cell: (g) => (g.published ? T.gamePublished : T.gameDraft) },
      { title: T.gamePlays, key: 'plays', cell: (g) => String(g.stats.plays) },
      { title: T.gamePlayers, key: 'players', cell: (g) => String(g.stats.players) },
      { title: T.gamePrizesGiven, key: 'prizes_given', cell: (g) => String(g.stats.prizes_given) },
      { title: T.gameStockLeft, key: 'stock_left', cell: (g) => (g.stats.stock_left === null ? '—' : String(g.stats.stock_left)) },
    ], games.items, { empty: T.gamesEmpty }));
  }

  // Each promotion's standing orders and the subsidy they took; the
  // campaign's budget beside their sum.
  function drawPromotions(list, campaign) {
    const spent = list.items.reduce((sum, p) => sum + p.used.subsidy_fen, 0);
    const budget = campaign.subsidy_budget_fen ?? null;
    clear(promotionsBox,
      h('p', { class: 'muted' }, T.budgetSpent(yuan(spent)), ' · ', budget === null ? T.budgetUnlimited : T.budgetLeft(yuan(budget - spent))),
      table([
        { title: T.promotionKind, cell: (p) => T.promotionKinds[p.kind] || p.kind },
        { title: T.promotionTitle, cell: (p) => p.title },
        { title: T.promotionOrders, key: 'orders', cell: (p) => String(p.used.count) },
        { title: T.promotionSubsidy, key: 'subsidy', cell: (p) => yuan(p.used.subsidy_fen) },
      ], list.items, { empty: T.promotionsEmpty }));
    for (const [i, row] of promotionsBox.querySelectorAll('tbody tr').entries()) if (list.items[i]) row.dataset.promotion = String(list.items[i].id);
  }

  async function load(id) {
    try {
      const [s, board, games, promotions, campaign] = await Promise.all([api.get(`/admin/campaigns/${id}/stats`),
        api.get(`/campaigns/${id}/leaderboard`), api.get(`/admin/campaigns/${id}/games`),
        api.get(`/admin/campaigns/${id}/promotions`), api.get(`/admin/campaigns/${id}`)]);
      if (!stopped) { draw(s); drawLeaders(board); drawGames(games); drawPromotions(promotions, campaign); }
    } catch (err) {
      updated.textContent = err.message;
    }
    if (!stopped) timer = setTimeout(() => load(id), REFRESH_S * 1000);
  }

  (async () => {
    try {
      const list = await api.get('/admin/campaigns?limit=100');
      const id = Number(args[0]) || (list.items[0] && list.items[0].id);
      clear(picker, list.items.map((c) => h('option', { value: String(c.id), selected: c.id === id }, `${c.id} · ${c.title}`)));
      if (id) load(id);
      else updated.textContent = T.none;
    } catch (err) {
      updated.textContent = err.message;
    }
  })();

  return () => { stopped = true; clearTimeout(timer); funnel.destroy(); hourly.destroy(); };
}
