// Residents' reports (issue 19): a resident reports a problem at a place
// from a phone, without an account, and keeps the code; staff answer it in
// the console; the resident, and anyone on the place's page, sees the
// answer, and never what the resident typed.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  BASE_URL, DESKTOP, PHONE, api, apiSend, sharedBrowser, openPage, screenshot, violations,
} from './support.mjs';

const browser = sharedBrowser();

const ADMIN = {
  email: process.env.E2E_ADMIN_EMAIL ?? 'admin@e2e.example.id',
  password: process.env.E2E_ADMIN_PASSWORD ?? 'e2e-admin-password-123',
};

const WHAT = 'Paket sembako yang dijanjikan bulan lalu belum sampai ke RW kami.';
const CONTACT = 'pelapor.rahasia@example.id';

async function signIn(page) {
  await page.goto(`${BASE_URL}/konsol`);
  const form = page.getByTestId('staff-sign-in');
  await form.locator('input[type=email]').fill(ADMIN.email);
  await form.locator('input[type=password]').fill(ADMIN.password);
  await page.getByTestId('staff-sign-in-submit').click();
  await page.getByTestId('staff-name').waitFor();
}

describe('residents report a problem and see what became of it', () => {
  test('a resident reports on a phone, staff answer in the console, the answer is public and the text is not', async () => {
    const { locations } = await api('/locations');
    // A place nobody has reported yet (from the highest id down).
    let place;
    for (const summary of [...locations].reverse()) {
      const reports = await api(`/locations/${summary.id}/reports`);
      if (reports.open.length === 0 && reports.answered.length === 0) {
        place = await api(`/locations/${summary.id}`);
        break;
      }
    }

    const resident = await openPage(browser(), PHONE);
    await resident.goto(`${BASE_URL}/lokasi/${place.id}`);
    const section = resident.getByTestId('place-reports');
    await section.getByTestId('reports-none').waitFor();
    await section.getByTestId('report-link').click();
    await resident.waitForURL(`**/lokasi/${place.id}/lapor`);
    await resident.getByRole('heading', { level: 1 }).waitFor();

    // Sending nothing names what is missing, next to each field.
    await resident.getByTestId('report-send').click();
    const kindError = resident.locator('#f-kind-error');
    await kindError.waitFor();
    assert.match(await kindError.innerText(), /jenis laporan/i);
    // Focus moves on the next animation frame, after the errors are drawn.
    await resident.waitForFunction(() => document.activeElement?.id === 'f-kind', null, { timeout: 5_000 })
      .catch(() => {});
    assert.equal(await resident.evaluate(() => document.activeElement?.id), 'f-kind');
    assert.ok(await resident.locator('#f-description-error').isVisible());
    assert.deepEqual(await violations(resident), []);
    await screenshot(resident, 'report-form-errors-phone', { fullPage: true });

    await resident.getByTestId('report-kind-not_arrived').check();
    await resident.getByTestId('report-description').fill(WHAT);
    await resident.locator('#f-contact').fill(CONTACT);
    await resident.getByTestId('report-send').click();
    await resident.getByTestId('report-done').waitFor();
    const code = (await resident.getByTestId('report-code').innerText()).trim();
    assert.match(code, /^[0-9A-Z]{4}-[0-9A-Z]{4}$/);
    assert.deepEqual(await violations(resident), []);
    await screenshot(resident, 'report-done-phone', { fullPage: true });

    // Its status page: received, and nothing the resident typed.
    await resident.getByTestId('report-status-link').click();
    const state = resident.getByTestId('report-state');
    await state.waitFor();
    assert.equal(await state.getAttribute('data-status'), 'received');
    let text = await resident.locator('main').innerText();
    assert.equal(text.includes('belum sampai ke RW'), false);
    assert.equal(text.includes(CONTACT), false);
    assert.deepEqual(await violations(resident), []);
    await screenshot(resident, 'report-status-phone', { fullPage: true });

    // The map's list, filtered to places with open reports, shows it so.
    await resident.goto(`${BASE_URL}/?view=list&reports=open`);
    const row = resident.locator('.location-row', { has: resident.locator(`a[href="/lokasi/${place.id}"]`) });
    await row.getByTestId('row-reports').waitFor();
    assert.match(await row.getByTestId('row-reports').innerText(), /1 laporan warga terbuka/);
    assert.equal(await resident.getByTestId('reported-only').isChecked(), true);
    const listed = await resident.locator('.location-row').count();
    assert.ok(listed >= 1 && listed < locations.length, `${listed} of ${locations.length} listed`);
    await screenshot(resident, 'map-list-reported-phone');
    // Near-me results lead to the same form.
    await resident.goto(`${BASE_URL}/dekat?area=${place.area_path[place.area_path.length - 1].code}`);
    const near = resident.locator(`[data-testid=nearby-item][data-id="${place.id}"]`);
    assert.equal(
      await near.getByTestId('nearby-report').getAttribute('href'),
      `/lokasi/${place.id}/lapor`,
    );

    // Staff find it in the reports queue and read what was written.
    const staff = await openPage(browser(), DESKTOP);
    await signIn(staff);
    await staff.goto(`${BASE_URL}/konsol?antrian=reports`);
    const item = staff.locator(`[data-testid=queue-item][data-code="${code}"]`);
    await item.waitFor();
    assert.match(await item.innerText(), /Bantuan belum sampai/);
    await item.locator('a').click();
    await staff.getByTestId('staff-report-description').filter({ hasText: WHAT }).waitFor();
    assert.equal((await staff.getByTestId('staff-report-contact').innerText()).trim(), CONTACT);
    // Resolving without a public answer is refused, next to the field.
    await staff.getByTestId('answer-status-resolved').check();
    await staff.getByTestId('answer-send').click();
    await staff.locator('#f-answer-error').waitFor();
    assert.deepEqual(await violations(staff), []);
    await screenshot(staff, 'console-report-desktop', { fullPage: true });
    const answer = 'Sudah kami cek: pengiriman tertunda dan dijadwalkan ulang minggu ini.';
    await staff.getByTestId('answer-text').fill(answer);
    await staff.getByTestId('answer-send').click();
    await staff.locator('[data-testid=staff-report-state][data-status=resolved]').waitFor();
    assert.equal(await staff.getByTestId('answer-send').count(), 0, 'answered once');

    // The resident sees the answer; the place's page shows it to everyone.
    await resident.goto(`${BASE_URL}/laporan/${code}`);
    await resident.locator('[data-testid=report-state][data-status=resolved]').waitFor();
    assert.equal((await resident.getByTestId('report-answer').innerText()).trim(), answer);
    await resident.goto(`${BASE_URL}/lokasi/${place.id}`);
    const answered = resident.getByTestId('answered-reports');
    await answered.filter({ hasText: answer }).waitFor();
    text = await resident.locator('main').innerText();
    assert.equal(text.includes('belum sampai ke RW'), false, 'the resident\'s text is not public');
    assert.equal(text.includes(CONTACT), false, 'the contact is not public');
    assert.deepEqual(await violations(resident), []);
    await screenshot(resident, 'location-reports-phone', { fullPage: true });
    assert.deepEqual(resident.errors, [], 'no uncaught errors');
  });

  test('a report made offline waits in the queue and is filed exactly once when the network returns', async () => {
    const { locations } = await api('/locations');
    let place;
    for (const summary of locations) {
      const reports = await api(`/locations/${summary.id}/reports`);
      if (reports.open.length === 0 && reports.answered.length === 0) {
        place = summary;
        break;
      }
    }
    const page = await openPage(browser(), PHONE);
    await page.goto(`${BASE_URL}/lokasi/${place.id}/lapor`);
    await page.getByTestId('report-send').waitFor();
    await page.context().setOffline(true);
    await page.getByTestId('report-kind-wrong_info').check();
    await page.getByTestId('report-description').fill('Tempat ini sudah pindah ke gang sebelah sejak Oktober.');
    await page.getByTestId('report-send').click();
    await page.waitForURL('**/antrean');
    const item = page.locator('[data-testid=outbox-item][data-kind=report]');
    await item.filter({ hasText: place.name }).waitFor();
    assert.equal(await item.getAttribute('data-state'), 'waiting');
    assert.match(await item.innerText(), /Informasi tempat salah/);
    assert.deepEqual(await violations(page), []);
    await screenshot(page, 'report-queued-phone', { fullPage: true });
    await page.context().setOffline(false);
    await page.evaluate(() => window.dispatchEvent(new Event('online')));
    await page.locator('[data-testid=outbox-item][data-kind=report][data-state=sent]').waitFor({ timeout: 20_000 });
    await page.getByTestId('outbox-open').click();
    await page.locator('[data-testid=report-state][data-status=received]').waitFor();
    const reports = await api(`/locations/${place.id}/reports`);
    assert.deepEqual(reports.open, [{ kind: 'wrong_info', count: 1 }]);
  });

  test('staff turn a correct "wrong information" report into the place\'s edit, saved with the answer', async () => {
    const { locations } = await api('/locations');
    let place;
    for (const summary of [...locations].reverse().slice(5)) {
      const reports = await api(`/locations/${summary.id}/reports`);
      if (reports.open.length === 0 && reports.answered.length === 0) {
        place = await api(`/locations/${summary.id}`);
        break;
      }
    }
    const { status, body } = await apiSend('POST', '/reports', {
      location_id: place.id, kind: 'wrong_info', description: 'Jumlah penghuni sekarang 321, bukan seperti di peta.', contact: '',
    });
    assert.equal(status, 201, JSON.stringify(body));
    const staff = await openPage(browser(), DESKTOP);
    await signIn(staff);
    await staff.goto(`${BASE_URL}/konsol/laporan/${body.code}`);
    await staff.getByTestId('report-edit-place').click();
    await staff.getByTestId('report-answering').waitFor();
    await staff.locator('#f-headcount').fill('321');
    await staff.getByTestId('report-answer-text').fill('Jumlah penghuni sudah diperbarui menjadi 321.');
    assert.deepEqual(await violations(staff), []);
    await screenshot(staff, 'console-location-answering-desktop', { fullPage: true });
    await staff.getByTestId('location-save').click();
    await staff.waitForURL(`**/konsol/laporan/${body.code}`);
    await staff.locator('[data-testid=staff-report-state][data-status=resolved]').waitFor();
    const after = await api(`/locations/${place.id}`);
    assert.equal(after.headcount, 321);
    const report = await api(`/reports/${body.code}`);
    assert.equal(report.answer, 'Jumlah penghuni sudah diperbarui menjadi 321.');
  });

  test('a resident suggests a missing place with a photo, offline first; staff make it an unverified location', async () => {
    const resident = await openPage(browser(), PHONE);
    await resident.goto(`${BASE_URL}/`);
    await resident.getByTestId('suggest-link').click();
    await resident.waitForURL('**/usulkan');
    await resident.getByTestId('report-send').waitFor();

    // Sending nothing names what is missing; focus goes to the first.
    await resident.getByTestId('report-send').click();
    await resident.locator('#f-place-name-error').waitFor();
    await resident.waitForFunction(() => document.activeElement?.id === 'f-place-name', null, { timeout: 5_000 })
      .catch(() => {});
    assert.equal(await resident.evaluate(() => document.activeElement?.id), 'f-place-name');
    // The area's error sits on the first select still empty (the others are disabled).
    for (const id of ['f-place-category', 'f-kota', 'f-description']) {
      assert.ok(await resident.locator(`#${id}-error`).isVisible(), id);
    }
    assert.deepEqual(await violations(resident), []);
    await screenshot(resident, 'suggest-form-errors-phone', { fullPage: true });

    const name = `Panti Werdha Usulan ${Date.now() % 100000}`;
    await resident.locator('#f-place-name').fill(name);
    await resident.locator('#f-place-category').selectOption('panti_jompo');
    await resident.locator('#f-kota option:nth-child(2)').waitFor({ state: 'attached' });
    await resident.locator('#f-kota').selectOption({ index: 1 });
    await resident.locator('#f-kecamatan').selectOption({ index: 1 });
    await resident.locator('#f-place-kelurahan_code').selectOption({ index: 1 });
    const kelurahan = await resident.locator('#f-place-kelurahan_code').inputValue();
    assert.match(kelurahan, /^\d+\.\d+\.\d+\.\d+$/);
    // A tap on the map places the point; the fields follow.
    const map = resident.getByTestId('location-map');
    await map.scrollIntoViewIfNeeded();
    await map.click({ position: { x: 120, y: 120 } });
    await resident.waitForFunction(() => document.querySelector('#f-place-lat')?.value !== '');
    assert.match(await resident.locator('#f-place-lon').inputValue(), /^-?\d+\.\d{6}$/);
    await resident.getByTestId('report-description').fill('Panti ini merawat 30 lansia dan belum pernah mendapat bantuan.');

    // A file that is not an image says so; a real photo is shown before sending.
    await resident.locator('#f-photo').setInputFiles({
      name: 'foto.jpg', mimeType: 'image/jpeg', buffer: Buffer.from('<html>not a photo</html>'),
    });
    await resident.locator('#f-photo-error').waitFor();
    assert.match(await resident.locator('#f-photo-error').innerText(), /tidak dapat dibaca/);
    const png = await resident.evaluate(() => {
      const c = document.createElement('canvas');
      c.width = 2400; c.height = 1600;
      const x = c.getContext('2d');
      x.fillStyle = '#b33'; x.fillRect(0, 0, 2400, 1600);
      x.fillStyle = '#fff'; x.fillRect(400, 400, 800, 400);
      return c.toDataURL('image/png').split(',')[1];
    });
    await resident.locator('#f-photo').setInputFiles({
      name: 'panti.png', mimeType: 'image/png', buffer: Buffer.from(png, 'base64'),
    });
    await resident.getByTestId('report-photo-preview').waitFor();
    assert.equal(await resident.locator('#f-photo-error').count(), 0);
    // Scaled on the phone: the longer side is 1,280 pixels.
    const width = await resident.getByTestId('report-photo-preview')
      .evaluate((img) => img.complete ? img.naturalWidth : new Promise((r) => { img.onload = () => r(img.naturalWidth); }));
    assert.equal(width, 1280);
    assert.deepEqual(await violations(resident), []);
    await screenshot(resident, 'suggest-form-filled-phone', { fullPage: true });

    // Offline: it waits in the queue, photo and all, and goes once online.
    await resident.context().setOffline(true);
    await resident.getByTestId('report-send').click();
    await resident.waitForURL('**/antrean');
    const item = resident.locator('[data-testid=outbox-item][data-kind=report]').filter({ hasText: name });
    await item.waitFor();
    await resident.context().setOffline(false);
    await resident.evaluate(() => window.dispatchEvent(new Event('online')));
    await resident.locator('[data-testid=outbox-item][data-kind=report][data-state=sent]')
      .filter({ hasText: name }).waitFor({ timeout: 20_000 });
    await item.getByTestId('outbox-open').click();
    await resident.locator('[data-testid=report-state][data-status=received]').waitFor();
    const code = resident.url().split('/laporan/')[1];
    assert.match(code, /^[0-9A-Z]{4}-[0-9A-Z]{4}$/);
    const status = await resident.locator('main').innerText();
    assert.ok(status.includes(name));
    assert.match(status, /Usulan tempat baru/);
    assert.deepEqual(await violations(resident), []);
    await screenshot(resident, 'suggest-status-phone', { fullPage: true });

    // Staff see the suggestion and its photo, and make the place from it.
    const staff = await openPage(browser(), DESKTOP);
    await signIn(staff);
    await staff.goto(`${BASE_URL}/konsol/laporan/${code}`);
    await staff.getByTestId('suggested-place').waitFor();
    const photo = staff.locator('.report-photo img');
    await photo.waitFor();
    await staff.waitForFunction(() => document.querySelector('.report-photo img')?.naturalWidth === 1280);
    assert.deepEqual(await violations(staff), []);
    await screenshot(staff, 'console-suggestion-desktop', { fullPage: true });
    await staff.getByTestId('report-create-place').click();
    await staff.getByTestId('report-answering').waitFor();
    await staff.waitForFunction((n) => document.querySelector('#f-name')?.value === n, name);
    assert.equal(await staff.locator('#f-kelurahan').inputValue(), kelurahan);
    assert.match(await staff.locator('#f-lat').inputValue(), /^-?\d+\.\d{6}$/);
    await staff.locator('#f-headcount').fill('30');
    await staff.getByTestId('report-answer-text').fill('Terima kasih, panti ini sudah ditambahkan ke peta.');
    assert.deepEqual(await violations(staff), []);
    await staff.getByTestId('location-save').click();
    await staff.waitForURL(`**/konsol/laporan/${code}`);
    await staff.locator('[data-testid=staff-report-state][data-status=resolved]').waitFor();
    const report = await api(`/reports/${code}`);
    assert.equal(report.answer, 'Terima kasih, panti ini sudah ditambahkan ke peta.');
    const made = await api(`/locations/${report.location_id}`);
    assert.equal(made.name, name);
    assert.equal(made.verified, false);
  });

  test('offline, a photo the device cannot keep is refused with a way out; without it the report waits in the queue', async () => {
    const { locations } = await api('/locations');
    const place = locations[7];
    const page = await openPage(browser(), PHONE);
    await page.goto(`${BASE_URL}/lokasi/${place.id}/lapor`);
    await page.getByTestId('report-send').waitFor();
    // A detailed photo (noise does not compress) ...
    const png = await page.evaluate(() => {
      const c = document.createElement('canvas');
      c.width = 1280; c.height = 960;
      const x = c.getContext('2d');
      const img = x.createImageData(1280, 960);
      for (let i = 0; i < img.data.length; i += 1) img.data[i] = (i % 4 === 3) ? 255 : Math.random() * 256;
      x.putImageData(img, 0, 0);
      return c.toDataURL('image/png').split(',')[1];
    });
    await page.locator('#f-photo').setInputFiles({ name: 'rusak.png', mimeType: 'image/png', buffer: Buffer.from(png, 'base64') });
    await page.getByTestId('report-photo-preview').waitFor();
    // ... and a device whose storage is all but full (some 20,000 characters free).
    await page.evaluate(() => {
      const kept = [];
      for (const size of [1_000_000, 100_000, 10_000, 1_000]) {
        try {
          for (;;) {
            const key = `filler-${kept.length}`;
            localStorage.setItem(key, 'x'.repeat(size));
            kept.push([key, size]);
          }
        } catch { /* full at this size */ }
      }
      const tens = kept.filter(([, size]) => size === 10_000).slice(0, 2);
      for (const [key] of tens) localStorage.removeItem(key);
    });
    await page.context().setOffline(true);
    await page.getByTestId('report-kind-other').check();
    await page.getByTestId('report-description').fill('Atap balai warga bocor di tiga tempat.');
    await page.getByTestId('report-send').click();
    const error = page.locator('#f-photo-error');
    await error.waitFor();
    assert.match(await error.innerText(), /tidak muat/);
    assert.ok(page.url().endsWith(`/lokasi/${place.id}/lapor`), 'the form stays');
    assert.equal(await page.getByTestId('report-description').inputValue(), 'Atap balai warga bocor di tiga tempat.');
    assert.deepEqual(await violations(page), []);
    await screenshot(page, 'report-photo-not-kept-phone', { fullPage: true });
    // Without the photo it is kept, and sent once the network returns.
    await page.getByRole('button', { name: 'Hapus foto' }).click();
    await page.getByTestId('report-send').click();
    await page.waitForURL('**/antrean');
    const item = page.locator('[data-testid=outbox-item][data-kind=report]').filter({ hasText: place.name });
    await item.waitFor();
    await page.context().setOffline(false);
    await page.evaluate(() => window.dispatchEvent(new Event('online')));
    await page.locator('[data-testid=outbox-item][data-kind=report][data-state=sent]')
      .filter({ hasText: place.name }).waitFor({ timeout: 20_000 });
  });

  test('a queued report the server refuses comes back to its form, filled in, to be corrected', async () => {
    const { locations } = await api('/locations');
    const place = locations[11];
    const page = await openPage(browser(), PHONE);
    await page.goto(`${BASE_URL}/lokasi/${place.id}/lapor`);
    await page.getByTestId('report-send').waitFor();
    await page.context().setOffline(true);
    await page.getByTestId('report-kind-wrong_info').check();
    const what = 'Nama tempat di peta salah eja sejak bulan lalu.';
    await page.getByTestId('report-description').fill(what);
    // The form does not check a contact's form; the server does.
    await page.locator('#f-contact').fill('bukan kontak');
    await page.getByTestId('report-send').click();
    await page.waitForURL('**/antrean');
    await page.context().setOffline(false);
    await page.evaluate(() => window.dispatchEvent(new Event('online')));
    const refused = page.locator('[data-testid=outbox-item][data-kind=report][data-state=refused]')
      .filter({ hasText: place.name });
    await refused.waitFor({ timeout: 20_000 });
    await refused.getByTestId('outbox-adjust').click();
    await page.waitForURL(`**/lokasi/${place.id}/lapor`);
    await page.getByTestId('report-send').waitFor();
    assert.equal(await page.getByTestId('report-description').inputValue(), what);
    assert.equal(await page.locator('#f-contact').inputValue(), 'bukan kontak');
    assert.ok(await page.getByTestId('report-kind-wrong_info').isChecked());
    await page.locator('#f-contact').fill('');
    await page.getByTestId('report-send').click();
    await page.getByTestId('report-done').waitFor();
  });

  test('a report code typed loosely is found; an unknown one says so', async () => {
    const page = await openPage(browser(), PHONE);
    await page.goto(`${BASE_URL}/laporan`);
    await page.locator('#f-code').fill('zz');
    await page.getByTestId('report-lookup').click();
    await page.locator('#f-code-error').waitFor();
    await page.locator('#f-code').fill('aaaa aaaa');
    await page.getByTestId('report-lookup').click();
    await page.waitForURL('**/laporan/AAAA-AAAA');
    await page.getByRole('heading', { name: /tidak ditemukan/i }).waitFor();
    assert.deepEqual(await violations(page), []);
  });
});
