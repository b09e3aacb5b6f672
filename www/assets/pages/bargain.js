// pages/bargain.js — the shopper's own bargain: original price, cut, left,
// progress bar, "N more cuts", countdown, the cut list, the share button,
// and the success state leading to checkout. Refreshes itself every
// CONFIG.pollMs with If-None-Match, so an unchanged poll is a bodiless 304.

import { T, fmt } from '../texts.js';
import { CONFIG } from '../config.js';
import { request, get, post } from '../api.js';
import { h, put, price, yuan, countdown, failure, loading, picture, link, setTitle, toast } from '../ui.js';
import { requireLogin } from '../login.js';
import { topbar } from './campaign.js';
import { rememberOwn, progress, cutList, shareButton, shareTitle, shareUrl, inWeChat, shareCard } from './shared.js';

export function render(view, [id]) {
  let alive = true;
  let etag = null;
  let timer = 0;
  let bargain = null;
  let item = null;
  let seenCuts = null;

  const schedule = () => {
    clearTimeout(timer);
    if (alive && bargain && (bargain.status === 'active' || bargain.status === 'succeeded')) {
      timer = setTimeout(poll, CONFIG.pollMs);
    }
  };

  async function poll() {
    if (!alive) return;
    if (document.hidden) return schedule();
    try {
      const r = await request('/bargains/' + id, { etag });
      if (!alive) return;
      if (r.status !== 304) {
        etag = r.etag;
        update(r.data);
      }
    } catch (e) {
      if (e.status === 401 || e.status === 404) return first();
    }
    schedule();
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
      schedule();
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
          etag = null;
          await poll();
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

  const onVisible = () => { if (!document.hidden && bargain) poll(); };
  document.addEventListener('visibilitychange', onVisible);
  first();
  return () => {
    alive = false;
    clearTimeout(timer);
    document.removeEventListener('visibilitychange', onVisible);
  };
}
