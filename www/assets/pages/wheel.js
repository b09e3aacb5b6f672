// pages/wheel.js — the lucky wheel (/g/{id}): the published odds and the
// stock left of every prize shown before a spin, the shopper's spins left
// today, the spin itself (the server draws and stores the outcome; the
// wheel only turns to it), and the result. Other kinds of game at /g/{id}
// go to pages/game.js.

import { T, fmt } from '../texts.js';
import { get, post } from '../api.js';
import { h, put, failure, loading, setTitle, localDate, toast, yuan } from '../ui.js';
import { requireLogin } from '../login.js';
import { topbar } from './campaign.js';

const SPIN_MS = 3600;
const TURNS = 5;
const COLOURS = ['#ffe3d6', '#ffd0b8'];

export function render(view, [id]) {
  let alive = true;
  let turned = 0; // degrees the wheel has turned so far
  let game = null;
  let spinning = false;
  let otherCleanup = null;

  async function load(after) {
    if (!game) put(view, loading());
    try {
      game = await get('/games/' + id);
    } catch (e) {
      if (alive) put(view, topbar(), failure(e.text, () => load()));
      return;
    }
    if (!alive) return;
    setTitle(game.title || T.wheelTitle);
    if (game.kind !== 'wheel') {
      // Guess the price and the auctions have a page module of their own.
      const other = await import('./game.js');
      if (alive) otherCleanup = other.show(view, game, id);
      return;
    }
    show(after);
  }

  function show(after) {
    const prizes = game.prizes || [];
    const step = 360 / Math.max(prizes.length, 1);
    const disc = h('div.wheel-disc', prizes.map((p, i) => h('span.wheel-label', {
      dataset: { slot: String(i) },
    }, p.name)));
    // Segments as one conic gradient (CSSOM: allowed by the page's CSP).
    disc.style.background = 'conic-gradient(' + prizes.map((p, i) => COLOURS[i % 2] + ' ' + (i * step)
      + 'deg ' + ((i + 1) * step) + 'deg').join(', ') + ')';
    disc.querySelectorAll('.wheel-label').forEach((label, i) => {
      label.style.transform = 'rotate(' + (i * step + step / 2) + 'deg) translateY(-88px)';
    });
    disc.style.transform = 'rotate(' + turned + 'deg)';
    const left = game.plays_left_today;
    const button = h('button.btn.wheel-spin', { type: 'button', disabled: !game.open || left === 0 },
      T.wheelSpin);
    const result = h('p.wheel-result', { role: 'status', 'aria-live': 'polite' }, after || '');
    button.addEventListener('click', () => spin(disc, step, button, result));
    const odds = h('ul.wheel-odds', prizes.map((p) => h('li', { dataset: { kind: p.kind } },
      h('span.name', p.name, p.kind === 'red_packet' && p.red_packet_max_fen
        ? h('small.cap', fmt(T.wheelRedPacketMax, { amount: yuan(p.red_packet_max_fen) })) : null),
      h('span.chance', fmt(T.wheelChance, { p: percent(p.probability) })),
      h('span.stock', p.kind === 'none' ? T.wheelNoStock
        : p.stock_left > 0 ? fmt(T.wheelStock, { n: p.stock_left }) : T.wheelStockOut))));
    put(view, topbar(),
      h('header.banner',
        h('h1', game.title || T.wheelTitle),
        h('p', fmt(T.gameWindow, { from: localDate(game.starts_at), to: localDate(game.ends_at) })),
        h('p', game.cost_points > 0 ? fmt(T.wheelCost, { n: game.cost_points }) : T.wheelFree,
          ' · ', fmt(T.wheelPerDay, { n: game.spins_per_day }))),
      h('section.card.wheel',
        h('div.wheel-box', disc, h('div.wheel-pointer')),
        button,
        h('p.sub.plays', !game.open ? T.wheelClosed
          : left === null || left === undefined ? T.wheelLoginToSee
            : left > 0 ? fmt(T.wheelPlaysLeft, { n: left }) : T.wheelPlaysNone),
        result),
      h('section.card.list', h('h2', T.wheelOdds), odds, h('p.sub', T.wheelOddsNote)));
  }

  async function spin(disc, step, button, result) {
    if (spinning) return;
    if (!(await requireLogin())) return;
    spinning = true;
    button.disabled = true;
    button.textContent = T.wheelSpinning;
    result.textContent = '';
    let answer;
    try {
      answer = await post('/games/' + id + '/play', {});
    } catch (e) {
      spinning = false;
      toast(e.text);
      await load(e.text);
      return;
    }
    // Turn so that the won slot (or a "none" slot for no prize) stops
    // under the pointer at the top.
    const prizes = game.prizes || [];
    let slot = answer.prize && typeof answer.prize.slot === 'number' ? answer.prize.slot
      : prizes.findIndex((p) => p.kind === 'none');
    if (slot < 0) slot = 0;
    const centre = slot * step + step / 2;
    const base = Math.ceil(turned / 360) * 360 + TURNS * 360;
    turned = base + (360 - centre);
    disc.classList.add('spinning');
    disc.style.transform = 'rotate(' + turned + 'deg)';
    await new Promise((resolve) => {
      const done = () => { disc.removeEventListener('transitionend', done); resolve(); };
      disc.addEventListener('transitionend', done);
      setTimeout(done, SPIN_MS + 400);
    });
    if (!alive) return;
    spinning = false;
    const won = answer.prize && answer.prize.kind !== 'none';
    const lines = [won ? fmt(T.wheelWon, { name: answer.prize.name }) : T.wheelNothing];
    if (answer.coupon) lines.push(T.wheelCoupon);
    if (answer.red_packet) lines.push(fmt(T.wheelRedPacket, { amount: yuan(answer.red_packet.amount_fen) }));
    if (answer.prize && answer.prize.kind === 'item') lines.push(T.wheelItem);
    if (typeof answer.points_balance === 'number') lines.push(fmt(T.wheelPoints, { n: answer.points_balance }));
    document.body.dataset.wheelResult = won ? answer.prize.kind : 'none';
    await load(lines.join(' '));
  }

  load();
  return () => { alive = false; if (otherCleanup) otherCleanup(); };
}

// 0.25 → "25", 0.125 → "12.5": at most two decimals, no float noise.
function percent(p) {
  return String(Math.round((Number(p) || 0) * 10000) / 100);
}
