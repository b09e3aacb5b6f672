// pages/shared.js — pieces the bargain page and the share landing share:
// which bargains are mine, the progress block, the cut list, the share button.

import { T, fmt } from '../texts.js';
import { CONFIG } from '../config.js';
import { get } from '../api.js';
import { h, price, yuan, countdown, toast, sheet, localDate } from '../ui.js';
import { setShareCard } from '../wechat.js';

const OWN_KEY = 'kanjia.own';
const HELPED_KEY = 'kanjia.helped';

function readMap(key) {
  try { return JSON.parse(localStorage.getItem(key) || '{}') || {}; } catch { return {}; }
}
function writeMap(key, map) {
  try { localStorage.setItem(key, JSON.stringify(map)); } catch { /* private mode */ }
}

// Remembers that bargain b (with its share code) is this shopper's.
export function rememberOwn(b) {
  if (!b || !b.share_code) return;
  const map = readMap(OWN_KEY);
  map[b.share_code] = b.id;
  writeMap(OWN_KEY, map);
}

// The id of my bargain behind share code, or null. Asks the API once when
// this device does not know (the link opened on another phone).
export async function ownBargainId(code) {
  const known = readMap(OWN_KEY)[code];
  if (known) return known;
  try {
    const r = await get('/me/bargains?limit=100');
    for (const b of (r && r.items) || []) rememberOwn(b);
    const found = (r.items || []).find((b) => b.share_code === code);
    return found ? found.id : null;
  } catch {
    return null;
  }
}

export const helpedOn = (code) => readMap(HELPED_KEY)[code] || null;
export function rememberHelp(code, result) {
  const map = readMap(HELPED_KEY);
  map[code] = result;
  writeMap(HELPED_KEY, map);
}

// The link friends open: the API's share_url (the share domain pool), or
// the configured share domain.
export function shareUrl(b) {
  if (CONFIG.share.baseUrl) return CONFIG.share.baseUrl.replace(/\/+$/, '') + '/s/' + b.share_code;
  return b.share_url || location.origin + '/s/' + b.share_code;
}

export function shareTitle(itemName, b) {
  return fmt(CONFIG.share.title, { item: itemName || '', price: yuan(b.floor_price_fen) });
}

export const inWeChat = () => /MicroMessenger/i.test(navigator.userAgent);

// Inside WeChat: the share card of bargain b on item (title and text from
// config.js, the item's own first picture; never anyone's avatar).
export function shareCard(b, item) {
  if (!inWeChat() || !b || b.status !== 'active') return;
  const images = (item && item.images) || [];
  setShareCard({ title: shareTitle(item && item.name, b), desc: CONFIG.share.desc, link: shareUrl(b),
    image: images.length ? images[0] : '' });
}

// Price progress: original, cut, left, a bar, "N more cuts".
export function progress(b) {
  const span = Math.max(1, b.original_price_fen - b.floor_price_fen);
  const pct = Math.min(100, Math.max(0, Math.floor((b.cut_total_fen * 100) / span)));
  const bar = h('div.bar-fill');
  bar.style.width = pct + '%';
  const exact = typeof b.cuts_left === 'number';
  return h('section.progress', { dataset: { cut: b.cut_total_fen } },
    h('div.figures',
      h('div', h('small', T.originalPrice), h('b.orig-price', price(b.original_price_fen))),
      h('div', h('small', T.cutTotal), h('b.cut-total', price(b.cut_total_fen))),
      h('div', h('small', T.left), h('b.remaining', price(b.remaining_fen)))),
    h('div.bar', { role: 'progressbar', 'aria-valuemin': 0, 'aria-valuemax': 100, 'aria-valuenow': pct }, bar),
    b.status === 'active' && b.remaining_fen > 0
      ? h('p.cuts-left', exact
        ? [h('b', fmt(T.cutsLeft, { n: b.cuts_left })), ' ', fmt(T.cutsLeftHint, { n: b.cuts_left })]
        : fmt(T.leftHint, { amount: yuan(b.remaining_fen), floor: yuan(b.floor_price_fen) }))
      : null,
    b.status === 'active'
      ? h('p.timer', T.expiresIn, ' ', countdown(b.expires_at))
      : null,
    h('p.helpers', fmt(T.helpers, { n: b.helpers })));
}

// The list of cuts: "self" and masked friends.
export function cutList(cuts, title = T.cutsTitle, empty = T.noCuts) {
  return h('section.card.cuts',
    h('h2', title),
    cuts && cuts.length
      ? h('ul', cuts.map((c) => h('li',
        h('span.who', c.by === 'self' ? T.cutBySelf : c.by),
        h('span.amount', fmt(T.cutRow, { amount: yuan(c.cut_fen) })),
        h('time', localDate(c.at)))))
      : h('p.sub', empty));
}

// The share button: in WeChat, a guide to its own share menu (the card
// takes the page title); elsewhere the system share sheet, or copy.
export function shareButton(b, itemName) {
  return h('button.btn.block.share', {
    type: 'button',
    onclick: async () => {
      const url = shareUrl(b);
      const title = shareTitle(itemName, b);
      if (inWeChat()) {
        document.title = title;
        const s = sheet(h('div.guide', h('div.arrow', '↗'), h('p', T.shareGuide),
          h('button.btn.ghost', { type: 'button', onclick: () => s.close() }, T.ok)));
        s.el.parentElement.classList.add('top');
        return;
      }
      if (navigator.share) {
        try { await navigator.share({ title, text: CONFIG.share.desc, url }); return; } catch (e) {
          if (e && e.name === 'AbortError') return;
        }
      }
      try {
        await navigator.clipboard.writeText(title + ' ' + url);
        toast(T.copied);
      } catch {
        const input = h('input.input', { value: url, readOnly: true });
        const s = sheet(h('div.copy', h('p', T.copyFallback), input,
          h('button.btn.ghost', { type: 'button', onclick: () => s.close() }, T.ok)));
        input.select();
      }
    },
  }, T.share);
}
