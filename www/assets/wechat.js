// wechat.js — the share card inside WeChat, and leaving a blocked share
// domain.
//
// Inside WeChat the page loads WeChat's JS-SDK, asks the API for the
// wx.config of this page's URL (GET /api/v1/wechat/jssdk, signed with the
// official account's jsapi_ticket) and sets the card's title, description
// and picture from the configured wording (config.js) and the item's own
// picture. Nothing else goes on the card: no reward for sharing is ever
// promised (WeChat's rules on external links) and no friend's avatar is
// ever drawn into a picture. Outside WeChat nothing is loaded here: the
// share button uses the system share sheet or copies the link.

import { get, post } from './api.js';

const SDK_URL = 'https://res.wx.qq.com/open/js/jweixin-1.6.0.js';
const SHARE_APIS = ['updateAppMessageShareData', 'updateTimelineShareData'];

export const inWeChat = () => /MicroMessenger/i.test(navigator.userAgent);

let sdk = null;
function loadSdk() {
  if (!sdk) {
    sdk = new Promise((resolve, reject) => {
      if (window.wx) { resolve(window.wx); return; }
      const script = document.createElement('script');
      script.src = SDK_URL;
      script.onload = () => (window.wx ? resolve(window.wx) : reject(new Error('no wx')));
      script.onerror = () => reject(new Error('JS-SDK did not load'));
      document.head.appendChild(script);
    });
  }
  return sdk;
}

let configured = null;
async function configure() {
  const url = location.href.split('#')[0];
  if (configured && configured.url === url) return configured.ready;
  const ready = (async () => {
    // the config first: a shop without an official account loads nothing from WeChat
    const c = await get('/wechat/jssdk?url=' + encodeURIComponent(url), { auth: false });
    const wx = await loadSdk();
    wx.config({ debug: false, appId: c.appId, timestamp: c.timestamp, nonceStr: c.nonceStr,
      signature: c.signature, jsApiList: SHARE_APIS });
    await new Promise((resolve, reject) => { wx.ready(resolve); wx.error(reject); });
    return wx;
  })();
  configured = { url, ready };
  return ready;
}

// Sets the card for "send to a friend" and "share to moments": card is
// { title, desc, link, image } (image: an absolute URL of the item's
// picture, or ''). Quietly does nothing outside WeChat or when the shop has
// no official account configured (the page title then is the card).
export async function setShareCard(card) {
  if (!inWeChat()) return false;
  try {
    const wx = await configure();
    const imgUrl = card.image ? new URL(card.image, location.href).href : '';
    wx.updateAppMessageShareData({ title: card.title, desc: card.desc, link: card.link, imgUrl });
    wx.updateTimelineShareData({ title: card.title, link: card.link, imgUrl });
    return true;
  } catch {
    return false;
  }
}

// On a share domain that has been marked blocked, moves the visitor to the
// same path on the domain share links use now (API.md, "Share domains").
// Returns true when it is moving away.
export async function leaveBlockedDomain() {
  try {
    const r = await get('/share/domain?host=' + encodeURIComponent(location.host), { auth: false });
    if (!r.blocked || !r.links || !r.links.base_url) return false;
    const target = new URL(location.pathname + location.search + location.hash, r.links.base_url);
    if (target.host === location.host) return false;
    location.replace(target.href);
    return true;
  } catch {
    return false;
  }
}

// WeChat Pay inside WeChat (JSAPI): hands the pay route's client
// parameters to WeChat's own payment sheet. Resolves with WeChat's answer
// ("get_brand_wcpay_request:ok", ":cancel", ":fail"); the order page then
// watches the order, which only the verified notify marks paid.
export function wechatPay(c) {
  return new Promise((resolve) => {
    const go = () => window.WeixinJSBridge.invoke('getBrandWCPayRequest', {
      appId: c.appId, timeStamp: c.timeStamp, nonceStr: c.nonceStr, package: c.package, signType: c.signType,
      paySign: c.paySign,
    }, (res) => resolve(res && res.err_msg));
    if (window.WeixinJSBridge) go();
    else document.addEventListener('WeixinJSBridgeReady', go, { once: true });
  });
}

// The pay route's query inside WeChat: JSAPI needs the payer's openid,
// which WeChat's OAuth (snsapi_base) gives the page; without one, none.
export function payQuery() {
  let openid = null;
  try { openid = sessionStorage.getItem('kanjia.openid'); } catch { /* private mode */ }
  return inWeChat() && openid ? '?channel=jsapi&openid=' + encodeURIComponent(openid) : '';
}

// ------------------------------------------------------------ WeChat login
//
// Inside WeChat, once per visit, the page goes through WeChat's silent
// OAuth (snsapi_base) and comes back with ?code=&state=. The API turns the
// code into the shopper's openid: a shopper who bound it before is logged
// in without an SMS code; otherwise the page keeps the openid ticket and,
// after the SMS login, binds it (bindWeChat). The openid also lets WeChat
// Pay open its own payment sheet (payQuery).

const OAUTH_STATE = 'kanjia.oauth.state';
const OAUTH_TRIED = 'kanjia.oauth.tried';
const OPENID = 'kanjia.openid';
const OPENID_TICKET = 'kanjia.openid.ticket';

function session(key, value) {
  try {
    if (value === undefined) return sessionStorage.getItem(key);
    if (value === null) sessionStorage.removeItem(key);
    else sessionStorage.setItem(key, value);
  } catch { /* private mode: no WeChat login, SMS still works */ }
  return null;
}

// Runs before the first page: finishes an OAuth return, or starts OAuth
// once per visit. Resolves true when the page is leaving for WeChat.
export async function wechatLogin(loggedIn, saveLogin) {
  if (!inWeChat()) return false;
  const url = new URL(location.href);
  const code = url.searchParams.get('code');
  const state = url.searchParams.get('state');
  if (code && state) {
    url.searchParams.delete('code');
    url.searchParams.delete('state');
    history.replaceState(null, '', url.pathname + url.search + url.hash);
    if (state !== session(OAUTH_STATE)) return false; // not the OAuth this page started
    session(OAUTH_STATE, null);
    try {
      const r = await post('/wechat/oauth', { code }, { auth: false });
      session(OPENID, r.openid);
      if (r.token) saveLogin(r);
      else session(OPENID_TICKET, r.openid_ticket);
    } catch { /* SMS login still works */ }
    return false;
  }
  if (loggedIn && session(OPENID)) return false;
  if (session(OAUTH_TRIED)) return false;
  session(OAUTH_TRIED, '1');
  try {
    const r = await get('/wechat/oauth-url?redirect=' + encodeURIComponent(location.href.split('#')[0]), { auth: false });
    session(OAUTH_STATE, r.state);
    location.replace(r.url);
    return true;
  } catch {
    return false; // no official account configured
  }
}

// After an SMS login inside WeChat: binds the openid WeChat vouched for.
export async function bindWeChat() {
  const ticket = session(OPENID_TICKET);
  if (!ticket) return;
  try {
    await post('/wechat/bind', { openid_ticket: ticket });
    session(OPENID_TICKET, null);
  } catch { /* the next visit tries again */ }
}
