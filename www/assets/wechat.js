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

import { get } from './api.js';

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
    const [wx, c] = await Promise.all([
      loadSdk(),
      get('/wechat/jssdk?url=' + encodeURIComponent(url), { auth: false }),
    ]);
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
