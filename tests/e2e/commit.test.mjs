// "Beri Bantuan": committing packages to a place, tracking the commitment,
// and what happens when the need was taken meanwhile, an answer is lost,
// or the donor cancels with the manage link.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  BASE_URL, DESKTOP, DONOR, PHONE, api, apiSend, commitViaApi, confirmByMail, countIn, fillDetails, line,
  sharedBrowser, openPage, screenshot, stepHeading,
} from './support.mjs';

const browser = sharedBrowser();

const CODE = /^[0-9A-Z]{4}-[0-9A-Z]{4}$/;
const TRACKING_URL = /\/kolaborasi\/[0-9A-Z]{4}-[0-9A-Z]{4}$/;

/// "Rp1.250.000", as the Indonesian interface writes amounts.
function rupiah(n) {
  return `Rp${String(n).replace(/\B(?=(\d{3})+(?!\d))/g, '.')}`;
}

/// Active places whose whole need is still open, each with its detail.
/// Every test takes a place of its own, so no two tests share a need.
let candidates;
const taken = new Set();
async function place(accept = () => true) {
  if (!candidates) {
    const { locations } = await api('/locations');
    const open = locations.filter((l) => l.remaining_percent === 100).sort((a, b) => a.id - b.id);
    candidates = [];
    for (const summary of open.slice(0, 80)) {
      const detail = await api(`/locations/${summary.id}`);
      if (detail.active && detail.needs.some((n) => n.remaining > 0)) candidates.push({ summary, detail });
    }
  }
  const found = candidates.find((c) => !taken.has(c.detail.id) && accept(c.detail));
  assert.ok(found, 'an open place in the demo data');
  taken.add(found.detail.id);
  return found;
}

/// Waits until an element's digits read `n` ("1.855" → 1855).
async function waitForNumber(locator, n) {
  await locator.filter({ hasText: /\d/ }).first().waitFor();
  for (let i = 0; i < 50 && countIn(await locator.innerText()) !== n; i += 1) {
    await new Promise((r) => { setTimeout(r, 100); });
  }
  assert.equal(countIn(await locator.innerText()), n);
}

let packages;
async function catalogue() {
  if (!packages) {
    const { programs } = await api('/programs');
    packages = new Map(programs.flatMap((p) => p.packages.map((k) => [k.id, { ...k, program: p }])));
  }
  return packages;
}

async function need(locationId, packageId) {
  const detail = await api(`/locations/${locationId}`);
  return detail.needs.find((n) => n.package_id === packageId);
}

describe('committing packages ("Beri Bantuan")', () => {
  test('on a phone: map → place → quantities → details → review → tracking page, and the need drops by exactly that', async () => {
    const { summary, detail } = await place((d) => d.needs.some((n) => n.remaining >= 3));
    const packagesById = await catalogue();
    const [first, second] = detail.needs.filter((n) => n.remaining >= 3);
    const page = await openPage(browser(), PHONE);

    // The map's list view (its accessible equivalent), narrowed to the place's area.
    await page.goto(`${BASE_URL}/?category=${summary.category}&area=${summary.area}&view=list`);
    await page.getByTestId('location-list').getByRole('link', { name: summary.name, exact: true }).first().click();
    await page.waitForURL(`${BASE_URL}/lokasi/${summary.id}`);
    const needs = page.getByTestId('needs');
    const row = needs.locator(`[data-testid=need-row][data-package-id="${first.package_id}"]`);
    await row.waitFor();
    await waitForNumber(row.getByTestId('need-remaining'), first.remaining);
    assert.match(await row.innerText(), new RegExp(packagesById.get(first.package_id).name.id));
    await needs.scrollIntoViewIfNeeded();
    await screenshot(page, 'phone-location-needs');

    await page.getByTestId('give-help').click();
    await page.waitForURL(`${BASE_URL}/lokasi/${summary.id}/bantu`);
    await stepHeading(page, 1);
    await screenshot(page, 'phone-commit-step1');

    // The stepper: + twice, − once, + once = 2; a second package typed in.
    const name = packagesById.get(first.package_id).name.id;
    const plus = line(page, first.package_id).getByRole('button', { name: `Tambah ${name}` });
    const minus = line(page, first.package_id).getByRole('button', { name: `Kurangi ${name}` });
    await plus.click();
    await plus.click();
    await minus.click();
    await plus.click();
    assert.equal(await line(page, first.package_id).locator('input').inputValue(), '2');
    const chosen = [{ package_id: first.package_id, quantity: 2 }];
    if (second) {
      await line(page, second.package_id).locator('input').fill('1');
      chosen.push({ package_id: second.package_id, quantity: 1 });
    }
    const total = chosen.reduce((s, c) => s + c.quantity * packagesById.get(c.package_id).unit_value, 0);
    await page.getByTestId('running-total').filter({ hasText: rupiah(total) }).waitFor();

    await page.getByTestId('next').click();
    await stepHeading(page, 2);
    assert.equal(await page.evaluate(() => document.activeElement?.id), 'commit-step-heading');
    const planned = await fillDetails(page, DONOR, { showName: true });
    await screenshot(page, 'phone-commit-step2');
    await page.getByTestId('next').click();
    await stepHeading(page, 3);
    assert.equal(await page.getByTestId('review-total').innerText(), rupiah(total));
    assert.equal(await page.getByTestId('review-line').count(), chosen.length);
    await screenshot(page, 'phone-commit-step3');

    await page.getByTestId('submit').click();
    // The fragment with the manage token is taken out of the address bar.
    await page.waitForURL(TRACKING_URL);
    const code = await page.getByTestId('tracking-code').innerText();
    assert.match(code, CODE);
    assert.equal(await page.getByTestId('tracking-status').innerText(), 'Menunggu konfirmasi', 'a guest has not confirmed the e-mail yet');
    // A guest's name is public once the e-mail is confirmed (holds.test.mjs).
    assert.match(await page.getByTestId('tracking-collaborator').innerText(), /^Anonim/);
    await page.getByTestId('tracking-total').filter({ hasText: rupiah(total) }).waitFor();
    await page.getByTestId('manage-panel').waitFor();
    // Thanks and what happens next, in order, before any form; cancelling
    // is there but quiet.
    const next = page.getByTestId('next-steps');
    await next.waitFor();
    const steps = await next.locator('li').allInnerTexts();
    assert.equal(steps.length, 4, steps.join(' | '));
    assert.match(steps[0], /mengonfirmasi kontak/);
    assert.ok(steps[1].includes(summary.name), steps[1]);
    assert.equal(await page.getByTestId('delivery-form').isVisible(), false);
    assert.doesNotMatch(await page.getByTestId('cancel').getAttribute('class'), /danger/);
    await screenshot(page, 'phone-tracking');

    const view = await api(`/commitments/${code}`);
    assert.equal(view.status, 'committed');
    assert.equal(view.planned_date, planned);
    assert.equal(view.collaborator_name, null, 'no public name before the e-mail is confirmed');
    assert.equal((await confirmByMail(code)).collaborator_name, DONOR.name);
    assert.deepEqual(
      view.lines.map((l) => [l.package_id, l.quantity]).sort(),
      chosen.map((c) => [c.package_id, c.quantity]).sort(),
    );

    // A guest finds it again under "Kolaborasi saya": this device keeps its manage link.
    await page.goto(`${BASE_URL}/saya`);
    const mine = page.locator(`[data-testid=on-device-item][data-code="${code}"]`);
    await mine.waitFor();
    assert.match(await mine.innerText(), new RegExp(summary.name));
    assert.match(await mine.locator('a').getAttribute('href'), new RegExp(`^/kolaborasi/${code}#kelola=`));
    await screenshot(page, 'phone-mine-on-device');
    await page.goto(`${BASE_URL}/kolaborasi/${code}`);

    // Back on the place's page the need dropped by exactly what was committed.
    await page.getByTestId('tracking').getByRole('link', { name: summary.name }).click();
    await page.waitForURL(`${BASE_URL}/lokasi/${summary.id}`);
    for (const c of chosen) {
      const before = detail.needs.find((n) => n.package_id === c.package_id);
      const after = await need(summary.id, c.package_id);
      assert.equal(after.remaining, before.remaining - c.quantity);
      assert.equal(after.committed, before.committed + c.quantity);
      const shown = page.locator(`[data-testid=need-row][data-package-id="${c.package_id}"] [data-testid=need-remaining]`);
      await waitForNumber(shown, before.remaining - c.quantity);
    }
    assert.deepEqual(page.errors, []);
  });

  // Money: what a donor types is what they promise, or they are told why not.
  for (const lang of ['id', 'en']) {
    test(`quantities (${lang}): "2.5", "2,5", "-3" and more than remains are refused with a message, never turned into another number`, async () => {
      const { detail } = await place((d) => d.needs.some((n) => n.remaining >= 3 && n.remaining < 999999));
      const need = detail.needs.find((n) => n.remaining >= 3);
      const page = await openPage(browser(), PHONE);
      await page.addInitScript((l) => { localStorage.setItem('kolaborasi.lang', l); }, lang);
      await page.goto(`${BASE_URL}/lokasi/${detail.id}/bantu`);
      const box = line(page, need.package_id).locator('input');
      await box.waitFor();
      const error = line(page, need.package_id).locator('.field-error');
      const step1 = lang === 'id' ? 'Langkah 1 dari 3' : 'Step 1 of 3';
      const step2 = lang === 'id' ? 'Langkah 2 dari 3' : 'Step 2 of 3';
      const expected = {
        id: { whole: /bilangan bulat/, negative: /negatif/, tooMany: /paling banyak/ },
        en: { whole: /whole number/, negative: /negative/, tooMany: /at most/i },
      }[lang];
      const cases = [
        ['2.5', expected.whole], ['2,5', expected.whole], ['1.5', expected.whole],
        ['-3', expected.negative], ['999999', expected.tooMany],
      ];
      for (const [typed, message] of cases) {
        await box.fill('');
        // Key by key, as a donor types on a phone.
        await box.pressSequentially(typed);
        await box.blur();
        assert.equal(await box.inputValue(), typed, `"${typed}" stays as typed`);
        await error.filter({ hasText: message }).waitFor();
        assert.equal(await box.getAttribute('aria-invalid'), 'true');
        // Nothing is counted, and the form does not go on.
        await waitForNumber(page.getByTestId('running-total'), 0);
        await page.getByTestId('next').click();
        await page.getByTestId('step-heading').filter({ hasText: step1 }).waitFor();
        // Focus goes to the box in error (moved there just after the click).
        await page.waitForFunction((id) => document.activeElement?.closest('[data-package-id]')
          ?.getAttribute('data-package-id') === id, String(need.package_id));
      }
      await line(page, need.package_id).scrollIntoViewIfNeeded();
      await screenshot(page, `phone-commit-quantity-refused-${lang}`);

      // A whole number within what remains is taken as it is, and committed as it is.
      await box.fill('');
      await box.pressSequentially('2');
      await box.blur();
      assert.equal(await error.count(), 0);
      const unitValue = (await catalogue()).get(need.package_id).unit_value;
      await waitForNumber(page.getByTestId('running-total'), 2 * unitValue);
      await page.getByTestId('next').click();
      await page.getByTestId('step-heading').filter({ hasText: step2 }).waitFor();
      if (lang === 'id') {
        await fillDetails(page);
        await page.getByTestId('next').click();
        await stepHeading(page, 3);
        await page.getByTestId('submit').click();
        await page.waitForURL(TRACKING_URL);
        const code = await page.getByTestId('tracking-code').innerText();
        const view = await api(`/commitments/${code}`);
        assert.deepEqual(view.lines.map((l) => [l.package_id, l.quantity]), [[need.package_id, 2]]);
      }
      assert.deepEqual(page.errors, []);
    });
  }

  test('an invalid phone number is explained next to the field and nothing typed is lost, even on reload', async () => {
    const { detail } = await place();
    const open = detail.needs.find((n) => n.remaining > 0);
    const page = await openPage(browser(), PHONE);
    await page.goto(`${BASE_URL}/lokasi/${detail.id}/bantu`);
    await stepHeading(page, 1);
    // "Next" with nothing chosen says so and stays.
    await page.getByTestId('next').click();
    await page.locator('#f-lines-error').waitFor();
    await stepHeading(page, 1);
    await line(page, open.package_id).locator('input').fill('1');
    await page.getByTestId('next').click();
    await stepHeading(page, 2);
    await fillDetails(page, { ...DONOR, phone: '12345' });
    await page.getByTestId('next').click();

    const phone = page.locator('#f-collaborator-phone');
    const error = page.locator('#f-collaborator-phone-error');
    await error.waitFor();
    assert.match(await error.innerText(), /Nomor telepon Indonesia tidak valid/);
    assert.equal(await phone.getAttribute('aria-invalid'), 'true');
    assert.match(await phone.getAttribute('aria-describedby'), /f-collaborator-phone-error/);
    assert.equal(await page.evaluate(() => document.activeElement?.id), 'f-collaborator-phone');
    assert.match(await page.getByTestId('commit-alert').innerText(), /1 isian/);
    await stepHeading(page, 2);
    await screenshot(page, 'phone-commit-step2-invalid-phone');
    assert.equal(await page.locator('#f-collaborator-name').inputValue(), DONOR.name);
    assert.equal(await page.locator('#f-collaborator-email').inputValue(), DONOR.email);
    assert.equal(await phone.inputValue(), '12345');
    // The name box stops at the 120 characters the server takes, before
    // any error (typed, not pasted: the browser's limit is what is checked).
    const name = page.locator('#f-collaborator-name');
    await name.fill('');
    await name.pressSequentially('N'.repeat(125));
    assert.equal((await name.inputValue()).length, 120);
    assert.equal(await page.locator('#f-collaborator-name-error').count(), 0);
    await name.fill(DONOR.name);

    // A reload keeps the step, the quantities and every field.
    await page.reload();
    await stepHeading(page, 2);
    assert.equal(await page.locator('#f-collaborator-name').inputValue(), DONOR.name);
    assert.equal(await page.locator('#f-collaborator-phone').inputValue(), '12345');
    assert.equal(await page.locator('label.choice', { hasText: DONOR.kind }).locator('input').isChecked(), true);
    await page.getByRole('button', { name: 'Kembali', exact: true }).click();
    await stepHeading(page, 1);
    assert.equal(await line(page, open.package_id).locator('input').inputValue(), '1');

    // Fixing the number clears the message while typing.
    await page.getByTestId('next').click();
    await stepHeading(page, 2);
    await page.getByTestId('next').click();
    await error.waitFor();
    await phone.fill('+62 812 3456 789');
    await error.waitFor({ state: 'detached' });
    await page.getByTestId('next').click();
    await stepHeading(page, 3);
    assert.deepEqual(page.errors, []);
  });

  test('when someone else takes the need meanwhile, the 409 lowers the quantity, says so, and the rest is kept', async () => {
    const small = (n) => n.remaining >= 2 && n.remaining < 1000;
    const { detail } = await place((d) => d.needs.some(small));
    const target = detail.needs.find(small);
    const name = (await catalogue()).get(target.package_id).name.id;
    const page = await openPage(browser(), PHONE);
    await page.goto(`${BASE_URL}/lokasi/${detail.id}/bantu`);
    await stepHeading(page, 1);
    // More than remains is refused with what remains, not silently lowered.
    const box = line(page, target.package_id).locator('input');
    await box.fill(String(target.remaining + 5));
    assert.equal(await box.inputValue(), String(target.remaining + 5));
    await line(page, target.package_id).locator('.field-error')
      .filter({ hasText: `paling banyak ${target.remaining}` }).waitFor();
    await box.fill(String(target.remaining));
    await page.getByTestId('next').click();
    const planned = await fillDetails(page);
    await page.getByTestId('next').click();
    await stepHeading(page, 3);

    // Another collaborator reserves all but one meanwhile.
    const other = await commitViaApi(detail.id, [{ package_id: target.package_id, quantity: target.remaining - 1 }], planned);
    await page.getByTestId('submit').click();

    const alert = page.getByTestId('commit-alert');
    await alert.waitFor();
    await stepHeading(page, 1);
    const text = await alert.innerText();
    assert.match(text, /kolaborator lain/);
    assert.match(text, new RegExp(`${name}: ${target.remaining} → 1`));
    assert.equal(await line(page, target.package_id).locator('input').inputValue(), '1');
    assert.match(await line(page, target.package_id).getByTestId('package-remaining').innerText(), /: 1 /);
    await screenshot(page, 'phone-commit-409');

    // The details are still there; the lowered commitment goes through.
    await page.getByTestId('next').click();
    await stepHeading(page, 2);
    assert.equal(await page.locator('#f-collaborator-email').inputValue(), DONOR.email);
    await page.getByTestId('next').click();
    await stepHeading(page, 3);
    await page.getByTestId('submit').click();
    await page.waitForURL(TRACKING_URL);
    assert.equal((await need(detail.id, target.package_id)).remaining, 0);

    // Leave the place as it was for other tests.
    const code = await page.getByTestId('tracking-code').innerText();
    await page.getByTestId('cancel').click();
    await page.getByTestId('cancel-confirm').click();
    await page.locator('[data-testid=tracking-status][data-status=cancelled]').waitFor();
    for (const receipt of other.all) {
      const cancelled = await apiSend('POST', `/commitments/${receipt.commitment.code}/cancel`, { token: receipt.manage_token });
      assert.equal(cancelled.status, 200);
    }
    assert.equal((await need(detail.id, target.package_id)).remaining, target.remaining);
    assert.match(code, CODE);
    assert.deepEqual(page.errors, []);
  });

  test("the server's 400 puts each message next to its field, on the step that holds it", async () => {
    const { detail } = await place();
    const open = detail.needs.find((n) => n.remaining > 0);
    const page = await openPage(browser(), PHONE);
    // What the browser checks can still be refused by the server (the rules
    // that count): here the e-mail is spoiled on its way out.
    let spoil = true;
    await page.route('**/api/v1/commitments', async (route) => {
      if (route.request().method() !== 'POST' || !spoil) return route.continue();
      spoil = false;
      const body = JSON.parse(route.request().postData());
      body.collaborator.email = 'bukan-email';
      return route.continue({ postData: JSON.stringify(body) });
    });
    await page.goto(`${BASE_URL}/lokasi/${detail.id}/bantu`);
    await line(page, open.package_id).locator('input').fill('1');
    await page.getByTestId('next').click();
    await fillDetails(page);
    await page.getByTestId('next').click();
    await stepHeading(page, 3);
    await page.getByTestId('submit').click();

    await stepHeading(page, 2);
    const error = page.locator('#f-collaborator-email-error');
    await error.waitFor();
    assert.match(await error.innerText(), /email/i);
    assert.equal(await page.evaluate(() => document.activeElement?.id), 'f-collaborator-email');
    assert.equal(await page.locator('#f-collaborator-email').inputValue(), DONOR.email);
    // Sent again (the spoiling was ours), as a new request, it goes through.
    await page.getByTestId('next').click();
    await stepHeading(page, 3);
    await page.getByTestId('submit').click();
    await page.waitForURL(TRACKING_URL);
    assert.deepEqual(page.errors, []);
  });

  test('an answer lost on the way is sent again from the queue with the same Idempotency-Key and commits only once', async () => {
    const { detail } = await place();
    const open = detail.needs.find((n) => n.remaining > 0);
    const page = await openPage(browser(), PHONE);
    const keys = [];
    let lose = true;
    await page.route('**/api/v1/commitments', async (route) => {
      if (route.request().method() !== 'POST') return route.continue();
      keys.push(route.request().headers()['idempotency-key']);
      if (lose) {
        // The server commits, but its answer never arrives.
        lose = false;
        await route.fetch();
        return route.abort('connectionfailed');
      }
      return route.continue();
    });
    await page.goto(`${BASE_URL}/lokasi/${detail.id}/bantu`);
    await stepHeading(page, 1);
    await line(page, open.package_id).locator('input').fill('1');
    await page.getByTestId('next').click();
    await fillDetails(page);
    await page.getByTestId('next').click();
    await page.getByTestId('submit').click();

    // No answer: the commitment waits in the device's queue with its key
    // and is sent again by itself; the server answers with the first result.
    await page.waitForURL(`${BASE_URL}/antrean`);
    await page.locator('[data-testid=outbox-item][data-state=sent]').waitFor({ timeout: 30_000 });
    await page.getByTestId('outbox-open').click();
    await page.waitForURL(TRACKING_URL);
    assert.equal(keys.length, 2);
    assert.ok(keys[0] && keys[0].length >= 8);
    assert.equal(keys[1], keys[0]);
    assert.equal((await need(detail.id, open.package_id)).remaining, open.remaining - 1);
    assert.deepEqual(page.errors, []);
  });

  test('on a desktop, the manage link opened on another device shows the private panel and cancelling returns the quantities', async () => {
    const { detail } = await place();
    const open = detail.needs.find((n) => n.remaining > 0);
    const page = await openPage(browser(), DESKTOP);
    await page.goto(`${BASE_URL}/lokasi/${detail.id}`);
    await page.getByTestId('needs').scrollIntoViewIfNeeded();
    await screenshot(page, 'desktop-location-needs');
    await page.getByTestId('give-help').click();
    await stepHeading(page, 1);
    await line(page, open.package_id).getByRole('button', { name: /^Tambah / }).click();
    await screenshot(page, 'desktop-commit-step1');
    await page.getByTestId('next').click();
    await fillDetails(page);
    await screenshot(page, 'desktop-commit-step2');
    await page.getByTestId('next').click();
    await stepHeading(page, 3);
    await screenshot(page, 'desktop-commit-step3');
    await page.getByTestId('submit').click();
    await page.waitForURL(TRACKING_URL);
    await page.getByTestId('manage-panel').waitFor();
    await screenshot(page, 'desktop-tracking');
    const code = await page.getByTestId('tracking-code').innerText();
    const link = await page.getByTestId('manage-link').inputValue();
    assert.match(link, new RegExp(`/kolaborasi/${code}#kelola=.+`));
    assert.equal((await need(detail.id, open.package_id)).remaining, open.remaining - 1);

    // Someone with only the code sees the public page: no panel, no contact data.
    const stranger = await openPage(browser(), PHONE);
    await stranger.goto(`${BASE_URL}/kolaborasi/${code.toLowerCase().replace('-', '')}`);
    await stranger.waitForURL(`${BASE_URL}/kolaborasi/${code}`);
    await stranger.getByTestId('tracking-status').waitFor();
    await stranger.waitForLoadState('networkidle');
    assert.equal(await stranger.getByTestId('manage-panel').count(), 0);
    assert.doesNotMatch(await stranger.locator('main').innerText(), new RegExp(DONOR.email));
    assert.equal(await stranger.getByTestId('tracking-collaborator').innerText(), 'Anonim (Perusahaan)');

    // The donor's other device, with the manage link.
    const device = await openPage(browser(), PHONE);
    await device.goto(link);
    await device.waitForURL(`${BASE_URL}/kolaborasi/${code}`);
    await device.getByTestId('manage-panel').waitFor();
    assert.equal(await device.getByTestId('contact-email').innerText(), DONOR.email);
    // While open, the link comes with its warning: whoever holds it can cancel.
    assert.match(await device.locator('#manage-link-hint').innerText(), /membatalkan/);
    await device.getByTestId('cancel').click();
    // A confirmation step first; focus moves to it.
    await device.getByTestId('cancel-confirm').waitFor();
    // Focus moves on the next animation frame, after the step is drawn.
    await device.waitForFunction(() => document.activeElement?.id === 'cancel-confirm', null, { timeout: 5_000 })
      .catch(() => {});
    assert.equal(await device.evaluate(() => document.activeElement?.id), 'cancel-confirm');
    await screenshot(device, 'phone-tracking-cancel-confirm');
    await device.getByTestId('cancel-confirm').click();
    await device.locator('[data-testid=tracking-status][data-status=cancelled]').waitFor();
    assert.equal(await device.getByTestId('tracking-status').innerText(), 'Dibatalkan');
    assert.equal((await api(`/commitments/${code}`)).status, 'cancelled');
    assert.equal((await need(detail.id, open.package_id)).remaining, open.remaining);
    // The device remembers the token: a later visit by code alone still manages it.
    await device.goto(`${BASE_URL}/kolaborasi/${code}`);
    await device.getByTestId('manage-panel').waitFor();
    assert.equal(await device.getByTestId('cancel').count(), 0);
    // Cancelled: nothing is left to warn about.
    assert.equal(await device.locator('#manage-link-hint').innerText(), '');
    for (const p of [page, stranger, device]) assert.deepEqual(p.errors, []);
  });

  test('a code can be looked up, forgiving case and dashes; an unknown code says so', async () => {
    const page = await openPage(browser(), PHONE);
    await page.goto(`${BASE_URL}/kolaborasi`);
    const input = page.getByLabel('Kode kolaborasi');
    await input.fill('abc');
    await page.getByRole('button', { name: 'Lacak', exact: true }).click();
    await page.locator('#track-code-error').waitFor();
    assert.equal(await input.getAttribute('aria-invalid'), 'true');
    await input.fill('zzzz zzzz');
    await page.getByRole('button', { name: 'Lacak', exact: true }).click();
    await page.waitForURL(`${BASE_URL}/kolaborasi/ZZZZ-ZZZZ`);
    await page.locator('h1', { hasText: 'Kolaborasi tidak ditemukan' }).waitFor();
    // The code is shown back and kept in the box, to be corrected.
    assert.equal(await page.getByTestId('looked-up').innerText(), 'Kode yang Anda cari: ZZZZ-ZZZZ');
    assert.equal(await page.getByLabel('Kode kolaborasi').inputValue(), 'ZZZZ-ZZZZ');
    // The address the navigation names leads here too, with or without a
    // code (here answered by the service worker, which serves the app).
    await page.goto(`${BASE_URL}/lacak`);
    await page.waitForURL(`${BASE_URL}/kolaborasi`);
    await page.locator('h1', { hasText: 'Lacak kolaborasi' }).waitFor();
    await page.goto(`${BASE_URL}/lacak/zzzzzzzz`);
    await page.waitForURL(`${BASE_URL}/kolaborasi/ZZZZ-ZZZZ`);
    await page.locator('h1', { hasText: 'Kolaborasi tidak ditemukan' }).waitFor();
    assert.deepEqual(page.errors, []);
  });
});
