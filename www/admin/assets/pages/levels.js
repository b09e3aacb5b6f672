// levels.js — the shop-wide member levels (GET/PUT /admin/member-levels,
// API.md "Promotions (admin)"): a shopper's level is the highest whose
// min_paid_fen their paid orders reach; member_price promotions give each
// level its percent. Checked as the admin types: levels 1, 2, 3 ... with
// thresholds that rise with them.

import { T } from '../texts.js';
import { h, clear, field, toFen, fenToYuanText, toast } from '../dom.js';
import { hasRole } from '../api.js';

const LEVELS_MAX = 20;

export function mount(main, { api }) {
  const error = h('p', { class: 'error', role: 'alert' });
  const rowsBox = h('div', { class: 'rows levels' });
  const problem = h('small', { class: 'field-error', role: 'alert', 'data-error-for': 'levels' });
  const save = h('button', { type: 'submit', class: 'primary', id: 'save-levels', disabled: !hasRole('operator') }, T.save);
  const rows = [];

  function check() {
    let message = null;
    rows.forEach((r, i) => {
      const level = r.level.value.trim();
      const fen = toFen(r.min.value);
      const name = r.name.value.trim();
      r.level.classList.toggle('invalid', level !== String(i + 1));
      r.name.classList.toggle('invalid', name === '' || [...name].length > 20);
      r.min.classList.toggle('invalid', fen === null || Number.isNaN(fen));
      if (level !== String(i + 1)) message = message || T.levelsCheck.levelOrder;
      else if (name === '') message = message || T.check.required;
      else if (fen === null || Number.isNaN(fen)) message = message || T.check.money;
      else if (i > 0 && fen <= toFen(rows[i - 1].min.value)) message = message || T.levelsCheck.minOrder;
    });
    problem.textContent = message || '';
    return !message;
  }

  function addRow(x) {
    if (rows.length >= LEVELS_MAX) return;
    const r = {
      level: h('input', { name: 'level', inputmode: 'numeric', value: x ? String(x.level) : String(rows.length + 1) }),
      name: h('input', { name: 'level_name', value: x ? x.name : '', maxlength: 20 }),
      min: h('input', { name: 'min_paid', inputmode: 'decimal', value: x ? fenToYuanText(x.min_paid_fen) : '' }),
    };
    r.node = h('div', { class: 'row level-row' }, field(T.level, r.level), field(T.levelName, r.name), field(T.levelMinPaid, r.min),
      h('button', { type: 'button', class: 'link danger', onclick: () => { r.node.remove(); rows.splice(rows.indexOf(r), 1); check(); } }, T.removeRow));
    for (const input of [r.level, r.name, r.min]) input.addEventListener('input', check);
    rows.push(r);
    rowsBox.append(r.node);
  }

  const form = h('form', {
    class: 'levels-form panel',
    novalidate: true,
    onsubmit: async (e) => {
      e.preventDefault();
      error.textContent = '';
      if (!check()) return;
      try {
        const j = await api.put('/admin/member-levels', {
          levels: rows.map((r) => ({ level: Number(r.level.value), name: r.name.value.trim(), min_paid_fen: toFen(r.min.value) })),
        });
        toast(T.levelsSaved);
        draw(j.levels || []);
      } catch (err) { error.textContent = err.message; }
    },
  }, rowsBox, problem,
  h('div', { class: 'form-foot' }, h('button', { type: 'button', class: 'secondary', onclick: () => { addRow(null); check(); } }, T.addLevel), save));

  function draw(levels) {
    rows.splice(0);
    clear(rowsBox);
    levels.forEach(addRow);
    if (!levels.length) addRow({ level: 1, name: '', min_paid_fen: 0 });
    check();
  }

  clear(main, h('header', { class: 'page-head' }, h('h1', {}, T.levelsTitle)), h('p', { class: 'muted' }, T.levelsHint), error, form);
  api.get('/admin/member-levels').then((j) => draw(j.levels || []), (err) => { error.textContent = err.message; draw([]); });
}
