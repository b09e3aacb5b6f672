// pages/share.js — the share landing (/s/{code}) a friend opens from a chat:
// what they help with, "help" (with login if needed), the cut they made,
// their reward, and "start your own". The bargain's owner sees their own
// bargain page here instead. The progress follows the share stream
// (live.js) while the bargain is active; without a stream the landing
// shows what it loaded (it never polls: a changed landing counts an open).

import { T, fmt } from '../texts.js';
import { CONFIG } from '../config.js';
import { get, post, token, user } from '../api.js';
import { h, put, price, yuan, failure, loading, picture, link, toast } from '../ui.js';
import { requireLogin } from '../login.js';
import { topbar } from './campaign.js';
import { ownBargainId, helpedOn, rememberHelp, progress, cutList, shareTitle, shareCard } from './shared.js';
import { leaveBlockedDomain } from '../wechat.js';
import * as bargainPage from './bargain.js';
import { watch } from '../live.js';

export function render(view, [code]) {
  let alive = true;
  let inner = null;
  let landing = null;
  let watcher = null;
  let helping = false; // a help in flight renders its own answer

  function follow() {
    if (watcher || landing.status !== 'active') return;
    watcher = watch({
      url: '/api/v1/s/' + encodeURIComponent(code) + '/events',
      onState: (state) => {
        if (!alive || JSON.stringify(state) === JSON.stringify(landing)) return;
        landing = state;
        if (!helping) show();
      },
      keepOpen: (state) => state.status === 'active',
    });
  }

  async function load() {
    if (watcher) watcher.stop();
    watcher = null;
    put(view, loading());
    // a link made on a share domain WeChat has since blocked: go to the current one
    if (await leaveBlockedDomain()) return;
    if (token()) {
      const mine = await ownBargainId(code);
      if (!alive) return;
      if (mine) {
        inner = bargainPage.render(view, [String(mine)]);
        return;
      }
    }
    try {
      landing = await get('/s/' + encodeURIComponent(code), { auth: false });
      if (alive) {
        show();
        follow();
      }
    } catch (e) {
      if (alive) put(view, topbar(), failure(e.status === 404 ? T.landingNotFound : e.text, e.status === 404 ? null : load));
    }
  }

  function show(result) {
    const b = landing;
    const item = b.item || {};
    document.title = shareTitle(item.name, b); // the card when a friend shares it on
    const meta = document.querySelector('meta[name=description]');
    if (meta) meta.content = CONFIG.share.desc;
    shareCard(b, item);
    const done = result || helpedOn(code);
    put(view, 
      topbar(),
      h('p.invite', fmt(T.landingInvite, { who: b.initiator || '' })),
      h('section.card.head',
        picture(item.images, item.name),
        h('div',
          h('h1.name', item.name || ''),
          h('p.prices', h('span.floor', T.floorPrice, ' ', h('b', price(b.floor_price_fen))),
            h('s.orig', price(b.original_price_fen))))),
      done ? helped(done) : action(b),
      progress(b),
      cutList(b.recent_helps, T.recentHelps, T.noHelps),
      h('section.own', link('/c/' + b.campaign_id, h('span.btn.block.ghost.start-own', T.startOwn))));
  }

  function action(b) {
    if (b.status === 'succeeded' || b.status === 'ordered') return h('section.card.closed', h('h2', T.landingSucceeded));
    if (b.status !== 'active') return h('section.card.closed', h('h2', T.landingClosed));
    const btn = h('button.btn.block.help', { type: 'button' }, T.help);
    const msg = h('p.msg.error', { role: 'alert' });
    btn.addEventListener('click', async () => {
      msg.textContent = '';
      if (!(await requireLogin()) || !alive) return;
      if (await ownBargainId(code)) return load(); // the owner logged in on the landing
      btn.disabled = true;
      btn.textContent = T.helping;
      helping = true;
      try {
        const r = await post('/s/' + encodeURIComponent(code) + '/help');
        const result = { cut_fen: r.cut_fen, reward: r.reward || null };
        rememberHelp(code, result);
        // The answer carries the new progress; the friend's own help joins
        // the list here (fetching the landing again would count another open).
        // The share stream may have brought it first (it is published
        // before the answer leaves): then the list has it already.
        const streamed = r.bargain && landing.helpers >= r.bargain.helpers;
        Object.assign(landing, r.bargain || {});
        const me = user();
        if (!streamed) {
          landing.recent_helps = [{ by: (me && me.phone_masked) || '', cut_fen: r.cut_fen, at: new Date().toISOString() },
            ...(landing.recent_helps || [])];
        }
        helping = false;
        if (alive) show(result);
      } catch (e) {
        helping = false;
        if (e.code === 'already_helped') {
          rememberHelp(code, { already: true });
          return show({ already: true });
        }
        if (e.code === 'self_help') return load();
        // The daily help limit is a 429 lasting until the shop's day ends.
        msg.textContent = e.code === 'rate_limited' && e.retryAfter >= 3600 ? T.errors.help_daily : e.text;
        btn.disabled = false;
        btn.textContent = T.help;
        if (e.code === 'bargain_closed') { toast(e.text); setTimeout(load, 1500); }
      }
    });
    return h('section.actions', btn, msg);
  }

  function helped(r) {
    if (r.already) return h('section.card.helped', h('h2', T.helpedAlready));
    const c = r.reward;
    return h('section.card.helped',
      h('h2', T.helpedTitle),
      h('p.cut-made', fmt(T.helpedCut, { amount: yuan(r.cut_fen) })),
      c ? h('p.reward', fmt(c.min_spend_fen > 0 ? T.reward : T.rewardNoMin,
        { title: c.title, min: yuan(c.min_spend_fen) })) : null);
  }

  load();
  return () => {
    alive = false;
    if (watcher) watcher.stop();
    if (inner) inner();
  };
}
