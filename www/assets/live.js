// live.js — a bargain's progress as it happens (API.md, "Live updates"):
// an EventSource on the bargain's stream, and polling with backoff where a
// stream cannot be had.
//
// nginx holds the stream and sends each change as an event "bargain" whose
// data is the bargain's new state; it pings every 25 s. The stream is given
// up for polling when the browser has no EventSource, when the server
// refuses it (EventSource closes itself on any answer but a 200 event
// stream), when it keeps failing to reconnect, or when it stays silent past
// the pings (a proxy that buffers the stream). The browser reconnects a
// dropped stream by itself, sending Last-Event-ID, and gets the current
// state back.

import { CONFIG } from './config.js';

const OPEN_WITHIN_MS = 10000; // no answer head by then: poll
const SILENT_MS = 60000; // no event nor ping for this long: the stream is stuck
const RECONNECTS_MAX = 3; // failed reconnects in a row before polling

// Watches one bargain until stop() or until keepOpen(state) says the
// bargain is closed. opts:
//   url        the stream's address (EventSource cannot send a token header:
//              the owner's stream carries ?token=)
//   onState    called with each new state (the event's data)
//   poll       async () => true when it found (and showed) a change, false
//              when nothing changed; null: no polling fallback
//   keepOpen   state => false once the bargain can change no more
// Returns { stop(), nudge(), mode() }: nudge() polls now when polling
// (after the shopper's own action), mode() is 'stream', 'poll' or 'off'.
export function watch({ url, onState, poll = null, keepOpen = () => true }) {
  let mode = 'off';
  let source = null;
  let timer = 0;
  let watchdog = 0;
  let failures = 0;
  let delay = CONFIG.pollMs;
  let stopped = false;

  function stop() {
    stopped = true;
    mode = 'off';
    clearTimeout(timer);
    clearTimeout(watchdog);
    if (source) source.close();
    source = null;
  }

  function state(data) {
    if (stopped) return;
    onState(data);
    if (!keepOpen(data)) stop();
  }

  // --- polling, slower while nothing changes -------------------------------
  function schedule() {
    clearTimeout(timer);
    if (!stopped && mode === 'poll') timer = setTimeout(pollOnce, delay);
  }

  async function pollOnce() {
    if (stopped || mode !== 'poll') return;
    if (document.hidden) return schedule();
    try {
      const changed = await poll();
      delay = changed ? CONFIG.pollMs : Math.min(CONFIG.pollMaxMs, Math.round(delay * CONFIG.pollBackoff));
    } catch {
      delay = Math.min(CONFIG.pollMaxMs, Math.round(delay * CONFIG.pollBackoff));
    }
    schedule();
  }

  function fallBack() {
    if (source) source.close();
    source = null;
    clearTimeout(watchdog);
    if (stopped) return;
    mode = poll ? 'poll' : 'off';
    delay = CONFIG.pollMs;
    schedule();
  }

  // --- the stream ----------------------------------------------------------
  function alive() {
    clearTimeout(watchdog);
    watchdog = setTimeout(fallBack, SILENT_MS);
  }

  function open() {
    if (typeof EventSource === 'undefined') return fallBack();
    mode = 'stream';
    source = new EventSource(url);
    watchdog = setTimeout(fallBack, OPEN_WITHIN_MS);
    source.addEventListener('open', () => { failures = 0; alive(); });
    source.addEventListener('ping', alive);
    source.addEventListener('bargain', (e) => {
      alive();
      failures = 0;
      let data = null;
      try { data = JSON.parse(e.data); } catch { return; }
      state(data);
    });
    source.addEventListener('error', () => {
      if (stopped || !source) return;
      // CLOSED: refused (401, 404, an error page); the browser will not retry.
      if (source.readyState === EventSource.CLOSED || ++failures > RECONNECTS_MAX) fallBack();
    });
  }

  open();
  return {
    stop,
    nudge() { if (mode === 'poll') { delay = CONFIG.pollMs; clearTimeout(timer); pollOnce(); } },
    mode: () => mode,
  };
}
