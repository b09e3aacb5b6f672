// pages/bargain.js — the shopper's own bargain: original price, cut, left,
// progress bar, "N more cuts", countdown, the cut list, the share button,
// and the success state leading to checkout. Each cut shows as it happens:
// the page holds the bargain's live stream (live.js), which nginx feeds
// with every change; where no stream can be had it polls with
// If-None-Match (an unchanged poll is a bodiless 304), slower while
// nothing changes.

import { T, fmt } from '../texts.js';
import { request, get, post, token } from '../api.js';
import { watch } from '../live.js';
import { h, put, price, yuan, countdown, failure, loading, picture, link, setTitle, toast } from '../ui.js';
import { requireLogin } from '../login.js';
import { topbar } from './campaign.js';
import { rememberOwn, progress, cutList, shareButton, shareTitle, shareUrl, inWeChat, shareCard } from './shared.js';

const CUTS_SHOWN_MAX = 1000; // as many as GET /bargains/{id} lists

export function render(view, [id]) {
  let alive = true;
  let etag = null;
  let bargain = null;
  let item = null;
  let seenCuts = null;
  let watcher = null;

  // Active and succeeded bargains still change (cuts, then the order).
  const open = (b) => b.status === 'active' || b.status === 'succeeded';

  // One conditional poll, for the fallback: true when the bargain changed.
  async function poll() {
    if (!alive) return false;
    try {
      const r = await request('/bargains/' + id, { etag });
      if (!alive || r.status === 304) return false;
      etag = r.etag;
      update(r.data);
      return true;
    } catch (e) {
      if (e.status === 401 || e.status === 404) {
        stopWatching();
        first();
        return false;
      }
      throw e;
    }
  }

  // An event carries the newest cuts and cuts_count (how many there are):
  // the state with the whole list the page shows, or null when the page
  // cannot tell which cuts it missed (then it reloads once).
  function withCuts(state) {
    if (typeof state.cuts_count !== 'number') return state;
    const shown = (bargain && bargain.cuts) || [];
    const counted = bargain && typeof bargain.cuts_count === 'number';
    // GET lists at most CUTS_SHOWN_MAX: a list that long may stand for more.
    if (!counted && shown.length >= CUTS_SHOWN_MAX) return null;
    const added = state.cuts_count - (counted ? bargain.cuts_count : shown.length);
    const fresh = state.cuts || [];
    if (added < 0 || added > fresh.length) return null;
    return { ...state, cuts: fresh.slice(0, added).concat(shown).slice(0, CUTS_SHOWN_MAX) };
  }

  function stopWatching() {
    if (watcher) watcher.stop();
    watcher = null;
  }

  function startWatching(b) {
    stopWatching();
    if (!open(b)) return;
    const t = token();
    watcher = watch({
      url: '/api/v1/bargains/' + id + '/events' + (t ? '?token=' + encodeURIComponent(t) : ''),
      onState: (state) => {
        if (!alive) return;
        const merged = withCuts(state);
        if (!merged) {
          // More cuts than the event carries went by (a long reconnect): one reload.
          etag = null;
          poll().catch(() => {});
          return;
        }
        // The stream starts with the state the page already shows: skip it.
        if (JSON.stringify(merged) === JSON.stringify(bargain)) return;
        etag = null;
        update(merged);
      },
      poll,
      keepOpen: open,
    });
  }

  async function first() {
    put(view, loading());
    if (!(await requireLogin())) {
      put(view, topbar(), failure(T.loginToSee));
      return;
    }
    try {
      const r = await request('/bargains/' + id);
      etag = r.etag;
      const b = r.data;
      rememberOwn(b);
      const c = await get('/campaigns/' + b.campaign_id).catch(() => null);
      item = c && (c.items || []).find((i) => i.id === b.item_id);
      if (!alive) return;
      update(b);
      // In WeChat the share menu shares the address bar: show the share link there.
      const url = shareUrl(b);
      if (inWeChat() && url.startsWith(location.origin + '/')) history.replaceState(null, '', url.slice(location.origin.length));
      shareCard(b, item); // after the address is final: the JS-SDK signs this page's URL
      startWatching(b);
    } catch (e) {
      if (!alive) return;
      put(view, topbar(), failure(e.status === 404 ? T.notYours : e.text, e.status === 404 ? null : first));
    }
  }

  function update(b) {
    const before = seenCuts;
    bargain = b;
    const cuts = b.cuts || [];
    if (before !== null && cuts.length > before) {
      const newest = cuts[0];
      if (newest && newest.by !== 'self') toast(fmt(T.newCut, { who: newest.by, amount: yuan(newest.cut_fen) }));
    }
    seenCuts = cuts.length;
    const name = item ? item.name : '';
    // The title is the share card's title in WeChat: the configured wording.
    if (b.status === 'active' && name) document.title = shareTitle(name, b);
    else setTitle(T.bargainTitle);
    put(view, 
      topbar(),
      h('section.card.head',
        item ? picture(item.images, name) : null,
        h('div',
          h('h1.name', name || T.bargainTitle),
          h('p.prices', h('span.floor', T.current, ' ', h('b.current', price(b.current_price_fen))),
            h('s.orig', price(b.original_price_fen))))),
      state(b),
      progress(b),
      cutList(cuts));
  }

  function state(b) {
    if (b.status === 'active') {
      const self = h('button.btn.block.ghost.self-cut', { type: 'button' }, T.selfCut);
      self.addEventListener('click', async () => {
        self.disabled = true;
        try {
          const r = await post('/bargains/' + id + '/cut');
          toast(fmt(T.selfCutDone, { amount: yuan(r.cut_fen) }));
          // The stream brings the cut; a polling page looks at once.
          etag = null;
          if (watcher) watcher.nudge();
          else await poll();
        } catch (e) {
          toast(e.text, 3500);
        } finally {
          self.disabled = false;
        }
      });
      return h('section.actions', nextReward(b), shareButton(b, item && item.name), self);
    }
    if (b.status === 'succeeded') {
      const payBy = item && item.rules && b.succeeded_at
        ? new Date(Date.parse(b.succeeded_at) + item.rules.pay_within_s * 1000).toISOString() : null;
      return h('section.card.success',
        h('h2', T.succeeded),
        h('p', fmt(T.succeededHint, { price: yuan(b.current_price_fen) })),
        payBy ? h('p.timer', T.payWithin, ' ', countdown(payBy)) : null,
        link('/b/' + b.id + '/checkout', h('span.btn.block.checkout', T.toCheckout)));
    }
    if (b.status === 'ordered') {
      return h('section.card.success', h('h2', T.ordered), link('/me', h('span.btn.block.ghost', T.viewOrders)));
    }
    return h('section.card.closed',
      h('h2', T.expired), h('p', T.expiredHint),
      link('/c/' + b.campaign_id, h('span.btn.block.ghost', T.startAgain)));
  }

  // The next initiator reward by number of helpers, if one is left.
  function nextReward(b) {
    const steps = ((item && item.rewards && item.rewards.initiator) || [])
      .filter((m) => m.helpers > b.helpers).sort((x, y) => x.helpers - y.helpers);
    const m = steps[0];
    if (!m) return null;
    const reward = m.coupon ? m.coupon.title : m.prize;
    return reward ? h('p.next-reward', fmt(T.nextReward, { n: m.helpers - b.helpers, reward })) : null;
  }

  const onVisible = () => { if (!document.hidden && watcher) watcher.nudge(); };
  document.addEventListener('visibilitychange', onVisible);
  first();
  return () => {
    alive = false;
    stopWatching();
    document.removeEventListener('visibilitychange', onVisible);
  };
}
