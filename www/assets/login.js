// login.js — the login sheet: phone number, SMS code with the API's resend
// countdown, the 6-digit code. Every API error is shown as a sentence.

import { T, fmt } from './texts.js';
import { post, token, saveLogin, inviteCode } from './api.js';
import { h, sheet } from './ui.js';
import { bindWeChat } from './wechat.js';

const PHONE = /^1\d{10}$/;
const CODE = /^\d{6}$/;
// Resolves once the shopper is logged in (at once if already); resolves
// false if they close the sheet.
export function requireLogin() {
  if (token()) return Promise.resolve(true);
  return openLogin();
}

export function openLogin() {
  return new Promise((resolve) => {
    let done = false;
    let timer = 0;
    const phone = h('input.input', {
      type: 'tel', name: 'phone', inputMode: 'numeric', autocomplete: 'tel', maxLength: 11,
      placeholder: T.phonePlaceholder, 'aria-label': T.phone,
    });
    const code = h('input.input', {
      type: 'text', name: 'code', inputMode: 'numeric', autocomplete: 'one-time-code', maxLength: 6,
      placeholder: T.codePlaceholder, 'aria-label': T.codePlaceholder,
    });
    const send = h('button.btn.small.ghost.send', { type: 'button' }, T.sendCode);
    const submit = h('button.btn.block', { type: 'submit' }, T.login);
    const msg = h('p.msg.error', { role: 'alert' });
    const note = h('p.msg');
    const form = h('form.login', { noValidate: true },
      h('h2', T.loginTitle),
      h('p.hint', T.loginHint),
      h('div.row', phone),
      h('div.row', code, send),
      msg, note, submit);

    const say = (text) => { msg.textContent = text || ''; };
    const digits = (input) => input.addEventListener('input', () => {
      const v = input.value.replace(/\D/g, '');
      if (v !== input.value) input.value = v;
    });
    digits(phone);
    digits(code);

    // The resend countdown: the API's resend_after_s, or Retry-After.
    const wait = (seconds) => {
      clearInterval(timer);
      let left = seconds;
      send.disabled = true;
      send.textContent = fmt(T.resendIn, { s: left });
      timer = setInterval(() => {
        left -= 1;
        if (left <= 0) {
          clearInterval(timer);
          send.disabled = false;
          send.textContent = T.resend;
        } else {
          send.textContent = fmt(T.resendIn, { s: left });
        }
      }, 1000);
    };

    send.addEventListener('click', async () => {
      say('');
      if (!PHONE.test(phone.value)) { say(T.badPhone); phone.focus(); return; }
      send.disabled = true;
      try {
        const r = await post('/auth/sms', { phone: phone.value }, { auth: false });
        note.textContent = T.codeSent;
        wait(r && r.resend_after_s > 0 ? r.resend_after_s : 60);
        code.focus();
      } catch (e) {
        say(e.text);
        if (e.retryAfter) wait(e.retryAfter);
        else send.disabled = false;
      }
    });

    form.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      say('');
      if (!PHONE.test(phone.value)) { say(T.badPhone); phone.focus(); return; }
      if (!CODE.test(code.value)) { say(T.badCode); code.focus(); return; }
      submit.disabled = true;
      submit.textContent = T.loggingIn;
      try {
        const body = { phone: phone.value, code: code.value };
        const invite = inviteCode();
        if (invite) body.invite_code = invite;
        const r = await post('/auth/login', body, { auth: false });
        saveLogin(r);
        bindWeChat(); // inside WeChat: next time no SMS code
        done = true;
        clearInterval(timer);
        s.close();
        resolve(true);
      } catch (e) {
        say(e.text);
        if (e.code === 'invalid_code') code.select();
      } finally {
        submit.disabled = false;
        submit.textContent = T.login;
      }
    });

    const closeBtn = h('button.x', { type: 'button', 'aria-label': T.close, onclick: () => s.close() }, '×');
    const s = sheet([closeBtn, form], () => {
      clearInterval(timer);
      if (!done) resolve(false);
    });
    s.el.classList.add('login-sheet');
    setTimeout(() => phone.focus(), 50);
  });
}
