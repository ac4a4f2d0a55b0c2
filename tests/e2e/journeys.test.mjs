// Bugs found walking each user's journey (issue 17): the directory's pager,
// the kiosk's recent collaborations, and the console's queue tabs. The
// quantity bug's test lives with the commitment form (commit.test.mjs).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  BASE_URL, DESKTOP, PHONE, api, apiSend, commitOneUnit, confirmByMail, sharedBrowser, openMenu, openPage, screenshot, violations,
} from './support.mjs';

const browser = sharedBrowser();

/// A commitment of one unit at an open place, by a named (consenting)
/// collaborator of its own: `{ code, token }`.
async function named(name, email, skip = 0) {
  const receipt = await commitOneUnit({ name, email, fromEnd: true, skip, minPercent: 50 });
  await confirmByMail(receipt.commitment.code);
  return { code: receipt.commitment.code, token: receipt.manage_token };
}

describe('journeys: bugs', () => {
  test('on 360 and 412 px phones the header is one row in both languages; its menu opens, leads and closes', async () => {
    const rows = (page) => page.evaluate(() => {
      const tops = [...document.querySelectorAll('.site-header .bar > *')]
        .filter((e) => e.getBoundingClientRect().height > 0)
        .map((e) => Math.round(e.getBoundingClientRect().top));
      // Rows: tops more than 24 px apart (items of one row differ by a few).
      tops.sort((a, b) => a - b);
      return tops.filter((t, i) => i === 0 || t - tops[i - 1] > 24).length;
    });
    for (const width of [360, 412]) {
      const page = await openPage(browser(), { width, height: 800 });
      await page.goto(`${BASE_URL}/transparansi`);
      await page.locator('main h1').waitFor();
      for (const [lang, other] of [['id', 'English'], ['en', 'Indonesia']]) {
        await page.locator(`html[lang=${lang}]`).waitFor({ state: 'attached' });
        await page.locator('.lang-switch', { hasText: other }).waitFor();
        assert.equal(await rows(page), 1, `${width} px, ${lang}: the header takes ${await rows(page)} rows`);
        assert.equal(await page.evaluate(() => document.documentElement.scrollWidth), width);
        const bar = await page.locator('.site-header .bar').boundingBox();
        assert.ok(bar.height <= 64, `${width} px, ${lang}: the bar is ${bar.height} px tall`);
        // Everything the navigation offers is one tap away, 44 px tall.
        const toggle = page.getByTestId('menu-toggle');
        assert.equal(await toggle.getAttribute('aria-expanded'), 'false');
        assert.equal(await page.locator('.main-nav a').first().isVisible(), false);
        await openMenu(page);
        assert.equal(await toggle.getAttribute('aria-expanded'), 'true');
        await page.getByTestId('sign-in-link').waitFor();
        const links = await page.locator('#site-menu a').evaluateAll((els) => els
          .filter((e) => e.offsetParent !== null)
          .map((e) => [e.getAttribute('href'), Math.round(e.getBoundingClientRect().height)]));
        assert.deepEqual(links.map(([href]) => href),
          ['/', '/dekat', '/kolaborasi', '/transparansi', '/tentang', '/masuk'], `${width} px, ${lang}`);
        assert.ok(links.every(([, h]) => h >= 44), JSON.stringify(links));
        await screenshot(page, `phone-${width}-menu-${lang}`);
        assert.deepEqual(await violations(page), [], `${width} px, ${lang}, menu open`);
        // Escape closes it and gives the focus back to the toggle.
        await page.keyboard.press('Escape');
        await page.locator('#site-menu.open').waitFor({ state: 'detached' });
        assert.equal(await page.evaluate(() => document.activeElement?.id), 'menu-toggle');
        await screenshot(page, `phone-${width}-header-${lang}`);
        if (lang === 'id') await page.locator('.lang-switch').click();
      }
      // A link in the menu leads there and closes the menu.
      await openMenu(page);
      await page.locator('#site-menu a[href="/dekat"]').click();
      await page.waitForURL(`${BASE_URL}/dekat`);
      assert.equal(await page.getByTestId('menu-toggle').getAttribute('aria-expanded'), 'false');
      assert.equal(await page.locator('#site-menu.open').count(), 0);
      assert.deepEqual(page.errors, []);
      await page.context().close();
    }
  });

  test('the directory pages: "Berikutnya" is a real button and shows the next named collaborators', async () => {
    // More named collaborators than one page (20) holds.
    const before = await api('/collaborators?page=1&per_page=20');
    for (let i = before.total; i < 25; i += 1) {
      await named(`Donatur Halaman ${String(i).padStart(2, '0')}`, `donatur${i}@halaman.example.id`, i % 7);
    }
    const page = await openPage(browser(), DESKTOP);
    await page.goto(`${BASE_URL}/transparansi`);
    await page.getByTestId('directory-row').first().waitFor();
    const pager = page.locator('nav.pager');
    const next = pager.getByRole('button', { name: 'Berikutnya', exact: true });
    assert.equal(await next.innerText(), 'Berikutnya');
    assert.equal(await next.isDisabled(), false);
    const first = await page.getByTestId('directory-row').allInnerTexts();
    assert.equal(first.length, 20);
    await next.click();
    await pager.filter({ hasText: /Halaman 2 dari \d+/ }).waitFor();
    await page.waitForFunction((names) => {
      const rows = [...document.querySelectorAll('[data-testid=directory-row]')].map((r) => r.innerText);
      return rows.length > 0 && rows.every((r) => !names.includes(r));
    }, first);
    assert.equal(await pager.getByRole('button', { name: 'Sebelumnya', exact: true }).isDisabled(), false);
    await screenshot(page, 'desktop-directory-page-2');
    assert.deepEqual(page.errors, []);
  });

  test('the kiosk\'s recent collaborations leave out a cancelled commitment', async () => {
    const kept = await named('Yayasan Tetap Membantu', 'tetap@kiosk.example.id');
    // Then, at the same place, two units by another, who cancels.
    const keptView = await api(`/commitments/${kept.code}`);
    const made = await apiSend('POST', '/commitments', {
      location_id: keptView.location.id,
      lines: [{ package_id: keptView.lines[0].package_id, quantity: 2 }],
      planned_date: keptView.planned_date,
      collaborator: { name: 'Yayasan Yang Membatalkan', kind: 'organisation', email: 'batal@kiosk.example.id', phone: '081234567890', show_name: true },
    }, { 'Idempotency-Key': `e2e-kiosk-dropped-${Date.now()}` });
    assert.equal(made.status, 201, JSON.stringify(made.body));
    const dropped = { code: made.body.commitment.code, token: made.body.manage_token };
    const cancel = await apiSend('POST', `/commitments/${dropped.code}/cancel`, { token: dropped.token });
    assert.equal(cancel.status, 200, JSON.stringify(cancel.body));
    assert.ok(kept.code);

    const page = await openPage(browser(), { width: 1080, height: 1920 });
    await page.goto(`${BASE_URL}/kiosk`);
    // The first recent slide is the newest commitment that still stands.
    const recent = page.getByTestId('kiosk-slide-recent');
    await recent.waitFor({ timeout: 20_000 });
    const text = await recent.innerText();
    // The log names a guest only if confirmed when committing (these were
    // not): their quantities tell the two apart.
    assert.ok(text.includes(`berkomitmen 1 paket untuk ${keptView.location.name}`), text);
    assert.doesNotMatch(text, /berkomitmen 2 paket/);
    assert.deepEqual(page.errors, []);
  });

  test('one console queue tab is current at a time, and it follows the choice', async () => {
    const page = await openPage(browser(), DESKTOP);
    await page.goto(`${BASE_URL}/konsol`);
    const form = page.getByTestId('staff-sign-in');
    await form.locator('input[type=email]').fill(process.env.E2E_ADMIN_EMAIL ?? 'admin@e2e.example.id');
    await form.locator('input[type=password]').fill(process.env.E2E_ADMIN_PASSWORD ?? 'e2e-admin-password-123');
    await page.getByTestId('staff-sign-in-submit').click();
    await page.getByTestId('staff-name').waitFor();
    const tabs = page.locator('.queue-tab');
    await tabs.first().waitFor();
    const current = () => page.locator('.queue-tab[aria-current=page]');
    assert.ok((await tabs.count()) > 1);
    assert.equal(await current().count(), 1);
    const second = tabs.nth(1);
    const id = await second.getAttribute('data-testid');
    await second.click();
    await page.locator(`[data-testid=${id}][aria-current=page]`).waitFor();
    assert.equal(await current().count(), 1);
    assert.deepEqual(page.errors, []);
  });
});

/// The catalogue's package by id.
async function packageOf(id) {
  const { programs } = await api('/programs');
  return programs.flatMap((p) => p.packages).find((p) => p.id === id);
}

describe('journeys: frictions', () => {
  test('the home page says how giving works: one line that opens to three steps, already in the HTML', async () => {
    const html = await (await fetch(`${BASE_URL}/`)).text();
    assert.match(html, /<details class="how-it-works"><summary>Bagaimana cara membantu\?<\/summary>/);
    const page = await openPage(browser(), PHONE);
    await page.goto(`${BASE_URL}/`);
    await page.getByTestId('map-count').filter({ hasText: /\d/ }).waitFor();
    const how = page.getByTestId('how-it-works');
    assert.equal(await how.locator('li').first().isVisible(), false, 'folded at first');
    await how.locator('summary').click();
    assert.equal(await how.locator('li').count(), 3);
    assert.match(await how.innerText(), /membeli barangnya dan mengantarnya/);
    assert.match(await how.innerText(), /tercatat terbuka/);
    assert.deepEqual(page.errors, []);
    await page.context().close();
  });

  test('a place offers directions and sharing; a collaboration can be shared too', async () => {
    const receipt = await commitOneUnit({
      name: 'Yayasan Uji Berbagi', email: 'e2e-share@example.id', fromEnd: true, skip: 3, minPercent: 50,
    });
    const { code } = receipt.commitment;
    const detail = await api(`/locations/${receipt.commitment.location.id}`);
    const page = await openPage(browser(), PHONE, { permissions: ['clipboard-read', 'clipboard-write'] });
    await page.goto(`${BASE_URL}/lokasi/${detail.id}`);
    const directions = page.getByTestId('directions');
    await directions.waitFor();
    const href = new URL(await directions.getAttribute('href'));
    assert.equal(href.searchParams.get('destination'), `${detail.lat.toFixed(5)},${detail.lon.toFixed(5)}`);
    assert.equal(await directions.getAttribute('target'), '_blank');

    const placeUrl = `${BASE_URL}/lokasi/${detail.id}`;
    const whatsapp = new URL(await page.getByTestId('share-whatsapp').getAttribute('href'));
    assert.equal(whatsapp.origin, 'https://wa.me');
    const message = whatsapp.searchParams.get('text');
    assert.ok(message.includes(detail.name), message);
    assert.ok(message.endsWith(placeUrl), message);
    await page.getByTestId('share-copy').click();
    await page.getByText('Tautan disalin.').waitFor();
    assert.equal(await page.evaluate(() => navigator.clipboard.readText()), placeUrl);
    await screenshot(page, 'phone-location-share');

    await page.goto(`${BASE_URL}/kolaborasi/${code}`);
    await page.getByTestId('tracking-code').waitFor();
    const shared = new URL(await page.getByTestId('share-whatsapp').getAttribute('href')).searchParams.get('text');
    assert.ok(shared.includes(code) && shared.includes(detail.name), shared);
    assert.ok(shared.endsWith(`${BASE_URL}/kolaborasi/${code}`), shared);
    assert.deepEqual(page.errors, []);
    await page.context().close();
  });

  test('packages say what they hold, and a quantity and its unit read the same everywhere, in both languages', async () => {
    const receipt = await commitOneUnit({
      name: 'Yayasan Uji Satuan', email: 'e2e-units@example.id', fromEnd: true, skip: 5, minPercent: 50,
    });
    const line = receipt.commitment.lines[0];
    const pkg = await packageOf(line.package_id);
    const page = await openPage(browser(), PHONE);
    // What "reached" counts is said in the words of each kind of place.
    await page.goto(`${BASE_URL}/transparansi`);
    const cards = page.locator('.total-card:not(.total-card-pending)');
    await cards.first().waitFor();
    const totals = await page.locator('.total-card').allInnerTexts();
    assert.ok(totals.some((t) => t.includes('keluarga di RW terjangkau')), totals.join(' | '));
    assert.ok(totals.some((t) => t.includes('orang di lembaga & UMKM terjangkau')), totals.join(' | '));
    await page.goto(`${BASE_URL}/lokasi/${receipt.commitment.location.id}/bantu`);
    const row = page.locator(`[data-testid=package-line][data-package-id="${pkg.id}"]`);
    assert.equal(await row.getByTestId('package-contents').innerText(), pkg.description.id);

    await page.goto(`${BASE_URL}/kolaborasi/${receipt.commitment.code}`);
    const tracked = page.locator(`[data-testid=tracking-line][data-package-id="${pkg.id}"]`);
    await tracked.waitFor();
    const plain = async (locator) => (await locator.innerText()).replace(/\u200b/g, '');
    assert.equal(await plain(tracked.getByTestId('tracking-quantity')), `1 ${pkg.unit.id}`);
    assert.match(await plain(tracked.locator('th')), new RegExp(`per ${pkg.unit.id.replace('/', '\\/')}`));
    assert.doesNotMatch(await plain(tracked), /satuan/);

    await page.locator('.lang-switch').click();
    await page.locator('.lang-switch', { hasText: 'Bahasa Indonesia' }).waitFor();
    assert.equal(await plain(tracked.getByTestId('tracking-quantity')), `1 × ${pkg.unit.en}`);
    assert.match(await plain(tracked.locator('th')), new RegExp(`per ${pkg.unit.en.replace('/', '\\/')}`));
    await page.goto(`${BASE_URL}/lokasi/${receipt.commitment.location.id}/bantu`);
    assert.equal(await row.getByTestId('package-contents').innerText(), pkg.description.en);
    await screenshot(page, 'phone-commit-contents-en');
    assert.deepEqual(page.errors, []);
    await page.context().close();
  });
});
