// test_live.mjs — live progress in the pages (API.md, "Live updates"): the
// owner's bargain page, opened once, shows each friend's cut as it happens
// from its event stream, with no poll in its network log; the share landing
// follows its own stream; and where no stream can be had (no EventSource,
// a refused stream) the bargain page polls with If-None-Match, slower while
// nothing changes (the checks test_flow.mjs made of polling before the
// stream existed).

import { makeItem, phone, apiLogin, api, shot, text, fen, sleep, check, eq } from './lib.mjs';

const SHOW_WITHIN_MS = 2000;

// A bargain of a new shopper, started through the API; returns its owner and id.
async function newBargain(opts = {}) {
  const { itemId } = makeItem({ price: 50000, floor: 30000, cutMin: 1000, cutMax: 3000, ...opts });
  const owner = await apiLogin();
  const r = await api('POST', '/bargains', { body: { item_id: itemId }, token: owner.token, ip: owner.ip });
  eq(r.status, 201, 'start a bargain');
  return { owner, bargain: r.json };
}

async function friendHelps(code) {
  const friend = await apiLogin();
  const r = await api('POST', `/s/${code}/help`, { token: friend.token, ip: friend.ip });
  eq(r.status, 200, 'a friend helps');
  return { answer: r.json, at: Date.now() };
}

// Every request the page makes, by URL path (and query), in order.
function networkLog(page) {
  const log = [];
  page.on('request', (r) => { const u = new URL(r.url()); log.push({ path: u.pathname, query: u.search, at: Date.now() }); });
  return log;
}

export async function test_owner_page_shows_two_friends_cuts_without_polling() {
  const { owner, bargain } = await newBargain();
  const id = bargain.id;
  const shopper = await phone({ token: owner.token });
  const page = shopper.page;
  const log = networkLog(page);
  const statuses = [];
  page.on('response', (r) => { if (new URL(r.url()).pathname === `/api/v1/bargains/${id}`) statuses.push(r.status()); });
  await page.goto(`${process.env.KANJIA_BASE_URL}/b/${id}`);
  await page.locator('.prices .current').waitFor();
  eq(await page.locator('.cuts li').count(), 0, 'no cuts yet');
  const stream = () => log.filter((e) => e.path === `/api/v1/bargains/${id}/events`);
  for (let i = 0; i < 50 && stream().length === 0; i++) await sleep(100);
  eq(stream().length, 1, 'the page opened its live stream');
  check(stream()[0].query.startsWith('?token='), 'the stream carries the token in ?token= (EventSource sends no header)');
  await sleep(500); // the stream is established before the first friend comes

  const delays = [];
  for (let n = 1; n <= 2; n++) {
    const { answer, at } = await friendHelps(bargain.share_code);
    await page.waitForFunction((want) => document.querySelectorAll('.cuts li').length === want, n, { timeout: SHOW_WITHIN_MS + 500 });
    delays.push(Date.now() - at);
    await page.waitForFunction((want) => {
      const el = document.querySelector('.prices .current');
      return el && el.textContent.replace(/[^\d.]/g, '') === want;
    }, (answer.bargain.current_price_fen / 100).toFixed(2), { timeout: 1000 });
    eq(fen(await text(page, '.prices .current')), answer.bargain.current_price_fen, `cut ${n}: the new price shown`);
    if (n === 1) await shot(page, 'live-01-owner-first-cut');
  }
  for (const [i, d] of delays.entries()) check(d <= SHOW_WITHIN_MS, `cut ${i + 1} took ${d} ms to show`);
  console.log(`     cuts shown on the owner's page ${delays.join(', ')} ms after the help's answer`);
  await shot(page, 'live-02-owner-two-cuts');
  // Opened once: one load of the bargain, one stream, and not a single poll.
  eq(statuses, [200], 'one GET of the bargain (the page load), no poll');
  eq(stream().length, 1, 'the stream was opened once');
  const polls = log.filter((e) => e.path === `/api/v1/bargains/${id}`);
  eq(polls.length, 1, 'no poll request in the network log: ' + JSON.stringify(log.map((e) => e.path)));
  check(page.errors.length === 0, 'page errors: ' + page.errors.join('; '));
  await shopper.context.close();
}

export async function test_share_landing_follows_its_stream() {
  const { bargain } = await newBargain();
  const code = bargain.share_code;
  const visitor = await phone();
  const page = visitor.page;
  const log = networkLog(page);
  await page.goto(`${process.env.KANJIA_BASE_URL}/s/${code}`);
  await page.locator('button.help').waitFor();
  eq(await page.locator('.cuts li').count(), 0, 'no helps yet');
  for (let i = 0; i < 50 && !log.some((e) => e.path === `/api/v1/s/${code}/events`); i++) await sleep(100);
  await sleep(500);
  const { at } = await friendHelps(code);
  await page.waitForFunction(() => document.querySelectorAll('.cuts li').length === 1, null, { timeout: SHOW_WITHIN_MS + 500 });
  check(Date.now() - at <= SHOW_WITHIN_MS + 500, 'the help shows on the landing at once');
  eq(log.filter((e) => e.path === `/api/v1/s/${code}`).length, 1, 'the landing was loaded once (a reload would count an open)');
  check(await page.locator('button.help').isVisible(), 'the visitor can still help');
  check(page.errors.length === 0, 'page errors: ' + page.errors.join('; '));
  await shot(page, 'live-03-landing-followed');
  await visitor.context.close();
}

// Polls of the bargain page when it has no stream: 304 while nothing
// changes, the interval growing; 200 with the new cut after a help.
async function pollsWithoutAStream(shopper, id, code) {
  const page = shopper.page;
  const polls = [];
  page.on('response', (r) => { if (new URL(r.url()).pathname === `/api/v1/bargains/${id}`) polls.push({ status: r.status(), at: Date.now() }); });
  await page.goto(`${process.env.KANJIA_BASE_URL}/b/${id}`);
  await page.locator('.prices .current').waitFor();
  // Three unchanged polls: each a 304, each later than the one before.
  for (let i = 0; i < 120 && polls.filter((p) => p.status === 304).length < 3; i++) await sleep(100);
  const quiet = polls.filter((p) => p.status === 304);
  check(quiet.length >= 3, 'unchanged polls answered 304, saw ' + JSON.stringify(polls.map((p) => p.status)));
  const gaps = quiet.slice(0, 3).map((p, i, a) => (i ? p.at - a[i - 1].at : null)).slice(1);
  check(gaps[1] > gaps[0], `polls slow down while nothing changes (gaps ${gaps.join(', ')} ms)`);
  await friendHelps(code);
  await page.waitForFunction(() => document.querySelectorAll('.cuts li').length === 1, null, { timeout: 15000 });
  check(polls.some((p) => p.status === 200 && p.at > quiet[2].at), 'the changed poll answered 200 with the new cut');
  check(page.errors.length === 0, 'page errors: ' + page.errors.join('; '));
}

export async function test_without_event_source_the_page_polls_with_backoff() {
  const { owner, bargain } = await newBargain();
  const shopper = await phone({ token: owner.token });
  // An old browser: no EventSource at all.
  await shopper.context.addInitScript(() => { Object.defineProperty(window, 'EventSource', { value: undefined }); });
  const log = networkLog(shopper.page);
  await pollsWithoutAStream(shopper, bargain.id, bargain.share_code);
  eq(log.filter((e) => e.path.endsWith('/events')).length, 0, 'no stream was tried');
  await shot(shopper.page, 'live-04-polling-fallback');
  await shopper.context.close();
}

export async function test_a_refused_stream_falls_back_to_polling() {
  const { owner, bargain } = await newBargain();
  const shopper = await phone({ token: owner.token });
  // A proxy in the way that will not pass the stream.
  let refused = 0;
  await shopper.page.route('**/api/v1/bargains/*/events*', (route) => {
    refused += 1;
    return route.fulfill({ status: 502, contentType: 'text/html', body: '<h1>Bad Gateway</h1>' });
  });
  await pollsWithoutAStream(shopper, bargain.id, bargain.share_code);
  eq(refused, 1, 'the refused stream was not retried in a loop');
  await shopper.context.close();
}
