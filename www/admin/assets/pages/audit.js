// audit.js — the audit log of every admin write: who, what, before and
// after, when (GET /admin/audit, owners).

import { T } from '../texts.js';
import { h, clear, table, when } from '../dom.js';
import { qs } from '../api.js';

const pretty = (v) => (v === null || v === undefined ? '' : JSON.stringify(v, null, 1));

export function mount(main, { api }) {
  const error = h('p', { class: 'error', role: 'alert' });
  const body = h('div', {});
  const more = h('button', { type: 'button', class: 'secondary', hidden: true }, T.more);
  let rows = [];
  let cursor = null;
  async function load(next) {
    try {
      const j = await api.get('/admin/audit' + qs({ limit: 50, cursor: next ? cursor : '' }));
      rows = next ? rows.concat(j.items) : j.items;
      cursor = j.next_cursor;
      more.hidden = !cursor;
      clear(body, table([
        { title: T.when, cell: (x) => when(x.created_at) },
        { title: T.who, cell: (x) => x.admin || '—' },
        { title: T.what, key: 'action', cell: (x) => h('code', {}, x.action) },
        { title: T.target, cell: (x) => `${x.target_type} #${x.target_id ?? ''}` },
        { title: T.before, cell: (x) => (x.before ? h('details', {}, h('summary', {}, T.before), h('pre', {}, pretty(x.before))) : '') },
        { title: T.after, cell: (x) => (x.after ? h('details', {}, h('summary', {}, T.after), h('pre', {}, pretty(x.after))) : '') },
        { title: T.requestId, cell: (x) => h('small', { class: 'mono' }, x.request_id || '') },
      ], rows, { empty: T.none }));
    } catch (err) { error.textContent = err.message; }
  }
  more.addEventListener('click', () => load(true));
  clear(main, h('header', { class: 'page-head' }, h('h1', {}, T.auditTitle)), error, body, more);
  load(false);
}
