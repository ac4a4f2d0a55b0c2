// A first visit as an anonymous donor: no page logs a console error, an
// unknown address shows the app's not-found page with a real 404, and the
// built assets arrive as their build-time brotli copies.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { BASE_URL, PHONE, api, commitViaApi, sharedBrowser, openPage } from './support.mjs';

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
    const page = await openPage(browser(), PHONE);
    const problems = recordProblems(page);
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
      await page.goto(`${BASE_URL}${path}`, { waitUntil: 'networkidle' });
      if (ready) await page.getByTestId(ready).first().waitFor({ state: 'attached' });
      else await page.locator('main h1').first().waitFor();
      assert.deepEqual(problems, [], `${path}`);
    }
    assert.deepEqual(page.errors, []);
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

  test('the wasm arrives as its build-time brotli copy, kept immutable', async () => {
    const html = await (await fetch(`${BASE_URL}/`)).text();
    const wasm = html.match(/\/kolaborasi-[0-9a-f]{12,16}_bg\.wasm/)?.[0];
    assert.ok(wasm, 'the page preloads its wasm');
    const page = await openPage(browser(), PHONE);
    const [response] = await Promise.all([
      page.waitForResponse((r) => r.url().endsWith(wasm)),
      page.goto(`${BASE_URL}/`),
    ]);
    const headers = await response.allHeaders();
    assert.equal(headers['content-encoding'], 'br');
    assert.equal(headers['cache-control'], 'public, max-age=31536000, immutable');
  });
});
