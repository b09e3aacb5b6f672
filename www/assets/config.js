// config.js — settings of the shopper pages a shop may change.
//
// Share wording is configuration (SPEC §6): WeChat punishes domains whose
// share cards pay for shares, so shops tune these words and the share
// domain without touching the pages.

export const CONFIG = {
  share: {
    // The title and description of the share card (inside WeChat, set
    // through the JS-SDK with the item's picture) and of the copied text.
    // {item} is the product name, {price} the floor price in yuan. Never
    // promise a reward for sharing or opening the link: WeChat blocks
    // domains whose cards do (its external-link rules).
    title: '帮我砍一刀，{item} 最低 {price} 元',
    desc: '我正在参加砍价活动，点一下就能帮我砍价。',
    // Share links normally come from the API (bargain.share_url, built
    // from the share domain pool). Set a base such as
    // 'https://s1.example.cn' to force another share domain; '' keeps the API's.
    baseUrl: '',
  },
  // How often the bargain page checks for new cuts (ms). Unchanged polls
  // are answered 304 with no body.
  pollMs: 1200,
  // Polling is the fallback of the live stream (live.js), for browsers or
  // proxies that cannot hold one: each unchanged poll waits pollBackoff
  // times longer, up to pollMaxMs; a change starts over at pollMs.
  pollBackoff: 1.5,
  pollMaxMs: 10000,
  // Order page: how often to look for the payment result, and for how long.
  payPollMs: 1000,
  payPollMaxMs: 30000,
  // Customer service contact shown next to fatal errors ('' hides it).
  service: '',
};
