// Confirmed contacts and bounded holds, as a donor meets them: one
// commitment without a confirmed e-mail takes at most a share of what a
// place still needs (the form says so at the quantity box), it is shown as
// awaiting confirmation, and the link in the e-mail confirms it.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  BASE_URL, DESKTOP, PHONE, api, apiSend, fillToReview, mailAbout, sharedBrowser, openPage, screenshot, violations,
} from './support.mjs';

const browser = sharedBrowser();

/// An active place (from the highest ids, past other tests' places) with a
/// package of which at least `min` are still needed.
async function placeWith(min, skip) {
  const { locations } = await api('/locations');
  const open = locations.filter((l) => l.remaining_percent === 100).sort((a, b) => b.id - a.id);
  for (const summary of open.slice(skip)) {
    const detail = await api(`/locations/${summary.id}`);
    const need = detail.needs.find((n) => n.remaining >= min);
    if (detail.active && need) return { detail, need };
  }
  throw new Error('no open place in the demo data');
}

describe('a donor without a confirmed e-mail', () => {
  test('asking for a whole need is refused at the quantity box with the most allowed', async () => {
    const { detail, need } = await placeWith(4, 30);
    const { unconfirmed_share_percent: share } = await api('/config');
    const cap = Math.max(1, Math.floor((need.remaining * share) / 100));
    const page = await openPage(browser(), PHONE);
    await page.goto(`${BASE_URL}/lokasi/${detail.id}/bantu`);
    await fillToReview(page, need.package_id, need.remaining);
    await page.getByTestId('submit').click();
    const message = page.getByText(`satu komitmen paling banyak ${cap} dari yang masih dibutuhkan`).first();
    await message.waitFor();
    await screenshot(page, 'phone-commit-unconfirmed-share');
    const after = await api(`/locations/${detail.id}`);
    assert.equal(after.needs.find((n) => n.package_id === need.package_id).remaining, need.remaining, 'nothing was taken');
    assert.deepEqual(page.errors, []);
    await page.context().close();
  });

  test('sees the commitment awaiting confirmation, and the e-mailed link confirms it once', async () => {
    const { detail, need } = await placeWith(2, 45);
    const date = new Date(Date.now() + 2 * 86_400_000).toISOString().slice(0, 10);
    const res = await apiSend('POST', '/commitments', {
      location_id: detail.id,
      lines: [{ package_id: need.package_id, quantity: 1 }],
      planned_date: date,
      collaborator: { name: 'Ibu Konfirmasi', kind: 'individual', email: 'konfirmasi@contoh.or.id', phone: '081234567890', show_name: true },
    }, { 'Idempotency-Key': `e2e-hold-${Date.now()}` });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    const { code } = res.body.commitment;

    const page = await openPage(browser(), PHONE);
    await page.goto(`${BASE_URL}/kolaborasi/${code}`);
    await page.getByText('Menunggu konfirmasi e-mail').first().waitFor();
    // No public name before the address is confirmed.
    assert.equal(await page.getByTestId('tracking-collaborator').innerText(), 'Anonim (Perorangan)');
    await screenshot(page, 'phone-tracking-awaiting-confirmation');

    const mail = await mailAbout(code);
    assert.match(mail, new RegExp(`/kolaborasi/${code}#kelola=[0-9a-f]{32}`), 'the manage link');
    const link = mail.match(new RegExp(`\\S+/konfirmasi/${code}#t=[0-9a-f]{32}`))?.[0];
    assert.ok(link, `no confirmation link in:\n${mail}`);
    const path = link.slice(link.indexOf('/konfirmasi/'));

    for (const [viewport, name] of [[PHONE, 'phone'], [DESKTOP, 'desktop']]) {
      const confirmPage = name === 'phone' ? page : await openPage(browser(), viewport);
      await confirmPage.goto(`${BASE_URL}${path}`);
      const button = confirmPage.getByTestId('confirm-button');
      await button.waitFor();
      // The token leaves the address bar.
      await confirmPage.waitForFunction(() => window.location.hash === '');
      assert.deepEqual(await violations(confirmPage), []);
      await screenshot(confirmPage, `${name}-confirm-contact`);
      await button.click();
      if (name === 'phone') {
        await confirmPage.getByTestId('confirm-done').waitFor();
        await screenshot(confirmPage, 'phone-confirm-contact-done');
      } else {
        // Once only.
        const error = confirmPage.getByTestId('confirm-error');
        await error.waitFor();
        assert.match(await error.innerText(), /sudah dikonfirmasi/);
        await confirmPage.context().close();
      }
    }
    const view = await api(`/commitments/${code}`);
    assert.ok(view.confirmed_at, 'confirmed');
    await page.goto(`${BASE_URL}/kolaborasi/${code}`);
    await page.getByText('Paket dicadangkan sampai').first().waitFor();
    assert.equal(await page.getByTestId('tracking-collaborator').innerText(), 'Ibu Konfirmasi (Perorangan)');
    assert.deepEqual(page.errors, []);
    await page.context().close();
  });
});
