// api.js — the console's one door to /api/v1/admin: the admin token in
// sessionStorage (gone with the tab), renewed while the admin is active,
// errors as ApiError with the API's own Chinese message.

import { T } from './texts.js';

const KEY = 'kanjia.admin';
const RENEW_BEFORE_MS = 5 * 60 * 1000;   // renew when less than this is left
const ACTIVE_WITHIN_MS = 10 * 60 * 1000; // ... and the admin did something lately

export class ApiError extends Error {
  constructor(status, code, message, body) {
    super(message);
    this.status = status;
    this.code = code;
    this.body = body;
  }
}

let session = null;
try { session = JSON.parse(sessionStorage.getItem(KEY) || 'null'); } catch { session = null; }
let lastActivity = Date.now();
let onLogout = () => {};

export const currentAdmin = () => (session ? session.admin : null);
export const hasRole = (...roles) => !!session && (session.admin.roles.includes('owner') || roles.some((r) => session.admin.roles.includes(r)));
export function setLogoutHandler(fn) { onLogout = fn; }

function store(answer) {
  session = { token: answer.token, expires_at: answer.expires_at, admin: answer.admin };
  sessionStorage.setItem(KEY, JSON.stringify(session));
}

export function forget() {
  session = null;
  sessionStorage.removeItem(KEY);
}

async function send(method, path, body, { accept = 'application/json', raw = false, auth = true } = {}) {
  const headers = { Accept: accept };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (auth && session) headers.Authorization = 'Bearer ' + session.token;
  let response;
  try {
    response = await fetch('/api/v1' + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), cache: 'no-store' });
  } catch {
    throw new ApiError(0, 'network', T.networkError);
  }
  if (raw && response.ok) return response;
  const text = await response.text();
  let json = null;
  try { json = text ? JSON.parse(text) : null; } catch { json = null; }
  if (!response.ok) {
    const err = json && json.error ? json.error : { code: 'http_' + response.status, message: T.networkError };
    if (response.status === 401 && auth && session) {
      forget();
      onLogout(T.sessionExpired);
    }
    throw new ApiError(response.status, err.code, err.message, json);
  }
  return json;
}

export async function login(username, password) {
  const answer = await send('POST', '/admin/login', { username, password }, { auth: false });
  store(answer);
  return answer.admin;
}

export async function logout() {
  try { await send('POST', '/admin/logout'); } catch { /* gone already */ }
  forget();
}

// Renews the token when it runs out soon and the admin is at work; an idle
// console lets it expire (30 minutes by default).
async function maybeRenew() {
  if (!session) return;
  const left = new Date(session.expires_at).getTime() - Date.now();
  if (left > RENEW_BEFORE_MS || Date.now() - lastActivity > ACTIVE_WITHIN_MS) return;
  try { store(await send('POST', '/admin/token/renew')); } catch { /* a 401 logs out */ }
}
for (const type of ['pointerdown', 'keydown']) addEventListener(type, () => { lastActivity = Date.now(); }, { passive: true });
setInterval(maybeRenew, 30 * 1000);

export const api = {
  get: (path, opts) => send('GET', path, undefined, opts),
  post: (path, body) => send('POST', path, body === undefined ? {} : body),
  patch: (path, body) => send('PATCH', path, body),
  put: (path, body) => send('PUT', path, body),
  del: (path) => send('DELETE', path),
  raw: (path, accept) => send('GET', path, undefined, { accept, raw: true }),
};

// A query string from an object, skipping empty values.
export function qs(params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== '' && v !== null && v !== undefined) q.set(k, v);
  const s = q.toString();
  return s ? '?' + s : '';
}
