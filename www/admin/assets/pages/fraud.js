// fraud.js — anti-fraud: the pattern rules (a new or edited rule is tried
// against the last 7 days of recorded traffic before it can be switched
// on), the decisions and the review queue (release or reject).

import { T } from '../texts.js';
import { h, clear, table, when, toast } from '../dom.js';
import { qs } from '../api.js';

const DRY_RUN_DAYS = 7;

export function mount(main, { name, api }) {
  return name === 'reviews' ? reviews(main, api) : rules(main, api);
}

function ruleForm(api, rule, onSaved) {
  const r = rule || { field: 'user_agent', pattern: '', action: 'block', scope: ['help'], enabled: false, note: '' };
  const fieldSelect = h('select', { name: 'field' }, Object.entries(T.fraudFields).map(([k, v]) => h('option', { value: k, selected: k === r.field }, v)));
  const pattern = h('input', { name: 'pattern', value: r.pattern, maxlength: 1000, spellcheck: 'false', class: 'mono' });
  const action = h('select', { name: 'action' }, Object.entries(T.fraudActions).map(([k, v]) => h('option', { value: k, selected: k === r.action }, v)));
  const scopes = Object.entries(T.fraudScopes).map(([k, v]) => {
    const box = h('input', { type: 'checkbox', name: 'scope', value: k, checked: r.scope.includes(k) });
    return { k, box, node: h('label', { class: 'check' }, box, ' ', v) };
  });
  const note = h('input', { name: 'note', value: r.note || '', maxlength: 200 });
  const error = h('p', { class: 'error', role: 'alert' });
  const result = h('div', { class: 'dry-run-result', 'aria-live': 'polite' });
  const saveOn = h('button', { type: 'button', class: 'primary', disabled: true, id: 'save-enabled' }, T.saveEnabled);
  const saveOff = h('button', { type: 'button', class: 'secondary', id: 'save-disabled' }, T.saveDisabled);
  let triedWith = null;

  const body = () => ({
    field: fieldSelect.value, pattern: pattern.value, action: action.value,
    scope: scopes.filter((s) => s.box.checked).map((s) => s.k), note: note.value.trim() || null,
  });
  const key = () => JSON.stringify(body());
  const touched = () => { saveOn.disabled = triedWith !== key(); };
  for (const input of [fieldSelect, pattern, action, note, ...scopes.map((s) => s.box)]) input.addEventListener('input', touched);
  for (const input of [fieldSelect, action, ...scopes.map((s) => s.box)]) input.addEventListener('change', touched);

  async function dryRun() {
    error.textContent = '';
    clear(result, T.loading);
    const to = new Date();
    const from = new Date(to.getTime() - DRY_RUN_DAYS * 86400000);
    const tried = key();
    try {
      const j = await api.post('/admin/fraud/rules/dry-run', { ...body(), from: from.toISOString().replace(/\.\d{3}Z$/, 'Z'), to: to.toISOString().replace(/\.\d{3}Z$/, 'Z'), sample: 10 });
      clear(result, h('p', { class: 'dry-run-summary' }, T.dryRunResult(j.requests, j.bargains, j.scanned)),
        j.sample && j.sample.length ? table([
          { title: T.when, cell: (s) => when(s.at) },
          { title: T.scope, cell: (s) => T.fraudScopes[s.scope] || s.scope },
          { title: T.value, cell: (s) => h('code', {}, s.value) },
        ], j.sample) : null);
      triedWith = tried;
      touched();
    } catch (err) {
      clear(result);
      error.textContent = err.message;
    }
  }

  async function save(enabled) {
    error.textContent = '';
    try {
      const b = { ...body(), enabled };
      if (rule) await api.patch('/admin/fraud/rules/' + rule.id, b);
      else await api.post('/admin/fraud/rules', b);
      toast(T.saved);
      onSaved();
    } catch (err) { error.textContent = err.message; }
  }
  saveOn.addEventListener('click', () => save(true));
  saveOff.addEventListener('click', () => save(false));

  return h('form', { class: 'rule-form', onsubmit: (e) => { e.preventDefault(); dryRun(); } },
    h('div', { class: 'grid' },
      h('label', { class: 'field' }, h('span', { class: 'label' }, T.field), fieldSelect),
      h('label', { class: 'field wide' }, h('span', { class: 'label' }, T.pattern), pattern),
      h('label', { class: 'field' }, h('span', { class: 'label' }, T.action), action)),
    h('div', { class: 'field' }, h('span', { class: 'label' }, T.scope), h('div', { class: 'checks' }, scopes.map((s) => s.node))),
    h('label', { class: 'field' }, h('span', { class: 'label' }, T.note), note),
    h('p', { class: 'muted' }, T.dryRunFirst),
    h('div', { class: 'form-foot' }, h('button', { type: 'submit', class: 'secondary', id: 'dry-run' }, T.dryRun), saveOff, saveOn),
    error, result);
}

function rules(main, api) {
  const formBox = h('div', {});
  const body = h('div', {});
  const error = h('p', { class: 'error', role: 'alert' });
  async function load() {
    try {
      const j = await api.get('/admin/fraud/rules?limit=100');
      clear(body, table([
        { title: 'ID', cell: (r) => String(r.id) },
        { title: T.field, cell: (r) => T.fraudFields[r.field] || r.field },
        { title: T.pattern, cell: (r) => h('code', {}, r.pattern) },
        { title: T.action, cell: (r) => T.fraudActions[r.action] || r.action },
        { title: T.scope, cell: (r) => r.scope.map((s) => T.fraudScopes[s] || s).join('、') },
        { title: T.enabled, cell: (r) => (r.enabled ? T.yes : T.no) },
        { title: T.hits24h, cell: (r) => String(r.hits_24h) },
        { title: T.note, cell: (r) => r.note || '' },
        { title: T.actions, cell: (r) => h('span', { class: 'row-actions' },
          h('button', { type: 'button', class: 'link', onclick: () => clear(formBox, h('h2', {}, T.edit, ' #', String(r.id)), ruleForm(api, r, () => { clear(formBox); load(); })) }, T.edit),
          h('button', { type: 'button', class: 'link', onclick: async () => { try { await api.patch('/admin/fraud/rules/' + r.id, { enabled: !r.enabled }); load(); } catch (err) { error.textContent = err.message; } } }, r.enabled ? T.disable : T.enable),
          h('button', { type: 'button', class: 'link danger', onclick: async () => { if (!confirm(T.deleteConfirm)) return; try { await api.del('/admin/fraud/rules/' + r.id); load(); } catch (err) { error.textContent = err.message; } } }, T.remove)) },
      ], j.items, { empty: T.none }));
    } catch (err) { error.textContent = err.message; }
  }
  clear(main, h('header', { class: 'page-head' }, h('h1', {}, T.fraudTitle),
    h('button', { type: 'button', class: 'primary', id: 'new-rule', onclick: () => clear(formBox, h('h2', {}, T.newRule), ruleForm(api, null, () => { clear(formBox); load(); })) }, T.newRule)),
  formBox, error, body);
  load();
}

function reviews(main, api) {
  const error = h('p', { class: 'error', role: 'alert' });
  const decisions = h('div', {});
  const queue = h('div', {});
  async function load() {
    try {
      const [d, q] = await Promise.all([api.get('/admin/fraud/decisions?limit=50'), api.get('/admin/fraud/reviews' + qs({ status: 'pending', limit: 50 }))]);
      clear(queue, table([
        { title: 'ID', cell: (r) => String(r.id) },
        { title: T.target, cell: (r) => `${r.kind} #${r.target_id}` },
        { title: T.status, cell: (r) => r.status },
        { title: T.createdAt, cell: (r) => when(r.created_at) },
        { title: '', cell: (r) => (r.bargain ? `${r.bargain.status} · ${r.bargain.helpers} · ${r.bargain.signature}` : '') },
        { title: T.actions, cell: (r) => (r.status === 'pending' ? h('span', { class: 'row-actions' },
          h('button', { type: 'button', class: 'primary small', onclick: () => act(r.id, 'release') }, T.release),
          h('button', { type: 'button', class: 'danger small', onclick: () => act(r.id, 'reject') }, T.reject)) : null) },
      ], q.items, { empty: T.none }));
      clear(decisions, table([
        { title: T.when, cell: (x) => when(x.at) },
        { title: T.rule, cell: (x) => (x.rule_id ? '#' + x.rule_id : '—') },
        { title: T.scope, cell: (x) => T.fraudScopes[x.scope] || x.scope },
        { title: T.field, cell: (x) => T.fraudFields[x.field] || x.field },
        { title: T.value, cell: (x) => h('code', {}, x.value) },
        { title: T.action, cell: (x) => T.fraudActions[x.action] || x.action },
      ], d.items, { empty: T.none }));
    } catch (err) { error.textContent = err.message; }
  }
  async function act(id, what) {
    try { await api.post(`/admin/fraud/reviews/${id}/${what}`, {}); load(); } catch (err) { error.textContent = err.message; }
  }
  clear(main, h('header', { class: 'page-head' }, h('h1', {}, T.reviewsTitle)), error,
    h('h2', {}, T.reviewsTitle), queue, h('h2', {}, T.decisionsTitle), decisions);
  load();
}
