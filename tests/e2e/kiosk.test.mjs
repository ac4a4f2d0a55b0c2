// Kiosk mode on a touch screen in a public office: the attract screen,
// browsing without a keyboard, the idle reset that forgets the visitor,
// storage that never holds anything personal, and the printable QR receipt.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  BASE_URL, DONOR, api, launch, fillDetails, fillToReview, line, mailAbout, screenshot, sharedBrowser, stepHeading, violations,
  watchErrors,
} from './support.mjs';

const browser = sharedBrowser();
const KIOSK = { width: 1080, height: 1280 };
const IDLE = 6;

async function kioskPage() {
  const context = await browser().newContext({ viewport: KIOSK, locale: 'id-ID', hasTouch: true });
  return watchErrors(await context.newPage());
}

/// Everything the browser keeps for the origin: both storages and the
/// IndexedDB cache, as one string to search.
async function storageDump(page) {
  return page.evaluate(async () => {
    const dump = { local: { ...localStorage }, session: { ...sessionStorage }, idb: [] };
    const names = (await indexedDB.databases()).map((d) => d.name);
    for (const name of names) {
      const db = await new Promise((resolve) => { const r = indexedDB.open(name); r.onsuccess = () => resolve(r.result); });
      for (const store of db.objectStoreNames) {
        const all = await new Promise((resolve) => {
          const r = db.transaction(store).objectStore(store).getAll();
          r.onsuccess = () => resolve(r.result);
        });
        dump.idb.push(JSON.stringify(all));
      }
      db.close();
    }
    return dump;
  });
}

function assertNothingPersonal(dump, typed) {
  const keys = [...Object.keys(dump.local), ...Object.keys(dump.session)];
  for (const key of keys) assert.ok(key.startsWith('kolaborasi.kiosk'), `unexpected storage key ${key}`);
  const text = JSON.stringify(dump);
  for (const t of typed) assert.ok(!text.includes(t), `"${t}" was written to browser storage`);
}

/// An open place in a kecamatan, found through the API.
async function openPlaceInArea() {
  const { locations } = await api('/locations');
  const candidates = locations.filter((l) => l.remaining_percent === 100).sort((a, b) => b.id - a.id);
  for (const summary of candidates.slice(40, 80)) {
    const detail = await api(`/locations/${summary.id}`);
    if (detail.active && detail.needs.some((n) => n.remaining >= 2)) return detail;
  }
  throw new Error('no open place in the demo data');
}

/// From the kiosk menu to a place's commitment form, by touch only.
async function toFormByTouch(page, detail, base = BASE_URL) {
  const [kota, kecamatan] = [detail.area_path[1], detail.area_path[2]];
  await page.getByTestId('kiosk-areas').getByRole('button', { name: kota.name, exact: true }).tap();
  const tile = page.getByTestId('kiosk-areas').getByRole('link', { name: kecamatan.name, exact: true });
  const box = await tile.boundingBox();
  assert.ok(box.height >= 64, `touch target ${box.height}px high`);
  await tile.tap();
  await page.waitForURL(new RegExp(`area=${kecamatan.code.replace(/\./g, '\\.')}`));
  // Past the menu the area is still picked by touch: tiles, no dropdowns.
  const tiles = page.getByTestId('area-tiles');
  await tiles.getByRole('button', { name: kecamatan.name, exact: true }).waitFor();
  assert.equal(await page.locator('select:visible').count(), 0);
  const kelurahan = detail.area_path[3];
  const here = tiles.locator('.kiosk-areas').getByRole('button', { name: kelurahan.name, exact: true });
  assert.ok((await here.boundingBox()).height >= 64);
  await here.first().tap();
  await page.waitForURL(new RegExp(`area=${kelurahan.code.replace(/\./g, '\\.')}`));
  assert.equal(await here.first().getAttribute('aria-pressed'), 'true');
  await page.getByTestId('location-list').getByRole('link', { name: detail.name, exact: true }).first().tap();
  await page.waitForURL(`${base}/lokasi/${detail.id}`);
  await page.getByTestId('give-help').tap();
  await stepHeading(page, 1);
}

async function sessionStatus(page) {
  return (await page.request.get(`${BASE_URL}/api/v1/session`)).status();
}

describe('kiosk mode', () => {
  test('attract screen, browsing by touch, and the idle timeout wipes a half-filled form and leaves nothing personal', async () => {
    const detail = await openPlaceInArea();
    const kota = detail.area_path[1];
    const open = detail.needs.find((n) => n.remaining >= 2);
    const page = await kioskPage();
    await page.goto(`${BASE_URL}/kiosk?idle=${IDLE}`);
    const attract = page.getByTestId('kiosk-attract');
    await attract.filter({ hasText: 'Sentuh layar untuk mulai' }).waitFor();
    await page.getByTestId('kiosk-slide-totals').filter({ hasText: /\d/ }).waitFor();
    // The slides move on by themselves to recent collaborations.
    await page.getByTestId('kiosk-slide-recent').waitFor({ timeout: 20_000 });
    await screenshot(page, 'kiosk-attract');
    assert.deepEqual(await violations(page), []);
    assert.equal(await page.getByTestId('console-link').count(), 0, 'no way to the staff console');
    assert.equal(await page.getByTestId('sign-in-link').count(), 0);

    // Touch: the menu, then a kota and a kecamatan, all without typing.
    await attract.tap();
    await page.getByRole('heading', { name: 'Apa yang ingin Anda lihat?' }).waitFor();
    assert.deepEqual(await violations(page), []);
    await page.getByTestId('kiosk-areas').getByRole('button', { name: kota.name, exact: true }).tap();
    await screenshot(page, 'kiosk-menu');
    await page.getByTestId('kiosk-areas').getByRole('button', { name: /Semua kota/ }).tap();
    await toFormByTouch(page, detail);
    // Pulled to refresh on the form: still this visitor's page, and the
    // idle reset still applies afterwards.
    await page.reload();
    await stepHeading(page, 1);

    // A visitor starts a commitment and walks away.
    await line(page, open.package_id).locator('input').fill('1');
    await page.getByTestId('next').tap();
    await fillDetails(page);
    const typed = [DONOR.email, DONOR.name, DONOR.phone];
    assertNothingPersonal(await storageDump(page), typed);
    // Someone even signed up on the kiosk (by typing an address): the
    // session must not outlive them either.
    const address = `kiosk-${Date.now()}@contoh.id`;
    const signUp = await page.request.post(`${BASE_URL}/api/v1/account`, {
      data: {
        name: 'Pengunjung Kiosk', kind: 'individual', email: address, phone: '0812-1111-2222', password: 'kata-sandi-panjang-sekali',
      },
    });
    assert.equal(signUp.status(), 202);
    // ... and opened the activation link from their mail on the kiosk.
    const token = (await mailAbout(address)).match(/\/daftar\/konfirmasi#t=(\S+)/)?.[1];
    assert.ok(token, 'an activation link');
    const activated = await page.request.post(`${BASE_URL}/api/v1/account/confirm`, { data: { token } });
    assert.equal(activated.status(), 200);
    assert.equal(await sessionStatus(page), 200);

    await page.waitForURL(`${BASE_URL}/kiosk`, { timeout: (IDLE + 10) * 1000 });
    await attract.filter({ hasText: 'Sentuh layar untuk mulai' }).waitFor();
    assertNothingPersonal(await storageDump(page), typed);
    for (let i = 0; i < 50 && (await sessionStatus(page)) !== 204; i += 1) {
      await new Promise((r) => { setTimeout(r, 100); });
    }
    assert.equal(await sessionStatus(page), 204, 'the session ended (nobody signed in)');
    // Back does not reopen the previous visitor's pages.
    await page.goBack();
    await page.waitForURL(`${BASE_URL}/kiosk`);
    await attract.waitFor();
    // Nor does the staff console open on a kiosk.
    await page.getByTestId('kiosk-attract').tap();
    await page.evaluate(() => { history.pushState(null, '', '/konsol'); dispatchEvent(new PopStateEvent('popstate')); });
    await page.getByText('Konsol petugas tidak tersedia di kiosk.').waitFor();
    assert.deepEqual(page.errors, []);
    await page.context().close();
  });

  test('before the idle reset the kiosk warns and counts down; a touch keeps the visitor', async () => {
    const idle = 10;
    const page = await kioskPage();
    await page.goto(`${BASE_URL}/kiosk?idle=${idle}`);
    await page.getByTestId('kiosk-attract').tap();
    await page.getByRole('heading', { name: 'Apa yang ingin Anda lihat?' }).waitFor();
    const warning = page.getByTestId('kiosk-idle-warning');
    // Nobody touches: the warning comes 3 seconds before the reset.
    await warning.waitFor({ timeout: (idle + 5) * 1000 });
    assert.match(await warning.innerText(), /kembali ke awal dalam [1-3] detik/);
    assert.match(await warning.innerText(), /kode QR tanda terima/);
    await screenshot(page, 'kiosk-idle-warning');
    assert.deepEqual(await violations(page), []);
    await page.getByTestId('kiosk-stay').tap();
    await warning.waitFor({ state: 'hidden' });
    // The visitor stays where they were, past the moment of the reset.
    await page.waitForTimeout(4000);
    assert.equal(page.url(), `${BASE_URL}/kiosk?idle=${idle}`);
    await page.getByRole('heading', { name: 'Apa yang ingin Anda lihat?' }).waitFor();
    assert.equal(await page.getByTestId('kiosk-attract').count(), 0);
    // Left alone again: the warning, then the attract screen.
    await warning.waitFor({ timeout: (idle + 5) * 1000 });
    await page.getByTestId('kiosk-attract').waitFor({ timeout: 10_000 });
    assert.deepEqual(page.errors, []);
    await page.context().close();
  });

  test('a staff-assisted commitment ends with a printable QR receipt, not a saved session', async () => {
    const detail = await openPlaceInArea();
    const open = detail.needs.find((n) => n.remaining >= 2);
    const page = await kioskPage();
    await page.goto(`${BASE_URL}/kiosk?idle=600`);
    await page.getByTestId('kiosk-attract').tap();
    await toFormByTouch(page, detail);
    // Large type and 64 px targets past the menu too, across the screen.
    const sizes = await page.evaluate(() => ({
      root: parseFloat(getComputedStyle(document.documentElement).fontSize),
      hint: parseFloat(getComputedStyle(document.querySelector('.step-intro')).fontSize),
      width: document.querySelector('.narrow').getBoundingClientRect().width,
    }));
    assert.ok(sizes.root >= 20 && sizes.hint >= 19, JSON.stringify(sizes));
    assert.ok(sizes.width >= 900, JSON.stringify(sizes));
    // Packages and the date by touch: the stepper's "+" and a day's button.
    const plus = line(page, open.package_id).locator('.stepper-button').last();
    assert.ok((await plus.boundingBox()).height >= 64);
    await plus.tap();
    assert.equal(await line(page, open.package_id).locator('input').inputValue(), '1');
    await page.getByTestId('next').tap();
    await stepHeading(page, 2);
    const day = page.getByTestId('date-picks').locator('button').nth(2);
    assert.ok((await day.boundingBox()).height >= 64);
    const planned = await day.getAttribute('data-date');
    await day.tap();
    assert.equal(await day.getAttribute('aria-pressed'), 'true');
    assert.equal(await page.locator('#f-planned_date').inputValue(), planned);
    await screenshot(page, 'kiosk-details', { fullPage: true });
    // Name and contact are the only typing.
    await page.locator('#f-collaborator-name').fill(DONOR.name);
    await page.locator('label.choice', { hasText: DONOR.kind }).tap();
    await page.locator('#f-collaborator-email').fill(DONOR.email);
    await page.locator('#f-collaborator-phone').fill(DONOR.phone);
    await page.getByTestId('next').tap();
    await stepHeading(page, 3);
    await page.getByTestId('submit').tap();

    await page.waitForURL(`${BASE_URL}/kiosk/tanda-terima`);
    const receipt = page.getByTestId('kiosk-receipt');
    await receipt.waitFor();
    const code = await page.getByTestId('kiosk-receipt-code').innerText();
    assert.match(code, /^[0-9A-Z]{4}-[0-9A-Z]{4}$/);
    const view = await api(`/commitments/${code}`);
    assert.equal(view.location.id, detail.id);
    assert.equal(view.planned_date, planned);
    assert.equal(await page.locator('[data-testid=kiosk-receipt-qr] svg').count(), 1);
    assert.match(await receipt.innerText(), new RegExp(detail.name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')));
    await screenshot(page, 'kiosk-receipt');
    assert.deepEqual(await violations(page), []);
    // Printing shows the receipt alone.
    await page.emulateMedia({ media: 'print' });
    assert.ok(await page.getByTestId('kiosk-receipt-qr').isVisible());
    assert.ok(!(await page.getByTestId('kiosk-print').isVisible()));
    await page.emulateMedia({ media: 'screen' });
    assertNothingPersonal(await storageDump(page), [DONOR.email, DONOR.phone, code]);

    // "Done": the kiosk starts over with nothing of this visitor in memory
    // (a new document), so the receipt cannot be shown again.
    await page.evaluate(() => { window.visitorMarker = true; });
    await page.getByTestId('kiosk-done').tap();
    await page.waitForURL(`${BASE_URL}/kiosk`);
    await page.getByTestId('kiosk-attract').waitFor();
    assert.equal(await page.evaluate(() => window.visitorMarker), undefined);
    await page.goBack();
    await page.waitForURL(`${BASE_URL}/kiosk`);
    assert.deepEqual(page.errors, []);
    await page.context().close();
  });

  test('on a plain-HTTP LAN address (no secure context, no service worker) a kiosk still commits and prints', async () => {
    // `kiosk.lan` resolves to the test server; unlike 127.0.0.1 it is not a
    // secure context, like a kiosk reaching the office server over HTTP.
    const url = new URL(BASE_URL);
    const lan = `http://kiosk.lan:${url.port}`;
    const browserLan = await launch([`--host-resolver-rules=MAP kiosk.lan ${url.hostname}`]);
    try {
      const context = await browserLan.newContext({ viewport: KIOSK, locale: 'id-ID', hasTouch: true });
      const page = watchErrors(await context.newPage());
      const detail = await openPlaceInArea();
      const open = detail.needs.find((n) => n.remaining >= 2);
      await page.goto(`${lan}/kiosk?idle=600`);
      await page.getByTestId('kiosk-attract').tap();
      assert.equal(await page.evaluate(() => window.isSecureContext), false);
      assert.equal(await page.evaluate(() => 'serviceWorker' in navigator), false);
      await toFormByTouch(page, detail, lan);
      await fillToReview(page, open.package_id, 1);
      await page.getByTestId('submit').tap();
      await page.waitForURL(`${lan}/kiosk/tanda-terima`);
      const code = await page.getByTestId('kiosk-receipt-code').innerText();
      assert.equal((await api(`/commitments/${code}`)).location.id, detail.id);
      assert.equal(await page.locator('[data-testid=kiosk-receipt-qr] svg').count(), 1);
      assertNothingPersonal(await storageDump(page), [DONOR.email, DONOR.phone, code]);
      assert.deepEqual(page.errors, []);
    } finally {
      await browserLan.close();
    }
  });
});
