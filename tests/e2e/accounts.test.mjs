// Optional accounts: register, the header, a commitment filled in from the
// account and listed under "Kolaborasi saya", signing out and in again.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { BASE_URL, PHONE, api, mailAbout, sharedBrowser, openMenu, openPage, screenshot } from './support.mjs';

const browser = sharedBrowser();

describe('accounts', () => {
  test('a registered collaborator commits with the form filled in, finds it under "Kolaborasi saya", signs out and in', async () => {
    const stamp = Date.now();
    const me = {
      name: `Yayasan Uji ${stamp}`,
      email: `uji-${stamp}@yayasan.or.id`,
      phone: '0813-1111-2222',
      password: 'kata sandi yang panjang',
    };
    const page = await openPage(browser(), PHONE);
    await page.goto(`${BASE_URL}/daftar`);
    await page.locator('#f-name').fill(me.name);
    await page.locator('label.choice', { hasText: 'Organisasi' }).click();
    await page.locator('#f-email').fill(me.email);
    await page.locator('#f-phone').fill(me.phone);
    // Too short a password is explained before anything is sent.
    await page.locator('#f-password').fill('pendek');
    await page.locator('form button[type=submit]').click();
    await page.locator('#f-password-error').filter({ hasText: 'minimal 10 karakter' }).waitFor();
    await page.locator('#f-password').fill(me.password);
    await page.locator('form button[type=submit]').click();
    // The same answer whether or not the address has an account: the e-mail
    // carries the activation link, which signs in.
    await page.getByTestId('register-sent').filter({ hasText: me.email }).waitFor();
    await screenshot(page, 'phone-register-sent');
    const mail = await mailAbout(me.email);
    const link = mail.match(/\S+\/daftar\/konfirmasi#t=\S+/)?.[0];
    assert.ok(link, `no activation link in:\n${mail}`);
    await page.goto(`${BASE_URL}${link.slice(link.indexOf('/daftar/konfirmasi'))}`);
    await page.waitForFunction(() => window.location.hash === '');
    await page.getByTestId('activate-button').click();
    await page.waitForURL(`${BASE_URL}/saya`);
    await page.getByText('Belum ada kolaborasi.').waitFor();
    await openMenu(page);
    await page.getByTestId('account-link').filter({ hasText: me.name }).waitFor();

    // A place with an open need; the form is filled in from the account.
    const { locations } = await api('/locations');
    const place = locations.filter((l) => l.remaining_percent === 100).sort((a, b) => b.id - a.id)[0];
    const detail = await api(`/locations/${place.id}`);
    const open = detail.needs.find((n) => n.remaining > 0);
    await page.goto(`${BASE_URL}/lokasi/${place.id}/bantu`);
    await page.locator(`[data-testid=package-line][data-package-id="${open.package_id}"] input`).fill('1');
    await page.getByTestId('next').click();
    await page.getByTestId('signed-in-note').waitFor();
    assert.equal(await page.locator('#f-collaborator-name').inputValue(), me.name);
    assert.equal(await page.locator('#f-collaborator-email').inputValue(), me.email);
    // The account keeps the number as the server normalised it.
    assert.equal(await page.locator('#f-collaborator-phone').inputValue(), '+6281311112222');
    assert.equal(await page.locator('label.choice', { hasText: 'Organisasi' }).locator('input').isChecked(), true);
    const date = page.locator('#f-planned_date');
    // Two days ahead: inside the window whichever time zone the server counts in.
    const min = new Date(`${await date.getAttribute('min')}T12:00:00Z`);
    min.setUTCDate(min.getUTCDate() + 2);
    await date.fill(min.toISOString().slice(0, 10));
    await page.getByTestId('next').click();
    await page.getByTestId('submit').click();
    await page.waitForURL(/\/kolaborasi\/[0-9A-Z]{4}-[0-9A-Z]{4}$/);
    const code = await page.getByTestId('tracking-code').innerText();

    await openMenu(page);
    await page.getByTestId('account-link').click();
    await page.waitForURL(`${BASE_URL}/saya`);
    await page.getByTestId('my-commitment').filter({ hasText: code }).waitFor();
    await screenshot(page, 'phone-my-commitments');

    // Signing out: the header offers "Masuk" again and the list is gone.
    await openMenu(page);
    await page.getByTestId('sign-out').click();
    await page.getByTestId('sign-in-link').waitFor({ state: 'attached' });
    await page.goto(`${BASE_URL}/saya`);
    await page.getByText('Masuk untuk melihat kolaborasi').waitFor();

    // A wrong password: the server's 401 message, as it said it.
    await page.goto(`${BASE_URL}/masuk`);
    await page.locator('#f-email').fill(me.email);
    await page.locator('#f-password').fill('salah sekali kata sandinya');
    await page.locator('form button[type=submit]').click();
    await page.getByTestId('form-alert').filter({ hasText: 'Email atau kata sandi salah.' }).waitFor();
    assert.equal(await page.locator('#f-email').inputValue(), me.email);
    await page.locator('#f-password').fill(me.password);
    await page.locator('form button[type=submit]').click();
    await page.waitForURL(`${BASE_URL}/saya`);
    await page.getByTestId('my-commitment').filter({ hasText: code }).waitFor();

    // The owner manages the commitment without the link: cancel it again.
    await page.getByTestId('my-commitment').filter({ hasText: code }).getByRole('link', { name: code }).click();
    await page.getByTestId('manage-panel').waitFor();
    await page.getByTestId('cancel').click();
    await page.getByTestId('cancel-confirm').click();
    await page.locator('[data-testid=tracking-status][data-status=cancelled]').waitFor();
    assert.deepEqual(page.errors, []);
  });
});
