// domains.js — the share-domain pool (GET/POST /admin/share-domains, PATCH
// /admin/share-domains/{id}): the domains, which one new share links use
// now, and the buttons that mark one blocked (WeChat blocked it) or take it
// out of rotation. Old links on a blocked domain still land: the shopper
// pages move the visitor to the current domain.

import { T } from '../texts.js';
import { h, clear, table, when, field, toast } from '../dom.js';

export function mount(main, { api }) {
  const error = h('p', { class: 'error', role: 'alert' });
  const now = h('p', { class: 'links-now', 'data-testid': 'links-now' });
  const body = h('div', {});
  const host = h('input', { name: 'host', required: true, maxlength: 253, placeholder: 's1.example.cn', autocomplete: 'off' });
  const add = h('form', {
    class: 'inline',
    onsubmit: async (e) => {
      e.preventDefault();
      error.textContent = '';
      try {
        await api.post('/admin/share-domains', { host: host.value.trim().toLowerCase() });
        host.value = '';
        toast(T.domainAdded);
        load();
      } catch (err) { error.textContent = err.message; }
    },
  }, field(T.domainHost, host, T.domainHostHint), h('button', { type: 'submit', class: 'primary' }, T.domainAdd));

  async function change(d, patch, confirmText) {
    if (confirmText && !confirm(confirmText)) return;
    error.textContent = '';
    try {
      await api.patch('/admin/share-domains/' + d.id, patch);
      load();
    } catch (err) { error.textContent = err.message; }
  }

  function state(d) {
    if (d.blocked) return h('span', { class: 'badge blocked' }, T.domainBlocked);
    if (!d.active) return h('span', { class: 'badge' }, T.domainInactive);
    return h('span', { class: 'badge ok' }, d.current ? T.domainCurrent : T.domainStandby);
  }

  async function load() {
    try {
      const j = await api.get('/admin/share-domains');
      now.textContent = T.linksGoTo(j.links.base_url, j.links.host === null);
      clear(body, table([
        { title: T.domainHost, key: 'host', cell: (d) => h('code', {}, d.host) },
        { title: T.domainState, key: 'state', cell: state },
        { title: T.domainBlockedAt, cell: (d) => (d.blocked_at ? when(d.blocked_at) : '—') },
        { title: T.domainCreated, cell: (d) => when(d.created_at) },
        {
          title: '',
          cell: (d) => h('span', { class: 'actions' },
            d.blocked
              ? h('button', { type: 'button', class: 'secondary', onclick: () => change(d, { blocked: false }) }, T.domainUnblock)
              : h('button', { type: 'button', class: 'danger', 'data-action': 'block',
                onclick: () => change(d, { blocked: true }, T.domainBlockConfirm(d.host)) }, T.domainBlock),
            h('button', { type: 'button', class: 'secondary', onclick: () => change(d, { active: !d.active }) },
              d.active ? T.domainDeactivate : T.domainActivate)),
        },
      ], j.items, { empty: T.domainsEmpty }));
    } catch (err) { error.textContent = err.message; }
  }
  clear(main, h('header', { class: 'page-head' }, h('h1', {}, T.domainsTitle)), now, error, add, body);
  load();
}
