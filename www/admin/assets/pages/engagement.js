// engagement.js — the shop-wide engagement settings (GET/PUT
// /admin/engagement, API.md "Engagement"): the new-user pack (coupons,
// points, a red packet), check-in points by day of the streak with streak
// bonuses, and the invitation rule and its reward. The API checks every
// field and names the one it refuses; its message is shown as it comes.

import { T } from '../texts.js';
import { h, clear, field, toFen, fenToYuanText, toast } from '../dom.js';

const num = (attrs = {}) => h('input', { type: 'number', inputmode: 'numeric', step: '1', ...attrs });
const money = (attrs = {}) => h('input', { type: 'text', inputmode: 'decimal', ...attrs });
const intOf = (input) => (input.value.trim() === '' ? 0 : Number(input.value));

function couponEditor(c, onRemove) {
  const f = {
    title: h('input', { name: 'pack_coupon_title', value: c.title || '', maxlength: 100 }),
    amount: money({ name: 'pack_coupon_amount', value: fenToYuanText(c.amount_fen) }),
    minSpend: money({ name: 'pack_coupon_min_spend', value: fenToYuanText(c.min_spend_fen) }),
    days: num({ name: 'pack_coupon_days', value: c.valid_days ?? 30, min: 1 }),
  };
  const node = h('div', { class: 'coupon-row' }, field(T.couponTitle, f.title), field(T.couponAmount, f.amount),
    field(T.couponMinSpend, f.minSpend), field(T.couponDays, f.days),
    h('button', { type: 'button', class: 'link', onclick: () => onRemove(node) }, T.remove));
  return { node, value: () => ({ title: f.title.value.trim(), amount_fen: toFen(f.amount.value), min_spend_fen: toFen(f.minSpend.value) ?? 0, valid_days: intOf(f.days) }) };
}

function bonusEditor(b, onRemove) {
  const days = num({ name: 'bonus_days', value: b.days ?? 7, min: 1 });
  const points = num({ name: 'bonus_points', value: b.points ?? 100, min: 0 });
  const node = h('div', { class: 'coupon-row' }, field(T.streakDays, days), field(T.points, points),
    h('button', { type: 'button', class: 'link', onclick: () => onRemove(node) }, T.remove));
  return { node, value: () => ({ days: intOf(days), points: intOf(points) }) };
}

export function mount(main, { api }) {
  const error = h('p', { class: 'error', role: 'alert' });
  const body = h('div', {}, T.loading);
  clear(main, h('header', { class: 'page-head' }, h('h1', {}, T.engagementTitle)), error, body);

  function draw(s) {
    const pack = s.new_user_pack;
    let coupons = [];
    const couponsBox = h('div', {});
    const addCoupon = (c) => {
      const e = couponEditor(c, (node) => { coupons = coupons.filter((x) => x.node !== node); node.remove(); });
      coupons.push(e);
      couponsBox.append(e.node);
    };
    (pack.coupons || []).forEach(addCoupon);
    const packPoints = num({ name: 'pack_points', value: pack.points, min: 0 });
    const packFen = money({ name: 'pack_red_packet', value: fenToYuanText(pack.red_packet_fen) });
    const packDays = num({ name: 'pack_red_packet_days', value: pack.red_packet_days, min: 1, max: 365 });

    const dayPoints = h('input', { name: 'checkin_points', value: s.checkin.points.join(', '), inputmode: 'numeric' });
    let bonuses = [];
    const bonusBox = h('div', {});
    const addBonus = (b) => {
      const e = bonusEditor(b, (node) => { bonuses = bonuses.filter((x) => x.node !== node); node.remove(); });
      bonuses.push(e);
      bonusBox.append(e.node);
    };
    s.checkin.streak_bonus.forEach(addBonus);

    const reward = s.invite.reward || {};
    const every = num({ name: 'invite_every', value: s.invite.every, min: 1, max: 100 });
    const rewardKind = h('select', { name: 'invite_reward_kind' },
      Object.entries(T.inviteRewardKinds).map(([k, label]) => h('option', { value: k, selected: k in reward }, label)));
    const rewardPoints = num({ name: 'invite_points', value: reward.points ?? 100, min: 1 });
    const rewardCoupon = couponEditor(reward.coupon || {}, () => {});
    rewardCoupon.node.lastChild.remove(); // one coupon: nothing to remove
    const rewardPrize = h('input', { name: 'invite_prize', value: reward.prize || '', maxlength: 200 });
    const rewardBox = h('div', {});
    const drawReward = () => clear(rewardBox, rewardKind.value === 'points' ? field(T.points, rewardPoints)
      : rewardKind.value === 'coupon' ? rewardCoupon.node : field(T.prize, rewardPrize));
    rewardKind.addEventListener('change', drawReward);
    drawReward();

    const submit = h('button', { type: 'submit', class: 'primary', id: 'save-engagement' }, T.save);
    clear(body, h('form', {
      class: 'engagement-form',
      onsubmit: async (e) => {
        e.preventDefault();
        error.textContent = '';
        const points = dayPoints.value.split(/[,，\s]+/).filter(Boolean).map(Number);
        const r = rewardKind.value === 'points' ? { points: intOf(rewardPoints) }
          : rewardKind.value === 'coupon' ? { coupon: rewardCoupon.value() } : { prize: rewardPrize.value.trim() };
        const put = {
          new_user_pack: { coupon_promotion_ids: [], coupons: coupons.map((c) => c.value()), points: intOf(packPoints), red_packet_fen: toFen(packFen.value) ?? 0, red_packet_days: intOf(packDays) },
          checkin: { points, streak_bonus: bonuses.map((b) => b.value()) },
          invite: { qualify: 'first_paid_order', every: intOf(every), reward: r },
        };
        submit.disabled = true;
        try {
          draw(await api.put('/admin/engagement', put));
          toast(T.saved);
        } catch (err) { error.textContent = err.message; submit.disabled = false; }
      },
    },
    h('section', { class: 'panel' }, h('h2', {}, T.newUserPack), h('p', { class: 'muted' }, T.newUserPackHint),
      couponsBox, h('button', { type: 'button', class: 'secondary', onclick: () => addCoupon({}) }, T.addCoupon),
      h('div', { class: 'coupon-row' }, field(T.points, packPoints), field(T.redPacketFen, packFen, T.redPacketFenHint), field(T.redPacketDays, packDays))),
    h('section', { class: 'panel' }, h('h2', {}, T.checkinTitle),
      field(T.checkinPoints, dayPoints, T.checkinPointsHint),
      h('h3', {}, T.streakBonus), bonusBox,
      h('button', { type: 'button', class: 'secondary', onclick: () => addBonus({}) }, T.addStreakBonus)),
    h('section', { class: 'panel' }, h('h2', {}, T.inviteTitle),
      h('div', { class: 'coupon-row' }, field(T.inviteEvery, every, T.inviteEveryHint), field(T.inviteReward, rewardKind)), rewardBox),
    h('div', { class: 'form-foot' }, submit)));
  }

  api.get('/admin/engagement').then(draw).catch((err) => { clear(body); error.textContent = err.message; });
}
