// pages/game.js — the games of /g/{id} other than the wheel (wheel.js hands
// them here): guess the price (one guess each, the answer hidden until the
// end, then the answer and the winners) and the auctions. English: the
// current price, a bid form that starts at the least a bid may be (the
// price plus the step), "outbid" said in words, both when a bid comes too
// late (409 outbid) and when someone bids over the shopper's own. Dutch:
// the price stepping down on the server's clock with a countdown to the
// next step, and "take it" (the first taker wins and is led to the order).

import { T, fmt } from '../texts.js';
import { get, post, serverNow } from '../api.js';
import { h, put, price, yuan, countdown, duration, failure, loading, navigate, link, picture, setTitle, toast, localDate } from '../ui.js';
import { requireLogin } from '../login.js';
import { topbar } from './campaign.js';

const REFRESH_MS = 5000;
const BID_KEY = 'kanjia.bid.';

// "12.5" (yuan, as typed) → 1250 fen; null when it is not a price.
function fenOf(text) {
  const m = String(text || '').trim().match(/^(\d{1,9})(?:\.(\d{1,2}))?$/);
  return m ? Number(m[1]) * 100 + Number((m[2] || '0').padEnd(2, '0')) : null;
}

function myBid(id) {
  try { return Number(sessionStorage.getItem(BID_KEY + id)) || 0; } catch { return 0; }
}
function rememberBid(id, fen) {
  try { sessionStorage.setItem(BID_KEY + id, String(fen)); } catch { /* the page still works */ }
}

// The Dutch price at ms on the server's clock (game.js mirrors the
// server's auction_dutch_price) and when it next steps down (null: at the floor).
export function dutchPrice(game, ms) {
  const since = Math.floor((ms - Date.parse(game.starts_at)) / 1000);
  if (since <= 0) return { fen: game.start_fen, next: Date.parse(game.starts_at) + game.drop_every_s * 1000 };
  const drops = Math.floor(since / game.drop_every_s);
  const fen = Math.max(game.floor_fen, game.start_fen - drops * game.drop_fen);
  const next = fen > game.floor_fen ? Date.parse(game.starts_at) + (drops + 1) * game.drop_every_s * 1000 : null;
  return { fen, next };
}

// Shows game (already loaded) in view; returns the page's cleanup.
export function show(view, game, id) {
  let alive = true;
  let timer = 0;
  let item = null;

  async function reload(note) {
    try {
      game = await get('/games/' + id);
    } catch (e) {
      if (alive) put(view, topbar(), failure(e.text, () => reload()));
      return;
    }
    if (alive) draw(note);
  }

  function schedule() {
    clearTimeout(timer);
    if (alive && game.kind === 'auction' && game.open) timer = setTimeout(() => reload(), REFRESH_MS);
  }

  function itemCard() {
    if (!item) return null;
    return h('div.item-top.game-item',
      picture(item.images, item.name),
      h('div.item-body', h('h2.name', item.name), h('p', h('s.orig', T.originalPrice, ' ', price(item.original_price_fen)))));
  }

  function head() {
    return h('header.banner',
      h('h1', game.title),
      h('p', fmt(T.gameWindow, { from: localDate(game.starts_at), to: localDate(game.ends_at) })),
      game.open ? h('p.timer', T.endsIn, ' ', countdown(game.ends_at, () => alive && setTimeout(() => reload(), 1000))) : null);
  }

  function draw(note) {
    setTitle(game.title);
    const body = game.kind === 'guess_price' ? guess() : game.mode === 'dutch' ? dutch() : english(note);
    put(view, topbar(), head(), h('section.card.game', { dataset: { kind: game.kind, mode: game.mode || '' } }, itemCard(), body),
      link('/c/' + game.campaign_id, h('span.btn.ghost.block', T.gameBackToCampaign)));
    schedule();
  }

  // ------------------------------------------------------ guess the price
  function guess() {
    const reward = game.reward || {};
    const rewardText = reward.coupon ? fmt(T.guessRewardCoupon, { title: reward.coupon.title, amount: yuan(reward.coupon.amount_fen) })
      : reward.prize ? fmt(T.guessRewardPrize, { prize: reward.prize }) : '';
    const lines = [h('p.sub', fmt(T.guessRule, { tolerance: yuan(game.tolerance_fen) })), rewardText ? h('p.sub', rewardText) : null];
    if (game.answer_fen != null) {
      const winners = game.winners || [];
      return [lines, h('p.answer', fmt(T.guessAnswer, { price: price(game.answer_fen) })),
        game.my_guess_fen != null ? h('p.mine', fmt(T.guessMine, { price: price(game.my_guess_fen) })) : null,
        h('h3', fmt(T.guessWinners, { n: winners.length })),
        winners.length ? h('ul.winners', winners.map((w) => h('li', w.user, ' · ', price(w.price_fen)))) : h('p.sub', T.none)];
    }
    if (game.my_guess_fen != null) {
      return [lines, h('p.mine', fmt(T.guessMine, { price: price(game.my_guess_fen) })), h('p.sub', T.guessWait)];
    }
    const input = h('input.price-input', { type: 'text', inputmode: 'decimal', name: 'price', placeholder: T.guessPlaceholder, autocomplete: 'off' });
    const button = h('button.btn.block', { type: 'submit', disabled: !game.open }, game.open ? T.guessSubmit : T.gameNotOpen);
    const form = h('form.bid-form', {
      onsubmit: async (e) => {
        e.preventDefault();
        const fen = fenOf(input.value);
        if (!fen) { toast(T.pricePlease); return; }
        if (!(await requireLogin()) || !alive) return;
        button.disabled = true;
        try {
          await post('/games/' + id + '/play', { price_fen: fen });
          toast(T.guessDone);
        } catch (err) { toast(err.text, 3500); }
        reload();
      },
    }, h('label', T.guessLabel, input), button);
    return [lines, form];
  }

  // ------------------------------------------------------ English auction
  function english(note) {
    const hasBid = game.bids > 0;
    const least = hasBid ? game.current_price_fen + game.step_fen : game.start_fen;
    const mine = myBid(id);
    // Said in words: the shopper's own bid was beaten (the server knows who leads).
    const outbid = mine > 0 && game.leading === false;
    const input = h('input.price-input', { type: 'text', inputmode: 'decimal', name: 'amount', value: yuan(least), autocomplete: 'off' });
    const button = h('button.btn.block.bid', { type: 'submit', disabled: !game.open }, game.open ? T.auctionBid : T.gameNotOpen);
    const form = h('form.bid-form', {
      onsubmit: async (e) => {
        e.preventDefault();
        const fen = fenOf(input.value);
        if (!fen) { toast(T.pricePlease); return; }
        if (!(await requireLogin()) || !alive) return;
        button.disabled = true;
        try {
          await post('/games/' + id + '/play', { amount_fen: fen });
          rememberBid(id, fen);
          toast(fmt(T.auctionBidDone, { price: price(fen) }));
          reload();
        } catch (err) {
          // 409 outbid: someone was first; say so with the new price.
          if (err.code === 'outbid') {
            await reload();
            if (alive) toast(fmt(T.auctionOutbidNow, { price: price(game.current_price_fen), least: price(game.current_price_fen + game.step_fen) }), 4000);
            return;
          }
          toast(err.text, 3500);
          button.disabled = false;
        }
      },
    }, h('label', fmt(T.auctionYourBid, { least: price(least) }), input), button);
    const state = game.leading === true ? h('p.notice.leading', T.auctionLeading)
      : outbid ? h('p.notice.outbid', { role: 'alert' }, fmt(T.auctionOutbid, { mine: price(mine), price: price(game.current_price_fen) }))
        : null;
    return [
      h('p.current', hasBid ? T.auctionCurrent : T.auctionStartPrice, ' ', h('b.price', price(game.current_price_fen))),
      h('p.sub', fmt(T.auctionBids, { n: game.bids }), ' · ', fmt(T.auctionStep, { step: price(game.step_fen) })),
      state, note ? h('p.sub', note) : null,
      game.open ? form : h('p.sub', game.has_winner ? T.auctionEnded : T.gameNotOpen),
      h('p.sub', T.auctionRule)];
  }

  // -------------------------------------------------------- Dutch auction
  function dutch() {
    const priceEl = h('b.price');
    const nextEl = h('span.next');
    const tick = () => {
      const now = dutchPrice(game, serverNow());
      priceEl.textContent = price(game.has_winner ? game.current_price_fen : now.fen);
      nextEl.textContent = game.has_winner || !game.open ? ''
        : now.next === null ? T.dutchAtFloor : fmt(T.dutchNextDrop, { s: duration((now.next - serverNow()) / 1000), drop: price(game.drop_fen) });
    };
    tick();
    const ticker = setInterval(() => { if (!priceEl.isConnected) clearInterval(ticker); else tick(); }, 1000);
    const button = h('button.btn.block.take', { type: 'button', disabled: !game.open || game.has_winner },
      game.has_winner ? T.dutchTaken : game.open ? T.dutchTake : T.gameNotOpen);
    button.addEventListener('click', async () => {
      if (!(await requireLogin()) || !alive) return;
      button.disabled = true;
      try {
        const r = await post('/games/' + id + '/play', {});
        toast(fmt(T.dutchWon, { price: price(r.amount_fen) }), 3500);
        if (r.order_id) navigate('/o/' + r.order_id);
        else reload();
      } catch (err) {
        toast(err.code === 'game_closed' ? T.dutchTooLate : err.text, 3500);
        reload();
      }
    });
    return [
      h('p.current', T.dutchNow, ' ', priceEl),
      h('p.sub', nextEl),
      h('p.sub', fmt(T.dutchRule, { start: price(game.start_fen), floor: price(game.floor_fen), drop: price(game.drop_fen), s: game.drop_every_s })),
      game.leading ? h('p.notice.leading', T.dutchYours) : null,
      button];
  }

  put(view, loading());
  (async () => {
    if (game.item_id) {
      try {
        const c = await get('/campaigns/' + game.campaign_id);
        item = (c.items || []).find((x) => x.id === game.item_id) || null;
      } catch { /* the game shows without its item */ }
    }
    if (alive) draw();
  })();
  return () => { alive = false; clearTimeout(timer); };
}
