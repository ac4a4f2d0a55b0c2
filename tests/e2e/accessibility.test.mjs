// Automated WCAG 2.1 A/AA checks (axe-core) on every page at a phone size,
// and the layout at 200 % browser zoom (a desktop window at half its width in
// CSS pixels, which is what zooming does to the layout).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import { BASE_URL, PHONE, api, sharedBrowser, openPage } from './support.mjs';

const require = createRequire(import.meta.url);
const AXE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

const browser = sharedBrowser();

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
      for (const path of ['/', '/?view=list', '/tentang']) {
        await page.goto(`${BASE_URL}${path}`);
        await page.locator('footer').waitFor();
        await page.waitForLoadState('networkidle');
        const overflow = await page.evaluate(
          () => document.documentElement.scrollWidth - document.documentElement.clientWidth);
        assert.equal(overflow, 0, `${path} is wider than the viewport`);
      }
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
    });
  }
});
