// Automated WCAG 2.1 A/AA checks (axe-core) on every page at a phone size,
// and the layout at 200 % browser zoom (a desktop window at half its width in
// CSS pixels, which is what zooming does to the layout).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import { BASE_URL, PHONE, api, apiSend, sharedBrowser, openPage } from './support.mjs';

const require = createRequire(import.meta.url);
const AXE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

const browser = sharedBrowser();

/// A place that still needs something, and one of its open packages.
async function openPlace() {
  const { locations } = await api('/locations');
  for (const l of locations.filter((x) => x.remaining_percent > 0).sort((a, b) => b.id - a.id)) {
    const detail = await api(`/locations/${l.id}`);
    const need = detail.needs.find((n) => n.remaining > 0);
    if (detail.active && need) return { detail, need };
  }
  throw new Error('no open place in the demo data');
}

/// A commitment made through the API; cancelled again by the test.
async function commitment(detail, need) {
  // Two days ahead: inside the window whichever time zone the server counts in.
  const date = new Date(Date.now() + 2 * 86_400_000).toISOString().slice(0, 10);
  const res = await apiSend('POST', '/commitments', {
    location_id: detail.id,
    lines: [{ package_id: need.package_id, quantity: 1 }],
    planned_date: date,
    collaborator: { name: 'Uji Aksesibilitas', kind: 'individual', email: 'uji@contoh.id', phone: '081234567890', show_name: false },
  }, { 'Idempotency-Key': `a11y-${Date.now()}` });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  return res.body;
}

async function violations(page) {
  await page.addScriptTag({ content: AXE });
  const result = await page.evaluate(() =>
    // eslint-disable-next-line no-undef
    axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } }));
  // A run that checked nothing would pass vacuously.
  assert.ok(result.passes.length > 20, `axe checked only ${result.passes.length} rules`);
  return result.violations.map((v) => `${v.id} (${v.impact}): ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(', ')}`);
}

describe('accessibility', () => {
  for (const [name, path] of [['map', '/'], ['list', '/?view=list'], ['about', '/tentang']]) {
    test(`the ${name} page has no WCAG A/AA violations`, async () => {
      const page = await openPage(browser(), PHONE);
      await page.goto(`${BASE_URL}${path}`);
      await page.getByTestId(name === 'about' ? 'area-attribution' : 'list-count').waitFor({ state: 'attached' });
      assert.deepEqual(await violations(page), []);
    });
  }

  test('a location page has no WCAG A/AA violations', async () => {
    const { locations } = await api('/locations?category=pesantren');
    const page = await openPage(browser(), PHONE);
    await page.goto(`${BASE_URL}/lokasi/${locations[0].id}`);
    await page.getByTestId('location-profile').waitFor();
    assert.deepEqual(await violations(page), []);
  });

  // 360 px: the narrowest common phone; 640 × 400: a 1280 × 800 window at 200 % zoom.
  for (const viewport of [{ width: 360, height: 740 }, { width: 640, height: 400 }]) {
    test(`at ${viewport.width} px nothing needs horizontal scrolling and controls stay 44 px`, async () => {
      const page = await openPage(browser(), viewport);
      const fits = async (path) => {
        await page.goto(`${BASE_URL}${path}`);
        await page.locator('footer').waitFor();
        await page.waitForLoadState('networkidle');
        const overflow = await page.evaluate(
          () => document.documentElement.scrollWidth - document.documentElement.clientWidth);
        assert.equal(overflow, 0, `${path} is wider than the viewport`);
      };
      for (const path of ['/', '/?view=list', '/tentang', '/antrean']) await fits(path);
      // Every control a finger uses, in the list and on the map.
      const controls = 'button, select, summary, label.chip, .view-switch a, .main-nav a, '
        + '.location-row a, .site-footer a, .leaflet-control-zoom a';
      for (const [path, ready] of [['/?view=list', '.location-row'], ['/', '.leaflet-control-zoom']]) {
        await page.goto(`${BASE_URL}${path}`);
        await page.locator(ready).first().waitFor();
        const small = await page.locator(controls).evaluateAll((els) => els
          .filter((e) => e.offsetParent !== null)
          .map((e) => [e.className || e.tagName, Math.round(e.getBoundingClientRect().height)])
          .filter(([, h]) => h < 44));
        assert.deepEqual(small, [], `${path}: controls under 44 px`);
      }
      // Last: it turns the tab into a kiosk.
      await fits('/kiosk');
    });
  }

  test('the sign-in, registration and code lookup pages have no WCAG A/AA violations, also with errors shown', async () => {
    const page = await openPage(browser(), PHONE);
    for (const path of ['/masuk', '/daftar', '/kolaborasi']) {
      await page.goto(`${BASE_URL}${path}`);
      await page.locator('form button[type=submit]').waitFor();
      assert.deepEqual(await violations(page), [], path);
      await page.locator('form button[type=submit]').click();
      await page.locator('.field-error').first().waitFor();
      assert.deepEqual(await violations(page), [], `${path} with errors`);
    }
  });

  test('the commit form (each step, with errors) and a tracking page have no WCAG A/AA violations', async () => {
    const { detail, need } = await openPlace();
    const page = await openPage(browser(), PHONE);
    await page.goto(`${BASE_URL}/lokasi/${detail.id}/bantu`);
    await page.getByTestId('package-line').first().waitFor();
    assert.deepEqual(await violations(page), [], 'step 1');
    await page.locator(`[data-testid=package-line][data-package-id="${need.package_id}"] input`).fill('1');
    await page.getByTestId('next').click();
    await page.locator('#f-planned_date').waitFor();
    await page.getByTestId('next').click();
    await page.locator('#f-collaborator-phone-error').waitFor();
    assert.deepEqual(await violations(page), [], 'step 2 with errors');

    const receipt = await commitment(detail, need);
    const code = receipt.commitment.code;
    await page.goto(`${BASE_URL}/kolaborasi/${code}#kelola=${receipt.manage_token}`);
    await page.getByTestId('manage-panel').waitFor();
    assert.deepEqual(await violations(page), [], 'tracking page with its manage panel');
    await page.getByTestId('cancel').click();
    await page.getByTestId('cancel-confirm').click();
    await page.locator('[data-testid=tracking-status][data-status=cancelled]').waitFor();
  });

  for (const viewport of [{ width: 360, height: 740 }, { width: 640, height: 400 }]) {
    test(`at ${viewport.width} px the commit form and tracking page fit and their controls stay 44 px`, async () => {
      const { detail, need } = await openPlace();
      const page = await openPage(browser(), viewport);
      const controls = 'button, input:not([type=radio]):not([type=checkbox]), label.choice, .check label, '
        + '.main-nav a, .account-link, .step-footer a';
      const check = async (what) => {
        const overflow = await page.evaluate(
          () => document.documentElement.scrollWidth - document.documentElement.clientWidth);
        assert.equal(overflow, 0, `${what} is wider than the viewport`);
        const small = await page.locator(controls).evaluateAll((els) => els
          .filter((e) => e.offsetParent !== null)
          .map((e) => [e.id || e.className || e.tagName, Math.round(e.getBoundingClientRect().height)])
          .filter(([, h]) => h < 44));
        assert.deepEqual(small, [], `${what}: controls under 44 px`);
      };
      await page.goto(`${BASE_URL}/lokasi/${detail.id}/bantu`);
      await page.getByTestId('package-line').first().waitFor();
      await check('step 1');
      await page.locator(`[data-testid=package-line][data-package-id="${need.package_id}"] input`).fill('1');
      await page.getByTestId('next').click();
      await page.locator('#f-planned_date').waitFor();
      await page.getByTestId('next').click();
      await page.locator('#f-collaborator-phone-error').waitFor();
      await check('step 2');
      const receipt = await commitment(detail, need);
      await page.goto(`${BASE_URL}/kolaborasi/${receipt.commitment.code}#kelola=${receipt.manage_token}`);
      await page.getByTestId('manage-panel').waitFor();
      await check('tracking page');
      await apiSend('POST', `/commitments/${receipt.commitment.code}/cancel`, { token: receipt.manage_token });
    });
  }
});
