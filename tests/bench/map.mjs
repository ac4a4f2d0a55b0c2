// Map benchmark (run by `cargo xtask bench`, not by the test suite): how the
// map behaves with BASE_URL's locations on a phone-sized screen, with the
// CPU slowed 4× as Lighthouse does to approximate a mid-range phone.
// Prints one JSON object.
import http from 'node:http';
import { launch, BASE_URL, PHONE } from '../e2e/support.mjs';

const THROTTLE = Number(process.env.CPU_THROTTLE ?? 4);

/// Intervals between animation frames while `action` runs.
async function frameIntervals(page, action) {
  await page.evaluate(() => {
    window.__frames = [];
    let last = performance.now();
    const tick = (t) => { window.__frames.push(t - last); last = t; if (window.__recording) requestAnimationFrame(tick); };
    window.__recording = true;
    requestAnimationFrame(tick);
  });
  await action();
  await page.waitForTimeout(300);
  return page.evaluate(() => { window.__recording = false; return window.__frames.slice(1); });
}

function stats(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const q = (p) => s[Math.min(s.length - 1, Math.floor(p * s.length))];
  return { frames: s.length, median_ms: +q(0.5).toFixed(1), p95_ms: +q(0.95).toFixed(1), max_ms: +s.at(-1).toFixed(1) };
}

const api = await fetch(`${BASE_URL}/api/v1/locations`);
const raw = await api.arrayBuffer();
const n = JSON.parse(new TextDecoder().decode(raw)).locations.length;

/// Bytes on the wire for a gzip-accepting client, and the median time of
/// `times` sequential requests (loopback, so this is server time).
async function wire(path, times = 30) {
  const once = () => new Promise((resolve, reject) => {
    const t = process.hrtime.bigint();
    http.get(`${BASE_URL}${path}`, { headers: { 'accept-encoding': 'gzip' } }, (res) => {
      let bytes = 0;
      res.on('data', (c) => { bytes += c.length; });
      res.on('end', () => resolve({ bytes, ms: Number(process.hrtime.bigint() - t) / 1e6 }));
    }).on('error', reject);
  });
  const runs = [];
  for (let i = 0; i < times; i++) runs.push(await once());
  const ms = runs.map((r) => r.ms).sort((a, b) => a - b);
  return { gzip_bytes: runs[0].bytes, median_ms: +ms[Math.floor(ms.length / 2)].toFixed(1) };
}
const listWire = await wire('/api/v1/locations');
const pointsWire = await wire('/api/v1/locations/points');
const pointsJson = (await (await fetch(`${BASE_URL}/api/v1/locations/points`)).arrayBuffer()).byteLength;

const browser = await launch();
const context = await browser.newContext({ viewport: PHONE, deviceScaleFactor: 2, isMobile: true, hasTouch: true });
const page = await context.newPage();
const cdp = await context.newCDPSession(page);
await cdp.send('Emulation.setCPUThrottlingRate', { rate: THROTTLE });

const t0 = Date.now();
await page.goto(`${BASE_URL}/`);
await page.waitForFunction((n) => document.querySelector('[data-testid=map]')?.dataset.pointCount === String(n), n, { timeout: 120_000 });
const loadToPoints = Date.now() - t0;

// A category toggle redraws every point of the remaining categories.
const t1 = Date.now();
await page.locator('label.chip[data-category=umkm]').click();
await page.waitForFunction(() => /category=umkm/.test(location.search));
await page.waitForFunction((n) => Number(document.querySelector('[data-testid=map]')?.dataset.pointCount) < n, n, { timeout: 60_000 });
const filterToPoints = Date.now() - t1;
await page.goBack().catch(() => {});
await page.goto(`${BASE_URL}/`);
await page.waitForFunction((n) => document.querySelector('[data-testid=map]')?.dataset.pointCount === String(n), n, { timeout: 120_000 });

// Where the map's pane sits: it moves when the map pans or zooms, so a
// measurement of a gesture that did nothing is caught.
const paneTransform = () => page.evaluate(() => document.querySelector('.leaflet-map-pane').style.transform);
const zoomLevel = () => page.evaluate(() => document.querySelector('.leaflet-tile-container, .leaflet-zoom-animated')?.style.transform ?? '');
const before = await paneTransform();
const box = await page.getByTestId('map').boundingBox();
// The middle of the map's visible part (it may continue below the screen).
const visible = Math.min(box.height, PHONE.height - box.y);
const cx = box.x + box.width / 2, cy = box.y + visible / 2;
const pan = await frameIntervals(page, async () => {
  await page.mouse.move(cx, cy);
  await page.mouse.down();
  for (let i = 1; i <= 30; i++) await page.mouse.move(cx - i * 6, cy - i * 4);
  await page.mouse.up();
});
const panned = (await paneTransform()) !== before;
const beforeZoom = await zoomLevel();
const zoom = await frameIntervals(page, async () => {
  await page.mouse.move(cx, cy);
  await page.mouse.wheel(0, -300);
  await page.waitForTimeout(600);
});

const zoomed = (await zoomLevel()) !== beforeZoom;
if (!panned || !zoomed) throw new Error(`gesture had no effect: panned=${panned} zoomed=${zoomed}`);

// Start-up from the network (a fresh browser profile: no service worker,
// nothing stored) against start-up from the device's copy (the shell from
// the service worker, the data from IndexedDB, revalidated in the
// background), online and offline. Navigation start to every point drawn,
// median of 3, same 4× CPU slowdown.
const allDrawn = (p) => p.waitForFunction((k) => document.querySelector('[data-testid=map]')?.dataset.pointCount === String(k), n, { timeout: 120_000 });
async function throttled(ctx) {
  const pg = await ctx.newPage();
  await (await ctx.newCDPSession(pg)).send('Emulation.setCPUThrottlingRate', { rate: THROTTLE });
  return pg;
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const fromNetwork = [];
for (let i = 0; i < 3; i++) {
  const ctx = await browser.newContext({ viewport: PHONE, deviceScaleFactor: 2, isMobile: true, hasTouch: true });
  const pg = await throttled(ctx);
  const t = Date.now();
  await pg.goto(`${BASE_URL}/`);
  await allDrawn(pg);
  fromNetwork.push(Date.now() - t);
  await ctx.close();
}
const warm = await browser.newContext({ viewport: PHONE, deviceScaleFactor: 2, isMobile: true, hasTouch: true });
const wp = await throttled(warm);
await wp.goto(`${BASE_URL}/`);
await allDrawn(wp);
await wp.waitForFunction(() => navigator.serviceWorker?.controller != null, null, { timeout: 60_000 });
await wp.waitForFunction(() => new Promise((resolve) => {
  const open = indexedDB.open('kolaborasi-cache');
  open.onsuccess = () => {
    const db = open.result;
    if (!db.objectStoreNames.contains('answers')) { db.close(); resolve(false); return; }
    const req = db.transaction('answers').objectStore('answers').getKey('/api/v1/locations/points');
    req.onsuccess = () => { db.close(); resolve(req.result !== undefined); };
  };
}), null, { timeout: 60_000, polling: 250 });
const fromCache = [];
const fromCacheOffline = [];
for (const [offline, out] of [[false, fromCache], [true, fromCacheOffline]]) {
  await warm.setOffline(offline);
  for (let i = 0; i < 3; i++) {
    const t = Date.now();
    await wp.reload();
    await allDrawn(wp);
    out.push(Date.now() - t);
    await wp.waitForTimeout(500);
  }
}
await warm.close();

// Side by side, in alternation: the app's map page against a plain
// JavaScript Leaflet page (tests/bench/fixtures/plain-leaflet.html, served by
// the same server from dist/__bench/ during the bench) that
// reads the same points from the same server and draws the same canvas
// circles. Fresh profiles, same phone, same CPU slowdown; navigation start
// to every point drawn, median of 5 each.
async function coldLoad(path) {
  const ctx = await browser.newContext({ viewport: PHONE, deviceScaleFactor: 2, isMobile: true, hasTouch: true });
  const pg = await throttled(ctx);
  // In the page's own clock (navigation start is 0), when the map's
  // element says it holds every point: a mutation observer runs right after
  // the script that set it, whatever keeps the main thread busy next.
  await pg.addInitScript((k) => {
    new MutationObserver((_, observer) => {
      const drawn = (s) => document.querySelector(s)?.dataset.pointCount === String(k);
      // On the screen: drawn by the first paint's script (`#first-map`,
      // before the wasm) or by the app.
      if (window.__shownAt === undefined && (drawn('#first-map') || drawn('[data-testid=map]'))) window.__shownAt = performance.now();
      // The app's map holding them (popups and filters work).
      if (drawn('[data-testid=map]')) { window.__readyAt = performance.now(); observer.disconnect(); }
    }).observe(document, { subtree: true, childList: true, attributes: true });
  }, n);
  await pg.goto(`${BASE_URL}${path}`);
  await pg.waitForFunction(() => window.__readyAt !== undefined, null, { timeout: 120_000 });
  const [shown, ready] = (await pg.evaluate(() => [window.__shownAt, window.__readyAt])).map(Math.round);
  await ctx.close();
  return { shown, ready };
}
const appRuns = [];
const appReady = [];
const plainRuns = [];
for (let i = 0; i < 5; i++) {
  const app = await coldLoad('/');
  appRuns.push(app.shown);
  appReady.push(app.ready);
  plainRuns.push((await coldLoad('/__bench/plain.html')).shown);
}

console.log(JSON.stringify({
  points_json_bytes: pointsJson,
  points_gzip_bytes: pointsWire.gzip_bytes,
  points_median_ms: pointsWire.median_ms,
  side_by_side: { app_ms: median(appRuns), app_ready_ms: median(appReady), plain_ms: median(plainRuns), app_runs_ms: appRuns, plain_runs_ms: plainRuns },
  locations: n,
  cpu_throttle: THROTTLE,
  list_json_bytes: raw.byteLength,
  list_gzip_bytes: listWire.gzip_bytes,
  list_median_ms: listWire.median_ms,
  load_to_all_points_ms: loadToPoints,
  filter_to_points_ms: filterToPoints,
  pan_frames: stats(pan),
  zoom_frames: stats(zoom),
  startup_network_ms: median(fromNetwork),
  startup_cache_ms: median(fromCache),
  startup_cache_offline_ms: median(fromCacheOffline),
  startup_runs_ms: { network: fromNetwork, cache: fromCache, offline: fromCacheOffline },
}));
await browser.close();
