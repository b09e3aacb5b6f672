// demo-images.mjs — draws the demo campaign's product pictures
// (www/assets/demo/*.jpg, named by `kanjiad seed-demo`) with Chromium, so
// the repository holds no picture it cannot remake.
//   node tests/browser/tools/demo-images.mjs
import { chromium } from 'playwright-core';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const out = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../www/assets/demo');

const watch = (bg, band, face) => `
  <rect width="600" height="600" fill="${bg}"/>
  <rect x="245" y="40" width="110" height="160" rx="30" fill="${band}"/>
  <rect x="245" y="400" width="110" height="160" rx="30" fill="${band}"/>
  <circle cx="300" cy="300" r="150" fill="#2b2b2b"/>
  <circle cx="300" cy="300" r="128" fill="${face}"/>
  <rect x="296" y="200" width="8" height="100" rx="4" fill="#fff"/>
  <rect x="300" y="296" width="70" height="8" rx="4" fill="#ffb199"/>
  <circle cx="300" cy="300" r="10" fill="#fff"/>
  <rect x="448" y="280" width="22" height="40" rx="6" fill="#555"/>`;
const buds = (bg, shell) => `
  <rect width="600" height="600" fill="${bg}"/>
  <rect x="150" y="250" width="300" height="220" rx="90" fill="${shell}"/>
  <rect x="150" y="330" width="300" height="6" fill="#d8d8d8"/>
  <circle cx="300" cy="400" r="8" fill="#7bd88f"/>
  <g fill="#fff" stroke="#ddd" stroke-width="4">
    <ellipse cx="225" cy="175" rx="45" ry="55"/><rect x="212" y="200" width="26" height="110" rx="13"/>
    <ellipse cx="375" cy="175" rx="45" ry="55"/><rect x="362" y="200" width="26" height="110" rx="13"/>
  </g>`;
const pictures = {
  'watch-1.jpg': watch('#ffe9e0', '#e4393c', '#1d3557'),
  'watch-2.jpg': watch('#e8f1ff', '#1d3557', '#2a9d8f'),
  'earbuds-1.jpg': buds('#eef7f0', '#ffffff'),
  'earbuds-2.jpg': buds('#fff4d6', '#f4f4f4'),
};

const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--headless', '--no-sandbox', '--disable-gpu'] });
const page = await browser.newPage({ viewport: { width: 600, height: 600 } });
for (const [name, body] of Object.entries(pictures)) {
  await page.setContent(`<body style="margin:0"><svg xmlns="http://www.w3.org/2000/svg" width="600" height="600">${body}</svg></body>`);
  await page.screenshot({ path: path.join(out, name), type: 'jpeg', quality: 72 });
}
await browser.close();
