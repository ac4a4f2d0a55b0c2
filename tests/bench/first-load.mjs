// First load as a donor's phone sees it (run by `cargo xtask bench` and by
// hand while working on the first paint): Chromium emulating a mid-range
// phone (412×915, CPU 4× slower) on slow 4G (150 ms, 1.6 Mbit/s down, as
// Lighthouse's mobile preset), one fresh visit per page. Reports first and
// largest contentful paint, what the largest paint was, and every layout
// shift with the elements that moved. Prints one JSON object.
//
//   BASE_URL=http://127.0.0.1:8080 node tests/bench/first-load.mjs / /transparansi
import { launch, BASE_URL, PHONE } from '../e2e/support.mjs';

const THROTTLE = Number(process.env.CPU_THROTTLE ?? 4);
// VIEWPORT=desktop: 1366×850, as a desk at the office (same throttling).
const DESKTOP = process.env.VIEWPORT === 'desktop';
const VIEWPORT = DESKTOP ? { width: 1366, height: 850 } : PHONE;
const paths = process.argv.slice(2).length ? process.argv.slice(2) : ['/'];

const browser = await launch();
const results = {};
for (const path of paths) {
  const context = await browser.newContext(DESKTOP
    ? { viewport: VIEWPORT, locale: 'id-ID' }
    : { viewport: VIEWPORT, deviceScaleFactor: 2, isMobile: true, hasTouch: true, locale: 'id-ID' });
  const page = await context.newPage();
  const cdp = await context.newCDPSession(page);
  await cdp.send('Emulation.setCPUThrottlingRate', { rate: THROTTLE });
  // NETWORK=none: loopback speed (to see what depends on timing).
  if (process.env.NETWORK !== 'none') {
    await cdp.send('Network.enable');
    await cdp.send('Network.emulateNetworkConditions', {
      offline: false, latency: 150, downloadThroughput: (1.6 * 1024 * 1024) / 8, uploadThroughput: (750 * 1024) / 8,
    });
  }
  await page.addInitScript(() => {
    window.__shifts = [];
    window.__lcp = null;
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) {
        if (e.hadRecentInput) continue;
        window.__shifts.push({
          value: e.value,
          at: Math.round(e.startTime),
          moved: e.sources.map((s) => {
            const n = s.node;
            if (!n || !n.nodeType) return '?';
            const el = n.nodeType === 1 ? n : n.parentElement;
            return el ? `${el.tagName.toLowerCase()}${el.id ? `#${el.id}` : ''}${el.className && typeof el.className === 'string' ? `.${el.className.trim().split(/\s+/).join('.')}` : ''} ${Math.round(s.previousRect.y)}→${Math.round(s.currentRect.y)}` : '?';
          }),
        });
      }
    }).observe({ type: 'layout-shift', buffered: true });
    new PerformanceObserver((list) => {
      const e = list.getEntries().at(-1);
      const el = e.element;
      window.__lcp = {
        at: Math.round(e.startTime),
        element: el ? `${el.tagName.toLowerCase()}${el.id ? `#${el.id}` : ''}${el.className && typeof el.className === 'string' ? `.${el.className.trim().split(/\s+/).join('.')}` : ''}` : '?',
        text: (el?.textContent ?? '').trim().slice(0, 40),
      };
    }).observe({ type: 'largest-contentful-paint', buffered: true });
  });
  await page.goto(`${BASE_URL}${path}`, { waitUntil: 'load', timeout: 120_000 });
  await page.waitForLoadState('networkidle', { timeout: 120_000 }).catch(() => {});
  await page.waitForTimeout(1500);
  const fcp = await page.evaluate(() => Math.round(performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? -1));
  const { shifts, lcp } = await page.evaluate(() => ({ shifts: window.__shifts, lcp: window.__lcp }));
  // What crossed the network from the site (map tiles come from elsewhere):
  // everything, and the wasm alone, as compressed on the wire.
  const bytes = await page.evaluate((origin) => {
    const all = [...performance.getEntriesByType('navigation'), ...performance.getEntriesByType('resource')]
      .filter((e) => e.name.startsWith(origin));
    const sum = (keep) => all.filter(keep).reduce((s, e) => s + e.transferSize, 0);
    return { total: sum(() => true), wasm: sum((e) => new URL(e.name).pathname.endsWith('.wasm')) };
  }, new URL(BASE_URL).origin);
  results[path] = {
    fcp_ms: fcp,
    lcp_ms: lcp?.at ?? null,
    lcp_element: lcp ? `${lcp.element} "${lcp.text}"` : null,
    downloaded_kib: Math.round(bytes.total / 1024),
    wasm_kib: Math.round(bytes.wasm / 1024),
    cls: +shifts.reduce((s, x) => s + x.value, 0).toFixed(3),
    shifts: shifts.map((s) => `${s.value.toFixed(3)} @${s.at}ms: ${s.moved.join(', ')}`),
  };
  await context.close();
}
await browser.close();
console.log(JSON.stringify({ viewport: `${VIEWPORT.width}×${VIEWPORT.height}`, cpu_throttle: THROTTLE, network: 'slow 4G (150 ms, 1.6 Mbit/s)', pages: results }, null, 1));
