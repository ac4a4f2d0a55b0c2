// Phones on flaky networks: the app shell from the service worker, data
// from the browser's stored copy (labelled with its age), commitments made
// offline queued with their Idempotency-Key and sent exactly once, storage
// that survives a schema change, garbage and a full quota, installability.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import {
  BASE_URL, DONOR, PHONE, api, commitViaApi, fillToReview, line, openPage, screenshot,
  sharedBrowser, stepHeading, violations, watchErrors,
} from './support.mjs';

const browser = sharedBrowser();
const HOUR = 3_600_000;

/// Places with their whole need open, from the highest id down (the
/// commitment tests take theirs from the lowest).
let pool;
async function openPlace(accept = () => true) {
  if (!pool) {
    const { locations } = await api('/locations');
    pool = locations.filter((l) => l.remaining_percent === 100).sort((a, b) => b.id - a.id).slice(0, 40);
  }
  while (pool.length) {
    const summary = pool.shift();
    const detail = await api(`/locations/${summary.id}`);
    if (detail.active && accept(detail)) return detail;
  }
  throw new Error('no open place left in the demo data');
}

/// Runs `fn(db)` on the app's IndexedDB cache inside the page.
async function withCache(page, fn, arg) {
  return page.evaluate(async ([source, a]) => {
    const db = await new Promise((resolve, reject) => {
      const open = indexedDB.open('kolaborasi-cache');
      open.onsuccess = () => resolve(open.result);
      open.onerror = () => reject(open.error);
    });
    try {
      // eslint-disable-next-line no-new-func
      return await new Function('db', 'arg', `return (${source})(db, arg);`)(db, a);
    } finally {
      db.close();
    }
  }, [fn.toString(), arg]);
}

async function cachedKeys(page) {
  return withCache(page, (db) => new Promise((resolve) => {
    if (!db.objectStoreNames.contains('answers')) { resolve([]); return; }
    const req = db.transaction('answers').objectStore('answers').getAllKeys();
    req.onsuccess = () => resolve(req.result);
  }));
}

async function waitForCached(page, key) {
  for (let i = 0; i < 100; i += 1) {
    if ((await cachedKeys(page)).includes(key)) return;
    await new Promise((r) => { setTimeout(r, 100); });
  }
  assert.fail(`${key} never reached the cache`);
}

/// Loads the map once, with the service worker in control and the
/// locations stored; returns the count the map shows.
async function primed(page) {
  await page.goto(`${BASE_URL}/`);
  const count = page.getByTestId('map-count');
  await count.filter({ hasText: /\d/ }).waitFor();
  await page.waitForFunction(() => navigator.serviceWorker?.controller != null, null, { timeout: 30_000 });
  await waitForCached(page, '/api/v1/locations/points');
  // The list (names and all) follows once the map is drawn.
  await waitForCached(page, '/api/v1/locations');
  await waitForCached(page, '/api/v1/areas');
  return count.innerText();
}

describe('offline: stored data, the app shell and the commitment queue', () => {
  test('loaded once, then offline: a reload shows the app and the last data with its age', async () => {
    const page = await openPage(browser(), PHONE);
    const shown = await primed(page);
    // Pretend the copy was saved three hours ago.
    await withCache(page, (db, at) => new Promise((resolve) => {
      const tx = db.transaction('answers', 'readwrite');
      tx.objectStore('answers').openCursor().onsuccess = (e) => {
        const cursor = e.target.result;
        if (cursor) { cursor.update({ ...cursor.value, saved: at }); cursor.continue(); }
      };
      tx.oncomplete = () => resolve();
    }), Date.now() - 3 * HOUR - 60_000);

    await page.context().setOffline(true);
    await page.reload();
    await page.getByTestId('map-count').filter({ hasText: /\d/ }).waitFor();
    assert.equal(await page.getByTestId('map-count').innerText(), shown);
    const age = page.getByTestId('data-age');
    await age.filter({ hasText: '3 jam yang lalu' }).waitFor();
    assert.match(await age.innerText(), /Server tidak terjangkau/);
    await screenshot(page, 'offline-map-phone');
    // The list and a place's page come from the same copy.
    await page.getByRole('link', { name: 'Daftar' }).first().click();
    await page.locator('[data-testid=location-list] li').first().waitFor();
    await screenshot(page, 'offline-list-phone');

    // Our own server failing (503) is no reason to drop the copy either.
    // The failure is in place before the browser is back online: coming
    // online asks for the list again at once, and a real answer would
    // replace the three-hour-old copy this step is about.
    const ours = (url) => url.pathname.startsWith('/api/v1/locations');
    await page.route(ours, (route) => route.fulfill({
      status: 503, contentType: 'application/json', body: '{"error":{"code":"unavailable","message":"x"}}',
    }));
    await page.context().setOffline(false);
    await page.goto(`${BASE_URL}/`);
    await page.getByTestId('map-count').filter({ hasText: /\d/ }).waitFor();
    assert.equal(await page.getByTestId('map-count').innerText(), shown);
    await age.filter({ hasText: 'jam yang lalu' }).waitFor();
    await page.unroute(ours);
    for (const key of ['/api/v1/locations/points', '/api/v1/locations']) {
      await withCache(page, (db, k) => new Promise((resolve) => {
        const req = db.transaction('answers').objectStore('answers').get(k);
        req.onsuccess = () => resolve(req.result !== undefined);
      }), key).then((kept) => assert.ok(kept, `the copy of ${key} is still stored`));
    }
    await page.context().setOffline(true);

    // Back online: the label goes once the server confirms the data,
    // without a reload.
    await page.context().setOffline(false);
    await page.waitForFunction(() => document.querySelector('[data-testid=data-age]')?.innerText.trim() === '', null, { timeout: 15_000 });
    await page.goto(`${BASE_URL}/`);
    await page.getByTestId('map-count').filter({ hasText: /\d/ }).waitFor();
    await page.waitForFunction(() => document.querySelector('[data-testid=data-age]')?.innerText.trim() === '');
    assert.deepEqual(page.errors, []);
    await page.context().close();
  });

  test('a commitment made offline waits in a visible queue, survives closing the tab, is sent exactly once, and a refusal is shown', async () => {
    const detail = await openPlace((d) => d.needs.some((n) => n.remaining >= 4));
    const open = detail.needs.find((n) => n.remaining >= 4);
    const { log_seq: head } = await api('/stats');
    const page = await openPage(browser(), PHONE);
    await primed(page);
    const context = page.context();
    const posted = [];
    context.on('request', (r) => {
      if (r.method() === 'POST' && r.url().endsWith('/api/v1/commitments')) posted.push(r.headers()['idempotency-key']);
    });

    await page.goto(`${BASE_URL}/lokasi/${detail.id}/bantu`);
    await stepHeading(page, 1);
    await fillToReview(page, open.package_id, 2);
    await context.setOffline(true);
    await page.getByTestId('submit').click();

    await page.waitForURL(`${BASE_URL}/antrean`);
    const item = page.getByTestId('outbox-item');
    await item.filter({ hasText: 'Menunggu jaringan' }).waitFor();
    assert.equal(await item.getAttribute('data-state'), 'waiting');
    assert.match(await item.innerText(), new RegExp(detail.name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')));
    await screenshot(page, 'outbox-waiting-phone');
    assert.deepEqual(await violations(page), []);

    // Closing the tab loses nothing.
    await page.close();
    const again = watchErrors(await context.newPage());
    await again.goto(`${BASE_URL}/antrean`);
    await again.locator('[data-testid=outbox-item][data-state=waiting]').waitFor();
    assert.match(await again.getByTestId('outbox-banner').innerText(), /1 kiriman/);
    // (Chromium's offline emulation may let the first send reach the server
    // and lose only its answer: the case the key is for.)

    // Back online: sent by itself, once.
    await context.setOffline(false);
    const sent = again.locator('[data-testid=outbox-item][data-state=sent]');
    await sent.waitFor({ timeout: 30_000 });
    const code = (await sent.innerText()).match(/[0-9A-Z]{4}-[0-9A-Z]{4}/)[0];
    const view = await api(`/commitments/${code}`);
    assert.equal(view.location.id, detail.id);
    const made = (await api(`/log?after=${head}&limit=1000`)).entries
      .filter((e) => e.kind === 'commitment_made' && e.facts.location.id === detail.id);
    assert.deepEqual(made.map((e) => e.facts.code), [code], 'the server has exactly one commitment');
    assert.equal((await api(`/locations/${detail.id}`)).needs.find((n) => n.package_id === open.package_id).remaining, open.remaining - 2);
    const keys = posted.filter(Boolean);
    assert.ok(keys.length >= 1);
    assert.equal(new Set(keys).size, 1, 'every send carried the same Idempotency-Key');
    await screenshot(again, 'outbox-sent-phone');

    // Offline again: asks for all that is left, and someone else is faster.
    const left = open.remaining - 2;
    await again.goto(`${BASE_URL}/lokasi/${detail.id}/bantu`);
    await stepHeading(again, 1);
    await fillToReview(again, open.package_id, left);
    await context.setOffline(true);
    await again.getByTestId('submit').click();
    await again.waitForURL(`${BASE_URL}/antrean`);
    await again.locator('[data-testid=outbox-item][data-state=waiting]').waitFor();
    await commitViaApi(detail.id, [{ package_id: open.package_id, quantity: left - 1 }], view.planned_date);
    await context.setOffline(false);
    const refused = again.locator('[data-testid=outbox-item][data-state=refused]');
    await refused.waitFor({ timeout: 30_000 });
    const reason = await again.getByTestId('outbox-reason').innerText();
    assert.ok(reason.length > 10, `the server's reason is shown: ${reason}`);
    await screenshot(again, 'outbox-refused-phone');

    // Adjust and send again: the form comes back filled, with what is left.
    await again.getByTestId('outbox-adjust').click();
    await stepHeading(again, 1);
    const input = line(again, open.package_id).locator('input');
    assert.equal(await input.inputValue(), '1', 'the quantity is lowered to what is left');
    assert.equal(await again.locator('#f-collaborator-email').count(), 0);
    await again.getByTestId('next').click();
    assert.equal(await again.locator('#f-collaborator-email').inputValue(), DONOR.email);
    await again.getByTestId('next').click();
    await stepHeading(again, 3);
    await again.getByTestId('submit').click();
    await again.waitForURL(/\/kolaborasi\/[0-9A-Z]{4}-[0-9A-Z]{4}$/);
    assert.equal((await api(`/locations/${detail.id}`)).needs.find((n) => n.package_id === open.package_id).remaining, 0);
    assert.deepEqual(again.errors, []);
    await context.close();
  });

  test('a cache from another schema version, garbage records or a full quota never break start-up', async () => {
    // A database left by a newer (or older) layout.
    let page = await openPage(browser(), PHONE);
    await page.goto(`${BASE_URL}/favicon.svg`);
    await page.evaluate(() => new Promise((resolve) => {
      const open = indexedDB.open('kolaborasi-cache', 99);
      open.onupgradeneeded = () => { open.result.createObjectStore('something-else'); };
      open.onsuccess = () => { open.result.close(); resolve(); };
    }));
    await page.goto(`${BASE_URL}/`);
    await page.getByTestId('map-count').filter({ hasText: /\d/ }).waitFor();
    await waitForCached(page, '/api/v1/locations/points');
    const version = await withCache(page, (db) => db.version);
    assert.equal(version, 1, 'the foreign database was replaced');

    // Records this version cannot read.
    await withCache(page, (db) => new Promise((resolve) => {
      const tx = db.transaction('answers', 'readwrite');
      const store = tx.objectStore('answers');
      store.put({ body: '{"not": "what you expect"', saved: Date.now() }, '/api/v1/locations');
      store.put({ body: '{"scale": 100000, "id": [1, 2]}', saved: Date.now() }, '/api/v1/locations/points');
      store.put({ body: 42 }, '/api/v1/areas');
      store.put('nonsense', '/api/v1/programs');
      tx.oncomplete = () => resolve();
    }));
    await page.reload();
    await page.getByTestId('map-count').filter({ hasText: /\d/ }).waitFor();
    await page.locator('[data-testid=location-list] li').first().waitFor({ state: 'attached' });
    assert.deepEqual(page.errors, []);
    await page.context().close();

    // A quota too small for anything: the app runs from the network.
    page = await openPage(browser(), PHONE);
    const cdp = await page.context().newCDPSession(page);
    await cdp.send('Storage.overrideQuotaForOrigin', { origin: new URL(BASE_URL).origin, quotaSize: 2048 });
    await page.goto(`${BASE_URL}/`);
    await page.getByTestId('map-count').filter({ hasText: /\d/ }).waitFor();
    await page.reload();
    await page.getByTestId('map-count').filter({ hasText: /\d/ }).waitFor();
    const kept = await cachedKeys(page);
    assert.ok(!kept.includes('/api/v1/locations') && !kept.includes('/api/v1/locations/points'), `nothing that large was kept: ${kept}`);
    assert.deepEqual(page.errors, []);
    await page.context().close();
  });

  test('a new build installs behind the running one, says so, and takes over only when asked or on the next start', async () => {
    const sw = join(process.env.E2E_DIST ?? 'dist', 'sw.js');
    const original = readFileSync(sw, 'utf8');
    const version = original.match(/const VERSION = '([^']+)'/)[1];
    assert.ok(!version.startsWith('__'), 'the built service worker carries its version');
    const page = await openPage(browser(), PHONE);
    try {
      await primed(page);
      assert.equal(await page.getByTestId('update-notice').count(), 0);
      const cachesBefore = await page.evaluate(() => caches.keys());
      assert.deepEqual(cachesBefore, [`kolaborasi-shell-${version}`]);

      // The server now has the next build.
      writeFileSync(sw, original.replace(`const VERSION = '${version}'`, `const VERSION = '${version}-next'`));
      await page.evaluate(() => navigator.serviceWorker.getRegistration().then((r) => r.update()));
      const notice = page.getByTestId('update-notice');
      await notice.filter({ hasText: 'Versi baru' }).waitFor({ timeout: 30_000 });
      await screenshot(page, 'update-notice-phone');
      // Still the running build until asked: a reload keeps it.
      await page.reload();
      await page.getByTestId('map-count').filter({ hasText: /\d/ }).waitFor();
      assert.ok((await page.evaluate(() => caches.keys())).includes(`kolaborasi-shell-${version}`));
      await notice.waitFor();

      await page.getByTestId('update-now').click();
      await page.waitForFunction((v) => caches.keys().then((k) => k.length === 1 && k[0] === `kolaborasi-shell-${v}-next`), version, { timeout: 30_000 });
      await page.getByTestId('map-count').filter({ hasText: /\d/ }).waitFor();
      assert.equal(await page.getByTestId('update-notice').count(), 0);
      assert.deepEqual(page.errors, []);
    } finally {
      writeFileSync(sw, original);
      await page.context().close();
    }
  });

  test('installable: a manifest with icons and a service worker, as Chromium checks them', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kolaborasi-install-'));
    const context = await chromium.launchPersistentContext(dir, {
      executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
      args: ['--no-sandbox', '--disable-gpu'],
      viewport: PHONE,
      bypassCSP: true, // page.evaluate(string) below
    });
    try {
      const page = await context.newPage();
      await primed(page);
      const cdp = await context.newCDPSession(page);
      const manifest = await cdp.send('Page.getAppManifest');
      assert.deepEqual(manifest.errors, []);
      const parsed = JSON.parse(manifest.data);
      assert.equal(parsed.start_url, '/');
      assert.equal(parsed.display, 'standalone');
      assert.ok(parsed.icons.some((i) => i.sizes === '512x512' && i.purpose === 'maskable'));
      for (const icon of parsed.icons) {
        const res = await fetch(new URL(icon.src, BASE_URL));
        assert.equal(res.status, 200, icon.src);
      }
      const { installabilityErrors } = await cdp.send('Page.getInstallabilityErrors');
      assert.deepEqual(installabilityErrors, []);
    } finally {
      await context.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
