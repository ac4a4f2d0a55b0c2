// Renders the app icons in public/icons/ from public/favicon.svg (our own
// drawing, same licence as the code) with headless Chromium:
//   node scripts/icons.mjs
// "any" icons are the drawing itself; "maskable" ones put it inside the
// safe zone (80 % circle) on the brand colour, so launchers may crop them.
import { readFileSync, mkdirSync } from 'node:fs';
import { chromium } from 'playwright-core';

const svg = readFileSync('public/favicon.svg', 'utf8');
const brand = '#0b3c5d';
mkdirSync('public/icons', { recursive: true });
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu'],
});
const page = await browser.newPage();
for (const size of [192, 512]) {
  for (const purpose of ['any', 'maskable']) {
    await page.setViewportSize({ width: size, height: size });
    const inner = purpose === 'maskable' ? Math.round(size * 0.72) : size;
    const background = purpose === 'maskable' ? brand : 'transparent';
    await page.setContent(`<!doctype html><style>html,body{margin:0;height:100%;background:${background};}
      body{display:flex;align-items:center;justify-content:center}
      svg{width:${inner}px;height:${inner}px;display:block}</style>${svg}`);
    const name = purpose === 'any' ? `icon-${size}.png` : `icon-${size}-maskable.png`;
    await page.screenshot({ path: `public/icons/${name}`, omitBackground: purpose === 'any' });
    console.log(`public/icons/${name}`);
  }
}
await browser.close();
