// A first visit as an anonymous donor: no page logs a console error, an
// unknown address shows the app's not-found page with a real 404, and the
// built assets arrive as their build-time brotli copies.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  BASE_URL, DESKTOP, PHONE, api, commitViaApi, sharedBrowser, openPage, screenshot, watchErrors,
} from './support.mjs';

const browser = sharedBrowser();

// The test server's map tiles point at a closed port (no internet here):
// those failed image loads are the only errors a page may show.
const TILE_HOST = 'http://127.0.0.1:9/';

/// Every console error and failed request of a visit, except map tiles.
function recordProblems(page) {
  const problems = [];
  page.on('console', (m) => {
    if (m.type() === 'error' && !(m.location()?.url ?? '').startsWith(TILE_HOST)) {
      problems.push(`console: ${m.text()} (${m.location()?.url ?? ''})`);
    }
  });
  page.on('response', (r) => {
    if (r.status() >= 400) problems.push(`HTTP ${r.status()} ${r.url()}`);
  });
  page.on('requestfailed', (r) => {
    // Leaving a page aborts its reads on purpose (net::ERR_ABORTED).
    const error = r.failure()?.errorText ?? '';
    if (!r.url().startsWith(TILE_HOST) && error !== 'net::ERR_ABORTED') problems.push(`failed: ${r.url()} ${error}`);
  });
  return problems;
}

describe('a first visit', () => {
  test('no public page logs a console error or a failed request for an anonymous visitor', async () => {
    // A place other tests leave alone (they take the lowest ids).
    const { locations } = await api('/locations');
    let open;
    let need;
    for (const l of locations.filter((x) => x.remaining_percent === 100).sort((a, b) => b.id - a.id)) {
      const detail = await api(`/locations/${l.id}`);
      need = detail.needs.find((n) => n.remaining > 1);
      if (detail.active && need) { open = l; break; }
    }
    assert.ok(open, 'an open place in the demo data');
    const date = new Date(Date.now() + 2 * 86_400_000).toISOString().slice(0, 10);
    const { commitment } = await commitViaApi(open.id, [{ package_id: need.package_id, quantity: 1 }], date);
    // With the Content-Security-Policy enforced: anything it blocks is a
    // console error here.
    const page = await openPage(browser(), PHONE, { bypassCSP: false });
    const problems = recordProblems(page);
    // The staff console is a download of its own: no donor page asks for it.
    const asked = [];
    page.on('request', (r) => asked.push(new URL(r.url()).pathname));
    for (const [path, ready] of [
      ['/', 'list-count'],
      [`/lokasi/${open.id}`, 'needs'],
      [`/lokasi/${open.id}/bantu`, 'package-line'],
      ['/transparansi', 'download-locations-csv'],
      [`/kolaborasi/${commitment.code}`, 'tracking-code'],
      ['/kolaborasi', null],
      ['/tentang', 'area-attribution'],
      ['/dekat', null],
      ['/verifikasi', null],
      ['/dokumentasi-api', null],
    ]) {
      const response = await page.goto(`${BASE_URL}${path}`, { waitUntil: 'networkidle' });
      assert.match(response.headers()['content-security-policy'] ?? '', /script-src 'self' 'wasm-unsafe-eval' 'sha256-/, path);
      if (ready) await page.getByTestId(ready).first().waitFor({ state: 'attached' });
      else await page.locator('main h1').first().waitFor();
      assert.deepEqual(problems, [], `${path}`);
    }
    assert.deepEqual(page.errors, []);
    // One build: every wasm comes from the same hashed directory.
    const dirs = new Set(asked.filter((p) => p.endsWith('.wasm')).map((p) => p.split('/')[1]));
    assert.equal(dirs.size, 1, `every page is the same one build: ${[...dirs]}`);
    assert.match([...dirs][0], /^app-[0-9a-f]{16}$/);
    assert.deepEqual(asked.filter((p) => p === '/konsol' || p.startsWith('/konsol/')), []);
  });

  test('the map page starts its reads before the wasm has arrived, and the app takes them over', async () => {
    const page = await openPage(browser(), PHONE);
    const reads = [];
    page.on('request', (r) => {
      const path = new URL(r.url()).pathname;
      if (path.startsWith('/api/v1/')) reads.push(path);
    });
    await page.goto(`${BASE_URL}/`);
    await page.locator('[data-testid=map][data-point-count]').waitFor({ state: 'attached' });
    // The phone's list (hidden behind the map) is read once the map is
    // drawn, for later and for offline use.
    await page.locator('[data-testid=location-list] li').first().waitFor({ state: 'attached' });
    // index.html started them (the object exists), the app took every one
    // (none left), and nothing was asked twice.
    assert.deepEqual(await page.evaluate(() => window.__kolaborasiEarly && Object.keys(window.__kolaborasiEarly)), []);
    const first = ['/api/v1/areas', '/api/v1/config', '/api/v1/locations/points'];
    assert.deepEqual(reads.filter((p) => first.includes(p)).sort(), first);
    assert.equal(reads.filter((p) => p === '/api/v1/locations').length, 1, `${reads}`);
    // The map's points are a fraction of the list, and the list (names and
    // all) is asked for only after the points were drawn.
    const timing = await page.evaluate(() => Object.fromEntries(performance.getEntriesByType('resource')
      .filter((e) => ['/api/v1/locations/points', '/api/v1/locations'].includes(new URL(e.name).pathname))
      .map((e) => [new URL(e.name).pathname, { start: e.startTime, end: e.responseEnd, size: e.encodedBodySize }])));
    const points = timing['/api/v1/locations/points'];
    const list = timing['/api/v1/locations'];
    assert.ok(list.start >= points.end, `list asked at ${list.start} ms, points arrived at ${points.end} ms`);
    assert.ok(points.size * 3 < list.size, `points ${points.size} bytes, list ${list.size} bytes`);
    assert.deepEqual(page.errors, []);
    await page.close();
  });

  test('a wide screen reads the list with the points; a popup names its place, also before the list has come', async () => {
    const wide = await openPage(browser(), { width: 1280, height: 800 });
    const reads = [];
    wide.on('request', (r) => {
      const path = new URL(r.url()).pathname;
      if (path.startsWith('/api/v1/locations')) reads.push(path);
    });
    await wide.goto(`${BASE_URL}/`);
    await wide.locator('[data-testid=location-list] li').first().waitFor();
    assert.deepEqual(reads.sort(), ['/api/v1/locations', '/api/v1/locations/points']);
    // A place alone in its kelurahan and category: the map centres on it.
    const list = await wide.evaluate(async () => (await (await fetch('/api/v1/locations')).json()).locations);
    const groups = new Map();
    for (const l of list) groups.set(`${l.area}|${l.category}`, [...(groups.get(`${l.area}|${l.category}`) ?? []), l]);
    const place = [...groups.values()].find((g) => g.length === 1)[0];
    assert.deepEqual(wide.errors, []);
    await wide.close();

    // A phone whose list is slow: the popup says it is loading, then names the place.
    const page = await openPage(browser(), PHONE);
    let release;
    const held = new Promise((resolve) => { release = resolve; });
    await page.route((url) => url.pathname === '/api/v1/locations', async (route) => {
      await held;
      await route.continue();
    });
    await page.goto(`${BASE_URL}/?area=${encodeURIComponent(place.area)}&category=${place.category}`);
    await page.locator('[data-testid=map][data-point-count="1"]').waitFor({ state: 'attached' });
    await page.locator('[data-testid=map][data-zoom="16"]').waitFor({ state: 'attached' });
    await page.getByTestId('map').scrollIntoViewIfNeeded();
    const box = await page.getByTestId('map').boundingBox();
    await page.mouse.click(box.x + box.width / 2, box.y + box.height / 2);
    const popup = page.locator('.leaflet-popup-content');
    await popup.waitFor();
    assert.match(await popup.innerText(), /Memuat/);
    assert.equal(await popup.getByRole('link').getAttribute('href'), `/lokasi/${place.id}`);
    release();
    await popup.filter({ hasText: place.name }).waitFor();
    assert.doesNotMatch(await popup.innerText(), /Memuat/);
    await screenshot(page, 'map-popup-phone');
    assert.deepEqual(page.errors, []);
    await page.close();
  });

  test('English comes to the page only when chosen, once, and with the HTML from then on', async () => {
    const page = await openPage(browser(), PHONE);
    const asked = [];
    page.on('request', (r) => {
      const p = new URL(r.url()).pathname;
      if (p.endsWith('/en.json')) asked.push(p);
    });
    await page.goto(`${BASE_URL}/`);
    const count = page.getByTestId('map-count');
    await count.filter({ hasText: /lokasi di peta/ }).waitFor();
    // The page of an Indonesian reader (most) never waits for the English
    // texts, and they are not in the wasm (its size is tested by the
    // build); the service worker keeps a copy in the background, with
    // every other file of the build, for offline use.
    assert.deepEqual(asked, []);
    await page.getByTestId('lang-switch').click();
    await count.filter({ hasText: /locations on the map/ }).waitFor();
    assert.equal(await page.locator('main h1').first().innerText(), 'Places that still need help');
    assert.equal(asked.length, 1);
    assert.match(asked[0], /^\/app-[0-9a-f]{16}\/en\.json$/);
    // The choice is remembered: the server's HTML of the next page (its
    // cookie) preloads English, and the app starts in it.
    const cookie = (await page.context().cookies()).map((c) => `${c.name}=${c.value}`).join('; ');
    const html = await (await fetch(`${BASE_URL}/`, { headers: { cookie } })).text();
    assert.ok(html.includes(`<link rel="preload" href="${asked[0]}" as="fetch" crossorigin>`), 'English preloaded');
    await page.reload();
    await count.filter({ hasText: /locations on the map/ }).waitFor();
    // And back.
    await page.getByTestId('lang-switch').click();
    await count.filter({ hasText: /lokasi di peta/ }).waitFor();
    assert.deepEqual(page.errors, []);
    await page.context().close();
  });

  test('English that cannot be fetched: the app starts in Indonesian, keeps the choice, and switches when it can', async () => {
    const page = await openPage(browser(), PHONE, { serviceWorkers: 'block' });
    await page.addInitScript(() => localStorage.setItem('kolaborasi.lang', 'en'));
    await page.route(/\/en\.json$/, (route) => route.abort('internetdisconnected'));
    await page.goto(`${BASE_URL}/`);
    const count = page.getByTestId('map-count');
    await count.filter({ hasText: /lokasi di peta/ }).waitFor();
    assert.equal(await page.evaluate(() => document.documentElement.lang), 'id');
    assert.equal(await page.evaluate(() => localStorage.getItem('kolaborasi.lang')), 'en', 'the choice is kept');
    await page.unroute(/\/en\.json$/);
    await page.getByTestId('lang-switch').click();
    await count.filter({ hasText: /locations on the map/ }).waitFor();
    assert.equal(await page.evaluate(() => document.documentElement.lang), 'en');
    assert.deepEqual(page.errors, []);
    await page.context().close();
  });

  test('each public page has its header and heading in the HTML, where the app then draws them (no shift)', async () => {
    const { locations } = await api('/locations');
    const place = locations.find((l) => l.remaining_percent > 0);
    const log = await api('/log?limit=200');
    const code = log.entries.find((e) => e.kind === 'commitment_made').facts.code;
    const detail = await api(`/locations/${place.id}`);
    const pages = [
      ['/', 'Tempat yang masih membutuhkan bantuan'],
      [`/lokasi/${place.id}`, detail.name],
      [`/lokasi/${place.id}/bantu`, 'Beri Bantuan'],
      ['/transparansi', 'Transparansi'],
      [`/kolaborasi/${code}`, code],
    ];
    for (const viewport of [PHONE, DESKTOP]) {
      // Without JavaScript: the server's HTML alone.
      const still = await browser().newContext({ viewport, javaScriptEnabled: false, locale: 'id-ID' });
      const html = await still.newPage();
      for (const [path, heading] of pages) {
        // With it: a first visit (no service worker yet) to the app, after
        // its data arrived; layout shifts recorded.
        const live = await browser().newContext({ viewport, locale: 'id-ID' });
        const app = watchErrors(await live.newPage());
        await app.addInitScript(() => {
          window.__shift = 0;
          new PerformanceObserver((list) => {
            for (const e of list.getEntries()) if (!e.hadRecentInput) window.__shift += e.value;
          }).observe({ type: 'layout-shift', buffered: true });
        });
        await html.goto(`${BASE_URL}${path}`);
        // On a phone the navigation is behind "Menu", which needs the app.
        await html.locator('header.site-header nav.main-nav a[href="/"]').waitFor({ state: 'attached' });
        const first = html.locator('main h1').first();
        assert.ok((await first.innerText()).startsWith(heading), `${path}: ${await first.innerText()}`);
        const before = await first.boundingBox();

        await app.goto(`${BASE_URL}${path}`, { waitUntil: 'networkidle' });
        await app.locator('header.site-header [data-testid=lang-switch]').waitFor();
        const final = app.locator('main h1').first();
        await final.filter({ hasText: heading }).waitFor();
        assert.equal(await app.locator('#prerender').count(), 0, `${path}: the first paint gave way`);
        const after = await final.boundingBox();
        assert.ok(Math.abs(after.y - before.y) <= 1 && Math.abs(after.x - before.x) <= 1,
          `${path} at ${viewport.width}px: heading at ${JSON.stringify(before)} first, ${JSON.stringify(after)} in the app`);
        const shift = await app.evaluate(() => window.__shift);
        assert.ok(shift <= 0.02, `${path} at ${viewport.width}px: layout shift ${shift}`);
        assert.deepEqual(app.errors, []);
        await live.close();
      }
      await html.goto(`${BASE_URL}/`);
      await screenshot(html, `first-paint-${viewport.width}`);
      await still.close();
    }
  });

  test('an unknown address answers 404 with the app and its not-found page', async () => {
    const page = await openPage(browser(), PHONE);
    const response = await page.goto(`${BASE_URL}/halaman-yang-tidak-ada`);
    assert.equal(response.status(), 404);
    await page.getByTestId('not-found').waitFor();
    // The app's navigation still works from there.
    await page.locator('header.site-header a[href="/"]').first().click();
    await page.waitForURL(`${BASE_URL}/`);
    await page.getByTestId('list-count').waitFor({ state: 'attached' });
    assert.deepEqual(page.errors, []);
  });

  test('the map and every point are drawn before the wasm arrives, and the app takes that map over', async () => {
    const { locations } = await api('/locations');
    for (const size of [PHONE, DESKTOP]) {
      const page = await openPage(browser(), size);
      // The wasm is held back until the first paint's map has its points.
      let release;
      const held = new Promise((resolve) => { release = resolve; });
      await page.route(/\.wasm$/, async (route) => { await held; await route.continue(); });
      await page.goto(`${BASE_URL}/`);
      const first = page.locator('#first-map');
      await page.waitForFunction((n) => document.getElementById('first-map')?.dataset.pointCount === String(n), locations.length);
      // Drawn by Leaflet on its canvas, with the tiles' layer; no app yet.
      assert.equal(await first.locator('canvas').count(), 1);
      assert.equal(await first.locator('.leaflet-tile-pane').count(), 1);
      assert.equal(await page.getByTestId('map').count(), 0);
      const before = await first.boundingBox();
      await first.evaluate((el) => { el.__drawnFirst = true; window.__firstPoints = window.__kolaborasiMap.layer; });
      release();
      await page.locator(`[data-testid=map][data-point-count="${locations.length}"]`).waitFor({ state: 'attached' });
      // One map on the page: the first one, moved into the app's box, in
      // the same place, with the app's zoom buttons and its own points.
      assert.equal(await page.locator('.leaflet-container').count(), 1);
      assert.equal(await page.locator('#first-map').count(), 0);
      assert.equal(await page.locator('[data-testid=map] > .leaflet-container').evaluate((el) => el.__drawnFirst), true);
      const after = await page.getByTestId('map').boundingBox();
      for (const k of ['x', 'y', 'width', 'height']) assert.ok(Math.abs(after[k] - before[k]) < 1, `${k}: ${before[k]} → ${after[k]}`);
      assert.equal(await page.locator('.leaflet-control-zoom').count(), 1);
      // The same points (same answer, same colours): kept, not drawn again,
      // and now the app's (they open its popups); no other points on the map.
      assert.deepEqual(await page.evaluate(() => {
        const group = window.__firstPoints;
        let all = 0;
        group._map?.eachLayer((l) => { if (l instanceof L.CircleMarker) all += 1; });
        return { all, kept: group.getLayers().length, interactive: group.getLayers().every((m) => m.options.interactive && m.kolaborasiId > 0) };
      }), { all: locations.length, kept: locations.length, interactive: true });
      // A tap on a point opens the app's popup, with a link to its place.
      const box = await page.getByTestId('map').boundingBox();
      const visible = Math.min(box.height, size.height - box.y);
      const spot = await page.evaluate(({ x, y, w, h }) => {
        const canvas = document.querySelector('[data-testid=map] canvas');
        const ctx = canvas.getContext('2d');
        const r = canvas.getBoundingClientRect();
        const scale = canvas.width / r.width;
        const data = ctx.getImageData(0, 0, canvas.width, canvas.height).data;
        // A point's fill (not its white outline) around the spot, below the
        // notice that the tiles could not be loaded (no internet here).
        const filled = (px, py) => {
          const i = (Math.round((py - r.y) * scale) * canvas.width + Math.round((px - r.x) * scale)) * 4;
          return data[i + 3] > 200 && !(data[i] > 240 && data[i + 1] > 240 && data[i + 2] > 240);
        };
        for (let py = Math.max(y, r.y) + 110; py < y + h - 10; py += 2) {
          for (let px = x + 70; px < x + w - 10; px += 2) {
            if ([[0, 0], [3, 0], [-3, 0], [0, 3], [0, -3]].every(([dx, dy]) => filled(px + dx, py + dy))) return { x: px, y: py };
          }
        }
        return null;
      }, { x: box.x, y: box.y, w: box.width, h: visible });
      assert.ok(spot, 'a point on the visible map');
      await page.mouse.click(spot.x, spot.y);
      await page.locator('.leaflet-popup a[href^="/lokasi/"]').waitFor();
      assert.deepEqual(page.errors, []);
      await page.context().close();
    }
  });

  test('the map needs only the main wasm; another page gets its own chunk preloaded with its HTML', async () => {
    const { locations } = await api('/locations');
    for (const [path, chunk] of [
      ['/', null],
      [`/lokasi/${locations[0].id}`, 'split_place'],
      ['/transparansi', 'split_info'],
    ]) {
      const page = await openPage(browser(), PHONE);
      // When the map had drawn its points (in the page's own clock).
      await page.addInitScript(() => {
        new MutationObserver((_, observer) => {
          if (document.querySelector('[data-testid=map][data-point-count]')) {
            window.__drawnAt = performance.now();
            observer.disconnect();
          }
        }).observe(document, { subtree: true, childList: true, attributes: true });
      });
      const asked = [];
      page.on('request', (r) => {
        const p = new URL(r.url()).pathname;
        if (p.endsWith('.wasm')) asked.push(p);
      });
      const response = await page.goto(`${BASE_URL}${path}`, { waitUntil: 'networkidle' });
      await page.locator('main h1').first().waitFor();
      let drawn = [...asked];
      if (chunk === null) {
        // What the map needed until its points were drawn; the list's
        // chunk (and later the browser witness's) come after.
        await page.waitForFunction(() => window.__drawnAt !== undefined);
        await page.getByTestId('list-count').waitFor({ state: 'attached' });
        drawn = await page.evaluate(() => performance.getEntriesByType('resource')
          .filter((e) => e.startTime < window.__drawnAt && new URL(e.name).pathname.endsWith('.wasm'))
          .map((e) => new URL(e.name).pathname));
        const later = await page.evaluate(() => performance.getEntriesByType('resource')
          .filter((e) => new URL(e.name).pathname.endsWith('.wasm')).map((e) => new URL(e.name).pathname));
        assert.ok(later.some((p) => p.endsWith('/split_list.wasm')), `the list's chunk came later: ${later}`);
      }
      const html = await response.text();
      const preloaded = [...html.matchAll(/<link rel="preload" href="([^"]+\.wasm)"/g)].map((m) => m[1]);
      const main = preloaded.find((p) => /^\/app-[0-9a-f]{16}\/kolaborasi_bg\.wasm$/.test(p));
      assert.ok(main, `${path} preloads the main wasm`);
      if (chunk === null) {
        assert.deepEqual(drawn, [main], 'the map page draws its points with the main wasm and nothing else');
        assert.deepEqual(preloaded, [main]);
      } else {
        assert.ok(preloaded.some((p) => p.endsWith(`/${chunk}.wasm`)), `${path} preloads ${chunk}`);
        // Nothing waits for the main wasm to ask: what the page needs came
        // with its HTML, each file once (the preload is what the loader uses).
        assert.deepEqual([...drawn].sort(), [...preloaded].sort(), path);
      }
      assert.deepEqual(page.errors, [], path);
      await page.context().close();
    }
  });

  test('a page whose code cannot be fetched says so, loses nothing, and comes back with a reload', async () => {
    // No service worker (it would have stored every chunk already: a first
    // visit on plain HTTP, or before it installed).
    const page = await openPage(browser(), PHONE, { serviceWorkers: 'block' });
    await page.goto(`${BASE_URL}/?view=list`);
    const link = page.locator('a[href^="/lokasi/"]:visible').first();
    await link.waitFor();
    const href = await link.getAttribute('href');
    // The connection drops before the first visit to a place's page.
    await page.route(/\.wasm$/, (route) => route.abort('internetdisconnected'));
    await link.click();
    const notice = page.getByTestId('page-unreachable');
    await notice.waitFor();
    assert.match(await notice.locator('h1').textContent(), /belum bisa dimuat/);
    // The app still works: the header's navigation leads back to the map.
    assert.deepEqual(page.errors, []);
    await page.unroute(/\.wasm$/);
    await notice.getByRole('button').click();
    await page.waitForURL(`${BASE_URL}${href}`);
    await page.getByTestId('needs').first().waitFor();
    // Offline, the same page again: when the network returns, it comes back
    // by itself.
    await page.goto(`${BASE_URL}/?view=list`);
    await link.waitFor();
    await page.route(/\.wasm$/, (route) => route.abort('internetdisconnected'));
    await link.click();
    await notice.waitFor();
    await page.unroute(/\.wasm$/);
    await page.evaluate(() => window.dispatchEvent(new Event('online')));
    await page.getByTestId('needs').first().waitFor();
    assert.deepEqual(page.errors, []);
    await page.context().close();
  });

  test('the wasm arrives as its build-time brotli copy, kept immutable', async () => {
    const html = await (await fetch(`${BASE_URL}/`)).text();
    const wasm = html.match(/\/app-[0-9a-f]{16}\/kolaborasi_bg\.wasm/)?.[0];
    assert.ok(wasm, 'the page preloads its wasm');
    const page = await openPage(browser(), PHONE);
    const [response] = await Promise.all([
      page.waitForResponse((r) => r.url().endsWith(wasm)),
      page.goto(`${BASE_URL}/`),
    ]);
    const headers = await response.allHeaders();
    assert.equal(headers['content-encoding'], 'br');
    assert.equal(headers['cache-control'], 'public, max-age=31536000, immutable');
    // The very bytes of the build-time copy (what the server sends as is).
    const { request } = await import('node:http');
    const { readFile } = await import('node:fs/promises');
    const sent = await new Promise((ok, fail) => {
      request(`${BASE_URL}${wasm}`, { headers: { 'Accept-Encoding': 'br' } }, (res) => {
        const parts = [];
        res.on('data', (d) => parts.push(d));
        res.on('end', () => ok(Buffer.concat(parts)));
      }).on('error', fail).end();
    });
    const dist = process.env.E2E_DIST ?? 'dist';
    assert.ok(sent.equals(await readFile(`${dist}${wasm}.br`)), 'the answer is the .br file, byte for byte');
  });

});
