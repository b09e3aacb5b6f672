// pages/campaign.js — the campaign page: its items with picture, the price
// in force (and its honest struck-through "was" price), the timed
// discount's countdown and the promotions that apply (promos.js), floor
// price, stock left, the countdown to its end, the rules and rewards, the
// leaderboard, "cut now" and "buy now". At / it lists the active campaigns,
// or shows the only one.

import { T, fmt } from '../texts.js';
import { get, post, token } from '../api.js';
import { h, put, price, yuan, countdown, duration, failure, loading, picture, navigate, link, setTitle, toast } from '../ui.js';
import { requireLogin } from '../login.js';
import { rememberOwn } from './shared.js';
import { priceBlock, tagsFor, promotionList } from './promos.js';

// The shopper's newest bargain per item id (empty when logged out).
async function myBargains() {
  const byItem = new Map();
  if (!token()) return byItem;
  try {
    const r = await get('/me/bargains?limit=100');
    for (const b of (r && r.items) || []) if (!byItem.has(b.item_id)) byItem.set(b.item_id, b);
  } catch { /* the page works without it */ }
  return byItem;
}

export function render(view, [id]) {
  let alive = true;
  let own = new Map();
  const load = async () => {
    put(view, loading());
    try {
      if (id) {
        const [c, mine] = await Promise.all([get('/campaigns/' + id), myBargains()]);
        return show(c, mine);
      }
      const list = await get('/campaigns');
      const items = (list && list.items) || [];
      const live = items.filter((c) => c.status === 'active');
      // The only campaign: its own read, which carries prices and promotions.
      if (live.length === 1 && items.length === 1) {
        const [c, mine] = await Promise.all([get('/campaigns/' + live[0].id), myBargains()]);
        return show(c, mine);
      }
      showList(items);
    } catch (e) {
      if (alive) put(view, failure(e.text, load));
    }
  };

  function showList(items) {
    setTitle('');
    put(view, 
      topbar(),
      h('h1.title', T.campaignsTitle),
      items.length
        ? items.map((c) => link('/c/' + c.id, h('div.card.campaign-link',
          h('h2', c.title),
          h('p.sub', statusText(c)),
          h('div.thumbs', (c.items || []).slice(0, 3).map((i) => picture(i.images, i.name, 'thumb'))))))
        : h('p.empty', T.noCampaigns));
  }

  function show(c, mine = new Map()) {
    if (!alive) return;
    own = mine;
    setTitle(c.title);
    const ends = c.status === 'upcoming' ? c.starts_at : c.ends_at;
    put(view, 
      topbar(),
      h('header.banner',
        h('h1', c.title),
        c.status === 'ended'
          ? h('p.timer', T.ended)
          : h('p.timer', c.status === 'upcoming' ? T.startsIn : T.endsIn, ' ',
            countdown(ends, () => alive && setTimeout(load, 1000)))),
      promotionList(c, null),
      h('section.items', (c.items || []).map((item) => itemCard(c, item))),
      gamesCard(c),
      leaderboard(c));
  }

  function itemCard(c, item) {
    const soldOut = item.stock_left <= 0;
    const going = own.get(item.id);
    if (going && going.status !== 'expired') {
      // The shopper's own bargain on this item: straight back to it.
      return card(c, item, soldOut, link('/b/' + going.id,
        h('span.btn.block.cut' + (going.status === 'ordered' ? '.ghost' : ''), going.status === 'ordered' ? T.ordered : T.continueCut)));
    }
    const btn = h('button.btn.block.cut', {
      type: 'button', disabled: c.status !== 'active' || soldOut, dataset: { item: item.id },
    }, soldOut ? T.soldOut : c.status === 'upcoming' ? T.statusUpcoming : c.status === 'ended' ? T.statusEnded : T.cutNow);
    btn.addEventListener('click', () => start(item, btn));
    return card(c, item, soldOut, btn);
  }

  function card(c, item, soldOut, action) {
    const buy = c.status === 'active' && !soldOut
      ? link('/c/' + c.id + '/i/' + item.id, h('span.btn.block.ghost.buy', T.buyNow)) : null;
    return h('article.card.item', { dataset: { item: item.id } },
      h('div.item-top',
        link('/c/' + c.id + '/i/' + item.id, picture(item.images, item.name)),
        h('div.item-body',
          h('h2.name', link('/c/' + c.id + '/i/' + item.id, item.name)),
          priceBlock(c, item, () => alive && setTimeout(load, 1000)),
          h('p.floor', T.floorPrice, h('br'), h('b', price(item.floor_price_fen))),
          h('p', h('span.orig', T.originalPrice, ' ', price(item.original_price_fen))),
          h('p.stock', soldOut ? T.soldOut : fmt(T.stockLeft, { n: item.stock_left })))),
      tagsFor(c, item),
      rules(item),
      action,
      buy);
  }

  async function start(item, btn) {
    if (!(await requireLogin()) || !alive) return;
    btn.disabled = true;
    try {
      const b = await post('/bargains', { item_id: item.id });
      rememberOwn(b);
      let first = null;
      if (b.cut_total_fen === 0 && b.status === 'active') {
        // A new bargain opens with the shopper's own first cut.
        first = await post('/bargains/' + b.id + '/cut').catch(() => null);
      }
      if (first) toast(fmt(T.firstCut, { amount: yuan(first.cut_fen) }), 3500);
      navigate('/b/' + b.id);
    } catch (e) {
      if (e.code === 'bargain_limit') {
        // Already bargained on this item: show that bargain if it still counts.
        const going = (await myBargains()).get(item.id);
        if (going && going.status !== 'expired') return navigate('/b/' + going.id);
      }
      toast(e.text, 3500);
      btn.disabled = false;
    }
  }

  load();
  return () => { alive = false; };
}

function statusText(c) {
  if (c.status === 'active') return T.statusActive;
  if (c.status === 'upcoming') return T.statusUpcoming;
  return T.statusEnded;
}

function rules(item) {
  const r = item.rules || {};
  const lines = [];
  if (r.target_cuts) lines.push(fmt(T.ruleTargetCuts, { n: r.target_cuts }));
  else if (r.cut_min_fen && r.cut_max_fen) lines.push(fmt(T.ruleCutRange, { min: yuan(r.cut_min_fen), max: yuan(r.cut_max_fen) }));
  if (r.self_cuts_per_day) lines.push(fmt(T.ruleSelfPerDay, { n: r.self_cuts_per_day }));
  if (r.helps_per_user_per_day) lines.push(fmt(T.ruleHelpsPerDay, { n: r.helps_per_user_per_day }));
  if (r.bargain_ttl_s) lines.push(fmt(T.ruleTtl, { h: Math.round(r.bargain_ttl_s / 360) / 10 }));
  if (r.pay_within_s) lines.push(fmt(T.rulePayWithin, { m: Math.round(r.pay_within_s / 60) }));
  const w = item.rewards || {};
  const rewards = [];
  for (const m of w.initiator || []) {
    if (m.coupon) rewards.push(fmt(T.rewardInitiatorCoupon, { n: m.helpers, title: m.coupon.title }));
    if (m.prize) rewards.push(fmt(T.rewardInitiatorPrize, { n: m.helpers, prize: m.prize }));
  }
  if (w.helper && w.helper.coupon) rewards.push(fmt(T.rewardHelper, { title: w.helper.coupon.title }));
  for (const b of w.leaderboard || []) rewards.push(fmt(T.rewardBoard, { rank: b.rank, prize: b.prize }));
  return h('details.rules',
    h('summary', T.rulesTitle),
    h('ul', lines.map((l) => h('li', l))),
    rewards.length ? [h('h3', T.rewardsTitle), h('ul', rewards.map((l) => h('li', l)))] : null);
}

function leaderboard(c) {
  const box = h('section.card.board', h('h2', T.leaderboardTitle), h('p.sub', T.loading));
  get('/campaigns/' + c.id + '/leaderboard').then((r) => {
    const rows = (r && r.items) || [];
    put(box, h('h2', T.leaderboardTitle), rows.length
      ? h('ol', rows.slice(0, 10).map((x) => h('li', fmt(T.leaderboardRow, { user: x.user, time: duration(x.succeeded_in_s) }))))
      : h('p.sub', T.none));
  }).catch(() => box.remove());
  return box;
}

// The campaign's published games (wheel, guess the price, auctions), each a
// link to /g/{id}; no card when there is none.
function gamesCard(c) {
  const box = h('section.card.games', { hidden: true });
  get('/campaigns/' + c.id + '/games').then((r) => {
    const games = (r && r.items) || [];
    if (!games.length) return box.remove();
    put(box, h('h2', T.gamesTitle), h('ul', games.map((g) => h('li', { dataset: { game: g.id } },
      link('/g/' + g.id, h('span.kind', T.gameKinds[g.kind === 'auction' ? g.mode : g.kind] || ''), ' ', h('b', g.title),
        ' ', h('span.sub', g.open ? T.gameOpenNow : T.gameNotOpen))))));
    box.hidden = false;
  }).catch(() => box.remove());
  return box;
}

export function topbar() {
  return h('nav.topbar', link('/', T.home), link('/me', T.me));
}
