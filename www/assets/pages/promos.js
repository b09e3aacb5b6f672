// pages/promos.js — what the campaign and item pages show of a campaign's
// promotions (GET /campaigns/{id} answers them in `promotions`, API.md's
// config per kind): the price with its honest struck-through "was" price,
// the timed discount with its countdown, "满300减40", the gifts while in
// stock, bundles, coupons to claim, presale. Kinds a page does not know are
// left out.

import { T, fmt } from '../texts.js';
import { post, serverNow } from '../api.js';
import { h, price, yuan, countdown, fmtNodes, link, toast } from '../ui.js';
import { requireLogin } from '../login.js';

const live = (p, now) => Date.parse(p.starts_at) <= now && now < Date.parse(p.ends_at);
const names = (p, id) => id === null || id === undefined || p === null || p === undefined || p.includes(id);

// The campaign's promotions of kind that are live now (or all not ended with upcoming).
export function promotionsOf(c, kind, { upcoming = false } = {}) {
  const now = serverNow();
  return (c.promotions || []).filter((p) => p.kind === kind && (live(p, now) || (upcoming && now < Date.parse(p.starts_at))));
}

// The timed discount that gives item its price now, if any: { promotion, entry }.
export function timedFor(c, item) {
  for (const p of promotionsOf(c, 'timed_discount')) {
    const entry = ((p.config && p.config.items) || []).find((x) => x.item_id === item.id);
    if (entry) return { promotion: p, entry };
  }
  return null;
}

// The price block: the price in force, the honest "was" price struck
// through (the API's was_price_fen: never above the lowest of the 7 days
// before), and the timed discount's countdown.
export function priceBlock(c, item, onEnd) {
  const now = typeof item.price_fen === 'number' ? item.price_fen : item.original_price_fen;
  const was = item.was_price_fen;
  const timed = timedFor(c, item);
  return h('div.price-block', { dataset: { item: item.id } },
    h('p.now', h('span.label', now < item.original_price_fen ? T.price : T.priceRegular), ' ', h('b.price-now', price(now)),
      was ? [' ', h('s.was', { title: T.wasNote }, price(was))] : null),
    timed ? h('p.timed', h('span.tag.timed-tag', T.timedDiscount), ' ',
      fmtNodes(T.timedEndsIn, { time: countdown(timed.promotion.ends_at, onEnd, 'countdown timed-countdown') })) : null);
}

// Short tags for an item card.
export function tagsFor(c, item) {
  const tags = [];
  for (const p of promotionsOf(c, 'full_reduction')) {
    if (!names(p.config.item_ids, item.id)) continue;
    for (const t of p.config.tiers || []) tags.push(h('span.tag.reduction', tierText(p.config, t)));
  }
  for (const p of promotionsOf(c, 'gift')) {
    for (const g of p.config.gifts || []) {
      if (!names(g.item_ids, item.id) || g.stock_left === 0) continue;
      tags.push(h('span.tag.gift-tag', T.giftTag, ' ', g.name));
    }
  }
  for (const p of promotionsOf(c, 'bundle')) {
    if ((p.config.items || []).some((x) => x.item_id === item.id)) tags.push(h('span.tag.bundle-tag', T.bundleTag));
  }
  for (const p of (c.promotions || []).filter((x) => x.kind === 'presale' && x.config.item_id === item.id)) {
    tags.push(link('/c/' + c.id + '/presale/' + p.id, h('span.tag.presale-tag', T.presaleTag)));
  }
  return tags.length ? h('p.tags', tags) : null;
}

export function tierText(config, t) {
  const text = fmt(config.repeat ? T.tierRepeat : T.tier, { x: yuan(t.threshold_fen), y: yuan(t.off_fen) });
  return config.cap_fen ? text + fmt(T.tierCap, { cap: yuan(config.cap_fen) }) : text;
}

// Every promotion that applies to item (or the whole campaign when item is
// null), one line each, with a "claim" button for claimable coupons.
export function promotionList(c, item) {
  const rows = [];
  const applies = (ids) => item === null || names(ids, item.id);
  const itemName = (id) => ((c.items || []).find((i) => i.id === id) || { name: '' }).name;
  const now = serverNow();
  for (const p of c.promotions || []) {
    const k = p.config || {};
    if (p.kind !== 'presale' && !live(p, now)) continue;
    let text = null;
    let extra = null;
    switch (p.kind) {
      case 'full_reduction':
        if (applies(k.item_ids)) text = (k.tiers || []).map((t) => tierText(k, t)).join('，');
        break;
      case 'gift':
        text = (k.gifts || []).filter((g) => applies(g.item_ids)).map((g) => (g.stock_left === 0
          ? fmt(T.giftGone, { name: g.name })
          : fmt(g.threshold_fen ? T.giftRow : T.giftAny, { x: yuan(g.threshold_fen), name: g.name }))).join('；') || null;
        break;
      case 'bundle':
        if (item === null || (k.items || []).some((x) => x.item_id === item.id)) {
          text = fmt(T.bundleRow, { items: (k.items || []).map((x) => itemName(x.item_id) + '×' + x.qty).join(' + '), price: yuan(k.price_fen) });
        }
        break;
      case 'coupon':
        if (applies(k.item_ids)) {
          text = fmt(k.min_spend_fen ? T.couponText : T.couponTextNoMin, { amount: yuan(k.amount_fen), min: yuan(k.min_spend_fen) });
          if (k.claimable !== false) extra = claimButton(p);
        }
        break;
      case 'first_order':
        text = k.percent ? fmt(T.firstOrderPercent, { p: k.percent / 10 }) : fmt(T.firstOrderOff, { amount: yuan(k.off_fen) });
        break;
      case 'member_price': {
        const best = Math.min(...(k.levels || []).map((l) => l.percent));
        if (Number.isFinite(best)) text = fmt(T.memberRow, { p: best / 10 });
        break;
      }
      case 'points_cash':
        text = fmt(T.pointsRow, { n: k.points_per_yuan, p: k.max_percent });
        break;
      case 'addon':
        text = fmt(T.addonRow, { x: yuan(k.threshold_fen) });
        break;
      case 'presale':
        if (item === null || k.item_id === item.id) {
          text = fmt(T.presaleRow, { deposit: yuan(k.deposit_fen), value: yuan(k.deposit_value_fen) });
          extra = link('/c/' + c.id + '/presale/' + p.id, h('span.btn.small', T.toPresale));
        }
        break;
      default:
        break;
    }
    if (text) rows.push(h('li', { dataset: { kind: p.kind, promotion: p.id } }, h('span.tag', tagName(p.kind)), ' ', text, extra ? [' ', extra] : null));
  }
  return rows.length ? h('section.card.promotions', h('h2', T.promotionsTitle), h('ul', rows)) : null;
}

function tagName(kind) {
  return {
    full_reduction: T.fullReduction, gift: T.giftTag, bundle: T.bundleTag, coupon: T.couponTag, first_order: T.firstOrderTag,
    member_price: T.memberTag, points_cash: T.pointsTag, addon: T.addonTag, presale: T.presaleTag,
  }[kind] || '';
}

function claimButton(p) {
  const b = h('button.btn.small.claim', { type: 'button', dataset: { promotion: p.id } }, T.couponClaim);
  b.addEventListener('click', async () => {
    if (!(await requireLogin())) return;
    b.disabled = true;
    try {
      await post('/coupons/' + p.id + '/claim');
      toast(T.couponClaimed);
      b.textContent = T.couponClaimed;
    } catch (e) {
      toast(e.text, 3500);
      b.disabled = false;
    }
  });
  return b;
}
