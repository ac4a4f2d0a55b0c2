// The map page: points, filters in the URL, the list, the language switch.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  BASE_URL, DESKTOP, PHONE, api, countIn, sharedBrowser, mapPointCount, openPage, screenshot,
} from './support.mjs';

const browser = sharedBrowser();

describe('map page', () => {
  test('the map shows exactly as many points as the API returned', async () => {
    const { locations } = await api('/locations');
    assert.ok(locations.length >= 1000, `demo data seeded (${locations.length})`);
    const page = await openPage(browser(), PHONE);
    await page.goto(`${BASE_URL}/`);
    assert.equal(await mapPointCount(page, locations.length), locations.length);
    assert.equal(countIn(await page.getByTestId('map-count').innerText()), locations.length);
    await screenshot(page, 'phone-map');
    assert.deepEqual(page.errors, []);
  });

  test('a category chip changes the URL, the points and the list; a reload restores the view', async () => {
    const { locations: all } = await api('/locations');
    const { locations: pesantren } = await api('/locations?category=pesantren');
    assert.ok(pesantren.length > 0 && pesantren.length < all.length);

    const page = await openPage(browser(), DESKTOP);
    await page.goto(`${BASE_URL}/`);
    await mapPointCount(page, all.length);
    await page.locator('label.chip[data-category=pesantren]').click();
    await page.waitForURL(/category=pesantren/);
    assert.equal(await mapPointCount(page, pesantren.length), pesantren.length);
    await page.waitForFunction(
      (n) => document.querySelector('[data-testid=list-count]')?.innerText.replace(/\D/g, '') === String(n),
      pesantren.length,
    );
    // Every listed row is a pesantren: the list shows names from the filtered set.
    const names = new Set(pesantren.map((l) => l.name));
    const shown = await page.getByTestId('location-list').locator('li a').allInnerTexts();
    assert.ok(shown.length > 0);
    for (const name of shown) assert.ok(names.has(name), `${name} is a pesantren`);
    await screenshot(page, 'desktop-map-pesantren');

    const url = page.url();
    await page.reload();
    assert.equal(page.url(), url);
    assert.equal(await mapPointCount(page, pesantren.length), pesantren.length);
    assert.equal(await page.locator('label.chip[data-category=pesantren] input').isChecked(), true);
    assert.equal(await page.locator('label.chip[data-category=umkm] input').isChecked(), false);
    assert.deepEqual(page.errors, []);
  });

  test('the area picker narrows map and list from kota to kecamatan', async () => {
    const page = await openPage(browser(), DESKTOP);
    await page.goto(`${BASE_URL}/`);
    // The picker is folded until opened; its summary names the choice.
    await page.locator('.area-picker summary').click();
    await page.locator('#area-kota').selectOption('31.71');
    await page.waitForURL(/area=31\.71(&|$)/);
    const { locations: kota } = await api('/locations?area=31.71');
    assert.equal(await mapPointCount(page, kota.length), kota.length);
    // The map frames the chosen kota: closer than the whole province.
    const zoom = () => page.evaluate(() => Number(document.querySelector('[data-testid=map]').dataset.zoom));
    await page.waitForFunction(() => Number(document.querySelector('[data-testid=map]').dataset.zoom) >= 12);
    const kotaZoom = await zoom();

    await page.locator('#area-kecamatan').selectOption('31.71.01');
    await page.waitForURL(/area=31\.71\.01(&|$)/);
    const { locations: kecamatan } = await api('/locations?area=31.71.01');
    assert.ok(kecamatan.length > 0 && kecamatan.length < kota.length);
    assert.equal(await mapPointCount(page, kecamatan.length), kecamatan.length);
    assert.equal(await page.getByTestId('area-summary').innerText(), 'Gambir');
    // ... and then the chosen kecamatan, closer still.
    await page.waitForFunction(
      (z) => Number(document.querySelector('[data-testid=map]').dataset.zoom) > z, kotaZoom);
    assert.deepEqual(page.errors, []);
  });

  test('the language switch changes the visible text and is remembered', async () => {
    const page = await openPage(browser(), PHONE);
    await page.goto(`${BASE_URL}/`);
    const heading = page.locator('h1');
    await assert.doesNotReject(heading.filter({ hasText: 'Tempat yang masih membutuhkan bantuan' }).waitFor());
    await page.getByTestId('lang-switch').click();
    await heading.filter({ hasText: 'Places that still need help' }).waitFor();
    assert.equal(await page.locator('html').getAttribute('lang'), 'en');
    assert.match(await page.locator('label.chip[data-category=umkm]').innerText(), /Micro business/);
    await page.reload();
    await heading.filter({ hasText: 'Places that still need help' }).waitFor();
    assert.equal(await page.locator('.leaflet-control-zoom-in').getAttribute('title'), 'Zoom in');
    await screenshot(page, 'phone-map-english');
    assert.deepEqual(page.errors, []);
  });

  test('without map tiles the points still show, with a notice, and nothing errors', async () => {
    // The test server's tile URL points at a closed port.
    const page = await openPage(browser(), PHONE);
    await page.goto(`${BASE_URL}/`);
    await page.locator('.map-notice').waitFor();
    const { locations } = await api('/locations');
    assert.equal(await mapPointCount(page, locations.length), locations.length);
    assert.deepEqual(page.errors, []);
  });

  test('a phone link to the list of an area shows that area when switched to the map', async () => {
    const page = await openPage(browser(), PHONE);
    await page.goto(`${BASE_URL}/?area=31.71.01&view=list`);
    await page.getByTestId('list-count').waitFor();
    await page.locator('.view-switch a', { hasText: 'Peta' }).click();
    await page.waitForURL(/area=31\.71\.01$/);
    await page.waitForFunction(() => Number(document.querySelector('[data-testid=map]').dataset.zoom) >= 13);
    assert.equal(await page.locator('.leaflet-control-zoom-in').getAttribute('title'), 'Perbesar peta');
    // Opened afresh, the link keeps the area picker folded (its summary
    // names the area) and the map in view.
    await page.goto(`${BASE_URL}/?area=31.71.01`);
    await page.getByTestId('area-summary').filter({ hasText: /\S/ }).waitFor();
    await page.waitForFunction(() => Number(document.querySelector('[data-testid=map]').dataset.zoom) >= 13);
    assert.equal(await page.locator('details.area-picker').getAttribute('open'), null);
    const map = await page.getByTestId('map').boundingBox();
    assert.ok(map.y + 200 <= PHONE.height, `the map starts at ${map.y} px`);
    await screenshot(page, 'phone-area-link');
    assert.deepEqual(page.errors, []);
  });

  test('points can be coloured by need level: kept in the URL, counted in the legend, said in words in the list', async () => {
    const { locations } = await api('/locations');
    const level = (p) => {
      if (p === null || p === undefined) return 'unlisted';
      if (p === 0) return 'covered';
      return p <= 25 ? 'nearly' : 'open';
    };
    const expected = {};
    for (const l of locations) expected[level(l.remaining_percent)] = (expected[level(l.remaining_percent)] ?? 0) + 1;
    assert.ok(Object.keys(expected).length >= 2, `demo data has several need levels: ${JSON.stringify(expected)}`);

    const page = await openPage(browser(), DESKTOP);
    await page.goto(`${BASE_URL}/`);
    await mapPointCount(page, locations.length);
    await page.getByTestId('legend').locator('label', { hasText: 'Kebutuhan' }).click();
    await page.waitForURL(/color=need/);
    await page.waitForFunction(() => document.querySelector('[data-testid=map]')?.dataset.colorBy === 'need');
    assert.equal(await mapPointCount(page, locations.length), locations.length);
    const legend = page.getByTestId('legend');
    for (const [name, n] of Object.entries(expected)) {
      assert.equal(countIn(await legend.locator(`li[data-level=${name}] .legend-count`).innerText()), n, name);
    }
    assert.match(await legend.innerText(), /Masih membutuhkan bantuan/);
    await screenshot(page, 'desktop-map-need-colours');

    // A reload and the phone's list view keep the scheme; each row says its level.
    await page.reload();
    assert.equal(await page.getByTestId('legend').locator('input[value=need]').isChecked(), true);
    const phone = await openPage(browser(), PHONE);
    await phone.goto(`${BASE_URL}/?color=need`);
    await phone.locator('.view-switch a', { hasText: 'Daftar' }).click();
    await phone.waitForURL(/view=list&color=need$/);
    const first = phone.locator('.location-row').first();
    await first.waitFor();
    assert.match(await first.locator('.need-meta').innerText(),
      /Masih membutuhkan bantuan|Hampir terpenuhi|Sudah terpenuhi|Belum ada daftar kebutuhan/);
    await screenshot(phone, 'phone-list-need-levels');
    // Back to colouring by category drops the parameter.
    await page.getByTestId('legend').locator('label', { hasText: 'Kategori' }).click();
    await page.waitForURL(`${BASE_URL}/`);
    assert.deepEqual(page.errors, []);
    assert.deepEqual(phone.errors, []);
  });

  test('"only places still in need" narrows the map and the list, is kept in the URL with the other filters, and resets', async () => {
    const { locations: all } = await api('/locations?category=rw_prioritas');
    const open = all.filter((l) => (l.remaining_percent ?? 0) > 0);
    assert.ok(open.length > 0 && open.length < all.length, `demo RWs are partly covered: ${open.length} of ${all.length}`);

    const page = await openPage(browser(), DESKTOP);
    await page.goto(`${BASE_URL}/?category=rw_prioritas`);
    await mapPointCount(page, all.length);
    await page.getByTestId('open-only').check();
    await page.waitForURL(/category=rw_prioritas.*need=open/);
    assert.equal(await mapPointCount(page, open.length), open.length);
    assert.equal(countIn(await page.getByTestId('list-count').innerText()), open.length);
    // Every row the list shows is one of those places (none already covered).
    const openIds = new Set(open.map((l) => `/lokasi/${l.id}`));
    const shownRows = await page.locator('.location-row > div > a').evaluateAll((as) => as.map((a) => a.getAttribute('href')));
    assert.ok(shownRows.length > 0);
    assert.deepEqual(shownRows.filter((href) => !openIds.has(href)), []);
    await screenshot(page, 'desktop-map-open-only');

    // A reload (or a shared link) keeps it; the phone's list shows the same places.
    await page.reload();
    assert.equal(await page.getByTestId('open-only').isChecked(), true);
    assert.equal(await mapPointCount(page, open.length), open.length);
    const phone = await openPage(browser(), PHONE);
    await phone.goto(`${BASE_URL}/?category=rw_prioritas&view=list&need=open`);
    await phone.getByTestId('list-count').waitFor();
    await phone.waitForFunction(() => /\d/.test(document.querySelector('[data-testid=list-count]')?.textContent ?? ''));
    assert.equal(countIn(await phone.getByTestId('list-count').innerText()), open.length);
    await screenshot(phone, 'phone-list-open-only');

    // "Reset" clears it with the other filters.
    await page.getByRole('button', { name: 'Hapus semua saringan' }).click();
    await page.waitForURL(`${BASE_URL}/`);
    assert.equal(await page.getByTestId('open-only').isChecked(), false);
    assert.deepEqual(page.errors, []);
    assert.deepEqual(phone.errors, []);
  });
});
