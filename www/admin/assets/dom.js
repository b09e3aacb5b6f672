// dom.js — building the page from text nodes only. h() never parses HTML:
// every value shown goes through textContent or setAttribute, so a title
// such as <img src=x onerror=alert(1)> shows as the text it is.

export function h(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (key.startsWith('on') && typeof value === 'function') node.addEventListener(key.slice(2), value);
    else if (key === 'class') node.className = value;
    else if (key === 'value') node.value = value;
    else if (key === 'checked') node.checked = !!value;
    else node.setAttribute(key, value === true ? '' : String(value));
  }
  append(node, children);
  return node;
}

function append(node, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

export function clear(node, ...children) {
  node.replaceChildren();
  append(node, children);
  return node;
}

// Money: fen as "¥1,234.56"; yuan text from a form as fen (null when empty
// or malformed).
export function yuan(fen) {
  const sign = fen < 0 ? '-' : '';
  const abs = Math.abs(Number(fen) || 0);
  const whole = Math.floor(abs / 100).toLocaleString('zh-CN');
  return `${sign}¥${whole}.${String(abs % 100).padStart(2, '0')}`;
}

export function toFen(text) {
  const s = String(text ?? '').trim();
  if (s === '') return null;
  const m = s.match(/^(\d{1,12})(?:\.(\d{1,2}))?$/);
  if (!m) return NaN;
  return Number(m[1]) * 100 + Number((m[2] || '0').padEnd(2, '0'));
}

export const fenToYuanText = (fen) => (fen === null || fen === undefined ? '' : (fen / 100).toFixed(2).replace(/\.00$/, ''));

// RFC 3339 UTC → local "2026-11-30 20:41"; and back from <input type=datetime-local>.
export function when(iso) {
  if (!iso) return '—';
  const d = new Date(iso);
  const p = (n) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}`;
}

export function toLocalInput(iso) {
  if (!iso) return '';
  const d = new Date(iso);
  const p = (n) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}`;
}

export function fromLocalInput(value) {
  if (!value) return null;
  const d = new Date(value);
  return Number.isNaN(d.getTime()) ? null : d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export function localDate(d = new Date()) {
  const p = (n) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}`;
}

// A labelled form field.
export function field(label, input, hint) {
  return h('label', { class: 'field' }, h('span', { class: 'label' }, label), input, hint ? h('small', {}, hint) : null);
}

// A table from column definitions: [{ title, cell: (row) => node|text }].
export function table(columns, rows, { empty } = {}) {
  const body = rows.length
    ? rows.map((row) => h('tr', {}, columns.map((c) => h('td', { 'data-col': c.key || null }, c.cell(row)))))
    : [h('tr', {}, h('td', { colspan: columns.length, class: 'empty' }, empty))];
  return h('div', { class: 'table-wrap' }, h('table', {}, h('thead', {}, h('tr', {}, columns.map((c) => h('th', {}, c.title)))), h('tbody', {}, body)));
}

// A short message at the top of the page.
export function toast(text, kind = 'ok') {
  const box = document.getElementById('toast') || document.body.appendChild(h('div', { id: 'toast', role: 'status' }));
  const item = h('div', { class: 'toast ' + kind }, text);
  box.append(item);
  setTimeout(() => item.remove(), 4000);
}
