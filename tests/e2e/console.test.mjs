// The facilitator's console and the delivery's three voices: staff verify a
// commitment, the collaborator reports the delivery with a photo from the
// manage link, the place confirms from a phone with its one-time code, and
// the public report shows each voice separately.
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

/// `YYYY-MM-DD` of today (UTC), as the server counts days.
function today() {
  return new Date().toISOString().slice(0, 10);
}

/// A commitment of a few units to a place with open need; returns the
/// receipt (code and manage token) and the line.
let seq = 0;
async function commit(name) {
  const { locations } = await api('/locations');
  const open = locations.filter((l) => l.remaining_percent > 50).sort((a, b) => b.id - a.id);
  for (const summary of open) {
    const detail = await api(`/locations/${summary.id}`);
    const need = detail.needs.find((n) => n.remaining >= 4);
    if (!detail.active || !need) continue;
    seq += 1;
    const { status, body } = await apiSend('POST', '/commitments', {
      location_id: detail.id,
      lines: [{ package_id: need.package_id, quantity: 4 }],
      planned_date: today(),
      collaborator: {
        name, kind: 'organisation', email: `e2e-console-${seq}@example.id`, phone: '0812-1111-2222', show_name: true,
      },
    }, { 'Idempotency-Key': `e2e-console-${Date.now()}-${seq}` });
    assert.equal(status, 201, JSON.stringify(body));
    return body;
  }
  throw new Error('no place with open need');
}

/// A real JPEG (drawn by the browser) with an EXIF segment carrying a GPS
/// position spliced in after its start marker, as a phone camera writes it.
async function photoWithGps(page) {
  const base64 = await page.evaluate(async () => {
    const canvas = document.createElement('canvas');
    canvas.width = 320;
    canvas.height = 200;
    const g = canvas.getContext('2d');
    g.fillStyle = '#2f6f4e';
    g.fillRect(0, 0, 320, 200);
    g.fillStyle = '#ffffff';
    g.font = '28px sans-serif';
    g.fillText('Penyerahan paket', 20, 110);
    const blob = await new Promise((r) => { canvas.toBlob(r, 'image/jpeg', 0.8); });
    const bytes = new Uint8Array(await blob.arrayBuffer());
    let s = '';
    for (const b of bytes) s += String.fromCharCode(b);
    return btoa(s);
  });
  const jpeg = Buffer.from(base64, 'base64');
  const exif = Buffer.from('Exif\0\0GPSLatitude=-6.1680;GPSLongitude=106.8130', 'latin1');
  const len = Buffer.alloc(2);
  len.writeUInt16BE(exif.length + 2);
  return Buffer.concat([jpeg.subarray(0, 2), Buffer.from([0xff, 0xe1]), len, exif, jpeg.subarray(2)]);
}

const PDF = Buffer.from('%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n');

async function signIn(page) {
  await page.goto(`${BASE_URL}/konsol`);
  const form = page.getByTestId('staff-sign-in');
  await form.locator('input[type=email]').fill(ADMIN.email);
  await form.locator('input[type=password]').fill(ADMIN.password);
  await page.getByTestId('staff-sign-in-submit').click();
  await page.getByTestId('staff-name').waitFor();
}

async function noHorizontalScroll(page) {
  return page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
}

describe('facilitator console and the three voices of a delivery', () => {
  test('staff verify, the collaborator reports with a photo, the place confirms on a phone, the report shows all three', async () => {
    const receipt = await commit('Yayasan Uji Konsol');
    const { code } = receipt.commitment;

    // Staff sign in at a desk; the queue counts are real numbers.
    const staff = await openPage(browser(), DESKTOP);
    await signIn(staff);
    const tab = staff.getByTestId('queue-commitments');
    await tab.waitFor();
    // The counts arrive after the page: wait for the demo's open commitments.
    await staff.waitForFunction(
      () => Number(document.querySelector('[data-testid=queue-commitments]')?.dataset.count) >= 1,
      null,
      { timeout: 10_000 },
    );
    assert.deepEqual(await violations(staff), []);
    await screenshot(staff, 'console-home-desktop');

    // Staff verify the commitment on its console page.
    await staff.goto(`${BASE_URL}/konsol/kolaborasi/${code}`);
    await staff.getByTestId('contact-email').filter({ hasText: '@example.id' }).waitFor();
    await staff.getByTestId('verify-commitment').click();
    await staff.getByTestId('commitment-verified').waitFor();
    await screenshot(staff, 'console-commitment-desktop', { fullPage: true });

    // The collaborator, on a phone with the manage link, reports the delivery.
    const donor = await openPage(browser(), PHONE);
    await donor.goto(`${BASE_URL}/kolaborasi/${code}#kelola=${receipt.manage_token}`);
    // Before the handover the page leads with the next steps; the report
    // form opens on request.
    await donor.getByTestId('next-steps').waitFor();
    const form = donor.getByTestId('delivery-form');
    assert.equal(await form.isVisible(), false);
    await donor.getByTestId('delivery-panel').locator('summary').click();
    await form.waitFor();
    const photo = await photoWithGps(donor);
    await donor.getByTestId('delivery-photos').setInputFiles({ name: 'foto.jpg', mimeType: 'image/jpeg', buffer: photo });
    await donor.getByTestId('delivery-documents').setInputFiles({ name: 'bast.pdf', mimeType: 'application/pdf', buffer: PDF });
    await screenshot(donor, 'delivery-form-phone', { fullPage: true });
    await donor.getByTestId('delivery-submit').click();
    const slip = donor.getByTestId('receipt-slip');
    await slip.waitFor({ timeout: 20_000 });
    const confirmCode = (await donor.getByTestId('confirm-code').innerText()).trim();
    assert.match(confirmCode, /^[0-9A-Z]{4}-[0-9A-Z]{4}$/);
    assert.equal(await donor.getByTestId('confirm-qr').locator('svg').count(), 1);
    const confirmHref = await donor.getByTestId('confirm-link').getAttribute('href');
    assert.ok(confirmHref.endsWith(`/terima/${confirmCode}`), confirmHref);
    assert.ok(await noHorizontalScroll(donor) <= 0, 'the slip fits a phone');
    await screenshot(donor, 'delivery-slip-phone', { fullPage: true });
    // The report now says "reported", and not yet confirmed or verified.
    await donor.locator('[data-testid=voice-reported][data-state=yes]').waitFor();
    assert.equal(await donor.getByTestId('voice-confirmed').getAttribute('data-state'), 'no');

    // The published photo lost its GPS position.
    const view = await api(`/commitments/${code}`);
    assert.equal(view.delivery.photos.length, 1);
    const published = Buffer.from(await (await fetch(`${BASE_URL}/api/v1/evidence/${view.delivery.photos[0]}`)).arrayBuffer());
    assert.ok(published.length > 500);
    assert.equal(published.includes(Buffer.from('GPSLatitude')), false);
    assert.deepEqual([...published.subarray(0, 2)], [0xff, 0xd8]);

    // The place's representative opens the code on a phone, no account.
    const place = await openPage(browser(), PHONE);
    await place.goto(`${BASE_URL}${new URL(confirmHref, BASE_URL).pathname}`);
    await place.getByTestId('receipt-line').first().waitFor();
    assert.equal(await place.getByTestId('receipt-ok').first().inputValue(), '4');
    assert.deepEqual(await violations(place), []);
    assert.ok(await noHorizontalScroll(place) <= 0);
    await screenshot(place, 'receipt-phone', { fullPage: true });
    await place.getByTestId('receipt-ok').first().fill('3');
    await place.getByTestId('receipt-damaged').first().fill('1');
    await place.getByTestId('receipt-confirm').click();
    await place.getByTestId('receipt-done').waitFor();
    await screenshot(place, 'receipt-done-phone');
    // The code is single use.
    const reused = await fetch(`${BASE_URL}/api/v1/receipts/${confirmCode}`);
    assert.equal(reused.status, 404);

    // Staff verify the delivery, with the photo and handover document at hand.
    await staff.goto(`${BASE_URL}/konsol/kolaborasi/${code}`);
    await staff.getByTestId('delivery-document').first().waitFor();
    await staff.getByTestId('verify-delivery').click();
    await staff.locator('[data-testid=voice-verified][data-state=yes]').waitFor();

    // The public report, for anyone: three separate voices, all "yes".
    const reader = await openPage(browser(), PHONE);
    await reader.goto(`${BASE_URL}/kolaborasi/${code}`);
    await reader.locator('[data-testid=voice-reported][data-state=yes]').waitFor();
    for (const voice of ['voice-reported', 'voice-verified', 'voice-confirmed']) {
      assert.equal(await reader.getByTestId(voice).getAttribute('data-state'), 'yes', voice);
    }
    await reader.getByTestId('commitment-verified').waitFor();
    const line = reader.getByTestId('delivered-line').first();
    assert.equal((await line.getByTestId('received-ok').innerText()).trim(), '3');
    assert.equal((await line.getByTestId('received-damaged').innerText()).trim(), '1');
    assert.equal(await reader.getByTestId('delivery-form').count(), 0);
    const text = await reader.locator('main').innerText();
    assert.equal(text.includes(confirmCode), false, 'the confirmation code is not public');
    assert.equal(text.includes('e2e-console-'), false, 'no contact data');
    assert.deepEqual(await violations(reader), []);
    await screenshot(reader, 'report-three-voices-phone', { fullPage: true });

    // The place's page (reached from the map) shows the delivery and its voices.
    await reader.goto(`${BASE_URL}/lokasi/${view.location.id}`);
    const atPlace = reader.locator(`[data-testid=place-delivery][data-code="${code}"]`);
    await atPlace.waitFor();
    assert.equal(await atPlace.getByTestId('place-confirmed').getAttribute('data-state'), 'yes');
    assert.equal(await atPlace.getByTestId('place-verified').getAttribute('data-state'), 'yes');
    assert.deepEqual(await violations(reader), []);
    await screenshot(reader, 'location-deliveries-phone', { fullPage: true });

    // The public log has each transition.
    const history = view.history.map((h) => h.kind);
    assert.ok(history.includes('commitment_verified'), history.join());
    const after = await api(`/commitments/${code}`);
    assert.deepEqual(after.history.map((h) => h.kind).slice(-4), [
      'commitment_verified', 'commitment_delivered', 'delivery_confirmed', 'delivery_verified',
    ]);
    for (const p of [staff, donor, place, reader]) assert.deepEqual(p.errors, []);
  });

  test('a disputed delivery shows on the report and its comment reaches staff only; wrong codes are explained', async () => {
    const receipt = await commit('Komunitas Uji Sanggah');
    const { code } = receipt.commitment;
    const upload = async (body, type) => {
      const res = await fetch(`${BASE_URL}/api/v1/commitments/${code}/evidence`, {
        method: 'POST', headers: { 'Content-Type': type, 'Kolaborasi-Manage-Token': receipt.manage_token }, body,
      });
      assert.equal(res.status, 201);
      return (await res.json()).id;
    };
    const page = await openPage(browser(), PHONE);
    await page.goto(`${BASE_URL}/tentang`);
    const photo = await upload(await photoWithGps(page), 'image/jpeg');
    const doc = await upload(PDF, 'application/pdf');
    const line = receipt.commitment.lines[0];
    const reported = await apiSend('POST', `/commitments/${code}/delivery`, {
      token: receipt.manage_token, delivered_on: today(), lines: [{ package_id: line.package_id, quantity: line.quantity }], photos: [photo], documents: [doc],
    });
    assert.equal(reported.status, 201, JSON.stringify(reported.body));

    await page.goto(`${BASE_URL}/terima/${reported.body.confirm_code}`);
    await page.getByTestId('receipt-line').first().waitFor();
    await page.getByTestId('receipt-ok').first().fill('1');
    await page.getByTestId('receipt-dispute').click();
    const comment = page.getByTestId('receipt-comment');
    await comment.waitFor();
    await comment.fill('Hanya satu paket yang sampai di posko.');
    await page.getByTestId('receipt-dispute').click();
    await page.getByTestId('receipt-done').waitFor();

    await page.goto(`${BASE_URL}/kolaborasi/${code}`);
    await page.locator('[data-testid=voice-confirmed][data-state=disputed]').waitFor();
    assert.equal((await page.locator('main').innerText()).includes('Hanya satu paket'), false);

    const staff = await openPage(browser(), DESKTOP);
    await signIn(staff);
    await staff.getByTestId('queue-deliveries').click();
    // Disputes come first in the deliveries queue, this one among them.
    await staff.locator(`[data-testid=queue-item][data-code="${code}"]`).waitFor();
    const receipts = await staff.getByTestId('queue-item').evaluateAll((items) => items.map((i) => [
      i.dataset.code, i.querySelector('[data-receipt]')?.dataset.receipt,
    ]));
    const mine = receipts.findIndex(([c]) => c === code);
    assert.ok(receipts.slice(0, mine + 1).every(([, r]) => r === 'disputed'), JSON.stringify(receipts));
    await staff.goto(`${BASE_URL}/konsol/kolaborasi/${code}`);
    await staff.getByTestId('dispute-comment').filter({ hasText: 'Hanya satu paket' }).waitFor();

    // A mistyped code gets a clear message, not a blank page.
    await page.goto(`${BASE_URL}/terima/ZZZZ-ZZZZ`);
    await page.getByTestId('receipt-unknown').waitFor();
    assert.deepEqual(page.errors, []);
    assert.deepEqual(staff.errors, []);
  });

  test('the footer leads from the donor app to the console build and back, signed in all along', async () => {
    /// The wasm files this document loaded.
    const wasmOf = (page) => page.evaluate(() => performance.getEntriesByType('resource')
      .map((e) => new URL(e.name).pathname).filter((p) => p.endsWith('.wasm')));
    const page = await openPage(browser(), DESKTOP);
    await page.goto(`${BASE_URL}/`);
    await page.getByTestId('list-count').waitFor();
    // The donor's build: its main wasm first, then the list's chunk (a wide
    // screen shows the list beside the map); nothing of the console.
    const donorWasm = await wasmOf(page);
    assert.match(donorWasm[0], /^\/app-[0-9a-f]{16}\/kolaborasi_bg\.wasm$/);
    assert.ok(donorWasm.some((p) => p.endsWith('/split_list.wasm')), donorWasm.join(' '));
    assert.deepEqual(donorWasm.filter((p) => p.startsWith('/konsol/')), []);

    await page.getByTestId('console-link').click();
    await page.waitForURL(`${BASE_URL}/konsol`);
    const form = page.getByTestId('staff-sign-in');
    await form.waitFor();
    const consoleWasm = await wasmOf(page);
    assert.equal(consoleWasm.length, 1);
    assert.ok(consoleWasm[0].startsWith('/konsol/'), consoleWasm[0]);
    await form.locator('input[type=email]').fill(ADMIN.email);
    await form.locator('input[type=password]').fill(ADMIN.password);
    await page.getByTestId('staff-sign-in-submit').click();
    await page.getByTestId('staff-name').waitFor();

    // A donor page from the console's navigation; loaded afresh, it is the
    // donor's build again.
    await page.locator('header nav').getByRole('link', { name: 'Transparansi' }).click();
    await page.waitForURL(`${BASE_URL}/transparansi`);
    await page.getByTestId('download-locations-csv').waitFor();
    await page.reload();
    await page.getByTestId('download-locations-csv').waitFor();
    // The donor's build: its main wasm, and the chunk of this page.
    const again = await wasmOf(page);
    assert.equal(again[0], donorWasm[0]);
    assert.ok(again.some((p) => p.endsWith('/split_info.wasm')), again.join(' '));
    assert.deepEqual(again.filter((p) => p.startsWith('/konsol/')), []);

    // Back to the console: still signed in, nothing asked again.
    await page.getByTestId('console-link').click();
    await page.waitForURL(`${BASE_URL}/konsol`);
    await page.getByTestId('staff-name').waitFor();
    assert.equal(await page.getByTestId('staff-sign-in').count(), 0);
    assert.deepEqual(page.errors, []);
    await page.context().close();
  });

  test('staff find a collaboration by its code and return to the same queue; the header names them; the editor keeps Save in reach', async () => {
    const receipt = await commit('Yayasan Uji Cari Kode');
    const { code } = receipt.commitment;
    const page = await openPage(browser(), DESKTOP);
    await signIn(page);
    // Signed in as staff: the header says who, not "Masuk".
    await page.getByTestId('staff-account').filter({ hasText: 'Admin E2E' }).waitFor();
    assert.equal(await page.getByTestId('sign-in-link').count(), 0);

    // A queue narrowed to a kota.
    await page.getByTestId('queue-locations').click();
    const kota = await page.getByTestId('queue-kota').locator('option').nth(1).getAttribute('value');
    await page.getByTestId('queue-kota').selectOption(kota);
    await page.waitForURL((u) => u.searchParams.get('wilayah') === kota);
    const queueUrl = page.url();

    // A code read out on the phone: a wrong one is explained, a loose one opens it.
    const find = page.getByTestId('console-find');
    await find.locator('input').fill('nope');
    await find.getByRole('button').click();
    await find.getByRole('alert').filter({ hasText: /8 huruf\/angka, misalnya K7Q2-M9XD/ }).waitFor();
    await find.locator('input').fill(code.toLowerCase().replace('-', ' '));
    await find.getByRole('button').click();
    await page.waitForURL(`${BASE_URL}/konsol/kolaborasi/${code}`);
    const guide = page.getByTestId('verify-guide');
    await guide.waitFor();
    assert.match(await guide.innerText(), /kontak sudah dikonfirmasi/);
    await page.getByTestId('console-back').click();
    await page.waitForURL(queueUrl);
    await page.locator('[data-testid=queue-item], [data-testid=queue-empty]').first().waitFor();
    assert.equal(await page.getByTestId('queue-kota').inputValue(), kota);

    // Working through a queue: each item's page leads on to the next one.
    await page.goto(`${BASE_URL}/konsol?antrian=locations`);
    const titles = page.locator('[data-testid=queue-item] a.queue-title');
    await titles.nth(2).waitFor();
    const hrefs = await titles.evaluateAll((els) => els.slice(0, 3).map((e) => e.getAttribute('href')));
    const secondTitle = await titles.nth(1).innerText();
    await titles.first().click();
    await page.waitForURL(`${BASE_URL}${hrefs[0]}`);
    const next = page.getByTestId('console-next');
    assert.equal(await next.getAttribute('href'), hrefs[1]);
    const nextText = await next.innerText();
    assert.ok(nextText.includes(`Berikutnya di antrian: ${secondTitle}`), nextText);
    await next.click();
    await page.waitForURL(`${BASE_URL}${hrefs[1]}`);
    await page.getByTestId('location-form').waitFor();
    assert.equal(await page.getByTestId('console-next').getAttribute('href'), hrefs[2]);

    // The editor: "Save" is in view from the top; deactivating comes after the form.
    const { locations } = await api('/locations');
    await page.goto(`${BASE_URL}/konsol/lokasi/${locations[0].id}`);
    await page.getByTestId('location-form').waitFor();
    const save = await page.getByTestId('location-save').boundingBox();
    assert.ok(save && save.y + save.height <= DESKTOP.height, `Save at ${save?.y}`);
    const after = await page.evaluate(() => {
      const form = document.querySelector('[data-testid=location-form]');
      const danger = document.querySelector('[data-testid=deactivate-location]');
      return Boolean(danger && (form.compareDocumentPosition(danger) & Node.DOCUMENT_POSITION_FOLLOWING));
    });
    assert.ok(after, 'the deactivate button follows the form');
    assert.deepEqual(await violations(page), []);
    await screenshot(page, 'console-location-desktop');
    assert.deepEqual(page.errors, []);
    await page.context().close();
  });

  test('the console works on a tablet and at 200% zoom, and signs out', async () => {
    const tablet = await openPage(browser(), { width: 820, height: 1180 });
    await signIn(tablet);
    await tablet.getByTestId('queue-locations').click();
    await tablet.getByTestId('queue-item').first().waitFor();
    assert.ok(await noHorizontalScroll(tablet) <= 0);
    await screenshot(tablet, 'console-queue-tablet');
    await tablet.goto(`${BASE_URL}/konsol/lokasi/baru`);
    await tablet.getByTestId('location-form').waitFor();
    assert.deepEqual(await violations(tablet), []);
    await screenshot(tablet, 'console-location-tablet', { fullPage: true });

    const zoomed = await openPage(browser(), { width: 683, height: 425 });
    await signIn(zoomed);
    assert.ok(await noHorizontalScroll(zoomed) <= 0);
    for (const button of await zoomed.locator('[data-testid=console] button').all()) {
      if (!(await button.isVisible())) continue;
      const box = await button.boundingBox();
      assert.ok(box.height >= 44, `${await button.innerText()}: ${box.height}px`);
    }
    await zoomed.getByTestId('staff-sign-out').click();
    await zoomed.getByTestId('staff-sign-in').waitFor();
    const after = await zoomed.evaluate(async () => (await fetch('/api/v1/staff/session')).status);
    assert.equal(after, 401);
    assert.deepEqual(tablet.errors, []);
    assert.deepEqual(zoomed.errors, []);
  });
});
