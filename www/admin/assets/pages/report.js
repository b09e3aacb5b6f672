// report.js — the daily report per campaign and shop-local day, and its
// CSV (UTF-8 with BOM, for Excel) downloaded with the admin's token.

import { T } from '../texts.js';
import { h, clear, table, yuan, localDate } from '../dom.js';
import { qs } from '../api.js';

const COLUMNS = ['participants', 'bargains_started', 'self_cuts', 'helps', 'share_opens', 'share_visitors', 'succeeded', 'orders', 'cancelled', 'paid', 'paid_fen', 'subsidy_fen', 'shipped', 'refunded', 'refunded_fen'];

export function mount(main, { api }) {
  const today = localDate();
  const weekAgo = localDate(new Date(Date.now() - 6 * 86400000));
  const from = h('input', { type: 'date', name: 'from', value: weekAgo });
  const to = h('input', { type: 'date', name: 'to', value: today });
  const campaign = h('select', { name: 'campaign_id' }, h('option', { value: '' }, T.allCampaigns));
  const error = h('p', { class: 'error', role: 'alert' });
  const body = h('div', {});
  const params = () => ({ from: from.value, to: to.value, campaign_id: campaign.value });

  async function show() {
    error.textContent = '';
    try {
      const j = await api.get('/admin/reports/daily' + qs(params()));
      clear(body, table([
        { title: T.date, cell: (r) => r.date },
        { title: T.campaign, cell: (r) => r.title },
        ...COLUMNS.map((k) => ({ title: T.stat[k], key: k, cell: (r) => (k.endsWith('_fen') ? yuan(r[k]) : String(r[k])) })),
      ], j.items, { empty: T.none }));
    } catch (err) {
      error.textContent = err.message;
    }
  }

  async function download() {
    error.textContent = '';
    try {
      const response = await api.raw('/admin/reports/daily' + qs(params()), 'text/csv');
      const blob = await response.blob();
      const url = URL.createObjectURL(blob);
      const a = h('a', { href: url, download: `kanjia-daily-${from.value}-${to.value}.csv` });
      document.body.append(a);
      a.click();
      a.remove();
      setTimeout(() => URL.revokeObjectURL(url), 10000);
    } catch (err) {
      error.textContent = err.message;
    }
  }

  clear(main, h('header', { class: 'page-head' }, h('h1', {}, T.reportTitle)),
    h('form', { class: 'filters', onsubmit: (e) => { e.preventDefault(); show(); } },
      h('label', { class: 'inline' }, T.from, ' ', from), h('label', { class: 'inline' }, T.to, ' ', to), campaign,
      h('button', { type: 'submit', class: 'primary' }, T.show),
      h('button', { type: 'button', class: 'secondary', id: 'download-csv', onclick: download }, T.downloadCsv)),
    error, body);
  api.get('/admin/campaigns?limit=100').then((list) => {
    campaign.append(...list.items.map((c) => h('option', { value: String(c.id) }, `${c.id} · ${c.title}`)));
  }).catch(() => {});
  show();
}
