// api.js — the one door to the kanjia API (API.md) for the shopper pages.
//
// Keeps the shopper's token in localStorage, turns every failure (an API
// error, a non-JSON answer, a lost network) into an ApiError whose .text is
// a sentence a shopper understands, supports conditional GETs (ETag /
// If-None-Match → 304) and Idempotency-Key headers, and tracks the server
// clock so countdowns agree with it.

import { T, fmt } from './texts.js';

const TOKEN_KEY = 'kanjia.token';
const USER_KEY = 'kanjia.user';
const TIMEOUT_MS = 15000;

let serverOffsetMs = 0;

const INVITE = /^[A-Za-z0-9]{1,16}$/;
const INVITE_KEY = 'kanjia.invite';

// An invite link (/?invite=<code>) is kept for the session, so the login it
// leads to, whichever page asks for it, names the inviter. Kept here, in a
// module every page loads before its load event: the login sheet's module
// comes with the page's own, later, and a shopper who moves on at once
// would lose the invitation.
try {
  const fromLink = new URLSearchParams(location.search).get('invite');
  if (fromLink && INVITE.test(fromLink)) sessionStorage.setItem(INVITE_KEY, fromLink);
} catch { /* storage off: the link still works for this page */ }

export function inviteCode() {
  try {
    const code = sessionStorage.getItem(INVITE_KEY);
    return code && INVITE.test(code) ? code : null;
  } catch {
    return null;
  }
}

export class ApiError extends Error {
  constructor(status, code, text, retryAfter) {
    super(code);
    this.status = status; // HTTP status, 0 for a network failure
    this.code = code; // the API's error code, or network/timeout/server/unknown
    this.text = text; // what to show the shopper
    this.retryAfter = retryAfter; // seconds, or null
  }
}

export function token() {
  try { return localStorage.getItem(TOKEN_KEY); } catch { return null; }
}

export function user() {
  try { return JSON.parse(localStorage.getItem(USER_KEY) || 'null'); } catch { return null; }
}

export function saveLogin(answer) {
  try {
    localStorage.setItem(TOKEN_KEY, answer.token);
    localStorage.setItem(USER_KEY, JSON.stringify(answer.user || null));
  } catch { /* private mode: the token lives for this page only */ }
  memoryToken = answer.token;
}

export function forgetLogin() {
  memoryToken = null;
  try { localStorage.removeItem(TOKEN_KEY); localStorage.removeItem(USER_KEY); } catch { /* ignore */ }
}

let memoryToken = null;
function currentToken() { return token() || memoryToken; }

// Now on the server's clock, in ms.
export function serverNow() { return Date.now() + serverOffsetMs; }

function noteServerDate(response) {
  const date = Date.parse(response.headers.get('Date') || '');
  if (!Number.isNaN(date)) {
    const offset = date - Date.now();
    // Date has one-second resolution: only follow real skew.
    if (Math.abs(offset - serverOffsetMs) > 1500) serverOffsetMs = offset;
  }
}

// The sentence for an error code; falls back on the status, never shows a code.
export function messageFor(status, code, retryAfter, serverMessage) {
  const e = T.errors;
  if (code === 'rate_limited' && retryAfter) {
    if (retryAfter <= 120) return fmt(e.rate_limited_s, { s: retryAfter });
    if (retryAfter < 3600) return fmt(e.rate_limited_m, { m: Math.ceil(retryAfter / 60) });
    return fmt(e.rate_limited_h, { h: Math.ceil(retryAfter / 3600) });
  }
  if (code && e[code]) return e[code];
  // The API's own sentences are Chinese and meant for people; nginx's are not.
  if (serverMessage && /[\u4e00-\u9fff]/.test(serverMessage)) return serverMessage;
  if (status === 0) return e.network;
  if (status === 401) return e.unauthorized;
  if (status === 403) return e.forbidden;
  if (status === 404) return e.not_found;
  if (status === 429) return e.rate_limited;
  if (status >= 500) return e.server;
  if (status >= 400) return e.bad_request;
  return e.unknown;
}

// Sends one request. opts: method, body (JSON), etag (for If-None-Match),
// headers, auth (default true: send the token if there is one).
// Resolves { status, data, etag } — status 304 has data null; rejects
// with an ApiError for every status >= 400 and every network failure.
export async function request(path, opts = {}) {
  const headers = { Accept: 'application/json', ...(opts.headers || {}) };
  const t = currentToken();
  if (t && opts.auth !== false) headers.Authorization = 'Bearer ' + t;
  if (opts.etag) headers['If-None-Match'] = opts.etag;
  let body;
  if (opts.body !== undefined) {
    headers['Content-Type'] = 'application/json';
    body = JSON.stringify(opts.body);
  }
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), TIMEOUT_MS);
  let response;
  try {
    response = await fetch('/api/v1' + path, {
      method: opts.method || (body !== undefined ? 'POST' : 'GET'),
      headers, body, cache: 'no-store', credentials: 'omit', signal: controller.signal,
    });
  } catch (err) {
    const timedOut = err && err.name === 'AbortError';
    throw new ApiError(0, timedOut ? 'timeout' : 'network', timedOut ? T.errors.timeout : T.errors.network, null);
  } finally {
    clearTimeout(timer);
  }
  noteServerDate(response);
  const etag = response.headers.get('ETag');
  if (response.status === 304) return { status: 304, data: null, etag: etag || opts.etag };
  let data = null;
  const text = await response.text().catch(() => '');
  if (text) {
    try { data = JSON.parse(text); } catch { data = null; }
  }
  if (response.status >= 400) {
    const err = (data && data.error) || {};
    const code = typeof err.code === 'string' ? err.code : (response.status >= 500 ? 'server' : 'unknown');
    const retry = parseInt(response.headers.get('Retry-After') || '', 10);
    const retryAfter = Number.isFinite(retry) && retry > 0 ? retry : null;
    if (response.status === 401 && currentToken() && opts.auth !== false) forgetLogin();
    throw new ApiError(response.status, code, messageFor(response.status, code, retryAfter, err.message), retryAfter);
  }
  if (response.status !== 204 && data === null) {
    throw new ApiError(response.status, 'server', T.errors.server, null);
  }
  return { status: response.status, data, etag };
}

export const get = (path, opts) => request(path, opts).then((r) => r.data);
export const post = (path, body, opts = {}) => request(path, { ...opts, method: 'POST', body }).then((r) => r.data);

// A random key for Idempotency-Key: one per order attempt.
export function newKey() {
  if (crypto.randomUUID) return crypto.randomUUID();
  const b = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
}
