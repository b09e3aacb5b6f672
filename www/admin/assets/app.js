// app.js — the admin console's shell: login, the navigation (only the pages
// the admin's roles may use; the API enforces the roles anyway), and a hash
// router that mounts one page module at a time.

import { T } from './texts.js';
import { h, clear } from './dom.js';
import { api, login, logout, currentAdmin, hasRole, setLogoutHandler } from './api.js';
import * as campaigns from './pages/campaigns.js';
import * as dashboard from './pages/dashboard.js';
import * as report from './pages/report.js';
import * as orders from './pages/orders.js';
import * as fraud from './pages/fraud.js';
import * as users from './pages/users.js';
import * as audit from './pages/audit.js';
import * as domains from './pages/domains.js';
import * as games from './pages/games.js';
import * as engagement from './pages/engagement.js';
import * as points from './pages/points.js';
import * as promotions from './pages/promotions.js';
import * as levels from './pages/levels.js';

const app = document.getElementById('app');

// route name → [page module, roles that see it in the menu (empty: all)]
const PAGES = {
  campaigns: [campaigns, []],
  dashboard: [dashboard, []],
  report: [report, []],
  orders: [orders, []],
  prizes: [orders, []],
  fraud: [fraud, ['risk']],
  reviews: [fraud, ['risk']],
  users: [users, []],
  domains: [domains, ['operator']],
  games: [games, []],
  engagement: [engagement, ['operator']],
  points: [points, ['operator']],
  promotions: [promotions, []],
  levels: [levels, ['operator']],
  audit: [audit, ['owner']],
  admins: [users, ['owner']],
};

let unmount = null;

function showLogin(message) {
  if (unmount) { unmount(); unmount = null; }
  const error = h('p', { class: 'error', role: 'alert' }, message || '');
  const username = h('input', { name: 'username', autocomplete: 'username', required: true, maxlength: 64 });
  const password = h('input', { name: 'password', type: 'password', autocomplete: 'current-password', required: true });
  const button = h('button', { type: 'submit', class: 'primary' }, T.login);
  const form = h('form', {
    class: 'login',
    onsubmit: async (e) => {
      e.preventDefault();
      button.disabled = true;
      button.textContent = T.loggingIn;
      error.textContent = '';
      try {
        await login(username.value.trim(), password.value);
        if (!location.hash || location.hash === '#/login') location.hash = '#/campaigns';
        render();
      } catch (err) {
        error.textContent = err.message;
        button.disabled = false;
        button.textContent = T.login;
      }
    },
  }, h('h1', {}, T.appName), h('h2', {}, T.loginTitle),
  h('label', { class: 'field' }, h('span', { class: 'label' }, T.username), username),
  h('label', { class: 'field' }, h('span', { class: 'label' }, T.password), password),
  error, button);
  clear(app, h('main', { class: 'login-page' }, form));
  username.focus();
}

setLogoutHandler((message) => showLogin(message));

function nav(active) {
  const admin = currentAdmin();
  const links = Object.entries(PAGES)
    .filter(([, [, roles]]) => roles.length === 0 || hasRole(...roles))
    .map(([name]) => h('a', { href: '#/' + name, class: name === active ? 'active' : null, 'data-page': name }, T.nav[name]));
  const roles = admin.roles.map((r) => T.roleNames[r] || r).join('、');
  return h('nav', { class: 'side' },
    h('div', { class: 'brand' }, T.appName),
    h('div', { class: 'links' }, links),
    h('div', { class: 'who' }, h('span', { class: 'me' }, T.signedInAs(admin.username, roles)),
      h('button', { class: 'link', onclick: async () => { await logout(); showLogin(); } }, T.logout)));
}

function render() {
  if (!currentAdmin()) { showLogin(); return; }
  const parts = location.hash.replace(/^#\/?/, '').split('/').filter(Boolean);
  const name = PAGES[parts[0]] ? parts[0] : 'campaigns';
  const [page] = PAGES[name];
  if (unmount) { unmount(); unmount = null; }
  const main = h('main', { class: 'content', id: 'page-' + name });
  clear(app, h('div', { class: 'shell' }, nav(name), main));
  const result = page.mount(main, { name, args: parts.slice(1), api });
  unmount = typeof result === 'function' ? result : null;
}

addEventListener('hashchange', render);
render();
