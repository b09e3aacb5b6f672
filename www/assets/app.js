// app.js — the shopper pages' entry point: a path router over one shell.
//
//   /              the active campaigns (straight to the campaign if one)
//   /c/{id}        a campaign: items, prices, stock, countdown, "cut now"
//   /b/{id}        my bargain: progress, cuts, share, success → checkout
//   /s/{code}      the share landing a friend opens (the owner sees /b/)
//   /b/{id}/checkout  address, quote, coupon, place order
//   /c/{id}/i/{item}  an item: price and "was" price, its promotions, buy now
//   /c/{id}/buy?items=3:1,5:2  checkout of a cart: discounts, gifts, add-ons, coupons, red packets, points
//   /c/{id}/presale/{promotion}  a deposit presale: the deposit, then the final payment
//   /o/{id}        an order: status, pay
//   /me            my bargains, orders, coupons
//   /g/{id}        a game: the lucky wheel
//   /me/wallet     check-in calendar, points ledger, red packets, coupons, invite link
//   /p/{code}      an item share landing: the item, its price, who shared it

import { T } from './texts.js';
import { h, put, failure, setTitle } from './ui.js';
import { token, saveLogin } from './api.js';
import { wechatLogin } from './wechat.js';

const routes = [
  [/^\/$/, () => import('./pages/campaign.js'), 'home'],
  [/^\/c\/(\d+)$/, () => import('./pages/campaign.js'), 'campaign'],
  [/^\/b\/(\d+)$/, () => import('./pages/bargain.js'), 'bargain'],
  [/^\/s\/([A-Za-z0-9_-]{1,64})$/, () => import('./pages/share.js'), 'share'],
  [/^\/b\/(\d+)\/checkout$/, () => import('./pages/checkout.js'), 'checkout'],
  [/^\/c\/(\d+)\/i\/(\d+)$/, () => import('./pages/item.js'), 'item'],
  [/^\/c\/(\d+)\/buy$/, () => import('./pages/checkout.js'), 'buy'],
  [/^\/c\/(\d+)\/presale\/(\d+)$/, () => import('./pages/presale.js'), 'presale'],
  [/^\/o\/(\d+)$/, () => import('./pages/order.js'), 'order'],
  [/^\/me$/, () => import('./pages/me.js'), 'me'],
  [/^\/g\/(\d+)$/, () => import('./pages/wheel.js'), 'wheel'],
  [/^\/me\/wallet$/, () => import('./pages/wallet.js'), 'wallet'],
  [/^\/p\/([A-Za-z0-9_-]{1,64})$/, () => import('./pages/item_share.js'), 'item-share'],
];

const root = document.getElementById('app');
let cleanup = null;
let generation = 0;

async function render() {
  const gen = ++generation;
  if (cleanup) { try { cleanup(); } catch { /* the old page is gone anyway */ } }
  cleanup = null;
  const path = location.pathname.replace(/\/+$/, '') || '/';
  const match = routes.map(([re, load, name]) => [path.match(re), load, name]).find(([m]) => m);
  window.scrollTo(0, 0);
  if (!match) {
    setTitle('');
    put(root, failure(T.landingNotFound));
    return;
  }
  const [m, load, name] = match;
  try {
    const page = await load();
    if (gen !== generation) return;
    const view = h('div.page.page-' + name);
    put(root, view);
    document.body.dataset.page = name;
    cleanup = page.render(view, m.slice(1), name) || null;
  } catch (e) {
    // A module that failed to load (a lost network): say so, offer a reload.
    put(root, failure(T.errors.network, () => location.reload()));
  }
}

document.addEventListener('click', (e) => {
  const a = e.target.closest && e.target.closest('a[data-nav]');
  if (!a || e.metaKey || e.ctrlKey || e.shiftKey || a.target) return;
  const url = new URL(a.href, location.href);
  if (url.origin !== location.origin) return;
  e.preventDefault();
  if (url.pathname + url.search !== location.pathname + location.search) history.pushState(null, '', url.pathname + url.search);
  render();
});
window.addEventListener('popstate', render);
window.addEventListener('kanjia:navigate', render);
// Inside WeChat: the silent OAuth first (it may leave for WeChat and come back).
wechatLogin(!!token(), saveLogin).then((leaving) => { if (!leaving) render(); }, () => render());
