// ui.js — small DOM helpers shared by the pages: element building, money
// and time formatting, countdowns, toasts, a bottom sheet, and in-app links.

import { T, fmt } from './texts.js';
import { serverNow } from './api.js';

// h('div.card', {onclick}, child, ...): an element with classes, properties
// and children (strings become text nodes: never HTML).
export function h(tag, props, ...children) {
  const [name, ...classes] = tag.split('.');
  const el = document.createElement(name || 'div');
  if (classes.length) el.className = classes.join(' ');
  if (props && (typeof props !== 'object' || props instanceof Node || Array.isArray(props))) {
    children.unshift(props);
    props = null;
  }
  for (const [k, v] of Object.entries(props || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else if (k === 'dataset') Object.assign(el.dataset, v);
    else if (k in el && k !== 'list') el[k] = v;
    else el.setAttribute(k, v === true ? '' : v);
  }
  append(el, children);
  return el;
}

// Replaces the children of el (arrays flattened, null skipped).
export function put(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

function append(el, children) {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    if (Array.isArray(c)) append(el, c);
    else el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
}

// Fen as yuan text without floats: 12345 → "123.45", 30000 → "300".
export function yuan(fen) {
  const n = Math.trunc(Number(fen) || 0);
  const sign = n < 0 ? '-' : '';
  const a = Math.abs(n);
  const cents = a % 100;
  return sign + Math.floor(a / 100) + (cents ? '.' + String(cents).padStart(2, '0') : '');
}

// Like fmt, but a placeholder may be a node (a live countdown): returns
// the pieces to pass to h().
export function fmtNodes(t, v = {}) {
  return t.split(/(\{\w+\})/).map((part) => {
    const m = part.match(/^\{(\w+)\}$/);
    return m && m[1] in v ? v[m[1]] : part;
  }).filter((x) => x !== '');
}

export const price = (fen) => '¥' + yuan(fen);

// Seconds as "1天 02:03:04" or "02:03:04".
export function duration(s) {
  s = Math.max(0, Math.floor(s));
  const d = Math.floor(s / 86400);
  const hh = String(Math.floor((s % 86400) / 3600)).padStart(2, '0');
  const mm = String(Math.floor((s % 3600) / 60)).padStart(2, '0');
  const ss = String(s % 60).padStart(2, '0');
  return (d ? fmt(T.days, { n: d }) : '') + hh + ':' + mm + ':' + ss;
}

export function localDate(iso) {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '';
  const p = (x) => String(x).padStart(2, '0');
  return d.getFullYear() + '-' + p(d.getMonth() + 1) + '-' + p(d.getDate()) + ' ' + p(d.getHours()) + ':' + p(d.getMinutes());
}

// A live countdown to an RFC 3339 time; calls onEnd once when it reaches 0.
// Returns the element; it stops by itself once removed from the page.
export function countdown(iso, onEnd, cls = 'countdown') {
  const end = Date.parse(iso);
  const el = h('span.' + cls);
  let done = false;
  const tick = () => {
    const left = (end - serverNow()) / 1000;
    el.textContent = duration(left);
    if (left <= 0 && !done) {
      done = true;
      if (onEnd) onEnd();
    }
  };
  tick();
  const timer = setInterval(() => {
    if (!el.isConnected && el.dataset.mounted) return clearInterval(timer);
    if (el.isConnected) el.dataset.mounted = '1';
    tick();
  }, 1000);
  return el;
}

// A short message at the bottom of the screen.
let toastTimer = 0;
export function toast(text, ms = 2500) {
  let el = document.getElementById('toast');
  if (!el) {
    el = h('div.toast', { role: 'status', 'aria-live': 'polite' });
    el.id = 'toast';
    document.body.append(el);
  }
  el.textContent = text;
  el.classList.add('show');
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => el.classList.remove('show'), ms);
}

// A bottom sheet over the page; returns { el, close }. onClose runs once.
export function sheet(content, onClose) {
  const box = h('div.sheet', { role: 'dialog', 'aria-modal': 'true' }, content);
  const mask = h('div.mask', box);
  let closed = false;
  const close = () => {
    if (closed) return;
    closed = true;
    mask.remove();
    if (onClose) onClose();
  };
  mask.addEventListener('click', (e) => { if (e.target === mask) close(); });
  document.body.append(mask);
  return { el: box, close };
}

// The message block shown instead of a page that could not load.
export function failure(text, onRetry) {
  return h('div.failure',
    h('p', text),
    onRetry ? h('button.btn.ghost', { type: 'button', onclick: onRetry }, T.retry) : null,
    h('p', h('a', { href: '/', dataset: { nav: '' } }, T.home)));
}

// A spinner line for what is still loading.
export const loading = () => h('div.loading', T.loading);

// In-app links: <a data-nav href="/b/7"> navigates without a reload.
export function navigate(path, replace = false) {
  if (replace) history.replaceState(null, '', path);
  else history.pushState(null, '', path);
  window.dispatchEvent(new Event('kanjia:navigate'));
}

export function link(path, ...children) {
  return h('a', { href: path, dataset: { nav: '' } }, ...children);
}

// The first picture of an item, or a neutral block when there is none.
export function picture(images, alt, cls = 'pic') {
  const src = Array.isArray(images) && images.find((u) => typeof u === 'string' && /^(\/[^/]|https:\/\/)/.test(u));
  if (!src) return h('div.' + cls + '.nopic');
  const img = h('img.' + cls, { src, alt: alt || '', loading: 'lazy', decoding: 'async', width: 300, height: 300 });
  img.addEventListener('error', () => img.replaceWith(h('div.' + cls + '.nopic')));
  return img;
}

export function setTitle(text) {
  document.title = text ? text + ' - ' + T.appTitle : T.appTitle;
}

export { T, fmt };
