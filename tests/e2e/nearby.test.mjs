// "Dekat saya" (/dekat): places nearest to the user's position, the
// kelurahan picker when there is no position, and the forgiving search.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  BASE_URL, DESKTOP, PHONE, api, countIn, mapPointCount, sharedBrowser, screenshot, violations,
} from './support.mjs';

const browser = sharedBrowser();

// Monas, central Jakarta.
const HERE = { latitude: -6.1754, longitude: 106.8272 };
const PAGE = 20;

/// Great-circle distance in metres (the same sphere as the app's).
function haversine(lat1, lon1, lat2, lon2) {
  const rad = (d) => (d * Math.PI) / 180;
  const a = Math.sin(rad(lat2 - lat1) / 2) ** 2
    + Math.cos(rad(lat1)) * Math.cos(rad(lat2)) * Math.sin(rad(lon2 - lon1) / 2) ** 2;
  return 2 * 6_371_008.8 * Math.asin(Math.min(1, Math.sqrt(a)));
}

/// "350 m dari Anda", "1,2 km dari Anda", "12.346 km", "< 10 m" → metres as shown.
function metresIn(text) {
  if (/^<\s*10 m/.test(text)) return 0;
  const m = text.match(/^([\d.,]+) (km|m)\b/);
  assert.ok(m, `not a distance: ${text}`);
  const value = Number(m[1].replace(/\./g, '').replace(',', '.'));
  return m[2] === 'km' ? value * 1000 : value;
}

/// A fresh page like `openPage`, with extra context options (geolocation).
async function openWith(viewport, options = {}) {
  const context = await browser().newContext({ viewport, locale: 'id-ID', ...options });
  const page = await context.newPage();
  page.errors = [];
  page.on('pageerror', (e) => page.errors.push(e.message));
  return page;
}

/// The listed places: id, kelurahan code, name and the distance text.
async function listed(page) {
  return page.getByTestId('nearby-item').evaluateAll((els) => els.map((e) => ({
    id: Number(e.dataset.id),
    area: e.dataset.area,
    name: e.querySelector('h3').innerText,
    distance: e.querySelector('[data-testid=distance]')?.innerText ?? null,
  })));
}

/// Presses "show more" until every result is listed.
async function showAll(page) {
  const more = page.getByTestId('nearby-more');
  while (await more.isVisible()) {
    const before = await page.getByTestId('nearby-item').count();
    await more.click();
    await page.waitForFunction(
      (n) => document.querySelectorAll('[data-testid=nearby-item]').length > n, before);
  }
}

/// Waits until the count line says `n` places.
async function countIs(page, n) {
  await page.waitForFunction(
    (n) => document.querySelector('[data-testid=nearby-count]')?.innerText.split('·')[0].replace(/\D/g, '') === String(n),
    n,
  );
}

/// No horizontal scrolling, and every control a finger uses is 44 px high.
async function fitsAndTargets(page, what) {
  const overflow = await page.evaluate(
    () => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  assert.equal(overflow, 0, `${what} is wider than the viewport`);
  const small = await page.locator('.nearby-page button, .nearby-page select, .nearby-page summary, '
    + '.nearby-page input, .nearby-item h3 a, .main-nav a').evaluateAll((els) => els
    .filter((e) => e.offsetParent !== null)
    .map((e) => [e.id || e.className || e.tagName, Math.round(e.getBoundingClientRect().height)])
    .filter(([, h]) => h < 44));
  assert.deepEqual(small, [], `${what}: controls under 44 px`);
}

describe('near me', () => {
  test('with the position allowed, places are listed nearest first with their distance', async () => {
    const { locations } = await api('/locations');
    const far = (l) => haversine(HERE.latitude, HERE.longitude, l.lat, l.lon);
    const nearest = locations.reduce((a, b) => (far(b) < far(a) ? b : a));

    const page = await openWith(PHONE, { geolocation: HERE, permissions: ['geolocation'] });
    await page.goto(`${BASE_URL}/dekat`);
    const locate = page.getByRole('button', { name: 'Gunakan lokasi saya' });
    await locate.waitFor();
    assert.equal(await page.title(), 'Bantuan di dekat saya — Kolaborasi');
    await locate.click();
    await page.getByTestId('distance').first().waitFor();
    assert.match(await page.getByTestId('locate-status').innerText(), /Lokasi Anda ditemukan/);
    // The keyboard (and a phone's screen) moves on to the results.
    await page.waitForFunction(() => document.activeElement?.id === 'nearby-results-heading');
    await screenshot(page, 'phone-nearby-located');
    await countIs(page, locations.length);
    assert.match(await page.getByTestId('nearby-count').innerText(), /terdekat/);

    let rows = await listed(page);
    assert.equal(rows.length, Math.min(PAGE, locations.length));
    const first = locations.find((l) => l.id === rows[0].id);
    assert.ok(far(first) <= far(nearest) + 1,
      `first listed ${first.name} (${far(first)} m), nearest is ${nearest.name} (${far(nearest)} m)`);
    for (const row of rows) assert.match(row.distance, /^(< 10 m|\d+ m|\d+,\d km|[\d.]+ km) dari Anda$/);
    // The first distance is what the test computes, as shown (to 10 m or 100 m).
    const shown = metresIn(rows[0].distance);
    assert.ok(Math.abs(shown - far(first)) <= (shown >= 1000 ? 50 : 5), `${rows[0].distance} vs ${far(first)} m`);

    // "Show more" continues the same order.
    await page.getByTestId('nearby-more').click();
    await page.waitForFunction((n) => document.querySelectorAll('[data-testid=nearby-item]').length === n, 2 * PAGE);
    rows = await listed(page);
    const metres = rows.map((r) => metresIn(r.distance));
    for (let i = 1; i < metres.length; i += 1) {
      assert.ok(metres[i - 1] <= metres[i], `distances not in order: ${rows[i - 1].distance}, ${rows[i].distance}`);
    }
    // Each row leads to its location page and says what the place received.
    const item = page.getByTestId('nearby-item').first();
    assert.equal(await item.locator('h3 a').getAttribute('href'), `/lokasi/${rows[0].id}`);
    const received = await item.locator('.received').innerText();
    if (first.last_delivered_on) assert.match(received, /terakhir diterima \d+ \w+ \d{4}/i);
    else assert.equal(received, 'Belum ada kiriman');

    // The position stays in memory: nothing of it in the browser's storage.
    const stored = await page.evaluate(() => JSON.stringify([{ ...localStorage }, { ...sessionStorage }]));
    assert.ok(!stored.includes('106.8') && !stored.includes('-6.1'), stored);

    await page.evaluate(() => window.scrollTo(0, 0));
    await screenshot(page, 'phone-nearby-top');
    await fitsAndTargets(page, 'phone, located');
    assert.deepEqual(await violations(page), []);
    assert.deepEqual(page.errors, []);
  });

  test('without permission it says why and the kelurahan picker lists that kelurahan', async () => {
    const area = '31.73.05.1001';
    const { locations } = await api(`/locations?area=${area}`);
    const page = await openWith(DESKTOP);
    await page.goto(`${BASE_URL}/dekat`);
    await page.getByTestId('nearby-count').waitFor();
    assert.equal(await page.getByTestId('nearby-item').count(), 0);
    await page.getByTestId('locate').click();
    const status = page.getByTestId('locate-status');
    await page.waitForFunction(() => /ditolak|tidak dapat/.test(
      document.querySelector('[data-testid=locate-status]')?.innerText ?? ''));
    assert.match(await status.innerText(), /kelurahan/);

    // The message leads to the picker, with the keyboard on its first choice.
    await page.getByRole('button', { name: 'Pilih kelurahan' }).click();
    assert.equal(await page.evaluate(() => document.activeElement?.id), 'area-kota');
    await page.locator('#area-kota').selectOption(area.split('.').slice(0, 2).join('.'));
    await page.locator('#area-kecamatan').selectOption(area.split('.').slice(0, 3).join('.'));
    await page.locator('#area-kelurahan').selectOption(area);
    await countIs(page, locations.length);
    assert.match(await page.getByTestId('nearby-count').innerText(), /kebutuhan terbesar lebih dulu/);
    await showAll(page);
    const rows = await listed(page);
    assert.ok(rows.every((r) => r.area === area && r.distance === null));
    // Most in need first (the largest share still open), then by name.
    const open = (l) => l.remaining_percent ?? -1;
    const byName = (a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : a.id - b.id);
    const expected = [...locations].sort((a, b) => open(b) - open(a) || byName(a, b));
    assert.deepEqual(rows.map((r) => r.id), expected.map((l) => l.id));

    // The area is in the address: a reload (or a shared link) shows it again.
    await page.waitForURL((u) => u.pathname === '/dekat' && u.searchParams.get('area') === area);
    await page.reload();
    await countIs(page, locations.length);
    assert.equal(await page.locator('#area-kelurahan').inputValue(), area);

    // The same places on a map, coloured by need; the choice is kept too.
    await page.getByTestId('nearby-map-toggle').click();
    await page.waitForURL((u) => u.searchParams.get('view') === 'map');
    await mapPointCount(page, locations.length);
    assert.equal(await page.getByTestId('nearby-map-toggle').getAttribute('aria-pressed'), 'true');
    await page.reload();
    await mapPointCount(page, locations.length);

    await screenshot(page, 'desktop-nearby-denied-area', { fullPage: true });
    assert.deepEqual(await violations(page), []);
    assert.deepEqual(page.errors, []);
  });

  test('the search forgives spacing and typos and lists only places in Kebon Jeruk', async () => {
    const [{ locations }, { root }] = await Promise.all([api('/locations'), api('/areas')]);
    const codes = [];
    const walk = (n) => {
      if (/^kebon jeruk$/i.test(n.name) && (n.level === 'kelurahan' || n.level === 'kecamatan')) codes.push(n.code);
      (n.children ?? []).forEach(walk);
    };
    walk(root);
    assert.ok(codes.length > 0, 'no area named Kebon Jeruk');
    const expected = new Set(locations
      .filter((l) => codes.some((c) => l.area === c || l.area.startsWith(`${c}.`)))
      .map((l) => l.id));
    assert.ok(expected.size > 0);

    const page = await openWith(PHONE);
    await page.goto(`${BASE_URL}/dekat`);
    const search = page.getByLabel('Cari tempat, kelurahan, kecamatan, kota, atau RW');
    assert.equal(await search.getAttribute('type'), 'search');
    for (const query of ['kebonjeruk', 'kebon jeruck']) {
      await search.fill(query);
      await countIs(page, expected.size);
      await showAll(page);
      const rows = await listed(page);
      const outside = rows.filter((r) => !expected.has(r.id));
      assert.deepEqual(outside, [], `${query}: places outside Kebon Jeruk`);
      assert.equal(rows.length, expected.size, query);
    }
    // Clearing the search goes back to the prompt.
    await search.fill('');
    await page.waitForFunction(() => document.querySelectorAll('[data-testid=nearby-item]').length === 0);
    await search.fill('RW 05 kebon jeruk');
    await page.getByTestId('nearby-item').first().waitFor();
    // The words are in the address: a reload keeps them and their result.
    await page.waitForURL((u) => u.searchParams.get('q') === 'RW 05 kebon jeruk');
    const before = (await listed(page)).map((r) => r.id);
    await page.reload();
    await page.getByTestId('nearby-item').first().waitFor();
    assert.equal(await search.inputValue(), 'RW 05 kebon jeruk');
    assert.deepEqual((await listed(page)).map((r) => r.id), before);
    await screenshot(page, 'phone-nearby-search', { fullPage: true });
    await fitsAndTargets(page, 'phone, search');
    assert.deepEqual(await violations(page), []);
    assert.deepEqual(page.errors, []);
  });

  // 640 × 400: a 1280 × 800 window at 200 % zoom.
  test('at 200 % zoom the page fits and its controls stay 44 px', async () => {
    const page = await openWith({ width: 640, height: 400 }, { geolocation: HERE, permissions: ['geolocation'] });
    await page.goto(`${BASE_URL}/dekat`);
    await page.getByTestId('locate').click();
    await page.getByTestId('distance').first().waitFor();
    await page.locator('.area-picker summary').click();
    await fitsAndTargets(page, '640 px');
    await screenshot(page, 'zoom-nearby', { fullPage: false });
    assert.equal(countIn(await page.getByTestId('nearby-count').innerText().then((t) => t.split('·')[0])) > 0, true);
    assert.deepEqual(page.errors, []);
  });
});
