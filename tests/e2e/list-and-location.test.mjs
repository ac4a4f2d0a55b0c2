// The list view (the map's accessible alternative) and location pages.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { BASE_URL, PHONE, api, countIn, sharedBrowser, openPage, screenshot } from './support.mjs';

const browser = sharedBrowser();

describe('list view and location page', () => {
  test('on a phone the list view lists the same locations, usable by keyboard', async () => {
    const { locations } = await api('/locations?category=panti_asuhan');
    const page = await openPage(browser(), PHONE);
    await page.goto(`${BASE_URL}/?category=panti_asuhan&view=list`);
    const count = page.getByTestId('list-count');
    await page.waitForFunction(
      (n) => document.querySelector('[data-testid=list-count]')?.innerText.replace(/\D/g, '') === String(n),
      locations.length,
    );
    assert.equal(countIn(await count.innerText()), locations.length);
    assert.equal(await page.locator('[data-testid=map]').isVisible(), false);
    await screenshot(page, 'phone-list');

    // Focus the first location link and follow it with the keyboard.
    const first = page.getByTestId('location-list').locator('li a').first();
    const name = await first.innerText();
    await first.focus();
    await page.keyboard.press('Enter');
    await page.waitForURL(/\/lokasi\/\d+$/);
    await page.getByTestId('location-profile').locator('h1', { hasText: name }).waitFor();
    // Back to the map returns to the same filtered list.
    await page.getByRole('link', { name: /Kembali ke peta/ }).click();
    await page.waitForURL(/category=panti_asuhan&view=list$/);
    await page.getByTestId('list-count').waitFor();
    assert.deepEqual(page.errors, []);
  });

  test('a location page shows the profile, survives a reload and leads back to the map', async () => {
    const { locations } = await api('/locations?category=rw_prioritas');
    const detail = await api(`/locations/${locations[0].id}`);
    const page = await openPage(browser(), PHONE);
    await page.goto(`${BASE_URL}/lokasi/${detail.id}`);
    const profile = page.getByTestId('location-profile');
    await profile.locator('h1', { hasText: detail.name }).waitFor();
    const kelurahan = detail.area_path.at(-1).name;
    assert.match(await profile.innerText(), new RegExp(kelurahan));
    assert.equal(countIn(await page.getByTestId('headcount').innerText()), detail.headcount);
    assert.match(await page.getByTestId('headcount').innerText(), /KK/);
    await screenshot(page, 'phone-location');
    await page.reload();
    await profile.locator('h1', { hasText: detail.name }).waitFor();
    assert.equal(await page.title(), `${detail.name} — Kolaborasi`);
    await page.getByRole('link', { name: /Kembali ke peta/ }).click();
    await page.waitForURL(`${BASE_URL}/`);
    assert.deepEqual(page.errors, []);
  });

  test('the list puts the places most in need first, and can be sorted by name', async () => {
    const { locations } = await api('/locations?category=umkm');
    const page = await openPage(browser(), PHONE);
    await page.goto(`${BASE_URL}/?category=umkm&view=list`);
    await page.waitForFunction(
      (n) => document.querySelector('[data-testid=list-count]')?.innerText.replace(/\D/g, '') === String(n),
      locations.length,
    );
    const open = (l) => l.remaining_percent ?? -1;
    const byNeed = [...locations].sort((a, b) => open(b) - open(a) || (a.name < b.name ? -1 : a.name > b.name ? 1 : a.id - b.id));
    const names = () => page.getByTestId('location-list').locator('li a').allInnerTexts();
    assert.equal(await page.getByTestId('sort-need').getAttribute('aria-pressed'), 'true');
    assert.deepEqual((await names()).slice(0, 10), byNeed.slice(0, 10).map((l) => l.name));
    await page.getByTestId('sort-name').click();
    const byName = [...locations].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : a.id - b.id));
    await page.waitForFunction((first) => document.querySelector('[data-testid=location-list] li a')?.innerText === first, byName[0].name);
    assert.deepEqual((await names()).slice(0, 10), byName.slice(0, 10).map((l) => l.name));
    assert.equal(await page.getByTestId('sort-name').getAttribute('aria-pressed'), 'true');
    assert.deepEqual(page.errors, []);
  });

  test('an unknown location says so instead of failing', async () => {
    const page = await openPage(browser(), PHONE);
    await page.goto(`${BASE_URL}/lokasi/999999999`);
    await page.locator('h1', { hasText: 'Lokasi tidak ditemukan' }).waitFor();
    assert.deepEqual(page.errors, []);
  });

  test('the about page says how giving works and credits the area data (ODbL)', async () => {
    const page = await openPage(browser(), PHONE);
    await page.goto(`${BASE_URL}/tentang`);
    const credit = page.getByTestId('area-attribution');
    await credit.waitFor();
    assert.match(await credit.innerText(), /idn-area-data .*ODbL|idn-area-data.*Open Database License/s);
    assert.doesNotMatch(await credit.innerText(), /xtask|\.csv/, 'no developer file path');
    const how = await page.getByTestId('about-how').locator('li').allInnerTexts();
    assert.equal(how.length, 3);
    assert.match(how[1], /Kolaborasi tidak menerima uang/);
  });
});
