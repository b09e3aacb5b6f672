// users.js — shoppers (search by phone; the full number only for owners,
// as the API decides; block and unblock) and, for owners, admin accounts.

import { T } from '../texts.js';
import { h, clear, table, when, toast } from '../dom.js';
import { hasRole, qs } from '../api.js';

export function mount(main, { name, api }) {
  return name === 'admins' ? admins(main, api) : shoppers(main, api);
}

function shoppers(main, api) {
  const phone = h('input', { name: 'phone', inputmode: 'numeric', maxlength: 11, placeholder: T.phonePrefix });
  const onlyBlocked = h('input', { type: 'checkbox', name: 'blocked' });
  const error = h('p', { class: 'error', role: 'alert' });
  const body = h('div', {});
  async function load() {
    error.textContent = '';
    try {
      const j = await api.get('/admin/users' + qs({ phone: phone.value.trim(), blocked: onlyBlocked.checked ? 1 : '', limit: 50 }));
      clear(body, table([
        { title: 'ID', cell: (u) => String(u.id) },
        { title: T.phone, cell: (u) => u.phone || u.phone_masked },
        { title: T.status, cell: (u) => h('span', { class: 'badge ' + (u.blocked ? 'blocked' : 'ok') }, u.blocked ? T.blocked : T.active) },
        { title: T.bargains, cell: (u) => String(u.bargains) },
        { title: T.helps, cell: (u) => String(u.helps) },
        { title: T.nav.orders, cell: (u) => String(u.orders) },
        { title: T.points, cell: (u) => String(u.points_balance) },
        { title: T.lastLogin, cell: (u) => when(u.last_login_at) },
        { title: T.actions, cell: (u) => (hasRole('risk') ? h('button', {
          type: 'button',
          class: u.blocked ? 'secondary small' : 'danger small',
          onclick: async () => {
            if (!u.blocked && !confirm(T.blockConfirm(u.phone || u.phone_masked))) return;
            try { await api.post(`/admin/users/${u.id}/${u.blocked ? 'unblock' : 'block'}`, {}); load(); } catch (err) { error.textContent = err.message; }
          },
        }, u.blocked ? T.unblock : T.block) : null) },
      ], j.items, { empty: T.none }));
    } catch (err) { error.textContent = err.message; }
  }
  clear(main, h('header', { class: 'page-head' }, h('h1', {}, T.usersTitle)),
    h('form', { class: 'filters', onsubmit: (e) => { e.preventDefault(); load(); } }, phone,
      h('label', { class: 'check' }, onlyBlocked, ' ', T.onlyBlocked), h('button', { type: 'submit', class: 'primary' }, T.search)),
    error, body);
  load();
}

function admins(main, api) {
  const error = h('p', { class: 'error', role: 'alert' });
  const body = h('div', {});
  const username = h('input', { name: 'username', maxlength: 64, placeholder: T.username });
  const password = h('input', { name: 'password', type: 'password', autocomplete: 'new-password', placeholder: T.password });
  const roleBoxes = Object.entries(T.roleNames).map(([k, v]) => {
    const box = h('input', { type: 'checkbox', value: k });
    return { k, box, node: h('label', { class: 'check' }, box, ' ', v) };
  });
  async function load() {
    try {
      const j = await api.get('/admin/admins');
      clear(body, table([
        { title: 'ID', cell: (a) => String(a.id) },
        { title: T.username, cell: (a) => a.username },
        { title: T.roles, cell: (a) => a.roles.map((r) => T.roleNames[r] || r).join('、') },
        { title: T.status, cell: (a) => (a.disabled ? T.disabled : T.active) },
        { title: T.actions, cell: (a) => h('button', { type: 'button', class: 'link', onclick: async () => { try { await api.patch('/admin/admins/' + a.id, { disabled: !a.disabled }); load(); } catch (err) { error.textContent = err.message; } } }, a.disabled ? T.unblock : T.block) },
      ], j.items, { empty: T.none }));
    } catch (err) { error.textContent = err.message; }
  }
  clear(main, h('header', { class: 'page-head' }, h('h1', {}, T.adminsTitle)),
    h('form', {
      class: 'filters',
      onsubmit: async (e) => {
        e.preventDefault();
        error.textContent = '';
        try {
          await api.post('/admin/admins', { username: username.value.trim(), password: password.value, roles: roleBoxes.filter((r) => r.box.checked).map((r) => r.k) });
          toast(T.saved);
          username.value = '';
          password.value = '';
          load();
        } catch (err) { error.textContent = err.message; }
      },
    }, username, password, roleBoxes.map((r) => r.node), h('button', { type: 'submit', class: 'primary' }, T.newAdmin)),
    error, body);
  load();
}
